"""The review workspace: a shift's journal files, read-only, on any PC.

┌ Review: Packaging Line 1 — line1_2026-12-05.db ─────────── [◀ prev] [▶ play] [speed] [next ▶] [Report…] ┐
│ timeline: machine lanes (state bars), alarms / operator / QC / advisories / link lanes, shared cursor    │
├ trend (history mode, same widget as the live screen) with the same cursor ────────────────────────────────┤
├ Events (filter, kind, text search) │ Alarm picture at the cursor │ Machines at the cursor ─────────────────┤
└ status: files, period, data notes ─────────────────────────────────────────────────────────────────────────┘

Nothing here writes to the journal: the source opens files read-only; the report goes to a file the
reviewer chooses.
"""

from __future__ import annotations

import bisect
import datetime as dt
import os
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hmi.core.journal_read import StoredEvent
from hmi.core.review.alarm_picture import AlarmPicture
from hmi.core.review.record import ReviewRecord
from hmi.core.review.report import build_report, to_markdown
from hmi.core.review.timeline import LANES, Timeline, build_timeline
from widgets.timeline import TimelineWidget
from widgets.trend import TrendWidget

PLAYBACK_SPEEDS = (1, 5, 10, 30, 60)
TICK_MS = 100


def _hms(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%H:%M:%S")


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.verticalHeader().setVisible(False)
    header = t.horizontalHeader()
    for col in range(len(headers) - 1):
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return t


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))


