"""Graphics-scene changes painted in the same frame as the widgets changed with them.

A QGraphicsScene does not mark its views dirty when an item moves: it posts itself a queued call
(`_q_processDirtyItems`) that does so later and then paints the window's dirty widgets at once
(QGraphicsView syncs the window's backing store there). A plain widget (a QLabel's setText) marks
itself dirty at once. When a label and items of two scenes change for one instant (the review's
cursor: the header, the pen table, the timeline's line, the trend's cursor line and its time label),
the first scene's queued call painted and flushed the window while the other scene's view was not
dirty yet; that view followed in a second flush (F22: in 30x playback the trend's cursor label read
17:05:37 while the header and pen table read 17:05:40).

Here a view marks the pixels under the items it moves dirty at once (`covered_rect`, then
`QWidget.update`), so whichever paint of the window comes first paints them with every widget changed
in the same step. (The scene's own call then repaints those pixels once more, unchanged. Delivering it
early instead, with `QCoreApplication.sendPostedEvents(scene, MetaCall)`, was tried: it paints the
window before the Qt timers of that step have run, and the pen table, whose cells wait for its delayed
layout timer, was then not repainted at all while a scrub kept the event loop busy.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView

# px left and right of an item: the widest cursor pen (hovered, 4 px) and antialiasing. Not above and
# below: a vertical cursor line's box ends at its plot's edge, and a margin there would repaint the axis
# under the plot (its tick labels: more than the rest of a move's repaint of the trend).
_PEN_MARGIN = 3


def covered_rect(view: QGraphicsView, items: Sequence[QGraphicsItem]) -> QRect:
    """The view's pixels that the visible `items` of its scene cover now (with a pen's margin left
    and right)."""
    rect = QRect()
    for item in items:
        if item.isVisible() and item.scene() is view.scene():
            rect |= view.mapFromScene(item.sceneBoundingRect()).boundingRect()
    return rect.adjusted(-_PEN_MARGIN, 0, _PEN_MARGIN, 0) if rect.isValid() else rect


def move_items_in_view(
    view: QGraphicsView, items: Callable[[], Sequence[QGraphicsItem]], move: Callable[[], None]
) -> None:
    """Run `move()` (which moves or changes `items()`), then mark the view's pixels those items
    covered before and cover now dirty at once."""
    before = covered_rect(view, items())
    move()
    dirty = before | covered_rect(view, items())
    if dirty.isValid():
        view.viewport().update(dirty)
