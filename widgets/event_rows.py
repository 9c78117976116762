"""The review's event browser rows: a record's events as a read-only table model that formats a cell
only when the view asks for it.

A week of daily files holds about 20,000 events. Filled as QTableWidgetItems (five per event, each
time formatted up front) they took most of the review window's opening; a view asks only for the
rows it shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from hmi.core.journal_read import StoredEvent

HEADERS = ("time", "kind", "source", "user", "message")
MESSAGE_COL = HEADERS.index("message")  # elides at its right end: the whole text in its tooltip
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
Index = QModelIndex | QPersistentModelIndex


def event_cells(e: StoredEvent) -> tuple[str, str, str, str, str]:
    """The row's texts: time of day, kind, source, user, message."""
    return (f"{dt.datetime.fromtimestamp(e.ts):%H:%M:%S}", str(e.kind), e.source, e.user, e.message)


def around_match(text: str, needle: str, fits: Callable[[str], bool], before: int = 12) -> str:
    """`text` as shown in a cell that elides at its right end, such that the first match of `needle`
    (case-insensitive) is in view: the whole text when the match ends within what fits, else "…"
    and the text from a few characters before the match (at a word's start). A search hit whose
    words were in the elided part of a message showed no sign of the match (qa7 G24)."""
    at = text.lower().find(needle.lower()) if needle else -1
    if at < 0 or fits(text[: at + len(needle)]):
        return text
    start = max(0, at - before)
    while start > 0 and not text[start - 1].isspace() and at - start < 2 * before:
        start -= 1
    return "…" + text[start:].lstrip()


class EventRowsModel(QAbstractTableModel):
    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.events: list[StoredEvent] = []
        self.needle = ""  # the search text: the message shows its match (`around_match`)
        self.fits: Callable[[str], bool] = lambda _text: True

    def set_events(
        self, events: Sequence[StoredEvent], *, needle: str = "", fits: Callable[[str], bool] | None = None
    ) -> None:
        """`fits(text)`: whether a message start that long shows whole in its column."""
        self.beginResetModel()
        self.events = list(events)
        self.needle = needle
        self.fits = fits if fits is not None else (lambda _text: True)
        self.endResetModel()

    def widest_rows(self) -> list[int]:
        """Rows that together hold every text of the short columns (time, kind, source, user) a column
        must fit: the first row of each distinct kind, source and user, and the first and last row
        (a time of day is as wide as another: the UI fonts' digits are of one width). A week holds
        ~20,000 rows but a few dozen distinct texts; Qt's fit-to-contents formatted every cell of
        1,000 rows at each layout pass of the window (most of a week's opening, 224,000 calls)."""
        first: dict[tuple[int, str], int] = {}
        for row, e in enumerate(self.events):
            for col, text in ((1, str(e.kind)), (2, e.source), (3, e.user)):
                first.setdefault((col, text), row)
        ends = [0, len(self.events) - 1] if self.events else []
        return sorted({*first.values(), *ends})

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.events)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> object:
        if orientation == Qt.Orientation.Horizontal and int(role) == _DISPLAY:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> object:
        if not index.isValid():
            return None
        role = int(role)
        if role == _TOOLTIP and index.column() == MESSAGE_COL:
            return self.events[index.row()].message  # all of it, also where the cell elides
        if role != _DISPLAY:
            return None
        text = event_cells(self.events[index.row()])[index.column()]
        if index.column() == MESSAGE_COL and self.needle:
            return around_match(text, self.needle, self.fits)
        return text
