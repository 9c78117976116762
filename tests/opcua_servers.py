"""Real asyncua servers on 127.0.0.1 shaped like the PLCs the connector meets in plants:
secured endpoints with their own certificate, user names, namespace tables that move on
restart, small operation limits, null timestamps, non-float types."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asyncua import Server, ua
from asyncua.crypto import cert_gen
from asyncua.crypto.permission_rules import User, UserRole
from asyncua.server.user_managers import UserManager
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import DNSName, UniformResourceIdentifier
from cryptography.x509.oid import ExtendedKeyUsageOID

from connectors.loop_thread import LoopThread

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
        if server is None:
            return
        for transport in list(server.iserver.asyncio_transports):
            transport.abort()
        if server.bserver is not None and server.bserver._server is not None:
            server.bserver._server.close()
        with contextlib.suppress(asyncio.TimeoutError, Exception):
            await asyncio.wait_for(server.stop(), 2.0)

    def close(self) -> None:
        if self.server is not None:
            self.stop()
        self.thread.stop()


def null_timestamp_value(v: float) -> ua.DataValue:
    dv = ua.DataValue(ua.Variant(v, ua.VariantType.Double))
    dv.SourceTimestamp = None
    dv.ServerTimestamp = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
    return dv
