"""An in-memory journal for the alarm engine (tests, benchmarks, a run with no journal file).

The alarm events' format and their replay live in `hmi.core.alarms.event_codec`;
`latest_snapshots` is re-exported here for the callers that import it from this module.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from hmi.core.alarms.event_codec import latest_snapshots
from hmi.core.events import EventKind, JournalEvent
from hmi.core.journal import JournalStats


class MemoryJournal:
    """An in-memory AlarmJournal: for tests, benchmarks and a run with no journal file.

    It reads like a journal to the screens (hmi.ui.services.JournalReader), with
    nothing on disk: no directory, no files, no write statistics.
    """

    directory: Path | None = None
    path: Path | None = None
    stats: JournalStats | None = None

    def __init__(self) -> None:
        self.events: list[JournalEvent] = []
        self._lock = threading.Lock()

    def files(self) -> list[Path]:
        return []

    def write_event(self, ev: JournalEvent) -> int:
        with self._lock:
            self.events.append(ev)
            return len(self.events)

    def write_events(self, evs: Iterable[JournalEvent]) -> list[int]:
        with self._lock:
            start = len(self.events)
            self.events.extend(evs)
            return list(range(start + 1, len(self.events) + 1))

    def read_events(
        self,
        since: float | None = None,
        until: float | None = None,
        kinds: Iterable[EventKind | str] | None = None,
    ) -> list[JournalEvent]:
        wanted = {str(k) for k in kinds} if kinds is not None else None
        with self._lock:
            evs = list(self.events)
        return sorted(
            (
                e
                for e in evs
                if (since is None or e.ts >= since)
                and (until is None or e.ts < until)
                and (wanted is None or str(e.kind) in wanted)
            ),
            key=lambda e: e.ts,
        )

    def of_kind(self, kind: EventKind | str) -> list[JournalEvent]:
        with self._lock:
            return [e for e in self.events if str(e.kind) == str(kind)]


__all__ = ["MemoryJournal", "latest_snapshots"]
