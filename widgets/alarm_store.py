"""The Qt side of the GUI's alarm list: `AlarmStore` (the Qt-free
`hmi.core.alarms.alarm_list.AlarmList` with Qt signals) and the window's blink clock.

The list itself (records, history, banner counts, views, filters) lives in
`hmi.core.alarms.alarm_list` and is tested without Qt; this adapter only turns its plain
listeners into Qt signals so widgets can connect to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QObject, QTimer, Signal

from hmi.core.alarms.alarm_list import (
    SHORT_STATE,
    VIEW_STATES,
    AlarmCounts,
    AlarmList,
    AlarmView,
    HistoryRow,
    alarm_time,
    load_history,
    priority_order,
)
from hmi.core.alarms.model import AlarmRecord
from widgets.palette import BLINK_INTERVAL_MS

# Re-exported: the widgets and the window take these names from here with the store.
__all__ = [
    "SHORT_STATE",
    "VIEW_STATES",
    "AlarmCounts",
    "AlarmStore",
    "AlarmView",
    "BlinkClock",
    "HistoryRow",
    "alarm_time",
    "load_history",
    "priority_order",
]


class AlarmStore(QObject):
    """An AlarmList whose changes are Qt signals (GUI thread only)."""

    changed = Signal(list)  # list[AlarmRecord]: the records just applied
    reset = Signal()  # seeded: everything may have changed
    annunciated = Signal(list)  # list[AlarmRecord]: alarms that just became unacknowledged (new alarms)
    history_loaded = Signal(int)  # rows merged from the journal

    def __init__(self, max_history: int = 5000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.alarms = AlarmList(max_history)
        self.alarms.changed.connect(self.changed.emit)
        self.alarms.reset.connect(self.reset.emit)
        self.alarms.annunciated.connect(self.annunciated.emit)
        self.alarms.history_loaded.connect(self.history_loaded.emit)
        # The same dict and deque as the list's: read them, change them only through the list.
        self.records = self.alarms.records
        self.history = self.alarms.history

    @property
    def applied(self) -> int:
        return self.alarms.applied

    @property
    def history_version(self) -> int:
        return self.alarms.history_version

    def seed(self, records: Iterable[AlarmRecord]) -> None:
        self.alarms.seed(records)

    def apply(self, records: Sequence[AlarmRecord]) -> list[AlarmRecord]:
        return self.alarms.apply(records)

    def merge_history(self, rows: Iterable[HistoryRow]) -> int:
        return self.alarms.merge_history(rows)

    def get(self, alarm_id: str) -> AlarmRecord | None:
        return self.alarms.get(alarm_id)

    def in_view(self, view: AlarmView) -> list[AlarmRecord]:
        return self.alarms.in_view(view)

    @property
    def first_out_leaders(self) -> set[str]:
        return self.alarms.first_out_leaders

    def counts(self, top_n: int = 3) -> AlarmCounts:
        return self.alarms.counts(top_n)


class BlinkClock(QObject):
    """One 1 Hz flash for every alarm indicator in the window, so they all flash in step."""

    toggled = Signal(bool)  # True: the "on" half (full priority colour)

    def __init__(self, interval_ms: int = BLINK_INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.phase = True
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.step)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.phase = True

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def step(self) -> None:
        self.phase = not self.phase
        self.toggled.emit(self.phase)
