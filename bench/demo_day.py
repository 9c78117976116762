"""A day (or any length) of the demo line written through the real journal writer, fast.

    .venv/bin/python bench/demo_day.py --timing-from RECORDING.db [--hours 24] [--dir /tmp/day]

Why: the issue's "bytes per sample at rest for the demo line" is about a closed daily file, and the
live demo cannot record a day in less than a day (`--time-factor` speeds up the line's physics, not
its 10 Hz publishing). Here the simulated line (`connectors.sim.model.LineModel`, the demo's fault
schedule, the same values the demo server publishes: a tag only when it changed, Bad values as
BadSensorFailure) is stepped at the server's 10 Hz tick as fast as the CPU allows, and each tick's
changes go into `hmi.core.journal.Journal` (rollups, commits every `commit_interval_ms` of simulated
time, daily rotation) together with the alarm engine's events, as `linehmi shift-replay` does.

Timestamps are the part a simulation cannot know, and they decide about a third of the compressed
size: the tick times (when the server's fixed-rate loop ran), the received times (when the client
got the notification) and their spacing inside one notification are drawn independently from
their distributions in a real recording of the demo (`--timing-from`, e.g. a `linehmi demo
--headless` journal). Independent draws carry no more structure than the real clocks had, so the
compressed size is, if anything, overstated. `bench/compact_storage.py --demo-db` on a 20-minute
synthetic file next to a real 20-minute recording checks that (bench/README.md).

Not in it: the model-derived tags the runtime adds (fault risk, RUL, QC defect rate: about 1 % of
the demo's samples) and the runtime's own events (connection, machine states, start/stop).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors.sim.faults import load_schedule  # noqa: E402
from connectors.sim.shift_replay import changed_samples, open_simulated_line  # noqa: E402
from hmi.core.config import DEMO_CONFIG, load_config  # noqa: E402
from hmi.core.samples import SampleBatch  # noqa: E402

TICK_S = 0.1  # the demo server's tick (10 Hz)


class Timing:
    """Empirical distributions of a recording's clocks: tick intervals, the delay from a tick to
    its notification's receipt, and the spacing of received times inside one notification."""

    def __init__(self, recording: Path) -> None:
        conn = sqlite3.connect(f"file:{recording}?mode=ro", uri=True)
        try:
            rows = conn.execute(
                "SELECT source_ts, received_ts FROM samples WHERE source_ts IS NOT NULL"
                " AND received_ts IS NOT NULL ORDER BY source_ts, id"
            ).fetchall()
        finally:
            conn.close()
        a = np.array(rows, dtype=np.float64)
        src, rcv = a[:, 0], a[:, 1]
        new_tick = np.r_[True, src[1:] != src[:-1]]
        ticks = src[new_tick]
        iv = np.diff(ticks)
        self.intervals = iv[(iv > 0) & (iv < 1.0)]  # a gap (restart, stall) is not a tick interval
        first = np.flatnonzero(new_tick)
        delay = rcv[first] - src[first]
        self.delays = delay[(delay >= 0) & (delay < 2.0)]
        step = np.diff(rcv)[~new_tick[1:]]
        self.spacing = step[(step >= 0) & (step < 0.01)]
        if not (len(self.intervals) and len(self.delays) and len(self.spacing)):
            raise SystemExit(f"{recording}: too few samples to take the clocks' distributions from")


def synth(directory: Path, hours: float, timing: Timing, seed: int = 1, t0: float | None = None) -> Path:
    """Write `hours` of the demo line into a journal file in `directory`; its path."""
    cfg = load_config(DEMO_CONFIG)
    rng = np.random.default_rng(seed)
    start = t0 if t0 is not None else dt.datetime(2026, 3, 10).timestamp()  # a local midnight
    try:
        line = open_simulated_line(cfg, load_schedule(), seed, directory, start)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    model, journal, engine, now = line.model, line.journal, line.engine, line.now
    index = cfg.tag_index()
    last: dict[str, float] = {}
    commit_every = max(1, round(cfg.journal.commit_interval_ms / 1000.0 / TICK_S))
    steps = int(hours * 3600.0 / TICK_S)
    # One draw per tick (and per sample for the spacing), in blocks to keep numpy's overhead low.
    block = 10_000
    t = start
    try:
        for k in range(steps):
            j = k % block
            if j == 0:
                iv = rng.choice(timing.intervals, block)
                delay = rng.choice(timing.delays, block)
                spacing = rng.choice(timing.spacing, (block, 64))
            if k:
                model.advance(TICK_S)
                t += float(iv[j])
            changed = changed_samples(model, index, last, t)  # what the server publishes at this tick
            n = len(changed)
            now[0] = t
            if n:
                received = t + float(delay[j]) + np.r_[0.0, np.cumsum(spacing[j, : n - 1])]
                batch = SampleBatch.from_columns(
                    changed.tag_idx,
                    changed.source_ts,
                    changed.server_ts,
                    received,
                    changed.value,
                    changed.status,
                )
                journal.write_samples(batch)
                engine.process(batch)
            if k % 5 == 0:
                engine.tick(t)
            if k % commit_every == commit_every - 1:
                journal.flush()  # a commit per commit interval of simulated time, as the live writer
    finally:
        journal.close()
    return journal.path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    p.add_argument("--timing-from", type=Path, required=True, help="a real demo recording (journal .db)")
    p.add_argument("--hours", type=float, default=24.0)
    p.add_argument("--dir", type=Path, required=True, help="where the journal file is written")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    wall = time.perf_counter()
    path = synth(args.dir, args.hours, Timing(args.timing_from), args.seed)
    conn = sqlite3.connect(path)
    try:
        n = conn.execute("SELECT count(*) FROM samples").fetchone()[0]
        ev = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        cm = conn.execute("SELECT count(*) FROM commits").fetchone()[0]
    finally:
        conn.close()
    took = time.perf_counter() - wall
    print(f"{path}: {args.hours:g} h, {n:,} samples, {ev:,} events, {cm:,} commits in {took:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
