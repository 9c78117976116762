"""OPC UA client session for one line: connect, subscribe, read, write, browse.

Runs entirely on the I/O loop thread (see `connectors.loop_thread`); it knows
nothing about Qt. Data leaves as `SampleBatch`es through `on_batch`, state as
`ConnectionState` through `on_state`, refused tags through `on_problem`.

Reconnection is asyncua's own supervisor (`auto_reconnect=True`): it re-opens
the channel, re-activates or re-creates the session and restores the
subscription. This class adds what asyncua does not: retrying the *first*
connect, marking every tag bad at the moment the link drops (so no screen or
trend shows a value as current while it is not), and a fresh batched read of
every tag when the link returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from asyncua import Client, Node, ua
from asyncua.client.ua_client import UaClientState
from asyncua.common.subscription import DataChangeEvent

from connectors.history_backfill import BackfillResult, backfill_detailed
from connectors.session_lifecycle import cancel_tasks, connect_with_retry
from hmi.core.config import LineConfig, TagConfig
from hmi.core.quality import (
    BAD_NODE_ID_UNKNOWN,
    BAD_NOT_CONNECTED,
    BAD_TYPE_MISMATCH,
    GOOD,
    is_bad,
    status_name,
)
from hmi.core.runtime_api import ConnectionState, TagProblem
from hmi.core.samples import SampleBatch

log = logging.getLogger(__name__)

# Monitored items are created in chunks: one CreateMonitoredItems call for 10,000
# items produces a message larger than some servers accept.
_SUBSCRIBE_CHUNK = 1000
_READ_CHUNK = 2000


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


@dataclass(frozen=True, slots=True)
class BrowseEntry:
    node_id: str
    browse_name: str
    node_class: str
    depth: int
    data_type: str = ""


_STATE_MAP = {
    UaClientState.CONNECTED: ConnectionState.CONNECTED,
    UaClientState.RECONNECTING: ConnectionState.RECONNECTING,
    UaClientState.DISCONNECTED: ConnectionState.DISCONNECTED,
    UaClientState.DISCONNECTING: ConnectionState.DISCONNECTED,
}


def _to_float(value: object) -> float | None:
    """OPC UA value -> float for the journal and trends; None if not numeric."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if value is None:
        return float("nan")
    return None


def _ts(dt: object, fallback: float) -> float:
    if dt is None:
        return fallback
    try:
        return dt.timestamp()  # type: ignore[attr-defined]  # asyncua gives tz-aware UTC datetimes
    except (AttributeError, OverflowError, ValueError):
        return fallback


