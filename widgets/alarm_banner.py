"""The alarm banner: always visible at the top of the main window.

┌ 1 URGENT ┬ 2 HIGH ┬ 3 MEDIUM ┬ 4 LOW ┐ [1 Urgent] 14:03:22 Filler  Bearing HiHi …  Unack [Ack] │ Active 11 · Unack 7
│    1     │   3    │    5     │   2   │ [2 High]   14:03:20 Capper  Capper faulted …  Unack [Ack] │ Shelved 1 · …
│ 1 unack  │2 unack │ 3 unack  │       │ [3 Medium] 14:02:51 Capper  Capper jam …  Unack [Ack] │ [Alarms] [Silence]

- Per priority: the alarms in the active list, and how many wait for an
  acknowledgement. A box is grey while its count is zero, steady in the priority
  colour when all its alarms are acknowledged, flashing while any is not.
- The 1-3 most important, newest unacknowledged alarms, each with an Ack button
  (disabled, with the reason as tooltip, when the user's role cannot acknowledge).
- Shelved / suppressed / out-of-service counts (they are not in the active list),
  the alarm-list button and the Silence button of the audible annunciation.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from hmi.core.alarms import figures
from hmi.core.alarms.model import AlarmRecord, AlarmState, Priority
from hmi.core.config import LineConfig
from hmi.core.users import Action, User, role_refusal
from widgets import palette
from widgets.alarm_paint import paint_priority_chip
from widgets.alarm_store import SHORT_STATE, AlarmCounts, AlarmStore, AlarmView, BlinkClock, alarm_time
from widgets.permission import mark
from widgets.wrapping_label import WrappingLabel

MAX_ROWS = 3
_WORD = {1: "URGENT", 2: "HIGH", 3: "MEDIUM", 4: "LOW"}


class PriorityCountBox(QWidget):
    """One priority's count; flashes while any of its alarms is unacknowledged."""

    clicked = Signal(int)

    def __init__(self, priority: Priority, blink: BlinkClock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.priority = priority
        self.blink = blink
        self.active = 0
        self.unacked = 0
        self.setObjectName(f"priorityCount{int(priority)}")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._big = QFont(self.font())
        self._big.setPointSizeF(self.font().pointSizeF() * 1.9)
        self._big.setBold(True)
        self._small = QFont(self.font())
        self._small.setPointSizeF(self.font().pointSizeF() * 0.85)
        self._small.setBold(True)

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        return QSize(fm.horizontalAdvance("4 MEDIUM") + 26, fm.height() * 4 + 8)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    @property
    def flashing(self) -> bool:
        return self.unacked > 0

    def set_counts(self, active: int, unacked: int) -> None:
        if (active, unacked) != (self.active, self.unacked):
            self.active, self.unacked = active, unacked
            label = self.priority.label
            self.setToolTip(
                f"{label}: {active} active alarm{'s' if active != 1 else ''}, {unacked} unacknowledged. "
                "Click: show them in the alarm list"
            )
            self.update()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(int(self.priority))
        super().mousePressEvent(event)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        r = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        prio = int(self.priority)
        if self.active == 0:
            # Nothing abnormal: grey, no colour (ISA-101).
            p.setPen(QPen(QColor(palette.PANEL_BORDER), 1))
            p.setBrush(QColor(palette.PANEL))
            p.drawRoundedRect(r, 3, 3)
            p.setPen(QColor(palette.TEXT))  # TEXT_DIM on the panel is 3.5:1 at night (AA: 4.5, qa7 G31)
        else:
            lit = self.blink.phase if self.flashing else True
            paint_priority_chip(p, r, prio, lit=lit, text="", radius=3)
            p.setPen(QColor(palette.PRIORITY_TEXT[prio] if lit else palette.TEXT))
        # The same lettering on the grey tile and the coloured one: priority on top, count in the middle.
        p.setFont(self._small)
        p.drawText(
            r.adjusted(0, 4, 0, 0),
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop),
            f"{prio} {_WORD[prio]}",
        )
        p.setFont(self._big)
        p.drawText(r, int(Qt.AlignmentFlag.AlignCenter), str(self.active))
        if self.active and self.unacked:
            p.setFont(self._small)
            p.drawText(
                r.adjusted(0, 0, 0, -4),
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom),
                f"{self.unacked} unack",
            )
        p.end()


