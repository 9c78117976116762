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
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QFont
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


class StateAxis(pg.AxisItem):
    """Y axis of a boolean or enumeration: ticks at the states, labelled with their names."""

    def __init__(self, states: dict[int, str], **kw: object) -> None:
        super().__init__("left", **kw)
        self.states = dict(states)

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, list[float]]]:
        vals = [float(k) for k in sorted(self.states) if minVal - 1e-9 <= k <= maxVal + 1e-9]
        return [(1.0, vals)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [self.states.get(round(v), f"{v:g}") for v in values]


class TimeAxis(pg.DateAxisItem):
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

    @property
    def is_state(self) -> bool:
        return bool(self.states)


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
                axis: pg.AxisItem = StateAxis(states) if states else pg.AxisItem("left")
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
                vb.sigRangeChangedManually.connect(self._on_manual)
                self.groups[key] = g
            g.title, g.y_range = title, yr
            g.axis.setLabel(title)
            self._apply_y(g)
        self._order = keys
        self._rebuild(old_range)

    def _apply_y(self, g: AxisGroup, band: tuple[float, float] | None = None) -> None:
        """Fixed engineering range, or automatic. `band`: in overlay mode a state group is drawn
        in a strip of the plot (fractions of its height, from the bottom), not across all of it."""
        if g.y_range is not None:
            lo, hi = g.y_range
            g.vb.disableAutoRange(pg.ViewBox.YAxis)
            if g.is_state:
                y0, size = lo - 0.35, (hi - lo) + 0.7
                if band is not None:
                    a, b = band
                    full = size / (b - a)
                    g.vb.setYRange(y0 - a * full, y0 - a * full + full, padding=0)
                else:
                    g.vb.setYRange(y0, y0 + size, padding=0)
                return
            pad = 0.04 * (hi - lo)
            g.vb.setYRange(lo - pad, hi + pad, padding=0)
        else:
            g.vb.enableAutoRange(pg.ViewBox.YAxis)
            g.vb.setAutoVisible(y=True)

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
        state_groups = [g for g in groups if g.is_state]
        for k, g in enumerate(state_groups):
            if self.mode == "overlay" and len(groups) > len(state_groups):
                f = min(0.22, 0.6 / len(state_groups))
                self._apply_y(g, (k * f, (k + 1) * f - 0.02))
            else:
                self._apply_y(g)
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

    def _sync_geometry(self) -> None:
        master = self._master
        if master is None:
            return
        rect = master.sceneBoundingRect()
        for g in self.ordered_groups():
            if g.vb is not master and self.mode == "overlay":
                g.vb.setGeometry(rect)
                g.vb.linkedViewChanged(master, g.vb.XAxis)

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
