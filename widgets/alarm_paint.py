"""The alarm priority indicator, painted the same way in the banner and the alarm table.

Colour is used for alarm priority and for nothing else (ISA-101), and never alone:
the indicator carries the priority number and word. A flashing indicator alternates
the full colour with a light fill inside a priority-coloured outline, so the priority
can still be read in the "off" half of the flash.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen

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
