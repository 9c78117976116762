"""The operator's alarm list, Qt-free: the screens' own copy of the alarm states, its history,
the banner's counts and the table's filters.

The alarm engine is asked once, at start (`AlarmList.seed(engine.records(include_normal=True))`);
after that every change arrives through the bridge (`LiveUpdate.alarms`, oldest first) and is
applied here on the GUI thread, so no screen ever takes the engine's lock.

- `records`: every alarm that is not normal, by id (the active list, shelved, suppressed and
  out-of-service views all filter this one dict);
- `history`: one row per transition seen (plus the journal's recent alarm events, loaded off
  the GUI thread and merged), oldest first, bounded;
- `counts()`: what the banner shows, computed once per change and cached;
- `AlarmFilter.select(...)`: the rows a table shows for a view and its filters, in ISA order.

`widgets.alarm_store.AlarmStore` is the thin Qt adapter (signals); this module is tested in the
Qt-free tier.
"""

from __future__ import annotations

import enum
import heapq
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from hmi.core.alarms.event_codec import transition_of
from hmi.core.alarms.model import ACTIVE_STATES, AlarmRecord, AlarmState, Priority, PriorityCounts
from hmi.core.events import EventKind, EventReader, JournalEvent
from hmi.core.signals import Signal

S = AlarmState


class AlarmView(enum.StrEnum):
    """A view of the alarm list: the active alarms, the alarms taken out of them by one state (its
    value and tab label are that state's: one home, `AlarmState` and `SHORT_STATE`), or the history."""

    ACTIVE = "active"
    SHELVED = S.SHELVED.value
    SUPPRESSED = S.SUPPRESSED.value
    OUT_OF_SERVICE = S.OUT_OF_SERVICE.value
    HISTORY = "history"

    @property
    def label(self) -> str:
        own = _VIEW_LABELS.get(self)
        return own if own is not None else SHORT_STATE[S(self.value)]

    @property
    def short_label(self) -> str:
        """The abbreviation a narrow screen shows (the alarm list's tabs, the banner's count line)."""
        return _VIEW_SHORT.get(self, self.label)


_VIEW_LABELS = {AlarmView.ACTIVE: "Active", AlarmView.HISTORY: "History"}
_VIEW_SHORT = {AlarmView.SUPPRESSED: "Suppr.", AlarmView.OUT_OF_SERVICE: "OOS"}

VIEW_STATES: dict[AlarmView, frozenset[AlarmState]] = {AlarmView.ACTIVE: ACTIVE_STATES} | {
    v: frozenset({S(v.value)}) for v in AlarmView if v not in _VIEW_LABELS
}

SHORT_STATE = {
    S.NORMAL: "Normal",
    S.UNACKED: "Unack",
    S.ACKED: "Acked",
    S.RTN_UNACKED: "RTN unack",
    S.LATCHED: "Latched",
    S.SHELVED: "Shelved",
    S.SUPPRESSED: "Suppressed",
    S.OUT_OF_SERVICE: "Out of service",
}


def alarm_time(r: AlarmRecord) -> float:
    return r.activated_at or r.changed_at or 0.0


def priority_order(records: Iterable[AlarmRecord]) -> list[AlarmRecord]:
    """Most important first, then newest first: the ISA-18.2 alarm list order (as the engine's)."""
    return sorted(records, key=lambda r: (r.priority, -alarm_time(r)))


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One alarm transition: from the live stream (records) or from the journal (events)."""

    ts: float
    alarm: str
    name: str
    machine: str
    tag: str
    priority: Priority
    from_state: AlarmState | None
    to_state: AlarmState
    user: str
    comment: str
    message: str
    value: float
    count: int = 0

    @property
    def key(self) -> tuple[str, float, str]:
        return (self.alarm, round(self.ts, 6), self.to_state.value)

    @property
    def transition(self) -> str:
        to = SHORT_STATE.get(self.to_state, str(self.to_state))
        if self.from_state is None or self.from_state == self.to_state:
            return to
        return f"{SHORT_STATE.get(self.from_state, str(self.from_state))} → {to}"


Row = AlarmRecord | HistoryRow


def row_key(r: Row) -> str:
    """A row's identity in a table (the selection is kept by it across refreshes)."""
    if isinstance(r, HistoryRow):
        return f"{r.alarm}@{r.ts!r}@{r.to_state.value}"
    return r.id


def row_time(r: Row) -> float:
    return r.ts if isinstance(r, HistoryRow) else alarm_time(r)


def _by(r: AlarmRecord) -> str:
    if r.state == S.SHELVED:
        return r.shelved_by
    return r.acked_by if r.acked and r.state in (S.ACKED, S.NORMAL) and r.acked_at else ""


