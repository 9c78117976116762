"""A whole simulated shift into a journal, as fast as the model runs, with its ground truth.

    python -m connectors.sim.shift --journal-dir /tmp/shift --truth /tmp/shift/truth.json
    python -m connectors.sim.shift --plan resources/sim_shift.toml --hours 8 --start 2026-03-02T06:00

The line model (connectors/sim/model.py) is stepped in simulated time (0.5 s
steps, infinitely faster than the wall clock) with the shift plan's scheduled
stops (a fault schedule: jams, a motor trip, a changeover, planned stops),
random jams (the micro-stops) and its reject model; the line config's planned
breaks stop the whole line. What an OPC UA subscription would deliver is
journaled the way LineHMI journals it: state and fault-code tags on change,
counters every second, with the production model's snapshot, so the file is
analysable on its own (`linehmi production summary --db FILE`). The truth
(connectors/sim/truth.py) says what really happened, for bench/production_truth.py.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from connectors.sim.faults import FaultKind, FaultSpec, load_schedule, make_fault
from connectors.sim.model import LineModel
from connectors.sim.truth import TruthRecorder
from hmi.core.config import DEMO_CONFIG, LineConfig, load_config
from hmi.core.journal import Journal
from hmi.core.production.journal_io import snapshot_event
from hmi.core.production.setup import ProductionSetup
from hmi.core.samples import SampleBatch

SHIFT_PLAN = Path(__file__).resolve().parents[2] / "resources" / "sim_shift.toml"
WARMUP_S = 120.0  # the line starts before the shift, so the shift begins with it running
STEP_S = 0.5
COUNTER_PERIOD_S = 1.0  # the demo config samples counters every 1000 ms
BREAK_RESTART_LEAD_S = 8.0  # operators restart a little before the break ends


def break_stops(setup: ProductionSetup, start: float, end: float, origin: float) -> list[FaultSpec]:
    """Planned stops of every machine for the calendar's breaks in [start, end)."""
    out = []
    for a, b, _name in setup.calendar.breaks_between(start, end):
        for m in setup.ids:
            out.append(
                make_fault(
                    m, "planned_stop", start=a - origin, duration=max(1.0, b - a - BREAK_RESTART_LEAD_S)
                )
            )
    return out


