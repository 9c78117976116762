"""The Production view: OEE with A/P/Q per machine and per hour, downtime Pareto, MTBF/MTTR, stops.

Reads one `ProductionAnalysis` (hmi.core.production) of this and the last
shift, from the runtime's production tracker; every figure is the analysis's,
the same the status strip, the CLI and the shift report show. The stops table
is also the queue of unclassified stops ("Unclassified only"); a supervisor
classifies, splits or annotates a stop from it (hmi.ui.production_dialogs),
live or after the fact. Buttons a role may not use are disabled with the
reason in their tooltip before anyone tries.

ISA-101: grey tables and bars; nothing coloured (no figure here is an alarm).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hmi.core.production.oee import LINE, OeeFigures, ParetoRow, ProductionAnalysis
from hmi.core.production.stops import CLASSIFY, NOTE, SPLIT, Stop, StopCounts, end_text
from hmi.core.production.text import (
    clock_duration,
    count,
    minutes,
    oee_text,
    or_unrecorded,
    pct,
    performance,
    recorded_share,
    short_stop_note,
)
from hmi.core.qc_figures import CAMERA_VS_LINE
from hmi.core.users import Action, User
from widgets import palette
from widgets.last_known import last_known_text
from widgets.permission import gate, mark
from widgets.text_fit import scrolls_sideways
from widgets.wrapping_label import TipLabel

SHIFTS = ("This shift", "Previous shift")
MACHINE_COLUMNS = ("Machine", "OEE", "A", "P", "Q", "Good", "Rejects", "Downtime", "Failures", "MTBF", "MTTR")
HOUR_COLUMNS = ("Hour", "OEE", "A", "P", "Q", "Good", "Downtime")
STOP_COLUMNS = (
    "Begin",
    "End",
    "Machine",
    "Reason",
    "Category",
    "Duration",
    "Short",
    "Note",
    "Split",
    "Classified by",
)


def _table(columns: tuple[str, ...]) -> QTableWidget:
    t = QTableWidget(0, len(columns))
    t.setHorizontalHeaderLabels(list(columns))
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setAlternatingRowColors(True)
    t.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _figure(fig: OeeFigures, column: int, text: str) -> str:
    """A table cell of a range's figures: "not recorded" for a range LineHMI recorded none of
    (the first column names the row; an empty cell stays empty)."""
    return text if column == 0 or not text else or_unrecorded(fig, text)


def _item(text: str, align_right: bool = False, tip: str = "") -> QTableWidgetItem:
    it = QTableWidgetItem(text)
    if align_right:
        it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tip:
        it.setToolTip(tip)
    return it


class ParetoChart(QWidget):
    """Downtime by reason, longest first: grey bars with minutes and the number of stops. A reason
    too long for its share of the width wraps onto more lines ("U-OVERHEAT Over-tempera…" was cut
    at 1280 px) and the chart asks for the height of all its rows, so none is dropped."""

    LABEL_SHARE = 0.42  # of the width, at most, for the reasons

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paretoChart")
        self.rows: list[ParetoRow] = []
        self.empty_text = "no downtime in this shift"
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_rows(self, rows: list[ParetoRow], empty_text: str = "no downtime in this shift") -> None:
        self.rows = rows
        self.empty_text = empty_text
        self.setToolTip(
            "\n".join(
                f"{r.text}: {minutes(r.seconds)}, {r.count} stops ({', '.join(r.machines)})" for r in rows
            )
        )
        self._fit_height()
        self.update()

    def _label_width(self, w: int) -> int:
        fm = self.fontMetrics()
        return min(
            int(w * self.LABEL_SHARE), max((fm.horizontalAdvance(r.text) for r in self.rows), default=0) + 12
        )

    def _row_boxes(self, w: int) -> list[tuple[QRectF, ParetoRow, int]]:
        """Each row's rectangle and the height its wrapped reason needs, top to bottom."""
        fm = self.fontMetrics()
        label_w = self._label_width(w)
        out, y = [], 4.0
        for r in self.rows:
            text_h = fm.boundingRect(
                0, 0, max(1, label_w - 8), 10_000, Qt.TextFlag.TextWordWrap, r.text
            ).height()
            row_h = max(fm.height() + 8, min(34, text_h + 8) if text_h <= fm.height() else text_h + 8)
            out.append((QRectF(0, y, w, row_h), r, text_h))
            y += row_h
        return out

    def _fit_height(self) -> None:
        boxes = self._row_boxes(self.width())
        need = int(boxes[-1][0].bottom()) + 4 if boxes else 0
        if max(120, need) != self.minimumHeight():
            self.setMinimumHeight(max(120, need))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def clipped_texts(self) -> list[str]:
        """Reasons not shown whole (widgets.text_fit.PaintsText): a word wider than the reasons'
        column, or a row below the chart's foot."""
        fm = self.fontMetrics()
        label_w = self._label_width(self.width()) - 8
        out = []
        for box, r, _text_h in self._row_boxes(self.width()):
            too_wide = any(fm.horizontalAdvance(word) > label_w for word in r.text.split())
            if too_wide or box.bottom() > self.height():
                out.append(r.text)
        return out

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        fm = p.fontMetrics()
        w, h = self.width(), self.height()
        p.fillRect(0, 0, w, h, QColor(palette.PANEL))
        if not self.rows:
            p.setPen(QColor(palette.TEXT_DIM))
            p.drawText(QRectF(0, 0, w, h), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            return
        label_w = self._label_width(w)
        value_w = fm.horizontalAdvance("999.9 min · 99 stops") + 10
        bar_w = max(20, w - label_w - value_w - 12)
        top = max(r.seconds for r in self.rows) or 1.0
        for box, r, _text_h in self._row_boxes(w):
            y, row_h = box.top(), box.height()
            p.setPen(QColor(palette.TEXT))
            flags = int(Qt.AlignmentFlag.AlignVCenter) | int(Qt.TextFlag.TextWordWrap)
            p.drawText(QRectF(4, y, label_w - 8, row_h), flags, r.text)
            bw = bar_w * r.seconds / top
            bar_h = min(row_h, 34) - 8
            bar_y = y + (row_h - bar_h) / 2
            p.fillRect(QRectF(label_w, bar_y, bw, bar_h), QColor(palette.NORMAL_BAND))
            p.setPen(QPen(QColor(palette.PANEL_BORDER)))
            p.drawRect(QRectF(label_w, bar_y, bw, bar_h))
            p.setPen(QColor(palette.TEXT))
            p.drawText(
                QRectF(label_w + bw + 6, y, value_w + bar_w - bw, row_h),
                Qt.AlignmentFlag.AlignVCenter,
                f"{minutes(r.seconds)} · {r.count} stops",
            )


class ProductionView(QWidget):
    """`edit_requested(action, stop)` asks for a stop edit (the window opens the dialog)."""

    edit_requested = Signal(str, object)

    def __init__(self, to_local: Callable[[float], _dt.datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("productionView")
        self._to_local = to_local
        self.analysis: ProductionAnalysis | None = None
        self.user: User | None = None
        self._problem = ""
        self._stops: list[Stop] = []
        self._since: float | None = None  # the link went: the figures are the last known
        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        head = QHBoxLayout()
        self.shift_box = QComboBox()
        self.shift_box.addItems(SHIFTS)
        self.shift_box.currentIndexChanged.connect(lambda _i: self._render())
        self.title = QLabel()
        self.title.setObjectName("dialogHeading")
        self.title.setWordWrap(True)
        self.flags = TipLabel()  # one line of notes, all of them in its tooltip
        self.flags.setObjectName("dimLabel")
        self.flags.setWordWrap(True)
        self.flags.setMaximumHeight(3 * self.flags.fontMetrics().height())
        head.addWidget(self.shift_box)
        head.addWidget(self.title, 1)
        root.addLayout(head)
        root.addWidget(self.flags)
        self.tabs = QTabWidget()
        root.addWidget(self.tabs, 1)

        shift_tab = QWidget()
        grid = QGridLayout(shift_tab)
        grid.setContentsMargins(0, 4, 0, 0)
        self.machines = _table(MACHINE_COLUMNS)
        self.hours = _table(HOUR_COLUMNS)
        for t in (self.machines, self.hours):
            # In a dock narrower than the columns (beside another dock) they are reached sideways; with
            # the window's width they all show (the chart goes under them, `_arrange_shift_tab`).
            scrolls_sideways(t)
        self.pareto = ParetoChart()
        grid.addWidget(
            QLabel(
                "Per machine (blocked/starved time is the loss of the machine that caused it;"
                " A * : short stops counted as speed loss, in P)"
            ),
            0,
            0,
        )
        grid.addWidget(self.machines, 1, 0)
        grid.addWidget(QLabel("Per hour (line)"), 2, 0)
        grid.addWidget(self.hours, 3, 0)
        self.pareto_title = QLabel("Downtime by reason (line, minutes and stops; short stops are speed loss)")
        self.pareto_title.setWordWrap(True)
        self._grid = grid
        self.side_by_side: bool | None = None
        self._arrange_shift_tab(True)
        self.machines.horizontalHeader().sectionResized.connect(self._follow_width)
        self.tabs.addTab(shift_tab, "Shift")

        stops_tab = QWidget()
        sl = QVBoxLayout(stops_tab)
        sl.setContentsMargins(0, 4, 0, 0)
        bar = QHBoxLayout()
        self.only_unclassified = QCheckBox("Unclassified only")
        self.only_unclassified.toggled.connect(lambda _b: self._render_stops())
        self.classify_button = QPushButton("Classify…")
        self.split_button = QPushButton("Split…")
        self.note_button = QPushButton("Note…")
        for b, action, right in (
            (self.classify_button, CLASSIFY, Action.CLASSIFY_STOP),
            (self.split_button, SPLIT, Action.SPLIT_STOP),
            (self.note_button, NOTE, Action.NOTE_STOP),
        ):
            mark(b, right)
            b.setAutoDefault(False)
            b.clicked.connect(lambda _c=False, a=action: self._request(a))
        self.outcome = QLabel()
        self.outcome.setObjectName("writeStatus")
        bar.addWidget(self.only_unclassified)
        bar.addStretch(1)
        bar.addWidget(self.outcome)
        bar.addWidget(self.classify_button)
        bar.addWidget(self.split_button)
        bar.addWidget(self.note_button)
        sl.addLayout(bar)
        self.stops = _table(STOP_COLUMNS)
        self.stops.itemSelectionChanged.connect(self._update_buttons)
        self.stops.doubleClicked.connect(lambda _i: self._request(CLASSIFY))
        sl.addWidget(self.stops, 1)
        self.tabs.addTab(stops_tab, "Stops")
        self._update_buttons()

    def _arrange_shift_tab(self, side_by_side: bool) -> None:
        """The reasons chart beside the tables when the per-machine table has its whole width in
        three fifths of the view, else under them: at 1280 px the table's last columns ("Failures",
        "MTBF") were cut by its edge beside the chart."""
        if side_by_side == self.side_by_side:
            return
        self.side_by_side = side_by_side
        grid = self._grid
        if side_by_side:
            grid.addWidget(self.pareto_title, 0, 1)
            grid.addWidget(self.pareto, 1, 1, 3, 1)
        else:
            grid.addWidget(self.pareto_title, 4, 0)
            grid.addWidget(self.pareto, 5, 0)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2 if side_by_side else 0)
        grid.setRowStretch(1, 2)
        grid.setRowStretch(3, 3)
        grid.setRowStretch(5, 0 if side_by_side else 2)

    def _machines_width(self) -> int:
        t = self.machines
        header = t.horizontalHeader()
        return header.length() + 2 * t.frameWidth() + t.verticalScrollBar().sizeHint().width()

    def _follow_width(self, *_args) -> None:
        self._arrange_shift_tab(self._machines_width() <= 0.6 * (self.width() - 12))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._follow_width()

    # --- data ------------------------------------------------------------------------------------
    def set_analysis(self, analysis: ProductionAnalysis | None, problem: str = "") -> None:
        if analysis is self.analysis and not problem:
            return
        self.analysis = analysis
        self._problem = problem
        self._render()

    def set_last_known(self, since: float | None) -> None:
        """The link went at `since` (None: back): the figures are the last known ones and say so."""
        if since != self._since:
            self._since = since
            self._render()

    def last_known_at(self) -> float | None:
        return self._since

    def shown_texts(self) -> list[str]:
        return [self.title.text()]

    def set_user(self, user: User | None) -> None:
        self.user = user
        self._update_buttons()

    def show_outcome(self, text: str, ok: bool) -> None:
        self.outcome.setText(text)
        self.outcome.setProperty("outcome", "ok" if ok else "failed")
        self.outcome.style().unpolish(self.outcome)
        self.outcome.style().polish(self.outcome)

    def _range(self) -> tuple[float, float, str]:
        a = self.analysis
        assert a is not None
        cal = a.setup.calendar
        shift, s0, s1 = cal.shift_at(a.t1 - 1e-6)
        if self.shift_box.currentIndex() == 1:
            shift, s0, s1 = cal.shift_at(s0 - 1.0)
        return max(s0, a.t0), min(s1, a.t1), shift.name

    def _hm(self, ts: float) -> str:
        return self._to_local(ts).strftime("%H:%M")

    def _render(self) -> None:
        a = self.analysis
        if a is None:
            self.title.setText("Production: no figures yet")
            self.flags.setText(self._problem)
            return
        t0, t1, name = self._range()
        line = a.oee(LINE, t0, t1)
        share = recorded_share(line)
        figures = share if line.nothing_recorded else f"{oee_text(line)} · good {count(line.good)}"
        if share and not line.nothing_recorded:
            figures += f" ({share})"
        self.title.setText(f"{name} shift {self._hm(t0)}–{self._hm(t1)} · {figures}")
        if self._since is not None:  # no counts or states reach the analysis
            self.title.setText(f"{self.title.text()} · link lost: {last_known_text(self._since)}")
        self.title.setToolTip(f"{a.setup.line_name}, {self._to_local(t0):%Y-%m-%d}\n{CAMERA_VS_LINE}")
        # One line for the notes (the tables need the height); all of them in the tooltip.
        flags = [*([self._problem] if self._problem else []), *a.flags, *line.flags]
        # a tap shows them at touch (hmi.ui.touch), the mouse's rest or click at a desk
        more = f"  (+{len(flags) - 1} more: tap)" if len(flags) > 1 else ""
        self.flags.setText(f"⚑ {flags[0]}{more}" if flags else "")
        self.flags.setToolTip("\n".join(f"⚑ {f}" for f in flags))
        self.flags.setVisible(bool(flags))
        rows = [(LINE, line), *((m, a.oee(m, t0, t1)) for m in a.setup.ids)]
        self.machines.setRowCount(len(rows))
        for r, (scope, f) in enumerate(rows):
            rel = a.reliability(scope, t0, t1) if scope != LINE else None
            name_text = (
                "Line (constraint " + a.setup.constraint + ")"
                if scope == LINE
                else a.setup.machine(scope).name
            )
            cells = [
                name_text,
                pct(f.oee),
                pct(f.availability) + (" *" if f.short_stops else ""),
                performance(f, short=True),
                pct(f.quality),
                count(f.good),
                count(f.rejects),
                minutes(f.downtime_s),
                "" if rel is None else str(rel.failures),
                "" if rel is None else minutes(rel.mtbf_s),
                "" if rel is None else minutes(rel.mttr_s),
            ]
            # A short stop is in P, not in A or Downtime: the row says so where it happened (QA5 F2).
            note = short_stop_note(f)
            tip = "\n".join([*([note] if note else []), *f.flags])
            for c, text in enumerate(cells):
                self.machines.setItem(r, c, _item(_figure(f, c, text), c > 0, tip))
            if scope == LINE:
                bold = QFont(self.machines.font())
                bold.setBold(True)
                for c in range(len(cells)):
                    item = self.machines.item(r, c)
                    if item is not None:
                        item.setFont(bold)
        hours = [a.oee(LINE, x, y) for x, y in a.hours(t0, t1)]
        self.hours.setRowCount(len(hours))
        for r, f in enumerate(hours):
            cells = [
                f"{self._hm(f.start)}–{self._hm(f.end)}",
                pct(f.oee),
                pct(f.availability),
                performance(f, short=True),
                pct(f.quality),
                count(f.good),
                minutes(f.downtime_s),
            ]
            for c, text in enumerate(cells):
                self.hours.setItem(r, c, _item(_figure(f, c, text), c > 0, "\n".join(f.flags)))
        self.pareto.set_rows(
            a.pareto(t0, t1),
            "nothing recorded in this shift" if line.nothing_recorded else "no downtime in this shift",
        )
        self._render_stops()

    def _render_stops(self) -> None:
        a = self.analysis
        if a is None:
            return
        t0, t1, _name = self._range()
        stops = a.stops_in(t0, t1)  # the rows, and every count said of them (StopCounts)
        counts = StopCounts.of(stops)
        self.tabs.setTabText(1, f"Stops ({counts.total}, {counts.unclassified} unclassified)")
        self.tabs.setTabToolTip(1, counts.text())
        if self.only_unclassified.isChecked():
            stops = [s for s in stops if s.needs_reason]
        stops = sorted(stops, key=lambda s: -s.start)  # newest first
        selected = self._selected()
        self._stops = stops
        # The selection is of a stop, not of a row number: the rows are filled anew (newest first, a
        # stop may have left the list), and a row kept selected would make Classify… act on whichever
        # stop now fills it. Cleared with the current index (a current row that goes with the rows
        # taken away moves to a row still there and selects it), then the chosen stop's row again.
        self.stops.selectionModel().clear()
        self.stops.setRowCount(len(stops))
        for r, s in enumerate(stops):
            end = (
                f"ongoing ({clock_duration(s.duration)})"
                if s.ongoing
                else end_text(s, self._to_local(s.end).strftime("%H:%M:%S"))
            )
            split = f"from {self._to_local(s.split_from):%H:%M:%S}" if s.split_from is not None else ""
            cells = [
                self._to_local(s.start).strftime("%H:%M:%S"),
                end,
                a.setup.machine(s.machine).name,
                s.reason_label(a.setup),
                s.category,
                clock_duration(s.duration),
                "yes (speed loss)" if s.short else "",
                s.note,
                split,
                s.classified_by_text,
            ]
            tip = "\n".join(s.flags)
            for c, text in enumerate(cells):
                self.stops.setItem(r, c, _item(text, c == 5, tip))
            if selected is not None and selected.key() == s.key():
                self.stops.selectRow(r)
        self._update_buttons()

    # --- actions ---------------------------------------------------------------------------------
    def _selected(self) -> Stop | None:
        rows = self.stops.selectionModel().selectedRows() if self.stops.selectionModel() else []
        if not rows or rows[0].row() >= len(self._stops):
            return None
        return self._stops[rows[0].row()]

    def _update_buttons(self) -> None:
        stop = self._selected()
        for b in (self.classify_button, self.split_button, self.note_button):
            gate(b, self.user, otherwise="select a stop in the table first" if stop is None else "")

    def _request(self, action: str) -> None:
        stop = self._selected()
        if stop is not None and self.classify_button.isEnabled():
            self.edit_requested.emit(action, stop)
