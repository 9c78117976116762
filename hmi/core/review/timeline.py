"""The shift timeline as plain data: a lane of state bars per machine, marker lanes for alarms, operator
actions, QC, advisories and connection, and the gaps where nothing was recorded.

Built from the journal's events alone (machine_state events carry each state change with its label and
fault), so it opens in one pass over the events of the files, without reading any sample. A report of
one period (`build_timeline(source, period=...)`) reads only that period's events plus what the state at
its start is replayed from (each machine's last state event, each alarm's last transition and the last
alarm checkpoint before it), not the whole record.

Stop edits journaled through the audited path (a classification, a split, a note: the Production view's
or the review's "write to the journal") are drawn on their machine's lane at the stop's start
(`StopMark`); `Timeline.add_events` takes the rows the review has just written, so an open workspace
shows its own classification at once.
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hmi.core.alarms.event_codec import TransitionCause, transition_brief
from hmi.core.events import EventKind, Severity
from hmi.core.journal_read import StoredEvent
from hmi.core.production.stops import STOP_ACTIONS
from hmi.core.record_gaps import link_down
from hmi.core.review.record import ReviewRecord

# States drawn in an alarm colour; every other state is a grey (ISA-101: colour only for abnormal).
ABNORMAL_STATES = frozenset({"Faulted", "Fault", "Tripped", "Bad"})

LANES = ("alarms", "operator", "qc", "advisory", "connection")
_LANE_OF = {
    EventKind.OPERATOR_ACTION: "operator",
    EventKind.AUDIT: "operator",
    EventKind.QC: "qc",
    EventKind.ADVISORY: "advisory",
    EventKind.CONNECTION: "connection",
    EventKind.DATA_GAP: "connection",
}


@dataclass(frozen=True)
class StateBar:
    machine: str
    t0: float
    t1: float
    state: str
    fault: str = ""

    @property
    def abnormal(self) -> bool:
        return self.state in ABNORMAL_STATES or bool(self.fault and self.fault != "None")


@dataclass(frozen=True)
class Marker:
    t: float
    lane: str
    text: str
    severity: int
    event_id: int
    source: str = ""


@dataclass(frozen=True)
class StopMark:
    """A stop edit in the journal (audited): drawn on its machine's lane at the stop's start."""

    machine: str
    t: float  # the stop's start
    text: str  # the audit row's message: who, what reason or note, where it was made
    event_id: int


NOT_RUNNING = "LineHMI was not running"  # the text of a Gap nothing was recorded in


class GapKind(enum.Enum):
    """Why nothing was read in a gap: what a reader decides on (its text is for people)."""

    NOT_RUNNING = "not running"  # LineHMI was not running: nothing recorded at all
    LINK_DOWN = "link down"  # a `data_gap` of every tag: the server link was down
    TAGS = "tags"  # a `data_gap` of some tags only: the machine states may have been read

    @property
    def unread(self) -> str:
        """What a machine state with no reading in such a gap is called."""
        if self is GapKind.NOT_RUNNING:
            return "not recorded (LineHMI not running)"
        return "not read (server link down)" if self is GapKind.LINK_DOWN else "not read (no data)"


# Gaps in which no machine state was read at all (a state held from before is not known there).
BLIND = (GapKind.NOT_RUNNING, GapKind.LINK_DOWN)


@dataclass(frozen=True)
class Gap:
    t0: float
    t1: float
    text: str
    kind: GapKind


@dataclass
class Timeline:
    t0: float
    t1: float
    machines: list[tuple[str, str]]  # (id, display name), lane order
    bars: list[StateBar]
    markers: list[Marker]
    gaps: list[Gap]
    events: list[StoredEvent]  # every event, time order: the event browser's rows and the markers' details
    stop_marks: list[StopMark] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Per machine, bars in time order with their start times: state_at is a bisect per cursor move.
        self.gaps.sort(key=lambda g: g.t0)
        self._gap_starts = [g.t0 for g in self.gaps]
        self._bars: dict[str, tuple[list[float], list[StateBar]]] = {}
        for bar in sorted(self.bars, key=lambda b: b.t0):
            starts, bars = self._bars.setdefault(bar.machine, ([], []))
            starts.append(bar.t0)
            bars.append(bar)

    def state_at(self, machine: str, t: float) -> StateBar | None:
        starts, bars = self._bars.get(machine, ([], []))
        k = bisect.bisect_right(starts, t) - 1
        return bars[k] if k >= 0 and t < bars[k].t1 else None

    def gap_at(self, t: float) -> Gap | None:
        """The stretch with nothing recorded that holds t (link down, LineHMI not running), if any."""
        k = bisect.bisect_right(self._gap_starts, t)
        return next((g for g in reversed(self.gaps[:k]) if g.t0 <= t < g.t1), None)

    def next_marker_after(self, t: float, lanes: tuple[str, ...] = LANES) -> Marker | None:
        """For playback's "next event": the first marker strictly after t in the lanes shown."""
        times = [m.t for m in self.markers]
        for m in self.markers[bisect.bisect_right(times, t) :]:
            if m.lane in lanes:
                return m
        return None

    def event(self, event_id: int) -> StoredEvent | None:
        return next((e for e in self.events if e.id == event_id), None)

    def add_events(self, events: Iterable[StoredEvent]) -> None:
        """Events written to the files after this timeline was read (the audit rows of a stop reason
        the review has just written): the event list, the markers and the stop marks take them as
        a timeline read from the files now would (tests/test_review_stop_marks.py)."""
        new = sorted(events, key=lambda e: (e.ts, e.id))
        if not new:
            return
        markers, gaps, marks = _marks(new)
        self.events = sorted([*self.events, *new], key=lambda e: (e.ts, e.id))
        self.markers = sorted([*self.markers, *markers], key=lambda m: (m.t, m.event_id))
        self.stop_marks = sorted([*self.stop_marks, *marks], key=lambda m: (m.t, m.event_id))
        self.gaps += gaps
        if any(e.kind in (EventKind.MACHINE_STATE, EventKind.DATA_GAP) for e in new):
            self.bars = _state_bars(self.events, [m for m, _ in self.machines], self.t1, _blind(self.gaps))
        self.__post_init__()