def history_row(r: AlarmRecord, prev: AlarmState | None) -> HistoryRow:
    return HistoryRow(
        ts=r.changed_at or time.time(),
        alarm=r.id,
        name=r.name,
        machine=r.machine,
        tag=r.tag,
        priority=r.priority,
        from_state=prev,
        to_state=r.state,
        user=_by(r),
        comment=r.comment,
        message=r.message,
        value=r.value,
        count=r.count,
    )


def history_from_event(ev: JournalEvent) -> HistoryRow | None:
    """A journal ALARM transition event (hmi.core.events.JournalEvent/StoredEvent) as a history row."""
    t = transition_of(ev)
    if t is None:
        return None
    snap = t.snapshot
    try:
        prio = (
            Priority(snap.priority_level) if snap.priority_level else Priority.parse(snap.priority or "low")
        )
        to = AlarmState(t.to_state)
        frm = AlarmState(t.from_state) if t.from_state else None
    except (ValueError, KeyError, TypeError):
        return None
    return HistoryRow(
        ts=t.ts,
        alarm=snap.alarm,
        name=snap.name,
        machine=snap.machine,
        tag=snap.tag,
        priority=prio,
        from_state=frm,
        to_state=to,
        user=t.user or ev.user,
        comment=t.note,
        message=ev.message,
        value=t.value if t.value is not None else float("nan"),
        count=snap.count,
    )


def load_history(journal: EventReader, since: float, limit: int = 5000) -> list[HistoryRow]:
    """The journal's alarm transitions since `since` (run it off the GUI thread: it reads SQLite)."""
    rows = [
        h
        for h in (history_from_event(e) for e in journal.read_events(since=since, kinds=[EventKind.ALARM]))
        if h
    ]
    return rows[-limit:]


@dataclass(slots=True)
class AlarmCounts(PriorityCounts):
    """What the banner shows. `active`: alarms in the active list per priority; `unacked`: of those,
    the ones waiting for an acknowledgement; `top`: the unacknowledged ones, most important and
    newest first (the banner shows the first few)."""

    active: dict[Priority, int] = field(default_factory=lambda: dict.fromkeys(Priority, 0))
    unacked: dict[Priority, int] = field(default_factory=lambda: dict.fromkeys(Priority, 0))
    shelved: int = 0
    suppressed: int = 0
    out_of_service: int = 0
    top: list[AlarmRecord] = field(default_factory=list)


