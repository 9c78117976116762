"""The alarm picture at a chosen instant, rebuilt from the journal: which alarms were active,
unacknowledged, shelved or out of service at 10:42 (the last checkpoint before it, then the later
transitions, the same rule as the alarm engine's restart; `hmi.core.alarms.event_codec`)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from hmi.core.alarms.event_codec import AlarmSnapshot, latest_snapshots
from hmi.core.alarms.model import AlarmState
from hmi.core.events import EventKind
from hmi.core.journal_read import StoredEvent


@dataclass(frozen=True)
class PictureRow:
    snapshot: AlarmSnapshot
    since: float  # time of the transition that put it in this state

    @property
    def status(self) -> str:
        """The alarm engine's own state label (hmi.core.alarms.model), as the alarm list shows it."""
        return self.state.label

    @property
    def state(self) -> AlarmState:
        s = self.snapshot
        try:
            state = AlarmState(s.state)
        except ValueError:  # a journal row without a known state: derive it from the flags
            state = None
        if state is not None and not (state == AlarmState.SHELVED and s.shelved_until is None):
            return state
        if s.out_of_service:
            return AlarmState.OUT_OF_SERVICE
        if s.suppressed:
            return AlarmState.SUPPRESSED
        if s.active:
            return AlarmState.ACKED if s.acked else AlarmState.UNACKED
        if not s.acked:
            return AlarmState.RTN_UNACKED
        return AlarmState.LATCHED if s.latched else AlarmState.NORMAL


class AlarmPicture:
    """Alarm events of a review, indexed by time, so that scrubbing a cursor costs one bisect + a replay
    of the alarm events before it (a shift has hundreds to a few thousand)."""

    STRIDE = 256  # a stored replay point every this many alarm events: a move replays at most that many

    def __init__(self, events: Sequence[StoredEvent]) -> None:
        self._events = sorted((e for e in events if e.kind == EventKind.ALARM), key=lambda e: e.ts)
        self._times = [e.ts for e in self._events]
        self._marks: list[dict[str, tuple[dict[str, Any], float]]] = []
        snaps: dict[str, tuple[dict[str, Any], float]] = {}
        for k in range(0, len(self._events), self.STRIDE):
            self._marks.append(snaps)
            snaps = latest_snapshots(self._events[k : k + self.STRIDE], start=snaps)

    def at(self, t: float) -> list[PictureRow]:
        """Alarms not normal at time t (or shelved / out of service), most urgent first."""
        n = bisect.bisect_right(self._times, t)
        k = n // self.STRIDE
        start = self._marks[k] if k < len(self._marks) else None
        rows = []
        for data, ts in latest_snapshots(self._events[k * self.STRIDE : n], start=start).values():
            snap = AlarmSnapshot.from_data(data)
            if snap.advisory:
                continue
            if not (
                snap.active
                or not snap.acked
                or snap.latched
                or snap.shelved_until is not None
                or snap.out_of_service
            ):
                continue
            if snap.shelved_until is not None and snap.shelved_until <= t:
                snap = replace(snap, shelved_until=None)  # the shelve had run out by then
            row = PictureRow(snap, ts)
            if row.state is not AlarmState.NORMAL:  # a run-out shelve on a normal alarm: not standing
                rows.append(row)
        rows.sort(key=lambda r: (r.snapshot.priority_level or 99, -(r.snapshot.activated_at or 0.0)))
        return rows
