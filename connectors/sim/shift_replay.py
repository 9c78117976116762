"""The demo shift through the real alarm engine, on the simulator's clock (no OPC UA, no Qt).

Why: the alarm KPIs of the demo line (ISA-18.2 / EEMUA 191: alarms per 10 min,
floods, chattering, priorities) are a property of the line's alarm design, and
checking them by running the demo for 13 real minutes is too slow to repeat
after every change. Here the simulated line (`connectors.sim.model`, the same
physics and the same fault schedule the demo server serves) is stepped as fast
as the CPU allows; its values go, as the server would publish them (only
changes, BadSensorFailure for a dropped-out sensor), into the alarm engine of
the line config, whose clock is the simulated one. The engine journals into a
real journal file, and the KPI report is computed from that file by the same
code as ``linehmi alarms report``.

    linehmi shift-replay                       the demo line, the demo schedule, 13 minutes
    linehmi shift-replay --minutes 30 --json   a longer shift, machine-readable

Not replayed: model-derived tags (failure risk, predicted RUL: advisories,
never counted in the KPIs) and the QC camera's defect rate (it needs the
camera images and the QC model; its alarm is counted in a live demo only).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from connectors.sim.faults import FaultSpec, load_schedule
from connectors.sim.model import LineModel
from hmi.core.alarms.definitions import load_definitions
from hmi.core.alarms.engine import AlarmEngine
from hmi.core.alarms.kpi import KpiReport, format_report, report
from hmi.core.alarms.model import AlarmRecord
from hmi.core.config import DEMO_CONFIG, LineConfig, load_config
from hmi.core.journal import Journal
from hmi.core.quality import BAD_SENSOR_FAILURE
from hmi.core.samples import SampleBatch

# A fixed start (2026-01-05 06:00 UTC, a Monday morning shift) so that replays are reproducible.
REPLAY_T0 = 1767592800.0
DEMO_SHIFT_S = 13 * 60.0
TICK_S = 0.1  # the demo server's default tick (10 Hz)


@dataclass
class Activation:
    """One annunciated activation, as the operator saw it."""

    t: float  # seconds since the start of the replay
    alarm: str
    machine: str
    message: str
    first_out: bool
    first_out_of: str


@dataclass
class ReplayResult:
    journal: Path
    kpi: KpiReport
    activations: list[Activation] = field(default_factory=list)
    trips: list[tuple[float, str, str]] = field(default_factory=list)  # (t, machine, fault code label)


def changed_samples(model: LineModel, index: dict[str, int], last: dict[str, float], t: float) -> SampleBatch:
    """The values that changed since the previous call, as the server publishes them."""
    vals = model.values()
    bad = model.bad_tags()
    idx: list[int] = []
    value: list[float] = []
    status: list[int] = []
    for name, v in vals.items():
        i = index.get(name)
        if i is None:
            continue
        if name in bad:
            if name in last and math.isnan(last[name]):
                continue
            last[name] = math.nan
            idx.append(i)
            value.append(math.nan)
            status.append(BAD_SENSOR_FAILURE)
            continue
        if last.get(name) == v:
            continue
        last[name] = v
        idx.append(i)
        value.append(v)
        status.append(0)
    n = len(idx)
    ts = np.full(n, t)
    return SampleBatch.from_columns(idx, ts, ts, ts, value, status)


@dataclass
class SimulatedLine:
    """The simulated line, a journal on the simulator's clock (`now[0]`) and the line config's alarm
    engine journaling into it: what the shift replay and bench/demo_day.py step through."""

    model: LineModel
    journal: Journal
    engine: AlarmEngine
    now: list[float]


def open_simulated_line(
    cfg: LineConfig, schedule: Sequence[FaultSpec], seed: int, directory: Path, t0: float
) -> SimulatedLine:
    """Open the journal (its clock reads `now[0]`, fsync off: nothing here survives a crash anyway)
    and the alarm engine; ValueError naming the problems when the config's alarm definitions are
    refused (the journal is closed again)."""
    now = [t0]
    journal = Journal(cfg, directory, clock=lambda: now[0], synchronous="OFF")
    journal.open()
    defs, problems = load_definitions(cfg)
    if problems:
        journal.close()
        raise ValueError("alarm definitions refused: " + "; ".join(str(p) for p in problems))
    engine = AlarmEngine(cfg, defs, journal, clock=lambda: now[0])
    return SimulatedLine(LineModel(seed, faults=list(schedule)), journal, engine, now)


def replay(
    config: LineConfig | None = None,
    *,
    faults: Sequence[FaultSpec] | None = None,
    duration_s: float = DEMO_SHIFT_S,
    seed: int = 1,
    journal_dir: Path | None = None,
    t0: float = REPLAY_T0,
) -> ReplayResult:
    """Run the shift; the journal goes to `journal_dir` (a temporary folder when None)."""
    cfg = config if config is not None else load_config(DEMO_CONFIG)
    schedule = list(faults) if faults is not None else load_schedule()
    directory = (
        Path(journal_dir) if journal_dir is not None else Path(tempfile.mkdtemp(prefix="linehmi-replay-"))
    )
    line = open_simulated_line(cfg, schedule, seed, directory, t0)
    model, journal, engine, now = line.model, line.journal, line.engine, line.now
    result_acts: list[Activation] = []

    def on_change(records: list[AlarmRecord]) -> None:
        for r in records:
            if r.active and r.activated_at == now[0] and r.count and r.changed_at == now[0]:
                result_acts.append(
                    Activation(now[0] - t0, r.id, r.machine, r.message, r.first_out, r.first_out_of)
                )

    engine.on_change(on_change)
    index = cfg.tag_index()
    last: dict[str, float] = {}
    trips: list[tuple[float, str, str]] = []
    states = {m.id: m.state_tag for m in cfg.machines if m.state_tag}
    prev_state: dict[str, float] = {}
    try:
        steps = round(duration_s / TICK_S)
        for k in range(steps + 1):
            if k:
                model.step(TICK_S)
            now[0] = t0 + k * TICK_S
            batch = changed_samples(model, index, last, now[0])
            if len(batch):
                engine.process(batch)
            if k % 5 == 0:
                engine.tick(now[0])
            for machine in states:
                s = float(model.state(machine))
                if prev_state.get(machine) != s and model.state(machine).name == "FAULTED":
                    trips.append((now[0] - t0, machine, model.fault_code(machine).name.lower()))
                prev_state[machine] = s
    finally:
        journal.close()
    kpi = report(journal.path, start=t0, end=t0 + duration_s)
    return ReplayResult(journal.path, kpi, result_acts, trips)


def iter_lines(res: ReplayResult) -> Iterator[str]:
    yield f"journal: {res.journal}"
    yield "machine trips (simulator): " + (
        ", ".join(f"{m} {code} at {t:.0f} s" for t, m, code in res.trips) or "none"
    )
    yield f"annunciated alarms ({len(res.activations)}):"
    for a in res.activations:
        mark = " [1st]" if a.first_out else (f" [after {a.first_out_of}]" if a.first_out_of else "")
        yield f"  {a.t:6.1f} s  {a.alarm:<32} {a.message}{mark}"
    yield ""
    yield format_report(res.kpi)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="linehmi shift-replay",
        description="Replay the demo shift (simulated line + fault schedule) through the alarm engine "
        "on the simulator's clock, and print the alarms it annunciated and the ISA-18.2 KPI report.",
    )
    p.add_argument("--config", help="line config (default: the demo line)")
    p.add_argument("--schedule", help="fault schedule TOML (default: resources/demo_sim.toml)")
    p.add_argument("--minutes", type=float, default=DEMO_SHIFT_S / 60, help="shift length (default 13)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--journal-dir", help="keep the journal here (default: a temporary folder)")
    p.add_argument("--json", action="store_true", help="the KPI report as JSON")
    args = p.parse_args(argv)
    cfg = load_config(args.config) if args.config else None
    res = replay(
        cfg,
        faults=load_schedule(args.schedule) if args.schedule else None,
        duration_s=args.minutes * 60.0,
        seed=args.seed,
        journal_dir=Path(args.journal_dir) if args.journal_dir else None,
    )
    if args.json:
        print(json.dumps(res.kpi.to_dict(), indent=2))
    else:
        for line in iter_lines(res):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
