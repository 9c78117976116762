"""Compact storage of raw samples (issue 16): bytes per sample at rest, and history reads, raw vs compacted.

    .venv/bin/python bench/compact_storage.py [--demo-db data/line1_2026-12-06.db]... [--record-s 600]
                                              [--demo-reads] [--hours 8] [--hz 1] [--rounds 5] [--dir /tmp]

1. Bytes per sample at rest. A journal file of the demo line (`--demo-db`, a closed file or a copy;
   by default one recorded here with `linehmi demo --headless` for `--record-s` seconds) is copied
   and compacted as the retention job does (`hmi.core.sample_compact.compact`, then VACUUM). Printed:
   the whole file per sample before and after, what the samples themselves take (the `samples` table
   and its index before; the chunk table after, from SQLite's dbstat), and the rest of the file
   (rollups, events, tags, the status-code names) that does not depend on the codec. With
   `--demo-reads`, the trend's reads of the demo file's 20 most sampled tags too (as in 2.).
2. Reads. 20 pens x `--hours` h at `--hz` (the trend bench's file: `bench/trends.py`) written as the
   journal writer would (rows + rollups), then a compacted copy. Same run, interleaved rounds,
   medians: the historian read of all 20 pens over the whole range at 1,500 px (rollups plus the
   bounds read from samples; on the compacted file the rollup packs, hmi.core.rollup_pack), over
   1 hour (pixel buckets from the samples themselves), and the raw export of one pen over the whole
   range. Each read cold (the file's pages dropped from the OS page cache just before) and warm
   (the same read again). Baseline: the same read of the raw file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from trends import line_config  # noqa: E402

from hmi.core.historian import Historian  # noqa: E402
from hmi.core.historian_synth import SynthSpec, write_synthetic_journal  # noqa: E402
from hmi.core.sample_compact import compact  # noqa: E402
from hmi.core.sample_store import CHUNK_TABLE, CLOCK_TABLE, sample_count  # noqa: E402


def compacted_copy(src: Path, dst: Path) -> float:
    """Copy `src` to `dst` and compact it as retention does; seconds it took (compact + vacuum)."""
    shutil.copy(src, dst)
    t = time.perf_counter()
    conn = sqlite3.connect(dst, isolation_level=None)
    try:
        compact(conn)
        conn.execute("VACUUM")
    finally:
        conn.close()
    return time.perf_counter() - t


def table_bytes(path: Path) -> dict[str, int]:
    """Bytes per table or index (with its overflow pages), from SQLite's dbstat."""
    conn = sqlite3.connect(path)
    try:
        return {
            name: int(b) for name, b in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name")
        }
    except sqlite3.OperationalError:  # an SQLite built without dbstat
        return {}
    finally:
        conn.close()


def record_demo(directory: Path, seconds: float) -> Path:
    cmd = [sys.executable, "-m", "hmi.cli", "demo", "--headless", "--journal-dir", str(directory)]
    cmd += ["--seconds", str(seconds), "--port", "48977"]
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, timeout=seconds + 120)
    return next(directory.glob("*.db"))


def bench_bytes(demo_db: Path, work: Path) -> tuple[Path, Path]:
    raw = work / f"{demo_db.stem}_raw.db"
    # a closed file: checkpointed into one .db, as the writer leaves it at rotation
    src = sqlite3.connect(demo_db)
    dst = sqlite3.connect(raw)
    src.backup(dst)
    src.close()
    dst.close()
    packed = work / f"{demo_db.stem}_packed.db"
    took = compacted_copy(raw, packed)
    conn = sqlite3.connect(packed)
    n = sample_count(conn)
    chunks = conn.execute(f"SELECT count(*), sum(length(data)) FROM {CHUNK_TABLE}").fetchone()
    clock = conn.execute(
        f"SELECT count(*), coalesce(sum(n), 0), sum(length(data)) FROM {CLOCK_TABLE}"
    ).fetchone()
    conn.close()
    before, after = table_bytes(raw), table_bytes(packed)
    sample_before = before.get("samples", 0) + before.get("idx_samples_tag_ts", 0)
    sample_after = sum(v for k, v in after.items() if CHUNK_TABLE in k or CLOCK_TABLE in k)
    rest_before = sum(before.values()) - sample_before
    rest_after = sum(after.values()) - sample_after
    print(f"demo journal {demo_db.name}: {n:,} samples, {chunks[0]:,} chunks; compacted in {took:.1f} s")
    print("| | raw file (baseline) | compacted | ratio |")
    print("|---|---:|---:|---:|")
    print(
        f"| whole file, bytes/sample | {raw.stat().st_size / n:.1f} | {packed.stat().st_size / n:.1f} |"
        f" {packed.stat().st_size / raw.stat().st_size:.2f} |"
    )
    if before and after:
        print(
            f"| samples (table + index / chunks + clock), bytes/sample | {sample_before / n:.1f} |"
            f" {sample_after / n:.1f} | {sample_after / sample_before:.3f} |"
        )
        print(
            f"| the rest (rollups, events...), bytes/sample | {rest_before / n:.1f} | {rest_after / n:.1f} | |"
        )
        for name in sorted(after, key=lambda k: -after[k]):
            if after[name] / n >= 0.01:
                print(f"|   {name} | {before.get(name, 0) / n:.2f} | {after[name] / n:.2f} | |")
    print(f"| chunk blobs alone, bytes/sample | | {chunks[1] / n:.2f} | |")
    print(
        f"| clock blobs alone ({clock[1]:,} distinct source times), bytes/sample | | {clock[2] / n:.2f} | |"
    )
    return raw, packed


