"""The plot area of a trend: Y-axis groups (overlaid or stacked), time axis, status lane, cursor, bands.

Layout (pyqtgraph GraphicsLayout)::

    overlay:  [ ]        [ status lane ]        [ ]
              [axes L]   [ main ViewBox ]  [axes R]     other groups' ViewBoxes lie on top of
              [ ]        [ time axis   ]                the main one, x-linked, same geometry
    stacked:  [ ]        [ status lane ]
              [axis 1]   [ ViewBox 1   ]                one row per group, x-linked
              [axis 2]   [ ViewBox 2   ]                (state rows are lower)
              [ ]        [ time axis   ]

Every ViewBox pans and zooms in time only (mouse drag, wheel); Y scales are the
engineering ranges, or automatic for tags without one (axis menu to change).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem

from widgets.scene_frame import move_items_in_view
from widgets.trend import style
from widgets.trend.curve import IntervalItem
from widgets.trend.limit_labels import place_labels

LANE_ROWS = ("gap", "bad", "backfilled")  # top to bottom in the status lane
# Limit lines above the gap/backfill shading (z -20/-19), below the curves; their labels above
# everything but the cursor (z 50): under the shading the label "HH 30" read "H 30" where a gap
# covered its first letter (qa7 G36).
_LIMIT_LINE_Z = -15
_LIMIT_LABEL_Z = 40


def _line_px(font: QFont | None) -> float:
    """The height a tick label takes: its font's whole line."""
    return QFontMetricsF(font or QFont()).height()


def _apart(
    texts: list[tuple[QRectF, Any, str]], line: float, height: float | None = None
) -> list[tuple[QRectF, Any, str]]:
    """The labels that do not touch one kept before them (in pyqtgraph's order: the major level
    first, from the lowest value up): pyqtgraph draws its major level however crowded, and the
    names of a state axis in a short band were drawn over each other (qa9 Q9-16, Q9-30). `height`
    (a vertical axis): a label whose line would stick out of the axis is left out too (it ran into
    the next row's in a stacked chart). A label left out is left out whole, never shortened; its
    tick stays, and the pen table names the value."""
    kept: list[tuple[QRectF, Any, str]] = []
    boxes: list[QRectF] = []
    for rect, flags, text in texts:
        c = rect.center()
        line_box = QRectF(rect.left(), c.y() - line / 2, rect.width(), line)
        if height is not None and (line_box.top() < -0.5 or line_box.bottom() > height + 0.5):
            continue
        box = line_box.adjusted(-1, -0.5, 1, 0.5)
        if any(box.intersects(b) for b in boxes):
            continue
        kept.append((rect, flags, text))
        boxes.append(box)
    return kept


class _ApartLabels:
    """An axis whose labels never overlap and whose title shows only where it fits whole."""

    def generateDrawSpecs(self, p: QPainter) -> Any:
        specs = super().generateDrawSpecs(p)  # type: ignore[misc]
        if specs is None:
            return None
        axis_spec, ticks, texts = specs
        vertical = self.orientation in ("left", "right")  # type: ignore[attr-defined]
        height = float(self.size().height()) if vertical else None  # type: ignore[attr-defined]
        return axis_spec, ticks, _apart(texts, _line_px(self.style["tickFont"]), height)  # type: ignore[attr-defined]

    def _fit_title(self) -> None:
        """A title longer than its axis (a short row of a stacked chart) ran into the next row's:
        it is left out there (the pen table's Axis column names every pen's axis)."""
        label = self.label  # type: ignore[attr-defined]
        text = label.toPlainText().strip()
        m = label.document().documentMargin()
        length = self.size().height() if self.orientation in ("left", "right") else self.size().width()  # type: ignore[attr-defined]
        fits = bool(text) and label.boundingRect().width() - 2 * m <= length
        if label.isVisible() != fits:
            self.showLabel(fits)  # type: ignore[attr-defined]

    def resizeEvent(self, ev: Any = None) -> None:
        super().resizeEvent(ev)  # type: ignore[misc]
        self._fit_title()

    def setLabel(self, *args: Any, **kw: Any) -> None:
        super().setLabel(*args, **kw)  # type: ignore[misc]
        self._fit_title()


class ValueAxis(_ApartLabels, pg.AxisItem):
    """Y axis of an analog pen group."""


