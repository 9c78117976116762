"""One OPC UA session's life, shared by the tag connector and the camera client.

Both clients talk to OPC UA servers that a plant engineer configures, so both
must behave the same way on the wire: the same endpoint choice and server
certificate check before any secret leaves the station, the same refusal of a
password in clear, the same bounded log-in attempts, the same retry with
backoff and the same one-report-per-cause. `OpcUaSession` holds all of that;
its owner (`connectors.opcua_client.OpcUaConnector`,
`connectors.camera_client.CameraClient`) says only what to do on the open
session through `SessionOwner`: subscribe, and react when the link drops or
comes back.

Life of a session (`run()`):

1. connect, retrying with backoff (`connectors.session_lifecycle`):
   endpoint chosen and server certificate checked against the PKI trust list
   (`connectors.opcua_security`) before asyncua opens the channel; an
   untrusted or changed certificate, bad credentials (after
   MAX_LOGIN_ATTEMPTS), a password that would travel in clear or a missing
   endpoint stop the retries until a person acts (`retry_now()`, or trusting
   the certificate, which the session notices by itself);
2. `owner.opened(client)`: the owner subscribes (an error fails the attempt);
3. asyncua's supervisor (`auto_reconnect=True`) restores the channel after a
   loss; every intermediate asyncua state is one outage for us
   (`owner.link_lost()` once, then `owner.link_back()` once it is back);
   while the link is down on a secured endpoint the session watches the
   server's certificate: a changed one ends the reconnect loop with a refusal;
4. `stop()`: no task is left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from asyncua import Client, ua
from asyncua.client.ua_client import UaClientState

from connectors.opcua_pki import CertificateRefused, Pki, fingerprint, load_der_or_pem
from connectors.opcua_security import (
    InsecurePasswordRefused,
    NoMatchingEndpoint,
    SessionSecurity,
    check_server_certificate,
    probe_server_certificate,
    secure_client,
)
from connectors.session_lifecycle import ConnectRefused, cancel_tasks, connect_with_retry, wait_first
from hmi.core.config import SecurityConfig
from hmi.core.connector_notice import ConnectorNotice, NoticeKind, NoticeLevel
from hmi.core.quality import status_name
from hmi.core.runtime_api import ConnectionState

log = logging.getLogger(__name__)

# A PLC may lock an account after a few failed log-ins: stop after this many.
MAX_LOGIN_ATTEMPTS = 3
_BAD_LOGIN = {
    ua.StatusCodes.BadUserAccessDenied,
    ua.StatusCodes.BadIdentityTokenInvalid,
    ua.StatusCodes.BadIdentityTokenRejected,
}
# How often the server's certificate is checked while the link is down.
IDENTITY_PROBE_S = 1.0
# How often a refused certificate's trust is looked up (a person may trust it from the CLI).
TRUST_POLL_S = 1.0


class _QuietReconnectFilter(logging.Filter):
    """asyncua logs a full traceback every second while the server is down;
    keep one line per attempt instead (seen with asyncua 2.1 against a killed server)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and (record.levelno < logging.ERROR or "Publish iteration" in record.getMessage()):
            record.exc_info = None
            record.exc_text = None
        return True


def quieten_asyncua_logs() -> None:
    for name in (
        "asyncua.client.client",
        "asyncua.client.ua_client",
        "asyncua.client.ua_session.UaSession",
        "asyncua.common.subscription",
    ):
        lg = logging.getLogger(name)
        if not any(isinstance(f, _QuietReconnectFilter) for f in lg.filters):
            lg.addFilter(_QuietReconnectFilter())
    logging.getLogger("asyncua").setLevel(logging.WARNING)


def resolve_node_id(text: str, ns_array: list[str]) -> ua.NodeId:
    """A configured node id (`nsu=<uri>;s=...` or `ns=<index>;...`) against the server's
    namespace table as it is now (a restart may re-order it)."""
    if text.startswith("nsu="):
        uri, _, rest = text[4:].partition(";")
        if uri not in ns_array:
            raise ValueError(f"namespace {uri!r} is not on the server (it has: {', '.join(ns_array)})")
        text = f"ns={ns_array.index(uri)};{rest}"
    return ua.NodeId.from_string(text)


