"""The parts of an OPC UA session's life that the tag connector and the camera client share.

asyncua's supervisor handles losses *after* a first successful connect; the
first connect is ours to retry, with backoff, until it works or we are
stopped. And a stopped session must leave no task behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable


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