class PriorityChip(QWidget):
    """The small flashing priority indicator at the start of a banner row."""

    def __init__(self, blink: BlinkClock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.blink = blink
        self.priority = 0
        self.flashing = False
        self._font = QFont(self.font())
        self._font.setBold(True)
        self.set_narrow(False)

    def set_narrow(self, narrow: bool) -> None:
        """Narrow: the number only (its colour and the tooltip say the rest)."""
        self.narrow = narrow
        self.setFixedWidth(self.fontMetrics().horizontalAdvance("4" if narrow else "4 Medium") + 20)
        self.update()

    def set_priority(self, priority: int, flashing: bool) -> None:
        if (priority, flashing) != (self.priority, self.flashing):
            self.priority, self.flashing = priority, flashing
            self.update()

    def paintEvent(self, _event) -> None:
        if not self.priority:
            return
        p = QPainter(self)
        lit = self.blink.phase if self.flashing else True
        paint_priority_chip(
            p,
            QRectF(self.rect()).adjusted(0, 2, 0, -2),
            self.priority,
            lit=lit,
            font=self._font,
            text=str(self.priority) if self.narrow else None,
        )
        p.end()


class BannerRow(QFrame):
    """One unacknowledged alarm: priority, time, machine, message, state, Ack."""

    ack_clicked = Signal(str)
    clicked = Signal(str)

    def __init__(self, blink: BlinkClock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bannerRow")
        self.record: AlarmRecord | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        lay.setSpacing(10)
        self.chip = PriorityChip(blink)
        self.time_label = QLabel()
        self.time_label.setObjectName("bannerTime")
        self.machine_label = QLabel()
        self.machine_label.setObjectName("bannerMachine")
        # Time and machine never give up width to the message (they were squeezed at 1024 px): their
        # minimum is their text's width in their own (monospace / bold) font, set in _fit_columns.
        self.narrow = False
        self.message_label = WrappingLabel()
        self.message_label.setObjectName("bannerMessage")
        self.state_label = QLabel()
        self.state_label.setObjectName("bannerState")
        self.state_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("RTN unack") + 8)
        self.ack_button = QPushButton("Ack")
        self.ack_button.setObjectName("bannerAck")
        mark(self.ack_button, Action.ACKNOWLEDGE)
        self.ack_button.setAutoDefault(False)
        self.ack_button.clicked.connect(self._on_ack)
        lay.addWidget(self.chip)
        lay.addWidget(self.time_label)
        lay.addWidget(self.machine_label)
        lay.addWidget(self.message_label, 1)
        lay.addWidget(self.state_label)
        lay.addWidget(self.ack_button)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def _fit_columns(self) -> None:
        for label in (self.time_label, self.machine_label):
            label.ensurePolished()
            label.setMinimumWidth(label.fontMetrics().horizontalAdvance(label.text()) + 2)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_columns()

    def set_narrow(self, narrow: bool) -> None:
        """A narrow banner (1024 px screen): the chip shows the priority's number, the time, machine
        and state columns go (the row's tooltip and the alarm list have them) and the message says
        the machine instead, so the message keeps the room to be read whole."""
        self.narrow = narrow
        self.chip.set_narrow(narrow)
        self.time_label.setVisible(not narrow)
        self.state_label.setVisible(not narrow)
        if self.record is not None:
            self._show_machine()

    def _show_machine(self) -> None:
        r, name = self.record, self.machine_label.text()
        assert r is not None
        headline = r.headline or r.message
        named = not name or headline.lower().startswith(name.lower())
        self.machine_label.setVisible(not self.narrow)
        self.message_label.setText(headline if not self.narrow or named else f"{name}: {headline}")

    def set_record(self, r: AlarmRecord | None, machine_name: str, can_ack: bool, refusal: str) -> None:
        self.record = r
        self.ack_button.setEnabled(can_ack and r is not None)
        if r is None:
            self.ack_button.setToolTip(f"Acknowledge: {refusal}" if refusal else "")
            self.setVisible(False)
            return
        self.chip.set_priority(int(r.priority), flashing=True)
        t = alarm_time(r)
        self.time_label.setText(time.strftime("%H:%M:%S", time.localtime(t)) if t else "—")
        self.machine_label.setText(machine_name)
        # The banner's line is the alarm and its trigger value; the full message (limit, first-out,
        # what to do) is the tooltip here and the Message column of the alarm list.
        self._show_machine()
        self.message_label.setToolTip(r.message)
        self._fit_columns()
        self.state_label.setText(SHORT_STATE.get(r.state, str(r.state)))
        self.setToolTip(
            f"{int(r.priority)} {r.priority.label} · {self.time_label.text()} · {machine_name} · "
            f"{self.state_label.text()}"
        )
        rtn = r.state != AlarmState.UNACKED
        self.setProperty("rtn", "true" if rtn else "false")
        self.style().unpolish(self)
        self.style().polish(self)
        for w in (self.time_label, self.machine_label, self.message_label, self.state_label):
            w.style().unpolish(w)
            w.style().polish(w)
        self.ack_button.setEnabled(can_ack)
        self.ack_button.setToolTip(f"Acknowledge {r.name}" if can_ack else f"Acknowledge: {refusal}")
        self.setVisible(True)

    def _on_ack(self) -> None:
        if self.record is not None:
            self.ack_clicked.emit(self.record.id)

    def mousePressEvent(self, event) -> None:
        if self.record is not None and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.record.id)
        super().mousePressEvent(event)