class ReviewWindow(QMainWindow):
    def __init__(self, source: ReviewRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.timeline: Timeline = build_timeline(source)
        self.picture = AlarmPicture(self.timeline.events)
        names = ", ".join(source.sources)
        self.setWindowTitle(f"LineHMI review — {source.line_name} — {names}")
        self.setObjectName("reviewWindow")

        self.timeline_view = TimelineWidget(self.timeline)
        self.trend = self._build_trend()
        self.events_table = _table(["time", "kind", "source", "user", "message"])
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("search the events (text, source, user)")
        self.kind_combo = QComboBox()
        self.kind_combo.addItems(["all kinds", *sorted({str(e.kind) for e in self.timeline.events})])
        self.picture_table = _table(
            ["alarm", "priority", "state", "in this state since", "as raised (message frozen at activation)"]
        )
        self.state_table = _table(["machine", "state", "since"])
        self.cursor_label = QLabel()
        self.cursor_label.setObjectName("reviewCursor")

        self.play_button = QPushButton("▶ Play")
        self.speed_combo = QComboBox()
        self.speed_combo.addItems([f"{s}x" for s in PLAYBACK_SPEEDS])
        self.speed_combo.setCurrentIndex(PLAYBACK_SPEEDS.index(30))
        prev_button = QPushButton("◀ Previous event")
        next_button = QPushButton("Next event ▶")
        report_button = QPushButton("Shift report…")

        bar = QHBoxLayout()
        bar.addWidget(self.cursor_label, 1)
        for w in (prev_button, self.play_button, self.speed_combo, next_button, report_button):
            bar.addWidget(w)
        filt = QHBoxLayout()
        filt.addWidget(self.filter_edit, 1)
        filt.addWidget(self.kind_combo)
        ev_box = QWidget()
        ev_lay = QVBoxLayout(ev_box)
        ev_lay.setContentsMargins(0, 0, 0, 0)
        ev_lay.addLayout(filt)
        ev_lay.addWidget(self.events_table)
        tabs = QTabWidget()
        tabs.addTab(ev_box, "Events")
        tabs.addTab(self.picture_table, "Alarm picture at the cursor")
        tabs.addTab(self.state_table, "Machines at the cursor")
        self.tabs = tabs

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.timeline_view)
        split.addWidget(self.trend)
        split.addWidget(tabs)
        split.setChildrenCollapsible(False)
        self._split = split
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.addLayout(bar)
        lay.addWidget(split, 1)
        self.setCentralWidget(central)
        notes = "; ".join(source.problems)
        self.statusBar().showMessage(
            f"{', '.join(source.sources) if len(source.sources) == 1 else f'{len(source.sources)} files'},"
            f" read-only, {_hms(source.t0)} to {_hms(source.t1)}" + (f" — {notes}" if notes else "")
        )

        self._play = QTimer(self)
        self._play.setInterval(TICK_MS)
        self._play.timeout.connect(self._on_play_tick)
        self.play_button.clicked.connect(self.toggle_play)
        next_button.clicked.connect(self.step_next)
        prev_button.clicked.connect(self.step_previous)
        report_button.clicked.connect(self.save_report)
        self.filter_edit.textChanged.connect(self._refill_events)
        self.kind_combo.currentIndexChanged.connect(self._refill_events)
        self.events_table.cellClicked.connect(self._on_event_row)
        self.timeline_view.cursor_moved.connect(self._on_cursor)
        self.timeline_view.marker_clicked.connect(self._select_event)
        self._shown_events: list[StoredEvent] = []
        self._refill_events()
        self._on_cursor(source.t0)

    # --- parts -----------------------------------------------------------------------------------
    def _build_trend(self) -> TrendWidget:
        trend = TrendWidget(self.source.config, live=None, historian=self.source.historian())
        pens = []
        if self.source.config is not None:
            for m in self.source.config.machines:
                pens += [t for t in (m.speed_tag, *m.key_tags[:1]) if t]
        for tag in pens[:6]:
            if trend.known_tag(tag):
                trend.add_pen(tag)
        trend.set_range(self.source.t0, self.source.t1)
        trend.set_cursor_visible(True)
        return trend

    # --- cursor ----------------------------------------------------------------------------------
    def _on_cursor(self, t: float) -> None:
        self.cursor_label.setText(f"Cursor {dt.datetime.fromtimestamp(t):%Y-%m-%d %H:%M:%S}")
        rows = []
        for r in self.picture.at(t):
            s = r.snapshot
            raised = s.message or ("" if s.trigger_value is None else f"value {s.trigger_value:g}")
            rows.append([s.name or s.alarm, s.priority or "-", r.status, _hms(r.since), raised])
        _fill(self.picture_table, rows)
        states = []
        for machine, name in self.timeline.machines:
            bar = self.timeline.state_at(machine, t)
            states.append([name, "no data" if bar is None else bar.state + (f" ({bar.fault})" if bar.fault else ""),
                           "" if bar is None else _hms(bar.t0)])  # fmt: skip
        _fill(self.state_table, states)
        self.trend.set_cursor(t)
        # Keep the event list at the cursor: the first event at or after it comes into view.
        row = bisect.bisect_left([e.ts for e in self._shown_events], t)
        item = self.events_table.item(min(row, self.events_table.rowCount() - 1), 0)
        if item is not None:
            self.events_table.scrollToItem(item, QAbstractItemView.ScrollHint.PositionAtTop)

    # --- events ----------------------------------------------------------------------------------
    def _refill_events(self) -> None:
        text = self.filter_edit.text().strip().lower()
        kind = self.kind_combo.currentText()
        shown = []
        for e in self.timeline.events:
            if kind != "all kinds" and str(e.kind) != kind:
                continue
            if text and text not in f"{e.message} {e.source} {e.user}".lower():
                continue
            shown.append(e)
        self._shown_events = shown
        _fill(self.events_table, [[_hms(e.ts), str(e.kind), e.source, e.user, e.message] for e in shown])

    def _on_event_row(self, row: int, _col: int) -> None:
        if 0 <= row < len(self._shown_events):
            self.timeline_view.set_cursor(self._shown_events[row].ts)

    def _select_event(self, event_id: int) -> None:
        for row, e in enumerate(self._shown_events):
            if e.id == event_id:
                self.tabs.setCurrentIndex(0)
                self.events_table.selectRow(row)
                item = self.events_table.item(row, 0)
                if item is not None:
                    self.events_table.scrollToItem(item)
                return

    # --- playback ---------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self._play.isActive():
            self._play.stop()
            self.play_button.setText("▶ Play")
        else:
            self._play.start()
            self.play_button.setText("⏸ Pause")

    def _on_play_tick(self) -> None:
        speed = PLAYBACK_SPEEDS[self.speed_combo.currentIndex()]
        t = self.timeline_view.cursor_time() + speed * TICK_MS / 1000.0
        if t >= self.timeline.t1:
            self.toggle_play()
            t = self.timeline.t1
        self.timeline_view.set_cursor(t)

    def step_next(self) -> None:
        m = self.timeline.next_marker_after(self.timeline_view.cursor_time(), LANES)
        if m is not None:
            self.timeline_view.set_cursor(m.t)
            self._select_event(m.event_id)

    def step_previous(self) -> None:
        t = self.timeline_view.cursor_time()
        before = [m for m in self.timeline.markers if m.t < t - 1e-6]
        if before:
            self.timeline_view.set_cursor(before[-1].t)
            self._select_event(before[-1].event_id)

    # --- report -----------------------------------------------------------------------------------
    def save_report(self) -> None:
        from hmi.ui.report_pdf import write_pdf

        default = str(Path.home() / f"{self.source.line_id}_report.pdf")
        path, _ = QFileDialog.getSaveFileName(self, "Save the shift report", default, "PDF (*.pdf)")
        if not path:
            return
        report = build_report(self.source, self.source.t0, self.source.t1 + 1e-3, "whole journal")
        try:
            pages = write_pdf(to_markdown(report), path, title=f"{report.line_name}: {report.title}")
        except OSError as exc:
            QMessageBox.warning(self, "Shift report", f"Could not write {path}: {exc.strerror}")
            return
        self.statusBar().showMessage(f"Report saved: {path} ({pages} pages)", 10_000)

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        # Timeline, trend and tables share the height 3:4:3, so that the event list keeps about ten
        # rows even at 800 px; the splitter handles let the reviewer change it.
        h = max(self._split.height(), 600)
        self._split.setSizes([h * 3 // 10, h * 4 // 10, h * 3 // 10])

    def closeEvent(self, event: object) -> None:
        self._play.stop()
        self.trend.shutdown()
        super().closeEvent(event)  # type: ignore[arg-type]


def run_review(source: ReviewRecord, *, seconds: float | None = None, screenshot: str | None = None) -> int:
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    from hmi.ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_theme(app)
    window = ReviewWindow(source)
    screen = app.primaryScreen().availableGeometry()
    window.setGeometry(screen)  # the whole screen it is on: a review wants room, and never more
    window.show()
    if seconds:

        def finish() -> None:
            if screenshot:
                window.grab().save(str(screenshot))
            window.close()
            app.quit()

        QTimer.singleShot(int(seconds * 1000), finish)
    return int(app.exec())
