"""The alarm priority indicator, painted the same way in the banner and the alarm table.

Colour is used for alarm priority and for nothing else (ISA-101), and never alone:
the indicator carries the priority number and word. A flashing indicator alternates
the full colour with a light fill inside a priority-coloured outline, so the priority
can still be read in the "off" half of the flash.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from hmi.core.units import no_break, plain
from widgets import palette

_FILL = {p: QColor(c) for p, c in palette.PRIORITY_COLOURS.items()}
_TEXT = {p: QColor(c) for p, c in palette.PRIORITY_TEXT.items()}
_LABEL = {1: "Urgent", 2: "High", 3: "Medium", 4: "Low"}


def priority_colour(priority: int) -> QColor:
    return QColor(_FILL[int(priority)])


def paint_priority_chip(
    p: QPainter,
    rect: QRectF,
    priority: int,
    *,
    lit: bool = True,
    text: str | None = None,
    font: QFont | None = None,
    radius: float = 2.0,
) -> None:
    """`lit=False`: the off half of a flash (light fill, coloured outline, dark text)."""
    prio = int(priority)
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    dark = QColor(palette.TEXT)  # read at paint time: the night theme swaps the greys
    fill = _FILL.get(prio, dark)
    if lit:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(fill)
        p.drawRoundedRect(rect, radius, radius)
        p.setPen(_TEXT.get(prio, dark))
    else:
        p.setPen(QPen(fill, 2.0))
        p.setBrush(QColor(palette.BLINK_OFF_FILL))
        p.drawRoundedRect(rect.adjusted(1, 1, -1, -1), radius, radius)
        p.setPen(dark)
    if font is not None:
        p.setFont(font)
    label = text if text is not None else f"{prio} {_LABEL.get(prio, '')}".strip()
    p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), label)
    p.restore()


class WrappingLabel(QLabel):
    """A label that never cuts its text: it wraps onto a fixed number of lines.

    It takes any width it is given (it never widens the banner) and is `lines` lines tall, so
    a layout's minimum never depends on how narrow it might get (a label that asks for the
    height its text needs at its minimum width would push the window past a 1280x800 screen).
    widgets.text_fit checks that the text fits those lines at the width it has.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None, *, lines: int = 2) -> None:
        super().__init__(text, parent)
        self.lines = lines
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(60)
        self._fit()

    def setText(self, text: str) -> None:
        # A number and its unit wrap as one word ("5.10 mm/ s" broke at the "/": hmi.core.units).
        super().setText(no_break(text))
        self.setToolTip(text)

    def full_text(self) -> str:
        return plain(self.text())

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit()

    def _fit(self) -> None:
        m = self.contentsMargins()
        self.setFixedHeight(self.lines * self.fontMetrics().lineSpacing() + m.top() + m.bottom() + 2)