class AlarmBanner(QFrame):
    acknowledge_requested = Signal(list)  # alarm ids
    alarm_clicked = Signal(str)  # alarm id: show it in the alarm list
    priority_clicked = Signal(int)  # show this priority in the alarm list
    alarm_list_requested = Signal()
    silence_requested = Signal()

    def __init__(
        self,
        store: AlarmStore,
        blink: BlinkClock,
        config: LineConfig | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("alarmBanner")
        self.store = store
        self.blink = blink
        self.user: User | None = None
        self._machine_names = {m.id: m.name for m in config.machines} if config else {}
        self._counts = AlarmCounts()
        self.refreshes = 0

        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.setSpacing(6)
        self.boxes: dict[Priority, PriorityCountBox] = {}
        for prio in Priority:
            box = PriorityCountBox(prio, blink)
            box.clicked.connect(self.priority_clicked)
            self.boxes[prio] = box
            lay.addWidget(box)
        lay.addSpacing(8)

        self._compact = False
        rows = QVBoxLayout()
        self._rows_layout = rows
        rows.setSpacing(2)
        rows.setContentsMargins(0, 0, 0, 0)
        self.rows: list[BannerRow] = []
        for _ in range(MAX_ROWS):
            row = BannerRow(blink)
            row.ack_clicked.connect(lambda aid: self.acknowledge_requested.emit([aid]))
            row.clicked.connect(self.alarm_clicked)
            row.setVisible(False)
            self.rows.append(row)
            rows.addWidget(row)
        self.quiet_label = WrappingLabel(lines=1)
        self.quiet_label.setObjectName("bannerQuiet")
        rows.addWidget(self.quiet_label)
        rows.addStretch(1)
        rows_box = QFrame()
        rows_box.setObjectName("bannerRows")
        rows_box.setLayout(rows)
        self._rows_box = rows_box
        self._reserve_later = QTimer(self)  # a child: gone with the banner, never fires after it
        self._reserve_later.setSingleShot(True)
        self._reserve_later.setInterval(0)
        self._reserve_later.timeout.connect(self._reserve_rows)
        self._shown_rows = MAX_ROWS
        lay.addWidget(rows_box, 1)

        side = QVBoxLayout()
        side.setSpacing(3)
        side.setContentsMargins(8, 0, 0, 0)
        self.totals_label = QLabel()
        self.totals_label.setObjectName("bannerTotals")
        self.hidden_label = QLabel()
        self.hidden_label.setObjectName("bannerHidden")
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        self.list_button = QPushButton("Alarm list")
        self.list_button.setObjectName("bannerList")
        self.list_button.setToolTip(
            "Show the alarm list (active, shelved, suppressed, out of service, history)"
        )
        self.list_button.clicked.connect(self.alarm_list_requested)
        self.silence_button = QPushButton("Silence")
        self.silence_button.setObjectName("bannerSilence")
        self.silence_button.clicked.connect(self.silence_requested)
        buttons.addWidget(self.list_button)
        buttons.addWidget(self.silence_button)
        side.addWidget(self.totals_label)
        side.addWidget(self.hidden_label)
        side.addStretch(1)
        side.addLayout(buttons)
        lay.addLayout(side)
        self.setStyleSheet(_QSS)
        self.set_sound(enabled=False, sounding=False, silenced=False)

        blink.toggled.connect(self._on_blink)
        store.changed.connect(self.refresh)
        store.reset.connect(self.refresh)
        self.refresh()

    # --- state --------------------------------------------------------------------------------
    @property
    def counts(self) -> AlarmCounts:
        return self._counts

    def shown_ids(self) -> list[str]:
        return [r.record.id for r in self.rows if r.record is not None]

    def set_user(self, user: User | None) -> None:
        self.user = user
        self.refresh()

    def set_sound(self, *, enabled: bool, sounding: bool, silenced: bool) -> None:
        b = self.silence_button
        if not enabled:
            b.setText("Sound off")
            b.setEnabled(False)
            b.setToolTip("Audible annunciation is off (View ▸ Audible alarms)")
        elif silenced:
            b.setText("Silenced")
            b.setEnabled(False)
            b.setToolTip("Silenced until the next new alarm")
        else:
            b.setText("Silence")
            b.setEnabled(sounding)
            b.setToolTip(
                "Silence the alarm sound until the next new alarm" if sounding else "Nothing sounding"
            )

    @property
    def shown_rows(self) -> int:
        """How many alarm rows the banner shows (and keeps room for, filled or not)."""
        return self._shown_rows

    def set_rows(self, rows: int) -> None:
        """Show `rows` alarm rows (1..MAX_ROWS): three on a control-room screen, two on a line-side
        one, where three 40 px touch rows made the banner 133 px instead of 84."""
        rows = max(1, min(MAX_ROWS, rows))
        if rows != self._shown_rows:
            self._shown_rows = rows
            self._reserve_rows()
            self.refresh()

    def _reserve_rows(self) -> None:
        """The rows' room is fixed whatever they show: a banner that grew from one row to three as
        the first alarms came moved everything below it, and the faceplates' Setpoint… buttons
        went under the pane's edge (qa6 N7, qa5 F14). The count of the rest is beside the totals
        ("2 of 5 shown at left"), not on a line of its own."""
        spacing = self._rows_layout.spacing()
        row_h = max(r.sizeHint().height() for r in self.rows)
        n = self._shown_rows
        m = self._rows_layout.contentsMargins()
        need = n * row_h + (n - 1) * spacing + self._rows_box.frameWidth() * 2 + m.top() + m.bottom()
        if self._rows_box.height() != need or self._rows_box.minimumHeight() != need:
            self._rows_box.setFixedHeight(need)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._reserve_rows()
            # Once more after the rest of this turn: a theme switch re-polishes every widget and the
            # touch profile then sizes the Ack buttons to 40 px again; rows reserved before that were
            # 32 px and two 40 px Ack buttons lay cut and over each other at night (qa9 Q9-19).
            # Not at every re-layout of the rows: a wrapped message then grew the banner as alarms
            # came and moved everything below it (tests/ui/test_faceplate_summary.py).
            self._reserve_later.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._reserve_rows()

    def refresh(self, *_args) -> None:
        self.refreshes += 1
        c = self.store.counts(self._shown_rows)
        self._counts = c
        for prio, box in self.boxes.items():
            box.set_counts(c.active[prio], c.unacked[prio])
        refusal = role_refusal(self.user, Action.ACKNOWLEDGE)
        for i, row in enumerate(self.rows):
            r = c.top[i] if i < len(c.top) else None
            row.set_record(
                r, self._machine_names.get(r.machine, r.machine) if r else "", not refusal, refusal
            )
        more = c.total_unacked - len(c.top) if c.total_unacked else 0
        if c.total_unacked:
            self.quiet_label.setText("")  # the rows say it; the count of the rest is beside the totals
        elif c.total_active:
            self.quiet_label.setText(
                f"No unacknowledged alarms · {c.total_active} {figures.IN_LIST.label.lower()}, all acknowledged"
            )
        else:
            self.quiet_label.setText("No active alarms")
        self.quiet_label.setVisible(bool(self.quiet_label.full_text()))
        totals = f"{figures.IN_LIST.label} {c.total_active:,} · {figures.UNACKED.label} {c.total_unacked:,}"
        # "Unacknowledged 4 + 1 more in the list" read as five unacknowledged (qa5 F28): say how
        # many of the unacknowledged the rows show.
        shown_note = f"{len(c.top)} of {c.total_unacked:,} shown at left"
        # Two rows (a line-side screen) leave the side column two lines beside its buttons: the note
        # takes the hidden counts' line (they are also on the alarm list's view tabs and in the tooltip).
        folded = self._shown_rows < MAX_ROWS or self._compact
        self.totals_label.setText(f"{totals}\n{shown_note}" if more > 0 and not folded else totals)
        self.totals_label.setToolTip(
            f"Now: {figures.IN_LIST.with_counts()}<br>{figures.UNACKED.with_counts()}"
        )
        suppr, oos = AlarmView.SUPPRESSED.short_label, AlarmView.OUT_OF_SERVICE.short_label
        hidden = f"Shelved {c.shelved} · {suppr} {c.suppressed} · {oos} {c.out_of_service}"
        self.hidden_label.setText(shown_note if more > 0 and folded else hidden)
        self.hidden_label.setToolTip(
            f"Not in the active list: {c.shelved} shelved, {c.suppressed} suppressed by design, "
            f"{c.out_of_service} out of service (see their views in the alarm list)"
        )

    def set_narrow(self, narrow: bool) -> None:
        """A narrow screen (1024 px): each row folds its machine column into the message."""
        for row in self.rows:
            row.set_narrow(narrow)

    def set_compact(self, compact: bool) -> None:
        """Touch-high rows: tighter margins, so the banner gives the alarm list room."""
        self._compact = compact
        lay = self.layout()
        if lay is not None:
            lay.setContentsMargins(10, 2 if compact else 6, 10, 2 if compact else 6)
        self._rows_layout.setSpacing(0 if compact else 2)
        self.refresh()
        self._reserve_rows()

    def _on_blink(self, _phase: bool) -> None:
        for box in self.boxes.values():
            if box.flashing:
                box.update()
        for row in self.rows:
            if row.record is not None:
                row.chip.update()


_QSS = """
QFrame#alarmBanner { background: #CDCDCD; border-bottom: 1px solid #A0A0A0; }
QFrame#bannerRows { background: #E3E3E3; border: 1px solid #B0B0B0; border-radius: 3px; }
QFrame#bannerRow { background: transparent; }
QLabel#bannerTime { font-family: "DejaVu Sans Mono", "Consolas", monospace; }
QLabel#bannerMachine { font-weight: bold; }
QLabel#bannerMessage { font-weight: bold; }
QFrame#bannerRow[rtn="true"] QLabel { color: #6E6E6E; font-weight: normal; }
QLabel#bannerState { color: #3A3A3A; }
QLabel#bannerQuiet { color: #595959; padding-left: 6px; }
QLabel#bannerTotals { font-weight: bold; }
QLabel#bannerHidden { color: #3A3A3A; }
QPushButton#bannerAck { padding: 1px 14px; min-height: 18px; font-weight: bold; }
"""
