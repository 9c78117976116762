"""PLC counters -> units counted, with roll-over and PLC resets.

A PLC counter only ever goes up, except when it wraps (a 16-bit word goes
65535 -> 0) or when the PLC resets it (new batch, power cycle). Both show as a
drop in the value; which one it was decides the count:

- roll-over (`rollover` = N configured, the value was in the upper half and is
  now in the lower half): the step is ``new + N - old``, nothing is lost;
- anything else is a reset (with a roll-over counter, a reset from the upper
  half cannot be told from a wrap and is counted as one): counting restarted from 0, so the step is ``new``.
  Units counted between the last sample before the reset and the reset itself
  cannot be known: the reset is kept as a `CounterEvent` and every figure over
  a range that holds one says so.

Bad-quality samples are skipped: the step across a Bad stretch is taken
between the good samples on either side, so nothing is counted twice or lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class CounterEvent:
    tag: str
    ts: float
    kind: str  # "reset" | "rollover"
    before: float
    after: float

    def describe(self, fmt_time: str = "") -> str:
        when = fmt_time or f"{self.ts:.0f}"
        if self.kind == "rollover":
            return f"{self.tag} rolled over at {when} ({self.before:g} -> {self.after:g}), counted through"
        return (
            f"{self.tag} was reset by the PLC at {when} ({self.before:g} -> {self.after:g}): units counted "
            "just before the reset may be missing"
        )


@dataclass(frozen=True, slots=True)
class CounterTrack:
    """Units counted since the first good sample, as a step function of time."""

    tag: str
    ts: np.ndarray  # good sample times, ascending
    cum: np.ndarray  # units counted from ts[0] up to each sample
    events: tuple[CounterEvent, ...] = ()

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    def at(self, t: float | np.ndarray) -> np.ndarray:
        """Cumulative count at the last sample at or before `t` (0 before the first sample)."""
        if not len(self):
            return np.zeros(np.shape(t))
        i = np.searchsorted(self.ts, t, side="right") - 1
        return np.where(i >= 0, self.cum[np.clip(i, 0, None)], 0.0)

    def between(self, a: float, b: float) -> float:
        """Units counted in [a, b): samples with a <= ts < b, against the last one before a."""
        lo = float(self.at(np.nextafter(a, -np.inf)))
        hi = float(self.at(np.nextafter(b, -np.inf)))
        return hi - lo

    def first_step(self, a: float, b: float) -> float:
        """Units that came with the first sample in [a, b): they may have been made before a."""
        i = int(np.searchsorted(self.ts, np.nextafter(a, -np.inf), side="right"))
        if i == 0 or i >= len(self) or self.ts[i] >= b:
            return 0.0
        return float(self.cum[i] - self.cum[i - 1])

    def events_in(self, a: float, b: float) -> list[CounterEvent]:
        return [e for e in self.events if a <= e.ts < b]

    @classmethod
    def empty(cls, tag: str = "") -> CounterTrack:
        return cls(tag, np.empty(0), np.empty(0))


def counter_track(
    tag: str, ts: np.ndarray, value: np.ndarray, ok: np.ndarray, rollover: int = 0
) -> CounterTrack:
    """Build the track from raw samples (sorted by time); `ok` marks good-quality samples."""
    keep = np.asarray(ok, dtype=bool) & np.isfinite(value)
    t = np.asarray(ts, dtype=np.float64)[keep]
    v = np.asarray(value, dtype=np.float64)[keep]
    if t.size == 0:
        return CounterTrack.empty(tag)
    step = np.diff(v)
    drop = step < 0
    events: list[CounterEvent] = []
    if drop.any():
        prev, new = v[:-1], v[1:]
        if rollover > 0:
            half = rollover / 2.0
            wrap = drop & (prev >= half) & (new < half)
        else:
            wrap = np.zeros_like(drop)
        reset = drop & ~wrap
        step = np.where(wrap, new + rollover - prev, step)
        step = np.where(reset, new, step)
        for i in np.flatnonzero(drop):
            kind = "rollover" if wrap[i] else "reset"
            events.append(CounterEvent(tag, float(t[i + 1]), kind, float(prev[i]), float(new[i])))
    cum = np.concatenate(([0.0], np.cumsum(step)))
    return CounterTrack(tag, t, cum, tuple(events))