def monitor_request(
    node_id: ua.NodeId,
    handle: int,
    sampling_ms: float,
    queue_size: int,
    data_filter: ua.DataChangeFilter | None = None,
) -> ua.MonitoredItemCreateRequest:
    """A request to report every change of a node's value, keeping the newest `queue_size`."""
    params = ua.MonitoringParameters()
    params.ClientHandle = handle
    params.SamplingInterval = float(sampling_ms)
    params.QueueSize = queue_size
    params.DiscardOldest = True
    if data_filter is not None:
        params.Filter = data_filter
    rv = ua.ReadValueId()
    rv.NodeId = node_id
    rv.AttributeId = ua.AttributeIds.Value
    req = ua.MonitoredItemCreateRequest()
    req.ItemToMonitor = rv
    req.MonitoringMode = ua.MonitoringMode.Reporting
    req.RequestedParameters = params
    return req


@dataclass(frozen=True, slots=True)
class SessionSettings:
    """Where a session goes and how it proves itself (from `[server]` in the line config)."""

    endpoint: str
    security: SecurityConfig
    application_uri: str
    client_name: str  # what the server's session list shows
    timeout_s: float = 4.0
    reconnect_max_delay_s: float = 1.0
    # Put before every state detail, so a journal line says which session it is about
    # ("camera: ..."); empty for the line's tag session.
    label: str = ""


class SessionOwner(Protocol):
    """What the owner of a session does at each step of its life (all on the I/O loop)."""

    async def opened(self, client: Client) -> None:
        """The session is open and secured: subscribe. An exception fails this attempt
        (the session closes and retries with backoff)."""

    def link_lost(self) -> None:
        """The link dropped (asyncua is restoring it); called once per outage."""

    async def link_back(self, client: Client, down_since: float | None) -> bool:
        """asyncua restored the session; False: not ready yet (the link stays 'reconnecting'
        and the next state change of asyncua asks again)."""

    async def closing(self) -> None:
        """The session is about to close: cancel the owner's own tasks."""


