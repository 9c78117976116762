"""Throughput of the simulated line server: `python bench/sim_server.py`.

Starts the simulator in a subprocess with bulk tags (default 10,000 at 1 Hz +
500 at 10 Hz = 15,000 value updates/s), then measures, over `--seconds` each:

1. the server alone (updates written into the address space, no subscriber);
2. the server with one asyncua client (a separate process) subscribed to every
   bulk tag the way the HMI subscribes (iterator mode, queue 4, 100 ms
   publishing): notifications/s that reach the client, server and client CPU.

CPU is percent of one core (psutil); this machine's total is 100 % x cores.
Figures are printed one per line, with the updates the server was asked for as
the baseline of the same run.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time

import psutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, timeout: float) -> None:
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"simulator did not listen on {port} within {timeout:.0f} s")


CLIENT = r"""
import asyncio, sys, time
from asyncua import Client, ua
from asyncua.common.subscription import DataChangeEvent
url, ns_uri, n, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
async def main():
    async with Client(url, timeout=30) as c:
        ns = await c.get_namespace_index(ns_uri)
        sub = await c.create_subscription(100, handler=None, queue_maxsize=500_000)
        reqs = []
        for i in range(n):
            p = ua.MonitoringParameters(); p.ClientHandle = i + 1; p.SamplingInterval = 0
            p.QueueSize = 4; p.DiscardOldest = True
            rv = ua.ReadValueId(); rv.NodeId = ua.NodeId(f"Bulk.T{i + 1:05d}", ns)
            rv.AttributeId = ua.AttributeIds.Value
            r = ua.MonitoredItemCreateRequest(); r.ItemToMonitor = rv
            r.MonitoringMode = ua.MonitoringMode.Reporting
            r.RequestedParameters = p; reqs.append(r)
        for k in range(0, n, 1000):
            await sub.create_monitored_items(reqs[k:k + 1000])
        count = 0
        async def consume():
            nonlocal count
            async for ev in sub:
                if isinstance(ev, DataChangeEvent):
                    count += 1
        task = asyncio.create_task(consume())
        await asyncio.sleep(3)  # initial values and warm-up
        c0, t0 = count, time.monotonic()
        print("READY", flush=True)
        await asyncio.sleep(seconds)
        print(f"RESULT {(count - c0) / (time.monotonic() - t0):.0f}", flush=True)
        task.cancel()
asyncio.run(main())
"""


def _cpu(proc: psutil.Process, seconds: float) -> float:
    proc.cpu_percent(None)
    time.sleep(seconds)
    return proc.cpu_percent(None)


def run(tags_1hz: int, tags_10hz: int, seconds: float, no_patch: bool) -> dict[str, float]:
    port = _free_port()
    env = dict(os.environ)
    if no_patch:
        env["LINEHMI_SIM_NO_UAPATCH"] = "1"
    cmd = [
        sys.executable,
        "-m",
        "connectors.sim",
        "--port",
        str(port),
        "--no-faults",
        "--status-every",
        "3600",
    ]
    if tags_1hz:
        cmd += ["--extra-tags", str(tags_1hz), "--extra-rate", "1"]
    if tags_10hz:
        cmd += ["--extra-group", f"{tags_10hz}:10"]
    srv = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out: dict[str, float] = {"asked_updates_per_s": tags_1hz * 1 + tags_10hz * 10}
    try:
        _wait_port(port, 120)
        sp = psutil.Process(srv.pid)
        time.sleep(2)
        out["server_cpu_alone_pct"] = _cpu(sp, seconds)
        cl = subprocess.Popen(
            [
                sys.executable,
                "-c",
                CLIENT,
                f"opc.tcp://127.0.0.1:{port}/linehmi/",
                "urn:linehmi:sim",
                str(tags_1hz + tags_10hz),
                str(seconds),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert cl.stdout is not None
            line = cl.stdout.readline()
            if not line.startswith("READY"):
                raise RuntimeError(f"bench client failed: {line!r}")
            cp = psutil.Process(cl.pid)
            sp.cpu_percent(None)
            cp.cpu_percent(None)
            time.sleep(seconds)
            out["server_cpu_subscribed_pct"] = sp.cpu_percent(None)
            out["client_cpu_pct"] = cp.cpu_percent(None)
            line = cl.stdout.readline()
            out["notifications_per_s"] = float(line.split()[1]) if line.startswith("RESULT") else float("nan")
        finally:
            cl.wait(60)
    finally:
        srv.terminate()
        srv.wait(30)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python bench/sim_server.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--tags-1hz", type=int, default=10_000)
    p.add_argument("--tags-10hz", type=int, default=500)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument(
        "--compare-unpatched",
        action="store_true",
        help="also run with asyncua's own data-change path (connectors/sim/_uapatch.py off)",
    )
    args = p.parse_args(argv)
    print(f"cores: {psutil.cpu_count()}  load before: {os.getloadavg()[0]:.2f}")
    variants = [("patched", False)] + ([("asyncua as shipped", True)] if args.compare_unpatched else [])
    for name, no_patch in variants:
        r = run(args.tags_1hz, args.tags_10hz, args.seconds, no_patch)
        print(f"[{name}] {args.tags_1hz} tags @ 1 Hz + {args.tags_10hz} @ 10 Hz")
        for k, v in r.items():
            print(f"  {k:28s} {v:10.1f}")
        ratio = r.get("notifications_per_s", float("nan")) / r["asked_updates_per_s"]
        print(f"  {'delivered / asked':28s} {ratio:10.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
