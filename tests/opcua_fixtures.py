"""A tiny real asyncua server on 127.0.0.1 for connector tests (no simulator physics)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable
from pathlib import Path

from asyncua import Server, ua

from connectors.loop_thread import LoopThread
from hmi.core.config import LineConfig, parse_config

NS_URI = "urn:linehmi:test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def small_config(port: int, *, extra_tags: str = "", journal_dir: Path | None = None) -> LineConfig:
    return parse_config(small_config_text(port, extra_tags=extra_tags, journal_dir=journal_dir), "test.toml")


def small_config_text(port: int, *, extra_tags: str = "", journal_dir: Path | None = None) -> str:
    jdir = f'directory = "{journal_dir}"\n' if journal_dir else ""
    return f"""
[line]
id = "testline"
name = "Test line"
[server]
endpoint = "opc.tcp://127.0.0.1:{port}/test/"
publishing_interval_ms = 50
timeout_s = 2
reconnect_max_delay_s = 1
[journal]
{jdir}commit_interval_ms = 50
[[machines]]
id = "m1"
name = "Machine 1"
state_tag = "m1.state"
speed_tag = "m1.speed"
setpoint_tag = "m1.speed_sp"
[[tags]]
name = "m1.speed"
node_id = "nsu={NS_URI};s=M1.Speed"
machine = "m1"
unit = "bpm"
range = [0, 600]
sampling_ms = 50
[[tags]]
name = "m1.speed_sp"
node_id = "nsu={NS_URI};s=M1.SpeedSetpoint"
machine = "m1"
range = [0, 600]
writable = true
sampling_ms = 50
[[tags]]
name = "m1.state"
node_id = "nsu={NS_URI};s=M1.State"
machine = "m1"
data_type = "enum"
states = {{ "0" = "Stopped", "2" = "Running", "4" = "Faulted" }}
sampling_ms = 50
[[tags]]
name = "m1.label"
node_id = "nsu={NS_URI};s=M1.Label"
machine = "m1"
sampling_ms = 50
{extra_tags}
"""


async def abort_server(server: Server) -> None:
    """Stop like a killed process: drop every connection and the listening socket at once,
    no goodbye to the clients."""
    for transport in list(server.iserver.asyncio_transports):
        transport.abort()
    if server.bserver is not None and server.bserver._server is not None:
        server.bserver._server.close()
    with contextlib.suppress(asyncio.TimeoutError, Exception):
        await asyncio.wait_for(server.stop(), 2.0)


def wait_until(pred: Callable[[], object], timeout: float, describe: Callable[[], str]) -> None:
    """Poll `pred` until true; fail with `describe()` (what was seen) after `timeout` s."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"condition not met in {timeout}s; {describe()}")


class TinyServer:
    """Speed follows the setpoint every 50 ms; runs on its own loop thread so a
    test can stop it (as if the PLC went away) and start it again on the same port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.thread = LoopThread("tiny-server").start()
        self.server: Server | None = None
        self._task: asyncio.Future[None] | None = None

    def start(self) -> TinyServer:
        self.thread.run(self._start(), timeout=20)
        return self

    async def _start(self) -> None:
        server = Server()
        await server.init()
        server.set_endpoint(f"opc.tcp://127.0.0.1:{self.port}/test/")
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        idx = await server.register_namespace(NS_URI)
        m1 = await server.nodes.objects.add_object(idx, "M1")
        self.speed = await m1.add_variable(ua.NodeId("M1.Speed", idx), "Speed", 0.0)
        self.sp = await m1.add_variable(ua.NodeId("M1.SpeedSetpoint", idx), "SpeedSetpoint", 100.0)
        await self.sp.set_writable()
        self.state = await m1.add_variable(ua.NodeId("M1.State", idx), "State", 2, ua.VariantType.Int32)
        self.label = await m1.add_variable(ua.NodeId("M1.Label", idx), "Label", "hello")
        await server.start()
        self.server = server
        self._task = asyncio.ensure_future(self._tick())

    async def _tick(self) -> None:
        while True:
            sp = await self.sp.read_value()
            cur = await self.speed.read_value()
            await self.speed.write_value(cur + 0.5 * (sp - cur) + 0.01)
            await asyncio.sleep(0.05)

    def stop(self) -> None:
        self.thread.run(self._stop(), timeout=20)

    async def _stop(self) -> None:
        # Abort like a killed process would: drop every connection and the
        # listening socket at once, no goodbye to the clients.
        if self._task:
            self._task.cancel()
        server, self.server = self.server, None
        if server is not None:
            await abort_server(server)

    def close(self) -> None:
        if self.server:
            self.stop()
        self.thread.stop()
