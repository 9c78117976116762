"""Ingest benchmark: simulator with N bulk tags -> full client pipeline, vs a bare asyncua subscription.

For each scenario the simulated line server runs as a child process (so its CPU
is not the client's) with bulk tags whose values are per-tag sequence numbers
(every update = previous + 1), which makes a missing sample detectable exactly.

Two clients are measured one after the other against the same server:

- baseline: a bare asyncua iterator subscription that only counts notifications;
- pipeline: LineHMI's runtime (OPC UA connector -> SampleBatch -> journal writer
  thread -> GUI feed drained at 25 Hz into LiveValues, as the window does).

Figures: notifications/s sustained, client process CPU % (100 % = one core),
p95 latency source timestamp -> received (baseline) and -> committed in the
journal (pipeline), and samples missing from the journal (sequence gaps).

    .venv/bin/python bench/ingest.py                       # all scenarios, 20 s each
    .venv/bin/python bench/ingest.py --seconds 10 --scenario 500@10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from asyncua import Client  # noqa: E402
from asyncua.common.subscription import DataChangeEvent  # noqa: E402

from connectors.opcua_client import _monitor_request  # noqa: E402
from connectors.opcua_session import quieten_asyncua_logs, resolve_node_id  # noqa: E402
from connectors.sim.bulk import bulk_config_text  # noqa: E402
from hmi.app.runtime import LineRuntime  # noqa: E402
from hmi.core.config import parse_config  # noqa: E402
from hmi.core.live_values import LiveValues  # noqa: E402
from hmi.core.runtime_api import ConnectionState  # noqa: E402

SCENARIOS = {
    "500@10": [(500, 10.0)],
    "2000@1": [(2000, 1.0)],
    "2000@10": [(2000, 10.0)],
    "10000@1": [(10000, 1.0)],
    "10000@1+500@10": [(10000, 1.0), (500, 10.0)],
}


@dataclass
class Result:
    name: str
    expected_per_s: float
    rate: float
    cpu: float
    p95_ms: float
    p95_recv_ms: float
    missing: int | None = None
    journaled: int | None = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_sim(groups: list[tuple[int, float]], port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "connectors.sim", "--port", str(port), "--no-history", "--bulk-sequence"]
    for count, rate in groups:
        cmd += ["--extra-group", f"{count}:{rate:g}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"simulator exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("simulator did not open its port within 120 s")


def stop_sim(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class CpuMeter:
    def __init__(self) -> None:
        self.proc = psutil.Process()

    def start(self) -> None:
        t = self.proc.cpu_times()
        self.c0, self.t0 = t.user + t.system, time.monotonic()

    def percent(self) -> float:
        t = self.proc.cpu_times()
        return 100.0 * (t.user + t.system - self.c0) / (time.monotonic() - self.t0)


# --- baseline: bare asyncua ------------------------------------------------------------------


async def _baseline(cfg_text: str, seconds: float, warmup: float) -> tuple[float, float, float]:
    cfg = parse_config(cfg_text, "bench")
    bulk = [t for t in cfg.tags if t.name.startswith("bulk.")]
    client = Client(cfg.server.endpoint, timeout=10)
    await client.connect()
    try:
        ns = await client.get_namespace_array()
        nodes = [client.get_node(resolve_node_id(t.node_id, ns)) for t in bulk]
        sub = await client.create_subscription(
            float(cfg.server.publishing_interval_ms), None, queue_maxsize=200_000
        )
        reqs = [_monitor_request(n, t, 1000 + i) for i, (n, t) in enumerate(zip(nodes, bulk, strict=True))]
        for i in range(0, len(reqs), 1000):
            await sub.create_monitored_items(reqs[i : i + 1000])
        count = 0
        lat: list[float] = []
        measuring = False
        meter = CpuMeter()

        async def consume() -> None:
            nonlocal count
            async for ev in sub:
                if isinstance(ev, DataChangeEvent) and measuring:
                    count += 1
                    dv = ev.data.monitored_item.Value
                    if count % 7 == 0 and dv.SourceTimestamp is not None:
                        lat.append(time.time() - dv.SourceTimestamp.timestamp())

        task = asyncio.create_task(consume())
        await asyncio.sleep(warmup)
        measuring = True
        meter.start()
        t0 = time.monotonic()
        await asyncio.sleep(seconds)
        measuring = False
        elapsed = time.monotonic() - t0
        cpu = meter.percent()
        task.cancel()
        p95 = float(np.percentile(lat, 95) * 1000) if lat else float("nan")
        return count / elapsed, cpu, p95
    finally:
        await client.disconnect()


# --- pipeline: LineHMI runtime ---------------------------------------------------------------


def _pipeline(
    cfg_text: str, seconds: float, warmup: float, journal_dir: Path
) -> tuple[float, float, float, int, int]:
    cfg = parse_config(cfg_text, "bench")
    bulk_idx = np.array([i for i, t in enumerate(cfg.tags) if t.name.startswith("bulk.")])
    rt = LineRuntime(cfg, journal_dir=journal_dir, gui_feed=True)
    live = LiveValues(cfg)
    stop = threading.Event()

    def gui() -> None:  # what the window's 25 Hz bridge timer does, minus painting
        while not stop.wait(0.04):
            live.apply(rt.poll().batch)

    rt.start()
    gui_thread = threading.Thread(target=gui, name="bench-gui")
    gui_thread.start()
    try:
        deadline = time.monotonic() + 120
        while rt.state != ConnectionState.CONNECTED:
            if time.monotonic() > deadline:
                raise RuntimeError("runtime did not connect")
            time.sleep(0.1)
        time.sleep(warmup)
        meter = CpuMeter()
        n0 = rt.samples_in
        t_start = time.time()
        meter.start()
        time.sleep(seconds)
        cpu = meter.percent()
        t_end = time.time()
        rate = (rt.samples_in - n0) / (t_end - t_start)
    finally:
        stop.set()
        gui_thread.join()
        rt.stop()
    db = sqlite3.connect(rt.journal.path)
    tag_ids = {name: tid for tid, name in db.execute("select id, name from tags")}
    wanted = [tag_ids[cfg.tags[i].name] for i in bulk_idx]
    ids = ",".join(map(str, wanted))
    # Latency source -> committed: each commit row knows its sample id range.
    lat = np.array(
        db.execute(
            f"select c.committed_at - s.source_ts from commits c join samples s "
            f"on s.id between c.first_sample_id and c.last_sample_id "
            f"where s.source_ts between ? and ? and s.tag_id in ({ids}) and s.id % 7 = 0",
            (t_start, t_end),
        ).fetchall(),
        dtype=float,
    ).ravel()
    # Missing: within the measured window, consecutive values of a tag must differ by exactly 1.
    rows = np.array(
        db.execute(
            f"select tag_id, value from samples where tag_id in ({ids}) and status = 0 "
            f"and source_ts between ? and ? order by tag_id, id",
            (t_start, t_end),
        ).fetchall(),
        dtype=float,
    )
    recv = np.array(
        db.execute(
            f"select received_ts - source_ts from samples where tag_id in ({ids}) "
            f"and source_ts between ? and ? and id % 7 = 0",
            (t_start, t_end),
        ).fetchall(),
        dtype=float,
    ).ravel()
    p95_recv = float(np.percentile(recv, 95) * 1000) if len(recv) else float("nan")
    missing = 0
    if len(rows):
        same = rows[1:, 0] == rows[:-1, 0]
        steps = np.diff(rows[:, 1])[same]
        missing = int(np.sum(np.maximum(steps - 1, 0)))
    db.close()
    p95_commit = float(np.percentile(lat, 95) * 1000) if len(lat) else float("nan")
    return rate, cpu, p95_commit, p95_recv, missing, len(rows)


def run_scenario(name: str, seconds: float, warmup: float) -> list[Result]:
    groups = SCENARIOS[name]
    expected = sum(c * r for c, r in groups)
    port = free_port()
    sim = start_sim(groups, port)
    try:
        endpoint = f"opc.tcp://127.0.0.1:{port}/linehmi/"
        cfg_text = bulk_config_text(endpoint, extra_groups=groups)
        b_rate, b_cpu, b_p95 = asyncio.run(_baseline(cfg_text, seconds, warmup))
        with tempfile.TemporaryDirectory() as tmp:
            p_rate, p_cpu, p_p95, p_recv, missing, n = _pipeline(cfg_text, seconds, warmup, Path(tmp))
    finally:
        stop_sim(sim)
    return [
        Result(f"{name} bare asyncua", expected, b_rate, b_cpu, float("nan"), b_p95),
        Result(f"{name} LineHMI pipeline", expected, p_rate, p_cpu, p_p95, p_recv, missing, n),
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="default: all")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--warmup", type=float, default=4.0)
    args = ap.parse_args()
    quieten_asyncua_logs()
    names = args.scenario or ["500@10", "2000@1", "2000@10", "10000@1", "10000@1+500@10"]
    print(
        f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}; {args.seconds:g} s per measurement"
    )
    header = (
        f"| {'scenario / client':<34} | {'expected/s':>10} | {'received/s':>10} | {'ratio':>5} | "
        f"{'CPU %':>6} | {'p95 recv ms':>11} | {'p95 commit ms':>13} | {'missing':>7} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for name in names:
        results = run_scenario(name, args.seconds, args.warmup)
        base = results[0]
        for r in results:
            miss = "" if r.missing is None else f"{r.missing}"
            print(
                f"| {r.name:<34} | {r.expected_per_s:>10.0f} | {r.rate:>10.0f} | {r.rate / base.rate:>5.2f} | "
                f"{r.cpu:>6.1f} | {r.p95_recv_ms:>11.0f} | {r.p95_ms:>13.0f} | {miss:>7} |",
                flush=True,
            )
    print("CPU %: client process, all threads (100 % = one core). p95 recv: source timestamp -> received by")
    print("the client; p95 commit: source timestamp -> committed to the journal (commit interval 500 ms).")
    print("missing: sequence gaps in the journal within the window (every bulk value is previous + 1).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
