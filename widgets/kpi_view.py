"""Alarm KPIs (ISA-18.2 / IEC 62682, EEMUA 191) of the journal, in the app.

`hmi.core.alarms.kpi.report()` reads the journal's alarm events; on a day's file
that can take a while, so it runs on a worker thread while a busy bar shows
(widgets.background: the result comes back on the GUI thread; the worker touches
no Qt object). A newer request supersedes an older one (its late result is dropped).

The figures are never older than the alarms the view has seen without saying so: an alarm change
(`note_alarm_change`) makes the shown report stale; a view in front computes again a moment later,
a view behind another tab when it is shown (`refresh_if_stale`), and the status line says when the
figures were computed and that alarms changed since (qa9 Q9-5: the tab opened 4.5 min after start
showed "Computed 00:34:01 … 0 alarms annunciated" with 4 alarms standing in the banner).

Verdicts are words and symbols (✓ ok, ~ manageable, ✗ over target), not alarm
colours: those are reserved for alarms.
"""

from __future__ import annotations

import concurrent.futures
import datetime as _dt
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hmi.core.alarms import figures
from hmi.core.alarms.kpi import PRIORITY_ORDER, PRIORITY_TARGET_PCT, KpiReport, duration_text, report
from widgets.background import BackgroundTask, run_in_background

log = logging.getLogger(__name__)

PERIODS: dict[str, float | None] = {
    "Current journal file": None,
    "Last hour": 3600.0,
    "Last 8 hours (shift)": 8 * 3600.0,
    "Last 24 hours": 86400.0,
    "Last 7 days": 7 * 86400.0,
}
VERDICT_TEXT = {"ok": "✓ ok", "manageable": "~ manageable", "over target": "✗ over target", "n/a": "– n/a"}
WRAPPED_MIN_PX = 160  # the least room the assessment's Value and Target columns wrap in
RECOMPUTE_AFTER_MS = 2000  # a view in front computes again this long after an alarm change (a
# flood of changes costs one computation per interval, on the worker)


def _t(ts: float | None) -> str:
    return "—" if ts is None else _dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def _clock_time(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts).strftime("%H:%M:%S")


class JournalFiles(Protocol):
    """The journal as the KPI report reads it: its files (hmi.core.journal.Journal has them)."""

    @property
    def path(self) -> Path | None:
        """The file being written now (None: nothing on disk)."""
        ...

    def files(self) -> list[Path]: ...


def journal_paths(journal: JournalFiles, start: float | None) -> list[Path]:
    """The journal files that may hold events after `start` (None: the current file only)."""
    current = journal.path
    if start is None:
        return [Path(current)] if current else []
    out = []
    for p in journal.files():
        try:
            if p.stat().st_mtime >= start:  # a file last written before the start holds nothing after it
                out.append(p)
        except OSError:
            continue
    if current and Path(current) not in out and Path(current).exists():
        out.append(Path(current))
    return sorted(out)


def _table(headers: Sequence[str], stretch: int) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(list(headers))
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    t.setAlternatingRowColors(True)
    t.setWordWrap(False)
    h = t.horizontalHeader()
    h.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    h.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return t


