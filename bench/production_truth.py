"""LineHMI's production figures against the simulator's ground truth, for a full 8 h shift.

    .venv/bin/python bench/production_truth.py [--hours 8] [--seed 7] [--keep DIR]

1. The simulator runs a shift (connectors/sim/shift.py: resources/sim_shift.toml's
   scheduled stops of known reasons, the calendar's planned breaks, a changeover,
   random jams as micro-stops, rejects) in simulated time and journals what an
   OPC UA subscription delivers; it keeps the truth (connectors/sim/truth.py).
2. LineHMI summarises the shift from the journal file alone
   (hmi.core.production.journal_io.shift_summary): A, P, Q, OEE and downtime
   per reason for the line (constraint: capper).
3. The truth is computed here, independently: from the model's exact state
   intervals (0.5 s), the true cause of every stop (the fault the model was
   given, not a PLC code) and the physical cause of every idle stretch (which
   buffer, which neighbour), with the same definitions (docs/production.md).

Also the time to compute a shift's OEE from the journal (target <= 200 ms for
8 h), warm, median of 7, against a baseline in the same run: reading the same
tags' raw samples with the journal's generic reader (JournalReader.read_samples).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import statistics
import tempfile
import time
from pathlib import Path

from connectors.sim.shift import load_plan, run_shift
from connectors.sim.truth import truth_figures
from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.journal_read import open_journal_readonly
from hmi.core.production.journal_io import shift_summary
from hmi.core.production.setup import ProductionSetup


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", help="keep the journal and truth in this directory")
    ap.add_argument(
        "--publish-s",
        type=float,
        default=6.0,
        help="simulated seconds between published values (6 = the demo server at time factor 60, 10 Hz)",
    )
    args = ap.parse_args()
    config = load_config(DEMO_CONFIG)
    setup = ProductionSetup.from_config(config)
    assert setup is not None
    start = _dt.datetime(2026, 3, 2, 6, 0).timestamp()  # an early shift, local time
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.keep or tmp)
        t = time.perf_counter()
        truth = run_shift(config, out, start, args.hours, load_plan(), args.seed, publish_s=args.publish_s)
        sim_s = time.perf_counter() - t
        path = Path(truth["journal"])
        t = time.perf_counter()
        summary = shift_summary(path, start + 1.0)
        first = time.perf_counter() - t
        times = []
        for _ in range(7):
            t = time.perf_counter()
            shift_summary(path, start + 1.0)
            times.append(time.perf_counter() - t)
        tags = [t for m in setup.machines for t in m.tags]
        base = []
        for _ in range(3):
            t = time.perf_counter()
            with open_journal_readonly(path) as r:
                r.read_samples(tags, start, start + args.hours * 3600)
            base.append(time.perf_counter() - t)
        size_mb = path.stat().st_size / 1e6
    tf = truth_figures(
        truth, setup.constraint, setup.output, setup.short_stop_s, setup.machine(setup.constraint).ideal_rate
    )
    f = summary.line_oee
    print(
        f"shift {args.hours:g} h simulated in {sim_s:.1f} s (seed {args.seed}, values published every "
        f"{args.publish_s:g} simulated s); journal {size_mb:.1f} MB"
    )
    print("\n| line (constraint capper) | LineHMI | truth | difference |")
    print("|---|---|---|---|")
    for name, mine, true in (
        ("Availability", f.availability, tf["A"]),
        ("Performance", f.performance, tf["P"]),
        ("Quality", f.quality, tf["Q"]),
        ("OEE", f.oee, tf["OEE"]),
    ):
        print(f"| {name} | {mine:.2%} | {true:.2%} | {(mine or 0) - true:+.2%} |")
    print(
        f"| good bottles (labeller) | {f.good:,.0f} | {tf['good']:,} | {(f.good or 0) - tf['good']:+,.0f} |"
    )
    print("\n| downtime by reason (line) | LineHMI min | truth min | difference min |")
    print("|---|---|---|---|")
    mine = {p.reason if p.reason != "?" else "(cause not found)": p.seconds for p in summary.pareto}
    if "" in mine:
        mine["(planned stop)"] = mine.pop("")
    for r in sorted(
        set(mine) | set(tf["reasons"]), key=lambda r: -max(mine.get(r, 0), tf["reasons"].get(r, 0))
    ):
        a, b = mine.get(r, 0.0) / 60, tf["reasons"].get(r, 0.0) / 60
        print(f"| {r} | {a:.2f} | {b:.2f} | {a - b:+.2f} |")
    print(f"\nflags: {summary.flags + list(f.flags) or 'none'}")
    med, b_med = statistics.median(times), statistics.median(base)
    print(
        f"\nshift OEE from the journal ({args.hours:g} h): median {med * 1000:.0f} ms of 7 "
        f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}; first call {first * 1000:.0f}); "
        "target <= 200 ms"
    )
    print(
        f"baseline, raw samples of the same {len(tags)} tags with JournalReader.read_samples: "
        f"{b_med * 1000:.0f} ms (ratio {med / b_med:.2f})"
    )


if __name__ == "__main__":
    main()
