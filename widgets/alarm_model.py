"""The alarm list as a Qt table model: active / shelved / suppressed / out of service / history.

Rows come from the AlarmStore (the GUI's own copy of the alarm states). Filtering
(priority, machine, state, time, text) and sorting happen here in plain Python on
at most a few thousand rows, once per bridge tick that brought changes. When a tick
only changes rows in place they are repainted with dataChanged; when rows come, go
or move the model is reset and the view puts the operator's selection back (by id).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from html import escape
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from hmi.core.alarms.alarm_list import (
    SHORT_STATE,
    AlarmFilter,
    AlarmView,
    HistoryRow,
    Row,
    alarm_time,
    row_key,
    row_time,
)
from hmi.core.alarms.model import AlarmKind, AlarmRecord, AlarmState, needs_ack, state_and_since
from hmi.core.config import LineConfig
from hmi.core.live_values import LiveValues
from hmi.core.quality import Quality, quality_of
from hmi.core.units import quantity
from widgets import palette
from widgets.alarm_store import AlarmStore
from widgets.formatting import format_age, format_timestamp, format_value

S = AlarmState

COL_PRIORITY, COL_TIME, COL_FIRST, COL_MACHINE, COL_ALARM, COL_MESSAGE = range(6)
COL_VALUE, COL_STATE, COL_BY, COL_COMMENT, COL_COUNT = range(6, 11)
HEADERS = (
    "Priority",
    "Time",
    "1st",
    "Machine",
    "Alarm",
    "Message",
    "Value now",
    "State",
    "By",
    "Comment",
    "Count",
)
HEADER_TIPS = {
    COL_PRIORITY: "1 Urgent · 2 High · 3 Medium · 4 Low. Flashing: waiting for an acknowledgement",
    COL_TIME: "When the alarm activated (History: when the transition happened)",
    COL_FIRST: "First-out: the first alarm of a machine within the look-back before it tripped",
    COL_VALUE: "The tag's live value (the message keeps the value that triggered the alarm; "
    "History: the value at the transition)",
    COL_BY: "Acknowledged / shelved / taken out of service by",
}

ID_ROLE = Qt.ItemDataRole.UserRole + 1  # alarm id (history: the row's alarm id)
PRIORITY_ROLE = Qt.ItemDataRole.UserRole + 2  # int 1..4
BLINK_ROLE = Qt.ItemDataRole.UserRole + 3  # True: flashes (waiting for an acknowledgement)
# False: the priority is drawn as an outline, not a filled chip: the alarm is not annunciated now
# (shelved, suppressed, out of service, or a history row). A filled chip means "on the list now".
FILLED_ROLE = Qt.ItemDataRole.UserRole + 6
RECORD_ROLE = Qt.ItemDataRole.UserRole + 4  # the AlarmRecord or HistoryRow
TIME_ROLE = Qt.ItemDataRole.UserRole + 5  # float: the alarm's time (trend centre)

TIME_WINDOWS = {
    "Any time": None,
    "Last 10 min": 600.0,
    "Last hour": 3600.0,
    "Last 8 h": 8 * 3600.0,
    "Last 24 h": 86400.0,
}

# State filter choices per view (label -> states; None = all).
STATE_FILTERS: dict[str, frozenset[AlarmState] | None] = {
    "All states": None,
    "Unacknowledged": frozenset({S.UNACKED, S.RTN_UNACKED}),
    "Active unacknowledged": frozenset({S.UNACKED}),
    "Acknowledged": frozenset({S.ACKED}),
    "Returned to normal, unack": frozenset({S.RTN_UNACKED}),
    "Latched (reset needed)": frozenset({S.LATCHED}),
    "Normal (history)": frozenset({S.NORMAL}),
}


def _fmt_duration(s: float) -> str:
    s = max(0.0, s)
    if s < 60:
        return f"{s:.0f} s"
    if s < 3600:
        return f"{s // 60:.0f} min"
    h, rem = divmod(int(s), 3600)
    return f"{h} h {rem // 60:02d} min"


class AlarmTableModel(QAbstractTableModel):
    def __init__(
        self,
        store: AlarmStore,
        config: LineConfig | None = None,
        live: LiveValues | None = None,
        clock: Callable[[], float] = time.time,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.config = config
        self.live = live
        self.clock = clock
        self.filter = AlarmFilter()  # the view and its filters (Qt-free: hmi.core.alarms.alarm_list)
        self.sort_column = -1  # -1: ISA order (priority, then newest first)
        self.sort_order = Qt.SortOrder.AscendingOrder
        self.rows: list[Row] = []
        self.resets = 0  # for tests and benchmarks
        self._history_version = -1
        self._machine_names = {m.id: m.name for m in config.machines} if config else {}
        self._tags = {t.name: t for t in config.tags} if config else {}
        self._bold = QFont()
        self._bold.setBold(True)
        self._italic = QFont()
        self._italic.setItalic(True)
        store.changed.connect(self._on_store_changed)
        store.reset.connect(self.refresh)
        store.history_loaded.connect(self._on_history_loaded)
        self.refresh()

    # --- Qt model -------------------------------------------------------------------------------
    def elides_by_design(self, column: int) -> bool:
        """The message (with its action) and the comment may be longer than any screen's column: they
        elide in the row, and the row's tooltip and the details line under the list hold all of it
        (widgets.text_fit.ElidesByDesign)."""
        return column in (COL_MESSAGE, COL_COMMENT)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if section == COL_TIME and self.view == AlarmView.HISTORY:
                return "Time"
            if section == COL_STATE and self.view == AlarmView.HISTORY:
                return "Transition"
            if section == COL_VALUE and self.view == AlarmView.HISTORY:
                return "Value then"  # the value at each transition, not the live one (qa7 G32)
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(section)
        return None

    def flags(self, index):
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        row = self.rows[index.row()]
        col = index.column()
        if isinstance(row, HistoryRow):
            return self._history_data(row, col, role)
        r = row
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, col)
        if role == ID_ROLE:
            return r.id
        if role == PRIORITY_ROLE:
            return int(r.priority)
        if role == BLINK_ROLE:
            return needs_ack(r)
        if role == FILLED_ROLE:
            return r.state not in (S.SHELVED, S.SUPPRESSED, S.OUT_OF_SERVICE)
        if role == RECORD_ROLE:
            return r
        if role == TIME_ROLE:
            return alarm_time(r)
        if role == Qt.ItemDataRole.ForegroundRole:
            # Returned to normal but not acknowledged: still flashes, text greyed (nothing to act on).
            if r.state == S.RTN_UNACKED or r.state in (S.SHELVED, S.SUPPRESSED, S.OUT_OF_SERVICE):
                return QBrush(QColor(palette.TEXT_DIM))  # read now: a theme switch changes it
            return None
        if role == Qt.ItemDataRole.FontRole:
            if r.state == S.UNACKED and col in (COL_ALARM, COL_MESSAGE, COL_STATE):
                return self._bold
            if r.state == S.LATCHED and col == COL_STATE:
                return self._bold
            if col == COL_FIRST:
                return self._bold
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(r)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_VALUE, COL_COUNT):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, r: AlarmRecord, col: int) -> str:
        if col == COL_PRIORITY:
            return f"{int(r.priority)} {r.priority.label}"
        if col == COL_TIME:
            t = alarm_time(r)
            return format_timestamp(t) if t else "—"
        if col == COL_FIRST:
            return "1st" if r.first_out and r.id in self.store.first_out_leaders else ""
        if col == COL_MACHINE:
            return self._machine_names.get(r.machine, r.machine)
        if col == COL_ALARM:
            return r.name
        if col == COL_MESSAGE:
            return r.message
        if col == COL_VALUE:
            return self._value_text(r.tag, r.value, live=True)
        if col == COL_STATE:
            return self._state_text(r)
        if col == COL_BY:
            if r.state == S.SHELVED:
                return r.shelved_by
            return r.acked_by if r.acked and r.acked_by else ""
        if col == COL_COMMENT:
            return r.comment
        if col == COL_COUNT:
            return str(r.count)
        return ""

    def _state_text(self, r: AlarmRecord) -> str:
        if r.state == S.SHELVED and r.shelved_until:
            return f"Shelved, {_fmt_duration(r.shelved_until - self.clock())} left"
        if r.state == S.LATCHED:
            return "Latched: reset" + ("" if r.acked else ", unack")
        text = SHORT_STATE.get(r.state, str(r.state))
        if r.state in (S.SHELVED, S.SUPPRESSED, S.OUT_OF_SERVICE) and r.in_alarm:
            text += " (in alarm)"
        return text

    def _value_text(self, tag_name: str, fallback: float, live: bool) -> str:
        tag = self._tags.get(tag_name)
        v = fallback
        bad = False
        i = None
        if live and self.live is not None:
            i = self.live.index.get(tag_name)
            if i is not None:
                v = float(self.live.value[i])
                bad = quality_of(int(self.live.status[i])) == Quality.BAD
        if bad or v is None or (isinstance(v, float) and math.isnan(v)):
            return "?" if bad else "—"
        text = f"{v:g}" if tag is None else quantity(format_value(tag, v), tag.unit)
        # Marked by the faceplates' own rule (LiveValues.stale) (QA5 F15). The cell says "old"
        # only: with the age in it ("91.00 °C (1 min 23 s old)") it was wider than its column at
        # every screen size; the row's tooltip says how old.
        if live and self.live is not None and i is not None and self.live.stale_age_s(i) is not None:
            text += " (old)"
        return text

    def value_now(self, r: AlarmRecord) -> float:
        """The alarm's tag value as the Value now column reads it (the record's when not live)."""
        i = self.live.index.get(r.tag) if self.live is not None else None
        return float(self.live.value[i]) if self.live is not None and i is not None else r.value

    def _value_age_line(self, tag_name: str) -> str:
        """'Value now: last known, 1 min 23 s old' for a stale live value, else ''."""
        i = self.live.index.get(tag_name) if self.live is not None else None
        age = self.live.stale_age_s(i) if self.live is not None and i is not None else None
        return "" if age is None else f"Value now: last known, {format_age(age)} old"

    def details_text(self, row: Row) -> str:
        """A row in full, for the details line under the list (read by a tap, no hover needed):
        priority, state and time, then the whole message with its action."""
        if isinstance(row, HistoryRow):
            head = f"{int(row.priority)} {row.priority.label} · {row.transition} {format_timestamp(row.ts)}"
            return f"{head}\n{row.message}"
        head = f"{int(row.priority)} {row.priority.label} · {self._state_text(row)}"
        _state, since = state_and_since(row)
        if since:
            head += f" since {format_timestamp(since)}"
        return f"{head}\n{row.message}"

    def _tooltip(self, r: AlarmRecord) -> str:
        # Rich text: every free text is escaped ("Lo (<= 160.0 Ncm)" began a tag and hid the message).
        lines = [f"<b>{escape(r.name)}</b> &nbsp;({escape(r.id)}, tag {escape(r.tag)})", escape(r.message)]
        state, since = state_and_since(r)
        lines.append(
            f"Priority {int(r.priority)} {r.priority.label} · {state.label}"
            + (f" since {format_timestamp(since)}" if since else "")
        )
        if r.activated_at:
            lines.append(f"Activated {format_timestamp(r.activated_at)} · {r.count} activations")
        if r.cleared_at and not r.active:
            lines.append(f"Cleared {format_timestamp(r.cleared_at)}")
        if r.acked and r.acked_at:
            lines.append(f"Acknowledged {format_timestamp(r.acked_at)} by {escape(r.acked_by)}")
        if r.state == S.SHELVED:
            until = format_timestamp(r.shelved_until) if r.shelved_until else "?"
            lines.append(f"Shelved by {escape(r.shelved_by)} until {until}: {escape(r.shelve_reason)}")
        if r.comment and not (r.state == S.SHELVED and r.comment == r.shelve_reason):
            lines.append(f"Comment: {escape(r.comment)}")
        if r.first_out and r.id in self.store.first_out_leaders:
            lines.append("First out: the first alarm of its machine before it tripped")
        elif r.first_out_of:
            lead = self.store.get(r.first_out_of)
            lines.append(f"Followed the first-out alarm {escape(lead.name if lead else r.first_out_of)}")
        if age_line := self._value_age_line(r.tag):
            lines.append(age_line)
        if r.kind == AlarmKind.ANALOG:
            lines.append(f"Limit {self._value_text(r.tag, r.limit, live=False)}")
        elif r.kind == AlarmKind.ROC:
            lines.append(f"Limit {r.limit:g} per second")
        lines.append("Double-click: trend of the tag around the alarm time")
        return "<br>".join(lines)

    def _history_data(self, h: HistoryRow, col: int, role: int):
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_PRIORITY:
                return f"{int(h.priority)} {h.priority.label}"
            if col == COL_TIME:
                return format_timestamp(h.ts)
            if col == COL_MACHINE:
                return self._machine_names.get(h.machine, h.machine)
            if col == COL_ALARM:
                return h.name
            if col == COL_MESSAGE:
                return h.message
            if col == COL_VALUE:
                return self._value_text(h.tag, h.value, live=False)
            if col == COL_STATE:
                return h.transition
            if col == COL_BY:
                return h.user
            if col == COL_COMMENT:
                return h.comment
            if col == COL_COUNT:
                return str(h.count) if h.count else ""
            return ""
        if role == ID_ROLE:
            return h.alarm
        if role == PRIORITY_ROLE:
            return int(h.priority)
        if role in (BLINK_ROLE, FILLED_ROLE):
            return False
        if role == RECORD_ROLE:
            return h
        if role == TIME_ROLE:
            return h.ts
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{escape(h.name)} ({escape(h.alarm)}): {escape(h.transition)}<br>{escape(h.message)}"
            return tip + (f"<br>Comment: {escape(h.comment)}" if h.comment else "")
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_VALUE, COL_COUNT):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # --- filters and sorting -----------------------------------------------------------------------
    def set_view(self, view: AlarmView) -> None:
        if view != self.filter.view:
            self.filter.view = view
            self.refresh(force=True)
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(HEADERS) - 1)

    def set_priorities(self, priorities: Iterable[int]) -> None:
        self.filter.priorities = {int(p) for p in priorities}
        self.refresh(force=True)

    def set_machine(self, machine: str | None) -> None:
        self.filter.machine = machine or None
        self.refresh(force=True)

    def set_states(self, states: frozenset[AlarmState] | None) -> None:
        self.filter.states = states
        self.refresh(force=True)

    def set_window(self, window_s: float | None) -> None:
        self.filter.window_s = window_s
        self.refresh(force=True)

    def set_text(self, text: str) -> None:
        self.filter.text = text.strip().lower()
        self.refresh(force=True)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_column, self.sort_order = column, order
        self.refresh(force=True)

    def clear_filters(self) -> None:
        self.filter.clear()
        self.refresh(force=True)

    @property
    def view(self) -> AlarmView:
        return self.filter.view

    def _sorted(self, rows: list[Row]) -> list[Row]:
        col, desc = self.sort_column, self.sort_order == Qt.SortOrder.DescendingOrder
        hist = self.view == AlarmView.HISTORY

        if hist and col in (-1, COL_TIME):
            rows.sort(key=row_time, reverse=not (col == COL_TIME and not desc))  # newest first by default
            return rows
        # The filter gives ISA order (priority, newest); then a stable sort on the chosen column.
        if col < 0 or col == COL_PRIORITY:
            if desc:
                rows.sort(key=lambda r: r.priority, reverse=True)
            return rows
        key = self._sort_key(col)
        rows.sort(key=key, reverse=desc)
        return rows

    def _sort_key(self, col: int) -> Callable[[Row], Any]:
        def rec(r: Row) -> Any:
            if col == COL_TIME:
                return row_time(r)
            if col == COL_COUNT:
                return r.count
            if col == COL_VALUE:
                return self._numeric_value(r)
            if col == COL_FIRST:
                return 0 if (not isinstance(r, HistoryRow) and r.id in self.store.first_out_leaders) else 1
            if isinstance(r, HistoryRow):
                return str(self._history_data(r, col, Qt.ItemDataRole.DisplayRole) or "").lower()
            return self._display(r, col).lower()

        return rec

    def _numeric_value(self, r: Row) -> float:
        v = r.value
        if self.live is not None and not isinstance(r, HistoryRow):
            i = self.live.index.get(r.tag)
            if i is not None:
                v = float(self.live.value[i])
        return -math.inf if v is None or v != v else float(v)

    # --- updates -------------------------------------------------------------------------------
    def _compute(self) -> list[Row]:
        return self._sorted(self.filter.select(self.store.alarms, self.clock(), self._machine_names))

    def refresh(self, force: bool = False) -> None:
        new = self._compute()
        old = self.rows
        if not force and len(new) == len(old) and all(_same_key(a, b) for a, b in zip(new, old, strict=True)):
            changed = [i for i, (a, b) in enumerate(zip(new, old, strict=True)) if a is not b]
            self.rows = new
            if changed:
                self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), len(HEADERS) - 1))
            return
        self.beginResetModel()
        self.rows = new
        self.resets += 1
        self.endResetModel()

    def _on_store_changed(self, _records: Sequence[AlarmRecord]) -> None:
        self.refresh()

    def _on_history_loaded(self, _n: int) -> None:
        if self.view == AlarmView.HISTORY:
            self.refresh(force=True)

    def on_samples_applied(self, changed: np.ndarray) -> None:
        """New values of some tags: their rows' Value now in the same frame as the faceplates
        (QA5 F1: 7.58 mm/s in the list beside 6.35 mm/s on the faceplate, up to a second apart)."""
        if self.live is None or not self.rows or not len(changed):
            return
        hit = set(np.asarray(changed).tolist())
        rows = [k for k, r in enumerate(self.rows) if self.live.index.get(r.tag, -1) in hit]
        if rows:
            self.dataChanged.emit(self.index(min(rows), COL_VALUE), self.index(max(rows), COL_VALUE))

    def refresh_values(self) -> None:
        """Live values, shelve time left, the time window: once a second."""
        if not self.rows:
            return
        if self.filter.window_s:
            self.refresh()
            return
        self.dataChanged.emit(self.index(0, COL_VALUE), self.index(len(self.rows) - 1, COL_STATE))

    # --- helpers for the view -------------------------------------------------------------------
    def row_of(self, key: str) -> int:
        for i, r in enumerate(self.rows):
            if row_key(r) == key:
                return i
        return -1

    def record_at(self, row: int) -> Row | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def visible_records(self) -> list[AlarmRecord]:
        return [r for r in self.rows if isinstance(r, AlarmRecord)]

    def counts_per_view(self) -> dict[AlarmView, int]:
        return self.store.alarms.counts_per_view()


def _same_key(a: Row, b: Row) -> bool:
    return a is b or row_key(a) == row_key(b)
