"""Real asyncua servers on 127.0.0.1 shaped like the PLCs the connector meets in plants:
secured endpoints with their own certificate, user names, namespace tables that move on
restart, small operation limits, null timestamps, non-float types."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asyncua import Server, ua
from asyncua.crypto import cert_gen
from asyncua.crypto.permission_rules import User, UserRole
from asyncua.crypto.truststore import TrustStore
from asyncua.crypto.validator import CertificateValidator, CertificateValidatorOptions
from asyncua.server.user_managers import UserManager
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import DNSName, UniformResourceIdentifier
from cryptography.x509.oid import ExtendedKeyUsageOID

from connectors.loop_thread import LoopThread
from connectors.opcua_client import OpcUaConnector
from hmi.core.config import LineConfig, parse_config
from hmi.core.connector_notice import ConnectorNotice, NoticeKind
from hmi.core.runtime_api import ConnectionState
from hmi.core.samples import SampleBatch
from tests.opcua_fixtures import abort_server, free_port, wait_until

NS_URI = "urn:linehmi:test"
OTHER_NS = "urn:vendor:other"

POLICY_TYPES = {
    "None": ua.SecurityPolicyType.NoSecurity,
    "Basic256Sha256": ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt,
    "Aes128_Sha256_RsaOaep": ua.SecurityPolicyType.Aes128Sha256RsaOaep_SignAndEncrypt,
    "Aes256_Sha256_RsaPss": ua.SecurityPolicyType.Aes256Sha256RsaPss_SignAndEncrypt,
}


def make_server_certificate(folder: Path, name: str, app_uri: str = "urn:test:plc") -> tuple[Path, Path]:
    """A fresh server certificate + key (a new one each call: a 'changed certificate')."""
    folder.mkdir(parents=True, exist_ok=True)
    key = cert_gen.generate_private_key()
    cert = cert_gen.generate_self_signed_app_certificate(
        key,
        f"PLC {name}",
        {"organizationName": "Test plant"},
        [UniformResourceIdentifier(app_uri), DNSName(socket.gethostname())],
        [ExtendedKeyUsageOID.SERVER_AUTH],
    )
    cert_path, key_path = folder / f"{name}.der", folder / f"{name}.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    key_path.write_bytes(cert_gen.dump_private_key_as_pem(key))
    return cert_path, key_path


class _Users(UserManager):
    def __init__(self, users: dict[str, str]) -> None:
        self.users = users
        self.attempts = 0

    def get_user(
        self, iserver: Any, username: str | None = None, password: str | None = None, certificate: Any = None
    ) -> User | None:
        if username is None:
            return None if self.users else User(role=UserRole.User)
        self.attempts += 1
        return User(role=UserRole.User) if self.users.get(username) == password else None


@dataclass
class PlcShape:
    policies: tuple[str, ...] = ("None",)
    cert: tuple[Path, Path] | None = None
    users: dict[str, str] = field(default_factory=dict)
    # The order the namespaces are registered in (a restart may change it).
    namespaces: tuple[str, ...] = (NS_URI,)
    # A client-certificate allow-list: only client certificates in this folder may connect.
    client_trust_dir: Path | None = None
    # Extra setup on the running server: limits, odd values...
    extra: Callable[[Server, dict[str, int]], Awaitable[None]] | None = None


class Plc:
    """A server on its own loop thread that a test can stop (abruptly) and start again,
    possibly with another shape (new certificate, re-ordered namespaces)."""

    def __init__(self, port: int, shape: PlcShape) -> None:
        self.port = port
        self.shape = shape
        self.url = f"opc.tcp://127.0.0.1:{port}/plc/"
        self.thread = LoopThread("test-plc").start()
        self.server: Server | None = None
        self.users = _Users(shape.users)
        self.client_trust: TrustStore | None = None
        self.nodes: dict[str, Any] = {}

    def start(self, shape: PlcShape | None = None) -> Plc:
        if shape is not None:
            self.shape = shape
            self.users.users = shape.users
        self.thread.run(self._start(), timeout=30)
        return self

    async def _start(self) -> None:
        shape = self.shape
        server = Server(user_manager=self.users)
        await server.init()
        server.set_endpoint(self.url)
        server.set_security_policy([POLICY_TYPES[p] for p in shape.policies])
        if shape.users:
            server.set_identity_tokens([ua.UserNameIdentityToken])
        if shape.cert is not None:
            await server.load_certificate(str(shape.cert[0]))
            await server.load_private_key(str(shape.cert[1]))
        if shape.client_trust_dir is not None:
            self.client_trust = TrustStore([shape.client_trust_dir], [])
            await self.client_trust.load()
            server.set_certificate_validator(
                CertificateValidator(
                    CertificateValidatorOptions.TRUSTED_VALIDATION | CertificateValidatorOptions.PEER_CLIENT,
                    self.client_trust,
                )
            )
        idx = {uri: await server.register_namespace(uri) for uri in shape.namespaces}
        for uri, ns in idx.items():
            obj = await server.nodes.objects.add_object(ns, f"M1_{ns}")
            # The same string id in every namespace, with values far apart: a tag bound to
            # the wrong namespace shows up at once.
            value = 42.0 if uri == NS_URI else 9999.0
            self.nodes[f"{uri}|speed"] = await obj.add_variable(ua.NodeId("M1.Speed", ns), "Speed", value)
        if shape.extra is not None:
            await shape.extra(server, idx)
        await server.start()
        self.server = server

    def run(self, coro: Awaitable[Any]) -> Any:
        return self.thread.run(coro, timeout=20)

    def stop(self) -> None:
        self.thread.run(self._stop(), timeout=20)

    async def _stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            await abort_server(server)

    def close(self) -> None:
        if self.server is not None:
            self.stop()
        self.thread.stop()


def null_timestamp_value(v: float) -> ua.DataValue:
    dv = ua.DataValue(ua.Variant(v, ua.VariantType.Double))
    dv.SourceTimestamp = None
    dv.ServerTimestamp = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
    return dv


@dataclass
class SmallPlcLimits:
    """Limits a small PLC enforces (0 = none). Published in OperationLimits when `publish`."""

    max_nodes_per_read: int = 0
    max_nodes_per_write: int = 0
    max_monitored_items_per_call: int = 0
    max_monitored_items_per_subscription: int = 0
    min_publishing_ms: float = 0.0
    publish: bool = True
    calls: dict[str, list[int]] = field(default_factory=lambda: {"read": [], "write": [], "create": []})


def enforce_limits(monkeypatch: Any, limits: SmallPlcLimits) -> None:
    """Make every asyncua server in this test behave like a small PLC: a request over a limit
    is refused whole (BadTooManyOperations), a full subscription refuses further items
    (BadTooManyMonitoredItems), and publishing intervals are revised up to the minimum."""
    from asyncua.common.utils import ServiceError
    from asyncua.server.internal_session import InternalSession

    orig_read, orig_write = InternalSession.read, InternalSession.write
    orig_sub, orig_create = InternalSession.create_subscription, InternalSession.create_monitored_items
    per_sub: dict[int, int] = {}

    async def read(self: Any, params: ua.ReadParameters) -> list[ua.DataValue]:
        limits.calls["read"].append(len(params.NodesToRead))
        if limits.max_nodes_per_read and len(params.NodesToRead) > limits.max_nodes_per_read:
            raise ServiceError(ua.StatusCodes.BadTooManyOperations)
        return await orig_read(self, params)

    async def write(self: Any, params: ua.WriteParameters) -> list[ua.StatusCode]:
        limits.calls["write"].append(len(params.NodesToWrite))
        if limits.max_nodes_per_write and len(params.NodesToWrite) > limits.max_nodes_per_write:
            raise ServiceError(ua.StatusCodes.BadTooManyOperations)
        return await orig_write(self, params)

    async def create_subscription(self: Any, params: Any, callback: Any, request_callback: Any = None) -> Any:
        if params.RequestedPublishingInterval < limits.min_publishing_ms:
            params.RequestedPublishingInterval = limits.min_publishing_ms
        return await orig_sub(self, params, callback, request_callback)

    async def create_monitored_items(self: Any, params: ua.CreateMonitoredItemsParameters) -> Any:
        n = len(params.ItemsToCreate)
        limits.calls["create"].append(n)
        if limits.max_monitored_items_per_call and n > limits.max_monitored_items_per_call:
            raise ServiceError(ua.StatusCodes.BadTooManyOperations)
        room = n
        if limits.max_monitored_items_per_subscription:
            room = max(0, limits.max_monitored_items_per_subscription - per_sub.get(params.SubscriptionId, 0))
        items = params.ItemsToCreate
        params.ItemsToCreate = items[:room]
        results = list(await orig_create(self, params)) if room else []
        per_sub[params.SubscriptionId] = per_sub.get(params.SubscriptionId, 0) + len(results)
        for _ in items[room:]:
            r = ua.MonitoredItemCreateResult()
            r.StatusCode = ua.StatusCode(ua.StatusCodes.BadTooManyMonitoredItems)
            results.append(r)
        params.ItemsToCreate = items
        return results

    monkeypatch.setattr(InternalSession, "read", read)
    monkeypatch.setattr(InternalSession, "write", write)
    monkeypatch.setattr(InternalSession, "create_subscription", create_subscription)
    monkeypatch.setattr(InternalSession, "create_monitored_items", create_monitored_items)


async def publish_limits(server: Server, limits: SmallPlcLimits) -> None:
    if not limits.publish:
        return
    for node_id, value in (
        (ua.ObjectIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerRead, limits.max_nodes_per_read),
        (ua.ObjectIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerWrite, limits.max_nodes_per_write),
        (
            ua.ObjectIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall,
            limits.max_monitored_items_per_call,
        ),
    ):
        if value:
            await server.get_node(f"i={node_id}").write_value(ua.Variant(value, ua.VariantType.UInt32))


async def add_many(server: Server, idx: dict[str, int], n: int) -> None:
    """n float variables Many.V0..V{n-1} in the test namespace, value = their number."""
    ns = idx[NS_URI]
    obj = await server.nodes.objects.add_object(ns, "Many")
    for k in range(n):
        await obj.add_variable(ua.NodeId(f"Many.V{k}", ns), f"V{k}", float(k))


def many_tags(n: int) -> str:
    return "".join(
        f'[[tags]]\nname = "v{k}"\nnode_id = "nsu={NS_URI};s=Many.V{k}"\nsampling_ms = 100\n'
        for k in range(n)
    )


def line_config(port: int, security: str = "", tags: str = "") -> LineConfig:
    return parse_config(line_config_text(port, security, tags), "plc.toml")


def line_config_text(port: int, security: str = "", tags: str = "") -> str:
    return f"""
