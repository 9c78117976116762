"""Alarm state in the journal: replaying alarm events, and an in-memory journal.

Every alarm transition event's ``data`` holds a full snapshot of the alarm
(``event = "transition"``); a checkpoint event (``event = "checkpoint"``)
holds the snapshots of all alarms that were not normal at that time, so the
state at any moment is "the last checkpoint, then the later transitions".
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from hmi.core.events import EventKind, JournalEvent


def latest_snapshots(events: Iterable[JournalEvent]) -> dict[str, tuple[dict[str, Any], float]]:
    """alarm id -> (snapshot, ts) as of the last of the given events (any order in, time order applied)."""
    snaps: dict[str, tuple[dict[str, Any], float]] = {}
    for ev in sorted(events, key=lambda e: e.ts):
        if str(ev.kind) != EventKind.ALARM.value:
            continue
        data = ev.data if isinstance(ev.data, dict) else {}
        if data.get("event") == "checkpoint":
            snaps = {
                s["alarm"]: (s, ev.ts) for s in data.get("alarms", []) if isinstance(s, dict) and "alarm" in s
            }
        elif data.get("event") == "transition" and "alarm" in data:
            snaps[data["alarm"]] = (data, ev.ts)
    return snaps


class MemoryJournal:
    """An in-memory AlarmJournal: for tests, benchmarks and a run with no journal file."""

    def __init__(self) -> None:
        self.events: list[JournalEvent] = []
        self._lock = threading.Lock()

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