class AlarmList:
    """Alarm records by id, history, counts. Listeners are called after every applied change,
    on the thread that applied it (the GUI thread in the window)."""

    def __init__(self, max_history: int = 5000) -> None:
        self.records: dict[str, AlarmRecord] = {}
        self.history: deque[HistoryRow] = deque(maxlen=max_history)
        self.changed: Signal = Signal()  # (list[AlarmRecord]): the records just applied
        self.reset: Signal = Signal()  # (): seeded, everything may have changed
        self.annunciated: Signal = Signal()  # (list[AlarmRecord]): alarms that just became unacknowledged
        self.history_loaded: Signal = Signal()  # (int): rows merged from the journal
        self._state: dict[str, AlarmState] = {}
        self._floor: dict[str, float] = {}
        self._counts: dict[int, AlarmCounts] = {}
        self._leaders: set[str] | None = None
        self.applied = 0  # records applied since start (for benchmarks)
        self.history_version = 0

    # --- input ---------------------------------------------------------------------------------
    def seed(self, records: Iterable[AlarmRecord]) -> None:
        """The engine's records at start (all of them, normal included, so stale queued changes
        that predate the snapshot are recognised and dropped)."""
        self.records.clear()
        self._state.clear()
        self._floor.clear()
        for r in records:
            self._state[r.id] = r.state
            self._floor[r.id] = r.changed_at
            if r.state != S.NORMAL:
                self.records[r.id] = r
        self._invalidate()
        self.reset.emit()

    def apply(self, records: Sequence[AlarmRecord]) -> list[AlarmRecord]:
        """Apply changed records (oldest first); returns those taken."""
        taken: list[AlarmRecord] = []
        new: list[AlarmRecord] = []
        for r in records:
            floor = self._floor.get(r.id)
            if floor is not None:
                # Changes queued before the start-up snapshot was taken: the snapshot has them.
                if r.changed_at <= floor:
                    continue
                del self._floor[r.id]
            prev = self._state.get(r.id)
            self._state[r.id] = r.state
            if r.state == S.NORMAL:
                self.records.pop(r.id, None)
            else:
                self.records[r.id] = r
            self.history.append(history_row(r, prev))
            if r.state == S.UNACKED and prev != S.UNACKED:
                new.append(r)
            taken.append(r)
        if taken:
            self.applied += len(taken)
            self.history_version += 1
            self._invalidate()
            self.changed.emit(taken)
            if new:
                self.annunciated.emit(new)
        return taken

    def merge_history(self, rows: Iterable[HistoryRow]) -> int:
        """Rows read from the journal: merged by time, duplicates of live rows dropped."""
        have = {h.key for h in self.history}
        extra = [h for h in rows if h.key not in have]
        if not extra:
            return 0
        merged = sorted([*extra, *self.history], key=lambda h: h.ts)
        self.history.clear()
        self.history.extend(merged[-(self.history.maxlen or len(merged)) :])
        self.history_version += 1
        self.history_loaded.emit(len(extra))
        return len(extra)

    # --- queries --------------------------------------------------------------------------------
    def get(self, alarm_id: str) -> AlarmRecord | None:
        return self.records.get(alarm_id)

    def in_view(self, view: AlarmView) -> list[AlarmRecord]:
        states = VIEW_STATES.get(view, ACTIVE_STATES)
        return [r for r in self.records.values() if r.state in states]

    def counts_per_view(self) -> dict[AlarmView, int]:
        out = dict.fromkeys(VIEW_STATES, 0)
        for r in self.records.values():
            for v, states in VIEW_STATES.items():
                if r.state in states:
                    out[v] += 1
                    break
        return out

    @property
    def first_out_leaders(self) -> set[str]:
        """Ids that another alarm names in `first_out_of` (only these show the first-out marker)."""
        if self._leaders is None:
            self._leaders = {r.first_out_of for r in self.records.values() if r.first_out_of}
        return self._leaders

    def counts(self, top_n: int = 3) -> AlarmCounts:
        c = self._counts.get(top_n)
        if c is None:
            c = AlarmCounts()
            pending: list[AlarmRecord] = []
            for r in self.records.values():
                st = r.state
                if st in ACTIVE_STATES:
                    c.active[r.priority] += 1
                    if not r.acked:
                        c.unacked[r.priority] += 1
                        pending.append(r)
                elif st == S.SHELVED:
                    c.shelved += 1
                elif st == S.SUPPRESSED:
                    c.suppressed += 1
                elif st == S.OUT_OF_SERVICE:
                    c.out_of_service += 1
            # Unacknowledged active alarms before returned-to-normal ones of the same priority.
            c.top = heapq.nsmallest(
                top_n, pending, key=lambda r: (r.priority, r.state != S.UNACKED, -alarm_time(r))
            )
            self._counts[top_n] = c
        return c

    def _invalidate(self) -> None:
        self._counts.clear()
        self._leaders = None


@dataclass
class AlarmFilter:
    """What a table shows: a view and its filters (priority, machine, state, time window, text)."""

    view: AlarmView = AlarmView.ACTIVE
    priorities: set[int] = field(default_factory=lambda: {1, 2, 3, 4})
    machine: str | None = None
    states: frozenset[AlarmState] | None = None
    window_s: float | None = None
    text: str = ""  # lower case, stripped

    def clear(self) -> None:
        """Every filter off (the view stays)."""
        self.priorities, self.machine, self.states, self.window_s, self.text = (
            {1, 2, 3, 4},
            None,
            None,
            None,
            "",
        )

    def accepts(self, now: float, machine_names: Mapping[str, str] | None = None) -> Callable[[Row], bool]:
        """The predicate for one refresh (the time window is measured from `now`)."""
        prios, machine, states, text = self.priorities, self.machine, self.states, self.text
        since = now - self.window_s if self.window_s else None
        names = machine_names or {}

        def ok(r: Row) -> bool:
            if int(r.priority) not in prios:
                return False
            if machine is not None and r.machine != machine:
                return False
            st = r.to_state if isinstance(r, HistoryRow) else r.state
            if states is not None and st not in states:
                return False
            if since is not None and row_time(r) < since:
                return False
            if text:
                hay = f"{r.name} {r.message} {r.tag} {names.get(r.machine, r.machine)}"
                hay += f" {r.alarm}" if isinstance(r, HistoryRow) else f" {r.id} {r.comment}"
                if text not in hay.lower():
                    return False
            return True

        return ok

    def select(
        self, alarms: AlarmList, now: float, machine_names: Mapping[str, str] | None = None
    ) -> list[Row]:
        """The rows this filter shows, in the default order: history newest first; the other views
        in ISA order (most important, then newest first)."""
        ok = self.accepts(now, machine_names)
        if self.view == AlarmView.HISTORY:
            hist: list[Row] = [h for h in alarms.history if ok(h)]
            hist.sort(key=row_time, reverse=True)
            return hist
        states = VIEW_STATES[self.view]
        rows: list[Row] = [r for r in alarms.records.values() if r.state in states and ok(r)]
        rows.sort(key=lambda r: (r.priority, -row_time(r)))
        return rows
