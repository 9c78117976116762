"""Journal write rates: index or not, sqlite-utils or executemany, synchronous NORMAL or FULL.

    .venv/bin/python bench/journal_write.py [--samples 1000000] [--tags 500] [--dir DIR]

Every variant writes the same synthetic stream into a fresh file with the
journal's real schema, in transactions of --per-commit samples (default 50,000:
100,000 samples/s committed every 500 ms). Figures are printed as a table with
a ratio against the baseline measured in the same run, because these machines
are noisy. The last rows drive the real `Journal` (writer thread, queue) and
time `write_event`, which waits for its commit.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import sqlite_utils

from hmi.core.config import parse_config
from hmi.core.events import EventKind, JournalEvent
from hmi.core.journal import Journal
from hmi.core.journal_schema import SAMPLE_INSERT_SQL, create_schema, sample_rows
from hmi.core.samples import SampleBatch

COLS = ("tag_id", "source_ts", "server_ts", "received_ts", "value", "status")


def make_stream(n: int, n_tags: int) -> SampleBatch:
    """n samples, tags interleaved as a subscription delivers them, times increasing per tag."""
    rng = np.random.default_rng(0)
    t0 = 1_780_000_000.0
    src = t0 + np.arange(n) / 100_000.0
    return SampleBatch.from_columns(
        np.arange(n) % n_tags,
        src,
        src + 0.002,
        src + 0.005,
        rng.normal(50.0, 5.0, n),
        np.where(rng.random(n) < 0.01, 0x808A0000, 0),
    )


def fresh_db(directory: Path, name: str, *, index: bool, sync: str) -> tuple[Path, sqlite3.Connection]:
    path = directory / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={sync}")
    conn.execute("PRAGMA cache_size=-32000")
    create_schema(conn)
    if not index:
        conn.execute("DROP INDEX idx_samples_tag_ts")
    return path, conn


def ins_executemany(conn: sqlite3.Connection, b: SampleBatch, ids: np.ndarray) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(SAMPLE_INSERT_SQL, sample_rows(ids, b))
    conn.execute("COMMIT")


def ins_sqlite_utils_dicts(conn: sqlite3.Connection, b: SampleBatch, ids: np.ndarray) -> None:
    table = sqlite_utils.Database(conn).table("samples")
    with sqlite_utils.Database(conn).atomic():
        table.insert_all(dict(zip(COLS, r, strict=True)) for r in sample_rows(ids, b))


def ins_sqlite_utils_tuples(conn: sqlite3.Connection, b: SampleBatch, ids: np.ndarray) -> None:
    table = sqlite_utils.Database(conn).table("samples")
    with sqlite_utils.Database(conn).atomic():
        table.insert_all([COLS, *sample_rows(ids, b)])


def run_raw(
    directory: Path,
    name: str,
    stream: SampleBatch,
    per_commit: int,
    insert: Callable[[sqlite3.Connection, SampleBatch, np.ndarray], None],
    *,
    index: bool = True,
    sync: str = "FULL",
) -> dict[str, float]:
    path, conn = fresh_db(directory, name, index=index, sync=sync)
    n = len(stream)
    ids = stream.tag_idx.astype(np.int64) + 1
    times = []
    t_start = time.perf_counter()
    for i in range(0, n, per_commit):
        t = time.perf_counter()
        sl = slice(i, i + per_commit)
        insert(conn, stream.take(sl), ids[sl])
        times.append((min(per_commit, n - i), time.perf_counter() - t))
    total = time.perf_counter() - t_start
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # What the index is for: one tag's samples over a time range (here the middle half of the run).
    lo, hi = float(stream.source_ts[n // 4]), float(stream.source_ts[3 * n // 4])
    t = time.perf_counter()
    got = conn.execute(
        "SELECT source_ts, value, status FROM samples WHERE tag_id = ? AND source_ts >= ? AND source_ts < ?"
        " ORDER BY source_ts",
        (1, lo, hi),
    ).fetchall()
    read_ms = (time.perf_counter() - t) * 1e3
    assert got
    conn.close()
    q = times[len(times) * 3 // 4 :] or times
    size = path.stat().st_size
    path.unlink()
    return {
        "rate": n / total,
        "last_quarter": sum(k for k, _ in q) / sum(t for _, t in q),
        "bytes": size / n,
        "read_ms": read_ms,
    }


def bench_config(n_tags: int):
    return parse_config(
        '[line]\nid = "bench"\nname = "bench"\n[server]\nendpoint = "opc.tcp://127.0.0.1:4840/"\n'
        '[journal]\nrotation = "none"\ncommit_interval_ms = 500\n'
        + "".join(f'[[tags]]\nname = "t{i}"\nnode_id = "ns=2;s=T{i}"\n' for i in range(n_tags))
    )


def run_journal(directory: Path, stream: SampleBatch, n_tags: int, batch: int, sync: str) -> dict[str, float]:
    """The real Journal, flat out: write_samples as fast as this thread can, then flush."""
    d = directory / f"journal_{sync}"
    shutil.rmtree(d, ignore_errors=True)
    n = len(stream)
    parts = [stream.take(slice(i, i + batch)) for i in range(0, n, batch)]
    with Journal(bench_config(n_tags), d, synchronous=sync, max_queued_samples=n + 1) as j:
        t0 = time.perf_counter()
        call = 0.0
        for p in parts:
            t = time.perf_counter()
            j.write_samples(p)
            call += time.perf_counter() - t
        j.flush(timeout=600)
        total = time.perf_counter() - t0
        lat = []
        for k in range(200):
            t = time.perf_counter()
            j.write_event(JournalEvent(EventKind.OPERATOR_ACTION, f"bench {k}", user="bench"))
            lat.append(time.perf_counter() - t)
        st = j.stats
    shutil.rmtree(d, ignore_errors=True)
    assert st.samples_committed == n, st
    lat.sort()
    return {
        "rate": n / total,
        "call_us": call / len(parts) * 1e6,
        "ev_p50_ms": statistics.median(lat) * 1e3,
        "ev_p99_ms": lat[int(len(lat) * 0.99) - 1] * 1e3,
    }


def run_paced(
    directory: Path, n_tags: int, rate: float, seconds: float, batch_hz: float = 10.0
) -> dict[str, float]:
    """`rate` samples/s in batches at `batch_hz`, as a pipeline sends them: writer lag and CPU."""
    d = directory / "journal_paced"
    shutil.rmtree(d, ignore_errors=True)
    per = int(rate / batch_hz)
    stream = make_stream(per, n_tags)
    max_depth = 0
    with Journal(bench_config(n_tags), d) as j:
        cpu0, t0 = time.process_time(), time.perf_counter()
        k = 0
        while (now := time.perf_counter() - t0) < seconds:
            due = k / batch_hz
            if now < due:
                time.sleep(due - now)
            j.write_samples(stream)
            k += 1
            max_depth = max(max_depth, j.stats.queue_depth)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        j.flush(timeout=600)
        st = j.stats
    shutil.rmtree(d, ignore_errors=True)
    return {
        "rate": st.samples_committed / wall,
        "cpu": cpu / wall,
        "max_depth": max_depth,
        "commits": st.commits,
        "per_commit": st.samples_committed / max(st.commits, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=500_000)
    ap.add_argument("--tags", type=int, default=500)
    ap.add_argument(
        "--per-commit", type=int, default=50_000, help="samples per transaction (rate x interval)"
    )
    ap.add_argument("--small-commit", type=int, default=2_000, help="samples per transaction, small case")
    ap.add_argument("--rounds", type=int, default=3, help="variants run interleaved this many times; medians")
    ap.add_argument("--paced-rate", type=float, default=100_000.0)
    ap.add_argument("--paced-seconds", type=float, default=5.0)
    ap.add_argument("--dir", type=Path, default=None, help="where to write (its disk is what is measured)")
    args = ap.parse_args()

    directory = Path(tempfile.mkdtemp(prefix="journal_bench_", dir=args.dir))
    stream = make_stream(args.samples, args.tags)
    n_su = min(args.samples, 200_000)  # sqlite-utils is slower: a shorter run, same chunk size
    su_stream = stream.take(slice(0, n_su))
    pc, sc = args.per_commit, args.small_commit
    print(
        f"SQLite {sqlite3.sqlite_version}, {args.samples:,} samples, {args.tags} tags,"
        f" {pc:,} samples per commit, {args.rounds} rounds (medians), files in {directory}"
    )
    variants: list[tuple[str, Callable[[], dict[str, float]]]] = [
        (
            "executemany, index, FULL  [baseline]",
            lambda: run_raw(directory, "base", stream, pc, ins_executemany),
        ),
        (
            "executemany, no index, FULL",
            lambda: run_raw(directory, "noidx", stream, pc, ins_executemany, index=False),
        ),
        (
            "executemany, index, NORMAL",
            lambda: run_raw(directory, "normal", stream, pc, ins_executemany, sync="NORMAL"),
        ),
        (
            f"sqlite-utils insert_all dicts ({n_su:,})",
            lambda: run_raw(directory, "su_dict", su_stream, pc, ins_sqlite_utils_dicts),
        ),
        (
            f"sqlite-utils insert_all tuples ({n_su:,})",
            lambda: run_raw(directory, "su_tup", su_stream, pc, ins_sqlite_utils_tuples),
        ),
        (
            f"executemany, index, FULL, {sc:,}/commit",
            lambda: run_raw(directory, "small_full", stream, sc, ins_executemany),
        ),
        (
            f"executemany, index, NORMAL, {sc:,}/commit",
            lambda: run_raw(directory, "small_normal", stream, sc, ins_executemany, sync="NORMAL"),
        ),
    ]
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in variants}
    ratios: dict[str, list[float]] = {name: [] for name, _ in variants}
    for _ in range(args.rounds):
        base = None
        for name, fn in variants:
            r = fn()
            base = base or r["rate"]
            results[name].append(r)
            ratios[name].append(r["rate"] / base)
    print(
        f"\n{'variant':44s} {'samples/s':>11s} {'ratio':>6s} {'last 1/4':>11s} {'B/sample':>9s}"
        f" {'read 1 tag':>11s}"
    )
    for name, _ in variants:
        rs = results[name]
        med = statistics.median(r["rate"] for r in rs)
        last = statistics.median(r["last_quarter"] for r in rs)
        ratio = statistics.median(ratios[name])
        read = statistics.median(r["read_ms"] for r in rs)
        print(f"{name:44s} {med:11,.0f} {ratio:6.2f} {last:11,.0f} {rs[0]['bytes']:9.1f} {read:8.1f} ms")

    base_med = statistics.median(r["rate"] for r in results[variants[0][0]])
    print(
        f"\n{'Journal flat out (500-sample batches)':44s} {'samples/s':>11s} {'ratio':>6s}"
        f" {'write_samples':>14s} {'write_event p50 / p99':>22s}"
    )
    for sync in ("FULL", "NORMAL"):
        r = run_journal(directory, stream, args.tags, 500, sync)
        print(
            f"{'Journal, synchronous=' + sync:44s} {r['rate']:11,.0f} {r['rate'] / base_med:6.2f}"
            f" {r['call_us']:11.1f} us {r['ev_p50_ms']:9.2f} / {r['ev_p99_ms']:.2f} ms"
        )
    r = run_paced(directory, args.tags, args.paced_rate, args.paced_seconds)
    print(
        f"\nJournal paced at {args.paced_rate:,.0f} samples/s for {args.paced_seconds:g} s (10 batches/s,"
        f" commit every 500 ms): committed {r['rate']:,.0f}/s, {r['cpu'] * 100:.0f}% of one core"
        f" (producer + writer), max queue {r['max_depth']:,.0f} samples,"
        f" {r['commits']:.0f} commits of {r['per_commit']:,.0f}"
    )
    shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
