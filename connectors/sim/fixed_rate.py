"""The simulator's loops (line tick, bulk tags, camera) run on one fixed-rate schedule.

Tick k is due at t0 + k * period on the event loop's clock, so the rate does not drift
with the time each tick takes. Behind schedule a tick comes at once, but after a
`sleep(0)` so the OPC UA server still answers its clients; more than `skip_after_s`
behind (machine suspended, debugger) the schedule restarts from now instead of racing
to catch up with a burst.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable


async def fixed_rate(
    period: float, *, skip_after_s: float = 1.0, on_skip: Callable[[], None] | None = None
) -> AsyncIterator[int]:
    """Yield 1, 2, 3... at each due time; `on_skip()` each time the schedule restarts."""
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    k = 0
    while True:
        k += 1
        delay = t0 + k * period - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            await asyncio.sleep(0)
            if delay < -skip_after_s:
                if on_skip is not None:
                    on_skip()
                t0 = loop.time() - k * period
        yield k