class OpcUaConnector:
    def __init__(
        self,
        config: LineConfig,
        on_batch: Callable[[SampleBatch], None],
        on_state: Callable[[ConnectionState, str], None] | None = None,
        on_problem: Callable[[TagProblem], None] | None = None,
        *,
        flush_interval_s: float = 0.05,
        endpoint: str | None = None,
        on_backfill: Callable[[BackfillResult], None] | None = None,
    ) -> None:
        self.config = config
        self.endpoint = endpoint or config.server.endpoint
        self._on_batch = on_batch
        self._on_state = on_state or (lambda s, d: None)
        self._on_problem = on_problem or (lambda p: None)
        self._on_backfill = on_backfill or (lambda r: None)
        self._flush_interval = flush_interval_s
        self._state = ConnectionState.DISCONNECTED
        self._client: Client | None = None
        self._nodes: list[Node | None] = [None] * len(config.tags)
        self._variant_types: dict[int, ua.VariantType] = {}
        self._problems: dict[int, TagProblem] = {}
        self._handle_to_idx: dict[int, int] = {}
        # Notification buffer, flushed as one SampleBatch every flush_interval.
        self._buf: list[tuple[int, float, float, float, float, int]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._down_since: float | None = None
        self.notifications = 0
        self.overflows = 0
        quieten_asyncua_logs()

    # --- public ---------------------------------------------------------------------------

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def problems(self) -> dict[str, TagProblem]:
        return {p.tag: p for p in self._problems.values()}

    async def run(self) -> None:
        """Connect (retrying until it works), then consume until `stop()`."""

        async def attempt() -> None:
            self._set_state(ConnectionState.CONNECTING, f"connecting to {self.endpoint}")
            await self._connect_and_subscribe()

        async def failed(exc: BaseException, delay: float) -> None:
            await self._close_client()
            self._set_state(
                ConnectionState.DISCONNECTED,
                f"cannot connect to {self.endpoint}: {_describe_error(exc)}; retrying in {delay:.0f} s",
            )

        if await connect_with_retry(
            self._stopping, attempt, failed, float(self.config.server.reconnect_max_delay_s)
        ):
            await self._stopping.wait()

    async def stop(self) -> None:
        self._stopping.set()
        await cancel_tasks(self._tasks)
        self._flush()
        await self._close_client()
        self._set_state(ConnectionState.DISCONNECTED, "stopped")

    async def read(self, tag_indices: Iterable[int] | None = None) -> SampleBatch:
        """Batched read of current values (all resolved tags by default)."""
        client = self._require_client()
        idx = [i for i in (tag_indices if tag_indices is not None else range(len(self._nodes)))]
        idx = [i for i in idx if self._nodes[i] is not None and i not in self._problems]
        rows: list[tuple[int, float, float, float, float, int]] = []
        for start in range(0, len(idx), _READ_CHUNK):
            chunk = idx[start : start + _READ_CHUNK]
            dvs = await client.read_attributes([self._nodes[i] for i in chunk])  # type: ignore[misc]
            now = time.time()
            for i, dv in zip(chunk, dvs, strict=True):
                rows.append(self._row(i, dv, now))
        return _rows_to_batch(rows)

    async def write(self, tag_index: int, value: float) -> int:
        """Write one value; returns the OPC UA status code (0 = Good). Raises on transport errors."""
        client = self._require_client()
        node = self._nodes[tag_index]
        if node is None or tag_index in self._problems:
            return BAD_NODE_ID_UNKNOWN
        vtype = self._variant_types.get(tag_index)
        if vtype is None:
            vtype = await node.read_data_type_as_variant_type()
            self._variant_types[tag_index] = vtype
        py_value: object
        if vtype == ua.VariantType.Boolean:
            py_value = bool(value)
        elif vtype in (ua.VariantType.Float, ua.VariantType.Double):
            py_value = float(value)
        elif vtype in _INT_TYPES:
            if float(value) != int(value):
                return BAD_TYPE_MISMATCH
            py_value = int(value)
        else:
            return BAD_TYPE_MISMATCH
        dv = ua.DataValue(ua.Variant(py_value, vtype))
        results = await client.write_values([node], [dv], raise_on_partial_error=False)
        return int(results[0].value)

    async def browse(
        self, root: str | None = None, max_depth: int = 4, limit: int = 5000
    ) -> list[BrowseEntry]:
        """Walk the address space below `root` (default: Objects) breadth-first."""
        client = self._require_client()
        start = client.get_node(root) if root else client.nodes.objects
        out: list[BrowseEntry] = []
        frontier: list[tuple[Node, int]] = [(start, 0)]
        while frontier and len(out) < limit:
            node, depth = frontier.pop(0)
            if depth >= max_depth:
                continue
            for child in await node.get_children():
                if len(out) >= limit:
                    break
                name = await child.read_browse_name()
                ncls = await child.read_node_class()
                dtype = ""
                if ncls == ua.NodeClass.Variable:
                    with contextlib.suppress(Exception):
                        dtype = (await child.read_data_type_as_variant_type()).name
                out.append(
                    BrowseEntry(child.nodeid.to_string(), name.to_string(), ncls.name, depth + 1, dtype)
                )
                if ncls == ua.NodeClass.Object:
                    frontier.append((child, depth + 1))
        return out

    # --- connection -------------------------------------------------------------------

    async def _connect_and_subscribe(self) -> None:
        srv = self.config.server
        client = Client(
            self.endpoint,
            timeout=float(srv.timeout_s),
            auto_reconnect=True,
            reconnect_max_delay=float(srv.reconnect_max_delay_s),
        )
        client.name = client.description = f"LineHMI ({self.config.line.name})"
        client.application_uri = "urn:linehmi:client"
        await self._apply_security(client)
        self._client = client
        await client.connect()
        await self._resolve_nodes(client)
        initial = await self.read()
        self._emit(initial)
        await self._subscribe(client)
        self._tasks.append(asyncio.create_task(self._watch_state(client), name="opcua-state"))
        self._tasks.append(asyncio.create_task(self._flush_loop(), name="opcua-flush"))
        self._set_state(ConnectionState.CONNECTED, f"connected to {self.endpoint}")

    async def _apply_security(self, client: Client) -> None:
        sec = self.config.server.security
        if sec.username:
            client.set_user(sec.username)
            if sec.password_env:
                pwd = os.environ.get(sec.password_env)
                if pwd is None:
                    raise ConnectionError(
                        f"server.security.password_env names ${sec.password_env}, which is not set"
                    )
                client.set_password(pwd)
        if sec.policy != "None":
            parts = [sec.policy, sec.mode, sec.certificate, sec.private_key]
            if sec.server_certificate:
                parts.append(sec.server_certificate)
            await client.set_security_string(",".join(parts))

    async def _resolve_nodes(self, client: Client) -> None:
        ns_array = await client.get_namespace_array()
        self._problems.clear()
        for i, tag in enumerate(self.config.tags):
            if tag.source != "opcua":  # computed inside LineHMI: nothing to read from the server
                self._nodes[i] = None
                continue
            try:
                self._nodes[i] = client.get_node(_resolve_node_id(tag.node_id, ns_array))
            except ValueError as exc:
                self._nodes[i] = None
                self._report_problem(i, BAD_NODE_ID_UNKNOWN, str(exc))
        # One batched read tells which node ids the server does not know.
        valid = [i for i, n in enumerate(self._nodes) if n is not None]
        for start in range(0, len(valid), _READ_CHUNK):
            chunk = valid[start : start + _READ_CHUNK]
            dvs = await client.read_attributes([self._nodes[i] for i in chunk], ua.AttributeIds.DataType)  # type: ignore[misc]
            for i, dv in zip(chunk, dvs, strict=True):
                code = dv.StatusCode.value if dv.StatusCode is not None else GOOD
                if is_bad(code):
                    self._report_problem(
                        i, code, f"server refused node {self.config.tags[i].node_id}: {status_name(code)}"
                    )

    async def _subscribe(self, client: Client) -> None:
        period = float(self.config.server.publishing_interval_ms)
        # Iterator mode: about half the CPU of callbacks (measured here: 500 tags at 10 Hz,
        # ~4,900 notifications/s, 6-14 % of a core). The queue is
        # sized for several seconds of notifications so a GC pause or a slow
        # journal never drops data; overflow is counted, not silent.
        sub = await client.create_subscription(period, handler=None, queue_maxsize=200_000)
        self._handle_to_idx.clear()
        requests: list[ua.MonitoredItemCreateRequest] = []
        handles: list[int] = []
        for i, tag in enumerate(self.config.tags):
            node = self._nodes[i]
            if node is None or i in self._problems:
                continue
            handle = 1000 + i
            requests.append(_monitor_request(node, tag, handle))
            handles.append(handle)
            self._handle_to_idx[handle] = i
        for start in range(0, len(requests), _SUBSCRIBE_CHUNK):
            chunk = requests[start : start + _SUBSCRIBE_CHUNK]
            results = await sub.create_monitored_items(chunk)
            for req, res in zip(chunk, results, strict=True):
                if isinstance(res, ua.StatusCode):
                    i = self._handle_to_idx.pop(req.RequestedParameters.ClientHandle)
                    self._report_problem(i, res.value, f"monitoring refused: {status_name(res.value)}")
        self._tasks.append(asyncio.create_task(self._consume(sub), name="opcua-consume"))

    async def _consume(self, sub: object) -> None:
        buf_append = self._buf.append
        h2i = self._handle_to_idx
        async for ev in sub:  # type: ignore[attr-defined]
            if not isinstance(ev, DataChangeEvent):
                continue
            mi = ev.data.monitored_item
            i = h2i.get(mi.ClientHandle)
            if i is None:
                continue
            buf_append(self._row(i, mi.Value, time.time()))
            self.notifications += 1

    def _row(self, i: int, dv: ua.DataValue, now: float) -> tuple[int, float, float, float, float, int]:
        status = dv.StatusCode.value if dv.StatusCode is not None else GOOD
        raw = dv.Value.Value if dv.Value is not None else None
        value = _to_float(raw)
        if value is None:
            # A string or structure on a numeric tag: keep the sample, flag it bad.
            if i not in self._problems:
                self._report_problem(
                    i,
                    BAD_TYPE_MISMATCH,
                    f"expected a {self.config.tags[i].data_type} value, server sent {type(raw).__name__}",
                )
            value, status = float("nan"), BAD_TYPE_MISMATCH
        source = _ts(dv.SourceTimestamp, now)
        server = _ts(dv.ServerTimestamp, float("nan"))
        return (i, source, server, now, value, status)

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self._flush_interval)
            self._flush()

    def _flush(self) -> None:
        if not self._buf:
            return
        # Copy-and-clear, not rebind: the consumer holds a bound `append` of this list.
        rows = self._buf.copy()
        self._buf.clear()
        self._emit(_rows_to_batch(rows))

    def _emit(self, batch: SampleBatch) -> None:
        if len(batch):
            try:
                self._on_batch(batch)
            except Exception:
                log.exception("on_batch consumer failed; batch of %d samples not delivered", len(batch))

    async def _watch_state(self, client: Client) -> None:
        async with client.subscribe_state() as states:
            while True:
                try:
                    ua_state = await states.next_change()
                except TimeoutError:
                    continue
                new = _STATE_MAP.get(ua_state, ConnectionState.CONNECTING)
                if new == ConnectionState.CONNECTED:
                    await self._on_link_up()
                elif self._state == ConnectionState.CONNECTED and new != ConnectionState.CONNECTED:
                    self._on_link_down()
                elif new != self._state and new != ConnectionState.CONNECTED:
                    self._set_state(new, self._reconnect_detail())

    def _on_link_down(self) -> None:
        self._flush()
        now = time.time()
        self._down_since = now
        # Every tag is marked bad at the moment the link went: screens stop
        # showing old values as current and trends break the line here.
        idx = [i for i, n in enumerate(self._nodes) if n is not None and i not in self._problems]
        n = len(idx)
        nan = np.full(n, np.nan)
        self._emit(
            SampleBatch.from_columns(
                idx, np.full(n, now), nan, np.full(n, now), nan, np.full(n, BAD_NOT_CONNECTED)
            )
        )
        self._set_state(ConnectionState.RECONNECTING, self._reconnect_detail())

    async def _on_link_up(self) -> None:
        down = self._down_since
        self._down_since = None
        # The restored subscription resends values only for items it re-creates;
        # a read makes every tag current at once.
        try:
            self._emit(await self.read())
        except Exception as exc:
            log.warning("read after reconnect failed: %s", _describe_error(exc))
        now = time.time()
        gap = f" after {now - down:.1f} s without data" if down else ""
        self._set_state(ConnectionState.CONNECTED, f"reconnected to {self.endpoint}{gap}")
        if down is not None:
            # Fill the hole from the server's history (HistoryRead) where it keeps one;
            # the samples arrive out of time order and carry the backfilled flag.
            self._tasks.append(asyncio.create_task(self._backfill(down, now), name="opcua-backfill"))

    async def _backfill(self, t0: float, t1: float) -> None:
        idx = [i for i, n in enumerate(self._nodes) if n is not None and i not in self._problems]
        try:
            res = await backfill_detailed(self._require_client(), [self._nodes[i] for i in idx], idx, t0, t1)  # type: ignore[misc]
        except Exception as exc:
            log.warning("backfill of %.1f s gap failed: %s; the gap stays", t1 - t0, _describe_error(exc))
            return
        self._emit(res.batch)
        try:
            self._on_backfill(res)
        except Exception:
            log.exception("on_backfill consumer failed")

    def _reconnect_detail(self) -> str:
        since = time.strftime("%H:%M:%S", time.localtime(self._down_since)) if self._down_since else "?"
        return f"link to {self.endpoint} lost at {since}; reconnecting"

    # --- helpers -----------------------------------------------------------------------

    def _set_state(self, state: ConnectionState, detail: str) -> None:
        changed = state != self._state
        self._state = state
        if changed or state != ConnectionState.CONNECTED:
            try:
                self._on_state(state, detail)
            except Exception:
                log.exception("on_state consumer failed")

    def _report_problem(self, i: int, status: int, message: str) -> None:
        p = TagProblem(self.config.tags[i].name, int(status), message)
        self._problems[i] = p
        log.warning("tag %s: %s", p.tag, message)
        try:
            self._on_problem(p)
        except Exception:
            log.exception("on_problem consumer failed")

    def _require_client(self) -> Client:
        if self._client is None or self._state not in (ConnectionState.CONNECTED, ConnectionState.CONNECTING):
            raise ConnectionError(f"not connected to {self.endpoint} ({self._state.value})")
        return self._client

    async def _close_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), 3.0)


