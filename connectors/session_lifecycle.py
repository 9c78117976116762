"""The parts of an OPC UA session's life that the tag connector and the camera client share.

asyncua's supervisor handles losses *after* a first successful connect; the
first connect is ours to retry, with backoff, until it works or we are
stopped. And a stopped session must leave no task behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable


class ConnectRefused(Exception):
    """A failure that retrying cannot fix (untrusted certificate, bad credentials after the
    allowed tries, no matching endpoint): the connector stops retrying and waits for a
    person to act (trust the certificate, fix the config) instead of hammering the server,
    which may lock the account."""


async def connect_with_retry(
    stopping: asyncio.Event,
    attempt: Callable[[], Awaitable[None]],
    on_failure: Callable[[BaseException, float], Awaitable[None]],
    max_delay_s: float,
    retry_now: asyncio.Event | None = None,
) -> bool:
    """Call `attempt` until it succeeds (True) or `stopping` is set (False).

    After each failure `on_failure(exc, delay)` cleans up and reports, then we
    wait `delay` seconds (1, 2, 4... up to `max_delay_s`) or until stopped.
    After a `ConnectRefused` (delay reported as inf) we wait for `retry_now`
    (someone trusted the certificate) or for the stop, never on a timer.
    """
    delay = 1.0
    while not stopping.is_set():
        try:
            await attempt()
            return True
        except asyncio.CancelledError:
            raise
        except ConnectRefused as exc:
            await on_failure(exc, float("inf"))
            if retry_now is None:
                return False
            await wait_first(stopping, retry_now)
            retry_now.clear()
            delay = 1.0
        except Exception as exc:
            await on_failure(exc, delay)
            waits = [stopping] if retry_now is None else [stopping, retry_now]
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(wait_first(*waits), delay)
            if retry_now is not None:
                retry_now.clear()
            delay = min(delay * 2, max_delay_s)
    return False


async def wait_first(*events: asyncio.Event) -> None:
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()


async def cancel_tasks(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel and await every task (their errors were already reported), then forget them."""
    for t in tasks:
        t.cancel()
    for t in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await t
    tasks.clear()
