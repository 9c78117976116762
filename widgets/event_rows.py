"""The review's event browser rows: a record's events as a read-only table model that formats a cell
only when the view asks for it.

A week of daily files holds about 20,000 events. Filled as QTableWidgetItems (five per event, each
time formatted up front) they took most of the review window's opening; a view asks only for the
rows it shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from hmi.core.journal_read import StoredEvent

HEADERS = ("time", "kind", "source", "user", "message")
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
Index = QModelIndex | QPersistentModelIndex


def event_cells(e: StoredEvent) -> tuple[str, str, str, str, str]:
    """The row's texts: time of day, kind, source, user, message."""
    return (f"{dt.datetime.fromtimestamp(e.ts):%H:%M:%S}", str(e.kind), e.source, e.user, e.message)


class EventRowsModel(QAbstractTableModel):
    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.events: list[StoredEvent] = []

    def set_events(self, events: Sequence[StoredEvent]) -> None:
        self.beginResetModel()
        self.events = list(events)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.events)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> object:
        if orientation == Qt.Orientation.Horizontal and int(role) == _DISPLAY:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> object:
        if not index.isValid() or int(role) != _DISPLAY:
            return None
        return event_cells(self.events[index.row()])[index.column()]