def bench_demo_reads(raw: Path, packed: Path, rounds: int) -> None:
    """The demo line's own data: its 20 most sampled tags (about 10 Hz each) over the whole file and
    its last hour, as the trend reads them, raw file vs compacted copy."""
    conn = sqlite3.connect(raw)
    try:
        tags = [
            r[0]
            for r in conn.execute(
                "SELECT t.name FROM samples s JOIN tags t ON t.id = s.tag_id GROUP BY t.name"
                " ORDER BY count(*) DESC LIMIT 20"
            )
        ]
        t0, t1 = conn.execute("SELECT min(source_ts), max(source_ts) FROM samples").fetchone()
    finally:
        conn.close()
    hours = (t1 - t0) / 3600.0
    print(f"\ndemo line, {raw.name}: 20 most sampled tags")
    cases = {
        f"20 pens x {hours:.1f} h (whole file), 1,500 px": lambda h: h.read(tags, t0, t1, width_px=1500),
        "20 pens x 1 h, 1,500 px": lambda h: h.read(tags, t1 - 3600.0, t1, width_px=1500),
    }
    time_reads(cases, {"raw": raw, "compacted": packed}, rounds, tags[0])


def bench_reads(work: Path, hours: float, hz: float, rounds: int) -> None:
    cfg = line_config(20)
    tags = [t.name for t in cfg.tags]
    t_end = float(int(time.time()) // 3600 * 3600)
    t0 = t_end - hours * 3600
    raw = work / "reads_raw.db"
    info = write_synthetic_journal(raw, cfg, SynthSpec(t0, t_end, hz=hz, tags=tags))
    packed = work / "reads_packed.db"
    took = compacted_copy(raw, packed)
    n = int(info["samples"])
    print(
        f"\n20 pens x {hours:g} h @ {hz:g} Hz: {n:,} samples; raw file {raw.stat().st_size / n:.1f} B/sample,"
        f" compacted {packed.stat().st_size / n:.1f} B/sample (compacted in {took:.1f} s)"
    )
    cases = {
        f"20 pens x {hours:g} h, 1,500 px": lambda h: h.read(tags, t0, t_end, width_px=1500),
        "20 pens x 1 h, 1,500 px": lambda h: h.read(tags, t_end - 3600, t_end, width_px=1500),
        f"export 1 pen x {hours:g} h (read_raw)": lambda h: h.read_raw(tags[:1], t0, t_end),
    }
    time_reads(cases, {"raw": raw, "compacted": packed}, rounds, tags[0])


def time_reads(
    cases: dict[str, Callable[[Historian], Any]], files: dict[str, Path], rounds: int, pen: str
) -> None:
    """Each case on each file, `rounds` interleaved rounds, cold and warm; a table of medians."""
    hist = {kind: Historian.for_files([path], threads=2) for kind, path in files.items()}
    times: dict[tuple[str, str, str], list[float]] = {}
    cpu: dict[tuple[str, str, str], list[float]] = {}
    sources: dict[tuple[str, str], str] = {}
    load = [os.getloadavg()[0]]
    for case, fn in cases.items():
        for _ in range(rounds):
            for kind, h in hist.items():  # interleaved: the same load for both
                for temp in ("cold", "warm"):  # cold: the file's pages dropped from the OS cache first
                    if temp == "cold":
                        drop_cached(files[kind])
                    t, c = time.perf_counter(), time.process_time()
                    res = fn(h)
                    times.setdefault((case, kind, temp), []).append(time.perf_counter() - t)
                    cpu.setdefault((case, kind, temp), []).append(time.process_time() - c)
                    if hasattr(res, "pens"):
                        sources[(case, kind)] = res.pens[pen].source
        load.append(os.getloadavg()[0])
    print(
        f"medians of {rounds} interleaved rounds; load average (1 min) {min(load):.1f}-{max(load):.1f};"
        f" nice {os.nice(0)}; CPU = process time (both reader threads)"
    )
    print(
        "| read (median) | | raw file (baseline), wall / CPU | compacted, wall / CPU | ratio (wall) | source |"
    )
    print("|---|---|---:|---:|---:|---|")
    for case in cases:
        for temp in ("cold", "warm"):
            a, b = (statistics.median(times[(case, k, temp)]) * 1000 for k in ("raw", "compacted"))
            ca, cb = (statistics.median(cpu[(case, k, temp)]) * 1000 for k in ("raw", "compacted"))
            src = sources.get((case, "compacted"), "raw samples")
            print(
                f"| {case} | {temp} | {a:.0f} / {ca:.0f} ms | {b:.0f} / {cb:.0f} ms | {b / a:.2f} | {src} |"
            )


def drop_cached(path: Path) -> None:
    """Drop this file's pages from the OS page cache (only this file's: nobody else's reads change)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--demo-db",
        type=Path,
        action="append",
        help="a demo-line journal file, e.g. a real recording or a day from bench/demo_day.py (repeat;"
        " default: record one)",
    )
    ap.add_argument(
        "--record-s", type=float, default=600.0, help="seconds of demo to record without --demo-db"
    )
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--hz", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=5, help="rounds of the reads (0: bytes only)")
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument(
        "--demo-reads", action="store_true", help="also time trend reads of each demo file (20 pens)"
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="compact-", dir=args.dir) as tmp:
        work = Path(tmp)
        for demo_db in args.demo_db or [record_demo(work / "demo", args.record_s)]:
            raw, packed = bench_bytes(demo_db, work)
            if args.rounds and args.demo_reads:
                bench_demo_reads(raw, packed, args.rounds)
        if args.rounds:
            bench_reads(work, args.hours, args.hz, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
