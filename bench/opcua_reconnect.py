"""Reconnect benchmark: how long after the server is back does the client have data again?

The server is a child process (killed with SIGKILL, as a PLC power cut looks to a
client) that prints READY once it listens. For each restart we measure the time
from READY to the client's first value after the outage. Clients, in the same run:

- LineHMI: the OpcUaConnector with the default config (reconnect_max_delay_s = 1);
- baseline "asyncua 10 s cap": a bare asyncua client with auto_reconnect and the
  cap LineHMI used before (10 s), counting its first data-change after the outage;

    .venv/bin/python bench/opcua_reconnect.py --restarts 10 --outage 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import asyncio, sys
from asyncua import Server, ua
async def main(port):
    s = Server()
    await s.init()
    s.set_endpoint(f"opc.tcp://127.0.0.1:{port}/plc/")
    s.set_security_policy([ua.SecurityPolicyType.NoSecurity])
    idx = await s.register_namespace("urn:bench:plc")
    v = await s.nodes.objects.add_variable(ua.NodeId("Speed", idx), "Speed", 0.0)
    await s.start()
    print("READY", flush=True)
    n = 0.0
    while True:
        n += 1
        await v.write_value(n)
        await asyncio.sleep(0.05)
asyncio.run(main(int(sys.argv[1])))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChildServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> float:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(self.port)], stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "READY" not in line:
            raise RuntimeError(f"server did not start: {line!r}")
        return time.time()

    def kill(self) -> None:
        if self.proc is not None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.proc = None


class Watch:
    """Records the receive time of every value; `first_after(t)` answers the question."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: list[float] = []

    def add(self, t: float) -> None:
        with self.lock:
            self.times.append(t)

    def first_after(self, t: float, timeout: float = 60.0) -> float:
        end = time.time() + timeout
        while time.time() < end:
            with self.lock:
                later = [x for x in self.times if x > t]
            if later:
                return min(later)
            time.sleep(0.01)
        return float("nan")


def run_linehmi(server: ChildServer, restarts: int, outage: float) -> list[float]:
    from connectors.loop_thread import LoopThread
    from connectors.opcua_client import OpcUaConnector
    from hmi.core.config import parse_config

    cfg = parse_config(
        f'[line]\nid = "bench"\nname = "bench"\n[server]\nendpoint = "opc.tcp://127.0.0.1:{server.port}/plc/"\n'
        '[[tags]]\nname = "speed"\nnode_id = "nsu=urn:bench:plc;s=Speed"\n',
        "bench.toml",
    )
    watch = Watch()

    def on_batch(b) -> None:  # type: ignore[no-untyped-def]
        good = b.status == 0
        if good.any():
            watch.add(time.time())

    loop = LoopThread("bench-io").start()
    conn = OpcUaConnector(cfg, on_batch)
    fut = loop.submit(conn.run())
    try:
        watch.first_after(0)
        return _restarts(server, watch, restarts, outage)
    finally:
        loop.run(conn.stop(), timeout=10)
        fut.result(10)
        loop.stop()


def run_bare(server: ChildServer, restarts: int, outage: float, cap: float) -> list[float]:
    from asyncua import Client

    from connectors.loop_thread import LoopThread

    watch = Watch()
    loop = LoopThread("bench-bare").start()
    stop = asyncio.Event()

    async def client() -> None:
        c = Client(f"opc.tcp://127.0.0.1:{server.port}/plc/", auto_reconnect=True, reconnect_max_delay=cap)
        await c.connect()
        idx = await c.get_namespace_index("urn:bench:plc")
        sub = await c.create_subscription(100, handler=None)
        await sub.subscribe_data_change(c.get_node(f"ns={idx};s=Speed"))

        async def consume() -> None:
            async for _ev in sub:
                watch.add(time.time())

        task = asyncio.create_task(consume())
        await stop.wait()
        task.cancel()
        await c.disconnect()

    fut = loop.submit(client())
    try:
        watch.first_after(0)
        return _restarts(server, watch, restarts, outage)
    finally:
        loop.loop.call_soon_threadsafe(stop.set)
        fut.result(20)
        loop.stop()


def _restarts(server: ChildServer, watch: Watch, restarts: int, outage: float) -> list[float]:
    out = []
    for _ in range(restarts):
        server.kill()
        time.sleep(outage)
        ready = server.start()
        back = watch.first_after(ready)
        out.append(back - ready)
        print(f"  restart {len(out)}: first value {back - ready:.2f} s after READY", file=sys.stderr, flush=True)
        time.sleep(1.0)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--restarts", type=int, default=10)
    ap.add_argument("--baseline-restarts", type=int, default=5)
    ap.add_argument("--outage", type=float, default=3.0, help="seconds the server stays down")
    args = ap.parse_args()
    import logging

    logging.basicConfig(level=logging.ERROR)
    from connectors.opcua_session import quieten_asyncua_logs

    quieten_asyncua_logs()
    logging.getLogger("asyncua").setLevel(logging.CRITICAL)
    server = ChildServer(free_port())
    server.start()
    try:
        rows = [
            ("LineHMI (default config)", run_linehmi(server, args.restarts, args.outage)),
            ("bare asyncua, 10 s cap", run_bare(server, args.baseline_restarts, args.outage, 10.0)),
        ]
    finally:
        server.kill()
    print(
        f"machine: {os.cpu_count()} cores; outage {args.outage:g} s (SIGKILL); time from server READY to first value"
    )
    print("| client                   | restarts | median s | max s | each (s) |")
    print("|--------------------------|----------|----------|-------|----------|")
    for name, xs in rows:
        each = " ".join(f"{x:.2f}" for x in xs)
        print(f"| {name:<24} | {len(xs):>8} | {statistics.median(xs):8.2f} | {max(xs):5.2f} | {each} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