class StateAxis(_ApartLabels, pg.AxisItem):
    """Y axis of a boolean or enumeration: ticks at the states, labelled with their names."""

    def __init__(self, states: dict[int, str], **kw: object) -> None:
        super().__init__("left", **kw)
        self.states = dict(states)
        self.shown: frozenset[int] = frozenset()  # the states its pens draw in view

    def set_shown(self, shown: frozenset[int]) -> None:
        """The states the pens draw now: their names come first where not all names fit (the
        level the line sits at is named, not "Stopped" and "Faulted" of a line that ran)."""
        if shown != self.shown:
            self.shown = shown
            self.picture = None
            self.update()

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, list[float]]]:
        vals = [float(k) for k in sorted(self.states) if minVal - 1e-9 <= k <= maxVal + 1e-9]
        vals.sort(key=lambda v: round(v) not in self.shown)  # (stable: by value within each)
        return [(1.0, vals)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [self.states.get(round(v), f"{v:g}") for v in values]


class TimeAxis(_ApartLabels, pg.DateAxisItem):
    """Local wall-clock time (the reviewers think in local time), with the date when the range spans days."""


@dataclass
class AxisGroup:
    key: str
    title: str
    vb: pg.ViewBox
    axis: pg.AxisItem
    y_range: tuple[float, float] | None
    states: dict[int, str] = field(default_factory=dict)
    shade: IntervalItem | None = None  # gaps, across the plot
    bf_shade: IntervalItem | None = None  # backfilled stretches, a faint hatch
    cursor: pg.InfiniteLine | None = None
    applied_y: tuple[float, float] | None = None  # the y range this canvas gave the view last

    @property
    def is_state(self) -> bool:
        return bool(self.states)


@dataclass(frozen=True)
class AxisText:
    """A text an axis paints: a tick's label or the axis' title, where it lies in the scene."""

    axis: str  # the group's key, or "time"
    text: str
    rect: QRectF  # scene coordinates, the text's whole line height
    whole: bool  # all of it inside what the axis paints (pyqtgraph clips its labels to that)


def _font(pt: int = 9) -> QFont:
    f = QFont()
    f.setPointSize(pt)
    return f


class TrendCanvas(pg.GraphicsLayoutWidget):
    cursor_moved = Signal(float)  # time under the cursor (POSIX s)
    range_changed_by_user = Signal()  # pan/zoom with mouse or wheel
    x_range_changed = Signal(float, float)

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)
        self.setBackground(QColor(style.LANE_BG).lighter(103))
        self.ci.setContentsMargins(4, 4, 8, 2)
        self.ci.setSpacing(0)
        self.mode = "overlay"
        self.groups: dict[str, AxisGroup] = {}
        self._order: list[str] = []
        self._cursor_visible = False
        self._cursor_t = math.nan
        self._syncing = False
        self._master: pg.ViewBox | None = None
        self._geom_vb: pg.ViewBox | None = None
        self._bands: list[tuple[pg.ViewBox, pg.GraphicsObject]] = []
        self._band_spec: (
            tuple[AxisGroup, pg.ViewBox, list[tuple[float, float, object]], list[tuple[str, float]]] | None
        ) = None
        self.limit_labels: list[pg.TextItem] = []  # the selected pen's "HH 7.1"... in limit order
        self._label_hosts: list[pg.ViewBox] = []  # views whose resize re-places the labels
        # status lane: y 0..3, one row per kind
        self.lane_vb = pg.ViewBox(enableMouse=False, enableMenu=False)
        self.lane_vb.setYRange(0, len(LANE_ROWS), padding=0)
        self.lane_vb.setBackgroundColor(QColor(style.LANE_BG))
        self.lane_vb.setMaximumHeight(27)
        self.lane_vb.setMinimumHeight(27)
        self.lane_items: dict[str, IntervalItem] = {}
        brushes = {
            "gap": (style.solid(style.GAP), pg.mkPen(style.GAP)),
            "bad": (style.hatch(style.BAD, Qt.BrushStyle.BDiagPattern), pg.mkPen(style.BAD)),
            "backfilled": (style.solid(style.BACKFILL_FILL), pg.mkPen(style.BACKFILL)),
        }
        for row, kind in enumerate(LANE_ROWS):
            brush, pen = brushes[kind]
            y1 = len(LANE_ROWS) - row
            item = IntervalItem(brush, pen, y1 - 0.9, y1 - 0.1)
            item.setToolTip(
                {
                    "gap": "No data: connection lost, journal gap or LineHMI not running",
                    "bad": "Bad quality: no usable value (sensor failure, NaN...)",
                    "backfilled": "Filled in from the server's history after a reconnect",
                }[kind]
            )
            self.lane_vb.addItem(item)
            self.lane_items[kind] = item
        self.time_axis = TimeAxis(orientation="bottom")
        self._style_axis(self.time_axis)
        self.time_axis.setGrid(70)
        self.lane_label = pg.LabelItem("", size="7pt", color=style.AXIS_TEXT)
        # With the cursor on, a click on the plot places it there (qa5 F11: a click did nothing, and
        # a drag a pixel beside the 1-px line panned the chart and paused live). Dragging the chart
        # still pans: a press that moves is a pan, one that does not is a click.
        self.scene().sigMouseClicked.connect(self._on_scene_clicked)

    # --- groups ------------------------------------------------------------------------------------
    def set_groups(self, specs: list[tuple[str, str, tuple[float, float] | None, dict[int, str]]]) -> None:
        """(key, title, y range or None for auto, states) per group, in display order."""
        keys = [s[0] for s in specs]
        old_range = self.x_range() if self._master is not None else None
        self.clear_bands()
        for key in list(self.groups):
            if key not in keys:
                self.groups.pop(key).vb.clear()
        for key, title, yr, states in specs:
            g = self.groups.get(key)
            if g is None or g.states != states:
                if g is not None:
                    g.vb.clear()
                vb = pg.ViewBox(enableMenu=True, defaultPadding=0.0)
                vb.setMouseEnabled(x=True, y=False)
                vb.setBackgroundColor(None)
                axis: pg.AxisItem = StateAxis(states) if states else ValueAxis("left")
                self._style_axis(axis)
                axis.linkToView(vb)
                shade = IntervalItem(style.hatch(style.GAP_SHADE, Qt.BrushStyle.SolidPattern))
                vb.addItem(shade, ignoreBounds=True)
                shade.setZValue(-20)  # after addItem: ViewBox raises children below its own z
                bf = IntervalItem(style.hatch(style.BACKFILL_SHADE, Qt.BrushStyle.BDiagPattern))
                vb.addItem(bf, ignoreBounds=True)
                bf.setZValue(-19)
                g = AxisGroup(key, title, vb, axis, yr, dict(states), shade, bf)
                vb.sigYRangeChanged.connect(self._on_y_range)
                vb.sigResized.connect(self._on_view_resized)
                vb.sigRangeChangedManually.connect(self._on_manual)
                self.groups[key] = g
            g.title, g.y_range = title, yr
            g.axis.setLabel(title)
            self._apply_y(g)
        self._order = keys
        self._rebuild(old_range)

    def _apply_y(self, g: AxisGroup, band: tuple[float, float] | None = None) -> None:
        """Fixed engineering range, or automatic. `band`: in overlay mode a state group is drawn
        in a strip of the plot (fractions of its height, from the bottom), not across all of it.

        A fixed range leaves half a label's line above its top value and below its bottom one, so
        the end labels lie within the axis: in a stacked chart an axis' "0" or "Stopped" ran into
        the next row's top label, and an axis leaves out a label it cannot show whole (_apart)."""
        if g.y_range is not None:
            lo, hi = g.y_range
            g.vb.disableAutoRange(pg.ViewBox.YAxis)
            edge_px = _line_px(_font(8)) / 2 + 1
            h = float(g.vb.height())
            if g.is_state:
                pad = 0.35
                if band is None and h > 2 * edge_px and hi > lo:
                    pad = max(pad, edge_px * (hi - lo) / (h - 2 * edge_px))
                y0, size = lo - pad, (hi - lo) + 2 * pad
                if band is not None:
                    a, b = band
                    full = size / (b - a)
                    y0, y1 = y0 - a * full, y0 - a * full + full
                else:
                    y1 = y0 + size
            else:
                pad = 0.04 * (hi - lo)
                if h > 2 * edge_px and hi > lo:
                    pad = max(pad, edge_px * (hi - lo) / (h - 2 * edge_px))
                y0, y1 = lo - pad, hi + pad
            g.applied_y = (y0, y1)
            if g.vb.viewRange()[1] != [y0, y1]:
                g.vb.setYRange(y0, y1, padding=0)
        else:
            g.applied_y = None
            g.vb.enableAutoRange(pg.ViewBox.YAxis)
            g.vb.setAutoVisible(y=True)

    def _place_y(self, g: AxisGroup, resized: bool = False) -> None:
        """g's y range for the plot's size now: its band (a state group in overlay beside analog
        pens) and the room for its end labels follow the height. `resized`: only a range this
        canvas set is redone, never one someone chose (the view's menu)."""
        if resized:
            now = g.vb.viewRange()[1]
            if g.applied_y is None or not np.allclose(now, g.applied_y, rtol=1e-9, atol=1e-12):
                return
        groups = self.ordered_groups()
        states = [x for x in groups if x.is_state]
        band = None
        if g.is_state and self.mode == "overlay" and len(groups) > len(states) and self._master is not None:
            band = self.state_bands(float(self._master.height()))[states.index(g)]
        self._apply_y(g, band)

    def _on_view_resized(self, vb: pg.ViewBox) -> None:
        for g in self.ordered_groups():
            if g.vb is vb:
                self._place_y(g, resized=True)

    def _style_axis(self, axis: pg.AxisItem) -> None:
        axis.setPen(pg.mkPen(style.AXIS_LINE))
        axis.setTextPen(pg.mkPen(style.AXIS_TEXT))
        axis.setStyle(tickFont=_font(8), tickTextOffset=3, tickLength=-4)
        axis.label.setFont(_font(8))

    def set_axis_colour(self, key: str, colour: str | None) -> None:
        """Axis text in the pen's colour when the axis carries a single pen; grey otherwise."""
        g = self.groups.get(key)
        if g is not None:
            c = colour or style.AXIS_TEXT
            g.axis.setTextPen(pg.mkPen(c))
            g.axis.setLabel(g.title, color=c)

    def set_states_shown(self, key: str, shown: frozenset[int]) -> None:
        g = self.groups.get(key)
        if g is not None and isinstance(g.axis, StateAxis):
            g.axis.set_shown(shown)

    def ordered_groups(self) -> list[AxisGroup]:
        return [self.groups[k] for k in self._order if k in self.groups]

    def set_mode(self, mode: str) -> None:
        if mode not in ("overlay", "stacked"):
            raise ValueError(f"mode must be 'overlay' or 'stacked', not {mode!r}")
        if mode != self.mode:
            self.mode = mode
            self._rebuild(self.x_range() if self._master is not None else None)

    def _rebuild(self, x_range: tuple[float, float] | None) -> None:
        scene = self.scene()
        if self._geom_vb is not None:
            self._geom_vb.sigResized.disconnect(self._sync_geometry)
            self._geom_vb.sigXRangeChanged.disconnect(self._on_x_range)
            self._geom_vb = None
        for g in self.groups.values():
            if g.vb.scene() is not None and g.vb not in self.ci.items:
                scene.removeItem(g.vb)
            g.vb.setXLink(None)
        self.ci.clear()
        groups = self.ordered_groups()
        if not groups:
            # an empty trend still shows time and the lane
            vb = pg.ViewBox(enableMenu=False)
            vb.setMouseEnabled(x=True, y=False)
            groups_vb = [vb]
            self._empty_vb = vb
        else:
            groups_vb = [g.vb for g in groups]
            self._empty_vb = None
        master = groups_vb[0]
        self._master = master
        if self.mode == "overlay" or len(groups) <= 1:
            left = [g for i, g in enumerate(groups) if i % 2 == 0]
            right = [g for i, g in enumerate(groups) if i % 2 == 1]
            nl = max(len(left), 1)
            self.ci.addItem(self.lane_vb, 0, nl)
            for j, g in enumerate(reversed(left)):
                g.axis.orientation = "left"
                self.ci.addItem(g.axis, 1, j)
            if not left:
                self.ci.addItem(pg.AxisItem("left", showValues=False), 1, 0)
            self.ci.addItem(master, 1, nl)
            for j, g in enumerate(right):
                ax = g.axis
                ax.orientation = "right"
                self.ci.addItem(ax, 1, nl + 1 + j)
            self.ci.addItem(self.time_axis, 2, nl)
            for g in groups[1:]:
                scene.addItem(g.vb)
                g.vb.setXLink(master)
                g.vb.setZValue(10)  # above the central layout (z 0), whose master view paints the background
            self._sync_geometry()
            self.ci.layout.setRowStretchFactor(1, 1)
        else:
            self.ci.addItem(self.lane_vb, 0, 1)
            for r, g in enumerate(groups):
                g.axis.orientation = "left"
                self.ci.addItem(g.axis, r + 1, 0)
                self.ci.addItem(g.vb, r + 1, 1)
                if g.vb is not master:
                    g.vb.setXLink(master)
                self.ci.layout.setRowStretchFactor(r + 1, 1 if g.is_state else 3)
            self.ci.addItem(self.time_axis, len(groups) + 1, 1)
        self._place_y_ranges()
        self.lane_vb.setXLink(master)
        self.time_axis.linkToView(master)
        # horizontal grid from the first axis of each row, vertical from the time axis
        for g in groups:
            g.axis.setGrid(0)
        if groups:
            if self.mode == "stacked":
                for g in groups:
                    g.axis.setGrid(60)
            else:
                groups[0].axis.setGrid(60)
        master.sigXRangeChanged.connect(self._on_x_range)
        master.sigResized.connect(self._sync_geometry)
        self._geom_vb = master
        master.setBackgroundColor(QColor(style.PLOT_BG))
        for g in groups[1:]:
            g.vb.setBackgroundColor(QColor(style.PLOT_BG) if self.mode == "stacked" else None)
        self._place_cursors()
        # adding items activates the layout, which shrinks the central item to its size hint;
        # give it the whole view again (what GraphicsView.resizeEvent does)
        self.ci.setGeometry(self.range)
        self._sync_geometry()
        if x_range is not None:
            self.set_x_range(*x_range)

    def state_bands(self, height_px: float) -> list[tuple[float, float]]:
        """Overlay mode beside analog pens: the strip of the plot (fractions of its height, from the
        bottom) each state group is drawn in, in order. Each is tall enough for a line per state
        where the plot has room (its names then all show), at least the share it always had
        (0.22, less with many), and all of them together at most 0.6 of the plot: the rest is the
        analog pens'. Where that is too little, the axis leaves out the names that would overlap."""
        groups = [g for g in self.ordered_groups() if g.is_state]
        if not groups:
            return []
        line = _line_px(_font(8))
        base = min(0.22, 0.6 / len(groups))
        want = []
        for g in groups:
            lo, hi = g.y_range if g.y_range is not None else (0.0, 1.0)
            # (not laid out yet: the shares it always had, until the first resize places them)
            want.append(max(base, ((hi - lo) + 0.7) * line / height_px) if height_px > 0 else base)
        scale = min(1.0, 0.6 / sum(want))
        # the lowest name is not cut at the plot's edge
        bottom = 0.5 * line / height_px if height_px > 0 else 0.0
        out = []
        for f in want:
            f *= scale
            out.append((bottom, bottom + f - 0.02))
            bottom += f
        return out

    def _place_y_ranges(self, resized: bool = False) -> None:
        for g in self.ordered_groups():
            self._place_y(g, resized)

    def _sync_geometry(self) -> None:
        master = self._master
        if master is None:
            return
        rect = master.sceneBoundingRect()
        for g in self.ordered_groups():
            if g.vb is not master and self.mode == "overlay":
                g.vb.setGeometry(rect)
                g.vb.linkedViewChanged(master, g.vb.XAxis)
        self._place_y_ranges(resized=True)  # the state bands' share of the plot follows its height

    def axis_texts(self) -> list[AxisText]:
        """Every label and title the axes paint now, as pyqtgraph lays them out (its draw specs),
        for the checks that no two overlap and none is cut."""
        out: list[AxisText] = []
        axes = [(g.key, g.axis) for g in self.ordered_groups()] + [("time", self.time_axis)]
        img = QImage(4, 4, QImage.Format.Format_ARGB32)
        p = QPainter(img)
        try:
            for key, ax in axes:
                if not ax.isVisible() or ax.scene() is None:
                    continue
                font = ax.style["tickFont"] or QFont()
                p.setFont(font)
                specs = ax.generateDrawSpecs(p)
                if specs is None:
                    continue
                fm = QFontMetricsF(font)
                clip = ax.boundingRect()
                for rect, _flags, text in specs[2]:
                    # pyqtgraph measures 0.8 of the line, centred on the tick: the glyphs take all of it
                    h = fm.height()
                    w = max(rect.width(), fm.horizontalAdvance(text))
                    x = rect.right() - w if ax.orientation == "left" else rect.left()
                    full = QRectF(x, rect.center().y() - h / 2, w, h)
                    ink = fm.tightBoundingRect(text).translated(
                        rect.right() - fm.horizontalAdvance(text)
                        if ax.orientation == "left"
                        else rect.left(),
                        full.top() + fm.ascent(),
                    )
                    whole = clip.adjusted(-0.5, -0.5, 0.5, 0.5).contains(ink)
                    out.append(AxisText(key, text, ax.mapRectToScene(full), whole))
                title = ax.label
                if title.isVisible() and title.toPlainText().strip():
                    m = title.document().documentMargin()
                    r = title.mapRectToScene(title.boundingRect().adjusted(m, m, -m, -m))
                    inside = self.sceneRect().adjusted(-0.5, -0.5, 0.5, 0.5).contains(r)
                    out.append(AxisText(key, title.toPlainText().strip(), r, inside))
        finally:
            p.end()
        return out

    # --- ranges -----------------------------------------------------------------------------------
    @property
    def master(self) -> pg.ViewBox:
        assert self._master is not None
        return self._master

    def set_x_range(self, t0: float, t1: float) -> None:
        if self._master is None or not (math.isfinite(t0) and math.isfinite(t1)) or t1 <= t0:
            return
        self._master.setXRange(t0, t1, padding=0)

    def x_range(self) -> tuple[float, float]:
        (x0, x1), _ = self.master.viewRange()
        return float(x0), float(x1)

    def plot_width_px(self) -> int:
        if self._master is None:
            return 800
        w = int(self._master.width())
        return max(w, 100)

    def _on_x_range(self, vb: pg.ViewBox, rng: tuple[float, float]) -> None:
        self._place_bands()  # the limit labels keep to the right edge
        self.x_range_changed.emit(float(rng[0]), float(rng[1]))

    def _on_y_range(self, vb: pg.ViewBox, rng: tuple[float, float]) -> None:
        for g in self.groups.values():
            if g.vb is vb:
                for item in (g.shade, g.bf_shade):
                    if item is not None:
                        item.set_band(float(rng[0]), float(rng[1]))
        self._place_bands()

    def _on_manual(self, *_: object) -> None:
        self.range_changed_by_user.emit()

    # --- cursor -----------------------------------------------------------------------------------
    def _place_cursors(self) -> None:
        groups = self.ordered_groups()
        vbs = [g.vb for g in groups] if self.mode == "stacked" else [self.master]
        for g in groups:
            if g.cursor is not None:
                if g.cursor.scene() is not None:
                    g.cursor.scene().removeItem(g.cursor)
                g.cursor = None
        for i, vb in enumerate(vbs):
            line = pg.InfiniteLine(
                angle=90,
                movable=True,
                pen=pg.mkPen(style.CURSOR, width=1),
                hoverPen=pg.mkPen(style.CURSOR, width=3),
                label=None if i else "",
                labelOpts={
                    "position": 0.97,
                    "color": style.CURSOR,
                    "fill": QColor(style.PLOT_BG),
                    # Right of the line, or left of it when the line is right of the plot's middle:
                    # the time label stays inside the plot at both edges ("20:" at the right edge
                    # while playing, qa7 G24; pyqtgraph picks the side from the view's centre).
                    "anchors": [(0, 0.5), (1, 0.5)],
                },
            )
            line.setVisible(self._cursor_visible)
            line.sigPositionChanged.connect(self._on_cursor_dragged)
            vb.addItem(line, ignoreBounds=True)
            line.setZValue(50)
            owner = groups[i] if self.mode == "stacked" else (groups[0] if groups else None)
            if owner is not None:
                owner.cursor = line
        if math.isfinite(self._cursor_t):
            self.set_cursor(self._cursor_t)

    def cursor_lines(self) -> list[pg.InfiniteLine]:
        return [g.cursor for g in self.ordered_groups() if g.cursor is not None]

    def set_cursor_visible(self, on: bool) -> None:
        self._cursor_visible = on
        if on and not math.isfinite(self._cursor_t):
            x0, x1 = self.x_range()
            self._cursor_t = x0 + 0.75 * (x1 - x0)
        for line in self.cursor_lines():
            line.setVisible(on)
        if on:
            self.set_cursor(self._cursor_t)

    @property
    def cursor_visible(self) -> bool:
        return self._cursor_visible

    @property
    def cursor_time(self) -> float:
        return self._cursor_t

    def set_cursor(self, t: float) -> None:
        # The lines and their time labels are painted in the same frame as the widgets that show this
        # instant (the pen table, a review's header), not one flush later (widgets/scene_frame.py).
        move_items_in_view(self, self._cursor_items, lambda: self._move_cursor(float(t)))

    def _cursor_items(self) -> list[QGraphicsItem]:
        lines = self.cursor_lines()
        return [*lines, *(child for line in lines for child in line.childItems())]  # + the time label

    def _move_cursor(self, t: float) -> None:
        self._cursor_t = t
        self._syncing = True
        try:
            for line in self.cursor_lines():
                if line.value() != t:
                    line.setValue(t)
        finally:
            self._syncing = False
        self.cursor_moved.emit(self._cursor_t)  # the readouts, the cursor's time label

    def _plot_views(self) -> list[pg.ViewBox]:
        views = [g.vb for g in self.ordered_groups()]
        return views if self._master is None else [self._master, *views]

    def _on_scene_clicked(self, ev: Any) -> None:
        if not self._cursor_visible or ev.button() != Qt.MouseButton.LeftButton or ev.double():
            return
        pos = ev.scenePos()
        for vb in self._plot_views():
            if vb.sceneBoundingRect().contains(pos):
                self.set_cursor(float(vb.mapSceneToView(pos).x()))
                ev.accept()
                return

    def _on_cursor_dragged(self, line: pg.InfiniteLine) -> None:
        if self._syncing:
            return
        self.set_cursor(float(line.value()))

    # --- bands ------------------------------------------------------------------------------------
    def clear_bands(self) -> None:
        for vb, item in self._bands:
            vb.removeItem(item)
        self._bands = []
        self.limit_labels = []
        self._band_spec = None

    def show_bands(
        self,
        key: str,
        normal: tuple[float, float] | None,
        limits: list[tuple[str, float]],
        y_extent: tuple[float, float] | None,
    ) -> None:
        """Shade the normal band and the alarm zones of one pen (values in its axis' units).

        In overlay mode they are drawn in the master view, behind every curve (an overlaid
        view lies above the master's curves), at the place the pen's axis puts them.
        """
        self.clear_bands()
        g = self.groups.get(key)
        if g is None:
            return
        lo_ext, hi_ext = y_extent if y_extent is not None else (-1e9, 1e9)
        lim = dict(limits)
        spans: list[tuple[float, float, object]] = []
        if normal is not None:
            spans.append((normal[0], normal[1], style.solid(style.NORMAL_BAND)))
        # Faint solid zones (ISA-101: calm grey); hatching means bad quality in this trend.
        zone1, zone2 = style.solid(style.ALARM_ZONE), style.solid(style.ALARM_ZONE_2)
        if "H" in lim:
            spans.append((lim["H"], lim.get("HH", hi_ext), zone1))
        if "HH" in lim:
            spans.append((lim["HH"], hi_ext, zone2))
        if "L" in lim:
            spans.append((lim.get("LL", lo_ext), lim["L"], zone1))
        if "LL" in lim:
            spans.append((lo_ext, lim["LL"], zone2))
        target = g.vb if (self.mode == "stacked" or g.vb is self._master) else self.master
        self._band_spec = (g, target, spans, limits)
        for a, b, brush in spans:
            r = pg.LinearRegionItem(values=(a, b), orientation="horizontal", movable=False, brush=brush)
            for ln in r.lines:
                ln.setPen(pg.mkPen(None))
                ln.setHoverPen(pg.mkPen(None))
            r.setAcceptHoverEvents(False)
            self._add_band(target, r)
        for name, v in limits:
            dashed = name in ("H", "L")
            pen = pg.mkPen(
                style.LIMIT_LINE, width=1, style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
            )
            line = pg.InfiniteLine(pos=v, angle=0, movable=False, pen=pen)
            self._add_band(target, line)
            line.setZValue(_LIMIT_LINE_Z)
        # The labels are placed apart in pixels (widgets.trend.limit_labels), not tied to their lines:
        # "HH 3" and "H 2.8" a few pixels apart overprinted each other.
        for name, v in limits:
            text = pg.TextItem(f"{name} {v:g}", color=style.LIMIT_LINE, anchor=(0, 0))
            text.setToolTip(f"alarm limit {name} = {v:g}")
            self._add_band(target, text)
            text.setZValue(_LIMIT_LABEL_Z)
            self.limit_labels.append(text)
        if not any(h is target for h in self._label_hosts):
            self._label_hosts.append(target)
            target.sigResized.connect(self._place_bands)
        self._place_bands()

    def _add_band(self, vb: pg.ViewBox, item: pg.GraphicsObject) -> None:
        vb.addItem(item, ignoreBounds=True)
        item.setZValue(-30)  # behind the gap shading and every curve
        self._bands.append((vb, item))

    def _to_target(self, g: AxisGroup, target: pg.ViewBox, v: float) -> float:
        """A value on group g's axis as a y in the target view (identity when it is g's own)."""
        if target is g.vb:
            return v
        (g0, g1) = g.vb.viewRange()[1]
        (m0, m1) = target.viewRange()[1]
        if g1 == g0:
            return v
        return m0 + (v - g0) * (m1 - m0) / (g1 - g0)

    def _place_bands(self) -> None:
        spec = self._band_spec
        if spec is None or not self._bands:
            return
        g, target, spans, limits = spec
        items = [it for _, it in self._bands]
        regions = [it for it in items if isinstance(it, pg.LinearRegionItem)]
        lines = [it for it in items if isinstance(it, pg.InfiniteLine)]
        big = 1e12
        for r, (a, b, _brush) in zip(regions, spans, strict=True):
            a = max(a, -big)
            b = min(b, big)
            r.setRegion((self._to_target(g, target, a), self._to_target(g, target, b)))
        for ln, (_name, v) in zip(lines, limits, strict=True):
            ln.setValue(self._to_target(g, target, v))
        self._place_limit_labels(g, target, limits)

    def _place_limit_labels(self, g: AxisGroup, target: pg.ViewBox, limits: list[tuple[str, float]]) -> None:
        rect = target.boundingRect()
        if rect.height() <= 0 or not self.limit_labels:
            return
        wanted = []
        for text, (name, v) in zip(self.limit_labels, limits, strict=True):
            y = target.mapFromView(QPointF(0.0, self._to_target(g, target, v))).y()
            size = text.textItem.boundingRect()
            wanted.append((name, float(y), float(size.width()), float(size.height())))
        boxes = place_labels(wanted, float(rect.right()) - 4.0, float(rect.top()), float(rect.bottom()))
        for text, box in zip(self.limit_labels, boxes, strict=True):
            text.setPos(target.mapToView(QPointF(box.left, box.top)))

    # --- lane and shading ------------------------------------------------------------------------
    def set_lane(self, kind: str, start: np.ndarray, end: np.ndarray) -> None:
        self.lane_items[kind].setIntervals(start, end)

    def set_gap_shading(self, start: np.ndarray, end: np.ndarray) -> None:
        self._shade("shade", start, end)

    def set_backfill_shading(self, start: np.ndarray, end: np.ndarray) -> None:
        self._shade("bf_shade", start, end)

    def _shade(self, attr: str, start: np.ndarray, end: np.ndarray) -> None:
        # overlay: only the master view shades (an overlaid view would paint over the master's
        # curves); stacked: every row
        for g in self.ordered_groups():
            item = getattr(g, attr)
            if item is None:
                continue
            on = self.mode == "stacked" or g.vb is self._master
            item.setVisible(on)
            item.setIntervals(start if on else np.empty(0), end if on else np.empty(0))
            (y0, y1) = g.vb.viewRange()[1]
            item.set_band(float(y0), float(y1))

    def map_time_to_x(self, t: float) -> float:
        """Widget x coordinate of a time (tests and tooltips)."""
        p = self.master.mapViewToScene(QPointF(t, 0.0))
        return float(self.mapFromScene(p).x())