def run_shift(
    config: LineConfig,
    journal_dir: Path,
    start: float,
    hours: float = 8.0,
    plan: list[FaultSpec] | None = None,
    seed: int = 7,
    random_jams: bool = True,
    publish_s: float = STEP_S,
) -> dict[str, Any]:
    """Simulate [start, start + hours) into a journal in `journal_dir`; returns the ground truth.

    `publish_s`: simulated seconds between the values the HMI sees (the model still steps in
    0.5 s substeps): 0.5 s is a PLC sampled at 2 Hz; 6 s is the demo server at time factor 60
    and 10 ticks per second, where a state change shows up to 6 simulated seconds late."""
    setup = ProductionSetup.from_config(config)
    if setup is None:
        raise ValueError("the line config has no [production] table")
    end = start + hours * 3600.0
    origin = start - WARMUP_S
    # Plan times are relative to the shift start; the model's clock starts at `origin`.
    faults = [replace(f, start_s=f.start_s + WARMUP_S) for f in (plan or [])]
    faults += break_stops(setup, start, end, origin)
    model = LineModel(seed, faults=faults, random_jams=random_jams)
    model.truth = TruthRecorder(t_origin=origin)
    # Journal rotation off: one file for the shift whatever the wall clock says.
    cfg = config.model_copy(update={"journal": config.journal.model_copy(update={"rotation": "none"})})
    index = cfg.tag_index()
    state_tags = [t for m in setup.machines for t in (m.state_tag, m.fault_tag) if t]
    counter_tags = [
        t for m in setup.machines for t in (m.good_counter, m.reject_counter, m.total_counter) if t
    ]
    s_idx = np.array([index[t] for t in state_tags], dtype=np.int32)
    c_idx = np.array([index[t] for t in counter_tags], dtype=np.int32)
    last_state = np.full(len(state_tags), np.nan)
    # The journal's own events ("journal opened/closed") on the simulated clock, like the samples:
    # the record ends where its last evidence is (journal_io.record_window), not at today's date.
    journal = Journal(cfg, journal_dir, synchronous="OFF", clock=lambda: origin + model.t_sim)
    journal.open()
    try:
        journal.write_event(snapshot_event(setup, origin))
        n_steps = round((end - origin) / publish_s)
        per_counter = max(1, round(COUNTER_PERIOD_S / publish_s))
        rows: list[tuple[np.ndarray, float, np.ndarray]] = []
        counts: dict[str, dict[str, list[int]]] = {}
        for k in range(1, n_steps + 1):
            model.step(publish_s)
            ts = origin + model.t_sim
            if "start" not in counts and ts >= start:
                counts["start"] = {n: [mm.good, mm.rejects] for n, mm in model.m.items()}
            v = model.values()
            sv = np.array([v[t] for t in state_tags])
            changed = sv != last_state
            if changed.any():
                last_state = sv
                rows.append((s_idx[changed], ts, sv[changed]))
            if k % per_counter == 0:
                rows.append((c_idx, ts, np.array([v[t] for t in counter_tags])))
            if len(rows) >= 2000 or k == n_steps:
                idx = np.concatenate([r[0] for r in rows])
                tss = np.concatenate([np.full(len(r[0]), r[1]) for r in rows])
                val = np.concatenate([r[2] for r in rows])
                zeros = np.zeros(len(idx), dtype=np.uint32)
                journal.write_samples(SampleBatch.from_columns(idx, tss, tss, tss, val, zeros))
                rows = []
        journal.flush(60)
    finally:
        journal.close()
    truth = model.truth.export(model)
    counts["end"] = {n: [mm.good, mm.rejects] for n, mm in model.m.items()}
    truth["counts"] = counts  # true good/rejects per machine at the shift start and end
    truth["shift"] = {"start": start, "end": end}
    truth["breaks"] = [[a, b, n] for a, b, n in setup.calendar.breaks_between(start, end)]
    truth["plan"] = [str(f) for f in plan or []]
    truth["journal"] = str(journal.path)
    return truth


def load_plan(path: Path | str | None = None) -> list[FaultSpec]:
    """The shift plan: a fault schedule whose times count from the shift start."""
    plan = load_schedule(path or SHIFT_PLAN)
    for f in plan:
        if f.kind in (FaultKind.BEARING_WEAR, FaultKind.OVERHEAT) and f.repair_s is None:
            raise ValueError(f"{f}: a shift plan needs a repair time, or the line stays down")
    return plan


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m connectors.sim.shift", description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default=str(DEMO_CONFIG), help="line config with [production] and [shifts]")
    p.add_argument("--plan", default=str(SHIFT_PLAN), help="shift plan (fault schedule TOML)")
    p.add_argument("--journal-dir", required=True)
    p.add_argument("--truth", help="write the ground truth JSON here")
    p.add_argument("--start", default="2026-03-02T06:00", help="shift start, local ISO time")
    p.add_argument("--hours", type=float, default=8.0)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--publish-s", type=float, default=STEP_S, help="simulated seconds between published values"
    )
    args = p.parse_args(argv)
    try:
        config = load_config(args.config)
        plan = load_plan(args.plan)
        start = _dt.datetime.fromisoformat(args.start).timestamp()
    except Exception as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    truth = run_shift(
        config, Path(args.journal_dir), start, args.hours, plan, args.seed, publish_s=args.publish_s
    )
    if args.truth:
        Path(args.truth).write_text(json.dumps(truth, indent=1))
    print(f"journal: {truth['journal']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
