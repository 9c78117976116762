"""A list view with a panel at its foot that takes its room from the list, never lies over it.

The alarm list's details box lay over the rows (a line of the pane's layout would have grown the
pane past its dock at 1280x800, qa8 Q5): however it was placed, with four alarms at 1280 touch it
hid one, and since the rows all fitted the viewport the scroll bar was full length and no
scrolling brought the hidden row back (qa11 Q11-1). Here the panel shares the list's own
rectangle: the view gets what the panel leaves, so its scroll range covers every row and each
row can be scrolled into sight, uncovered. The pair asks the layout for what the view alone asks
(the pane never grows when the panel comes), and the panel never leaves the view less than its
header and one row.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget


class ListWithFoot(QWidget):
    """`view` over `foot`; the foot as tall as its text needs at the list's width while it is
    shown (not hidden), the view the rest."""

    def __init__(self, view: QAbstractItemView, foot: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.foot = foot
        view.setParent(self)
        foot.setParent(self)
        self.setSizePolicy(view.sizePolicy())
        foot.installEventFilter(self)  # shown or hidden: the view gives or takes back the room

    def sizeHint(self) -> QSize:
        return self.view.sizeHint()

    def minimumSizeHint(self) -> QSize:
        return self.view.minimumSizeHint()

    def least_view_height(self) -> int:
        """What the foot always leaves the view: its frame, its header and one row."""
        view = self.view
        least = 2 * view.frameWidth()
        if isinstance(view, QTableView):
            header = view.horizontalHeader()
            least += (
                header.height() if not header.isHidden() else 0
            ) + view.verticalHeader().defaultSectionSize()
        else:
            least += view.sizeHintForRow(0) if view.model() is not None else 0
        return least

    def foot_height(self) -> int:
        """The room the foot takes from the view now (0 while it is hidden)."""
        foot = self.foot
        if foot.isHidden():
            return 0
        w = self.width()
        need = foot.heightForWidth(w) if foot.hasHeightForWidth() else foot.sizeHint().height()
        return max(0, min(need, self.height() - self.least_view_height()))

    def relayout(self) -> None:
        w, h = self.width(), self.height()
        foot = self.foot_height()
        self.view.setGeometry(0, 0, w, h - foot)
        if foot:
            self.foot.setGeometry(0, h - foot, w, foot)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.relayout()

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.LayoutRequest:
            self.relayout()  # the foot's text, font or style changed: so may its height
        return super().event(e)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.foot and event.type() in (QEvent.Type.ShowToParent, QEvent.Type.HideToParent):
            self.relayout()
        return super().eventFilter(obj, event)
