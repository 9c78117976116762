"""A one-line label that never widens its window: all of its text where there is room, elided where
there is not, with all of it in the tooltip.

A QLabel asks its layout for the width of its whole text as its minimum, so a text set at run time
(a long user name, a message naming a file) raised the window's minimum above the screen and the
window grew off it (qa7 G39: the review window went from 1920 to 2269 px wide after a log-in). This
label's minimum is MIN_CHARS characters; its size hint is still the whole text, so a layout with room
shows all of it. Where it shows less, `full_text()` says so to widgets.text_fit (the clipped-text
check counts it as elided), and the tooltip holds the whole text.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QWidget

from widgets.text_fit import label_indent

MIN_CHARS = 12  # the narrowest a FitLabel goes: about this many average characters


class FitLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self._full = ""
        self._tip = ""
        self.setText(text)

    def setText(self, text: str) -> None:  # type: ignore[override]
        self._full = text
        self.updateGeometry()
        self._fit()

    def text(self) -> str:  # type: ignore[override]
        return self._full

    def full_text(self) -> str:
        return self._full

    def setToolTip(self, tip: str) -> None:  # type: ignore[override]
        """The label's own tooltip; while the text is elided the whole text comes first in it."""
        self._tip = tip
        self._fit()

    def _text_width(self, text: str) -> int:
        fm = self.fontMetrics()
        return max((fm.horizontalAdvance(line) for line in text.split("\n")), default=0)

    def _chrome(self) -> int:
        m = self.contentsMargins()
        return m.left() + m.right() + 2 * self.margin() + label_indent(self)

    def sizeHint(self) -> QSize:
        return QSize(self._text_width(self._full) + self._chrome(), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        least = min(self._text_width(self._full), self.fontMetrics().averageCharWidth() * MIN_CHARS)
        return QSize(least + self._chrome(), super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        room = self.width() - self._chrome()
        fm = self.fontMetrics()
        lines = self._full.split("\n")
        shown = "\n".join(
            line
            if fm.horizontalAdvance(line) <= room
            else fm.elidedText(line, Qt.TextElideMode.ElideRight, room)
            for line in lines
        )
        if QLabel.text(self) != shown:
            QLabel.setText(self, shown)
        tip = "\n\n".join(t for t in ((self._full if shown != self._full else ""), self._tip) if t)
        if QLabel.toolTip(self) != tip:
            QLabel.setToolTip(self, tip)
