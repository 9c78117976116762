"""OPC UA client session for one line: secure, connect, subscribe, read, write, browse.

Runs entirely on the I/O loop thread (see `connectors.loop_thread`); it knows
nothing about Qt. Data leaves as `SampleBatch`es through `on_batch`, state as
`ConnectionState` through `on_state`, refused tags through `on_problem`, and
everything an engineer must act on (untrusted or changed server certificate,
bad credentials, revised intervals, changed namespaces) as one
`ConnectorNotice` per cause through `on_notice`.

The session's life (security before secrets, retrying the first connect with
one report per cause, bounded log-ins, watching the server's certificate while
the link is down) is `connectors.opcua_session.OpcUaSession`, shared with the
camera client. This class is the session's owner for the line's tags and adds:

- marking every tag bad at the moment the link drops, accepting no value
  after a reconnect until the namespace table was checked (node ids are
  re-resolved and re-subscribed if a namespace moved), then a fresh batched
  read of every tag;
- honouring the server's OperationLimits (chunked calls) and a full
  subscription (more subscriptions), and reporting revised intervals.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from asyncua import Client, Node, ua
from asyncua.common.subscription import DataChangeEvent, Subscription
from asyncua.ua.status_codes import get_name_and_doc

from connectors.history_backfill import BackfillResult, backfill_detailed
from connectors.opcua_limits import OperationLimits, call_chunked, read_operation_limits
from connectors.opcua_pki import Pki, default_application_uri, pki_root
from connectors.opcua_session import (
    OpcUaSession,
    SessionClient,
    SessionSettings,
    describe_error,
    monitor_request,
    resolve_node_id,
)
from connectors.opcua_values import convert, to_float
from connectors.opcua_write import WriteOutcome, encode, same_value
from connectors.session_lifecycle import cancel_tasks
from hmi.core.config import LineConfig, TagConfig
from hmi.core.connector_notice import ConnectorNotice, NoticeKind, NoticeLevel
from hmi.core.quality import (
    BAD_NODE_ID_UNKNOWN,
    BAD_NOT_CONNECTED,
    BAD_TYPE_MISMATCH,
    GOOD,
    UNCERTAIN,
    is_bad,
    status_name,
)
from hmi.core.runtime_api import ConnectionState, ServerGrant, TagProblem
from hmi.core.samples import SampleBatch
from hmi.core.text_samples import TextSample, bound_text

log = logging.getLogger(__name__)

# A source clock further than this from ours is reported (once per session).
CLOCK_SKEW_S = 60.0
# A failed read of every tag after a reconnect is tried again this often until it goes through.
REREAD_S = 1.0
# A revised interval this much above the request cannot deliver the configured rate.
_REVISION_TOLERANCE = 1.01

Row = tuple[int, float, float, float, float, int]


@dataclass(frozen=True, slots=True)
class SubscriptionInfo:
    """What the server granted, for the journal and the engineer (requested -> revised)."""

    requested_publishing_ms: float
    revised_publishing_ms: list[float]  # one per subscription
    revised_sampling_ms: dict[str, float]  # tag name -> revised sampling interval
    revised_queue_size: dict[str, int]
    tag_publishing_ms: dict[str, float] = dataclasses.field(default_factory=dict)  # of its subscription

    def grants(self) -> dict[str, ServerGrant]:
        """Per tag, for the journal's `tags` table."""
        return {
            name: ServerGrant(
                ms, self.revised_queue_size.get(name, 0), self.tag_publishing_ms.get(name, math.nan)
            )
            for name, ms in self.revised_sampling_ms.items()
        }


@contextlib.contextmanager
def _recording(obj: Any, method: str, sink: list[Any]) -> Iterator[None]:
    """Record what `obj.method` returns for the duration of the block.

    asyncua keeps the revised publishing interval and the revised sampling intervals
    to itself (Client.create_subscription and Subscription.create_monitored_items
    return only ids); we need them, and we want asyncua's own bookkeeping for the
    reconnect to stay in charge, so we listen on the session instead of re-implementing
    those calls."""
    original = getattr(obj, method)

    async def recorder(*args: Any, **kwargs: Any) -> Any:
        result = await original(*args, **kwargs)
        sink.append(result)
        return result

    setattr(obj, method, recorder)
    try:
        yield
    finally:
        with contextlib.suppress(AttributeError):
            delattr(obj, method)