def build_timeline(source: ReviewRecord, period: tuple[float, float] | None = None) -> Timeline:
    """The record's timeline; with `period` (t0, t1), the timeline of that period only: its events,
    plus the events its start is replayed from (`ReviewRecord.last_events_before`: each machine's
    last state and each alarm's last transition or checkpoint before t0). Its state bars (cut at
    the period's end), alarm picture and events inside the period are those of the whole record's
    timeline (a report of one shift of a week of files then decodes that shift, not the week)."""
    t0, t1 = source.t0, source.t1
    bars_end = t1
    if period is None:
        events = source.events()
    else:
        a, b = period
        context = source.last_events_before(a, [EventKind.MACHINE_STATE, EventKind.ALARM])
        events = sorted([*context, *source.events(a, b)], key=lambda e: (e.ts, e.id))
        bars_end = min(t1, b)  # what comes after the period is not read: its last bars end with it
    machines = source.machines()
    markers, gaps, marks = _marks(events)
    for a, b in source.not_recording():
        gaps.append(Gap(a, b, NOT_RUNNING, GapKind.NOT_RUNNING))
    bars = _state_bars(events, [m for m, _ in machines], bars_end, _blind(gaps))
    markers.sort(key=lambda m: (m.t, m.event_id))
    marks.sort(key=lambda m: (m.t, m.event_id))
    return Timeline(t0, t1, machines, bars, markers, gaps, events, marks)