class OpcUaSession:
    def __init__(
        self,
        settings: SessionSettings,
        pki: Pki,
        owner: SessionOwner,
        on_state: Callable[[ConnectionState, str], None] | None = None,
        on_notice: Callable[[ConnectorNotice], None] | None = None,
    ) -> None:
        self.settings = settings
        self.endpoint = settings.endpoint
        self.pki = pki
        self._owner = owner
        self._on_state = on_state or (lambda s, d: None)
        self._on_notice = on_notice or (lambda n: None)
        self._state = ConnectionState.DISCONNECTED
        self._detail = ""
        self._client: Client | None = None
        self._security: SessionSecurity | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._trust_watch: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._retry_now = asyncio.Event()
        self._restart = asyncio.Event()
        self._down_since: float | None = None
        self._last_cause = ""
        # True while the session is being opened or restored: the owner may use the client.
        self._connecting = False
        self._bad_logins = 0
        self._noticed: set[tuple[str, str]] = set()
        quieten_asyncua_logs()

    # --- what the owner and the application see ----------------------------------------------

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def state_detail(self) -> str:
        return self._detail

    @property
    def down_since(self) -> float | None:
        return self._down_since

    def require_client(self) -> Client:
        """The open client, for a read or a write; ConnectionError while there is none."""
        if self._client is None or not (self._connecting or self._state == ConnectionState.CONNECTED):
            raise ConnectionError(f"not connected to {self.endpoint} ({self._state.value})")
        return self._client

    def retry_now(self) -> None:
        """Try again at once (after someone trusted a certificate or fixed the server).
        Call on the I/O loop (`loop.call_soon_threadsafe(session.retry_now)`)."""
        self._noticed.clear()
        self._last_cause = ""
        self._bad_logins = 0
        self._retry_now.set()

    def set_state(self, state: ConnectionState, detail: str) -> None:
        detail = f"{self.settings.label}{detail}"
        changed = state != self._state or detail != self._detail
        self._state, self._detail = state, detail
        if changed:
            try:
                self._on_state(state, detail)
            except Exception:
                log.exception("on_state consumer failed")

    def notice(
        self,
        kind: NoticeKind,
        level: NoticeLevel,
        message: str,
        *,
        key: str,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Tell the application once per cause (kind + key), until `retry_now()`."""
        if (kind.value, key) in self._noticed:
            return
        self._noticed.add((kind.value, key))
        message = f"{self.settings.label}{message}"
        log.log(
            logging.ERROR if level == NoticeLevel.ERROR else logging.WARNING if level else logging.INFO,
            "%s",
            message,
        )
        try:
            self._on_notice(ConnectorNotice(kind, level, message, dict(data or {})))
        except Exception:
            log.exception("on_notice consumer failed")

    # --- life ---------------------------------------------------------------------------------

    async def run(self) -> None:
        """Connect (retrying until it works or is refused), then stay until `stop()`."""
        max_delay = float(self.settings.reconnect_max_delay_s)
        while not self._stopping.is_set():
            if not await connect_with_retry(
                self._stopping, self._attempt, self._failed, max_delay, self._retry_now
            ):
                return
            await wait_first(self._stopping, self._restart)
            if self._restart.is_set() and not self._stopping.is_set():
                # The server's identity changed while it was away: start over with the full
                # checks (which refuse it unless someone trusted the new certificate).
                self._restart.clear()
                await self._close()

    async def stop(self) -> None:
        self._stopping.set()
        await cancel_tasks(self._trust_watch)
        await self._close()
        self.set_state(ConnectionState.DISCONNECTED, "stopped")

    async def _attempt(self) -> None:
        if self._state != ConnectionState.DISCONNECTED or not self._last_cause:
            self.set_state(ConnectionState.CONNECTING, f"connecting to {self.endpoint}")
        self._connecting = True
        try:
            client = await self._open()
            await self._owner.opened(client)
        except ua.UaStatusCodeError as exc:
            if exc.code not in _BAD_LOGIN:
                raise
            self._bad_logins += 1
            if self._bad_logins < MAX_LOGIN_ATTEMPTS:
                raise
            user = self.settings.security.username or "(anonymous)"
            msg = (
                f"the server refused the log-in of {user!r} {self._bad_logins} times "
                f"({status_name(exc.code)}); stopped trying so the account is not locked. "
                "Check server.security.username and the password variable, then restart"
            )
            self.notice(NoticeKind.BAD_CREDENTIALS, NoticeLevel.ERROR, msg, key=user)
            raise ConnectRefused(msg) from exc
        except CertificateRefused as exc:
            kind = NoticeKind.CERTIFICATE_CHANGED if exc.changed_from else NoticeKind.CERTIFICATE_UNTRUSTED
            self.notice(kind, NoticeLevel.ERROR, str(exc), key=exc.info.sha256, data=_cert_data(exc))
            raise
        except (NoMatchingEndpoint, InsecurePasswordRefused, ConnectRefused) as exc:
            kind = (
                NoticeKind.NO_MATCHING_ENDPOINT
                if isinstance(exc, NoMatchingEndpoint)
                else NoticeKind.INSECURE_PASSWORD
                if isinstance(exc, InsecurePasswordRefused)
                else NoticeKind.BAD_CREDENTIALS
            )
            self.notice(kind, NoticeLevel.ERROR, str(exc), key=str(exc))
            raise
        finally:
            self._connecting = False
        self._bad_logins = 0
        self._last_cause = ""
        self._tasks.append(asyncio.create_task(self._watch_state(client), name="opcua-state"))
        self.set_state(ConnectionState.CONNECTED, f"connected to {self.endpoint}")

    async def _failed(self, exc: BaseException, delay: float) -> None:
        await self._close()
        if isinstance(exc, CertificateRefused):
            # Trusting it with `linehmi certs trust` (another process) must be enough.
            await cancel_tasks(self._trust_watch)
            self._trust_watch.append(
                asyncio.create_task(self._await_trust(exc.info.sha256), name="opcua-await-trust")
            )
        own = self.pki.own_cert_path if self.settings.security.policy != "None" else None
        cause = describe_error(exc, own)
        if cause == self._last_cause:  # reported already: once per cause, not per retry
            log.debug("still cannot connect to %s: %s", self.endpoint, cause)
            return
        self._last_cause = cause
        then = (
            "not retrying until this is fixed"
            if math.isinf(delay)
            else f"retrying every {self.settings.reconnect_max_delay_s:g} s at most"
        )
        detail = f"cannot connect to {self.endpoint}: {cause}; {then}"
        log.warning("%s%s", self.settings.label, detail)
        self.set_state(ConnectionState.DISCONNECTED, detail)

    async def _await_trust(self, sha256: str) -> None:
        while not self.pki.is_trusted(sha256):
            await asyncio.sleep(TRUST_POLL_S)
        log.info("server certificate %s... is now trusted; connecting", sha256[:23])
        self.retry_now()

    async def _open(self) -> Client:
        """A client for the endpoint, secured (endpoint, certificates, credentials), connected."""
        s = self.settings
        sec = s.security
        client = Client(
            self.endpoint,
            timeout=float(s.timeout_s),
            auto_reconnect=True,
            reconnect_max_delay=float(s.reconnect_max_delay_s),
        )
        client.name = client.description = s.client_name
        client.application_uri = s.application_uri
        self._client = client
        own = self._own_certificate() if sec.policy != "None" else None
        self._security = await secure_client(client, sec, self.pki, own)
        if self._security.password_in_clear:
            self.notice(
                NoticeKind.INSECURE_PASSWORD,
                NoticeLevel.WARNING,
                f"the password for {sec.username!r} is sent UNENCRYPTED to {self.endpoint} "
                "(server.security.allow_insecure_password = true): anyone on this network can read it",
                key=self.endpoint,
            )
        await client.connect()
        return client

    def _own_certificate(self) -> tuple[str, str]:
        sec = self.settings.security
        if sec.certificate:
            return sec.certificate, sec.private_key
        own = self.pki.ensure_own_certificate(self.settings.application_uri)
        if own.created:
            fp = fingerprint(load_der_or_pem(own.cert_path.read_bytes()))
            self.notice(
                NoticeKind.OWN_CERTIFICATE,
                NoticeLevel.INFO,
                f"this station's certificate was created or renewed: {own.cert_path} (SHA-256 {fp[:23]}...); "
                "give it to the server's administrator to trust",
                key=fp,
                data={
                    "path": str(own.cert_path),
                    "sha256": fp,
                    "application_uri": self.settings.application_uri,
                },
            )
        return str(own.cert_path), str(own.key_path)

    async def _watch_state(self, client: Client) -> None:
        async with client.subscribe_state() as states:
            while True:
                try:
                    ua_state = await states.next_change()
                except TimeoutError:
                    continue
                if ua_state == UaClientState.CONNECTED:
                    if self._state != ConnectionState.CONNECTED:
                        await self._link_up(client)
                elif self._state == ConnectionState.CONNECTED:
                    # Every intermediate asyncua state while it retries (connecting, socket
                    # open, channel open...) is one outage for us: reported once.
                    self._link_down()

    def _link_down(self) -> None:
        self._down_since = time.time()
        since = time.strftime("%H:%M:%S", time.localtime(self._down_since))
        # The cause first, then its consequences: a consumer that hears of the lost link before
        # the owner's Bad samples (the alarm engine) attributes them to the link.
        self.set_state(ConnectionState.RECONNECTING, f"link to {self.endpoint} lost at {since}; reconnecting")
        self._owner.link_lost()
        if self.settings.security.policy != "None":
            self._tasks.append(asyncio.create_task(self._watch_identity(), name="opcua-identity"))

    async def _link_up(self, client: Client) -> None:
        down = self._down_since
        # The owner reads through the restored session before it counts as connected (the fresh
        # read of every tag); until this was set here, that read was refused as "not connected".
        self._connecting = True
        try:
            if not await self._owner.link_back(client, down):
                return
        finally:
            self._connecting = False
        self._down_since = None
        gap = f" after {time.time() - down:.1f} s without data" if down else ""
        self.set_state(ConnectionState.CONNECTED, f"reconnected to {self.endpoint}{gap}")

    async def _watch_identity(self) -> None:
        """While asyncua retries, ask the server who it is: a changed certificate would
        otherwise be a silent endless reconnect loop (the channel never opens)."""
        sec = self.settings.security
        accepted = self._security.server_cert.sha256 if self._security and self._security.server_cert else ""
        while self._state == ConnectionState.RECONNECTING and not self._stopping.is_set():
            await asyncio.sleep(IDENTITY_PROBE_S)
            cert = await probe_server_certificate(
                self.endpoint, sec, min(2.0, float(self.settings.timeout_s))
            )
            if cert is None or fingerprint(cert) == accepted:
                continue
            with contextlib.suppress(CertificateRefused):
                await check_server_certificate(sec, self.pki, cert)  # stores it under rejected/
            log.warning("server certificate at %s changed while the link was down", self.endpoint)
            self._restart.set()
            return

    async def _close(self) -> None:
        await cancel_tasks(self._tasks)
        await self._owner.closing()
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), 3.0)


def _cert_data(exc: CertificateRefused) -> dict[str, Any]:
    info = exc.info
    data: dict[str, Any] = {
        "sha256": info.sha256,
        "subject": info.subject,
        "issuer": info.issuer,
        "not_before": info.not_before.isoformat(),
        "not_after": info.not_after.isoformat(),
        "application_uri": info.application_uri,
        "path": str(info.path),
    }
    if exc.changed_from is not None:
        data["trusted_sha256"] = exc.changed_from.sha256
    return data


_CLIENT_CERT_REFUSED = {
    ua.StatusCodes.BadSecurityChecksFailed,
    ua.StatusCodes.BadCertificateUntrusted,
    ua.StatusCodes.BadCertificateInvalid,
    ua.StatusCodes.BadCertificateUriInvalid,
    ua.StatusCodes.BadCertificateTimeInvalid,
    ua.StatusCodes.BadCertificateRevoked,
    ua.StatusCodes.BadCertificateUseNotAllowed,
}


def describe_error(exc: BaseException, own_cert: Path | None = None) -> str:
    """One line an engineer can act on: what failed and where to fix it."""
    if isinstance(exc, ConnectRefused):
        return str(exc)
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running and the port right?)"
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return "no answer (timeout): is the endpoint's host and port right and the server running?"
    if isinstance(exc, ua.UaStatusCodeError):
        name = status_name(exc.code)
        if exc.code in _CLIENT_CERT_REFUSED:
            where = f" ({own_cert})" if own_cert else ""
            return (
                f"the server refused this station's certificate ({name}): have its administrator "
                f"trust LineHMI's certificate{where} on the server"
            )
        if exc.code in _BAD_LOGIN:
            return f"the server refused the log-in ({name}): check server.security.username and password"
        return name
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class SessionClient:
    """What both owners show the application, the session's own: its state, a retry after a person
    acted, run and stop. The owner sets `_session` in its constructor."""

    _session: OpcUaSession

    @property
    def state(self) -> ConnectionState:
        return self._session.state

    @property
    def state_detail(self) -> str:
        return self._session.state_detail

    def retry_now(self) -> None:
        """Try again at once (after someone trusted a certificate or fixed the server).
        Call on the I/O loop (`loop.call_soon_threadsafe(client.retry_now)`)."""
        self._session.retry_now()

    async def run(self) -> None:
        """Connect (retrying until it works or is refused), then stay until `stop()`."""
        await self._session.run()

    async def stop(self) -> None:
        await self._session.stop()
