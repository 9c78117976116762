"""The parts of an OPC UA session's life that the tag connector and the camera client share.

Both open a client the same way, name their nodes the same way (`ns=` or `nsu=`),
monitor items with the same parameters, follow the session's state the same way
and close it the same way; only what they subscribe to and what they do with a
notification differ.

asyncua's supervisor handles losses *after* a first successful connect; the
first connect is ours to retry, with backoff, until it works or we are
stopped. And a stopped session must leave no task behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from asyncua import Client, ua
from asyncua.client.ua_client import UaClientState

from hmi.core.runtime_api import ConnectionState

_STATE_MAP = {
    UaClientState.CONNECTED: ConnectionState.CONNECTED,
    UaClientState.RECONNECTING: ConnectionState.RECONNECTING,
    UaClientState.DISCONNECTED: ConnectionState.DISCONNECTED,
    UaClientState.DISCONNECTING: ConnectionState.DISCONNECTED,
}


def new_client(
    endpoint: str, *, timeout_s: float, reconnect_max_delay_s: float, name: str, application_uri: str
) -> Client:
    """A client that reconnects by itself after a loss (asyncua's default is not to)."""
    client = Client(
        endpoint,
        timeout=float(timeout_s),
        auto_reconnect=True,
        reconnect_max_delay=float(reconnect_max_delay_s),
    )
    client.name = client.description = name
    client.application_uri = application_uri
    return client


def resolve_node_id(text: str, ns_array: list[str]) -> ua.NodeId:
    """A node id as configured: `ns=2;s=...`, or `nsu=<namespace uri>;s=...` (stable across servers)."""
    if text.startswith("nsu="):
        uri, _, rest = text[4:].partition(";")
        if uri not in ns_array:
            raise ValueError(f"namespace {uri!r} is not on the server (it has: {', '.join(ns_array)})")
        text = f"ns={ns_array.index(uri)};{rest}"
    return ua.NodeId.from_string(text)


def monitor_request(
    node_id: ua.NodeId, handle: int, sampling_ms: float, data_filter: ua.DataChangeFilter | None = None
) -> ua.MonitoredItemCreateRequest:
    """Report every change of the node's value. A queue of 4 per item: a value that changes twice
    (or an image that comes twice) inside one publishing interval is not lost."""
    params = ua.MonitoringParameters()
    params.ClientHandle = handle
    params.SamplingInterval = float(sampling_ms)
    params.QueueSize = 4
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


async def session_states(client: Client) -> AsyncIterator[ConnectionState]:
    """The session's state each time it changes (asyncua's supervisor reconnecting included)."""
    async with client.subscribe_state() as states:
        while True:
            try:
                ua_state = await states.next_change()
            except TimeoutError:
                continue
            yield _STATE_MAP.get(ua_state, ConnectionState.CONNECTING)


async def close_client(client: Client | None) -> None:
    """Disconnect, giving up after 3 s (a dead server must not hold a stop)."""
    if client is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.disconnect(), 3.0)


async def connect_with_retry(
    stopping: asyncio.Event,
    attempt: Callable[[], Awaitable[None]],
    on_failure: Callable[[BaseException, float], Awaitable[None]],
    max_delay_s: float,
) -> bool:
    """Call `attempt` until it succeeds (True) or `stopping` is set (False).

    After each failure `on_failure(exc, delay)` cleans up and reports, then we
    wait `delay` seconds (1, 2, 4... up to `max_delay_s`) or until stopped.
    """
    delay = 1.0
    while not stopping.is_set():
        try:
            await attempt()
            return True
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await on_failure(exc, delay)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stopping.wait(), delay)
            delay = min(delay * 2, max_delay_s)
    return False


async def cancel_tasks(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel and await every task (their errors were already reported), then forget them."""
    for t in tasks:
        t.cancel()
    for t in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await t
    tasks.clear()
