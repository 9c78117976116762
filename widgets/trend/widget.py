"""The trend widget: live and historical pens over the journal, for supervisors.

    trend = TrendWidget(config, live=live_buffers, historian=historian,
                        trend_sets=TrendSetStore(), user="j.smith")
    trend.add_pen("filler.speed")           # or open_tag(tag, t0, t1) from a table double-click
    live_buffers.apply(batch)               # the GUI tick feeds the buffers; the trend follows

Models in, events out (DESIGN.md): the widget reads `LiveBuffers` (recent
samples in memory) and a `Historian` (the journal), both plain Python, and
listens to the buffers' callback. History loads run on a worker thread with a
progress bar; the widget is only touched on the GUI thread.

What a frame does (live, `refresh()` at 25 Hz): the x range snaps to whole
bucket widths (one pixel), so the view steps one pixel every `span/width`
seconds and otherwise stands still; each pen's settled buckets ("body") are
rebuilt every few buckets and only the newest few buckets ("tail") on every
frame. Qt then repaints a thin strip at the right edge, and `FastCurve`
strokes only the points inside it.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QDateTime, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSizePolicy,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hmi.core.historian import Historian, HistoryResult, PenHistory, write_csv
from hmi.core.live_buffer import LiveBuffers, LiveDecimator
from hmi.core.quality import status_name
from hmi.core.tag_info import TagInfo
from hmi.core.trend_data import (
    BAD_DATA_LOST,
    BAD_NO_DATA,
    Intervals,
    Points,
    Styled,
    aggregate,
    bucket_index,
    is_backfilled,
    is_gap_status,
    severity,
    style_points,
    value_at,
)
from hmi.core.trend_sets import PenSpec, TrendSet, TrendSetStore, assign_axes
from widgets import palette
from widgets.trend import style
from widgets.trend.canvas import TrendCanvas
from widgets.trend.curve import FastCurve
from widgets.trend.loader import BackgroundLoader
from widgets.trend.pen_table import COL_PEN, PenRow, PenTable, PenTableModel

log = logging.getLogger(__name__)

PRESETS: tuple[tuple[str, float], ...] = (
    ("5 min", 300.0),
    ("1 h", 3600.0),
    ("8 h", 28800.0),
    ("24 h", 86400.0),
)
MIN_SPAN_S = 5.0
MAX_SPAN_S = 31 * 86400.0
_BODY_STEP_BUCKETS = 8


@dataclass
class CursorValue:
    """What the cursor reads for one pen."""

    value: float
    status: int
    ts: float  # time of the sample the value comes from (NaN: none)
    exact: bool = True  # False: from a min/max bucket, an exact look-up is on its way
    vmin: float = math.nan
    vmax: float = math.nan


@dataclass
class _Pen:
    tag: str
    idx: int
    info: TagInfo
    colour: str
    axis: str = ""
    axis_override: str | None = None
    visible: bool = True
    curves: dict[str, FastCurve] = field(default_factory=dict)
    dec: LiveDecimator | None = None
    hist: PenHistory | None = None
    hist_range: tuple[float, float, float] = (math.nan, math.nan, math.nan)  # t0, t1, bucket width
    hist_version: int = 0
    body_key: tuple[Any, ...] = ()
    body: Styled = field(default_factory=Styled.empty)
    body_last: Points = field(default_factory=Points.empty)
    tail: Styled = field(default_factory=Styled.empty)
    tail_shown: bool = False
    exact: dict[float, tuple[float, int, float]] = field(default_factory=dict)


def _quality(status: int, ts: float) -> tuple[str, int]:
    """(text, level) for the pen table: 0 good, 1 uncertain, 2 bad, 3 no data/connection."""
    if not math.isfinite(ts):
        return "No data", 3
    sev = int(severity(np.array([status], dtype=np.uint32))[0])
    bf = " (backfilled)" if is_backfilled(status) else ""
    code = int(status) & 0xFFFF0000
    if sev >= 2:
        if code in (BAD_NO_DATA, BAD_DATA_LOST):
            return "No data (gap)", 3
        if bool(is_gap_status(np.array([status], dtype=np.uint32))[0]):
            return "No connection", 3
        return f"Bad: {status_name(status)}", 2
    if sev == 1:
        name = status_name(status)
        return ("Uncertain" if name == "Uncertain" else f"Uncertain: {name}") + bf, 1
    return "Good" + bf, 0


def format_value(info: TagInfo, v: float) -> str:
    """The tag's display rule (hmi.core.tag_info), the same as the tag table and the alarm messages."""
    return info.format(v)


def _fmt_time(ts: float) -> str:
    if not math.isfinite(ts):
        return ""
    lt = time.localtime(ts)
    return time.strftime("%Y-%m-%d %H:%M:%S", lt) + f".{int((ts % 1) * 1000):03d}"


class RangeDialog(QDialog):
    """Custom time range: two local date-times."""

    def __init__(self, t0: float, t1: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Trend time range")
        form = QFormLayout(self)
        self.start = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(t0)))
        self.end = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(t1)))
        for e in (self.start, self.end):
            e.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
            e.setCalendarPopup(True)
            e.setMinimumHeight(34)
        form.addRow("From", self.start)
        form.addRow("To", self.end)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def range(self) -> tuple[float, float]:
        return float(self.start.dateTime().toSecsSinceEpoch()), float(self.end.dateTime().toSecsSinceEpoch())


