"""The review workspace: a shift's journal files, read-only, on any PC.

┌ Review: Packaging Line 1 — line1_2026-12-05.db ── [◀ prev] [▶ Play] [speed] [next ▶] [Report…] [Print…] ┐
│ timeline: machine lanes (state bars), alarms / operator / QC / advisories / link lanes, review notes     │
├ the line at the cursor: the live screen's faceplates in review mode (values, states, alarms of then) ───┤
├ trend (history mode, same widget as the live screen) with the same cursor ────────────────────────────────┤
├ Events (filter, search) │ Alarm picture at the cursor │ Machines at the cursor │ Review notes ─────────────┤
└ status: files, period, data notes ─────────────────────────────────────────────────────────────────────────┘

Nothing here writes to the journal unless a reviewer asks for it: the source opens files read-only;
notes, bookmarks and stop reasons go to the review notes file next to each journal
(hmi.core.review.notes); the report goes to a file the reviewer chooses or to a printer. The one write:
a reviewer logged in (the line's users file) with a role that may classify stops ticks "Write to the
journal" in the stop reason dialog, and the classification goes through the Production view's audited
path into the file, when no LineHMI is writing it (hmi.core.review.journal_write).
"""

from __future__ import annotations

import bisect
import datetime as dt
import getpass
import os
import sys
import threading
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hmi.core.alarms.tag_badges import badges_from_snapshots
from hmi.core.journal_read import JournalError, StoredEvent
from hmi.core.journal_text import TextRow
from hmi.core.live_values import LiveValues
from hmi.core.production.oee import ProductionAnalysis
from hmi.core.quality import quality_of
from hmi.core.review.alarm_picture import AlarmPicture, PictureRow
from hmi.core.review.instant import InstantReader, LineInstant
from hmi.core.review.journal_write import JournalBusy, ReviewJournal
from hmi.core.review.notes import NoteKind, NotesError, ReviewNote, note_author
from hmi.core.review.playback import DEFAULT_SPEED, PLAYBACK_SPEEDS, Playback
from hmi.core.review.record import ReviewRecord, shift_at, tag_infos
from hmi.core.review.report import ShiftReport, build_report, to_markdown
from hmi.core.review.source import ReviewSource
from hmi.core.review.stop_choices import StopChoice, no_stop_text, record_stops, stops_at
from hmi.core.review.timeline import LANES, Timeline, build_timeline
from hmi.core.tag_info import TagInfo
from hmi.core.text_samples import display_text
from hmi.core.users import REQUIRED_ROLE, Action, PermissionDenied, User, allowed, password_change_needed
from hmi.ui.quit_control import close_control
from hmi.ui.review_notes_dialog import ReviewLoginDialog, StopReasonDialog
from widgets.event_rows import HEADERS as EVENT_HEADERS
from widgets.event_rows import MESSAGE_COL as EVENT_MESSAGE_COL
from widgets.event_rows import EventRowsModel
from widgets.fit_label import FitLabel
from widgets.line_overview import LineOverview
from widgets.timeline import TimelineWidget
from widgets.trend import TrendWidget
from widgets.whole_lines import WholeRows

TICK_MS = 100
EVENT_ROWS_WIDE = 8  # the event browser shows at least this many rows at 1920x1080 ...
EVENT_ROWS_COMPACT = 5  # ... and this many at 1280x800
SIDE_BY_SIDE_MIN_WIDTH = 1600  # trend and event browser side by side from this window width
EVENT_LIST_FOLLOW_MS = 250  # the event list follows a moving cursor at most 4 times a second
WHOLE_CHECK_DELAY_MS = 2000  # SQLite's whole check of the files starts this long after the window shows