class OpcUaConnector(SessionClient):
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
        on_notice: Callable[[ConnectorNotice], None] | None = None,
        pki_dir: Path | str | None = None,
        on_text: Callable[[list[TextSample]], None] | None = None,
        on_grants: Callable[[dict[str, ServerGrant]], None] | None = None,
    ) -> None:
        self.config = config
        self.endpoint = endpoint or config.server.endpoint
        sec = config.server.security
        self.pki = Pki(pki_dir or pki_root(sec.pki_dir, config.journal.directory))
        self.application_uri = sec.application_uri or default_application_uri(config.line.id)
        self._session = OpcUaSession(
            SessionSettings(
                self.endpoint,
                sec,
                self.application_uri,
                f"LineHMI ({config.line.name})",
                timeout_s=float(config.server.timeout_s),
                reconnect_max_delay_s=float(config.server.reconnect_max_delay_s),
            ),
            self.pki,
            self,
            on_state,
            on_notice,
        )
        self._notice = self._session.notice
        self._on_batch = on_batch
        self._on_problem = on_problem or (lambda p: None)
        self._on_backfill = on_backfill or (lambda r: None)
        self._on_text = on_text or (lambda t: None)
        self._on_grants = on_grants or (lambda g: None)
        # Text tags never enter a SampleBatch: their values go out as TextSamples (journal table
        # text_samples); so do the exact digits of 64-bit integers beyond 2^53.
        self._text_tags = frozenset(i for i, t in enumerate(config.tags) if t.data_type == "text")
        self._max_text = int(config.journal.max_text_bytes)
        self._text_buf: list[TextSample] = []
        self._flush_interval = flush_interval_s
        self._nodes: list[Node | None] = [None] * len(config.tags)
        self._variant_types: dict[int, ua.VariantType] = {}
        self._problems: dict[int, TagProblem] = {}
        self._handle_to_idx: dict[int, int] = {}
        # Notification buffer, flushed as one SampleBatch every flush_interval.
        self._buf: list[Row] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._consumers: list[asyncio.Task[None]] = []
        self._subs: list[Subscription] = []
        self.limits = OperationLimits()
        self._ns_array: list[str] = []
        # False from the moment the link drops until the namespace table was checked
        # after the reconnect: a value for a node id that now means another node must
        # never be journaled as Good.
        self._accepting = False
        self._ts_noted: set[int] = set()
        self.subscription_info: SubscriptionInfo | None = None
        self.notifications = 0
        self.overflows = 0  # values the server's queue dropped (Overflow bit seen)
        self.uncertain_info = 0  # Good values made Uncertain because of an info bit
        self.dropped_unverified = 0  # notifications refused while the namespaces were unchecked
        self.fallback_timestamps = 0

    # --- public ---------------------------------------------------------------------------

    @property
    def down_since(self) -> float | None:
        """When the link went, as the session took it (None while up): the one instant of an outage
        (the tags' Bad marks, the state's "lost at", the journal's gap and every screen's "last known")."""
        return self._session.down_since

    @property
    def problems(self) -> dict[str, TagProblem]:
        return {p.tag: p for p in self._problems.values()}

    async def read(self, tag_indices: Iterable[int] | None = None) -> SampleBatch:
        """Batched read of current values (all resolved tags by default), chunked by the
        server's MaxNodesPerRead."""
        client = self._require_client()
        idx = [i for i in (tag_indices if tag_indices is not None else range(len(self._nodes)))]
        idx = [i for i in idx if self._nodes[i] is not None and i not in self._problems]

        async def read_chunk(chunk: list[int]) -> list[ua.DataValue]:
            return await client.read_attributes([self._nodes[i] for i in chunk])  # type: ignore[misc]

        dvs = await call_chunked(idx, self.limits.chunk("max_nodes_per_read"), read_chunk, self._read_size)
        now = time.time()
        rows = [self._row(i, dv, now) for i, dv in zip(idx, dvs, strict=True)]
        # Text values read here go out with the next flush, after the batch the caller emits.
        return _rows_to_batch([r for r in rows if r[0] not in self._text_tags])

    def _read_size(self, size: int) -> None:
        self.limits.max_nodes_per_read = size

    async def write(self, tag_index: int, value: float) -> WriteOutcome:
        """Write one value with the cause of any refusal, then read it back (unless the tag
        says `verify_write = false`). Raises only on transport errors."""
        tag = self.config.tags[tag_index]
        node = self._nodes[tag_index]
        if node is None or tag_index in self._problems:
            why = self._problems[tag_index].message if tag_index in self._problems else "has no server node"
            return WriteOutcome(BAD_NODE_ID_UNKNOWN, f"not written: {tag.name} {why}", local=True)
        client = self._require_client()
        vtype = self._variant_types.get(tag_index)
        if vtype is None:
            vtype = await node.read_data_type_as_variant_type()
            self._variant_types[tag_index] = vtype
        py_value, why = encode(vtype, value)
        if why:
            return WriteOutcome(BAD_TYPE_MISMATCH, f"not written: {tag.name}: {why}", local=True)
        results = await client.write_values(
            [node], [ua.DataValue(ua.Variant(py_value, vtype))], raise_on_partial_error=False
        )
        code = int(results[0].value)
        if code != GOOD:
            doc = get_name_and_doc(code)[1] if code & 0xFFFF0000 else ""
            return WriteOutcome(
                code, f"the server refused the write: {status_name(code)}" + (f" ({doc})" if doc else "")
            )
        if not tag.verify_write:
            return WriteOutcome(GOOD, "written (not read back: verify_write = false)")
        dv = (await client.read_attributes([node]))[0]
        back = dv.Value.Value if dv.Value is not None else None
        back_f = to_float(back)
        if same_value(py_value, back, vtype):
            return WriteOutcome(GOOD, "written and read back", read_back=back_f)
        return WriteOutcome(
            UNCERTAIN,
            f"written, but the server reads back {back!r} (the PLC may limit or override it)",
            read_back=back_f,
        )

    # --- connection -------------------------------------------------------------------

    async def opened(self, client: Client) -> None:
        """The session is open and secured (`OpcUaSession`): limits, nodes, a first read, subscribe."""
        self.limits = await read_operation_limits(client)
        if self.limits.published():
            self._notice(
                NoticeKind.SERVER_LIMITS,
                NoticeLevel.INFO,
                "server operation limits honoured: "
                + ", ".join(f"{k} = {v}" for k, v in self.limits.published().items()),
                key=repr(self.limits.published()),
                data=self.limits.published(),
            )
        self._ns_array = await client.get_namespace_array()
        await self._resolve_nodes(client)
        self._accepting = True
        self._emit(await self.read())
        await self._subscribe(client)
        self._tasks.append(asyncio.create_task(self._flush_loop(), name="opcua-flush"))

    async def _resolve_nodes(self, client: Client) -> None:
        ns_array = self._ns_array
        self._problems.clear()
        self._variant_types.clear()
        for i, tag in enumerate(self.config.tags):
            if tag.source != "opcua":  # computed inside LineHMI: nothing to read from the server
                self._nodes[i] = None
                continue
            try:
                self._nodes[i] = client.get_node(resolve_node_id(tag.node_id, ns_array))
            except ValueError as exc:
                self._nodes[i] = None
                self._report_problem(i, BAD_NODE_ID_UNKNOWN, str(exc))
        # One batched read (chunked by the server's limit) tells which node ids it does not know.
        valid = [i for i, n in enumerate(self._nodes) if n is not None]

        async def read_types(chunk: list[int]) -> list[ua.DataValue]:
            return await client.read_attributes([self._nodes[i] for i in chunk], ua.AttributeIds.DataType)  # type: ignore[misc]

        dvs = await call_chunked(valid, self.limits.chunk("max_nodes_per_read"), read_types, self._read_size)
        for i, dv in zip(valid, dvs, strict=True):
            code = dv.StatusCode.value if dv.StatusCode is not None else GOOD
            if is_bad(code):
                self._report_problem(
                    i, code, f"server refused node {self.config.tags[i].node_id}: {status_name(code)}"
                )

    async def _new_subscription(self, client: Client, period: float) -> tuple[Subscription, float]:
        granted: list[Any] = []
        with _recording(client.uaclient.session, "create_subscription", granted):
            # Iterator mode: about half the CPU of callbacks (measured here: 500 tags at 10 Hz,
            # ~4,900 notifications/s, 6-14 % of a core). The queue is
            # sized for several seconds of notifications so a GC pause or a slow
            # journal never drops data; overflow is counted, not silent.
            sub = await client.create_subscription(period, handler=None, queue_maxsize=200_000)
        revised = float(granted[0].RevisedPublishingInterval) if granted else period
        return sub, revised

    async def _create_items(
        self, sub: Subscription, chunk: list[ua.MonitoredItemCreateRequest]
    ) -> list[tuple[int | ua.StatusCode, ua.MonitoredItemCreateResult | None]]:
        granted: list[Any] = []
        with _recording(sub.server, "create_monitored_items", granted):
            results = await sub.create_monitored_items(chunk)
        details = list(granted[0]) if granted and len(granted[0]) == len(results) else [None] * len(results)
        return list(zip(results, details, strict=True))

    async def _subscribe(self, client: Client) -> None:
        period = float(self.config.server.publishing_interval_ms)
        self._handle_to_idx.clear()
        pending: list[ua.MonitoredItemCreateRequest] = []
        for i, tag in enumerate(self.config.tags):
            node = self._nodes[i]
            if node is None or i in self._problems:
                continue
            handle = 1000 + i
            pending.append(_monitor_request(node, tag, handle))
            self._handle_to_idx[handle] = i
        revised_pub: list[float] = []
        revised_sampling: dict[str, float] = {}
        revised_queue: dict[str, int] = {}
        tag_pub: dict[str, float] = {}
        per_call = self.limits.chunk("max_monitored_items_per_call")

        def per_call_size(size: int) -> None:
            self.limits.max_monitored_items_per_call = size

        while pending:
            try:
                sub, pub = await self._new_subscription(client, period)
            except ua.UaStatusCodeError as exc:
                for req in pending:
                    i = self._handle_to_idx.pop(req.RequestedParameters.ClientHandle)
                    self._report_problem(
                        i, exc.code, f"no subscription for this tag: {status_name(exc.code)}"
                    )
                break
            self._subs.append(sub)
            revised_pub.append(pub)
            for req in pending:  # the queue must hold one publishing interval of samples
                tag = self.config.tags[self._handle_to_idx[req.RequestedParameters.ClientHandle]]
                req.RequestedParameters.QueueSize = queue_size(pub, float(tag.sampling_ms))
            create = functools.partial(self._create_items, sub)
            results = await call_chunked(pending, per_call, create, per_call_size)
            full: list[ua.MonitoredItemCreateRequest] = []
            accepted = 0
            for req, (res, detail) in zip(pending, results, strict=True):
                handle = req.RequestedParameters.ClientHandle
                if isinstance(res, ua.StatusCode):
                    if res.value == ua.StatusCodes.BadTooManyMonitoredItems:
                        full.append(req)
                        continue
                    i = self._handle_to_idx.pop(handle)
                    self._report_problem(i, res.value, f"monitoring refused: {status_name(res.value)}")
                    continue
                accepted += 1
                if detail is not None:
                    name = self.config.tags[self._handle_to_idx[handle]].name
                    revised_sampling[name] = float(detail.RevisedSamplingInterval)
                    revised_queue[name] = int(detail.RevisedQueueSize)
                    tag_pub[name] = pub
            self._consumers.append(asyncio.create_task(self._consume(sub), name="opcua-consume"))
            if full and accepted == 0:
                for req in full:
                    i = self._handle_to_idx.pop(req.RequestedParameters.ClientHandle)
                    self._report_problem(
                        i,
                        ua.StatusCodes.BadTooManyMonitoredItems,
                        "the server's monitored-item limit is reached even in a new subscription",
                    )
                break
            pending = full  # the subscription is full: the rest go into another one
        self.subscription_info = SubscriptionInfo(
            period, revised_pub, revised_sampling, revised_queue, tag_pub
        )
        self._report_revisions(self.subscription_info)
        try:
            self._on_grants(self.subscription_info.grants())
        except Exception:
            log.exception("on_grants consumer failed")

    def _report_revisions(self, info: SubscriptionInfo) -> None:
        slow_pub = [
            p for p in info.revised_publishing_ms if p > info.requested_publishing_ms * _REVISION_TOLERANCE
        ]
        slow_tags = {
            t.name: (float(t.sampling_ms), info.revised_sampling_ms[t.name])
            for t in self.config.tags
            if t.name in info.revised_sampling_ms
            and info.revised_sampling_ms[t.name] > float(t.sampling_ms) * _REVISION_TOLERANCE
        }
        data: dict[str, Any] = {
            "subscriptions": len(info.revised_publishing_ms),
            "publishing_ms": {
                "requested": info.requested_publishing_ms,
                "revised": info.revised_publishing_ms,
            },
            "sampling_ms": {n: {"requested": r, "revised": v} for n, (r, v) in slow_tags.items()},
        }
        if not slow_pub and not slow_tags:
            if len(info.revised_publishing_ms) > 1:
                self._notice(
                    NoticeKind.SERVER_LIMITS,
                    NoticeLevel.INFO,
                    f"tags spread over {len(info.revised_publishing_ms)} subscriptions (the server limits "
                    "monitored items per subscription)",
                    key=f"subs{len(info.revised_publishing_ms)}",
                    data=data,
                )
            return
        parts = []
        if slow_pub:
            parts.append(f"publishing interval {info.requested_publishing_ms:g} ms -> {max(slow_pub):g} ms")
        if slow_tags:
            examples = ", ".join(f"{n} {r:g} -> {v:g} ms" for n, (r, v) in list(slow_tags.items())[:5])
            more = f" and {len(slow_tags) - 5} more" if len(slow_tags) > 5 else ""
            parts.append(f"sampling of {len(slow_tags)} tags ({examples}{more})")
        self._notice(
            NoticeKind.REVISED_INTERVALS,
            NoticeLevel.WARNING,
            "the server revised "
            + "; ".join(parts)
            + ": these tags cannot deliver the configured rate (values between samples are not seen)",
            key=repr(sorted(data["sampling_ms"])) + repr(slow_pub),
            data=data,
        )

    async def _consume(self, sub: Subscription) -> None:
        buf_append = self._buf.append
        h2i = self._handle_to_idx
        text_tags = self._text_tags
        async for ev in sub:
            if not isinstance(ev, DataChangeEvent):
                continue
            if not self._accepting:
                self.dropped_unverified += 1
                continue
            mi = ev.data.monitored_item
            i = h2i.get(mi.ClientHandle)
            if i is None:
                continue
            now = time.time()
            row = self._row(i, mi.Value, now)
            if i not in text_tags:
                buf_append(row)
            self.notifications += 1
            if abs(row[1] - now) > CLOCK_SKEW_S and row[5] & 0xC0000000 != 0x80000000:
                self._notice(
                    NoticeKind.TIMESTAMPS,
                    NoticeLevel.WARNING,
                    f"tag {self.config.tags[i].name}: source timestamp is {row[1] - now:+.0f} s off this "
                    f"station's clock (more than {CLOCK_SKEW_S:g} s): check the PLC's clock; trends use "
                    "the source time",
                    key="skew",
                    data={"tag": self.config.tags[i].name, "skew_s": row[1] - now},
                )

    def _row(self, i: int, dv: ua.DataValue, now: float) -> Row:
        """The numeric row of one value (for a text tag, a row the caller must not journal: its
        text went to the text buffer; the row carries its time and status for the checks)."""
        tag = self.config.tags[i]
        is_text = i in self._text_tags
        st = convert(dv, now, tag.element, text=is_text)
        if st is None:
            raw = dv.Value.Value if dv.Value is not None else None
            # A string or structure on a numeric tag: keep the sample, flag it bad.
            if i not in self._problems:
                self._report_problem(i, BAD_TYPE_MISMATCH, _mismatch(tag, raw))
            if is_text:
                self._text_buf.append(TextSample(i, now, math.nan, now, None, BAD_TYPE_MISMATCH))
            return (i, now, float("nan"), now, float("nan"), BAD_TYPE_MISMATCH)
        if st.overflow:
            self.overflows += 1
        if (
            st.status & 0xC0000000 == 0x40000000
            and dv.StatusCode is not None
            and dv.StatusCode.value & 0xC0000000 == 0
        ):
            self.uncertain_info += 1
        if st.source_fallback:
            self.fallback_timestamps += 1
            if i not in self._ts_noted:
                self._ts_noted.add(i)
                self._notice(
                    NoticeKind.TIMESTAMPS,
                    NoticeLevel.INFO,
                    f"tag {tag.name}: the server sends no source timestamp; using the {st.source_fallback} time",
                    key=f"null:{tag.name}",
                    data={"tag": tag.name, "fallback": st.source_fallback},
                )
        if is_text or st.text is not None:
            text, full = bound_text(st.text, self._max_text) if st.text is not None else (None, None)
            self._text_buf.append(TextSample(i, st.source_ts, st.server_ts, now, text, st.status, full))
        return (i, st.source_ts, st.server_ts, now, st.value, st.status)

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self._flush_interval)
            self._flush()

    def _flush(self) -> None:
        if self._buf:
            # Copy-and-clear, not rebind: the consumer holds a bound `append` of this list.
            rows = self._buf.copy()
            self._buf.clear()
            self._emit(_rows_to_batch(rows))
        # After the numbers: the exact digits of a big integer belong to the sample just sent.
        self._flush_text()

    def _flush_text(self) -> None:
        if not self._text_buf:
            return
        texts = self._text_buf.copy()
        self._text_buf.clear()
        try:
            self._on_text(texts)
        except Exception:
            log.exception("on_text consumer failed; %d text values not delivered", len(texts))

    def _emit(self, batch: SampleBatch) -> None:
        if len(batch):
            try:
                self._on_batch(batch)
            except Exception:
                log.exception("on_batch consumer failed; batch of %d samples not delivered", len(batch))

    def link_lost(self) -> None:
        """The link dropped (`OpcUaSession`): no value is accepted until the namespaces are checked."""
        self._accepting = False
        self._flush()
        now = self._session.down_since or time.time()
        # Every tag is marked bad at the moment the link went: screens stop
        # showing old values as current and trends break the line here.
        idx = [i for i, n in enumerate(self._nodes) if n is not None and i not in self._problems]
        self._text_buf.extend(
            TextSample(i, now, math.nan, now, None, BAD_NOT_CONNECTED) for i in idx if i in self._text_tags
        )
        self._flush_text()
        idx = [i for i in idx if i not in self._text_tags]
        n = len(idx)
        nan = np.full(n, np.nan)
        self._emit(
            SampleBatch.from_columns(
                idx, np.full(n, now), nan, np.full(n, now), nan, np.full(n, BAD_NOT_CONNECTED)
            )
        )

    async def link_back(self, client: Client, down_since: float | None) -> bool:
        """asyncua restored the session (`OpcUaSession`): check the namespaces, read every tag,
        backfill the gap. False (stay 'reconnecting') while the namespaces cannot be checked."""
        try:
            ns = await client.get_namespace_array()
            if ns != self._ns_array:
                await self._rebind(client, ns)
        except Exception as exc:
            # Without the check no value is accepted; the next state change tries again.
            log.warning("namespace check after reconnect failed: %s", describe_error(exc))
            return False
        self._accepting = True
        # The restored subscription resends values only for items it re-creates, and its first
        # notifications can come before values were accepted again: a tag that does not change (a
        # machine's state) becomes current only through this read. So a failed read is tried again
        # until it goes through (it once failed after an early reconnect, and every state badge
        # stayed "? BadNotConnected" while the speeds updated).
        live_from: dict[int, float] = {}
        if not await self._read_current(live_from):
            self._tasks.append(asyncio.create_task(self._read_until_current(), name="opcua-reread"))
        if down_since is not None:
            # Fill the hole from the server's history (HistoryRead) where it keeps one;
            # the samples arrive out of time order and carry the backfilled flag.
            now = time.time()
            self._tasks.append(
                asyncio.create_task(self._backfill(down_since, now, live_from), name="opcua-backfill")
            )
        return True

    async def _read_current(self, live_from: dict[int, float] | None = None) -> bool:
        """Read every tag and emit it; False (logged) when the read failed. `live_from` gets each
        tag's source time of the value read: its gap (the backfill) ends there, history from there
        on is live data."""
        try:
            current = await self.read()
        except Exception as exc:
            log.warning("read after reconnect failed: %s; trying again", describe_error(exc))
            return False
        self._emit(current)
        if live_from is not None:
            for i, ts in zip(current.tag_idx.tolist(), current.source_ts.tolist(), strict=True):
                if math.isfinite(ts):
                    live_from[int(i)] = min(ts, live_from.get(int(i), math.inf))
        return True

    async def _read_until_current(self) -> None:
        """Again every REREAD_S until a read goes through, while the link stays up (a new loss
        ends it: the next reconnect reads anew)."""
        while self._accepting:
            await asyncio.sleep(REREAD_S)
            if not self._accepting or await self._read_current():
                return

    async def _rebind(self, client: Client, ns: list[str]) -> None:
        """The server's namespace table changed (a restart re-ordered it): resolve every
        nsu= node id again and subscribe the new node ids before any value is accepted."""
        old_ns, old_nodes = self._ns_array, [n.nodeid if n is not None else None for n in self._nodes]
        self._ns_array = ns
        await self._resolve_nodes(client)
        moved = [
            self.config.tags[i].name
            for i, n in enumerate(self._nodes)
            if (n.nodeid if n is not None else None) != old_nodes[i]
        ]
        self._notice(
            NoticeKind.NAMESPACES_CHANGED,
            NoticeLevel.WARNING,
            f"the server's namespace table changed after the reconnect; {len(moved)} node ids "
            "re-resolved from their namespace URIs before any value was accepted",
            key=repr(ns),
            data={"before": old_ns, "after": ns, "moved_tags": moved},
        )
        if moved:
            await cancel_tasks(self._consumers)
            subs, self._subs = self._subs, []
            for sub in subs:
                with contextlib.suppress(Exception):
                    await sub.delete()
            await self._subscribe(client)

    async def _backfill(self, t0: float, t1: float, live_from: dict[int, float]) -> None:
        # History is read as numbers: text tags keep their gap (marked bad at the link loss).
        idx = [
            i
            for i, n in enumerate(self._nodes)
            if n is not None and i not in self._problems and i not in self._text_tags
        ]
        try:
            res = await backfill_detailed(
                self._require_client(),
                [self._nodes[i] for i in idx],  # type: ignore[misc]
                idx,
                t0,
                t1,
                live_from=live_from,
            )
        except Exception as exc:
            log.warning("backfill of %.1f s gap failed: %s; the gap stays", t1 - t0, describe_error(exc))
            return
        self._emit(res.batch)
        try:
            self._on_backfill(res)
        except Exception:
            log.exception("on_backfill consumer failed")

    # --- helpers -----------------------------------------------------------------------

    def _report_problem(self, i: int, status: int, message: str) -> None:
        p = TagProblem(self.config.tags[i].name, int(status), message)
        self._problems[i] = p
        log.warning("tag %s: %s", p.tag, message)
        try:
            self._on_problem(p)
        except Exception:
            log.exception("on_problem consumer failed")

    def _require_client(self) -> Client:
        return self._session.require_client()

    async def closing(self) -> None:
        """The session is closing (`OpcUaSession`): stop consuming, flush what arrived."""
        await cancel_tasks(self._consumers)
        await cancel_tasks(self._tasks)
        self._subs.clear()
        self._accepting = False
        self._flush()