_INT_TYPES = {
    ua.VariantType.SByte,
    ua.VariantType.Byte,
    ua.VariantType.Int16,
    ua.VariantType.UInt16,
    ua.VariantType.Int32,
    ua.VariantType.UInt32,
    ua.VariantType.Int64,
    ua.VariantType.UInt64,
}


def _resolve_node_id(text: str, ns_array: list[str]) -> ua.NodeId:
    if text.startswith("nsu="):
        uri, _, rest = text[4:].partition(";")
        if uri not in ns_array:
            raise ValueError(f"namespace {uri!r} is not on the server (it has: {', '.join(ns_array)})")
        text = f"ns={ns_array.index(uri)};{rest}"
    return ua.NodeId.from_string(text)


def _monitor_request(node: Node, tag: TagConfig, handle: int) -> ua.MonitoredItemCreateRequest:
    params = ua.MonitoringParameters()
    params.ClientHandle = handle
    params.SamplingInterval = float(tag.sampling_ms)
    # >= 2 per item: a value that changes twice inside one publishing
    # interval is not lost, which matters for short state pulses.
    params.QueueSize = 4
    params.DiscardOldest = True
    if tag.deadband > 0 and tag.data_type == "float":
        flt = ua.DataChangeFilter()
        flt.Trigger = ua.DataChangeTrigger.StatusValue
        flt.DeadbandType = ua.DeadbandType.Absolute
        flt.DeadbandValue = float(tag.deadband)
        params.Filter = flt
    rv = ua.ReadValueId()
    rv.NodeId = node.nodeid
    rv.AttributeId = ua.AttributeIds.Value
    req = ua.MonitoredItemCreateRequest()
    req.ItemToMonitor = rv
    req.MonitoringMode = ua.MonitoringMode.Reporting
    req.RequestedParameters = params
    return req


def _rows_to_batch(rows: list[tuple[int, float, float, float, float, int]]) -> SampleBatch:
    if not rows:
        return SampleBatch.empty()
    cols = list(zip(*rows, strict=True))
    return SampleBatch.from_columns(*cols)


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running and the port right?)"
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return "no answer (timeout)"
    if isinstance(exc, ua.UaStatusCodeError):
        return f"{status_name(exc.code)}"
    text = str(exc) or type(exc).__name__
    return text
