"""A server's OperationLimits, and calling services in chunks that respect them.

Small PLCs publish limits such as MaxNodesPerRead = 50; a request over the
limit is refused whole with BadTooManyOperations. We read the published
limits once per session and chunk every Read, Write and CreateMonitoredItems
by them. A server that enforces a limit it does not publish is handled too:
a chunk refused with BadTooManyOperations is split in half and retried, and
the size that worked is remembered.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from asyncua import Client, ua

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

_LIMIT_NODES = {
    "max_nodes_per_read": ua.ObjectIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerRead,
    "max_nodes_per_write": ua.ObjectIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerWrite,
    "max_monitored_items_per_call": (
        ua.ObjectIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall
    ),
    "max_nodes_per_browse": ua.ObjectIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerBrowse,
}
# Our own ceiling: one CreateMonitoredItems for 10,000 items makes a message larger than
# some servers accept even when they publish no limit.
DEFAULT_CHUNK = 1000


@dataclass(slots=True)
class OperationLimits:
    """0 = the server publishes no limit (then DEFAULT_CHUNK applies)."""

    max_nodes_per_read: int = 0
    max_nodes_per_write: int = 0
    max_monitored_items_per_call: int = 0
    max_nodes_per_browse: int = 0

    def chunk(self, name: str) -> int:
        limit = int(getattr(self, name))
        return min(limit, DEFAULT_CHUNK) if limit > 0 else DEFAULT_CHUNK

    def published(self) -> dict[str, int]:
        return {k: int(getattr(self, k)) for k in _LIMIT_NODES if getattr(self, k)}


async def read_operation_limits(client: Client) -> OperationLimits:
    names = list(_LIMIT_NODES)
    nodes = [client.get_node(f"i={_LIMIT_NODES[n]}") for n in names]
    limits = OperationLimits()
    try:
        dvs = await client.read_attributes(nodes)
    except Exception as exc:  # a server without the node: no published limits
        log.info("server publishes no OperationLimits (%s)", exc)
        return limits
    for name, dv in zip(names, dvs, strict=True):
        if dv.StatusCode is not None and not dv.StatusCode.is_good():
            continue
        v = dv.Value.Value if dv.Value is not None else None
        if isinstance(v, int) and v > 0:
            setattr(limits, name, v)
    return limits


def _too_many(exc: BaseException) -> bool:
    return isinstance(exc, ua.UaStatusCodeError) and exc.code in (
        ua.StatusCodes.BadTooManyOperations,
        ua.StatusCodes.BadTooManyMonitoredItems,
        ua.StatusCodes.BadEncodingLimitsExceeded,
        ua.StatusCodes.BadResponseTooLarge,
        ua.StatusCodes.BadRequestTooLarge,
    )


async def call_chunked(
    items: Sequence[T],
    size: int,
    call: Callable[[list[T]], Awaitable[list[R]]],
    on_size: Callable[[int], None] | None = None,
) -> list[R]:
    """`call` over consecutive chunks of at most `size` items; results in item order.

    A chunk refused as too large is halved (down to 1) and the smaller size kept
    for the rest; `on_size` hears about it so the next call starts there.
    """
    out: list[R] = []
    start = 0
    size = max(1, size)
    while start < len(items):
        chunk = list(items[start : start + size])
        try:
            res = await call(chunk)
        except Exception as exc:
            if not _too_many(exc) or size == 1:
                raise
            size = max(1, size // 2)
            log.warning("server refused %d items in one call (%s); trying %d", len(chunk), exc, size)
            if on_size is not None:
                on_size(size)
            continue
        out.extend(res)
        start += len(chunk)
    return out
