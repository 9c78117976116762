"""Fill a disconnection's gap from the server's history (OPC UA HistoryRead, raw). No Qt.

When the link comes back, the connector knows when it went (`t0`, the instant
it marked every tag BadNotConnected) and when it returned (`t1`). If the
server keeps history (OPC UA Part 11, ReadRawModifiedDetails), the values of
that stretch are read back and delivered like any other batch, marked as
backfilled, so the journal and the trends have them and show where they came
from. A server without history (or a node without it) leaves the gap as it is.

How a backfilled sample is marked: its StatusCode keeps the server's top 16
bits (severity and sub-code, so quality and status names are unchanged) and
gets `hmi.core.trend_data.BACKFILLED` OR-ed into the low bits: InfoType =
DataValue (bit 10, "historian bits are valid", Part 4 7.39) plus bit 5, which
Part 4 reserves in the DataValue InfoBits and LineHMI uses as its private
"came from HistoryRead after a disconnection" flag. The journal stores the
code as is; trends draw such stretches as "backfilled"; the CSV export has a
`backfilled` column. These codes are never written back to a server.

Besides the raw values inside (t0, t1), each node gets one sample at t0 that
repeats the last historical value at or before t0 (HistorianBits =
Interpolated: it is a held value re-stamped, not a raw sample): with on-change
(deadband) data a tag that did not change during the outage has no raw value
inside the gap, yet its value was known all along.

Call it from the I/O loop as a task of its own (it awaits the network and
yields between chunks, so live notifications keep flowing):

    batch = await backfill(client, nodes, tag_indices, t0, t1)
    on_batch(batch)    # journal + screens, like any batch (it arrives out of time order)
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from asyncua import Client, Node, ua

from hmi.core.quality import BACKFILLED, BAD_TYPE_MISMATCH, HISTORIAN_INTERPOLATED, is_bad, status_name
from hmi.core.samples import SampleBatch

log = logging.getLogger(__name__)

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
# Services/operations a server answers when it keeps no history: the gap stays.
_NO_HISTORY = {
    ua.StatusCodes.BadServiceUnsupported,
    ua.StatusCodes.BadHistoryOperationUnsupported,
    ua.StatusCodes.BadHistoryOperationInvalid,
    ua.StatusCodes.BadNotReadable,
    ua.StatusCodes.BadUserAccessDenied,
    ua.StatusCodes.BadNotImplemented,
    ua.StatusCodes.BadNotSupported,
    ua.StatusCodes.BadNodeIdUnknown,
    ua.StatusCodes.BadAttributeIdInvalid,
}


@dataclass
class BackfillResult:
    batch: SampleBatch
    t0: float
    t1: float
    samples: int = 0
    nodes_filled: int = 0  # nodes that returned at least one value
    nodes_without_history: list[int] = field(default_factory=list)  # tag indices
    truncated: list[int] = field(default_factory=list)  # tag indices capped at max_values_per_node
    errors: dict[int, str] = field(default_factory=dict)  # tag index -> why
    elapsed_s: float = 0.0
    supported: bool = True  # False: the server answered "no history" for the service as a whole

    def describe(self) -> str:
        span = f"{_hms(self.t0)}..{_hms(self.t1)}"
        if not self.supported:
            return f"server keeps no history: gap {span} stays"
        text = f"backfilled {self.samples} samples for {self.nodes_filled} tags from server history ({span})"
        if self.nodes_without_history:
            text += f"; {len(self.nodes_without_history)} tags without history keep the gap"
        if self.truncated:
            text += f"; {len(self.truncated)} tags capped (gap partly filled)"
        return text


def _hms(ts: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts)) if math.isfinite(ts) else "?"


def _to_dt(ts: float) -> _dt.datetime:
    return _EPOCH + _dt.timedelta(microseconds=round(ts * 1e6))


def _dt_ts(d: _dt.datetime | None) -> float:
    if d is None:
        return math.nan
    if d.tzinfo is None:
        d = d.replace(tzinfo=_dt.UTC)
    return (d - _EPOCH) / _dt.timedelta(seconds=1)


def _value(raw: object) -> float | None:
    if isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if isinstance(raw, int | float):
        return float(raw)
    if raw is None:
        return math.nan
    return None


def _rows(
    tag_idx: int, dvs: Sequence[ua.DataValue], now: float, t0: float, t1: float, extra: int = 0
) -> list[tuple]:
    out = []
    for dv in dvs:
        src = _dt_ts(dv.SourceTimestamp)
        srv = _dt_ts(dv.ServerTimestamp)
        if not math.isfinite(src):
            src = srv
        if not (math.isfinite(src) and t0 <= src < t1):
            continue
        code = dv.StatusCode.value if dv.StatusCode is not None else 0
        v = _value(dv.Value.Value if dv.Value is not None else None)
        if v is None:
            v, code = math.nan, BAD_TYPE_MISMATCH
        if is_bad(code):
            v = math.nan
        out.append((tag_idx, src, srv, now, v, (code | BACKFILLED | extra) & 0xFFFFFFFF))
    return out


async def _history_read(
    client: Client,
    nodes: Sequence[Node],
    details: ua.ReadRawModifiedDetails,
    cps: Sequence[bytes | None],
    release: bool = False,
) -> list[ua.HistoryReadResult]:
    params = ua.HistoryReadParameters()
    params.HistoryReadDetails = details
    params.TimestampsToReturn = ua.TimestampsToReturn.Both
    params.ReleaseContinuationPoints = release
    for node, cp in zip(nodes, cps, strict=True):
        rv = ua.HistoryReadValueId()
        rv.NodeId = node.nodeid
        rv.IndexRange = ""
        rv.ContinuationPoint = cp
        params.NodesToRead.append(rv)
    return list(await client.uaclient.history_read(params))


def _details(start: float, end: float, num: int) -> ua.ReadRawModifiedDetails:
    d = ua.ReadRawModifiedDetails()
    d.IsReadModified = False
    d.StartTime = _to_dt(start)
    d.EndTime = _to_dt(end)
    d.NumValuesPerNode = int(num)
    d.ReturnBounds = False
    return d


async def backfill_detailed(
    client: Client,
    nodes: Sequence[Node],
    tag_indices: Sequence[int],
    t0: float,
    t1: float,
    *,
    max_values_per_node: int = 100_000,
    nodes_per_request: int = 100,
    hold_start: bool = True,
    timeout_s: float = 60.0,
    live_from: Mapping[int, float] | None = None,
) -> BackfillResult:
    """HistoryRead (raw) of `nodes` over [t0, t1) with a report; see the module doc.

    `live_from`: tag index -> source time of the first value the link delivered live after it
    came back (the read after the reconnect): that tag's gap ends there, and the history's copy of
    that value and anything later is not backfilled (it is journaled already, live)."""
    started = time.perf_counter()
    if len(nodes) != len(tag_indices):
        raise ValueError(f"{len(nodes)} nodes but {len(tag_indices)} tag indices")
    res = BackfillResult(SampleBatch.empty(), t0, t1)
    if not nodes or not (math.isfinite(t0) and math.isfinite(t1)) or t1 <= t0:
        return res
    now = time.time()
    rows: list[tuple] = []
    deadline = time.monotonic() + timeout_s
    for c0 in range(0, len(nodes), nodes_per_request):
        chunk_nodes = list(nodes[c0 : c0 + nodes_per_request])
        chunk_idx = list(tag_indices[c0 : c0 + nodes_per_request])
        try:
            got = await _read_chunk(
                client, chunk_nodes, chunk_idx, t0, t1, max_values_per_node, now, res, deadline
            )
        except ua.UaStatusCodeError as exc:
            if exc.code in _NO_HISTORY:
                res.supported = False
                res.nodes_without_history.extend(tag_indices)
                log.info("server %s keeps no history (%s): the gap stays", client.server_url.geturl(), exc)
                break
            raise
        rows.extend(got)
        if hold_start:
            rows.extend(await _hold_rows(client, chunk_nodes, chunk_idx, t0, now, res))
        await asyncio.sleep(0)  # let live notifications through between chunks
    rows = _history_only(rows, live_from or {})
    if rows:
        cols = list(zip(*rows, strict=True))
        batch = SampleBatch.from_columns(*cols)
        order = np.lexsort((batch.source_ts, batch.tag_idx))
        res.batch = batch.take(order)
    res.samples = len(res.batch)
    res.nodes_filled = len(np.unique(res.batch.tag_idx)) if len(res.batch) else 0
    res.elapsed_s = time.perf_counter() - started
    return res


def _history_only(rows: list[tuple], live_from: Mapping[int, float]) -> list[tuple]:
    """Each historical sample once, and only inside its tag's gap.

    qa3 (step 12): a restarted simulator's history held its start-up value twice and the read after
    the reconnect had journaled it too: "backfilled 90 samples for 40 tags" were three identical
    rows per tag at one instant. A sample is (tag, source time, value) once (the raw value wins
    over the value held at t0, which comes after it in `rows`), and a tag's gap ends at the first
    value it got live after the reconnect."""
    seen: set[tuple[int, float, float | None]] = set()
    out = []
    for row in rows:
        tag, src, value = int(row[0]), float(row[1]), float(row[4])
        if src >= live_from.get(tag, math.inf):
            continue
        key = (tag, src, None if math.isnan(value) else value)
        if key in seen:
            continue
        seen.add(key)
        out.append(row)
    return out


async def _read_chunk(
    client: Client,
    nodes: list[Node],
    idx: list[int],
    t0: float,
    t1: float,
    cap: int,
    now: float,
    res: BackfillResult,
    deadline: float,
) -> list[tuple]:
    details = _details(t0, t1, cap)
    rows: list[tuple] = []
    counts = dict.fromkeys(idx, 0)
    pending = list(range(len(nodes)))
    cps: list[bytes | None] = [None] * len(nodes)
    while pending:
        results = await _history_read(client, [nodes[i] for i in pending], details, [cps[i] for i in pending])
        nxt = []
        for i, r in zip(pending, results, strict=True):
            code = r.StatusCode.value if r.StatusCode is not None else 0
            if is_bad(code):
                if code in _NO_HISTORY or code == ua.StatusCodes.BadNoData:
                    res.nodes_without_history.append(idx[i])
                else:
                    res.errors[idx[i]] = status_name(code)
                continue
            dvs = getattr(r.HistoryData, "DataValues", None) or []
            got = _rows(idx[i], dvs, now, t0, t1)
            room = cap - counts[idx[i]]
            if len(got) > room:
                got = got[:room]
            rows.extend(got)
            counts[idx[i]] += len(got)
            if r.ContinuationPoint and counts[idx[i]] < cap and dvs:
                cps[i] = r.ContinuationPoint
                nxt.append(i)
            elif r.ContinuationPoint:
                res.truncated.append(idx[i])
                # Part 11: a client that stops early releases the continuation point.
                try:
                    await _history_read(client, [nodes[i]], details, [r.ContinuationPoint], release=True)
                except Exception:
                    pass
        if nxt and time.monotonic() > deadline:
            res.truncated.extend(idx[i] for i in nxt)
            break
        pending = nxt
        if pending:
            await asyncio.sleep(0)
    return rows


async def _hold_rows(
    client: Client, nodes: list[Node], idx: list[int], t0: float, now: float, res: BackfillResult
) -> list[tuple]:
    """The last value at or before t0 per node, re-stamped at t0 (reverse read: start > end)."""
    details = _details(t0, t0 - 7 * 86_400.0, 1)
    try:
        results = await _history_read(client, nodes, details, [None] * len(nodes), release=False)
    except ua.UaStatusCodeError:
        return []
    rows = []
    for i, r in zip(range(len(nodes)), results, strict=True):
        code = r.StatusCode.value if r.StatusCode is not None else 0
        if r.ContinuationPoint:
            try:
                await _history_read(client, [nodes[i]], details, [r.ContinuationPoint], release=True)
            except Exception:
                pass
        if is_bad(code):
            continue
        dvs = getattr(r.HistoryData, "DataValues", None) or []
        if not dvs:
            continue
        dv = dvs[0]
        got = _rows(idx[i], [dv], now, -math.inf, t0 + 1e-6, HISTORIAN_INTERPOLATED)
        for row in got:
            rows.append((row[0], t0, row[2], row[3], row[4], row[5]))
    return rows


async def backfill(
    client: Client,
    nodes: list[Node],
    tag_indices: list[int],
    t0: float,
    t1: float,
    *,
    max_values_per_node: int = 100_000,
    nodes_per_request: int = 100,
    hold_start: bool = True,
    timeout_s: float = 60.0,
    live_from: Mapping[int, float] | None = None,
) -> SampleBatch:
    """Samples of `nodes` with t0 <= source time < t1 from the server's history, marked backfilled.

    Empty if the server keeps no history. Sorted by tag, then time. Raises only on
    transport errors (the link went again): the caller logs it and the gap stays.
    """
    result = await backfill_detailed(
        client,
        nodes,
        tag_indices,
        t0,
        t1,
        max_values_per_node=max_values_per_node,
        nodes_per_request=nodes_per_request,
        hold_start=hold_start,
        timeout_s=timeout_s,
        live_from=live_from,
    )
    return result.batch
