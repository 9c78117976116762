"""The last N journal events (newest first) as a read-only table."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from hmi.core.events import JournalEvent, Severity
from widgets.formatting import format_timestamp

HEADERS = ("Time", "Severity", "Kind", "Source", "User", "Message")
_SEVERITY = {Severity.INFO: "info", Severity.WARNING: "WARNING", Severity.ERROR: "ERROR"}


class EventListModel(QAbstractTableModel):
    def __init__(self, max_events: int = 500, parent=None) -> None:
        super().__init__(parent)
        self.max_events = max_events
        self._events: deque[JournalEvent] = deque()  # newest first
        self._bold = QFont()
        self._bold.setBold(True)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def elides_by_design(self, column: int) -> bool:
        """The message elides in a narrow dock; the row's tooltip is the whole message
        (widgets.text_fit.ElidesByDesign)."""
        return column == len(HEADERS) - 1

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        ev = self._events[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                format_timestamp(ev.ts),
                _SEVERITY.get(ev.severity, str(ev.severity)),
                str(ev.kind).replace("_", " "),
                ev.source,
                ev.user,
                ev.message,
            )[col]
        if role == Qt.ItemDataRole.FontRole and ev.severity >= Severity.WARNING and col in (1, 5):
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            return ev.message
        return None

    def add_events(self, events: Sequence[JournalEvent]) -> None:
        if not events:
            return
        events = sorted(events, key=lambda e: e.ts)[-self.max_events :]
        self.beginInsertRows(QModelIndex(), 0, len(events) - 1)
        for ev in events:  # oldest first, each goes on top
            self._events.appendleft(ev)
        self.endInsertRows()
        extra = len(self._events) - self.max_events
        if extra > 0:
            n = len(self._events)
            self.beginRemoveRows(QModelIndex(), n - extra, n - 1)
            for _ in range(extra):
                self._events.pop()
            self.endRemoveRows()

    def event_at(self, row: int) -> JournalEvent:
        return self._events[row]


class EventList(QWidget):
    def __init__(self, max_events: int = 500, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = EventListModel(max_events, self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.view = QTableView()
        self.view.setObjectName("eventList")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        vh = self.view.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 8)
        hh = self.view.horizontalHeader()
        fm = self.fontMetrics()
        for col, sample in enumerate(
            ("00:00:00.000xx", "WARNINGxx", "operator_actionx", "filler.speed_spxx", "operatorxx")
        ):
            self.view.setColumnWidth(col, fm.horizontalAdvance(sample))
        hh.setStretchLastSection(True)
        lay.addWidget(self.view)

    def add_events(self, events: Sequence[JournalEvent]) -> None:
        self.model.add_events(events)
