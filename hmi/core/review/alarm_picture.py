"""The alarm picture at a chosen instant, rebuilt from the journal: which alarms were active,
unacknowledged, shelved or out of service at 10:42 (the last checkpoint before it, then the later
transitions, the same rule as the alarm engine's restart; `hmi.core.alarms.event_codec`)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from hmi.core.alarms.event_codec import AlarmSnapshot, latest_snapshots, raised_value
from hmi.core.alarms.model import AlarmState, state_and_since
from hmi.core.events import EventKind
from hmi.core.journal_read import StoredEvent
from hmi.core.tag_info import TagInfo


@dataclass(frozen=True)
class PictureRow:
    snapshot: AlarmSnapshot
    row_ts: float  # time of its last journaled transition

    @property
    def since(self) -> float:
        """When it entered this state (older journals: the last transition's time)."""
        return state_and_since(self.snapshot, self.row_ts)[1] or self.row_ts

    def raised_text(self, infos: dict[str, TagInfo]) -> str:
        """How it was raised: its journaled message (the alarm list's words, with the value that raised
        it); an older journal's snapshot without one: that value (`event_codec.raised_value`, never a
        value read again) at the tag's display precision, as every screen writes the tag's values (a
        tag the record does not describe: as recorded, nothing says how precise it is)."""
        s = self.snapshot
        if s.message:
            return s.message
        v, info = raised_value(s), infos.get(s.tag)
        if v is None:
            return ""
        return f"value {info.format_with_unit(v) if info is not None else f'{v:g}'}"

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
    of the alarm events before it (a shift has hundreds to a few thousand).

    A move forward from the last instant asked (playback, a drag to the right) replays only the events
    between the two; any other move starts from the nearest stored replay point. Each snapshot is
    decoded once and kept (the same alarm state is shown at every cursor position until it changes)."""

    STRIDE = 256  # a stored replay point every this many alarm events: a move replays at most that many

    def __init__(self, events: Sequence[StoredEvent]) -> None:
        self._events = sorted((e for e in events if e.kind == EventKind.ALARM), key=lambda e: e.ts)
        self._times = [e.ts for e in self._events]
        # _marks[j]: the replay of the first j * STRIDE events, up to and including all of them (a
        # cursor after the last event of a record whose count is a multiple of STRIDE reads the last).
        snaps: dict[str, tuple[dict[str, Any], float]] = {}
        self._marks: list[dict[str, tuple[dict[str, Any], float]]] = [snaps]
        for k in range(self.STRIDE, len(self._events) + 1, self.STRIDE):
            snaps = latest_snapshots(self._events[k - self.STRIDE : k], start=snaps)
            self._marks.append(snaps)
        self._last: tuple[int, dict[str, tuple[dict[str, Any], float]]] = (0, {})  # (events replayed, result)
        self._decoded: dict[tuple[str, float], tuple[dict[str, Any], AlarmSnapshot]] = {}

    def _snapshots(self, n: int) -> dict[str, tuple[dict[str, Any], float]]:
        """The replay of the first n alarm events: resumed from the last one when that is on the way."""
        last_n, last = self._last
        if last_n <= n <= last_n + self.STRIDE:
            snaps = latest_snapshots(self._events[last_n:n], start=last) if n > last_n else last
        else:
            k = n // self.STRIDE
            snaps = latest_snapshots(self._events[k * self.STRIDE : n], start=self._marks[k])
        self._last = (n, snaps)
        return snaps

    def _decode(self, data: dict[str, Any], ts: float) -> AlarmSnapshot:
        key = (str(data.get("alarm", "")), ts)
        hit = self._decoded.get(key)
        if hit is not None and hit[0] == data:
            return hit[1]
        snap = AlarmSnapshot.from_data(data)
        self._decoded[key] = (data, snap)
        return snap

    def at(self, t: float) -> list[PictureRow]:
        """Alarms not normal at time t (or shelved / out of service), most urgent first."""
        rows = []
        for data, ts in self._snapshots(bisect.bisect_right(self._times, t)).values():
            snap = self._decode(data, ts)
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