def _hms(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%H:%M:%S")


def _text_history(source: ReviewRecord) -> dict[str, list[TextRow]]:
    """Every text value of the record's text tags, by tag, oldest first (few: text changes rarely)."""
    historian = source.historian()
    tags = sorted(n for n, info in historian.tag_info().items() if info.get("data_type") == "text")
    return historian.read_text(tags, source.t0 - 86_400.0, source.t1 + 1.0) if tags else {}


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    _table_look(t, len(headers))
    return t


def _table_look(t: QTableView, columns: int, *, fit: bool = True) -> None:
    """Read-only, whole rows selected, no row numbers; the columns fit their texts but the last
    (`fit=False`: the owner sets their widths, see ReviewWindow._fit_event_columns)."""
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.verticalHeader().setVisible(False)
    header = t.horizontalHeader()
    mode = QHeaderView.ResizeMode.ResizeToContents if fit else QHeaderView.ResizeMode.Interactive
    for col in range(columns - 1):
        header.setSectionResizeMode(col, mode)
    header.setStretchLastSection(True)
    # A heading starts where its column starts: centred in a last column wider than the view, the
    # alarm picture's "message" read "sage" (qa7 G24).
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    """Set the table's cells; a cell whose text is unchanged is left alone (and not repainted): a cursor
    move changes a few cells of the alarm picture and machine tables, not all of them."""
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = table.item(r, c)
            if item is None:
                table.setItem(r, c, QTableWidgetItem(text))
            elif item.text() != text:
                item.setText(text)


# Below this window height the faceplates and the trend share one pane as two tabs (a 1280x800
# line-side PC): side by side with the timeline and the tables, each would be too short to read.
COMPACT_HEIGHT = 950


class ReviewWindow(QMainWindow):
    # A problem found after the window was built (a damaged page met by a read, or by SQLite's whole
    # check of the files in the background): from any thread, shown in the banner on the GUI thread.
    problem_found = Signal(str)

    def __init__(
        self,
        source: ReviewRecord,
        parent: QWidget | None = None,
        *,
        compact: bool | None = None,
        journal: ReviewJournal | None = None,
    ) -> None:
        """`compact`: faceplates and trend as tabs of one pane; None: when the screen is short.
        `journal`: the files and users file a logged-in supervisor may write stop reasons to (None:
        reasons go to the review notes only)."""
        super().__init__(parent)
        self.source = source
        self.journal = journal
        self.reviewer: User | None = None  # logged in with the line's users file (ReviewLoginDialog)
        # The production model's stops of the whole record (the one stop definition), read at the
        # first "Stop reason…" and again after a classification is written; None: no model.
        self._analysis: ProductionAnalysis | None = None
        self._analysed = False
        self._infos: dict[str, TagInfo] | None = None  # tag display facts, read at the first need
        self.timeline: Timeline = build_timeline(source)
        self.picture = AlarmPicture(self.timeline.events)
        self.playback = Playback()
        self._cursor_t = source.t0
        names = ", ".join(source.sources)
        self.setWindowTitle(f"LineHMI review — {source.line_name} — {names}")
        self.setObjectName("reviewWindow")

        self.timeline_view = TimelineWidget(self.timeline)
        self.trend = self._build_trend()
        self.overview, self._live, self._reader = self._build_overview()
        # The event browser formats only the rows it shows (a week holds ~20,000 events).
        self.events_model = EventRowsModel(self)
        self.events_table = QTableView()
        self.events_table.setModel(self.events_model)
        _table_look(self.events_table, len(EVENT_HEADERS), fit=False)  # _fit_event_columns
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("search the events (text, source, user)")
        self.kind_combo = QComboBox()
        self.kind_combo.addItems(["all kinds", *sorted({str(e.kind) for e in self.timeline.events})])
        self.picture_table = _table(
            ["alarm", "priority", "state", "in this state since", "message as raised"]
        )
        last = self.picture_table.horizontalHeaderItem(4)
        if last is not None:
            last.setToolTip("The alarm's message as it was raised (frozen at activation)")
        self.state_table = _table(["machine", "state", "since"])
        self.notes_table = _table(["time", "kind", "machine", "text", "by"])
        # Text tags (recipe names, batch ids...): their text at the cursor, when the files have any.
        self._texts = _text_history(source)
        self.text_table = _table(["tag", "text", "quality", "since"])
        # Texts set at run time are FitLabels: they elide (whole in the tooltip), never widen the
        # window past the screen (qa7 G39: a log-in's "Logged in: …" pushed it to 2269 px).
        self.cursor_label = FitLabel()
        self.cursor_label.setObjectName("reviewCursor")

        self.play_button = QPushButton()
        self.play_button.setObjectName("reviewPlay")
        self.speed_combo = QComboBox()
        self.speed_combo.addItems([f"{s}x" for s in PLAYBACK_SPEEDS])
        self.speed_combo.setCurrentIndex(PLAYBACK_SPEEDS.index(DEFAULT_SPEED))
        self.speed_combo.setToolTip("Playback speed: review seconds per second")
        prev_button = QPushButton("◀ Previous event")
        next_button = QPushButton("Next event ▶")
        report_button = QPushButton("Shift report…")
        report_button.setToolTip("The report of the shift at the cursor, as PDF")
        print_button = QPushButton("Print…")
        print_button.setToolTip("Print the report of the shift at the cursor (the same document as the PDF)")

        if compact is None:
            screen = QApplication.primaryScreen()
            compact = screen is not None and screen.availableGeometry().height() < COMPACT_HEIGHT
        # No window manager on a line-side PC: the review closes itself (qa12 Q12-6), a finger wide
        # on the short line-side screen.
        self.quit_action, self.close_button = close_control(self, "the review", finger=compact)

        bar = QHBoxLayout()
        bar.addWidget(self.cursor_label, 1)
        for w in (prev_button, self.play_button, self.speed_combo, next_button, report_button, print_button):
            bar.addWidget(w)
        bar.addWidget(self.close_button)
        filt = QHBoxLayout()
        filt.addWidget(self.filter_edit, 1)
        filt.addWidget(self.kind_combo)
        ev_box = QWidget()
        ev_lay = QVBoxLayout(ev_box)
        ev_lay.setContentsMargins(0, 0, 0, 0)
        ev_lay.addLayout(filt)
        # Every table shows whole rows (widgets.whole_lines.WholeRows): qa9 Q9-10.
        self._events_holder = WholeRows(self.events_table)
        ev_lay.addWidget(self._events_holder, 1)
        tabs = QTabWidget()
        tabs.addTab(ev_box, "Events")
        tabs.addTab(WholeRows(self.picture_table), "Alarm picture at the cursor")
        tabs.addTab(WholeRows(self.state_table), "Machines at the cursor")
        tabs.addTab(self._build_notes_tab(), "Review notes")
        if self._texts:
            tabs.addTab(WholeRows(self.text_table), "Text tags at the cursor")
        self.tabs = tabs
        tabs.currentChanged.connect(lambda _i: self._scroll_events_to_cursor())

        self.compact = compact
        split = QSplitter(Qt.Orientation.Vertical)
        self._lower: QSplitter | None = None  # wide: trend | event browser
        self._middle: QTabWidget | None = None  # compact: faceplates | trend
        split.addWidget(self.timeline_view)
        if compact:
            middle = QTabWidget()
            middle.setObjectName("reviewMiddle")
            middle.addTab(self.overview, "Line at the cursor")
            middle.addTab(self.trend, "Trend")
            middle.currentChanged.connect(lambda _i: self._on_cursor(self._cursor_t))
            self._middle = middle
            split.addWidget(middle)
            split.addWidget(tabs)
        else:
            # Wide: the trend and the event browser side by side under the faceplates, so the
            # browser has the height of a useful list (it was 3 rows under the trend, qa5 F23).
            split.addWidget(self.overview)
            lower = QSplitter(Qt.Orientation.Horizontal)
            lower.setObjectName("reviewLower")
            lower.addWidget(self.trend)
            lower.addWidget(tabs)
            lower.setChildrenCollapsible(False)
            split.addWidget(lower)
            self._lower = lower
        split.setChildrenCollapsible(False)
        self._split = split
        # The faceplates' pane follows their height (_room_for_faceplates) until the reviewer drags
        # a splitter handle: from then on the heights are theirs.
        self._faceplates_want = 0
        self._split_by_hand = False
        split.splitterMoved.connect(self._on_split_by_hand)
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self._share_height)
        if isinstance(self.overview, LineOverview):
            self.overview.verticalScrollBar().rangeChanged.connect(self._on_overview_range)
            self.overview.margin_changed.connect(self._on_overview_margin)
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(8, 6, 8, 6)
        self.notes = source.open_notes()
        problems = [*source.problems, *self.notes.problems]
        # Each problem (a file left out, why) on its own wrapped line above the work: the status bar
        # cut the second bad file's message off at the window's edge.
        self.problems_label = QLabel("\n".join(f"⚠ {p}" for p in problems))
        self.problems_label.setObjectName("reviewProblems")
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems_label.setVisible(bool(problems))
        self._problems = problems
        self.problem_found.connect(self._show_problem)
        self._checking: threading.Thread | None = None
        if isinstance(source, ReviewSource):
            source.on_problem(self._tell_problem)
        lay.addWidget(self.problems_label)
        lay.addLayout(bar)
        lay.addWidget(split, 1)
        self.setCentralWidget(central)
        count = (
            f" — {len(problems)} problem{'s' if len(problems) != 1 else ''} listed above" if problems else ""
        )
        self.statusBar().showMessage(
            f"{', '.join(source.sources) if len(source.sources) == 1 else f'{len(source.sources)} files'},"
            f" read-only, {_hms(source.t0)} to {_hms(source.t1)}{count}"
        )

        self._follow_events = QTimer(self)
        self._follow_events.setSingleShot(True)
        self._follow_events.setInterval(EVENT_LIST_FOLLOW_MS)
        self._follow_events.timeout.connect(self._scroll_events_to_cursor)
        self._play = QTimer(self)
        self._play.setInterval(TICK_MS)
        self._play.timeout.connect(self._on_play_tick)
        self.play_button.clicked.connect(self.toggle_play)
        self.speed_combo.currentIndexChanged.connect(self._on_speed)
        next_button.clicked.connect(self.step_next)
        prev_button.clicked.connect(self.step_previous)
        report_button.clicked.connect(self.save_report)
        print_button.clicked.connect(self.print_report)
        self.filter_edit.textChanged.connect(self._refill_events)
        self.kind_combo.currentIndexChanged.connect(self._refill_events)
        self.events_table.clicked.connect(lambda index: self._on_event_row(index.row(), index.column()))
        self.notes_table.cellClicked.connect(self._on_note_row)
        self.timeline_view.cursor_moved.connect(self._on_cursor)
        # The trend's cursor line can be dragged too: it moves the one shared cursor (and with it
        # every readout), so the trend never shows an instant the rest of the workspace does not.
        self.trend.canvas.cursor_moved.connect(self._on_trend_cursor)
        self.timeline_view.marker_clicked.connect(self._select_event)
        self.timeline_view.note_clicked.connect(self._select_note)
        self._shown_events: list[StoredEvent] = []
        self._shown_times: list[float] = []
        self._refill_events()
        self._refill_notes()
        self._show_playback()
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

    def _build_overview(self) -> tuple[QWidget, LiveValues | None, InstantReader | None]:
        """The live screen's faceplates in review mode, fed with the recorded instant at the cursor."""
        config = self.source.config
        if config is None or not config.machines:
            label = QLabel(
                "These files do not hold the line config (older LineHMI): no faceplates. "
                "The machines' states at the cursor are in the tab below."
            )
            label.setWordWrap(True)
            return label, None, None
        overview = LineOverview(config, review=True, clock=lambda: self._cursor_t)
        overview.setObjectName("reviewOverview")
        reader = InstantReader(self.source.historian(), self.timeline, overview.tags)
        return overview, LiveValues(config), reader

    def _build_notes_tab(self) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        note = QPushButton("Note at the cursor…")
        bookmark = QPushButton("Bookmark the cursor")
        reason = QPushButton("Stop reason…")
        self.delete_note_button = QPushButton("Delete note")
        self.delete_note_button.setEnabled(False)
        self.delete_note_button.setToolTip("Select a note in the list first")
        for b in (note, bookmark, reason):
            b.setToolTip(
                "Saved in the review notes file next to the journal (<journal>.review.json), never in the journal"
            )
        note.clicked.connect(self.add_note)
        bookmark.clicked.connect(self.add_bookmark)
        reason.clicked.connect(self.add_stop_reason)
        self.delete_note_button.clicked.connect(self.delete_selected_note)
        self.login_button = QPushButton("Log in…")
        self.login_button.setObjectName("reviewLogin")
        self.login_button.setEnabled(self.journal is not None)
        self.login_button.setToolTip(
            "Log in with the line's users file: a supervisor (or higher) may write stop reasons to the journal"
            if self.journal is not None
            else "No users file next to these journals (or given with --users): reasons go to the review notes"
        )
        self.login_button.clicked.connect(self.log_in)
        self.reviewer_label = FitLabel()
        self.reviewer_label.setObjectName("reviewReviewer")
        for b in (note, bookmark, reason, self.delete_note_button):
            row.addWidget(b)
        row.addStretch(1)
        # Who is logged in on a row of its own with the log-in: the notes row's buttons keep their room.
        who = QHBoxLayout()
        who.addWidget(self.reviewer_label, 1)
        who.addWidget(self.login_button)
        lay.addLayout(row)
        lay.addLayout(who)
        lay.addWidget(WholeRows(self.notes_table), 1)
        return box

    # --- cursor ----------------------------------------------------------------------------------
    def _tag_infos(self) -> dict[str, TagInfo]:
        """The record's display facts per tag (read once: the evidence never changes)."""
        if self._infos is None:
            self._infos = tag_infos(self.source)
        return self._infos

    def _on_cursor(self, t: float) -> None:
        self._cursor_t = t
        self._show_cursor_text()
        rows = []
        picture = self.picture.at(t)
        infos = self._tag_infos()
        for r in picture:
            s = r.snapshot
            rows.append([s.name or s.alarm, s.priority or "-", r.status, _hms(r.since), r.raised_text(infos)])
        _fill(self.picture_table, rows)
        states = []
        for machine, name in self.timeline.machines:
            bar = self.timeline.state_at(machine, t)
            if bar is None:
                gap = self.timeline.gap_at(t)  # why nothing is known: say it, never a state
                unread = "no data" if gap is None else gap.kind.unread
                states.append([name, unread, "" if gap is None else _hms(gap.t0)])
                continue
            states.append([name, bar.state + (f" ({bar.fault})" if bar.fault else ""), _hms(bar.t0)])
        _fill(self.state_table, states)
        if self._texts:
            texts = []
            for tag, history in self._texts.items():
                k = bisect.bisect_right([h.ts for h in history], t) - 1
                if k < 0:
                    texts.append([tag, "no data", "", ""])
                    continue
                h = history[k]
                texts.append(
                    [tag, display_text(h.text, h.full_bytes), quality_of(h.status).name.title(), _hms(h.ts)]
                )
            _fill(self.text_table, texts)
        # One read of the recorded values at t for the faceplates and the trend's pens: the trend's
        # readouts are then exact in the same frame (not a pixel's bucket value, "≈", until its
        # background look-up is back), and read from the same samples as the faceplates.
        pens = self.trend.pens()
        instant = self._reader.at(t, picture, also=pens) if self._reader is not None else None
        if instant is not None:
            self.trend.set_exact_values(
                t, {tag: instant.values[tag] for tag in pens if tag in instant.values}
            )
        if self.trend.cursor_time != t:
            self.trend.set_cursor(t)
        if instant is not None and self.overview.isVisible():  # a hidden overview is not repainted
            self._show_faceplates(t, instant, picture)
        if not self._follow_events.isActive():
            self._follow_events.start()

    def _on_trend_cursor(self, t: float) -> None:
        if t != self._cursor_t:
            self.timeline_view.set_cursor(t)

    def _scroll_events_to_cursor(self) -> None:
        """Keep the event list at the cursor: the last event at or before it is selected and shown
        mid-list, the events that led to it above and the next ones under it (qa11 Q11-10: the
        first event after the cursor at the top showed 04:33:28 on for a cursor at 04:32:26, the
        events leading to that instant out of view). An event already selected at that same instant
        stays selected (a step or a marker picked it among events of one instant). Only while the
        list is on show, and at most every EVENT_LIST_FOLLOW_MS while the cursor moves (scrolling
        and repainting a long list costs more than the rest of a move; it would also flicker past
        faster than it can be read); the list catches up when its tab is shown."""
        self._follow_events.stop()
        table = self.events_table
        if not table.isVisible() or not self._shown_times:
            return
        last = bisect.bisect_right(self._shown_times, self._cursor_t) - 1
        if last < 0:  # before the first event: the list at its start, nothing at the cursor
            table.clearSelection()
            table.scrollToTop()
            return
        chosen = [i.row() for i in table.selectionModel().selectedRows()]
        if len(chosen) != 1 or self._shown_times[chosen[0]] != self._shown_times[last]:
            table.selectRow(last)
        table.scrollTo(self.events_model.index(last, 0), QAbstractItemView.ScrollHint.PositionAtCenter)

    def show_instant(self, t: float, picture: list[PictureRow]) -> LineInstant | None:
        """The faceplates at instant t: recorded values, states and alarms; stale inside a gap."""
        if self._reader is None:
            return None
        instant = self._reader.at(t, picture)
        self._show_faceplates(t, instant, picture)
        return instant

    def _show_faceplates(self, t: float, instant: LineInstant, picture: list[PictureRow]) -> None:
        if self._live is None or not isinstance(self.overview, LineOverview):
            return
        self._live.apply(instant.batch(self._live.index), recorded=True)
        self.overview.refresh(self._live)
        self.overview.set_stale(instant.stale)
        self.overview.tick()  # the stale line's "last values ... before" follows the cursor
        self.overview.set_tag_alarms(badges_from_snapshots((r.snapshot, r.state) for r in picture))
        for machine, fp in self.overview.faceplates.items():
            fp.set_alarms(
                [
                    (r.snapshot.name or r.snapshot.alarm, r.status, r.snapshot.active)
                    for r in instant.alarms.get(machine, [])
                ]
            )
        gap = f" — no data: {instant.gap.text}" if instant.gap is not None else ""
        self.overview.setToolTip(f"The line at {_hms(t)} as recorded{gap}")

    def _show_cursor_text(self) -> None:
        t = self._cursor_t
        gap = self.timeline.gap_at(t)
        where = f" — nothing recorded: {gap.text}" if gap is not None else ""
        self.cursor_label.setText(
            f"Cursor {dt.datetime.fromtimestamp(t):%Y-%m-%d %H:%M:%S} · {self.playback.state_text}{where}"
        )

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
        self._shown_times = [e.ts for e in shown]  # the cursor's bisect, not a list per move
        self.events_model.set_events(shown)
        self._fit_event_columns()
        table = self.events_table
        fm = table.fontMetrics()
        room = (
            table.columnWidth(EVENT_MESSAGE_COL)
            - 2 * table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table)
            - 8
        )

        def fits(part: str) -> bool:
            return fm.horizontalAdvance(part + "…") <= room

        self.events_model.set_events(shown, needle=text, fits=fits)
        self._scroll_events_to_cursor()  # the filtered list at the cursor again, its row chosen

    def _fit_event_columns(self) -> None:
        """The event browser's columns but the message fit their texts, as Qt's fit-to-contents
        measures them (the cells' and the heading's size hints), over the rows that hold each
        distinct text (EventRowsModel.widest_rows) instead of 1,000 rows at every layout pass."""
        table, model = self.events_table, self.events_model
        header = table.horizontalHeader()
        rows = model.widest_rows()
        grid = 1 if table.showGrid() else 0  # QTableView.sizeHintForColumn adds the grid line
        for col in range(len(EVENT_HEADERS) - 1):
            cells = (table.sizeHintForIndex(model.index(r, col)).width() + grid for r in rows)
            header.resizeSection(col, max([header.sectionSizeHint(col), *cells]))

    def _on_event_row(self, row: int, _col: int) -> None:
        if 0 <= row < len(self._shown_events):
            self.timeline_view.set_cursor(self._shown_events[row].ts)

    def _select_event(self, event_id: int) -> None:
        for row, e in enumerate(self._shown_events):
            if e.id == event_id:
                self.tabs.setCurrentIndex(0)
                self.events_table.selectRow(row)
                self.events_table.scrollTo(self.events_model.index(row, 0))
                return

    # --- playback ---------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if not self.playback.playing and self._cursor_t >= self.timeline.t1:
            self.timeline_view.set_cursor(self.timeline.t0)  # at the end: play from the start again
        self.playback.toggle()
        self._show_playback()

    def _on_speed(self, index: int) -> None:
        self.playback.set_speed(PLAYBACK_SPEEDS[index])
        self._show_playback()

    def _show_playback(self) -> None:
        """Every control that shows the playback state reads it from `self.playback`, here."""
        pb = self.playback
        if pb.playing and not self._play.isActive():
            self._play.start()
        elif not pb.playing and self._play.isActive():
            self._play.stop()
        icon = (
            QStyle.StandardPixmap.SP_MediaPause
            if pb.button_icon == "pause"
            else QStyle.StandardPixmap.SP_MediaPlay
        )
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setText(pb.button_text)
        self.play_button.setToolTip(f"{pb.button_text} the playback (now {pb.state_text})")
        self.trend.set_mode_text(f"REVIEW {pb.state_text}")
        self._show_cursor_text()

    def _on_play_tick(self) -> None:
        t = self.playback.advance(self.timeline_view.cursor_time(), TICK_MS / 1000.0, self.timeline.t1)
        self.timeline_view.set_cursor(t)
        if not self.playback.playing:  # reached the end
            self._show_playback()

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

    # --- review notes (a file next to the journal, never the journal) ------------------------------
    def _refill_notes(self) -> None:
        notes = self.notes.all()
        self._shown_notes = notes
        _fill(self.notes_table, [[_hms(n.t), n.kind.value.replace("_", " "), n.machine,
                                  n.reason + (f" — {n.text}" if n.reason and n.text else "") if n.reason else n.text,
                                  n.author] for n in notes])  # fmt: skip
        self.timeline_view.set_notes(notes)
        self.delete_note_button.setEnabled(False)

    def _add(
        self, kind: NoteKind, text: str, *, t: float | None = None, machine: str = "", reason: str = ""
    ) -> ReviewNote | None:
        at = self._cursor_t if t is None else t
        try:
            author = note_author(self.reviewer, _pc_account())
            note = self.notes.add(kind, at, text, author=author, machine=machine, reason=reason)
        except (NotesError, ValueError) as exc:
            QMessageBox.warning(self, "Review notes", str(exc))
            return None
        self._refill_notes()
        self.statusBar().showMessage(f"Saved to the review notes: {note.title()}", 8000)
        return note

    def add_note(self) -> None:
        text, ok = QInputDialog.getMultiLineText(
            self, "Note at the cursor", f"Note at {_hms(self._cursor_t)}:"
        )
        if ok and text.strip():
            self._add(NoteKind.NOTE, text)

    def add_bookmark(self) -> None:
        text, ok = QInputDialog.getText(
            self, "Bookmark", f"Bookmark at {_hms(self._cursor_t)} (a short name):"
        )
        if ok:
            self._add(NoteKind.BOOKMARK, text.strip() or f"bookmark {_hms(self._cursor_t)}")

    def add_stop_reason(self) -> None:
        stops = stops_at(self._production(), self.timeline, self._cursor_t)
        if not stops:
            QMessageBox.information(self, "Stop reason", no_stop_text(self._production(), self._cursor_t))
            return
        reasons = []
        if self.source.config is not None and self.source.config.production is not None:
            reasons = [(r.code, r.text) for r in self.source.config.production.reasons]
        who = self.reviewer
        may_write = self.journal is not None and who is not None and allowed(who, Action.CLASSIFY_STOP)
        dlg = StopReasonDialog(
            stops,
            reasons,
            self,
            journal_as=f"{who.name} ({who.role.label})" if may_write and who is not None else None,
            journal_refusal=self._journal_refusal(),
        )
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        machine, start, reason, text = dlg.choice()
        if dlg.to_journal() and self.write_stop_reason(dlg.chosen_stop(), reason, text):
            return
        self._add(NoteKind.STOP_REASON, text, machine=machine, reason=reason, t=start)

    def _production(self) -> ProductionAnalysis | None:
        if not self._analysed:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                self._analysis = record_stops(self.source)
            finally:
                QApplication.restoreOverrideCursor()
            self._analysed = True
        return self._analysis

    # --- the one write to the journal: an audited stop classification ------------------------------
    def _journal_refusal(self) -> str:
        """Why "Write to the journal" is not offered now (empty: it is)."""
        if self.journal is None:
            return "No users file next to these journals (or given with --users): the review notes only."
        if self.reviewer is None:
            return "Log in (Review notes tab) as a supervisor or higher to write to the journal."
        if not allowed(self.reviewer, Action.CLASSIFY_STOP):
            need = REQUIRED_ROLE[Action.CLASSIFY_STOP].label
            return f"{self.reviewer.name} is {self.reviewer.role.label}: classifying stops needs {need} or higher."
        return ""

    def log_in(self) -> None:
        if self.journal is None:
            return
        dlg = ReviewLoginDialog(str(self.journal.users.path), self)
        while dlg.exec() == QDialog.DialogCode.Accepted:
            name, password = dlg.credentials()
            user = self.journal.users.authenticate(name, password)
            if user is not None and user.must_change_password:
                # The first log-in with a given password (the demo's, a reset one) or with a PIN must
                # choose a new password, as the line's HMI forces; the review does not edit the line's
                # users file, so such a log-in is no way in here (qa9 Q9-28: it let the demo password
                # through).
                dlg.error_label.setText(password_change_needed(user))
                continue
            if user is not None:
                self.set_reviewer(user)
                return
            dlg.error_label.setText("Unknown user or wrong password.")

    def set_reviewer(self, user: User | None) -> None:
        self.reviewer = user
        if user is None:
            self.reviewer_label.setText("")
            self.login_button.setText("Log in…")
            return
        may = allowed(user, Action.CLASSIFY_STOP)
        self.reviewer_label.setText(
            f"Logged in: {user.name} ({user.role.label})"
            + (
                " — may write stop reasons to the journal"
                if may
                else " — stop reasons go to the review notes"
            )
        )
        self.login_button.setText("Switch user…")

    def write_stop_reason(self, chosen: StopChoice, reason: str, note: str) -> bool:
        """Classify the stop offered and chosen in the journal (audited); False when it was not
        written (the reviewer was told why and may keep the reason in the review notes instead)."""
        assert self.journal is not None and self.reviewer is not None
        if self._reader is not None:
            self._reader.close()  # no connection of ours stays open on the file while it is written
        try:
            path, stop, written = self.journal.classify(self.reviewer, chosen, reason, note)
        except (JournalBusy, PermissionDenied, JournalError, ValueError, OSError) as exc:
            answer = QMessageBox.warning(
                self,
                "Stop reason: not written to the journal",
                f"{exc}\n\nSave the reason to the review notes instead?",
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Save,
            )
            return answer != QMessageBox.StandardButton.Save
        # The open timeline takes the audit rows just written, as a reopened one would read them: the
        # stop's mark on its machine's lane, the event list, and the report (built on this timeline).
        self.timeline.add_events(written)
        self._analysed = False  # the stops' reasons changed: read again at the next "Stop reason…"
        self.timeline_view.show_events()
        for kind in sorted(
            {str(e.kind) for e in written}
            - {self.kind_combo.itemText(i) for i in range(self.kind_combo.count())}
        ):
            self.kind_combo.addItem(kind)
        self._refill_events()
        self.statusBar().showMessage(
            f"Written to the journal {path.name}: {chosen.machine} stop from {_hms(stop.start)} classified {reason} "
            f"by {self.reviewer.name} (audited)",
            15_000,
        )
        return True

    def _on_note_row(self, row: int, _col: int) -> None:
        if 0 <= row < len(self._shown_notes):
            self.timeline_view.set_cursor(self._shown_notes[row].t)
            self.delete_note_button.setEnabled(True)

    def _select_note(self, note_id: str) -> None:
        for row, n in enumerate(self._shown_notes):
            if n.id == note_id:
                self.tabs.setCurrentIndex(3)
                self.notes_table.selectRow(row)
                self.delete_note_button.setEnabled(True)
                self.statusBar().showMessage(n.title(), 10_000)
                return

    def delete_selected_note(self) -> None:
        rows = {i.row() for i in self.notes_table.selectedIndexes()}
        for row in sorted(rows, reverse=True):
            try:
                self.notes.remove(self._shown_notes[row].id)
            except (NotesError, KeyError) as exc:
                QMessageBox.warning(self, "Review notes", str(exc))
        self._refill_notes()

    # --- report ---------------------------------------------------------------------------------
    def _report(self) -> tuple[ShiftReport, dict[str, QImage]]:
        """The report of the shift at the cursor with its stops' trend images (the same document as
        `linehmi report --shift NAME --day DAY`): a shift, not a week of files, whatever is open."""
        from hmi.ui.report_snapshots import render_snapshots

        t0, t1, title = shift_at(self.source, self._cursor_t)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            # The timeline holds every event of the files, the rows this review wrote included.
            report = build_report(self.source, t0, t1, title, timeline=self.timeline)
            return report, render_snapshots(report, self.source.historian(), tag_infos(self.source))
        finally:
            QApplication.restoreOverrideCursor()

    def save_report(self) -> None:
        from hmi.ui.report_pdf import write_pdf

        default = str(Path.home() / f"{self.source.line_id}_report.pdf")
        path, _ = QFileDialog.getSaveFileName(self, "Save the shift report", default, "PDF (*.pdf)")
        if not path:
            return
        report, images = self._report()
        try:
            pages = write_pdf(
                to_markdown(report), path, title=f"{report.line_name}: {report.title}", images=images
            )
        except OSError as exc:
            QMessageBox.warning(self, "Shift report", f"Could not write {path}: {exc.strerror or exc}")
            return
        self.statusBar().showMessage(f"Report saved: {path} ({pages} pages)", 10_000)

    def print_report(self) -> None:
        """Print… : the print dialog, then the same document as the PDF; with no printer installed,
        say so and offer the PDF instead."""
        if not QPrinterInfo.availablePrinterNames():
            answer = QMessageBox.question(
                self,
                "Print the shift report",
                NO_PRINTER,
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Save,
            )
            if answer == QMessageBox.StandardButton.Save:
                self.save_report()
            return
        from hmi.ui.report_pdf import A4_LAYOUT

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageLayout(A4_LAYOUT)
        printer.setDocName(f"{self.source.line_name} shift report")
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        pages = self.print_to(printer)
        self.statusBar().showMessage(
            f"Report sent to {printer.printerName() or 'the printer'} ({pages} pages)", 10_000
        )

    def print_to(self, printer: QPrinter) -> int:
        from hmi.ui.report_pdf import print_report

        report, images = self._report()
        try:
            return print_report(printer, to_markdown(report), f"{report.line_name}: {report.title}", images)
        except OSError as exc:
            QMessageBox.warning(self, "Print the shift report", str(exc))
            return 0

    def _tell_problem(self, problem: str) -> None:
        try:
            self.problem_found.emit(problem)  # queued to the GUI thread when told from a reader's
        except RuntimeError:  # the window is gone (the background check outlived it): nothing to show
            pass

    def _show_problem(self, problem: str) -> None:
        if problem in self._problems:
            return
        self._problems.append(problem)
        self.problems_label.setText("\n".join(f"⚠ {p}" for p in self._problems))
        self.problems_label.setVisible(True)
        self.statusBar().showMessage(f"⚠ {problem}")

    def check_files_in_background(self) -> threading.Thread | None:
        """SQLite's whole check of the files (the open checked all but the sample data): after the
        window shows, off the GUI thread; what it finds comes to the banner (`problem_found`)."""
        if self._checking is None and isinstance(self.source, ReviewSource):
            self._checking = threading.Thread(
                target=self.source.check_whole, name="review-whole-check", daemon=True
            )
            self._checking.start()
        return self._checking

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        self._fit_event_columns()  # with the fonts of the style sheet, polished now
        # once the window is painted and its first reads are done: the check competes for the CPU
        QTimer.singleShot(WHOLE_CHECK_DELAY_MS, self, self.check_files_in_background)
        self._share_height()
        QTimer.singleShot(0, self, self._share_height)  # again with the tables' chrome laid out
        self._on_cursor(self._cursor_t)  # the faceplates are filled only while shown

    def event_rows_height(self, rows: int) -> int:
        """The tables pane's height that shows `rows` rows of the event list (its chrome measured)."""
        table = self.events_table
        row_h = table.verticalHeader().defaultSectionSize()
        if table.isVisible() and self.tabs.height() > 0:
            # The rows' room is the holder's height less the table's own chrome: the strip the
            # holder leaves under the last whole row is room, not chrome.
            room = self._events_holder.height() - (table.height() - table.viewport().height())
            chrome = self.tabs.height() - room
        else:
            chrome = (
                self.tabs.sizeHint().height() - table.sizeHint().height() + table.horizontalHeader().height()
            )
        return chrome + rows * row_h + row_h // 2  # half a row to spare: the last row whole

    def _share_height(self) -> None:
        """Wide: timeline, faceplates, trend-beside-events 22:33:45, the events the width the
        trend leaves (up to 38 %).
        Compact (800 px): the event list gets room for EVENT_ROWS_COMPACT rows, the timeline and the
        faceplates-or-trend share the rest 40:60. The splitter handles let the reviewer change it.
        Either way the faceplates then get the height that shows them whole where the pane under
        them can give it above its own floor (_room_for_faceplates)."""
        # (the handles' height out: the sizes asked were scaled down to fit, 2 px off the faceplates)
        split = self._split
        h = max(split.height() - split.handleWidth() * (split.count() - 1), 600)
        if self.compact:
            tables = min(max(h * 25 // 100, self.event_rows_height(EVENT_ROWS_COMPACT)), h // 2)
            rest = h - tables
            sizes = [rest - rest * 60 // 100, rest * 60 // 100, tables]  # summing to h: no px scaled in
            floor = self.event_rows_height(EVENT_ROWS_COMPACT)
        else:
            lower = max(h * 45 // 100, self.event_rows_height(EVENT_ROWS_WIDE))
            floor = max(self.event_rows_height(EVENT_ROWS_WIDE), self.trend.minimumSizeHint().height())
            if not self._side_by_side():  # trend over events: room for both
                need = self.trend.minimumSizeHint().height() + self.event_rows_height(EVENT_ROWS_COMPACT)
                lower = min(max(lower, need), h * 70 // 100)
                floor = min(need, lower)
            rest = h - lower
            sizes = [rest - rest * 60 // 100, rest * 60 // 100, lower]
        sizes = self._end_at_a_row(self._room_for_faceplates(sizes, floor))
        self._split.setSizes(sizes)
        lower_split = self._lower
        if self.compact or lower_split is None:
            return
        lower = sizes[2]
        if self._side_by_side():
            lower_split.setOrientation(Qt.Orientation.Horizontal)
            w = max(lower_split.width(), 800)
            trend = max(w * 62 // 100, self.trend.minimumSizeHint().width())
            lower_split.setSizes([trend, w - trend])
        else:  # a wide screen's window made narrow: the trend needs the width, events go under it
            lower_split.setOrientation(Qt.Orientation.Vertical)
            tables = max(lower * 40 // 100, self.event_rows_height(EVENT_ROWS_COMPACT))
            lower_split.setSizes([lower - tables, tables])

    def _room_for_faceplates(self, sizes: list[int], floor: int) -> list[int]:
        """`sizes` (timeline, faceplates, the pane under them) with the faceplates' pane grown to
        show every faceplate whole, as far as the pane under them has room above `floor`: at
        1920x1080 the cards were cut at the pane's foot (qa10 Q10-5), with the trend and events
        a little taller than they need. The most the faceplates have needed is kept: a cursor that
        moves on (a state back on one line) does not make the panes below jump up and down."""
        overview = self.overview
        if not isinstance(overview, LineOverview):
            return sizes
        chrome = 0  # compact: the tab bar over the faceplates (measured once laid out)
        middle = self._middle
        if middle is not None:
            laid_out = overview.height() > 0 and middle.height() > overview.height()
            chrome = middle.height() - overview.height() if laid_out else middle.tabBar().sizeHint().height()
        self._faceplates_want = max(self._faceplates_want, overview.whole_height() + chrome)
        timeline, middle_h, lower = sizes
        give = max(0, min(self._faceplates_want - middle_h, lower - floor))
        return [timeline, middle_h + give, lower - give]

    def _end_at_a_row(self, sizes: list[int]) -> list[int]:
        """`sizes` (timeline, faceplates, the pane under them) with the faceplates' pane ending where
        its foot goes (WholeLinesScrollArea.foot_for: above a row its edge would cut), the rest
        given to the timeline, which draws its lanes to any height: where the cards cannot be shown
        whole, they fill the pane down to a whole row (qa11 Q11-3: at 1280x800 they ended at "Motor
        current" over an empty band 43 px high under the pane's foot, 11 to 27 px while playing)."""
        overview, pane = self.overview, self._split.widget(1)
        if not isinstance(overview, LineOverview) or pane is None or overview.height() <= 0:
            return sizes
        timeline, middle_h, lower = sizes
        chrome = pane.height() - overview.full_height()  # compact: the tab bar over the faceplates
        full = middle_h - chrome
        cut = full - overview.foot_for(0, full)
        return [timeline + cut, middle_h - cut, lower]

    def _on_overview_margin(self, margin: int) -> None:
        """The faceplates' rows moved (an alarm line or a state wrapped at the cursor) and the foot
        went up over an empty band: end the pane at the foot again (_end_at_a_row)."""
        overview = self.overview
        at_top = isinstance(overview, LineOverview) and overview.verticalScrollBar().value() == 0
        if margin > 0 and at_top and self.isVisible() and not self._split_by_hand:
            self._refit.start()

    def _on_overview_range(self, _low: int, high: int) -> None:
        """The faceplates grew past their pane (a state on two lines at the cursor): room for them,
        unless the reviewer has set the panes' heights by hand."""
        if high > 0 and self.isVisible() and not self._split_by_hand:
            self._refit.start()

    def _on_split_by_hand(self, _pos: int, _index: int) -> None:
        self._split_by_hand = True

    def _side_by_side(self) -> bool:
        return self.width() >= SIDE_BY_SIDE_MIN_WIDTH

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        lower = self._lower
        horizontal = lower is not None and lower.orientation() == Qt.Orientation.Horizontal
        if lower is not None and self.isVisible() and horizontal != self._side_by_side():
            self._share_height()

    def closeEvent(self, event: object) -> None:
        self._play.stop()
        self.trend.shutdown()
        if self._reader is not None:
            self._reader.close()
        super().closeEvent(event)  # type: ignore[arg-type]


NO_PRINTER = (
    "No printer is installed on this PC, so the report cannot be printed from here.\n\n"
    "Save it as a PDF instead? (The PDF is the same document; print it from any PC with a printer.)"
)


def _pc_account() -> str:
    """The computer's user name, said beside "not logged in" on a note (hmi.core.review.notes)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def run_review(
    source: ReviewRecord,
    *,
    seconds: float | None = None,
    screenshot: str | None = None,
    journal: ReviewJournal | None = None,
) -> int:
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    from hmi.ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_theme(app)
    window = ReviewWindow(source, journal=journal)
    screen = app.primaryScreen().availableGeometry()
    window.setGeometry(screen)  # the whole screen it is on: a review wants room, and never more
    window.show()
    # No window manager gives it the keyboard on a line-side PC: Ctrl+Q did nothing until the first
    # tap in the window (seen on Xvfb, qa12 Q12-6). Ask for it.
    window.activateWindow()
    if seconds:

        def finish() -> None:
            if screenshot:
                window.grab().save(str(screenshot))
            window.close()
            app.quit()

        QTimer.singleShot(int(seconds * 1000), finish)
    return int(app.exec())