[line]
id = "sec"
name = "Security line"
[server]
endpoint = "opc.tcp://127.0.0.1:{port}/plc/"
publishing_interval_ms = 50
timeout_s = 2
[server.security]
{security}
[[tags]]
name = "m1.speed"
node_id = "nsu={NS_URI};s=M1.Speed"
sampling_ms = 50
{tags}
"""


class Seen:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.batches: list[SampleBatch] = []
        self.states: list[tuple[ConnectionState, str]] = []
        self.notices: list[ConnectorNotice] = []

    def on_batch(self, b: SampleBatch) -> None:
        with self.lock:
            self.batches.append(b)

    def on_state(self, s: ConnectionState, d: str) -> None:
        with self.lock:
            self.states.append((s, d))

    def on_notice(self, n: ConnectorNotice) -> None:
        with self.lock:
            self.notices.append(n)

    def kinds(self) -> list[NoticeKind]:
        with self.lock:
            return [n.kind for n in self.notices]

    def values(self) -> SampleBatch:
        with self.lock:
            return SampleBatch.concat(self.batches)

    def wait(self, pred: Callable[[], object], timeout: float = 20.0) -> None:
        wait_until(pred, timeout, lambda: f"states={self.states[-4:]} notices={self.notices[-3:]}")


class Session:
    def __init__(self, cfg: LineConfig, pki_dir: Path) -> None:
        self.seen = Seen()
        self.loop = LoopThread("client-io").start()
        self.conn = OpcUaConnector(
            cfg, self.seen.on_batch, self.seen.on_state, on_notice=self.seen.on_notice, pki_dir=pki_dir
        )
        self.fut = self.loop.submit(self.conn.run())

    def retry(self) -> None:
        self.loop.loop.call_soon_threadsafe(self.conn.retry_now)

    def close(self) -> None:
        self.loop.run(self.conn.stop(), timeout=10)
        self.fut.result(10)
        self.loop.stop()


def plc_factory() -> Iterator[tuple[Callable[[PlcShape], Plc], Callable[[LineConfig, Path], Session]]]:
    """Body of the `plcs` fixture in the OPC UA test modules: start servers and sessions;
    everything is stopped afterwards."""
    made: list[Plc] = []
    sessions: list[Session] = []

    def plc(shape: PlcShape) -> Plc:
        p = Plc(free_port(), shape).start()
        made.append(p)
        return p

    def session(cfg, pki_dir: Path) -> Session:
        s = Session(cfg, pki_dir)
        sessions.append(s)
        return s

    yield plc, session
    for s in sessions:
        s.close()
    for p in made:
        p.close()