def _marks(events: Iterable[StoredEvent]) -> tuple[list[Marker], list[Gap], list[StopMark]]:
    """The markers, recorded gaps and stop marks of these events."""
    markers: list[Marker] = []
    gaps: list[Gap] = []
    marks: list[StopMark] = []
    for ev in events:
        if ev.kind == EventKind.ALARM:
            brief = transition_brief(ev)
            if brief is None or brief[2] not in (
                TransitionCause.ACTIVATE,
                TransitionCause.ACKNOWLEDGE,
                TransitionCause.CLEAR,
                TransitionCause.SHELVE,
                TransitionCause.OUT_OF_SERVICE,
            ):
                continue
            alarm, name, action, user = brief
            who = f" by {user}" if user else ""
            text = f"{name or alarm}: {action}{who}"
            markers.append(Marker(ev.ts, "alarms", text, int(ev.severity), ev.id, alarm))
        elif ev.kind == EventKind.DATA_GAP:
            g0, g1 = ev.data.get("start"), ev.data.get("end")
            if isinstance(g0, int | float) and isinstance(g1, int | float) and g1 > g0:
                # The link's outages by the one rule of record_gaps.link_down.
                kind = GapKind.LINK_DOWN if link_down([ev]) else GapKind.TAGS
                gaps.append(Gap(float(g0), float(g1), ev.message, kind))
            markers.append(Marker(ev.ts, "connection", ev.message, int(ev.severity), ev.id, ev.source))
        elif ev.kind in _LANE_OF:
            if (
                ev.kind == EventKind.QC
                and int(ev.severity) < Severity.WARNING
                and "reject" not in ev.message.lower()
            ):
                continue  # the QC lane shows rejects and QC problems, not every good bottle
            markers.append(
                Marker(ev.ts, _LANE_OF[EventKind(ev.kind)], ev.message, int(ev.severity), ev.id, ev.source)
            )
            mark = _stop_mark(ev)
            if mark is not None:
                marks.append(mark)
    return markers, gaps, marks


def _stop_mark(ev: StoredEvent) -> StopMark | None:
    """The stop edit an audit row records (the rule of hmi.core.production.journal_io.read_edits)."""
    d = ev.data
    if ev.kind != EventKind.AUDIT or d.get("action") not in STOP_ACTIONS or d.get("result") != "ok":
        return None
    start = d.get("stop_start")
    if not isinstance(start, int | float) or not d.get("machine"):
        return None
    return StopMark(str(d["machine"]), float(start), ev.message, ev.id)


def _blind(gaps: Iterable[Gap]) -> list[tuple[float, float]]:
    """Where no machine state was read: LineHMI not running, and the server link down for every tag
    (a `data_gap` of "all" tags; a backfill note only says what history filled in afterwards)."""
    return sorted({(g.t0, g.t1) for g in gaps if g.kind in BLIND})


def _seen_parts(ta: float, tb: float, blind: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The parts of a state held from a reading at ta to the next change at tb that were seen: a
    stretch nobody read that starts at or after the reading hides it until the stretch ends (a
    reading inside a stretch, e.g. backfilled from the server's history, is known from then on)."""
    hidden = sorted((g0, min(g1, tb)) for g0, g1 in blind if ta <= g0 < tb)
    parts: list[tuple[float, float]] = []
    a = ta
    for g0, g1 in hidden:
        if g0 > a:
            parts.append((a, g0))
        a = max(a, g1)
    if tb > a:
        parts.append((a, tb))
    return parts


def _state_bars(
    events: list[StoredEvent], machines: list[str], t_end: float, blind: Sequence[tuple[float, float]] = ()
) -> list[StateBar]:
    """Each machine's states as bars from its `machine_state` events, held to the next change, and
    never across `blind` stretches (qa7 G28: a 23 s server outage was counted as Running in the
    report's time per state): there the lane has no bar, the state is not known."""
    changes: dict[str, list[tuple[float, str, str]]] = {m: [] for m in machines}
    for ev in events:
        if ev.kind == EventKind.MACHINE_STATE and ev.source in changes:
            changes[ev.source].append(
                (ev.ts, str(ev.data.get("state") or "?"), str(ev.data.get("fault") or ""))
            )
    bars = []
    for machine, seq in changes.items():
        if not seq:
            continue  # a machine without a state event in the files: no bar, nothing to pair
        seq.sort()
        # a machine with no state change in the record (e.g. a journal of samples only) has no bars
        for (ta, state, fault), nxt in zip(seq, [*seq[1:], None][: len(seq)], strict=True):
            tb = nxt[0] if nxt is not None else t_end
            for a, b in _seen_parts(ta, tb, blind):
                bars.append(StateBar(machine, a, b, state, fault))
    return bars