class KpiView(QWidget):
    report_ready = Signal(object)  # KpiReport
    report_failed = Signal(str)

    def __init__(
        self,
        journal: JournalFiles | None = None,
        *,
        paths: Callable[[float | None], list[Path]] | None = None,
        clock: Callable[[], float] = time.time,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("kpiView")
        self.journal = journal
        self._paths_fn = paths
        self._clock = clock
        self._request = 0
        self._job: tuple[int, BackgroundTask, float, float] | None = None
        self.report: KpiReport | None = None
        self.busy = False
        self.computed_at: float | None = None  # the clock when the shown report's request began
        self.alarms_changed_at: float | None = None  # the last alarm change this view was told of
        self._asked_at: float | None = None  # the clock when the running request began
        self._recompute = QTimer(self)
        self._recompute.setSingleShot(True)
        self._recompute.setInterval(RECOMPUTE_AFTER_MS)
        self._recompute.timeout.connect(self.refresh_if_stale)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        outer.setSpacing(8)
        head = QHBoxLayout()
        title = QLabel("Alarm KPIs (ISA-18.2)")
        title.setToolTip("Alarm system performance against ISA-18.2 / IEC 62682 and EEMUA 191 targets")
        title.setObjectName("dialogHeading")
        head.addWidget(title)
        head.addSpacing(16)
        head.addWidget(QLabel("Period"))
        self.period_combo = QComboBox()
        for label, span in PERIODS.items():
            self.period_combo.addItem(label, span)
        self.period_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        head.addWidget(self.period_combo)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        head.addWidget(self.refresh_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy indicator
        self.progress.setTextVisible(False)
        self.progress.setFixedSize(120, 8)
        self.progress.setVisible(False)
        head.addWidget(self.progress)
        head.addStretch(1)
        outer.addLayout(head)
        self.status_label = QLabel("Not computed yet")
        self.status_label.setObjectName("dimLabel")
        self.status_label.setWordWrap(True)
        outer.addWidget(self.status_label)

        self.summary_label = QLabel()
        self.summary_label.setObjectName("kpiSummary")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        outer.addWidget(self.summary_label)

        # Left: the KPIs against their targets (always in view). Right: the details, one tab each.
        body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        body.setSpacing(12)
        self._body = body
        self.assessment = _table(("KPI", "Value", "Verdict", "Target"), 3)
        # Value and Target wrap in the room they share, the row as tall as its text: the value "6.64,
        # too short to judge (…)" as one line scrolled the table sideways, Verdict and Target out of
        # view and the value cut at the right (qa8).
        self.assessment.setWordWrap(True)
        self.assessment.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.assessment.setTextElideMode(Qt.TextElideMode.ElideNone)
        ah = self.assessment.horizontalHeader()
        ah.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.assessment.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.top10 = _table(("Alarm", "Priority", "Count", "Share"), 0)
        self.priorities = _table(("Priority", "Count", "Share", "Target"), 0)
        self.problems = _table(("Alarm", "Problem"), 1)
        self.details = QTabWidget()
        self.details.setObjectName("kpiDetails")
        # Every tab whole, none behind scroll arrows ("Chattering / stale / standing" was): the
        # assessment beside it gives up the width.
        self.details.tabBar().setUsesScrollButtons(False)
        self.details.tabBar().setElideMode(Qt.TextElideMode.ElideNone)
        self.details.addTab(self.top10, "Top 10 alarms")
        self.details.addTab(self.priorities, "Priorities")
        self.details.setTabToolTip(
            1, "Priority distribution: alarms per priority against the ISA-18.2 shares"
        )
        self.details.addTab(self.problems, "Chattering / stale / standing")
        body.addWidget(self.assessment, 3)
        body.addWidget(self.details, 2)
        self.assessment.horizontalHeader().sectionResized.connect(self._follow_width)
        outer.addLayout(body, 1)
        self._bold = QFont()
        self._bold.setBold(True)

    SIDE_BY_SIDE_PX = 1100  # narrower: the details go under the assessment, each table its width

    def _follow_width(self, *_args) -> None:
        """Assessment and details side by side on a wide dock, one above the other on a narrow one:
        at 1280 px the assessment's "Verdict" column was cut by its edge beside the details."""
        header = self.assessment.horizontalHeader()
        fixed = header.sectionSize(0) + header.sectionSize(2)  # KPI and Verdict: their text's width
        need = fixed + 2 * WRAPPED_MIN_PX + self.details.minimumSizeHint().width() + 24
        wide = self.width() >= max(self.SIDE_BY_SIDE_PX, need)
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self._body.direction() != direction:
            self._body.setDirection(direction)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._follow_width()

    # --- requests ----------------------------------------------------------------------------------
    @property
    def stale(self) -> bool:
        """No report yet, or alarms changed after the shown one was asked for."""
        if self.report is None or self.computed_at is None:
            return True
        return self.alarms_changed_at is not None and self.alarms_changed_at >= self.computed_at

    def note_alarm_change(self, *_args: object) -> None:
        """An alarm changed (the alarm store's `changed`/`reset`): the shown figures are older than
        it. In front: computed again in a moment; behind another tab: when shown."""
        self.alarms_changed_at = self._clock()
        if self.report is not None and not self.busy:
            self.status_label.setText(self._status_text())
        if self.isVisible() and not self._recompute.isActive():
            self._recompute.start()

    def refresh_if_stale(self) -> None:
        """Compute again when the shown figures are older than the last alarm change (the tab was
        brought forward, or the moment after a change passed); a request already asked after the
        change is left to finish."""
        asked_after = (
            self.busy
            and self._asked_at is not None
            and (self.alarms_changed_at is None or self._asked_at > self.alarms_changed_at)
        )
        if self.stale and not asked_after:
            self.refresh()

    def _status_text(self, seconds: float | None = None, files: int | None = None) -> str:
        r, at = self.report, self.computed_at
        if r is None or at is None:
            return "Not computed yet"
        took = f" in {seconds:.2f} s" if seconds is not None else ""
        src = f" from {files if files is not None else len(r.sources)} file(s)"
        text = f"Computed {_clock_time(at)}{took}{src}: the alarms journaled up to then"
        if self.stale and self.alarms_changed_at is not None:
            text += f" · alarms changed at {_clock_time(self.alarms_changed_at)} since: " + (
                "computing again in a moment" if self.isVisible() else "computed again when shown"
            )
        return text

    @property
    def period_s(self) -> float | None:
        return self.period_combo.currentData()

    def refresh(self) -> int:
        """Compute the report for the chosen period off the GUI thread; returns the request number."""
        self._request += 1
        n = self._request
        self._recompute.stop()
        self._asked_at = self._clock()
        span = self.period_s
        end = self._asked_at if span is not None else None
        start = end - span if (span is not None and end is not None) else None
        try:
            if self._paths_fn is not None:
                paths = self._paths_fn(start)
            else:
                paths = journal_paths(self.journal, start) if self.journal is not None else []
        except Exception as exc:
            self._on_failed(n, f"cannot find the journal files: {exc}")
            return n
        if not paths:
            self._on_failed(n, "no journal file to read (the runtime has no journal)")
            return n
        self.busy = True
        self.progress.setVisible(True)
        self.refresh_button.setEnabled(False)
        names = ", ".join(p.name for p in paths[:3]) + (
            f" and {len(paths) - 3} more" if len(paths) > 3 else ""
        )
        self.status_label.setText(f"Computing from {names}…")
        task = run_in_background(report, list(paths), start, end, name="linehmi-kpi", parent=self)
        task.finished.connect(self._on_job_finished)
        self._job = (n, task, time.perf_counter(), self._asked_at)
        return n

    def _on_job_finished(self, fut: concurrent.futures.Future) -> None:
        job = self._job
        if job is None or job[1].future is not fut:
            return  # superseded by a newer request
        n, _task, t0, asked_at = job
        self._job = None
        try:
            r = fut.result()
        except Exception as exc:
            self._on_failed(n, str(exc) or type(exc).__name__)
            return
        self._on_done(n, r, time.perf_counter() - t0, asked_at)

    def _finish(self) -> None:
        self.busy = False
        self.progress.setVisible(False)
        self.refresh_button.setEnabled(True)

    def _on_failed(self, n: int, message: str) -> None:
        if n != self._request:
            return
        self._finish()
        self.status_label.setText(f"Could not compute the KPIs: {message}")
        self.report_failed.emit(message)

    def _on_done(self, n: int, r: KpiReport, seconds: float, asked_at: float) -> None:
        if n != self._request:
            return  # superseded by a newer request
        self._finish()
        self.report = r
        self.computed_at = asked_at
        self.status_label.setText(self._status_text(seconds, len(r.sources)))
        self._show(r)
        self.report_ready.emit(r)
        if self.stale and self.isVisible() and not self._recompute.isActive():
            self._recompute.start()  # alarms changed while it computed

    # --- display -------------------------------------------------------------------------------------
    def _show(self, r: KpiReport) -> None:
        ack = (
            f"time to acknowledge: average {duration_text(r.avg_time_to_ack_s, '—')}, "
            f"median {duration_text(r.median_time_to_ack_s, '—')} "
            f"over {r.acks} acknowledgements"
        )
        extra = f"; {r.advisories_excluded} model advisories not counted" if r.advisories_excluded else ""
        self.summary_label.setText(
            f"<b>{_t(r.start)} – {_t(r.end)}</b> ({figures.span_text(r.duration_s)}, "
            f"{figures.periods_text(r.periods)}) · "
            f"<b>{r.annunciated}</b> alarms annunciated ({r.distinct_alarms} distinct){extra} · "
            f"{figures.ALARM_RATE.label} {r.rate_text()} · "
            f"{ack} · at the end of the period: {figures.UNACKED.label.lower()} {r.unacked_at_end}, "
            f"{figures.IN_ALARM.label.lower()} {len(r.standing_at_end)} · {r.shelve_actions} shelve actions"
        )
        self.summary_label.setToolTip(
            "<br>".join(
                f.with_counts()
                for f in (figures.ANNUNCIATED, figures.ALARM_RATE, figures.UNACKED, figures.IN_ALARM)
            )
        )
        self._fill(
            self.assessment,
            [(a.kpi, a.value, VERDICT_TEXT.get(a.verdict, a.verdict), a.target) for a in r.assessment],
            bold_if=lambda row: row[2].startswith("✗"),
        )
        self._fill(
            self.top10,
            [(f"{t.name} ({t.alarm})", t.priority, str(t.count), f"{t.share_pct:.1f} %") for t in r.top10]
            or [("No alarms in this period", "", "", "")],
        )
        self._fill(
            self.priorities,
            [
                (
                    p,
                    str(r.priority_counts.get(p, 0)),
                    f"{r.priority_pct.get(p, 0.0):.1f} %",
                    f"{PRIORITY_TARGET_PCT.get(p, '')} %",
                )
                for p in PRIORITY_ORDER
            ],
        )
        probs: list[tuple[str, str]] = []
        for c in r.chattering:
            probs.append(
                (c.alarm, f"chattering: {c.activations} activations, up to {c.max_per_minute} in 1 min")
            )
        for s in r.stale:
            probs.append((s.alarm, f"stale: active {s.hours:.1f} h since {_t(s.active_since)}"))
        for st in r.standing_at_end:
            probs.append(
                (st.alarm, f"standing: {st.state.replace('_', ' ')} since {_t(st.since)} ({st.priority})")
            )
        for label, ids in (
            ("shelved at the end", r.shelved_at_end),
            ("suppressed at the end", r.suppressed_at_end),
            ("out of service at the end", r.out_of_service_at_end),
        ):
            probs.extend((i, label) for i in ids)
        self._fill(self.problems, probs or [("—", "none")])

    def _fill(
        self, table: QTableWidget, rows: list[tuple], bold_if: Callable[[tuple], bool] | None = None
    ) -> None:
        table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            bold = bold_if(row) if bold_if else False
            for j, text in enumerate(row):
                item = QTableWidgetItem(str(text))
                item.setToolTip(str(text))
                if bold:
                    item.setFont(self._bold)
                if j > 0 and table is not self.assessment and str(text)[:1].isdigit():
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(i, j, item)
