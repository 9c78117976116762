"""How far a plain copy of today's .db lags the journal while the writer runs, and what the
periodic PASSIVE checkpoint costs.

A writer commits `--tags` tags every `--period` s (default 40 tags at 1 s: the demo line) for
`--seconds`; every
0.5 s the .db alone is copied (as a person copies "the file") and the newest committed event in
the copy is compared with the newest event written. Baseline in the same run: the same writer with
the checkpoint interval at 3600 s (SQLite's own auto-checkpoint only, i.e. before this change).
Figures: lag p50/max of the copy, samples/s committed, time spent in checkpoints is inside that.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from hmi.core.config import parse_config
from hmi.core.events import EventKind, JournalEvent
from hmi.core.journal import Journal
from hmi.core.samples import SampleBatch


def _config(checkpoint_s: float, n_tags: int):
    text = (
        '[line]\nid = "bench"\nname = "bench"\n[server]\nendpoint = "opc.tcp://127.0.0.1:4840/"\n'
        f'[journal]\nrotation = "none"\ncheckpoint_interval_s = {checkpoint_s}\n'
        '[[machines]]\nid = "m"\nname = "M"\n'
    )
    for i in range(n_tags):
        text += f'[[tags]]\nname = "m.t{i}"\nnode_id = "ns=2;s=t{i}"\nmachine = "m"\n'
    return parse_config(text)


def _newest_marker(db: Path) -> float:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT max(ts) FROM events WHERE message LIKE 'tick %'").fetchone()
        return float(row[0]) if row and row[0] is not None else float("nan")
    except sqlite3.OperationalError:
        return float("nan")
    finally:
        conn.close()


def run(checkpoint_s: float, seconds: float, n_tags: int, period: float) -> dict[str, float]:
    d = Path(tempfile.mkdtemp(prefix="copylag-"))
    (d / "live").mkdir()
    stop = threading.Event()
    lags: list[float] = []
    with Journal(_config(checkpoint_s, n_tags), d / "live") as j:

        def write() -> None:
            idx = np.arange(n_tags)
            while not stop.is_set():
                now = time.time()
                n = n_tags
                j.write_samples(
                    SampleBatch.from_columns(
                        idx,
                        np.full(n, now),
                        np.full(n, np.nan),
                        np.full(n, now),
                        np.random.rand(n),
                        np.zeros(n),
                    )
                )
                time.sleep(period)

        def tick() -> None:
            while not stop.is_set():
                j.post_event(JournalEvent(EventKind.SYSTEM, f"tick {time.time():.3f}"))
                time.sleep(0.1)

        threads = [threading.Thread(target=write), threading.Thread(target=tick)]
        for t in threads:
            t.start()
        t0, start_wall = time.monotonic(), time.time()
        k = 0
        while time.monotonic() - t0 < seconds:
            time.sleep(0.5)
            k += 1
            copy = d / f"copy{k}.db"
            taken = time.time()
            shutil.copyfile(j.path, copy)
            newest = _newest_marker(copy)
            # nothing of the run in the copy yet: the copy lags by the whole run so far
            lags.append(taken - newest if newest == newest else taken - start_wall)
            copy.unlink()
            for suffix in ("-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
        stop.set()
        for t in threads:
            t.join()
        committed = j.stats.samples_committed
    shutil.rmtree(d, ignore_errors=True)
    return {
        "lag_p50": statistics.median(lags),
        "lag_max": max(lags),
        "samples_per_s": committed / seconds,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--tags", type=int, default=40)
    ap.add_argument("--period", type=float, default=1.0)
    args = ap.parse_args()
    for name, ck in (
        ("baseline: auto-checkpoint only (interval 3600 s)", 3600.0),
        ("checkpoint every 5 s", 5.0),
    ):
        r = run(ck, args.seconds, args.tags, args.period)
        print(
            f"{name:52s} copy lag p50 {r['lag_p50']:6.1f} s  max {r['lag_max']:6.1f} s  "
            f"samples/s {r['samples_per_s']:8.0f}"
        )


if __name__ == "__main__":
    main()
