"""Ingest from a PLC-like server with small limits: LineHMI's connector vs a bare asyncua client.

The server (a child process) has N float tags changing every 100 ms and behaves
like a small PLC: at most --per-sub monitored items per subscription (the rest
refused with BadTooManyMonitoredItems), at most --per-call items per
CreateMonitoredItems and --per-read nodes per Read (over that: the whole
request refused with BadTooManyOperations; published in OperationLimits), and
publishing intervals revised up to --min-publishing ms.

Clients, one after the other against the same server, --seconds each:

- baseline: bare asyncua, the way a script subscribes (one subscription, the
  monitored items in one call, 100 ms requested), counting notifications;
- LineHMI: the OpcUaConnector with a line config for the same tags.

Figures: tags that delivered at least one value, notifications/s, subscriptions
used, the revised publishing interval the client knows about, client CPU.

    .venv/bin/python bench/opcua_limits_ingest.py --tags 300 --per-sub 100 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import asyncio, sys
from asyncua import Server, ua
from asyncua.common.utils import ServiceError
from asyncua.server.internal_session import InternalSession

port, n, per_sub, per_call, per_read, min_pub = (int(a) for a in sys.argv[1:7])
orig_read = InternalSession.read
orig_sub = InternalSession.create_subscription
orig_create = InternalSession.create_monitored_items
used = {}

async def read(self, params):
    if len(params.NodesToRead) > per_read:
        raise ServiceError(ua.StatusCodes.BadTooManyOperations)
    return await orig_read(self, params)

async def create_subscription(self, params, callback, request_callback=None):
    params.RequestedPublishingInterval = max(params.RequestedPublishingInterval, min_pub)
    return await orig_sub(self, params, callback, request_callback)

async def create_monitored_items(self, params):
    if len(params.ItemsToCreate) > per_call:
        raise ServiceError(ua.StatusCodes.BadTooManyOperations)
    room = max(0, per_sub - used.get(params.SubscriptionId, 0))
    items = params.ItemsToCreate
    params.ItemsToCreate = items[:room]
    res = list(await orig_create(self, params)) if room else []
    used[params.SubscriptionId] = used.get(params.SubscriptionId, 0) + len(res)
    for _ in items[room:]:
        r = ua.MonitoredItemCreateResult()
        r.StatusCode = ua.StatusCode(ua.StatusCodes.BadTooManyMonitoredItems)
        res.append(r)
    return res

InternalSession.read = read
InternalSession.create_subscription = create_subscription
InternalSession.create_monitored_items = create_monitored_items

async def main():
    s = Server()
    await s.init()
    s.set_endpoint(f"opc.tcp://127.0.0.1:{port}/plc/")
    s.set_security_policy([ua.SecurityPolicyType.NoSecurity])
    idx = await s.register_namespace("urn:bench:plc")
    for node_id, v in ((11705, per_read), (11714, per_call)):
        await s.get_node(f"i={node_id}").write_value(ua.Variant(v, ua.VariantType.UInt32))
    obj = await s.nodes.objects.add_object(idx, "Bulk")
    nodes = [await obj.add_variable(ua.NodeId(f"V{k}", idx), f"V{k}", 0.0) for k in range(n)]
    await s.start()
    print("READY", flush=True)
    t = 0.0
    while True:
        t += 1
        for node in nodes:
            await node.write_value(t)
        await asyncio.sleep(0.1)

asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds() -> float:
    t = psutil.Process().cpu_times()
    return float(t.user + t.system)


def measure_bare(url: str, n: int, seconds: float) -> dict[str, object]:
    from asyncua import Client, ua

    from connectors.loop_thread import LoopThread

    seen: set[int] = set()
    count = [0]
    info: dict[str, object] = {}

    async def run() -> None:
        c = Client(url)
        await c.connect()
        try:
            idx = await c.get_namespace_index("urn:bench:plc")
            sub = await c.create_subscription(100, handler=None, queue_maxsize=200_000)
            nodes = [c.get_node(f"ns={idx};s=V{k}") for k in range(n)]
            try:
                handles = await sub.subscribe_data_change(nodes)
                refused = sum(1 for h in handles if isinstance(h, ua.StatusCode))
            except Exception as exc:  # a call over MaxMonitoredItemsPerCall is refused whole
                info["error"] = type(exc).__name__
                refused = n
            info["refused"] = refused
            info["subs"] = 1
            info["publishing"] = sub.parameters.RequestedPublishingInterval

            async def consume() -> None:
                async for ev in sub:
                    seen.add(ev.data.monitored_item.ClientHandle)  # type: ignore[attr-defined]
                    count[0] += 1

            task = asyncio.create_task(consume())
            await asyncio.sleep(1.0)  # settle: initial values
            count[0] = 0
            t0c, t0 = cpu_seconds(), time.perf_counter()
            await asyncio.sleep(seconds)
            info["rate"] = count[0] / (time.perf_counter() - t0)
            info["cpu"] = 100 * (cpu_seconds() - t0c) / (time.perf_counter() - t0)
            task.cancel()
        finally:
            await c.disconnect()

    with LoopThread("bench-bare") as loop:
        loop.run(run(), timeout=seconds + 60)
    info["tags"] = len(seen)
    return info


def measure_linehmi(url: str, n: int, seconds: float) -> dict[str, object]:
    from connectors.loop_thread import LoopThread
    from connectors.opcua_client import OpcUaConnector
    from hmi.core.config import parse_config
    from hmi.core.runtime_api import ConnectionState

    tags = "".join(
        f'[[tags]]\nname = "v{k}"\nnode_id = "nsu=urn:bench:plc;s=V{k}"\nsampling_ms = 100\n'
        for k in range(n)
    )
    cfg = parse_config(
        f'[line]\nid = "bench"\nname = "bench"\n[server]\nendpoint = "{url}"\npublishing_interval_ms = 100\n{tags}',
        "bench.toml",
    )
    lock = threading.Lock()
    seen: set[int] = set()
    count = [0]

    def on_batch(b) -> None:  # type: ignore[no-untyped-def]
        with lock:
            seen.update(b.tag_idx.tolist())
            count[0] += len(b)

    info: dict[str, object] = {}
    with LoopThread("bench-linehmi") as loop:
        conn = OpcUaConnector(cfg, on_batch)
        fut = loop.submit(conn.run())
        end = time.monotonic() + 60
        while conn.state != ConnectionState.CONNECTED and time.monotonic() < end:
            time.sleep(0.1)
        time.sleep(1.0)
        with lock:
            count[0] = 0
        t0c, t0 = cpu_seconds(), time.perf_counter()
        time.sleep(seconds)
        with lock:
            info["rate"] = count[0] / (time.perf_counter() - t0)
        info["cpu"] = 100 * (cpu_seconds() - t0c) / (time.perf_counter() - t0)
        sub = conn.subscription_info
        info["subs"] = len(sub.revised_publishing_ms) if sub else 0
        info["publishing"] = max(sub.revised_publishing_ms) if sub else float("nan")
        info["refused"] = len(conn.problems)
        loop.run(conn.stop(), timeout=10)
        fut.result(10)
    info["tags"] = len(seen)
    return info


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tags", type=int, default=300)
    ap.add_argument("--per-sub", type=int, default=100)
    ap.add_argument("--per-call", type=int, default=1000)
    ap.add_argument("--per-read", type=int, default=50)
    ap.add_argument("--min-publishing", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    import logging

    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("asyncua").setLevel(logging.CRITICAL)
    logging.getLogger("connectors").setLevel(logging.CRITICAL)
    port = free_port()
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            str(port),
            str(args.tags),
            str(args.per_sub),
            str(args.per_call),
            str(args.per_read),
            str(args.min_publishing),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        if "READY" not in child.stdout.readline():
            print("server did not start", file=sys.stderr)
            return 1
        url = f"opc.tcp://127.0.0.1:{port}/plc/"
        rows = [
            ("bare asyncua (1 subscription)", measure_bare(url, args.tags, args.seconds)),
            ("LineHMI connector", measure_linehmi(url, args.tags, args.seconds)),
        ]
    finally:
        child.kill()
        child.wait()
    print(
        f"machine: {os.cpu_count()} cores; {args.tags} tags at 10 Hz; server limits: "
        f"{args.per_sub} items/subscription, "
        f"{args.per_call} items/call, {args.per_read} nodes/read, publishing >= {args.min_publishing} ms; "
        f"{args.seconds:g} s each"
    )
    print(
        "| client                        | tags delivering | refused | subs | publishing ms known "
        "| values/s | per tag/s | CPU % |"
    )
    print(
        "|-------------------------------|-----------------|---------|------|---------------------"
        "|----------|-----------|-------|"
    )
    for name, r in rows:
        print(
            f"| {name:<29} | {r['tags']:>7} / {args.tags:<5} | {r['refused']:>7} | {r['subs']:>4} | "
            f"{r['publishing']:>19} | {r['rate']:8.0f} | {r['rate'] / max(1, int(r['tags'])):9.1f} | {r['cpu']:5.1f} |"
        )
    print("values/s: notifications received; per tag/s: of the tags delivering. The server shares this")
    print("machine and writes every tag every 100 ms as fast as it can: it, not the client, paces the rate.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