def _mismatch(tag: TagConfig, raw: object) -> str:
    if isinstance(raw, list | tuple):
        if tag.element is None:
            return f"the node holds an array of {len(raw)}: set element = N on the tag to trend one element"
        return f"element {tag.element} is beyond the end of the node's array of {len(raw)}"
    if tag.data_type == "text":
        return f"expected text (String, ByteString, LocalizedText), server sent {type(raw).__name__}"
    wanted = f"element {tag.element} of an array" if tag.element is not None else f"a {tag.data_type} value"
    return f"expected {wanted}, server sent {type(raw).__name__}"


# Queue per monitored item: at least 4 (DESIGN.md: >= 2, so a value that changes twice
# inside one publishing interval, a short state pulse, is not lost), and enough for every
# sample of one publishing interval when the server revised it above the sampling interval
# (100 ms sampling, 1000 ms publishing: 11), capped so a slow tag cannot hog server memory.
MIN_QUEUE, MAX_QUEUE = 4, 100


def queue_size(publishing_ms: float, sampling_ms: float) -> int:
    if sampling_ms <= 0:
        return MIN_QUEUE
    return int(min(MAX_QUEUE, max(MIN_QUEUE, math.ceil(publishing_ms / sampling_ms) + 1)))


def _monitor_request(node: Node, tag: TagConfig, handle: int) -> ua.MonitoredItemCreateRequest:
    data_filter = None
    if tag.deadband > 0 and tag.data_type == "float":
        data_filter = ua.DataChangeFilter()
        data_filter.Trigger = ua.DataChangeTrigger.StatusValue
        data_filter.DeadbandType = ua.DeadbandType.Absolute
        data_filter.DeadbandValue = float(tag.deadband)
    # QueueSize is sized to the granted publishing interval in _subscribe.
    return monitor_request(node.nodeid, handle, float(tag.sampling_ms), MIN_QUEUE, data_filter)


def _rows_to_batch(rows: list[tuple[int, float, float, float, float, int]]) -> SampleBatch:
    if not rows:
        return SampleBatch.empty()
    cols = list(zip(*rows, strict=True))
    return SampleBatch.from_columns(*cols)
