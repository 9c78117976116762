"""Cost of SQLite's page check at a journal's first open (hmi.core.readonly_db.check_sound).

    .venv/bin/python bench/journal_check.py [--data DIR] [--rounds 3]

Uses bench/review.py's 24 h journal (40 tags at 1 Hz; written into --data on the first run) and
times, alternating in the same run, what the review window needs before it is usable
(`ReviewSource.open` + `build_timeline`) with the check (this tree) and without it (the check
replaced by "sound", the baseline); the verdict cache is emptied before each round, so every "with"
round pays the check once, as a fresh `linehmi review`/`report` process does. Also prints the
bare `PRAGMA quick_check(1)` and `PRAGMA integrity_check(1)` on the file.
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
    with_s, without_s = [], []
    for _ in range(args.rounds):
        readonly_db._verdicts.clear()
        readonly_db.damage_found = lambda conn: ""  # baseline: no check
        without_s.append(open_review(d))
        readonly_db._verdicts.clear()
        readonly_db.damage_found = real
        with_s.append(open_review(d))
    conn = sqlite3.connect(f"file:{f}?mode=ro&immutable=1", uri=True)
    t = time.perf_counter()
    conn.execute("PRAGMA quick_check(1)").fetchall()
    quick = time.perf_counter() - t
    t = time.perf_counter()
    conn.execute("PRAGMA integrity_check(1)").fetchall()
    full = time.perf_counter() - t
    conn.close()
    med_w, med_b = statistics.median(with_s), statistics.median(without_s)
    print(
        f"review open + timeline, baseline (no check): median {med_b:.2f} s  {[round(x, 2) for x in without_s]}"
    )
    print(
        f"review open + timeline, with quick_check:    median {med_w:.2f} s  {[round(x, 2) for x in with_s]}"
    )
    print(f"  added: {med_w - med_b:+.2f} s ({med_w / med_b:.2f}x)")
    print(f"bare PRAGMA quick_check(1): {quick:.2f} s; integrity_check(1): {full:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
