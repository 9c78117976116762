"""Writer process for the journal crash test (run as a script, killed with SIGKILL).

Streams sample batches into a Journal and prints, one line each, flushed:

    READY <path>
    B <k> <n>      batch k (n samples, every value == k) is committed
    E <id> <k>     an operator event (data k) was committed with row id <id>

A "B" line is printed only once `stats.samples_committed` covers the batch:
batches are committed in order and whole, so the count says which are in.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from hmi.core.config import parse_config
from hmi.core.events import EventKind, JournalEvent
from hmi.core.journal import Journal
from hmi.core.samples import SampleBatch

N_TAGS = 50

CONFIG = """
[line]
id = "crash"
name = "Crash test line"
[server]
endpoint = "opc.tcp://127.0.0.1:4840/"
[journal]
rotation = "none"
commit_interval_ms = 20
""" + "".join(f'[[tags]]\nname = "t{i}"\nnode_id = "ns=2;s=T{i}"\n' for i in range(N_TAGS))


def main(directory: str) -> None:
    config = parse_config(CONFIG)
    journal = Journal(config, Path(directory)).open()
    print("READY", journal.path, flush=True)
    written: list[tuple[int, int, int]] = []  # (k, n, cumulative samples)
    reported = 0
    total = 0
    k = 0
    while True:
        k += 1
        rng = np.random.default_rng(k)
        n = int(rng.integers(50, 500))
        now = time.time()
        batch = SampleBatch.from_columns(
            rng.integers(0, N_TAGS, n),
            now + np.arange(n) * 1e-6,
            np.full(n, now),
            np.full(n, now),
            np.full(n, float(k)),
            np.zeros(n),
        )
        journal.write_samples(batch)
        total += n
        written.append((k, n, total))
        if k % 10 == 0:
            rid = journal.write_event(JournalEvent(EventKind.OPERATOR_ACTION, f"action {k}", data={"k": k}))
            print("E", rid, k, flush=True)
        committed = journal.stats.samples_committed
        while reported < len(written) and written[reported][2] <= committed:
            print("B", written[reported][0], written[reported][1], flush=True)
            reported += 1
        time.sleep(0.002)


if __name__ == "__main__":
    main(sys.argv[1])
