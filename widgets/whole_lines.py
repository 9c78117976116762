"""A scroll area that never shows a line of text cut at its foot.

A scroll area's edge falls wherever its height puts it: through "RUL > 10 min" at the overview's
foot, through a dock's "REJECT  Misaligned label" or the alarm list's role line (issue 10: QA4
saw all three). `WholeLinesScrollArea` moves the bottom of its viewport up to just above any line
of a label, button or combo box that the edge would cut (a bottom viewport margin: the strip
under it is empty background), and follows scrolling, resizing and its content's layout. What
is under the edge is reached by scrolling, whole.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QTimer
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QScrollArea, QWidget

from widgets.text_fit import text_rect

MAX_SHARE = 0.5  # never hide more than this share of the viewport (a line taller than that is cut)


class WholeLinesScrollArea(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bottom_margin = 0
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.fit_edge)
        self.verticalScrollBar().valueChanged.connect(self._schedule)
        self.verticalScrollBar().rangeChanged.connect(self._schedule)

    def setWidget(self, widget: QWidget) -> None:
        super().setWidget(widget)
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.widget() and event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest):
            self._schedule()
        return super().eventFilter(obj, event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._schedule()

    def _schedule(self, *_args) -> None:
        self._pending.start()

    def bottom_margin(self) -> int:
        return self._bottom_margin

    def _text_bands(self, inner: QWidget) -> list[tuple[int, int]]:
        bands = []
        for w in inner.findChildren(QWidget):
            if not isinstance(w, QLabel | QAbstractButton | QComboBox) or not w.isVisibleTo(inner):
                continue
            r = text_rect(w)
            if r.isEmpty():
                continue
            top = w.mapTo(inner, QPoint(0, r.top())).y()
            bands.append((top, top + r.height()))
        return bands

    def fit_edge(self) -> None:
        """Set the bottom margin so the viewport's foot cuts no line of text."""
        inner = self.widget()
        if inner is None:
            return
        hbar = self.horizontalScrollBar()
        full = self.contentsRect().height() - (hbar.height() if hbar.isVisible() else 0)
        top_shown = self.verticalScrollBar().value()
        edge = top_shown + full
        bands = self._text_bands(inner)
        moved = True
        while moved:
            moved = False
            for top, bottom in bands:
                if top < edge < bottom:
                    edge, moved = top, True
        margin = top_shown + full - edge
        if margin > full * MAX_SHARE:
            margin = 0
        if margin != self._bottom_margin:
            self._bottom_margin = margin
            self.setViewportMargins(0, 0, 0, margin)
