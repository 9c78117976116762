"""Acknowledgement propagation between two stations of a line through PostgreSQL, against a bare NOTIFY.

    .venv/bin/python bench/line_state_ack.py [--acks 200] [--alarms 200]

Starts its own PostgreSQL server (tests/pg_server.py, fsync on, as a plant would run it) and two
stations in this process, each its own alarm engine (evaluation per station) with a `LineStateSync`
client (connectors/plant/line_sync.py, its own threads). Both see the same alarms active. Measured in the
same run:

- baseline: a bare `NOTIFY` on one connection until a second connection that LISTENs has it (the floor
  of any LISTEN/NOTIFY design on this machine);
- propagation: station A acknowledges one alarm; the time until station B's engine shows it
  acknowledged (B: woken by NOTIFY, reads the row, applies it through `AlarmEngine.execute`, journals
  the audit row). One at a time, so each figure is one operator's click;
- burst: all acknowledgements submitted at once on A (a "acknowledge all shown" split per alarm, or
  several operators): the time from the submission to B showing each;
- own station: submission until the operator's own future is done (line lock, pull, apply, insert,
  commit) against `AlarmEngine.execute` alone.

Prints p50/p95/max in ms. Target (issue 17): p95 <= 1 s between two stations.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from connectors.plant.forwarder import ForwarderSettings  # noqa: E402
from connectors.plant.line_sync import LineStateSync  # noqa: E402
from hmi.core.alarms import AlarmEngine, AlarmState, load_definitions  # noqa: E402
from hmi.core.alarms.commands import AlarmCommand, AlarmRequest  # noqa: E402
from hmi.core.alarms.persistence import MemoryJournal  # noqa: E402
from hmi.core.audit import Auditor  # noqa: E402
from hmi.core.config import parse_config  # noqa: E402
from hmi.core.samples import SampleBatch  # noqa: E402
from hmi.core.users import Role, User  # noqa: E402
from tests.pg_server import running_postgres  # noqa: E402

OLGA = User("olga", Role.OPERATOR)


def line_config(n: int):  # type: ignore[no-untyped-def]
    text = '[line]\nid = "bench"\nname = "Bench"\n[server]\nendpoint = "opc.tcp://127.0.0.1:4840/"\n'
    for k in range(n):
        text += f'[[tags]]\nname = "t{k}"\nnode_id = "ns=2;s=t{k}"\nalarms = {{ hi = 50 }}\n'
    return parse_config(text)


def active_engine(n: int) -> AlarmEngine:
    """An engine on n tags, every one above its high limit (n alarms unacknowledged)."""
    cfg = line_config(n)
    defs, problems = load_definitions(cfg)
    assert not problems, problems
    engine = AlarmEngine(cfg, defs, MemoryJournal())
    k = list(range(n))
    now = time.time()
    engine.process(SampleBatch.from_columns(k, [now] * n, [now] * n, [now] * n, [60.0] * n, [0] * n))
    return engine


class Station:
    def __init__(self, name: str, url: str, n: int, tmp: Path) -> None:
        self.engine = active_engine(n)
        self.seen: dict[str, float] = {}
        self.engine.on_change(self._changed)
        self.sync = LineStateSync(
            ForwarderSettings(url, None, name, "bench", tmp),
            self.engine,
            Auditor(MemoryJournal()),
            state_dir=tmp / name,
        ).start()

    def _changed(self, records) -> None:  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        for r in records:
            if r.state == AlarmState.ACKED and r.id not in self.seen:
                self.seen[r.id] = t


def pct(xs: list[float]) -> str:
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]
    return f"{statistics.median(xs) * 1e3:8.1f} | {p95 * 1e3:8.1f} | {xs[-1] * 1e3:8.1f}"


def bare_notify(url: str, n: int) -> list[float]:
    out: list[float] = []
    with psycopg.connect(url, autocommit=True) as listen, psycopg.connect(url, autocommit=True) as talk:
        listen.execute("LISTEN bench_baseline")
        for k in range(n):
            t0 = time.perf_counter()
            talk.execute(f"NOTIFY bench_baseline, '{k}'")
            for note in listen.notifies(timeout=5.0):
                if note.payload == str(k):
                    out.append(time.perf_counter() - t0)
                    break
    return out


def wait_for(pred, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise TimeoutError("bench: not propagated in time")
        time.sleep(0.0005)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--acks", type=int, default=200)
    args = ap.parse_args()
    n = args.acks
    with running_postgres(durable=True) as pg, tempfile.TemporaryDirectory() as tmp:
        base = bare_notify(pg.url, n)
        # Two lines' worth of alarms: the first half acknowledged one at a time, the second in a burst.
        a = Station("A", pg.url, 2 * n, Path(tmp))
        b = Station("B", pg.url, 2 * n, Path(tmp))
        wait_for(lambda: a.sync.status().online and b.sync.status().online)
        one: list[float] = []
        own: list[float] = []
        for k in range(n):
            aid = f"t{k}.hi"
            t0 = time.perf_counter()
            fut = a.sync.submit_alarm(AlarmRequest(AlarmCommand.ACKNOWLEDGE, (aid,)), OLGA)
            fut.result(30)
            own.append(time.perf_counter() - t0)
            wait_for(lambda aid=aid: aid in b.seen)
            one.append(b.seen[aid] - t0)
        # Burst: every acknowledgement submitted at once.
        t0 = time.perf_counter()
        ids = [f"t{k}.hi" for k in range(n, 2 * n)]
        futs = [a.sync.submit_alarm(AlarmRequest(AlarmCommand.ACKNOWLEDGE, (i,)), OLGA) for i in ids]
        for f in futs:
            f.result(60)
        wait_for(lambda: all(i in b.seen for i in ids), 120)
        burst = [b.seen[i] - t0 for i in ids]
        # The engine alone: the same acknowledgement with no plant link (a third engine).
        engine = active_engine(n)
        alone: list[float] = []
        for k in range(n):
            t1 = time.perf_counter()
            engine.execute(AlarmRequest(AlarmCommand.ACKNOWLEDGE, (f"t{k}.hi",)), OLGA)
            alone.append(time.perf_counter() - t1)
        a.sync.stop()
        b.sync.stop()
        wrong = [r.id for r in b.engine.records() if r.state != AlarmState.ACKED]
    print(f"{n} acknowledgements, two stations in one process, PostgreSQL fsync on")
    print("| path | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|")
    print(f"| bare NOTIFY -> LISTEN on a second connection (baseline) | {pct(base)} |")
    print(f"| ack on A until B shows it, one at a time | {pct(one)} |")
    print(f"| ack on A until B shows it, {n} submitted at once | {pct(burst)} |")
    print(f"| ack on A until A's own future is done | {pct(own)} |")
    print(f"| AlarmEngine.execute alone, no plant link | {pct(alone)} |")
    print(f"alarms not acknowledged on B at the end: {len(wrong)}")
    return 0 if not wrong else 1


if __name__ == "__main__":
    sys.exit(main())
