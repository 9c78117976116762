"""The shift timeline as plain data: a lane of state bars per machine, marker lanes for alarms, operator
actions, QC, advisories and connection, and the gaps where nothing was recorded.

Built from the journal's events alone (machine_state events carry each state change with its label and
fault), so it opens in one pass over the events of the files, without reading any sample.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from hmi.core.alarms.event_codec import TransitionCause, transition_brief
from hmi.core.events import EventKind, Severity
from hmi.core.journal_read import StoredEvent
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
class Gap:
    t0: float
    t1: float
    text: str


@dataclass
class Timeline:
    t0: float
    t1: float
    machines: list[tuple[str, str]]  # (id, display name), lane order
    bars: list[StateBar]
    markers: list[Marker]
    gaps: list[Gap]
    events: list[StoredEvent]  # every event, time order: the event browser's rows and the markers' details

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


def build_timeline(source: ReviewRecord) -> Timeline:
    events = source.events()
    t0, t1 = source.t0, source.t1
    machines = source.machines()
    bars = _state_bars(events, [m for m, _ in machines], t1)
    markers: list[Marker] = []
    gaps: list[Gap] = []
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
                gaps.append(Gap(float(g0), float(g1), ev.message))
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
    for a, b in source.not_recording():
        gaps.append(Gap(a, b, "LineHMI was not running"))
    markers.sort(key=lambda m: (m.t, m.event_id))
    return Timeline(t0, t1, machines, bars, markers, gaps, events)


def _state_bars(events: list[StoredEvent], machines: list[str], t_end: float) -> list[StateBar]:
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
            if tb > ta:
                bars.append(StateBar(machine, ta, tb, state, fault))
    return bars
