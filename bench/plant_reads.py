"""Historian reads from the PostgreSQL plant historian against the same reads from the SQLite journal.

    .venv/bin/python bench/plant_reads.py [--hours 8] [--pens 20] [--hz 1] [--repeat 5]

Starts its own PostgreSQL server (tests/pg_server.py, fsync on), writes a journal of the demo line's first
`--pens` numeric tags at `--hz` for `--hours` (hmi.core.historian_synth, rollups as the writer keeps them),
forwards it with the station's forwarder (which keeps the plant's rollups), then reads in the same run,
through the app's historian interface (hmi.core.history_api.TrendHistory), at 1500 px:

- the whole range (rollup buckets on both sides), 1 h (SQL buckets: no rollup level is fine enough),
  10 min (raw samples), and 200 cursor values (`value_at`);
- baseline: `hmi.core.historian.Historian` on the journal file (2 reader threads, as the app runs it).

Prints the median of `--repeat` runs of each, and the PostgreSQL/SQLite ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import psycopg  # noqa: E402
from plant_forward import TimedForwarder  # noqa: E402

from connectors.plant.access import PlantTarget  # noqa: E402
from connectors.plant.forwarder import ForwarderSettings  # noqa: E402
from connectors.plant.historian import PlantHistorian  # noqa: E402
from hmi.core.config import DEMO_CONFIG, load_config  # noqa: E402
from hmi.core.historian import Historian, HistoryResult  # noqa: E402
from hmi.core.historian_synth import SynthSpec, write_synthetic_journal  # noqa: E402
from hmi.core.history_api import TrendHistory  # noqa: E402
from tests.pg_server import running_postgres  # noqa: E402


def timed(fn, repeat: int) -> float:
    fn()  # warm: connections, caches, query plans
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--pens", type=int, default=20)
    ap.add_argument("--hz", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    cfg = load_config(DEMO_CONFIG)
    pens = [t.name for t in cfg.tags if t.data_type == "float"][: args.pens]
    t0 = 1_780_000_000.0
    t1 = t0 + args.hours * 3600.0
    with tempfile.TemporaryDirectory() as tmp, running_postgres(durable=True) as server:
        path = Path(tmp) / f"{cfg.line.id}.db"
        write_synthetic_journal(path, cfg, SynthSpec(t0, t1, hz=args.hz, tags=pens))
        name = "bench_" + uuid.uuid4().hex[:8]
        with psycopg.connect(server.url, autocommit=True) as c:
            c.execute(f"CREATE DATABASE {name}")
        url = server.url.rsplit("/", 1)[0] + "/" + name
        fwd = TimedForwarder(ForwarderSettings(url, None, "ws1", cfg.line.id, Path(tmp)))
        started = time.perf_counter()
        rows = 0
        while n := fwd.forward_once():
            rows += n
        fwd_s = time.perf_counter() - started
        fwd.stop()
        sqlite: TrendHistory = Historian.for_files([path], threads=2)
        plant = PlantHistorian(PlantTarget.parse(url, line=cfg.line.id))
        mid = (t0 + t1) / 2
        cases = [
            (f"{len(pens)} pens x {args.hours:g} h", lambda h: h.read(pens, t0, t1, width_px=1500)),
            (f"{len(pens)} pens x 1 h", lambda h: h.read(pens, mid, mid + 3600, width_px=1500)),
            (f"{len(pens)} pens x 10 min", lambda h: h.read(pens, mid, mid + 600, width_px=1500)),
            (
                "200 x value_at",
                lambda h: [h.value_at(pens[k % len(pens)], mid + 7.3 * k) for k in range(200)],
            ),
        ]
        print(
            f"journal: {len(pens)} pens at {args.hz:g} Hz for {args.hours:g} h; forwarded {rows:,} rows "
            f"in {fwd_s:.1f} s ({rows / fwd_s:,.0f} rows/s), of which {fwd.rollup_s:.1f} s keeping the rollups"
        )
        print("| read | path | SQLite journal (baseline) | PostgreSQL | ratio |")
        print("|---|---|---|---|---|")
        for label, fn in cases:
            a = timed(lambda fn=fn: fn(sqlite), args.repeat)
            b = timed(lambda fn=fn: fn(plant), args.repeat)
            res = fn(plant)
            src = (
                sorted({p.source for p in res.pens.values()})
                if isinstance(res, HistoryResult)
                else ["value_at"]
            )
            print(f"| {label} | {', '.join(src)} | {a * 1000:.1f} ms | {b * 1000:.1f} ms | {b / a:.2f} |")
        plant.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
