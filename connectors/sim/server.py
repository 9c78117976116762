"""The simulated packaging line served over real OPC UA (asyncua Server).

Address space (namespace ``urn:linehmi:sim``, string node ids as in the line config)::

    Objects/PackagingLine/Filler/Speed          s=Filler.Speed          Double
                                /SpeedSetpoint  s=Filler.SpeedSetpoint  Double, writable
                                /State          s=Filler.State          Int32 (0 Stopped .. 4 Faulted)
                                ...
    Objects/Bulk/T00001_T00100/T00001          s=Bulk.T00001          Double (benchmark tags, optional)

Values come from `connectors.sim.model.LineModel` at `tick_hz`; the model runs
`time_factor` times faster than the wall clock, SourceTimestamps are real
wall-clock time. A value is written only when it changes. Writes from clients
are checked against the config: only writable tags, numbers inside `range`
(else BadOutOfRange), and are applied to the model at once.

Server-side writes use the fastest path asyncua has: the DataValue is stored
straight into the node's attribute and the monitored items' callbacks are
awaited (what `Server.write_attribute_value` does, without its per-call type
check and lookups). History (OPC UA HistoryRead, raw) is kept in memory per
line tag in numpy ring buffers fed by that same write path.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from asyncua import Server, ua
from asyncua.server.address_space import AttributeService, AttributeValue
from asyncua.server.history import HistoryStorageInterface
from asyncua.server.user_managers import UserRole

from connectors.sim import _uapatch
from connectors.sim.bulk import (
    BULK_TICK_HZ,
    BulkGroup,
    RandomWalk,
    SequenceCounter,
    bulk_ids,
    normalise_groups,
)
from connectors.sim.camera import SimCamera
from connectors.sim.faults import DEMO_SCHEDULE, FaultSpec, load_schedule
from connectors.sim.fixed_rate import fixed_rate
from connectors.sim.model import LineModel, SimEvent
from hmi.core.config import DEMO_CONFIG, LineConfig, TagConfig, load_config
from hmi.core.quality import is_bad

__all__ = [
    "DEMO_SCHEDULE",
    "NS_URI",
    "SimSettings",
    "SimulatedLineServer",
    "load_schedule",
    "quiet_asyncua_loggers",
]

log = logging.getLogger("connectors.sim")

NS_URI = "urn:linehmi:sim"
ENDPOINT_PATH = "/linehmi/"

_NULL = ua.Variant(None, ua.VariantType.Null)
_DOUBLE = ua.VariantType.Double
_INT32 = ua.VariantType.Int32
_BOOL = ua.VariantType.Boolean
_VALUE = ua.AttributeIds.Value


# asyncua annotates NodeId/StatusCode/DataValue fields with NewTypes (Int16, UInt32, DateTime...)
# that are plain ints, strings and datetimes at run time; these helpers keep mypy quiet in one place.
def _nid(ident: Any, ns: int = 0, kind: ua.NodeIdType | None = None) -> ua.NodeId:
    if kind is None:
        return ua.NodeId(ident, ns)  # type: ignore[arg-type]
    return ua.NodeId(ident, ns, kind)  # type: ignore[arg-type]


def _status(code: int) -> ua.StatusCode:
    return ua.StatusCode(code)  # type: ignore[arg-type]


def _dv(var: ua.Variant, status: ua.StatusCode, ts: datetime) -> ua.DataValue:
    return ua.DataValue(var, status, ts, ts)  # type: ignore[arg-type]


_GOOD = _status(ua.StatusCodes.Good)
_BAD_SENSOR = _status(ua.StatusCodes.BadSensorFailure)


@dataclass
class SimSettings:
    host: str = "127.0.0.1"
    port: int = 48400  # 0 picks a free port (see SimulatedLineServer.port after start)
    seed: int = 1
    time_factor: float = 1.0  # simulated seconds per real second (wear, heat, jams, fault durations)
    tick_hz: float = 10.0  # model steps / value updates per real second
    faults: list[FaultSpec] = field(default_factory=list)
    extra_tags: int = 0  # bulk benchmark tags (Bulk.T00001 ...), Double, random walk
    extra_rate_hz: float = 1.0
    history: bool = True  # in-memory HistoryRead for the line tags (never for bulk tags)
    # --- beyond the core API ---
    extra_groups: list[tuple[int, float]] = field(default_factory=list)  # more bulk groups (count, rate_hz)
    history_retention_s: float = 3600.0
    random_jams: bool = True
    bulk_sequence: bool = False  # bulk values count 1, 2, 3... per tag so a benchmark can find lost samples
    camera_hz: float = 1.0  # inspection camera frames per second (Objects/Camera, see camera.py); 0 = off
    camera_defect_rate: float = 0.05  # base probability that a bottle is defective (the line's state adds)

    def validate(self) -> None:
        problems = []
        if not (self.time_factor > 0 and math.isfinite(self.time_factor)):
            problems.append(f"time_factor must be a positive number, got {self.time_factor!r}")
        if not (0 < self.tick_hz <= 100):
            problems.append(f"tick_hz must be between 0 and 100, got {self.tick_hz!r}")
        if not (0 <= self.port <= 65535):
            problems.append(f"port must be 0..65535, got {self.port!r}")
        if not (0 <= self.camera_hz <= 30):
            problems.append(f"camera_hz must be 0..30, got {self.camera_hz!r}")
        if not (0 <= self.camera_defect_rate <= 1):
            problems.append(f"camera_defect_rate must be 0..1, got {self.camera_defect_rate!r}")
        if self.history_retention_s <= 0:
            problems.append(f"history_retention_s must be positive, got {self.history_retention_s!r}")
        try:
            normalise_groups(self.extra_tags, self.extra_rate_hz, self.extra_groups)
        except ValueError as exc:
            problems.append(str(exc))
        if problems:
            raise ValueError("invalid simulator settings: " + "; ".join(problems))


class _DropDisconnectNoise(logging.Filter):
    """Drops the tracebacks asyncua logs when a client goes away mid-request; keeps real errors."""

    NOISE = (ConnectionError, asyncio.CancelledError, TimeoutError, EOFError)

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, self.NOISE)


_NOISE_FILTER = _DropDisconnectNoise()


def quiet_asyncua_loggers() -> None:
    """asyncua logs INFO lines per request and monitored item, and tracebacks when clients drop."""
    logging.getLogger("asyncua").setLevel(logging.WARNING)
    for name in (
        "asyncua.server.binary_server_asyncio",
        "asyncua.server.uaprocessor",
        "asyncua.server.internal_session",
        "asyncua.server.subscription_service",
        "asyncua.server.internal_subscription",
        "asyncua.server.monitored_item_service",
    ):
        lg = logging.getLogger(name)
        if _NOISE_FILTER not in lg.filters:
            lg.addFilter(_NOISE_FILTER)
    # Expected here and not actionable: "no signing policy" (security None on loopback) and
    # "Write refused: Variant ... does not have expected type" (our validation reports it).
    logging.getLogger("asyncua.server.server").setLevel(logging.ERROR)
    logging.getLogger("asyncua.server.address_space").setLevel(logging.ERROR)


# --- history ---------------------------------------------------------------------------------


class _Ring:
    __slots__ = ("n", "size", "start", "status", "ts", "val", "vtype")

    def __init__(self, capacity: int, vtype: ua.VariantType) -> None:
        # np.full writes every page now: the ring holds its whole bound (20 B x capacity) from the
        # start instead of RSS creeping up for hours as slowly changing tags fill it (np.zeros would
        # map zero pages that become resident only when first written).
        self.ts = np.full(capacity, 0, dtype=np.int64)  # microseconds since the Unix epoch (exact round trip)
        self.val = np.full(capacity, 0.0, dtype=np.float64)
        self.status = np.full(capacity, 0, dtype=np.uint32)
        self.n = capacity
        self.size = 0
        self.start = 0
        self.vtype = vtype

    def append(self, ts_us: int, value: float, status: int) -> None:
        i = (self.start + self.size) % self.n
        if self.size == self.n:
            self.start = (self.start + 1) % self.n
        else:
            self.size += 1
        self.ts[i] = ts_us
        self.val[i] = value
        self.status[i] = status

    def ordered(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        idx = (self.start + np.arange(self.size)) % self.n
        return self.ts[idx], self.val[idx], self.status[idx]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _us(dt: datetime) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return (dt - _EPOCH) // timedelta(microseconds=1)


class RingHistory(HistoryStorageInterface):
    """Raw history in memory: one fixed-size numpy ring per node (no DataValue objects kept).

    Read semantics follow OPC UA Part 11 ReadRawModified: start < end ascending,
    start > end descending, only start: ascending from start, only end:
    descending from end; NumValuesPerNode caps the answer; beyond
    `max_history_data_response_size` a continuation point is returned.
    """

    def __init__(self, capacity: int, max_history_data_response_size: int = 10000) -> None:
        super().__init__(max_history_data_response_size)
        self.capacity = capacity
        self.rings: dict[ua.NodeId, _Ring] = {}

    async def init(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def add_node(self, node_id: ua.NodeId, vtype: ua.VariantType) -> _Ring:
        ring = self.rings[node_id] = _Ring(self.capacity, vtype)
        return ring

    async def new_historized_node(self, node_id: ua.NodeId, period: timedelta | None, count: int = 0) -> None:
        self.add_node(node_id, _DOUBLE)

    async def save_node_value(self, node_id: ua.NodeId, datavalue: ua.DataValue) -> None:
        ring = self.rings.get(node_id)
        if ring is None:
            return
        v = datavalue.Value.Value if datavalue.Value is not None else None
        ts = datavalue.SourceTimestamp or datetime.now(UTC)
        code = datavalue.StatusCode.value if datavalue.StatusCode is not None else 0
        ring.append(_us(ts), float(v) if isinstance(v, int | float) else math.nan, code)

    async def read_node_history(
        self, node_id: ua.NodeId, start: datetime | None, end: datetime | None, nb_values: int
    ) -> tuple[list[ua.DataValue], datetime | None]:
        ring = self.rings.get(node_id)
        if ring is None:
            return [], None
        epoch = ua.get_win_epoch()
        s = None if start is None or start == epoch else _us(start)
        e = None if end is None or end == epoch else _us(end)
        ts, val, st = ring.ordered()
        if s is None and e is None:
            return [], None
        lo: int | None
        hi: int | None
        if s is not None and e is not None and s > e:
            lo, hi, descending = e, s, True
        elif s is None:
            lo, hi, descending = None, e, True
        else:
            lo, hi, descending = s, e, False
        i0 = 0 if lo is None else int(np.searchsorted(ts, lo, side="left"))
        i1 = len(ts) if hi is None else int(np.searchsorted(ts, hi, side="right"))
        idx = np.arange(i0, i1)
        if descending:
            idx = idx[::-1]
        if nb_values:
            idx = idx[:nb_values]
        cont = None
        if len(idx) > self.max_history_data_response_size:
            nxt = int(idx[self.max_history_data_response_size])
            cont = _EPOCH + timedelta(microseconds=int(ts[nxt]))
            idx = idx[: self.max_history_data_response_size]
        out = []
        for i in idx.tolist():
            t = _EPOCH + timedelta(microseconds=int(ts[i]))
            code = int(st[i])
            if is_bad(code):
                var = _NULL
            elif ring.vtype == _DOUBLE:
                var = ua.Variant(float(val[i]), _DOUBLE)
            elif ring.vtype == _BOOL:
                var = ua.Variant(bool(val[i]), _BOOL)
            else:
                var = ua.Variant(int(val[i]), ring.vtype)
            out.append(_dv(var, _status(code), t))
        return out, cont

    async def new_historized_event(self, source_id: Any, evtypes: Any, period: Any, count: int = 0) -> None:
        raise NotImplementedError("the simulator keeps no event history")

    async def save_event(self, event: Any) -> None:
        pass

    async def read_event_history(
        self, source_id: Any, start: Any, end: Any, nb_values: int, evfilter: Any
    ) -> Any:
        return [], None


# --- validation of client writes -------------------------------------------------------------


class _ValidatingAttributeService(AttributeService):
    """Refuses client writes the PLC would refuse, per item: not writable, not a number, out of range."""

    def __init__(self, aspace: Any, sim: SimulatedLineServer) -> None:
        super().__init__(aspace)
        self._sim = sim

    async def write(self, params: ua.WriteParameters, user: Any = None) -> list[ua.StatusCode]:
        kwargs = {} if user is None else {"user": user}
        admin = user is None or getattr(user, "role", None) == UserRole.Admin
        results: list[ua.StatusCode | None] = []
        passed: list[ua.WriteValue] = []
        applied: list[tuple[int, _Binding, float]] = []
        for wv in params.NodesToWrite:
            b = self._sim._bindings.get(wv.NodeId)
            if b is None:
                ours = wv.NodeId.NamespaceIndex in self._sim._ns_indexes
                if not admin and ours and wv.AttributeId == _VALUE:
                    # Our namespace, not a tag (folders, bulk tags): their values are read-only.
                    results.append(_status(ua.StatusCodes.BadNotWritable))
                    continue
                results.append(None)
                passed.append(wv)
                continue
            if wv.AttributeId != _VALUE:
                if admin:  # server-side code (e.g. enabling history) may change other attributes
                    results.append(None)
                    passed.append(wv)
                else:
                    results.append(_status(ua.StatusCodes.BadNotWritable))
                continue
            if not b.tag.writable and not admin:
                results.append(_status(ua.StatusCodes.BadNotWritable))
                continue
            code, value = b.check(wv.Value)
            if code is not None:
                log.info("write to %s refused: %s (%s)", b.tag.name, code.name, _describe(wv.Value))
                results.append(code)
                continue
            now = datetime.now(UTC)
            var = ua.Variant(
                bool(value) if b.vtype == _BOOL else (value if b.vtype == _DOUBLE else int(value)), b.vtype
            )
            wv.Value = _dv(var, _GOOD, now)
            results.append(None)
            applied.append((len(passed), b, value))
            passed.append(wv)
        if passed:
            sub = ua.WriteParameters()
            sub.NodesToWrite = passed
            codes = await super().write(sub, **kwargs)
        else:
            codes = []
        it = iter(codes)
        out = [r if r is not None else next(it) for r in results]
        for pos, b, value in applied:
            if codes[pos].is_good():
                self._sim._on_client_write(b, value, passed[pos].Value)
        return out


def _describe(dv: ua.DataValue) -> str:
    v = dv.Value
    return "no value" if v is None else f"{v.VariantType.name} {v.Value!r}"


# --- the server --------------------------------------------------------------------------------

_NODE_ID_RE = re.compile(r"^(?:ns=(?P<ns>\d+)|nsu=(?P<nsu>[^;]+));(?P<kind>[isgb])=(?P<ident>.+)$")


class _Binding:
    """One configured tag: its node, type, model key and the last value written."""

    __slots__ = (
        "attval",
        "hi",
        "hist",
        "key",
        "last",
        "last_bad",
        "lo",
        "nodeid",
        "tag",
        "vtype",
    )

    def __init__(self, tag: TagConfig, nodeid: ua.NodeId, vtype: ua.VariantType, key: str | None) -> None:
        self.tag = tag
        self.nodeid = nodeid
        self.vtype = vtype
        self.key = key
        self.attval: AttributeValue | None = None
        self.hist: _Ring | None = None
        self.last: float | None = None
        self.last_bad = False
        lo, hi = tag.range if tag.range else (-math.inf, math.inf)
        self.lo, self.hi = float(lo), float(hi)

    def check(self, dv: ua.DataValue | None) -> tuple[ua.StatusCode | None, float]:
        v = dv.Value.Value if dv is not None and dv.Value is not None else None
        if isinstance(v, bool) and self.vtype != _BOOL:
            return _status(ua.StatusCodes.BadTypeMismatch), 0.0
        if not isinstance(v, int | float):
            return _status(ua.StatusCodes.BadTypeMismatch), 0.0
        x = float(v)
        if not math.isfinite(x) or x < self.lo or x > self.hi:
            return _status(ua.StatusCodes.BadOutOfRange), x
        if self.vtype in (_INT32,) and x != int(x):
            return _status(ua.StatusCodes.BadTypeMismatch), x
        return None, x


def _vtype(tag: TagConfig) -> ua.VariantType:
    return {"float": _DOUBLE, "int": _INT32, "enum": _INT32, "bool": _BOOL}[tag.data_type]


class SimulatedLineServer:
    """The line simulator as an OPC UA server; `await start()`, `await stop()` on one asyncio loop."""

    def __init__(self, settings: SimSettings | None = None, config: LineConfig | None = None) -> None:
        self.settings = settings or SimSettings()
        self.settings.validate()
        self.config = config if config is not None else load_config(DEMO_CONFIG)
        self.model = LineModel(
            self.settings.seed,
            time_factor=self.settings.time_factor,
            faults=self.settings.faults,
            random_jams=self.settings.random_jams,
        )
        self._groups: list[BulkGroup] = normalise_groups(
            self.settings.extra_tags, self.settings.extra_rate_hz, self.settings.extra_groups
        )
        self._server: Server | None = None
        self.camera: SimCamera | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._bindings: dict[ua.NodeId, _Binding] = {}
        self._ns_idx: int | None = None
        self._ns_indexes: set[int] = set()
        self._history: RingHistory | None = None
        self._events_seen = 0
        self.port: int = self.settings.port
        self.endpoint: str = self._url(self.port)
        # Counters for the status line and benchmarks.
        self.updates = 0  # values written into the address space (line + bulk)
        self.bulk_updates = 0
        self.ticks = 0
        self.late_ticks = 0
        self.client_writes = 0
        self.started_at = 0.0

    def _url(self, port: int) -> str:
        host = self.settings.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"opc.tcp://{host}:{port}{ENDPOINT_PATH}"

    @property
    def running(self) -> bool:
        return self._server is not None

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        if self._server is not None:
            return
        quiet_asyncua_loggers()
        _uapatch.apply()
        t0 = time.perf_counter()
        server = Server()
        await server.init()
        server.set_endpoint(self._url(self.settings.port))
        server.set_server_name("LineHMI simulated packaging line")
        await server.set_application_uri("urn:linehmi:sim:server")
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        server.iserver.attribute_service = _ValidatingAttributeService(server.iserver.aspace, self)
        if self.settings.history:
            cap = max(16, math.ceil(self.settings.history_retention_s * self.settings.tick_hz) + 16)
            self._history = RingHistory(cap)
            server.iserver.history_manager.set_storage(self._history)
        self._server = server
        try:
            await self._build_address_space(server)
            if self.settings.camera_hz > 0 and self._ns_idx is not None:
                self.camera = SimCamera(
                    self.model, self.settings.seed, self.settings.camera_hz, self.settings.camera_defect_rate
                )
                await self.camera.build(server, self._ns_idx)
            await server.start()
        except BaseException:
            self._server = None
            with contextlib.suppress(Exception):
                await server.stop()
            raise
        self._fix_endpoint_port(server)
        self.started_at = time.monotonic()
        self._tasks = [asyncio.create_task(self._tick_loop(), name="sim-line-tick")]
        if self.camera is not None:
            self._tasks.append(asyncio.create_task(self.camera.run(server), name="sim-camera"))
        for gi, (group, attvals) in enumerate(self._bulk_attvals):
            self._tasks.append(
                asyncio.create_task(self._bulk_loop(group, attvals, gi), name=f"sim-bulk-{gi}")
            )
        log.info(
            "simulated line serving %s (%d line tags, %d bulk tags, history %s, time factor %g) in %.1f s",
            self.endpoint,
            len(self._bindings),
            sum(g.count for g in self._groups),
            "on" if self._history else "off",
            self.settings.time_factor,
            time.perf_counter() - t0,
        )

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        server, self._server = self._server, None
        if server is None:
            return
        # Drop connections first: a clean stop must not wait on clients that have gone quiet.
        for tr in list(server.iserver.asyncio_transports):
            with contextlib.suppress(Exception):
                tr.abort()
        try:
            await asyncio.wait_for(server.stop(), 5.0)
        except (TimeoutError, Exception) as exc:  # pragma: no cover - depends on asyncua internals
            log.warning("simulated line: server stop was not clean: %s", exc)
        log.info("simulated line stopped")

    async def kill_transport(self) -> None:
        """Abort every client connection (as a network cut would); the server keeps listening."""
        if self._server is None:
            return
        for tr in list(self._server.iserver.asyncio_transports):
            with contextlib.suppress(Exception):
                tr.abort()

    def _fix_endpoint_port(self, server: Server) -> None:
        bserver = server.bserver
        port = int(bserver.port) if bserver is not None and bserver.port else self.settings.port
        self.port = port
        self.endpoint = self._url(port)
        if port != self.settings.port:
            # Started on port 0: advertise the real port in GetEndpoints / FindServers.
            from urllib.parse import urlparse

            server.endpoint = urlparse(self.endpoint)
            for edp in server.iserver.endpoints:
                edp.EndpointUrl = self.endpoint
                if edp.Server is not None:
                    edp.Server.DiscoveryUrls = [self.endpoint]

    # --- address space ---------------------------------------------------------------------

    async def _ns_index(self, server: Server, uri: str) -> int:
        idx = await server.register_namespace(uri)
        self._ns_indexes.add(idx)
        return idx

    async def _build_address_space(self, server: Server) -> None:
        self._ns_idx = await self._ns_index(server, NS_URI)
        known = set(self.model.values())
        now = datetime.now(UTC)
        init_vals = self.model.values()
        objects = _nid(ua.ObjectIds.ObjectsFolder)
        line_id = _nid("PackagingLine", self._ns_idx)
        items: list[ua.AddNodesItem] = [
            _object_item(
                line_id,
                objects,
                ua.QualifiedName("PackagingLine", self._ns_idx),
                self.config.line.name,
                ua.ObjectIds.Organizes,
            )
        ]
        folders: dict[tuple[int, str], ua.NodeId] = {}
        machine_names = {m.id: m.name for m in self.config.machines}
        var_items: list[ua.AddNodesItem] = []
        for tag in self.config.tags:
            if tag.source != "opcua":  # computed by the HMI (fault risk...), not served by the PLC
                continue
            nodeid, path = await self._parse_node_id(server, tag)
            if nodeid in self._bindings:
                raise ValueError(f"tag {tag.name!r}: node id {tag.node_id} is used by two tags")
            parent = line_id
            for depth in range(len(path) - 1):
                key = (nodeid.NamespaceIndex, ".".join(path[: depth + 1]))
                if key not in folders:
                    fid = _nid(f"PackagingLine.{key[1]}", nodeid.NamespaceIndex)
                    seg = path[depth]
                    display = machine_names.get(tag.machine, seg) if depth == 0 and tag.machine else seg
                    if display.lower() != seg.lower():
                        display = seg
                    items.append(
                        _object_item(
                            fid,
                            parent,
                            ua.QualifiedName(seg, nodeid.NamespaceIndex),
                            display,
                            ua.ObjectIds.HasComponent,
                        )
                    )
                    folders[key] = fid
                parent = folders[key]
            vtype = _vtype(tag)
            model_key = tag.name if tag.name in known else None
            if model_key is None:
                log.warning("tag %s (%s) is not simulated: served as a constant", tag.name, tag.node_id)
            b = _Binding(tag, nodeid, vtype, model_key)
            self._bindings[nodeid] = b
            value = init_vals.get(model_key, 0.0) if model_key else 0.0
            var = _variant(value, vtype)
            historize = self._history is not None
            access = ua.AccessLevel.CurrentRead.mask
            if tag.writable:
                access |= ua.AccessLevel.CurrentWrite.mask
            if historize:
                access |= ua.AccessLevel.HistoryRead.mask
            desc = tag.display_name or tag.name
            if tag.unit:
                desc += f" [{tag.unit}]"
            var_items.append(
                _variable_item(
                    nodeid,
                    parent,
                    ua.QualifiedName(path[-1], nodeid.NamespaceIndex),
                    path[-1],
                    desc,
                    _dv(var, _GOOD, now),
                    vtype,
                    access,
                    historize,
                    1000.0 / self.settings.tick_hz,
                )
            )
            b.last = float(value) if not (isinstance(value, float) and math.isnan(value)) else None
        _check(await server.iserver.isession.add_nodes(items + var_items), "line tags")
        aspace = server.iserver.aspace
        for b in self._bindings.values():
            b.attval = aspace[b.nodeid].attributes[_VALUE]
            if b.attval.value is not None and b.attval.value.Value is not None:
                b.attval.value = _dv(b.attval.value.Value, _GOOD, now)
            if self._history is not None:
                b.hist = self._history.add_node(b.nodeid, b.vtype)
                dv = b.attval.value
                if dv is not None:
                    await self._history.save_node_value(b.nodeid, dv)
        self._bulk_attvals = await self._build_bulk(server)

    async def _parse_node_id(self, server: Server, tag: TagConfig) -> tuple[ua.NodeId, list[str]]:
        m = _NODE_ID_RE.match(tag.node_id)
        if m is None:  # the config validator makes this unreachable; keep the message anyway
            raise ValueError(f"tag {tag.name!r}: cannot parse node id {tag.node_id!r}")
        if m.group("nsu"):
            idx = await self._ns_index(server, m.group("nsu"))
        else:
            idx = int(m.group("ns"))
            if idx == 0:
                raise ValueError(f"tag {tag.name!r}: namespace 0 belongs to the OPC UA standard nodes")
            while len(await server.get_namespace_array()) <= idx:
                await self._ns_index(server, f"urn:linehmi:sim:ns{len(await server.get_namespace_array())}")
            self._ns_indexes.add(idx)
        kind, ident = m.group("kind"), m.group("ident")
        if kind == "s":
            parts = [p for p in ident.split(".") if p]
            return _nid(ident, idx, ua.NodeIdType.String), parts or [ident]
        if kind == "i":
            return _nid(int(ident), idx, ua.NodeIdType.Numeric), [tag.name]
        if kind == "g":
            return _nid(uuid.UUID(ident), idx, ua.NodeIdType.Guid), [tag.name]
        import base64

        return _nid(base64.b64decode(ident), idx, ua.NodeIdType.ByteString), [tag.name]

    async def _build_bulk(self, server: Server) -> list[tuple[BulkGroup, list[AttributeValue]]]:
        if not self._groups:
            return []
        assert self._ns_idx is not None
        ns = self._ns_idx
        ids = bulk_ids(self._groups)
        root = _nid("Bulk", ns)
        items = [
            _object_item(
                root,
                _nid(ua.ObjectIds.ObjectsFolder),
                ua.QualifiedName("Bulk", ns),
                "Bulk",
                ua.ObjectIds.Organizes,
                folder=True,
            )
        ]
        now = datetime.now(UTC)
        rng = np.random.default_rng(self.settings.seed + 7919)
        kind = SequenceCounter if self.settings.bulk_sequence else RandomWalk
        walks = [kind(g.count, rng) for g in self._groups]
        self._walks = walks
        flat_values = np.concatenate([w.values for w in walks]).tolist()
        access = ua.AccessLevel.CurrentRead.mask
        for start in range(0, len(ids), 100):
            chunk = ids[start : start + 100]
            first, last = chunk[0][0].split(".")[1], chunk[-1][0].split(".")[1]
            fid = _nid(f"Bulk.{first}_{last}", ns)
            items.append(
                _object_item(
                    fid,
                    root,
                    ua.QualifiedName(f"{first}_{last}", ns),
                    f"{first}_{last}",
                    ua.ObjectIds.Organizes,
                    folder=True,
                )
            )
            for k, (sid, _rate) in enumerate(chunk):
                short = sid.split(".")[1]
                dv = _dv(ua.Variant(flat_values[start + k], _DOUBLE), _GOOD, now)
                items.append(
                    _variable_item(
                        _nid(sid, ns),
                        fid,
                        ua.QualifiedName(short, ns),
                        short,
                        "",
                        dv,
                        _DOUBLE,
                        access,
                        False,
                        0.0,
                    )
                )
        _check(await server.iserver.isession.add_nodes(items), "bulk tags")
        aspace = server.iserver.aspace
        out = []
        pos = 0
        for g in self._groups:
            attvals = [aspace[_nid(sid, ns)].attributes[_VALUE] for sid, _ in ids[pos : pos + g.count]]
            out.append((g, attvals))
            pos += g.count
        return out

    # --- writing values ---------------------------------------------------------------------

    async def _write(self, attval: AttributeValue, dv: ua.DataValue) -> None:
        attval.value = dv
        attval.value_callback = None
        cbs = attval.datachange_callbacks
        if cbs:
            for handle, cb in tuple(cbs.items()):
                try:
                    await cb(handle, dv)
                except Exception:  # one bad monitored item must not stop the line
                    log.exception("simulated line: data-change callback failed")

    async def _publish_line(self) -> None:
        vals = self.model._meas
        bad = self.model.bad_tags()
        now = datetime.now(UTC)
        now_us = _us(now)
        n = 0
        for b in self._bindings.values():
            if b.key is None:
                continue
            is_bad = b.key in bad
            if is_bad:
                if b.last_bad:
                    continue
                dv = _dv(_NULL, _BAD_SENSOR, now)
                b.last_bad = True
                b.last = None
                status, hv = int(_BAD_SENSOR.value), math.nan
            else:
                v = vals[b.key]
                if v == b.last and not b.last_bad:
                    continue
                dv = _dv(_variant(v, b.vtype), _GOOD, now)
                b.last = v
                b.last_bad = False
                status, hv = 0, v
            await self._write(b.attval, dv)  # type: ignore[arg-type]
            if b.hist is not None:
                b.hist.append(now_us, hv, status)
            n += 1
        self.updates += n

    def _on_client_write(self, b: _Binding, value: float, dv: ua.DataValue) -> None:
        self.client_writes += 1
        if b.key is not None:
            try:
                self.model.set_setpoint(b.key, value)
            except KeyError:
                pass  # a writable tag the model does not use: the value is just stored
            b.last = value  # already published by this write: the next tick has nothing new to send
            b.last_bad = False
        if b.hist is not None:
            ts = dv.SourceTimestamp or datetime.now(UTC)
            b.hist.append(_us(ts), value, 0)
        log.info("client wrote %s = %g", b.tag.name, value)

    # --- loops --------------------------------------------------------------------------------

    async def _tick_loop(self) -> None:
        period = 1.0 / self.settings.tick_hz
        async for _k in fixed_rate(period, on_skip=self._late_tick):
            try:
                # A fixed step keeps the simulation deterministic for a given seed.
                self.model.advance(period)
                self.ticks += 1
                await self._publish_line()
                self._log_events()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("simulated line: tick failed")
                await asyncio.sleep(period)

    def _late_tick(self) -> None:
        self.late_ticks += 1

    def _log_events(self) -> None:
        new = self.model.event_count - self._events_seen
        if new <= 0:
            return
        self._events_seen = self.model.event_count
        events: list[SimEvent] = list(self.model.events)[-min(new, len(self.model.events)) :]
        for e in events:
            log.info("t=%.0fs sim=%s %s: %s", self.model.t_real, _fmt_sim(e.t_sim), e.machine, e.text)

    async def _bulk_loop(self, group: BulkGroup, attvals: list[AttributeValue], gi: int) -> None:
        walk = self._walks[gi]
        tick_hz = max(group.rate_hz, BULK_TICK_HZ)
        n_slices = max(1, round(tick_hz / group.rate_hz))
        per = math.ceil(group.count / n_slices)
        write = self._write
        dv_cls: Any = ua.DataValue
        var_cls = ua.Variant
        async for k in fixed_rate(1.0 / tick_hz, on_skip=self._late_tick):
            s = ((k - 1) % n_slices) * per
            sl = slice(s, min(s + per, group.count))
            values = walk.update(sl)
            now = datetime.now(UTC)
            for attval, v in zip(attvals[sl], values, strict=True):
                dv = dv_cls(var_cls(v, _DOUBLE), _GOOD, now, now)
                attval.value = dv
                cbs = attval.datachange_callbacks
                if cbs:
                    await write(attval, dv)
            self.bulk_updates += len(values)
            self.updates += len(values)

    # --- status --------------------------------------------------------------------------------

    def client_count(self) -> int:
        if self._server is None:
            return 0
        return len(self._server.iserver.asyncio_transports)

    def status_line(self) -> str:
        vals = self.model.values()
        parts = []
        for m in ("filler", "capper", "labeller", "conveyor"):
            st = self.model.state(m).name.title()
            fc = self.model.fault_code(m)
            parts.append(f"{m} {st}{'/' + fc.name.lower() if fc else ''} {vals[f'{m}.speed']:.0f}")
        f = self.model.m["filler"]
        return (
            f"t={self.model.t_real:.0f}s sim={_fmt_sim(self.model.t_sim)} | "
            + ", ".join(parts)
            + f" | filler vib {f.vib:.1f} mm/s bearing {f.temp:.0f} °C"
            + f" | good {int(vals['labeller.good_count'])} | clients {self.client_count()}"
        )


def _fmt_sim(t: float) -> str:
    t = round(t)
    h, r = divmod(t, 3600)
    m, s = divmod(r, 60)
    return f"{h}:{m:02d}:{s:02d}"


def _variant(value: float, vtype: ua.VariantType) -> ua.Variant:
    if vtype == _DOUBLE:
        return ua.Variant(float(value), _DOUBLE)
    if vtype == _BOOL:
        return ua.Variant(bool(value), _BOOL)
    return ua.Variant(int(value), vtype)


def _check(results: Sequence[ua.AddNodesResult], what: str) -> None:
    for r in results:
        if not r.StatusCode.is_good():
            raise RuntimeError(f"simulated line: could not create the {what}: {r.StatusCode}")


def _object_item(
    nodeid: ua.NodeId,
    parent: ua.NodeId,
    bname: ua.QualifiedName,
    display: str,
    reftype: int,
    folder: bool = False,
) -> ua.AddNodesItem:
    item = ua.AddNodesItem()
    item.RequestedNewNodeId = nodeid
    item.BrowseName = bname
    item.NodeClass = ua.NodeClass.Object
    item.ParentNodeId = parent
    item.ReferenceTypeId = _nid(reftype)
    item.TypeDefinition = _nid(ua.ObjectIds.FolderType if folder else ua.ObjectIds.BaseObjectType)
    attrs = ua.ObjectAttributes()
    attrs.DisplayName = ua.LocalizedText(display)
    attrs.Description = ua.LocalizedText(display)
    attrs.EventNotifier = 0
    attrs.WriteMask = 0
    attrs.UserWriteMask = 0
    item.NodeAttributes = attrs
    return item


def _variable_item(
    nodeid: ua.NodeId,
    parent: ua.NodeId,
    bname: ua.QualifiedName,
    display: str,
    description: str,
    value: ua.DataValue,
    vtype: ua.VariantType,
    access: int,
    historizing: bool,
    min_sampling_ms: float,
) -> ua.AddNodesItem:
    item = ua.AddNodesItem()
    item.RequestedNewNodeId = nodeid
    item.BrowseName = bname
    item.NodeClass = ua.NodeClass.Variable
    item.ParentNodeId = parent
    item.ReferenceTypeId = _nid(ua.ObjectIds.HasComponent)
    item.TypeDefinition = _nid(ua.ObjectIds.BaseDataVariableType)
    attrs = ua.VariableAttributes()
    attrs.DisplayName = ua.LocalizedText(display)
    attrs.Description = ua.LocalizedText(description or display)
    attrs.Value = value.Value
    # Boolean=1, Int32=6, Double=11: a builtin VariantType has the number of its DataType node.
    attrs.DataType = _nid(int(vtype))
    attrs.ValueRank = ua.ValueRank.Scalar
    attrs.ArrayDimensions = None  # type: ignore[assignment]
    attrs.AccessLevel = access
    attrs.UserAccessLevel = access
    attrs.Historizing = historizing
    attrs.MinimumSamplingInterval = min_sampling_ms
    attrs.WriteMask = 0
    attrs.UserWriteMask = 0
    item.NodeAttributes = attrs
    return item
