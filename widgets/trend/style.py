"""Colours and pens of the trend (ISA-101: grey on grey; colour is data, alarm colours stay alarms)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPen

from widgets import palette

# Restrained, dark pen colours that read on the grey plot and stay clear of the alarm
# colours (red, orange, yellow, magenta) and of the communication blue (palette.COMM),
# which the status lane uses for "no connection".
PEN_COLOURS = (
    "#202020",  # near black
    "#00707A",  # teal
    "#45459A",  # indigo
    "#566B1F",  # olive
    "#7A5230",  # brown
    "#1E6B4A",  # forest
    "#6A5A8C",  # grey violet
    "#3F5F6F",  # slate
    "#7A7045",  # khaki
    "#2F4F4F",  # dark slate grey
)

PLOT_BG = "#E2E2E2"
GRID = "#C9C9C9"
AXIS_TEXT = palette.TEXT_DIM
AXIS_LINE = "#8C8C8C"
CURSOR = palette.POINTER
NORMAL_BAND = "#EDEDED"  # the normal operating band of the selected pen: lighter than the plot
# Beyond H / L and beyond HH / LL: faint solid greys a step darker than the plot (ISA-101: calm,
# no alarm colour). Never hatched: a hatch in this trend means bad quality ("/// bad").
ALARM_ZONE = "#D8D8D8"
ALARM_ZONE_2 = "#CDCDCD"
LIMIT_LINE = palette.TICK
LANE_BG = "#D8D8D8"
GAP = palette.COMM  # no data reached us: communication blue, not an alarm colour
GAP_SHADE = "#C7CCD4"  # the gap in the plot area: a faint blue-grey
BACKFILL = palette.COMM
BACKFILL_SHADE = "#AFC0D8"  # backfilled stretch in the plot: a faint blue hatch behind the lines
BACKFILL_FILL = "#B9CBE3"  # light communication blue: data that came late, from the server's history
BAD = palette.HATCH
UNCERTAIN = "#8A8A8A"


def pen_colour(i: int) -> str:
    base = QColor(PEN_COLOURS[i % len(PEN_COLOURS)])
    lap = i // len(PEN_COLOURS)
    if lap:
        # later laps: the same hues a little lighter, so 100 pens stay distinguishable in the table
        base = base.lighter(100 + 25 * min(lap, 3))
    return base.name()


def line_pen(colour: str, width: float = 1.0, dashed: bool = False) -> QPen:
    pen = QPen(QColor(colour))
    pen.setCosmetic(True)
    pen.setWidthF(width)
    if dashed:
        pen.setStyle(Qt.PenStyle.CustomDashLine)
        pen.setDashPattern([4.0, 3.0])
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    pen.setJoinStyle(Qt.PenJoinStyle.BevelJoin)
    return pen


def hatch(colour: str, style: Qt.BrushStyle = Qt.BrushStyle.BDiagPattern) -> QBrush:
    return QBrush(QColor(colour), style)


def solid(colour: str, alpha: int = 255) -> QBrush:
    c = QColor(colour)
    c.setAlpha(alpha)
    return QBrush(c)
