"""What the journal had to give up, kept in memory until it can say so in the journal itself.

Posted events (machine states, alarm transitions, QC verdicts, connection
changes) wait in the journal's queue while the disk is full, stalled or
read-only. Past the queue's bound, or when SQLite refuses a row for what it
contains, they are lost; `EventLoss` counts them by kind, keeps their time
span and sources, and becomes one SYSTEM event (severity ERROR) as soon as a
commit works again, so a reader sees "3 alarm events lost between 10:41 and
10:42 for filler.vib.hi" instead of a transition chain with a silent hole.
"""

from __future__ import annotations

import collections
import json
import math
from dataclasses import dataclass, field
from typing import Any

from hmi.core.events import EventKind, Severity

# (ts, kind, source, user, severity, message, data-json): one events-table row without commit time
EventRow = tuple[Any, ...]

_MAX_SOURCES = 100  # named in the loss event; the count says how many more


@dataclass
class EventLoss:
    counts: collections.Counter[str] = field(default_factory=collections.Counter)
    sources: set[str] = field(default_factory=set)
    first_ts: float = math.inf
    last_ts: float = -math.inf
    reasons: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.counts)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, rows: list[EventRow], reason: str) -> None:
        for row in rows:
            ts, kind, source = row[0], str(row[1]), str(row[2])
            self.counts[kind] += 1
            if source:
                self.sources.add(f"{kind}:{source}")
            if isinstance(ts, float | int) and math.isfinite(ts):
                self.first_ts = min(self.first_ts, float(ts))
                self.last_ts = max(self.last_ts, float(ts))
        if reason not in self.reasons:
            self.reasons.append(reason)

    def merge(self, other: EventLoss) -> None:
        self.counts.update(other.counts)
        self.sources |= other.sources
        self.first_ts = min(self.first_ts, other.first_ts)
        self.last_ts = max(self.last_ts, other.last_ts)
        for r in other.reasons:
            if r not in self.reasons:
                self.reasons.append(r)

    def describe(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.counts.items()))
        return f"{self.total} events ({kinds}) because {'; '.join(self.reasons)}"

    def to_row(self, now: float) -> EventRow:
        """The events-table row that records this loss (at the time of the first lost event)."""
        first = self.first_ts if math.isfinite(self.first_ts) else None
        last = self.last_ts if math.isfinite(self.last_ts) else None
        sources = sorted(self.sources)
        data = {
            "event": "events_lost",
            "lost": self.total,
            "by_kind": dict(sorted(self.counts.items())),
            "first_ts": first,
            "last_ts": last,
            "sources": sources[:_MAX_SOURCES],
            "n_sources": len(sources),
            "reasons": self.reasons,
        }
        return (
            first if first is not None else now,
            EventKind.SYSTEM.value,
            "journal",
            "",
            int(Severity.ERROR),
            f"journal lost {self.describe()}",
            json.dumps(data),
        )
