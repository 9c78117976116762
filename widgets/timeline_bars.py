"""The timeline's machine-state bars as ONE graphics item.

A week of daily files has about 10,000 state bars. As one QGraphicsRectItem each, every repaint of a
strip of the timeline (a cursor move repaints the line's old and new strips) had Qt look up and draw
items in a scene of 10,000: most of the timeline's paint time during a scrub. This item holds the
bars as sorted arrays per (lane, colour) and paints only the bars that cross the exposed part of the
view, one `drawRects` call per lane and colour. What the reviewer sees is the same: the same rectangles
in the same colours, no outline; the tooltip names the bar under the mouse as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSceneHoverEvent

from hmi.core.review.timeline import StateBar

BAR_HALF_HEIGHT = 0.35  # a bar fills 0.7 of its lane's height
ColourOf = Callable[[StateBar], str]


@dataclass
class _Run:
    """The bars of one lane in one colour, in time order (bars of one machine never overlap)."""

    brush: QBrush
    t0: np.ndarray
    t1: np.ndarray
    rects: list[QRectF]


@dataclass
class _Lane:
    """All bars of one lane in time order, for the tooltip under the mouse."""

    t0: np.ndarray
    t1: np.ndarray
    tips: list[str]


class StateBarsItem(pg.GraphicsObject):
    """Every machine lane's state bars. `colour_of(bar)` gives each bar's fill; `lane_y` maps a machine
    to its lane's y (bars of machines without a lane are not drawn)."""

    def __init__(self, bars: Sequence[StateBar], lane_y: Mapping[str, float], colour_of: ColourOf) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)  # exposedRect
        self.setAcceptHoverEvents(True)
        self._runs: list[_Run] = []
        self._lanes: dict[float, _Lane] = {}
        self._bounds = QRectF()
        self.set_bars(bars, lane_y, colour_of)

    def set_bars(self, bars: Sequence[StateBar], lane_y: Mapping[str, float], colour_of: ColourOf) -> None:
        self.prepareGeometryChange()
        by_run: dict[tuple[float, str], list[StateBar]] = {}
        by_lane: dict[float, list[StateBar]] = {}
        for bar in bars:
            y = lane_y.get(bar.machine)
            if y is None:
                continue
            by_run.setdefault((y, colour_of(bar)), []).append(bar)
            by_lane.setdefault(y, []).append(bar)
        self._runs = []
        for (y, colour), run in by_run.items():
            run.sort(key=lambda b: b.t0)
            self._runs.append(_Run(
                QBrush(QColor(colour)),
                np.array([b.t0 for b in run], dtype=float),
                np.array([b.t1 for b in run], dtype=float),
                [QRectF(b.t0, y - BAR_HALF_HEIGHT, b.t1 - b.t0, 2 * BAR_HALF_HEIGHT) for b in run],
            ))  # fmt: skip
        self._lanes = {}
        for y, lane in by_lane.items():
            lane.sort(key=lambda b: b.t0)
            self._lanes[y] = _Lane(
                np.array([b.t0 for b in lane], dtype=float),
                np.array([b.t1 for b in lane], dtype=float),
                [f"{b.machine}: {b.state}" + (f" ({b.fault})" if b.fault else "") for b in lane],
            )
        drawn = [b for b in bars if b.machine in lane_y]
        if drawn:
            ys = [lane_y[b.machine] for b in drawn]
            t0, t1 = min(b.t0 for b in drawn), max(b.t1 for b in drawn)
            self._bounds = QRectF(
                t0, min(ys) - BAR_HALF_HEIGHT, t1 - t0, max(ys) - min(ys) + 2 * BAR_HALF_HEIGHT
            )
        else:
            self._bounds = QRectF()
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(self._bounds)

    def paint(self, p: QPainter, option: Any, _widget: Any = None) -> None:
        exposed = option.exposedRect
        a, b = float(exposed.left()), float(exposed.right())
        p.setPen(Qt.PenStyle.NoPen)
        for run in self._runs:
            # Bars of one lane and colour are in time order and do not overlap: those crossing [a, b]
            # are one slice.
            i0 = int(np.searchsorted(run.t1, a, side="left"))
            i1 = int(np.searchsorted(run.t0, b, side="right"))
            if i1 > i0:
                p.setBrush(run.brush)
                p.drawRects(run.rects[i0:i1])

    def bar_tip(self, t: float, y: float) -> str:
        """The tooltip of the bar at time `t` on the lane nearest `y` ("" where there is none)."""
        lane = self._lanes.get(float(round(y)))
        if lane is None or abs(y - round(y)) > BAR_HALF_HEIGHT:
            return ""
        i = int(np.searchsorted(lane.t0, t, side="right")) - 1
        return lane.tips[i] if i >= 0 and t <= lane.t1[i] else ""

    def hoverMoveEvent(self, ev: QGraphicsSceneHoverEvent) -> None:
        pos = ev.pos()
        self.setToolTip(self.bar_tip(float(pos.x()), float(pos.y())))
