"""Re-annunciation policy for alarms coming back from shelved, suppressed or out of service.

When a shelve expires (or is lifted, or a suppression condition ends, or an
alarm returns to service) the alarm goes quietly to Normal and is evaluated
again. If its condition is still there it must be annunciated again (the
operator has to know), but a set of shelves expiring together, or a machine
restart ending a suppression, must not flood the operator. So those
re-annunciations go through a token bucket: ``burst`` at once, then
``rate_per_s``, most important priority first; the ones waiting stay quietly
Normal and are re-checked at every tick; if their condition clears meanwhile
they are simply never annunciated.
"""

from __future__ import annotations


class ReentryThrottle:
    def __init__(self, burst: int = 3, rate_per_s: float = 0.5):
        if burst < 1 or rate_per_s <= 0:
            raise ValueError("burst must be >= 1 and rate_per_s > 0")
        self.burst = int(burst)
        self.rate_per_s = float(rate_per_s)
        self._tokens = float(burst)
        self._at: float | None = None

    def available(self, now: float) -> int:
        """Refill for the time since the last call; how many re-annunciations may go now."""
        if self._at is not None and now > self._at:
            self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate_per_s)
        self._at = now if self._at is None else max(self._at, now)
        return int(self._tokens)

    def take(self, n: int = 1) -> None:
        self._tokens = max(0.0, self._tokens - n)