class TrendWidget(QWidget):
    pen_added = Signal(str)
    pen_removed = Signal(str)
    live_changed = Signal(bool)
    range_changed = Signal(float, float)
    history_loaded = Signal(object)  # HistoryResult
    history_failed = Signal(str)
    cursor_values_changed = Signal(dict)  # tag -> CursorValue
    export_finished = Signal(str, int)  # path, rows
    export_failed = Signal(str)
    message = Signal(str)

    def __init__(
        self,
        config: Any = None,
        live: LiveBuffers | None = None,
        historian: Historian | None = None,
        *,
        trend_sets: TrendSetStore | None = None,
        user: str = "",
        clock: Callable[[], float] = time.time,
        span_s: float = 3600.0,
        refresh_ms: int = 40,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("trendWidget")
        self.config = config
        self.live = live
        self.historian = historian
        self.trend_sets = trend_sets
        self.user = user
        self._clock = clock
        self._infos: dict[str, TagInfo] = {}
        if config is not None:
            self._infos = {t.name: TagInfo.from_config(t) for t in config.tags}
        self._index = live.index if live is not None else {}
        self._pens: dict[str, _Pen] = {}
        self._selected = ""
        self._span = float(min(max(span_s, MIN_SPAN_S), MAX_SPAN_S))
        self._live = live is not None
        self._mode = "overlay"
        self._w = 0.0  # bucket width (s per pixel) the curves are built for
        self._dirty: set[int] = set()
        self._all_dirty = True
        self._setting_range = False
        self._last_readout = 0.0
        self._last_progress = 0.0
        self._lanes_due = True
        self._closed = False
        self.frames = 0

        self._build_ui()
        self._loader = BackgroundLoader(self)
        self._loader.finished.connect(self._on_history)
        self._loader.failed.connect(self._on_history_failed)
        self._loader.progress.connect(self._on_progress)
        self._loader.busy_changed.connect(self._on_busy)
        self._exact_loader = BackgroundLoader(self)
        self._exact_loader.finished.connect(self._on_exact)
        self._export_loader = BackgroundLoader(self)
        self._export_loader.finished.connect(self._on_export_done)
        self._export_loader.failed.connect(self._on_export_failed)
        self._export_loader.progress.connect(self._on_progress)
        self._export_loader.busy_changed.connect(self._on_busy)

        self._timer = QTimer(self)
        self._timer.setInterval(refresh_ms)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_timer)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(120)
        self._reload_timer.timeout.connect(self._check_history)
        self._exact_timer = QTimer(self)
        self._exact_timer.setSingleShot(True)
        self._exact_timer.setInterval(150)
        self._exact_timer.timeout.connect(self._request_exact)
        if live is not None:
            live.add_listener(self._on_live)
        self._rebuild_groups()
        now = clock()
        self._set_x_range(now - self._span, now)
        self._live_button.setChecked(self._live)
        self._live_button.setEnabled(live is not None)
        self._timer.start()

    # --- UI -----------------------------------------------------------------------------------------
    def _tool(
        self, text: str, tip: str, slot: Callable[[], None] | None = None, checkable: bool = False
    ) -> QToolButton:
        b = QToolButton(self)
        b.setText(text)
        b.setToolTip(tip)
        b.setCheckable(checkable)
        b.setMinimumSize(QSize(40, 34))  # touch: a fingertip, not a mouse pointer
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        if slot is not None:
            b.clicked.connect(lambda _=False: slot())
        return b

    def _build_ui(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.setSpacing(4)
        bar = QHBoxLayout()
        bar.setSpacing(3)
        self._preset_buttons: list[QToolButton] = []
        for label, span in PRESETS:
            b = self._tool(label, f"Show the last {label}", checkable=True)
            b.clicked.connect(lambda _=False, s=span: self.set_span(s))
            self._preset_buttons.append(b)
            bar.addWidget(b)
        self._custom_button = self._tool("Range…", "Choose a start and end time", self._on_custom_range)
        bar.addWidget(self._custom_button)
        bar.addSpacing(10)
        self._back_button = self._tool("◀", "Back in time by half the window", lambda: self.pan(-0.5))
        self._fwd_button = self._tool("▶", "Forward in time by half the window", lambda: self.pan(0.5))
        self._zoom_in_button = self._tool("+", "Zoom in (half the time span)", lambda: self.zoom(0.5))
        self._zoom_out_button = self._tool("−", "Zoom out (twice the time span)", lambda: self.zoom(2.0))
        for b in (self._back_button, self._fwd_button, self._zoom_in_button, self._zoom_out_button):
            f = b.font()
            f.setPointSize(f.pointSize() + 2)
            b.setFont(f)
            bar.addWidget(b)
        self._live_button = self._tool("Live", "Follow live data (click again to pause)", checkable=True)
        self._live_button.clicked.connect(lambda on: self.set_live(bool(on)))
        self._live_button.setMinimumWidth(64)
        bar.addWidget(self._live_button)
        bar.addSpacing(10)
        self._cursor_button = self._tool(
            "Cursor", "Vertical cursor: read every pen at one instant", checkable=True
        )
        self._cursor_button.clicked.connect(lambda on: self.set_cursor_visible(bool(on)))
        bar.addWidget(self._cursor_button)
        self._stack_button = self._tool(
            "Stacked", "One sub-plot per axis instead of overlaid axes", checkable=True
        )
        self._stack_button.clicked.connect(lambda on: self.set_mode("stacked" if on else "overlay"))
        bar.addWidget(self._stack_button)
        bar.addStretch(1)
        self._add_box = QComboBox(self)
        self._add_box.setEditable(True)
        self._add_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self._add_box.setMinimumWidth(180)
        self._add_box.setMinimumHeight(34)
        add_edit = self._add_box.lineEdit()  # editable combo: it has one
        assert add_edit is not None
        add_edit.setPlaceholderText("Add pen: tag name…")
        names = sorted(self._infos) or sorted(self._index)
        if not names and self.historian is not None:  # review of a journal file without its config
            try:
                names = sorted(self.historian.tag_info())
            except Exception:
                names = []
        self._add_box.addItems(names)
        self._add_box.setCurrentIndex(-1)
        comp = QCompleter(names, self)
        comp.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        comp.setFilterMode(Qt.MatchFlag.MatchContains)
        self._add_box.setCompleter(comp)
        self._add_box.activated.connect(lambda i: self._add_from_box())
        add_edit.returnPressed.connect(self._add_from_box)
        bar.addWidget(self._add_box)
        self._sets_button = self._tool("Sets ▾", "Save or open a named set of pens")
        self._sets_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._sets_menu = QMenu(self)
        self._sets_menu.aboutToShow.connect(self._fill_sets_menu)
        self._sets_button.setMenu(self._sets_menu)
        bar.addWidget(self._sets_button)
        self._export_button = self._tool("Export ▾", "Export the visible range to CSV or the chart to PNG")
        self._export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        em = QMenu(self)
        em.addAction("Visible range to CSV…", self._on_export_csv)
        em.addAction("Chart to PNG…", self._on_export_png)
        self._export_button.setMenu(em)
        bar.addWidget(self._export_button)
        outer.addLayout(bar)

        self.canvas = TrendCanvas(self)
        self.canvas.range_changed_by_user.connect(self._on_user_range)
        self.canvas.x_range_changed.connect(self._on_x_range)
        self.canvas.cursor_moved.connect(self._on_cursor_moved)
        self._model = PenTableModel(self)
        self._model.visibility_toggled.connect(self.set_pen_visible)
        self.pen_table = PenTable(self._model, self)
        self.pen_table.pen_selected.connect(self.select_pen)
        self.pen_table.customContextMenuRequested.connect(self._pen_menu)
        self._splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self._splitter.addWidget(self.canvas)
        self._splitter.addWidget(self.pen_table)
        self._splitter.setStretchFactor(0, 4)
        self._splitter.setStretchFactor(1, 1)
        self._splitter.setSizes([880, 420])
        outer.addWidget(self._splitter, 1)

        status = QHBoxLayout()
        self._range_label = QLabel(self)
        self._range_label.setObjectName("trendRange")
        self._status_label = QLabel(self)
        self._status_label.setObjectName("trendStatus")
        pal_dim = f"color: {palette.TEXT_DIM};"
        self._status_label.setStyleSheet(pal_dim)
        self._progress = QProgressBar(self)
        self._progress.setRange(0, 1000)
        self._progress.setMaximumWidth(220)
        self._progress.setMaximumHeight(14)
        self._progress.setTextVisible(False)
        self._progress.hide()
        self._legend = QLabel(self)
        self._legend.setTextFormat(Qt.TextFormat.RichText)
        self._legend.setText(
            f"<span style='background:{style.GAP};color:white'>&nbsp;gap&nbsp;</span> no data &nbsp; "
            f"<span style='border:1px solid {style.BACKFILL};color:{style.BACKFILL}'>&nbsp;/// "
            f"backfilled&nbsp;</span> &nbsp; "
            f"<span style='color:{style.BAD}'>/// bad</span> &nbsp; - - uncertain"
        )
        self._legend.setStyleSheet(f"color: {palette.TEXT_DIM}; font-size: 8pt;")
        self._legend.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        status.addWidget(self._range_label)
        status.addWidget(self._progress)
        status.addWidget(self._status_label, 1)
        status.addWidget(self._legend)
        outer.addLayout(status)

    # --- public API: pens ---------------------------------------------------------------------------
    def pens(self) -> list[str]:
        return list(self._pens)

    def tag_info(self, tag: str) -> TagInfo:
        info = self._infos.get(tag)
        if info is None and self.historian is not None:
            try:
                row = self.historian.tag_info([tag]).get(tag)
            except Exception:
                row = None
            if row is not None:
                info = TagInfo.from_journal_row(row)
        if info is None:
            info = TagInfo(tag)
        self._infos[tag] = info
        return info

    def known_tag(self, tag: str) -> bool:
        return tag in self._infos or tag in self._index

    def add_pen(
        self, tag: str, *, axis: str | None = None, visible: bool = True, colour: str | None = None
    ) -> bool:
        """Add a pen for a tag (no-op if present). Unknown tags are refused with a message."""
        if tag in self._pens:
            return False
        if not self.known_tag(tag) and self.historian is None:
            self._say(f"no tag named {tag!r} in this line")
            return False
        info = self.tag_info(tag)
        colour = colour or style.pen_colour(len(self._pens))
        pen = _Pen(tag, self._index.get(tag, -1), info, colour, axis_override=axis, visible=visible)
        for part in ("solid", "dash"):
            c = FastCurve(style.line_pen(colour, 1.0, dashed=part == "dash"))
            c.setVisible(visible)
            pen.curves[part] = c
        self._pens[tag] = pen
        if not self._selected:
            self._selected = tag
        self._rebuild_groups()
        self._invalidate(pen)
        self._schedule_history()
        self.pen_added.emit(tag)
        self.refresh(force=True)
        return True

    def add_pens(self, tags: Iterable[str]) -> None:
        for t in tags:
            self.add_pen(t)

    def remove_pen(self, tag: str) -> None:
        pen = self._pens.pop(tag, None)
        if pen is None:
            return
        for c in pen.curves.values():
            vb = c.getViewBox()
            if vb is not None:
                vb.removeItem(c)
        if self._selected == tag:
            self._selected = next(iter(self._pens), "")
        self._rebuild_groups()
        self.pen_removed.emit(tag)
        self.refresh(force=True)

    def clear_pens(self) -> None:
        for tag in list(self._pens):
            self.remove_pen(tag)

    def open_tag(self, tag: str, t0: float | None = None, t1: float | None = None) -> None:
        """Show a tag (double-click in the tag table or a faceplate): add it, select it, optionally a range."""
        self.add_pen(tag)
        if tag in self._pens:
            self.select_pen(tag)
        if t0 is not None and t1 is not None:
            self.set_range(t0, t1)

    def open_tag_at(self, tag: str, t_center: float, span_s: float | None = None) -> None:
        """Show a tag around an instant (an alarm, an event): the current span centred on it, paused.

        Matches the main window's `trend_requested(tag, t_center)` signal.
        """
        span = float(span_s) if span_s else min(self._span, 3600.0)
        self.open_tag(tag, t_center - span / 2, t_center + span / 2)

    def set_pen_visible(self, tag: str, on: bool) -> None:
        pen = self._pens.get(tag)
        if pen is None or pen.visible == on:
            return
        pen.visible = on
        for c in pen.curves.values():
            c.setVisible(on)
        row = self._model.row_of(tag)
        if row >= 0 and self._model.rows[row].visible != on:
            self._model.rows[row].visible = on
            idx = self._model.index(row, COL_PEN)
            self._model.dataChanged.emit(idx, idx)
        self._invalidate(pen)
        self._lanes_due = True
        self.refresh(force=True)

    def set_pen_axis(self, tag: str, axis: str | None) -> None:
        """Put a pen on another Y axis (a key from `axes()`, a new name, or None for automatic)."""
        pen = self._pens.get(tag)
        if pen is None:
            return
        pen.axis_override = axis
        self._rebuild_groups()
        self.refresh(force=True)

    def axis_of(self, tag: str) -> str:
        return self._pens[tag].axis

    def axes(self) -> list[str]:
        return [g.key for g in self.canvas.ordered_groups()]

    def select_pen(self, tag: str) -> None:
        """The selected pen is drawn wider and shows its normal band and alarm limits."""
        if tag not in self._pens:
            return
        self._selected = tag
        for p in self._pens.values():
            w = 2.0 if p.tag == tag else 1.0
            for part, c in p.curves.items():
                c.setPen(style.line_pen(p.colour, w, dashed=part == "dash"))
                c.setZValue(2 if p.tag == tag else 1)
        self._model.set_selected(tag)
        row = self._model.row_of(tag)
        if row >= 0 and self.pen_table.currentIndex().row() != row:
            self.pen_table.selectRow(row)
        self._show_bands()

    @property
    def selected_pen(self) -> str:
        return self._selected

    # --- public API: time ---------------------------------------------------------------------------
    @property
    def is_live(self) -> bool:
        return self._live

    @property
    def span(self) -> float:
        return self._span

    def x_range(self) -> tuple[float, float]:
        return self.canvas.x_range()

    def set_live(self, on: bool) -> None:
        on = bool(on) and self.live is not None
        if on != self._live:
            self._live = on
            self.live_changed.emit(on)
        self._live_button.setChecked(on)
        if on:
            now = self._clock()
            self._set_x_range(now - self._span, now)
        self._update_range_label()
        self.refresh(force=True)

    def set_span(self, seconds: float) -> None:
        """Show a time span (a preset); live stays live, a paused view keeps its right edge."""
        seconds = float(min(max(seconds, MIN_SPAN_S), MAX_SPAN_S))
        _, t1 = self.x_range()
        self._span = seconds
        if self._live:
            t1 = self._clock()
        self._set_x_range(t1 - seconds, t1, immediate=True)
        self.refresh(force=True)

    def set_range(self, t0: float, t1: float) -> None:
        """Show [t0, t1] (custom range or 'open at time'); leaves live mode."""
        if not (math.isfinite(t0) and math.isfinite(t1)) or t1 <= t0:
            self._say(f"not a time range: {t0!r} .. {t1!r}")
            return
        span = min(max(t1 - t0, MIN_SPAN_S), MAX_SPAN_S)
        self.set_live(False)
        self._span = span
        self._set_x_range(t1 - span, t1, immediate=True)
        self.refresh(force=True)

    def pan(self, fraction: float) -> None:
        """Move by a fraction of the window (negative: back in time); leaves live mode."""
        t0, t1 = self.x_range()
        d = (t1 - t0) * fraction
        self.set_live(False)
        self._set_x_range(t0 + d, t1 + d, immediate=True)
        self.refresh(force=True)

    def zoom(self, factor: float) -> None:
        """Change the span around the centre (live: around now)."""
        t0, t1 = self.x_range()
        span = min(max((t1 - t0) * factor, MIN_SPAN_S), MAX_SPAN_S)
        self._span = span
        if self._live:
            now = self._clock()
            self._set_x_range(now - span, now)
        else:
            c = 0.5 * (t0 + t1)
            self._set_x_range(c - span / 2, c + span / 2, immediate=True)
        self.refresh(force=True)

    def set_mode(self, mode: str) -> None:
        """'overlay': several Y axes over one plot; 'stacked': one sub-plot per axis."""
        if mode == self._mode:
            return
        self._mode = mode
        self._stack_button.setChecked(mode == "stacked")
        self.canvas.set_mode(mode)
        self._show_bands()
        self._lanes_due = True
        self.refresh(force=True)

    @property
    def mode(self) -> str:
        return self._mode

    # --- cursor -------------------------------------------------------------------------------------
    def set_cursor_visible(self, on: bool) -> None:
        self._cursor_button.setChecked(on)
        self.canvas.set_cursor_visible(on)
        self._update_readouts(force=True)

    def set_cursor(self, t: float) -> None:
        """Place the cursor at time t (shows it) and read every pen there."""
        if not self.canvas.cursor_visible:
            self._cursor_button.setChecked(True)
            self.canvas.set_cursor_visible(True)
        self.canvas.set_cursor(t)

    @property
    def cursor_time(self) -> float:
        return self.canvas.cursor_time if self.canvas.cursor_visible else math.nan

    def cursor_values(self, t: float | None = None) -> dict[str, CursorValue]:
        """Value and quality of every pen at t (default: the cursor, else the right edge / now)."""
        if t is None:
            t = self.cursor_time
            if not math.isfinite(t):
                t = self._clock() if self._live else self.x_range()[1]
        out: dict[str, CursorValue] = {}
        for tag, pen in self._pens.items():
            out[tag] = self._value_at(pen, t)
        return out

    def _value_at(self, pen: _Pen, t: float) -> CursorValue:
        join = self._join(pen)
        if self.live is not None and pen.idx >= 0 and t >= join:
            ring = self.live.ring(pen.idx)
            v, s, ts = value_at(ring.points(), t)
            if math.isfinite(ts) or not (pen.hist is not None and len(pen.hist.points)):
                return CursorValue(v, s, ts)
        cached = pen.exact.get(t)
        if cached is not None:
            return CursorValue(*cached)
        h = pen.hist
        if h is None:
            return CursorValue(math.nan, 0, math.nan, exact=self.historian is None)
        if h.buckets is not None and len(h.buckets):
            bv, bs, bts, vmin, vmax = h.buckets.value_at(t)
            # a bound point (before the loaded range) is exact
            pv, ps, pts = value_at(h.points, t)
            if math.isfinite(pts) and (not math.isfinite(bts) or pts >= bts):
                return CursorValue(pv, ps, pts, exact=False)
            return CursorValue(bv, bs, bts, exact=False, vmin=vmin, vmax=vmax)
        v, s, ts = value_at(h.points, t)
        return CursorValue(v, s, ts)

    # --- trend sets ---------------------------------------------------------------------------------
    def current_set(self, name: str) -> TrendSet:
        pens = tuple(
            PenSpec(p.tag, p.axis_override, p.visible, p.colour if p.colour != style.pen_colour(i) else None)
            for i, p in enumerate(self._pens.values())
        )
        return TrendSet(name, pens, self._mode, self._span)

    def save_set(self, name: str) -> None:
        if self.trend_sets is None:
            raise RuntimeError("no trend set store given to this trend")
        self.trend_sets.save(self.user, self.current_set(name))
        self._say(f"trend set {name!r} saved for {self.user or 'this user'}")

    def set_names(self) -> list[str]:
        return self.trend_sets.names(self.user) if self.trend_sets is not None else []

    def load_set(self, name: str) -> None:
        if self.trend_sets is None:
            raise RuntimeError("no trend set store given to this trend")
        ts = self.trend_sets.load(self.user, name)
        self.apply_set(ts)

    def apply_set(self, ts: TrendSet) -> None:
        self.clear_pens()
        missing = []
        for spec in ts.pens:
            if not self.known_tag(spec.tag) and self.historian is None:
                missing.append(spec.tag)
                continue
            self.add_pen(spec.tag, axis=spec.axis, visible=spec.visible, colour=spec.colour)
        self.set_mode(ts.mode)
        self.set_span(ts.span_s)
        text = f"trend set {ts.name!r}: {len(self._pens)} pens"
        if missing:
            text += f"; not in this line: {', '.join(missing[:5])}"
        self._say(text)

    # --- export -------------------------------------------------------------------------------------
    def export_csv(self, path: str | Path) -> None:
        """Export the visible pens over the visible range to CSV, on the worker (see export_finished)."""
        path = Path(path)
        t0, t1 = self.x_range()
        tags = [p.tag for p in self._pens.values() if p.visible]
        units = {p.tag: p.info.unit for p in self._pens.values()}
        # ring slices are taken here, on the GUI thread: the worker never touches the buffers
        ring_parts: dict[str, Points] = {}
        joins: dict[str, float] = {}
        for tag in tags:
            pen = self._pens[tag]
            join = self._join(pen)
            joins[tag] = join
            if self.live is not None and pen.idx >= 0 and t1 > join:
                ring_parts[tag] = self.live.ring(pen.idx).points(max(t0, join), t1)
        hist = self.historian

        def job(progress: Callable[[float, str], None], cancelled: Callable[[], bool]) -> tuple[str, int]:
            series: dict[str, Points] = {}
            if hist is not None:
                for tag in tags:
                    end = min(t1, joins[tag])
                    if end > t0:
                        part = hist.read_raw([tag], t0, end, cancel=cancelled)[tag]
                        series[tag] = part
                    progress(0.5 * (len(series) / max(1, len(tags))), "reading the journal")
            for tag, pts in ring_parts.items():
                series[tag] = Points.concat([series.get(tag, Points.empty()), pts], sort=True)
            for tag in tags:
                series.setdefault(tag, Points.empty())
            tmp = path.with_name(path.name + ".part")
            with open(tmp, "w", encoding="utf-8", newline="") as f:
                rows = write_csv(f, series, units, cancel=cancelled)
            tmp.replace(path)
            progress(1.0, "written")
            return str(path), rows

        self._say(f"exporting {len(tags)} pens to {path.name}…")
        self._export_loader.submit(job)

    def export_png(self, path: str | Path) -> bool:
        """Save the chart (plot and pen table, as shown) as a PNG."""
        img = self._splitter.grab()
        ok = bool(img.save(str(path), "PNG"))
        self._say(f"chart saved to {path}" if ok else f"could not write {path}")
        return ok

    # --- refresh ------------------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        """Bring every visible pen up to date with the buffers and the loaded history (one frame)."""
        if self._closed:
            return
        now = self._clock()
        px = self._plot_px()
        w = self._span / px
        stepped = False
        if self._live:
            # snap the right edge to the bucket grid: the view moves one pixel per bucket
            right = (math.floor(now / w) + 1.0) * w
            t0, t1 = self.x_range()
            if abs(t1 - right) > 1e-6 * w or abs((t1 - t0) - self._span) > 1e-6 * self._span:
                self._set_x_range(right - self._span, right)
                stepped = True
        v0, v1 = self.x_range()
        w = (v1 - v0) / px
        if not math.isclose(w, self._w, rel_tol=1e-3):
            self._w = w
            for pen in self._pens.values():
                pen.dec = None
                pen.body_key = ()
            force = True
        dirty = self._dirty
        self._dirty = set()
        any_body = False
        tails: list[_Pen] = []
        for pen in self._pens.values():
            if not pen.visible:
                continue
            if force or stepped or self._all_dirty or pen.idx in dirty:
                any_body |= self._update_body(pen, v0, v1)
                if pen.dec is not None:
                    tails.append(pen)
                elif pen.tail_shown:
                    pen.tail = Styled.empty()
                    pen.tail_shown = False
                    for c in pen.curves.values():
                        c.set_tail(np.empty(0), np.empty(0))
        if tails:
            self._update_tails(tails, now if self._live else None)
        self._all_dirty = False
        if any_body or self._lanes_due:
            self._update_lanes()
        self._update_readouts(force=force)
        self.frames += 1

    def _plot_px(self) -> int:
        # whole multiples of 16 px: a few pixels of resize do not rebuild every pen
        return max(64, (self.canvas.plot_width_px() // 16) * 16)

    def _join(self, pen: _Pen) -> float:
        """Before this instant the pen's data come from the journal, from it on from the buffer."""
        if self.live is None or pen.idx < 0:
            return math.inf
        if self.historian is None:
            return -math.inf  # nothing older to read: the buffer shows all it has
        return self.live.covered_from(pen.idx)

    def _update_body(self, pen: _Pen, v0: float, v1: float) -> bool:
        """Rebuild a pen's body if its history or settled buckets changed; True if it did."""
        join = self._join(pen)
        span = v1 - v0
        step = pen.info.is_step
        dec = pen.dec
        if self.live is not None and pen.idx >= 0 and v1 > join:
            since = max(join, v0 - 0.5 * span)
            if dec is None or dec.since > since + 0.25 * span or dec.since < since - 2.0 * span:
                ring = self.live.ring(pen.idx)
                dec = pen.dec = LiveDecimator(ring, self._w, since=since, settle_buckets=_BODY_STEP_BUCKETS)
            dec.update()
        elif dec is not None:
            dec = pen.dec = None
        key = (pen.hist_version, id(dec), dec.body_version if dec is not None else -1, step)
        if key == pen.body_key:
            return False
        parts = []
        hist_pts = pen.hist.points if pen.hist is not None else Points.empty()
        if len(hist_pts):
            cut = min(dec.since if dec is not None else math.inf, join)
            parts.append(hist_pts.between(-math.inf, cut) if math.isfinite(cut) else hist_pts)
        if dec is not None:
            parts.append(dec.body)
        body = Points.concat(parts)
        pen.body = style_points(body, step=step)
        pen.body_last = Points(body.ts[-1:], body.value[-1:], body.status[-1:])
        pen.body_key = key
        pen.curves["solid"].setData(pen.body.solid_x, pen.body.solid_y)
        pen.curves["dash"].setData(pen.body.dashed_x, pen.body.dashed_y)
        pen.tail_shown = False
        return True

    def _update_tails(self, pens: list[_Pen], end_t: float | None) -> None:
        """The newest buckets of several pens in one vectorised pass (a live frame's main cost)."""
        w = self._w
        ts_l, v_l, s_l, own_l = [], [], [], []
        for k, pen in enumerate(pens):
            dec = pen.dec
            assert dec is not None
            p = dec.ring.points(max(dec.body_end, dec.since))
            if len(p):
                ts_l.append(p.ts)
                v_l.append(p.value)
                s_l.append(p.status)
                own_l.append(np.full(len(p), k, dtype=np.int64))
        if ts_l:
            ts = np.concatenate(ts_l)
            v = np.concatenate(v_l)
            st = np.concatenate(s_l)
            own = np.concatenate(own_l)
            kb = bucket_index(ts, w)
            starts = np.flatnonzero(np.r_[True, (own[1:] != own[:-1]) | (kb[1:] != kb[:-1])])
            pts, pown = aggregate(ts, v, st, starts, w).to_points_owned(own[starts])
            bounds = np.searchsorted(pown, np.arange(len(pens) + 1), side="left")
        else:
            pts, bounds = Points.empty(), np.zeros(len(pens) + 1, dtype=np.int64)
        for k, pen in enumerate(pens):
            a, b = int(bounds[k]), int(bounds[k + 1])
            tail = Points(pts.ts[a:b], pts.value[a:b], pts.status[a:b])
            pen.tail = _style_tail(Points.concat([pen.body_last, tail]), pen.info.is_step, end_t)
            pen.curves["solid"].set_tail(pen.tail.solid_x, pen.tail.solid_y)
            pen.curves["dash"].set_tail(pen.tail.dashed_x, pen.tail.dashed_y)
            pen.tail_shown = True
            if len(pen.tail.gaps) or len(pen.tail.bad) or len(pen.tail.backfilled):
                self._lanes_due = True

    def _invalidate(self, pen: _Pen) -> None:
        pen.body_key = ()
        pen.dec = None
        self._all_dirty = True

    def _update_lanes(self) -> None:
        self._lanes_due = False
        vis = [p for p in self._pens.values() if p.visible]
        gaps = Intervals.union([x for p in vis for x in (p.body.gaps, p.tail.gaps)])
        bad = Intervals.union([x for p in vis for x in (p.body.bad, p.tail.bad)])
        bf = Intervals.union([x for p in vis for x in (p.body.backfilled, p.tail.backfilled)])
        self.canvas.set_lane("gap", gaps.start, gaps.end)
        self.canvas.set_lane("bad", bad.start, bad.end)
        self.canvas.set_lane("backfilled", bf.start, bf.end)
        self.canvas.set_gap_shading(gaps.start, gaps.end)
        self.canvas.set_backfill_shading(bf.start, bf.end)
        self._gaps, self._bad, self._backfilled = gaps, bad, bf

    def quality_stretches(self) -> dict[str, Intervals]:
        """The union of the visible pens' gap / bad / backfilled stretches (what the status lane shows)."""
        self._update_lanes()
        return {"gap": self._gaps, "bad": self._bad, "backfilled": self._backfilled}

    def drawn(self, tag: str) -> tuple[np.ndarray, np.ndarray]:
        """The polyline (x, y; NaN = break) drawn for a pen, body and tail, solid and dashed (tests)."""
        pen = self._pens[tag]
        xs: list[np.ndarray] = []
        ys: list[np.ndarray] = []
        for part in ("solid", "dash"):
            x, y = pen.curves[part].data()
            if len(x):
                xs += [x, np.array([np.nan])]
                ys += [y, np.array([np.nan])]
        if not xs:
            return np.empty(0), np.empty(0)
        return np.concatenate(xs), np.concatenate(ys)

    # --- readouts -----------------------------------------------------------------------------------
    def _update_readouts(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_readout < 0.25:
            return
        self._last_readout = now
        vals = self.cursor_values()
        rows: dict[str, tuple[str, str, int, str]] = {}
        for tag, cv in vals.items():
            info = self._pens[tag].info
            q, level = _quality(cv.status, cv.ts)
            text = format_value(info, cv.value) if level < 2 else "—"
            when = _fmt_time(cv.ts)
            if not cv.exact:
                text = "≈" + text  # from a pixel's min/max bucket until the exact look-up is back
                if math.isfinite(cv.vmin) and math.isfinite(cv.vmax):
                    when += f"\nthis pixel: {format_value(info, cv.vmin)} … {format_value(info, cv.vmax)}"
            rows[tag] = (text, q, level, when)
        self._model.update_values(rows)
        if self.canvas.cursor_visible:
            t = self.canvas.cursor_time
            lines = self.canvas.cursor_lines()
            if lines and lines[0].label is not None:
                lines[0].label.setFormat(
                    time.strftime("%H:%M:%S", time.localtime(t)) if math.isfinite(t) else ""
                )
            if any(not cv.exact for cv in vals.values()):
                self._exact_timer.start()
        self.cursor_values_changed.emit(vals)

    def _on_cursor_moved(self, t: float) -> None:
        self._update_readouts(force=True)

    def _request_exact(self) -> None:
        """Exact values at the cursor for pens shown as buckets (worker thread, then readouts)."""
        hist = self.historian
        t = self.cursor_time
        if hist is None or not math.isfinite(t):
            return
        tags = [tag for tag, cv in self.cursor_values().items() if not cv.exact]
        if not tags:
            return

        def job(
            progress: Callable[[float, str], None], cancelled: Callable[[], bool]
        ) -> tuple[float, dict[str, Any]]:
            return t, {tag: hist.value_at(tag, t) for tag in tags if not cancelled()}

        self._exact_loader.submit(job)

    def _on_exact(self, result: tuple[float, dict[str, tuple[float, int, float]]]) -> None:
        t, vals = result
        for tag, v in vals.items():
            pen = self._pens.get(tag)
            if pen is not None:
                if len(pen.exact) > 64:
                    pen.exact.clear()
                pen.exact[t] = v
        self._update_readouts(force=True)

    # --- history ------------------------------------------------------------------------------------
    def _schedule_history(self) -> None:
        if self.historian is not None and not self._closed:
            self._reload_timer.start()

    def _history_needed(self) -> tuple[float, float, list[str]] | None:
        if self.historian is None or not self._pens:
            return None
        v0, v1 = self.x_range()
        span = v1 - v0
        w = span / self._plot_px()
        need: list[str] = []
        end = -math.inf
        for pen in self._pens.values():
            if not pen.visible:
                continue
            join = self._join(pen)
            stop = min(v1, join)
            if stop <= v0:
                continue  # the buffer covers the whole view
            h0, h1, hw = pen.hist_range
            covered = (
                math.isfinite(h0) and h0 <= v0 + 0.5 * w and h1 >= stop - 0.5 * w and 0.66 <= hw / w <= 1.5
            )
            if not covered:
                need.append(pen.tag)
                end = max(end, stop)
        if not need:
            return None
        # load a margin on each side so small pans need no new read
        t0 = v0 - 0.5 * span
        t1 = min(end + 0.5 * span, max(self._join(self._pens[t]) for t in need))
        if not math.isfinite(t1):
            t1 = v1 + 0.5 * span
        return t0, t1, need

    def _check_history(self) -> None:
        need = self._history_needed()
        if need is None:
            return
        t0, t1, tags = need
        hist = self.historian
        assert hist is not None
        width_px = max(16, round(self._plot_px() * (t1 - t0) / self._span))

        def job(progress: Callable[[float, str], None], cancelled: Callable[[], bool]) -> HistoryResult:
            return hist.read(tags, t0, t1, width_px=width_px, progress=progress, cancel=cancelled)

        self._status_label.setText(f"loading history of {len(tags)} pen(s)…")
        self._loader.submit(job)

    def _on_history(self, res: HistoryResult) -> None:
        for tag, ph in res.pens.items():
            pen = self._pens.get(tag)
            if pen is None:
                continue
            pen.hist = ph
            pen.hist_range = (res.t0, res.t1, res.bucket_s)
            pen.hist_version += 1
            pen.exact.clear()
        n = sum(p.n_samples for p in res.pens.values())
        self._status_label.setText(
            f"history: {n:,} samples of {len(res.pens)} pen(s) in {res.elapsed_s * 1000:.0f} ms"
        )
        self._lanes_due = True
        self.refresh(force=True)
        self.history_loaded.emit(res)
        self._schedule_history()  # the view may have moved on while loading

    def _on_history_failed(self, message: str) -> None:
        self._say(f"history could not be read: {message}")
        self.history_failed.emit(message)

    def _on_progress(self, frac: float, text: str) -> None:
        now = time.monotonic()
        if now - self._last_progress < 0.1 and frac < 1.0:  # a repaint per update is not free
            return
        self._last_progress = now
        self._progress.setValue(int(max(0.0, min(1.0, frac)) * 1000))
        if text:
            self._progress.setToolTip(text)

    def _on_busy(self, busy: bool) -> None:
        on = self._loader.busy or self._export_loader.busy
        self._progress.setVisible(on)
        if on:
            self._progress.setValue(0)

    def wait_idle(self, timeout_s: float = 10.0) -> bool:
        """Tests: wait until pending loads are done and applied."""
        from PySide6.QtWidgets import QApplication

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            QApplication.processEvents()
            if self._reload_timer.isActive():
                self._reload_timer.stop()
                self._check_history()
            if self._exact_timer.isActive():
                self._exact_timer.stop()
                self._request_exact()
            if not (self._loader.busy or self._export_loader.busy or self._exact_loader.busy):
                QApplication.processEvents()
                if not (self._reload_timer.isActive() or self._exact_timer.isActive()):
                    return True
            time.sleep(0.005)
        return False

    # --- events -------------------------------------------------------------------------------------
    def _on_live(self, changed: np.ndarray) -> None:
        self._dirty.update(changed.tolist())

    def _on_timer(self) -> None:
        if self._live or self._dirty:
            self.refresh()

    def _on_user_range(self) -> None:
        if self._live:
            self._live = False
            self._live_button.setChecked(False)
            self.live_changed.emit(False)
        t0, t1 = self.x_range()
        self._span = t1 - t0
        self.refresh(force=True)

    def _on_x_range(self, t0: float, t1: float) -> None:
        self._update_range_label()
        for b, (_, span) in zip(self._preset_buttons, PRESETS, strict=True):
            b.setChecked(math.isclose(span, t1 - t0, rel_tol=0.01))
        self.range_changed.emit(t0, t1)
        if not self._setting_range:  # mouse pan/zoom: wait until the user pauses
            self._schedule_history()

    def _set_x_range(self, t0: float, t1: float, immediate: bool = False) -> None:
        """Set the view; `immediate`: a button or API call, read any missing history now
        (mouse drags and live scrolling go through the short debounce instead)."""
        self._setting_range = True
        try:
            self.canvas.set_x_range(t0, t1)
        finally:
            self._setting_range = False
        if immediate and self.historian is not None and not self._closed:
            self._reload_timer.stop()
            self._check_history()
        else:
            self._schedule_history()

    def _update_range_label(self) -> None:
        t0, t1 = self.x_range()
        fmt = "%Y-%m-%d %H:%M:%S"
        mode = "LIVE" if self._live else "paused"
        self._range_label.setText(
            f"<b>{mode}</b>  {time.strftime(fmt, time.localtime(t0))} → {time.strftime(fmt, time.localtime(t1))}"
        )

    def _say(self, text: str) -> None:
        self._status_label.setText(text)
        self.message.emit(text)

    # --- groups, bands ------------------------------------------------------------------------------
    def _rebuild_groups(self) -> None:
        pens = list(self._pens.values())
        overrides = {p.tag: p.axis_override for p in pens if p.axis_override}
        keys = assign_axes([p.info for p in pens], overrides)
        specs: dict[str, tuple[str, str, tuple[float, float] | None, dict[int, str]]] = {}
        for p in pens:
            key = keys[p.tag]
            p.axis = key
            info = p.info
            title, rng, states = self._axis_look(key, info)
            if key in specs:
                _, t, r, s = specs[key]
                if r is not None and rng is not None:
                    rng = (min(r[0], rng[0]), max(r[1], rng[1]))
                elif r is None:
                    rng = None
                specs[key] = (key, t, rng, {**s, **states})
            else:
                specs[key] = (key, title, rng, states)
        self.canvas.set_groups(list(specs.values()))
        for p in pens:
            g = self.canvas.groups[p.axis]
            for c in p.curves.values():
                vb = c.getViewBox()
                if vb is not g.vb:
                    if vb is not None:
                        vb.removeItem(c)
                    g.vb.addItem(c)
                c.setZValue(2 if p.tag == self._selected else 1)  # after addItem (ViewBox changes z)
        rows = [
            PenRow(
                p.tag,
                p.info.title,
                p.colour,
                p.visible,
                unit=p.info.unit,
                axis=self.canvas.groups[p.axis].title,
            )
            for p in pens
        ]
        self._model.set_rows(rows)
        self._model.set_selected(self._selected)
        per_axis: dict[str, list[_Pen]] = {}
        for p in pens:
            per_axis.setdefault(p.axis, []).append(p)
        for key, ps in per_axis.items():
            self.canvas.set_axis_colour(key, ps[0].colour if len(ps) == 1 else None)
        self._show_bands()
        self._lanes_due = True
        self._update_readouts(force=True)

    def _axis_look(self, key: str, info: TagInfo) -> tuple[str, tuple[float, float] | None, dict[int, str]]:
        if info.data_type == "bool":
            states = dict(info.states) if info.states else {0: "Off", 1: "On"}
            return "on/off", (0.0, 1.0), states
        if info.data_type == "enum":
            states = dict(info.states) or {0: "0", 1: "1"}
            lo, hi = min(states), max(states)
            return info.title, (float(lo), float(hi)), states
        title = info.unit or "(no unit)"
        return title, info.range, {}

    def _show_bands(self) -> None:
        pen = self._pens.get(self._selected)
        if pen is None or not pen.visible or pen.info.is_step:
            self.canvas.clear_bands()
            return
        info = pen.info
        self.canvas.show_bands(pen.axis, info.normal, info.limits(), info.range)

    # --- menus and dialogs -------------------------------------------------------------------------
    def _add_from_box(self) -> None:
        text = self._add_box.currentText().strip()
        if not text:
            return
        if self.known_tag(text) or self.historian is not None:
            self.add_pen(text)
            self.select_pen(text)
        else:
            self._say(f"no tag named {text!r}")
        self._add_box.setCurrentIndex(-1)
        self._add_box.clearEditText()

    def _pen_menu(self, pos: Any) -> None:
        idx = self.pen_table.indexAt(pos)
        if not idx.isValid():
            return
        tag = self._model.rows[idx.row()].tag
        menu = QMenu(self)
        axis_menu = menu.addMenu("Move to axis")
        for g in self.canvas.ordered_groups():
            a = QAction(g.title, axis_menu)
            a.setCheckable(True)
            a.setChecked(g.key == self._pens[tag].axis)
            a.triggered.connect(lambda _=False, k=g.key: self.set_pen_axis(tag, k))
            axis_menu.addAction(a)
        axis_menu.addSeparator()
        axis_menu.addAction("Own axis", lambda: self.set_pen_axis(tag, f"own:{tag}"))
        axis_menu.addAction("Automatic", lambda: self.set_pen_axis(tag, None))
        menu.addAction("Remove pen", lambda: self.remove_pen(tag))
        menu.exec(self.pen_table.viewport().mapToGlobal(pos))

    def _fill_sets_menu(self) -> None:
        m = self._sets_menu
        m.clear()
        if self.trend_sets is None:
            a = m.addAction("(no settings file)")
            a.setEnabled(False)
            return
        m.addAction("Save pens as…", self._on_save_set)
        names = self.set_names()
        if names:
            m.addSeparator()
        for n in names:
            m.addAction(n, functools.partial(self.load_set, n))
        if names:
            dm = m.addMenu("Delete")
            for n in names:
                dm.addAction(n, functools.partial(self._delete_set, n))

    def _delete_set(self, name: str) -> None:
        if self.trend_sets is not None:
            self.trend_sets.delete(self.user, name)

    def _on_save_set(self) -> None:
        name, ok = QInputDialog.getText(self, "Save trend set", "Name of this set of pens:")
        if ok and name.strip():
            try:
                self.save_set(name.strip())
            except Exception as exc:
                QMessageBox.warning(self, "Trend set not saved", str(exc))

    def _on_custom_range(self) -> None:
        t0, t1 = self.x_range()
        dlg = RangeDialog(t0, t1, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            a, b = dlg.range()
            self.set_range(a, b)

    def _on_export_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export visible range", "trend.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path)

    def _on_export_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save chart", "trend.png", "PNG image (*.png)")
        if path:
            self.export_png(path)

    def _on_export_done(self, result: tuple[str, int]) -> None:
        path, rows = result
        self._say(f"exported {rows:,} rows to {path}")
        self.export_finished.emit(path, rows)

    def _on_export_failed(self, message: str) -> None:
        self._say(f"export failed: {message}")
        self.export_failed.emit(message)

    # --- lifecycle ----------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop timers, cancel and wait for workers, stop listening to the buffers."""
        if self._closed:
            return
        self._closed = True
        self._timer.stop()
        self._reload_timer.stop()
        self._exact_timer.stop()
        if self.live is not None:
            self.live.remove_listener(self._on_live)
        for ld in (self._loader, self._exact_loader, self._export_loader):
            ld.shutdown()

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(1200, 600)


def _style_tail(p: Points, step: bool, end_t: float | None) -> Styled:
    """style_points with a fast path for the common tail: all values usable and good."""
    n = len(p)
    if n == 0:
        return Styled.empty()
    if step or n > 64 or np.any(p.status) or not np.all(np.isfinite(p.value)):
        return style_points(p, step=step, end_t=end_t)
    x, y = p.ts, p.value
    if end_t is not None and end_t > x[-1]:
        x = np.append(x, end_t)
        y = np.append(y, y[-1])
    e = np.empty(0)
    ie = Intervals.empty()
    return Styled(x, y, e, e.copy(), ie, ie, ie, ie)


__all__ = ["PRESETS", "CursorValue", "TrendWidget", "format_value"]
