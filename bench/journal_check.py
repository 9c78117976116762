"""Cost of SQLite's page check at a journal's first open (hmi.core.readonly_db.check_sound).

    .venv/bin/python bench/journal_check.py [--data DIR] [--rounds 3]

Uses bench/review.py's 24 h journal (40 tags at 1 Hz; written into --data on the first run) and
times, alternating in the same run, what the review window needs before it is usable
(`ReviewSource.open` + `build_timeline`) three ways: with no check (the baseline), with the whole
file's `quick_check` at open (G29's first fix, 2026-12-06), and with this tree's check at open (every
table but the sample data, `quick_check(<table>)`; the sample data is checked where it is read and in
the review window's background). The verdict cache is emptied before each round, so every round pays
its check once, as a fresh `linehmi review`/`report` process does. Also prints the bare
`PRAGMA quick_check(1)` and `PRAGMA integrity_check(1)` on the file (the background check's cost).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from review import write_day  # noqa: E402

from hmi.core import readonly_db  # noqa: E402
from hmi.core.review.source import ReviewSource  # noqa: E402
from hmi.core.review.timeline import build_timeline  # noqa: E402


def open_review(d: Path) -> float:
    t = time.perf_counter()
    build_timeline(ReviewSource.open([d]))
    return time.perf_counter() - t


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=Path("/tmp/linehmi-bench-journal-check"))
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    d: Path = args.data
    d.mkdir(parents=True, exist_ok=True)
    if not any(d.glob("*.db")):
        write_day(d, 1_765_000_000.0, 24.0, 40, np.random.default_rng(1))
    f = sorted(d.glob("*.db"))[0]
    print(f"{f.name}: {f.stat().st_size / 1e6:.0f} MB; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    real = readonly_db.damage_found
    ways = {
        "baseline (no check)": lambda conn, whole=True: "",
        "whole file at open (G29's first fix)": lambda conn, whole=True: real(conn, whole=True),
        "tables but the sample data (this tree)": real,
    }
    times: dict[str, list[float]] = {k: [] for k in ways}
    cpu: dict[str, list[float]] = {k: [] for k in ways}
    for _ in range(args.rounds):
        for name, way in ways.items():
            readonly_db._verdicts.clear()
            readonly_db.damage_found = way
            c = time.process_time()
            times[name].append(open_review(d))
            cpu[name].append(time.process_time() - c)
    readonly_db.damage_found = real
    conn = sqlite3.connect(f"file:{f}?mode=ro&immutable=1", uri=True)
    t = time.perf_counter()
    conn.execute("PRAGMA quick_check(1)").fetchall()
    quick = time.perf_counter() - t
    t = time.perf_counter()
    conn.execute("PRAGMA integrity_check(1)").fetchall()
    full = time.perf_counter() - t
    conn.close()
    base = statistics.median(times["baseline (no check)"])
    for name in ways:
        med = statistics.median(times[name])
        print(
            f"review open + timeline, {name}: median {med:.2f} s wall ({med / base:.2f}x the baseline), "
            f"{statistics.median(cpu[name]):.2f} s CPU; runs {[round(x, 2) for x in times[name]]}"
        )
    print(
        f"bare PRAGMA quick_check(1): {quick:.2f} s; integrity_check(1): {full:.2f} s; load {os.getloadavg()[0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
