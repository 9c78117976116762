"""Store-and-forward throughput into the PostgreSQL plant historian, against a bare COPY baseline.

    .venv/bin/python bench/plant_forward.py [--rows 1000000] [--batch 20000]

Starts its own PostgreSQL server (tests/pg_server.py: the Debian `postgresql` package, on a free port in
a temporary directory, fsync on), writes a station journal of N samples with the real Journal (demo-sized line:
50 tags), then measures in the same run:

- baseline: a bare `COPY` of the same rows into an unindexed, unpartitioned table (the floor any
  forwarder pays: reading SQLite + moving the bytes);
- LineHMI forwarder: `PlantForwarder.forward_once()` from a cold start (a backlog, as after an outage):
  read-only journal reads, COPY into staging, partitioned insert with the idempotence key, progress
  committed in the same transaction;
- resend: the same rows sent again (after a lost position): every row a conflict, nothing inserted.

It also prints the share of the forwarder's time spent keeping the rollups (schema v3) up to date.

Prints samples/s for each and the drain time of a 10-minute outage of a 15,000 updates/s line
(9,000,000 rows) at the measured rate.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors.plant.forwarder import ForwarderSettings, PlantForwarder  # noqa: E402
from hmi.core.config import parse_config  # noqa: E402
from hmi.core.journal import Journal  # noqa: E402
from hmi.core.samples import SampleBatch  # noqa: E402
from tests.pg_server import running_postgres  # noqa: E402

N_TAGS = 50


class TimedForwarder(PlantForwarder):
    """The forwarder, timing its rollup maintenance (what the plant historian's reads cost it)."""

    rollup_s = 0.0

    def _update_rollups(self, conn: Any, plant_tags: np.ndarray, arr: np.ndarray) -> None:
        t = time.perf_counter()
        super()._update_rollups(conn, plant_tags, arr)
        self.rollup_s += time.perf_counter() - t


def make_journal(directory: Path, rows: int) -> None:
    text = '[line]\nid = "bench"\nname = "Bench"\n[server]\nendpoint = "opc.tcp://127.0.0.1:4840/"\n'
    for k in range(N_TAGS):
        text += f'[[tags]]\nname = "t{k}"\nnode_id = "ns=2;s=t{k}"\nrange = [0, 1000]\n'
    cfg = parse_config(text)
    t0 = time.time() - 3600
    per = 10_000
    with Journal(cfg, directory, synchronous="OFF", clock=lambda: t0) as j:
        for start in range(0, rows, per):
            n = min(per, rows - start)
            idx = np.arange(start, start + n) % N_TAGS
            ts = t0 + np.arange(start, start + n) / 15_000.0
            j.write_samples(SampleBatch.from_columns(idx, ts, ts, ts + 0.05, np.sin(ts), np.zeros(n)))
        j.flush()


def bare_copy(url: str, path: Path) -> float:
    import psycopg

    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(
            "CREATE TABLE bare (id bigint, tag_id int, source_ts float8, server_ts float8, received_ts float8,"
            " value float8, status bigint)"
        )
        t = time.perf_counter()
        cur = src.execute("SELECT id, tag_id, source_ts, server_ts, received_ts, value, status FROM samples")
        with c.cursor() as pc, pc.copy("COPY bare FROM STDIN") as copy:
            while rows := cur.fetchmany(20_000):
                for r in rows:
                    copy.write_row(r)
        return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--batch", type=int, default=20_000)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, running_postgres(durable=True) as pg:
        d = Path(tmp)
        t = time.perf_counter()
        make_journal(d, args.rows)
        path = next(d.glob("bench*.db"))
        print(
            f"journal: {args.rows:,} samples over {N_TAGS} tags written in {time.perf_counter() - t:.1f} s; "
            f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
        )
        base_s = bare_copy(pg.url, path)
        settings = ForwarderSettings(pg.url, None, "bench-station", "bench", d, 1.0, args.batch)
        t = time.perf_counter()
        timed = TimedForwarder(settings)
        sent = timed.forward_once()
        fwd_s = time.perf_counter() - t
        import psycopg

        with psycopg.connect(pg.url, autocommit=True) as c:
            c.execute("DELETE FROM forward_progress")
        t = time.perf_counter()
        PlantForwarder(settings).forward_once()
        resend_s = time.perf_counter() - t
        with psycopg.connect(pg.url) as c:
            stored = c.execute("SELECT count(*) FROM samples").fetchone()[0]
    rate = args.rows / fwd_s
    print()
    print("| path | rows | seconds | samples/s | vs bare COPY |")
    print("|---|---|---|---|---|")
    print(
        f"| naive: COPY row by row into an unindexed table (baseline) | {args.rows:,} | {base_s:.1f} "
        f"| {args.rows / base_s:,.0f} | 1.00 |"
    )
    print(
        f"| LineHMI forwarder, backlog from cold | {sent:,} | {fwd_s:.1f} | {rate:,.0f} | {base_s / fwd_s:.2f} |"
    )
    print(
        f"| resend of every row (all conflicts) | {args.rows:,} | {resend_s:.1f} | {args.rows / resend_s:,.0f} "
        f"| {base_s / resend_s:.2f} |"
    )
    print()
    print(
        f"of the forwarder's {fwd_s:.1f} s, rollup maintenance (sample_rollup, for the historian's reads): "
        f"{timed.rollup_s:.1f} s ({100 * timed.rollup_s / fwd_s:.0f} %)"
    )
    print(
        f"rows in PostgreSQL after the resend: {stored:,} (journal: {args.rows:,}; duplicates: {stored - args.rows})"
    )
    print(
        f"target >= 50,000 samples/s: {'met' if rate >= 50_000 else 'NOT met'}; a 10-minute outage of a "
        f"15,000 updates/s line (9,000,000 rows) drains in {9_000_000 / rate / 60:.1f} min at this rate "
        + (
            f"(while the line keeps adding 15,000/s: {9_000_000 / (rate - 15_000) / 60:.1f} min)"
            if rate > 15_000
            else "(but not while the line keeps adding 15,000/s: slower than the line)"
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
