"""The trend widget: live and historical pens over the journal, for supervisors.

    trend = TrendWidget(config, live=live_buffers, historian=historian,
                        trend_sets=TrendSetStore(), user="j.smith")
    trend.add_pen("filler.speed")           # or open_tag(tag, t0, t1) from a table double-click
    live_buffers.apply(batch)               # the GUI tick feeds the buffers; the trend follows

The state (pens, axes, span, live mode, loaded history and the arrays every
pen draws) is `hmi.core.trend_view.TrendView`, plain Python tested without a
display; menus and dialogs are in `widgets.trend.menus`. This widget builds
the controls, runs the timers and the background reads, and hands the view's
arrays to the plot items unchanged (`drawn()` reads them back from the items).
History loads run on a worker thread with a progress bar; the widget is only
touched on the GUI thread.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from hmi.core.historian import HistoryResult
from hmi.core.history_api import TrendHistory
from hmi.core.live_buffer import LiveBuffers
from hmi.core.tag_info import TagInfo
from hmi.core.trend_data import Intervals
from hmi.core.trend_readout import CursorValue, readout_instant
from hmi.core.trend_sets import TrendSet, TrendSetStore
from hmi.core.trend_view import PRESETS, PenState, TrendView, clamp_span, window_around, write_export
from widgets import palette
from widgets.trend import menus, style
from widgets.trend.canvas import TrendCanvas
from widgets.trend.curve import FastCurve
from widgets.trend.loader import BackgroundLoader
from widgets.trend.pen_table import COL_PEN, PenRow, PenTable, PenTableModel
from widgets.trend.toolbar import TrendToolbar

log = logging.getLogger(__name__)

CURVE_PARTS = ("solid", "dash")  # a pen's good stretches, and its uncertain ones (dashed)


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
        historian: TrendHistory | None = None,
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
        # The touch profile (the host sets it): the range and set-name dialogs bring a pad and keys.
        self.touch = False
        infos = {t.name: TagInfo.from_config(t) for t in config.tags} if config is not None else {}
        self.view = TrendView(
            infos, live, has_history=historian is not None, lookup_info=self._journal_info, span_s=span_s
        )
        self._curves: dict[str, dict[str, FastCurve]] = {}
        self._setting_range = False
        self._live_grid: tuple[float, float] | None = None  # the live bucket grid last drawn on
        self._last_readout = 0.0
        self._last_progress = 0.0
        self._closed = False
        self._mode_text: str | None = None  # a host's own mode word (the review's playback state)
        self._shown = True  # False while a host says its pane is behind another tab: no frames drawn
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
        self._set_x_range(*self._live_range())
        self.toolbar.live_button.setChecked(self.view.live_mode)
        self.toolbar.live_button.setEnabled(live is not None)
        self._timer.start()

    def _journal_info(self, tag: str) -> TagInfo | None:
        """A tag's units, range and limits from the journal (a copied file reviewed without its config)."""
        if self.historian is None:
            return None
        try:
            row = self.historian.tag_info([tag]).get(tag)
        except (sqlite3.Error, OSError) as exc:
            log.warning("tag %s: its description could not be read from the journal: %s", tag, exc)
            return None
        return TagInfo.from_journal_row(row) if row is not None else None

    # --- UI -----------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.setSpacing(4)
        tb = self.toolbar = TrendToolbar(self._tag_names(), self)
        tb.span_chosen.connect(self.set_span)
        tb.range_requested.connect(lambda: menus.custom_range_dialog(self))
        tb.pan_requested.connect(self.pan)
        tb.zoom_requested.connect(self.zoom)
        tb.live_toggled.connect(self.set_live)
        tb.cursor_toggled.connect(self.set_cursor_visible)
        tb.stacked_toggled.connect(lambda on: self.set_mode("stacked" if on else "overlay"))
        tb.pen_requested.connect(self._on_pen_requested)
        tb.sets_menu.aboutToShow.connect(lambda: menus.fill_sets_menu(tb.sets_menu, self))
        tb.export_menu.addAction("Visible range to CSV…", lambda: menus.export_csv_dialog(self))
        tb.export_menu.addAction("Chart to PNG…", lambda: menus.export_png_dialog(self))
        outer.addWidget(tb)

        self.canvas = TrendCanvas(self)
        self.canvas.range_changed_by_user.connect(self._on_user_range)
        self.canvas.x_range_changed.connect(self._on_x_range)
        self.canvas.cursor_moved.connect(self._on_cursor_moved)
        self.pen_table_model = PenTableModel(self)
        self.pen_table_model.visibility_toggled.connect(self.set_pen_visible)
        self.pen_table = PenTable(self.pen_table_model, self)
        self.pen_table.pen_selected.connect(self.select_pen)
        self.pen_table.customContextMenuRequested.connect(lambda pos: menus.show_pen_menu(self, pos))
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

    def _tag_names(self) -> list[str]:
        """What the add-pen box offers: the line's tags, else (a copied journal) the file's."""
        names = sorted(self.view.infos) or sorted(self.view.index)
        if not names and self.historian is not None:
            try:
                names = sorted(self.historian.tag_info())
            except (sqlite3.Error, OSError) as exc:
                log.warning("tag names of the journal could not be read: %s", exc)
        return names

    def _on_pen_requested(self, tag: str) -> None:
        if self.view.can_add(tag):
            self.add_pen(tag)
            self.select_pen(tag)
        else:
            self._say(f"no tag named {tag!r}")

    # --- public API: pens ---------------------------------------------------------------------------
    def pens(self) -> list[str]:
        return list(self.view.pens)

    def tag_info(self, tag: str) -> TagInfo:
        return self.view.tag_info(tag)

    def known_tag(self, tag: str) -> bool:
        return self.view.known_tag(tag)

    def curves(self, tag: str) -> dict[str, FastCurve]:
        """The plot items of a pen ("solid", "dash")."""
        return self._curves[tag]

    def add_pen(
        self, tag: str, *, axis: str | None = None, visible: bool = True, colour: str | None = None
    ) -> bool:
        """Add a pen for a tag (no-op if present). Unknown tags are refused with a message."""
        if tag in self.view.pens:
            return False
        if not self.view.can_add(tag):
            if self.view.known_tag(tag):
                self._say(
                    f"{tag} is a text tag: not trended; its values are in the tag table and the CSV export"
                )
            else:
                self._say(f"no tag named {tag!r} in this line")
            return False
        colour = colour or style.pen_colour(len(self.view.pens))
        pen = self.view.add_pen(tag, colour, axis=axis, visible=visible)
        assert pen is not None
        parts = {}
        for part in CURVE_PARTS:
            c = FastCurve(style.line_pen(colour, 1.0, dashed=part == "dash"))
            c.setVisible(visible)
            parts[part] = c
        self._curves[tag] = parts
        self._cache_curves()
        self._rebuild_groups()
        self._schedule_history()
        self.pen_added.emit(tag)
        self.refresh(force=True)
        return True

    def add_pens(self, tags: Iterable[str]) -> None:
        for t in tags:
            self.add_pen(t)

    def remove_pen(self, tag: str) -> None:
        if self.view.remove_pen(tag) is None:
            return
        for c in self._curves.pop(tag).values():
            vb = c.getViewBox()
            if vb is not None:
                vb.removeItem(c)
        self._rebuild_groups()
        self.pen_removed.emit(tag)
        self.refresh(force=True)

    def clear_pens(self) -> None:
        for tag in list(self.view.pens):
            self.remove_pen(tag)

    def open_tag(self, tag: str, t0: float | None = None, t1: float | None = None) -> None:
        """Show a tag (double-click in the tag table or a faceplate): add it, select it, optionally a range."""
        self.add_pen(tag)
        if tag in self.view.pens:
            self.select_pen(tag)
        if t0 is not None and t1 is not None:
            self.set_range(t0, t1)

    def open_tag_at(self, tag: str, t_center: float, span_s: float | None = None) -> None:
        """A view of one tag around an instant (an alarm, an event): that tag alone, selected (its
        normal band and alarm limits shown), the current span centred on the instant, paused,
        ending at now at the latest (`window_around`). The pens on the chart before are not kept:
        "Trend" on an alarm added its pen to whatever was there, and the supervisor looked for the
        alarm's signal among unrelated pens, on an axis shared with them (qa9 Q9-30).

        Matches the main window's `trend_requested(tag, t_center)` signal.
        """
        if not self.view.can_add(tag):
            self.add_pen(tag)  # says why (a text tag, an unknown name); the chart stays as it was
            return
        for other in [p for p in self.view.pens if p != tag]:
            self.remove_pen(other)
        span = float(span_s) if span_s else min(self.view.span, 3600.0)
        self.open_tag(tag, *window_around(t_center, span, self._clock()))

    def set_pen_visible(self, tag: str, on: bool) -> None:
        if not self.view.set_visible(tag, on):
            return
        for c in self._curves[tag].values():
            c.setVisible(on)
        model = self.pen_table_model
        row = model.row_of(tag)
        if row >= 0 and model.rows[row].visible != on:
            model.rows[row].visible = on
            idx = model.index(row, COL_PEN)
            model.dataChanged.emit(idx, idx)
        self.refresh(force=True)

    def set_pen_axis(self, tag: str, axis: str | None) -> None:
        """Put a pen on another Y axis (a key from `axes()`, a new name, or None for automatic)."""
        pen = self.view.pens.get(tag)
        if pen is None:
            return
        pen.axis_override = axis
        self._rebuild_groups()
        self.refresh(force=True)

    def axis_of(self, tag: str) -> str:
        return self.view.pens[tag].axis

    def axes(self) -> list[str]:
        return [g.key for g in self.canvas.ordered_groups()]

    def select_pen(self, tag: str) -> None:
        """The selected pen is drawn wider and shows its normal band and alarm limits."""
        if not self.view.select(tag):
            return
        for p in self.view.pens.values():
            self._style_curves(p)
        self.pen_table_model.set_selected(tag)
        row = self.pen_table_model.row_of(tag)
        if row >= 0 and self.pen_table.currentIndex().row() != row:
            self.pen_table.selectRow(row)
        self._show_bands()

    def _cache_curves(self) -> None:
        """A history trend (paused, or a review) keeps each curve's pixels: moving the cursor over it
        then repaints the cursor's strip from those pixels instead of stroking every pen again (the
        review's scrub). A live trend scrolls and redraws its newest strip every frame: drawn directly."""
        mode = (
            QGraphicsItem.CacheMode.NoCache
            if self.view.live_mode
            else QGraphicsItem.CacheMode.DeviceCoordinateCache
        )
        for parts in self._curves.values():
            for c in parts.values():
                c.setCacheMode(mode)

    def _style_curves(self, p: PenState) -> None:
        on = p.tag == self.view.selected
        for part, c in self._curves[p.tag].items():
            c.setPen(style.line_pen(p.colour, 2.0 if on else 1.0, dashed=part == "dash"))
            c.setZValue(2 if on else 1)  # after addItem (a ViewBox changes z)

    @property
    def selected_pen(self) -> str:
        return self.view.selected

    # --- public API: time ---------------------------------------------------------------------------
    @property
    def is_live(self) -> bool:
        return self.view.live_mode

    @property
    def span(self) -> float:
        return self.view.span

    def now(self) -> float:
        """The trend's clock (a test's or the review's may not be the wall clock)."""
        return self._clock()

    def x_range(self) -> tuple[float, float]:
        return self.canvas.x_range()

    def set_live(self, on: bool) -> None:
        on = bool(on) and self.live is not None
        if on != self.view.live_mode:
            self.view.live_mode = on
            self._cache_curves()
            self.live_changed.emit(on)
        self.toolbar.live_button.setChecked(on)
        if on:
            self._set_x_range(*self._live_range())
        self._update_range_label()
        self.refresh(force=True)

    def _live_range(self) -> tuple[float, float]:
        """The live window: it ends at now (not at the next pixel boundary, which at 8 h on 800 px
        showed a window ending 35 s in the future)."""
        now = self._clock()
        return now - self.view.span, now

    def pixel_grid(self) -> tuple[float, float]:
        """The range whose pixel columns the buckets are (history reads, the live decimation): the
        view itself when paused; live, the bucket grid around now (absolute multiples of the
        column width, so buckets never shift while the view follows now within the last one)."""
        if self.view.live_mode:
            return self.view.live_range(self._clock(), self._plot_px())
        return self.x_range()

    def set_span(self, seconds: float) -> None:
        """Show a time span (a preset); live stays live, a paused view keeps its right edge."""
        seconds = clamp_span(seconds)
        _, t1 = self.x_range()
        self.view.span = seconds
        if self.view.live_mode:
            self._set_x_range(*self._live_range(), immediate=True)
        else:
            self._set_x_range(t1 - seconds, t1, immediate=True)
        self.refresh(force=True)

    def set_range(self, t0: float, t1: float) -> None:
        """Show [t0, t1] (custom range or 'open at time'); leaves live mode."""
        if not (math.isfinite(t0) and math.isfinite(t1)) or t1 <= t0:
            self._say(f"not a time range: {t0!r} .. {t1!r}")
            return
        span = clamp_span(t1 - t0)
        self.set_live(False)
        self.view.span = span
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
        span = clamp_span((t1 - t0) * factor)
        self.view.span = span
        if self.view.live_mode:
            self._set_x_range(*self._live_range())
        else:
            c = 0.5 * (t0 + t1)
            self._set_x_range(c - span / 2, c + span / 2, immediate=True)
        self.refresh(force=True)

    def set_mode(self, mode: str) -> None:
        """'overlay': several Y axes over one plot; 'stacked': one sub-plot per axis."""
        if not self.view.set_mode(mode):
            return
        self.toolbar.stack_button.setChecked(mode == "stacked")
        self.canvas.set_mode(mode)
        self._show_bands()
        self.refresh(force=True)

    @property
    def mode(self) -> str:
        return self.view.mode

    # --- cursor -------------------------------------------------------------------------------------
    def set_cursor_visible(self, on: bool) -> None:
        self.toolbar.cursor_button.setChecked(on)
        self.canvas.set_cursor_visible(on)
        self._update_readouts(force=True)

    def set_exact_values(self, t: float, values: dict[str, tuple[float, int, float]]) -> None:
        """The recorded (value, status, source ts) of pens at instant t, read by the caller (a review
        reads them for its faceplates anyway): a cursor placed at t then shows them at once as
        exact, instead of a pixel's bucket value until the background look-up is back."""
        self.view.apply_exact(t, values)

    def set_cursor(self, t: float) -> None:
        """Place the cursor at time t (shows it) and read every pen there."""
        if not self.canvas.cursor_visible:
            self.toolbar.cursor_button.setChecked(True)
            self.canvas.set_cursor_visible(True)
        self.canvas.set_cursor(t)

    @property
    def cursor_time(self) -> float:
        return self.canvas.cursor_time if self.canvas.cursor_visible else math.nan

    def readout_time(self) -> float:
        """The instant the pen table shows: the cursor while it is inside the view, else now
        (live) or the right edge (paused)."""
        return self._readout_instant().t

    def _readout_instant(self) -> Any:
        return readout_instant(
            live=self.view.live_mode, now=self._clock(), view=self.x_range(), cursor_t=self.cursor_time
        )

    def cursor_values(self, t: float | None = None) -> dict[str, CursorValue]:
        """Value and quality of every pen at t (default: what the pen table shows, `readout_time`)."""
        return self.view.values_at(self.readout_time() if t is None else t)

    # --- trend sets ---------------------------------------------------------------------------------
    def current_set(self, name: str) -> TrendSet:
        return self.view.current_set(name, style.pen_colour)

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
        self.apply_set(self.trend_sets.load(self.user, name))

    def apply_set(self, ts: TrendSet) -> None:
        self.clear_pens()
        missing = []
        for spec in ts.pens:
            if not self.view.can_add(spec.tag):
                missing.append(spec.tag)
                continue
            self.add_pen(spec.tag, axis=spec.axis, visible=spec.visible, colour=spec.colour)
        self.set_mode(ts.mode)
        self.set_span(ts.span_s)
        text = f"trend set {ts.name!r}: {len(self.view.pens)} pens"
        if missing:
            text += f"; not in this line: {', '.join(missing[:5])}"
        self._say(text)

    # --- export -------------------------------------------------------------------------------------
    def export_csv(self, path: str | Path) -> None:
        """Export the visible pens over the visible range to CSV, on the worker (see export_finished)."""
        path = Path(path)
        plan = self.view.export_plan(*self.x_range())
        hist = self.historian

        def job(progress: Callable[[float, str], None], cancelled: Callable[[], bool]) -> tuple[str, int]:
            return write_export(path, plan, hist, progress, cancelled)

        self._say(f"exporting {len(plan.tags)} pens to {path.name}…")
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
        view = self.view
        stepped = False
        if view.live_mode:
            t0, t1 = self.x_range()
            w = view.span / px
            if abs(t1 - now) > 1e-6 * w or abs((t1 - t0) - view.span) > 1e-6 * view.span:
                # follow now; read history and rebuild only when the bucket grid steps a column
                self._setting_range = True
                try:
                    self.canvas.set_x_range(now - view.span, now)
                finally:
                    self._setting_range = False
                grid = view.live_range(now, px)
                if grid != self._live_grid:
                    self._live_grid = grid
                    stepped = True
                    self._schedule_history()
        v0, v1 = self.x_range()
        fr = view.frame(v0, v1, px, now, rebuild=force or stepped)
        for pen in fr.bodies:
            c = self._curves[pen.tag]
            c["solid"].setData(pen.body.solid_x, pen.body.solid_y)
            c["dash"].setData(pen.body.dashed_x, pen.body.dashed_y)
        for pen in fr.cleared_tails:
            for c in self._curves[pen.tag].values():
                c.set_tail(np.empty(0), np.empty(0))
        for pen in fr.tails:
            c = self._curves[pen.tag]
            c["solid"].set_tail(pen.tail.solid_x, pen.tail.solid_y)
            c["dash"].set_tail(pen.tail.dashed_x, pen.tail.dashed_y)
        if fr.bodies or fr.tails or fr.cleared_tails:
            self._name_states_shown()
        if fr.lanes_due or view.lanes_due:
            self._update_lanes()
        self._update_readouts(force=force or fr.width_changed)
        self.frames += 1

    def _name_states_shown(self) -> None:
        """Each state axis names first the states its pens draw (canvas.StateAxis.set_shown)."""
        for key, pens in self.view.pens_per_axis().items():
            g = self.canvas.groups.get(key)
            if g is None or not g.is_state:
                continue
            parts = [(p.body.solid_y, p.body.dashed_y, p.tail.solid_y, p.tail.dashed_y) for p in pens if p.visible]
            ys = [a for four in parts for a in four if len(a)]
            y = np.concatenate(ys) if ys else np.empty(0)
            y = y[np.isfinite(y)]
            self.canvas.set_states_shown(key, frozenset(int(v) for v in np.unique(np.round(y))))

    def _plot_px(self) -> int:
        # whole multiples of 16 px: a few pixels of resize do not rebuild every pen
        return max(64, (self.canvas.plot_width_px() // 16) * 16)

    def _update_lanes(self) -> None:
        st = self.view.update_lanes()
        for kind in ("gap", "bad", "backfilled"):
            self.canvas.set_lane(kind, st[kind].start, st[kind].end)
        self.canvas.set_gap_shading(st["gap"].start, st["gap"].end)
        self.canvas.set_backfill_shading(st["backfilled"].start, st["backfilled"].end)

    def quality_stretches(self) -> dict[str, Intervals]:
        """The union of the visible pens' gap / bad / backfilled stretches (what the status lane shows)."""
        return dict(self.view.update_lanes())

    def drawn(self, tag: str) -> tuple[np.ndarray, np.ndarray]:
        """The polylines (x, y; NaN = break) the plot items of a pen hold, body and tail, solid and
        dashed: read back from the items, so tests check what is really drawn."""
        xs: list[np.ndarray] = []
        ys: list[np.ndarray] = []
        for part in CURVE_PARTS:
            x, y = self._curves[tag][part].data()
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
        inst = self._readout_instant()
        vals = self.view.values_at(inst.t)
        rows = self.view.readout_rows(vals)
        self.pen_table_model.set_value_heading(inst.heading)
        self.pen_table_model.update_values({tag: r.cells() for tag, r in rows.items()})
        if self.canvas.cursor_visible:
            t = self.canvas.cursor_time
            lines = self.canvas.cursor_lines()
            if lines and lines[0].label is not None:
                # no time label for a cursor a live view has scrolled past (it would be cut at the edge)
                shown = math.isfinite(t) and inst.at_cursor
                lines[0].label.setFormat(time.strftime("%H:%M:%S", time.localtime(t)) if shown else "")
            if inst.at_cursor and any(not cv.exact for cv in vals.values()):
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
        tags = self.view.inexact_tags(t)
        if not tags:
            return

        def job(
            progress: Callable[[float, str], None], cancelled: Callable[[], bool]
        ) -> tuple[float, dict[str, Any]]:
            return t, {tag: hist.value_at(tag, t) for tag in tags if not cancelled()}

        self._exact_loader.submit(job)

    def _on_exact(self, result: tuple[float, dict[str, tuple[float, int, float]]]) -> None:
        self.view.apply_exact(*result)
        self._update_readouts(force=True)

    # --- history ------------------------------------------------------------------------------------
    def _schedule_history(self) -> None:
        if self.historian is not None and not self._closed:
            self._reload_timer.start()

    def _check_history(self) -> None:
        req = self.view.history_needed(*self.pixel_grid(), self._plot_px())
        if req is None:
            return
        hist = self.historian
        assert hist is not None

        def job(progress: Callable[[float, str], None], cancelled: Callable[[], bool]) -> HistoryResult:
            return hist.read(
                req.tags, req.t0, req.t1, width_px=req.width_px, progress=progress, cancel=cancelled
            )

        self._status_label.setText(f"loading history of {len(req.tags)} pen(s)…")
        self._loader.submit(job)

    def _on_history(self, res: HistoryResult) -> None:
        n = self.view.apply_history(res)
        # A read loads only the pens that needed it (one added pen, say): the text says how many
        # of the pens drawn that was ("43 samples of 4 pen(s)" stood next to 5 pens drawn).
        read, drawn = len(res.pens), len(self.view.pens)
        of = f"{read} pen(s)" if read == drawn else f"{read} of the {drawn} pens"
        self._status_label.setText(f"history: {n:,} samples read for {of} in {res.elapsed_s * 1000:.0f} ms")
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
        self.view.dirty.update(changed.tolist())

    def set_shown(self, shown: bool) -> None:
        """The host's word on whether the chart can be seen (its dock's tab in front). Behind another
        tab the live chart drew every frame for nobody (a third of the GUI thread's busy time at 1280
        touch, bench/gui_thread_load.py); samples still arrive in the buffers and the first frame
        after it comes to the front is drawn whole."""
        if shown and not self._shown:
            self._shown = True
            self.refresh(force=True)
        self._shown = shown

    def _on_timer(self) -> None:
        if self._shown and (self.view.live_mode or self.view.dirty):
            self.refresh()

    def _on_user_range(self) -> None:
        if self.view.live_mode:
            self.view.live_mode = False
            self._cache_curves()
            self.toolbar.live_button.setChecked(False)
            self.live_changed.emit(False)
        t0, t1 = self.x_range()
        self.view.span = t1 - t0
        self.refresh(force=True)

    def _on_x_range(self, t0: float, t1: float) -> None:
        self._update_range_label()
        self.toolbar.show_span(t1 - t0)
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
        mode = self.mode_text()
        self._range_label.setText(
            f"<b>{mode}</b>  {time.strftime(fmt, time.localtime(t0))} → {time.strftime(fmt, time.localtime(t1))}"
        )

    def set_mode_text(self, text: str | None) -> None:
        """The word before the range ("LIVE"/"paused" by default): a host with its own notion of time
        (the review's playback) says its state here, so the trend never contradicts it."""
        self._mode_text = text
        self._update_range_label()

    def mode_text(self) -> str:
        return self._mode_text or ("LIVE" if self.view.live_mode else "paused")

    def _say(self, text: str) -> None:
        self._status_label.setText(text)
        self.message.emit(text)

    # --- groups, bands ------------------------------------------------------------------------------
    def _rebuild_groups(self) -> None:
        view = self.view
        self.canvas.set_groups([s.as_tuple() for s in view.axis_specs()])
        for p in view.pens.values():
            g = self.canvas.groups[p.axis]
            for c in self._curves[p.tag].values():
                vb = c.getViewBox()
                if vb is not g.vb:
                    if vb is not None:
                        vb.removeItem(c)
                    g.vb.addItem(c)
            self._style_curves(p)
        rows = [
            PenRow(
                p.tag,
                p.info.title,
                p.colour,
                p.visible,
                unit=p.info.unit,
                axis=self.canvas.groups[p.axis].title,
            )
            for p in view.pens.values()
        ]
        self.pen_table_model.set_rows(rows)
        self.pen_table_model.set_selected(view.selected)
        for key, ps in view.pens_per_axis().items():
            self.canvas.set_axis_colour(key, ps[0].colour if len(ps) == 1 else None)
        self._show_bands()
        self._update_readouts(force=True)

    def _show_bands(self) -> None:
        pen = self.view.band_pen()
        if pen is None:
            self.canvas.clear_bands()
            return
        info = pen.info
        self.canvas.show_bands(pen.axis, info.normal, info.limits(), info.range)

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


__all__ = ["PRESETS", "CursorValue", "TrendWidget"]
