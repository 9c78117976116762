"""The alarm table: views (active, shelved, suppressed, out of service, history),
filters (priority, machine, state, time, text), sorting, and the operator actions.

The table does not talk to the runtime: a command emits `action_requested(command,
ids)` and the owner (hmi.ui.alarm_dialogs.AlarmActionController) asks for a
comment or reason where needed, runs it on the runtime's worker and reports back
through `show_outcome()`. Buttons a role cannot use are disabled and say why.

Signals: `trend_requested(tag, t_center)` (double-click, Trend button, context
menu), `action_requested(command, ids)` with an `AlarmCommand`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QFont, QFontMetrics, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
    QTabBar,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hmi.core.alarms.alarm_list import SHORT_STATE
from hmi.core.alarms.commands import AlarmCommand, command_refusal, targets
from hmi.core.alarms.model import AlarmDefinition, AlarmRecord, AlarmState
from hmi.core.config import LineConfig
from hmi.core.live_values import LiveValues
from hmi.core.users import Action, User, allowed, role_refusal
from widgets.alarm_model import (
    BLINK_ROLE,
    COL_ALARM,
    COL_BY,
    COL_COMMENT,
    COL_COUNT,
    COL_FIRST,
    COL_MACHINE,
    COL_MESSAGE,
    COL_PRIORITY,
    COL_STATE,
    COL_TIME,
    COL_VALUE,
    FILLED_ROLE,
    PRIORITY_ROLE,
    STATE_FILTERS,
    TIME_ROLE,
    TIME_WINDOWS,
    AlarmTableModel,
    row_key,
)
from widgets.alarm_paint import paint_priority_chip, priority_colour
from widgets.alarm_store import VIEW_STATES, AlarmStore, AlarmView, BlinkClock
from widgets.list_foot import ListWithFoot
from widgets.permission import mark
from widgets.text_fit import header_need
from widgets.wordings import LongestWording
from widgets.wrapping_label import WrappingLabel

OUTCOME_SHOWN_S = 12.0  # an action's confirmation under the buttons, then who may do what again
S = AlarmState

C = AlarmCommand

# Which commands each view offers as buttons (the context menu offers the same).
VIEW_ACTIONS: dict[AlarmView, tuple[AlarmCommand, ...]] = {
    AlarmView.ACTIVE: (
        C.ACKNOWLEDGE,
        C.ACKNOWLEDGE_COMMENT,
        C.ACKNOWLEDGE_VISIBLE,
        C.RESET,
        C.SHELVE,
        C.OUT_OF_SERVICE,
        C.SET_LIMIT,
    ),
    AlarmView.SHELVED: (C.UNSHELVE, C.OUT_OF_SERVICE, C.SET_LIMIT),
    AlarmView.SUPPRESSED: (C.SHELVE, C.OUT_OF_SERVICE, C.SET_LIMIT),
    AlarmView.OUT_OF_SERVICE: (C.RETURN_TO_SERVICE, C.SET_LIMIT),
    AlarmView.HISTORY: (),
}

VIEW_ORDER = (
    AlarmView.ACTIVE,
    AlarmView.SHELVED,
    AlarmView.SUPPRESSED,
    AlarmView.OUT_OF_SERVICE,
    AlarmView.HISTORY,
)


class PriorityDelegate(QStyledItemDelegate):
    """Paints the priority column as a flashing (unacknowledged) or steady chip."""

    def __init__(self, blink: BlinkClock, parent=None) -> None:
        super().__init__(parent)
        self.blink = blink
        self._font = QFont()
        self._font.setBold(True)

    def paint(
        self, p: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:  # selection / alternate row background
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, p, opt.widget)
        prio = index.data(PRIORITY_ROLE)
        if prio is None:
            return
        # Flashing while unacknowledged; filled while on the list; an outline when not annunciated.
        lit = self.blink.phase if index.data(BLINK_ROLE) else bool(index.data(FILLED_ROLE))
        r = QRectF(option.rect).adjusted(3, 3, -3, -3)
        paint_priority_chip(p, r, prio, lit=lit, font=self._font)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        fm = option.fontMetrics
        return QSize(fm.horizontalAdvance("4 Medium") + 22, fm.height() + 10)


class DetailsLine(QLabel):
    """The selected alarm's details at the list's foot. It takes a tap itself (`tapped`): passed
    through when it lay over the list, the tap selected the row hidden under it, an alarm the
    operator could not see (qa10 Q10-6)."""

    tapped = Signal()

    def mousePressEvent(self, event) -> None:
        event.accept()
        if event.button() == Qt.MouseButton.LeftButton:
            self.tapped.emit()

    def mouseReleaseEvent(self, event) -> None:
        event.accept()

    def mouseDoubleClickEvent(self, event) -> None:
        event.accept()


SHOW_ALL = "Show all"  # the filter note's shortest wording: its room is kept in the views' row


class FilterNote(LongestWording, QPushButton):
    """ "Filtered: priority 3 · Show all": the longest of its wordings that fits whole, down to "Show
    all" (the full wording stays in the tooltip). It gives up its room before the view tabs do: the
    note pushed "History" behind the tab bar's scroll arrows at 1280 px.

    Its room in the row is kept while it is hidden, as wide as "Show all" and as high as it is: the
    note coming (a priority tile tapped, a filter chosen) made the row wider, so the tabs were
    relabelled "Suppr." and "OOS", and taller, so they moved; a supervisor's finger aimed at a tab
    hit another (qa9 Q9-21). It takes the row's free room (the stretch before it), never a tab's."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)  # down to its shortest wording (a push button's minimum is its hint)
        self.set_forms([])

    def set_forms(self, forms: list[str]) -> None:
        self.setToolTip(
            f"{forms[0]}: some alarms are hidden by a filter; tap to show them all" if forms else ""
        )
        self.set_wordings(*(forms or [SHOW_ALL]))  # hidden then, keeping the room it takes when shown

    def wording_width(self, text: str) -> int:
        """The style's width for a button with this text (padding and frame included)."""
        opt = QStyleOptionButton()
        self.initStyleOption(opt)
        opt.text = text
        content = QSize(self.fontMetrics().horizontalAdvance(text), self.fontMetrics().height())
        return self.style().sizeFromContents(QStyle.ContentsType.CT_PushButton, opt, content, self).width()

    def show_wording(self, text: str) -> None:
        self.setText(text)

    def shown_wording(self) -> str:
        return self.text()


PRIORITY_FILTERS = {1: "1 Urgent", 2: "2 High", 3: "3 Medium", 4: "4 Low"}  # the priority buttons


def state_column_width(font: QFont) -> int:
    """Room for the widest State text whole: "Latched: reset, unack" and "Unack" in bold (those rows'
    state is bold: "Latched: reset, un…" was cut by a width measured in the plain font), every other
    live state with "(in alarm)" and the shelf's time left, and every History transition "From → To"."""
    bold = QFont(font)
    bold.setBold(True)
    names = list(SHORT_STATE.values())
    plain = [*names, *(f"{n} (in alarm)" for n in names), "Shelved, 23 h 59 min left"]
    plain += [f"{a} → {b}" for a in names for b in names if a != b]
    widest = max(
        max(QFontMetrics(bold).horizontalAdvance(t) for t in ("Latched: reset, unack", "Unack")),
        max(QFontMetrics(font).horizontalAdvance(t) for t in plain),
    )
    return widest + 14


def _swatch(priority: int) -> QIcon:
    pm = QPixmap(12, 12)
    pm.fill(priority_colour(priority))
    return QIcon(pm)


class AlarmTable(QWidget):
    short_tabs = False  # "Suppr." and "OOS" on the view tabs: the row did not fit whole (`_fit_top_row`)
    number_priorities = False  # the priority buttons say "1".."4": even then it did not (`_fit_top_row`)

    trend_requested = Signal(str, float)  # tag, t_center (POSIX seconds)
    action_requested = Signal(str, list)  # AlarmCommand, alarm ids
    selection_changed = Signal()

    def __init__(
        self,
        store: AlarmStore,
        blink: BlinkClock,
        config: LineConfig | None = None,
        live: LiveValues | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("alarmTable")
        self.store = store
        self.blink = blink
        self.config = config
        self.user: User | None = None
        self.model = AlarmTableModel(store, config, live, parent=self)
        self._saved: tuple[list[str], str | None, str | None] | None = None
        self._definitions: Callable[[], Iterable[AlarmDefinition]] | None = None
        self._restoring = False  # putting the chosen rows back after a reset
        self._details_put_away: str | None = None  # the key of the row whose details were put away

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 4, 6, 4)
        self._outer_margins = outer.contentsMargins()
        outer.setSpacing(4)

        # Views + who may do what
        top = QHBoxLayout()
        top.setSpacing(10)
        self.tabs = QTabBar()
        self.tabs.setObjectName("alarmViews")
        self.tabs.setDrawBase(False)
        self.tabs.setExpanding(False)
        # Every view tab whole, never behind scroll arrows: the filter note shortens instead.
        self.tabs.setUsesScrollButtons(False)
        self.tabs.setElideMode(Qt.TextElideMode.ElideNone)
        # Never narrower than all its tabs (a tab bar without scroll buttons would be squeezed
        # and cut "Out of service (…" off); the row's other widgets give way (`_fit_top_row`).
        self.tabs.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        for v in VIEW_ORDER:
            self.tabs.addTab(v.label)
            self.tabs.setTabData(self.tabs.count() - 1, v.value)
        self.tabs.currentChanged.connect(self._on_view_changed)
        top.addWidget(self.tabs)
        top.addStretch(1)
        self.priority_label = QLabel("Priority")
        # A filter is never hidden: while one narrows the list this says so, and one tap clears it.
        self.filter_note = FilterNote()
        self.filter_note.setObjectName("filterNote")
        self.filter_note.setAutoDefault(False)
        self.filter_note.clicked.connect(self.clear_filters)
        self.filter_note.setVisible(False)
        top.addWidget(self.filter_note)
        top.addWidget(self.priority_label)
        self.priority_buttons: dict[int, QToolButton] = {}
        for prio, text in PRIORITY_FILTERS.items():
            b = QToolButton()
            b.setObjectName("priorityFilter")
            b.setText(text)
            b.setIcon(_swatch(prio))
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            b.setCheckable(True)
            b.setChecked(True)
            b.setToolTip(f"Show priority {text} alarms")
            b.toggled.connect(self._on_priority_toggled)
            self.priority_buttons[prio] = b
            top.addWidget(b)
        # On a small screen the filter row folds away behind this (the list gets its rows).
        self.filters_button = QToolButton()
        self.filters_button.setObjectName("filtersToggle")
        self.filters_button.setText("Filters")
        self.filters_button.setCheckable(True)
        self.filters_button.setToolTip("Show the machine, state, time and text filters")
        self.filters_button.toggled.connect(self._on_filters_toggled)
        self.filters_button.setVisible(False)
        top.addWidget(self.filters_button)
        outer.addLayout(top)
        self._top_row = top

        # Filters
        self.filter_row = QWidget()
        filters = QHBoxLayout(self.filter_row)
        filters.setContentsMargins(0, 0, 0, 0)
        filters.setSpacing(6)
        filters.addWidget(QLabel("Machine"))
        self.machine_combo = QComboBox()
        self.machine_combo.addItem("All machines", "")
        for m in config.machines if config else []:
            self.machine_combo.addItem(m.name, m.id)
        self.machine_combo.currentIndexChanged.connect(
            lambda _i: self.model.set_machine(self.machine_combo.currentData() or None)
        )
        filters.addWidget(self.machine_combo)
        filters.addWidget(QLabel("State"))
        self.state_combo = QComboBox()
        self.state_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.state_combo.setMinimumContentsLength(14)
        for label, states in STATE_FILTERS.items():
            self.state_combo.addItem(label, states)
        self.state_combo.currentIndexChanged.connect(
            lambda _i: self.model.set_states(self.state_combo.currentData())
        )
        filters.addWidget(self.state_combo)
        filters.addWidget(QLabel("Time"))
        self.time_combo = QComboBox()
        for label, window in TIME_WINDOWS.items():
            self.time_combo.addItem(label, window)
        self.time_combo.currentIndexChanged.connect(
            lambda _i: self.model.set_window(self.time_combo.currentData())
        )
        filters.addWidget(self.time_combo)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter: name, tag, message…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(110)
        self.search.textChanged.connect(self.model.set_text)
        filters.addWidget(self.search, 1)
        self.clear_filters_button = QPushButton("Clear")
        self.clear_filters_button.setToolTip(
            "Show everything again (all priorities, machines, states, times)"
        )
        self.clear_filters_button.clicked.connect(self.clear_filters)
        filters.addWidget(self.clear_filters_button)
        self.count_label = QLabel()
        self.count_label.setObjectName("dimLabel")
        filters.addWidget(self.count_label)
        outer.addWidget(self.filter_row)
        for combo in (self.machine_combo, self.state_combo, self.time_combo):
            combo.currentIndexChanged.connect(self._update_filter_note)
        self.search.textChanged.connect(self._update_filter_note)

        # Table
        self.view = QTableView()
        self.view.setObjectName("alarmView")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_context_menu)
        self.view.doubleClicked.connect(self._on_double_clicked)
        self.view.clicked.connect(self._on_clicked)
        self.delegate = PriorityDelegate(blink, self.view)
        self.view.setItemDelegateForColumn(COL_PRIORITY, self.delegate)
        h = self.view.horizontalHeader()
        h.setHighlightSections(False)
        h.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        h.setSectionResizeMode(COL_MESSAGE, QHeaderView.ResizeMode.Stretch)
        fm = self.fontMetrics()
        widths = {
            COL_PRIORITY: fm.horizontalAdvance("4 Medium") + 24,
            COL_TIME: fm.horizontalAdvance("2025-11-23 14:03:22.120") + 14,  # the date shows when not today
            COL_FIRST: fm.horizontalAdvance("1st") + 12,
            COL_MACHINE: fm.horizontalAdvance("Labeller") + 22,
            COL_ALARM: fm.horizontalAdvance("Filler bearing temperature HiHi") + 16,
            COL_VALUE: fm.horizontalAdvance("12,345.6 mm/s (old)") + 14,  # the stale mark fits whole
            COL_STATE: state_column_width(self.font()),
            COL_BY: fm.horizontalAdvance("supervisor") + 12,
            # A comment elides by design (its tooltip and the details line hold it): the State column
            # took this room to show every state whole.
            COL_COMMENT: fm.horizontalAdvance("Comment") + 12,
            COL_COUNT: fm.horizontalAdvance("Count") + 12,
        }
        for col, w in widths.items():
            # never narrower than its header, in the header's bold, padded font (qa6: "Comment" and
            # "Count" were cut on both sides, measured in the table's plain font)
            self.view.setColumnWidth(col, max(w, self._header_width(col)))
        self._time_widths = (widths[COL_TIME], fm.horizontalAdvance("14:03:22.120") + 14)
        h.setSortIndicatorShown(True)
        h.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        self.model.modelAboutToBeReset.connect(self._before_reset)
        # A reset clears the selection without a signal (QItemSelectionModel.reset): _after_reset
        # puts the chosen rows back by key and tells the buttons, the details line and listeners.
        self.model.modelReset.connect(self._after_reset)
        # Every filter change (tile, text, view, combos) resets the model: the "N shown" counter
        # follows it, or a priority tile left "5 shown" beside three rows (qa7 G6).
        self.model.modelReset.connect(self._update_tabs)
        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        # The selected alarm's full message (what to do) on lines of its own: the Message column
        # is elided on a small screen and a touch screen has no hover tooltip, so a tap on a row
        # is enough to read it. It sits at the list's foot and takes its room from the list
        # (widgets.list_foot): laid over the rows it hid one whatever its place, and with every
        # row in the viewport no scrolling brought that row back (qa11 Q11-1); as a line of the
        # pane's layout it grew the pane past its dock at 1280x800 and pushed Acknowledge out of
        # sight after a tap (qa8 Q5).
        self.details = DetailsLine()
        self.details.setObjectName("alarmDetails")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        # A tap on it puts it away (until the operator taps the selected row again or chooses
        # another): the list gets its room back. Taps never pass through it (qa10 Q10-6).
        self.details.tapped.connect(self._on_details_tapped)
        self.details.setAutoFillBackground(True)
        self.details.setVisible(False)
        self.list_area = ListWithFoot(self.view, self.details)
        outer.addWidget(self.list_area, 1)
        self._sight: tuple[str, int] | None = None  # the row to bring back into sight, the scroll then
        self._sight_timer = QTimer(self)
        self._sight_timer.setSingleShot(True)
        self._sight_timer.timeout.connect(self._bring_selected_into_sight)

        # Actions
        actions = QHBoxLayout()
        actions.setSpacing(6)
        self.buttons: dict[AlarmCommand, QPushButton] = {}
        for cmd in AlarmCommand:
            button = QPushButton(cmd.spec.button)
            button.setObjectName(f"alarmAction_{cmd.value}")
            mark(button, cmd.action)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, c=cmd: self.request(c))
            self.buttons[cmd] = button
            actions.addWidget(button)
        self.trend_button = QPushButton("Trend")
        self.trend_button.setObjectName("alarmTrend")
        self.trend_button.setToolTip("Trend of the selected alarm's tag around the alarm time (double-click)")
        self.trend_button.clicked.connect(self.request_trend)
        actions.addWidget(self.trend_button)
        actions.addSpacing(12)
        actions.addStretch(1)
        outer.addLayout(actions)
        # Who may do what: a line of its own under the buttons, so it is read in full (a viewer
        # sees "view only" and why before trying). The outcome of an action ("Acknowledged …")
        # takes that line's place for OUTCOME_SHOWN_S (the status bar says it too), then the line
        # comes back; a change of user clears it at once. One line of one height for both: the
        # confirmation appearing under the buttons moved them up 32 px and a second tap aimed at
        # "Ack + comment…" landed on the list; it never cleared, and read under the next user's
        # name six minutes later (qa7 G4/G5).
        self.rights_label = WrappingLabel(lines=1, elide=True)
        self.rights_label.setObjectName("alarmRights")
        self.message_label = WrappingLabel(lines=1, elide=True)
        self.message_label.setObjectName("alarmMessage")
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.foot_line = QStackedWidget()
        self.foot_line.setObjectName("alarmFootLine")
        self.foot_line.addWidget(self.rights_label)
        self.foot_line.addWidget(self.message_label)
        self.foot_line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        outer.addWidget(self.foot_line)
        self._outcome_timer = QTimer(self)
        self._outcome_timer.setSingleShot(True)
        self._outcome_timer.setInterval(int(OUTCOME_SHOWN_S * 1000))
        self._outcome_timer.timeout.connect(self.clear_outcome)
        self.setStyleSheet(_QSS)

        blink.toggled.connect(self._on_blink)
        store.changed.connect(self._on_store_changed)
        store.reset.connect(self._update_tabs)
        self.view.setColumnHidden(COL_ALARM, True)  # the message starts with the name; the tooltip has it
        self._on_view_changed(self.tabs.currentIndex())
        self.set_user(None)

    # --- user and rights -------------------------------------------------------------------------
    def set_user(self, user: User | None) -> None:
        if user != self.user:
            self.clear_outcome()  # "… as operator (operator)" must not stand under the next user
        self.user = user
        can_ack = allowed(user, Action.ACKNOWLEDGE)
        if user is None:
            text = "View only: nobody is logged in. Log in as operator or higher to acknowledge."
        elif not can_ack:
            text = f"View only ({user.name}, {user.role.label}): acknowledging needs operator or higher."
        else:
            may = ["acknowledge", "reset"]
            if allowed(user, Action.SHELVE):
                may.append("shelve / out of service")
            if allowed(user, Action.CHANGE_LIMITS):
                may.append("change limits")
            text = f"{user.name} ({user.role.label}): may {', '.join(may)}"
        self.rights_label.setText(text)
        self.rights_label.setProperty("viewOnly", "true" if not can_ack else "false")
        self.rights_label.style().unpolish(self.rights_label)
        self.rights_label.style().polish(self.rights_label)
        self._update_actions()

    # --- selection and requests ------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        sm = self.view.selectionModel()
        return sorted(i.row() for i in sm.selectedRows()) if sm is not None else []

    def selected_records(self) -> list[AlarmRecord]:
        out = []
        for row in self.selected_rows():
            r = self.model.record_at(row)
            if isinstance(r, AlarmRecord):
                out.append(r)
        return out

    def selected_ids(self) -> list[str]:
        return [r.id for r in self.selected_records()]

    def selected_keys(self) -> list[str]:
        """The selected rows by key (alarm id; History: the transition's key)."""
        return [row_key(self.model.rows[r]) for r in self.selected_rows() if r < len(self.model.rows)]

    def select_ids(self, ids: Sequence[str]) -> None:
        sel = QItemSelection()
        last = self.model.columnCount() - 1
        rows = {row_key(r): i for i, r in enumerate(self.model.rows)}
        for key in ids:
            i = rows.get(key)
            if i is not None:
                sel.select(self.model.index(i, 0), self.model.index(i, last))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.view.selectionModel().select(sel, flags)
        if ids and ids[0] in rows:
            idx = self.model.index(rows[ids[0]], 0)
            self.view.selectionModel().setCurrentIndex(idx, QItemSelectionModel.SelectionFlag.NoUpdate)
            self.view.scrollTo(idx)

    def show_alarm(self, alarm_id: str) -> None:
        """Bring an alarm into view (from the banner): its view, filters cleared if they hide it."""
        r = self.store.get(alarm_id)
        if r is None:
            return
        view = next((v for v in VIEW_ORDER[:-1] if r.state in VIEW_STATES[v]), AlarmView.ACTIVE)
        self.set_view(view)
        if self.model.row_of(alarm_id) < 0:
            self.clear_filters()
        self.select_ids([alarm_id])

    def _offered(self, cmd: AlarmCommand) -> list[AlarmRecord]:
        return self.model.visible_records() if cmd.spec.all_shown else self.selected_records()

    def targets(self, command: AlarmCommand | str) -> list[AlarmRecord]:
        """The records a command would apply to (selection, or every visible one)."""
        cmd = AlarmCommand(command)
        return targets(cmd, self._offered(cmd))

    def set_definitions(self, definitions: Callable[[], Iterable[AlarmDefinition]]) -> None:
        """Where the current alarm definitions come from (limits change at run time): a reason
        that names an alarm's limit reads it there."""
        self._definitions = definitions
        self._update_actions()

    def refusal(self, command: AlarmCommand | str) -> str:
        """Why the command acts on nothing now ('' when it acts on something): hmi.core's
        `command_refusal`, with the values shown and the limits of the definitions."""
        cmd = AlarmCommand(command)
        defs = {d.id: d for d in self._definitions()} if self._definitions is not None else None
        return command_refusal(cmd, self._offered(cmd), defs, self.model.value_now)

    def request(self, command: AlarmCommand | str) -> bool:
        """Ask the owner to run a command on its targets. The runtime checks the role again (and
        journals a refusal), so a request is sent even when the buttons say the role is too low."""
        cmd = AlarmCommand(command)
        ids = [r.id for r in self.targets(cmd)]
        if not ids:
            self.show_outcome(self.refusal(cmd) + ".", "failed")
            return False
        self.action_requested.emit(cmd, ids)
        return True

    # Shortcuts for code and tests
    def acknowledge_selected(self) -> bool:
        return self.request(C.ACKNOWLEDGE)

    def acknowledge_selected_with_comment(self) -> bool:
        return self.request(C.ACKNOWLEDGE_COMMENT)

    def acknowledge_all_visible(self) -> bool:
        return self.request(C.ACKNOWLEDGE_VISIBLE)

    def request_trend(self) -> bool:
        rows = self.selected_rows()
        if len(rows) != 1:
            self.show_outcome("Select one alarm to trend its tag.", "failed")
            return False
        return self._trend_row(rows[0])

    def _trend_row(self, row: int) -> bool:
        r = self.model.record_at(row)
        if r is None:
            return False
        t = float(self.model.index(row, 0).data(TIME_ROLE) or 0.0)
        self.trend_requested.emit(r.tag, t)
        return True

    def show_outcome(self, text: str, kind: str = "ok") -> None:
        """kind: ok / failed / pending. Never in alarm colours: a border and weight say it. Shown
        in the rights line's place until the final outcome has stood OUTCOME_SHOWN_S."""
        self.message_label.setText(text)
        self.message_label.setProperty("outcome", kind)
        self.message_label.style().unpolish(self.message_label)
        self.message_label.style().polish(self.message_label)
        self.foot_line.setCurrentWidget(self.message_label if text else self.rights_label)
        if text and kind != "pending":
            self._outcome_timer.start()
        else:
            self._outcome_timer.stop()

    def clear_outcome(self) -> None:
        """Back to the rights line (the outcome's time is up, or the user changed)."""
        self._outcome_timer.stop()
        self.message_label.setText("")
        self.foot_line.setCurrentWidget(self.rights_label)

    # --- views and filters -------------------------------------------------------------------------
    @property
    def current_view(self) -> AlarmView:
        return self.model.view

    def set_view(self, view: AlarmView) -> None:
        self.tabs.setCurrentIndex(VIEW_ORDER.index(view))

    def clear_filters(self) -> None:
        for b in self.priority_buttons.values():
            b.blockSignals(True)
            b.setChecked(True)
            b.blockSignals(False)
        for combo in (self.machine_combo, self.state_combo, self.time_combo):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.model.clear_filters()
        self._update_filter_note()

    def set_narrow(self, narrow: bool) -> None:
        """A narrow screen (1024 px): the message keeps its room; who and how often are dropped
        from the columns (the History view has them) and the time column holds a time of day."""
        self.view.setColumnHidden(COL_BY, narrow)
        self.view.setColumnHidden(COL_COUNT, narrow)
        self.view.setColumnWidth(COL_TIME, self._time_widths[1 if narrow else 0])

    def _on_filters_toggled(self, on: bool) -> None:
        self.filter_row.setVisible(on)

    def set_filters_folded(self, folded: bool) -> None:
        """Fold the filter row behind the Filters button (small screens); the filter note stays."""
        self.filters_button.setVisible(folded)
        self.priority_label.setVisible(not folded)
        self.filters_button.setChecked(not folded)
        self.filter_row.setVisible(not folded)

    def active_filters(self) -> list[str]:
        """What narrows the list now, in words (empty: everything of the view is shown)."""
        m = self.model
        out = []
        if set(m.filter.priorities) != {1, 2, 3, 4}:
            out.append(
                "priority " + ", ".join(str(p) for p in sorted(m.filter.priorities))
                if m.filter.priorities
                else "no priority"
            )
        for combo in (self.machine_combo, self.state_combo, self.time_combo):
            if combo.currentIndex() > 0:
                out.append(combo.currentText())
        if self.search.text().strip():
            out.append(f"“{self.search.text().strip()}”")
        return out

    def _update_filter_note(self, *_args) -> None:
        active = self.active_filters()
        forms = [f"Filtered: {', '.join(active)} · Show all", "Filtered · Show all", "Show all"]
        self.filter_note.set_forms(forms if active else [])
        self._fit_top_row()
        self.filter_note.setVisible(bool(active))

    def _on_view_changed(self, i: int) -> None:
        view = AlarmView(self.tabs.tabData(i))
        self.model.set_view(view)
        shown = set(VIEW_ACTIONS[view])
        for cmd, b in self.buttons.items():
            b.setVisible(cmd in shown)
        self._update_actions()

    def _on_priority_toggled(self, _checked: bool) -> None:
        self.model.set_priorities(p for p, b in self.priority_buttons.items() if b.isChecked())
        self._update_filter_note()

    # --- model resets keep the operator's selection and scroll position -----------------------------
    def _before_reset(self) -> None:
        keys = self.selected_keys()
        cur = self.view.currentIndex()
        cur_key = (
            row_key(self.model.rows[cur.row()])
            if cur.isValid() and cur.row() < len(self.model.rows)
            else None
        )
        anchor = None
        if self.view.verticalScrollBar().value() > 0:
            top = self.view.rowAt(0)
            if 0 <= top < len(self.model.rows):
                anchor = row_key(self.model.rows[top])
        self._saved = (keys, cur_key, anchor)

    def _header_width(self, col: int) -> int:
        text = self.model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        return header_need(self.view.horizontalHeader(), col, str(text or "")) + 2

    def _after_reset(self) -> None:
        """The chosen rows again, by key (the alarm id), never by their old row numbers; a chosen
        alarm that left the list is no longer selected, and nothing else is selected instead."""
        saved, self._saved = self._saved, None
        keys, cur_key, anchor = saved if saved is not None else ([], None, None)
        rows = {row_key(r): i for i, r in enumerate(self.model.rows)}
        last = self.model.columnCount() - 1
        sm = self.view.selectionModel()
        self._restoring = True
        try:
            if keys:
                sel = QItemSelection()
                for k in keys:
                    i = rows.get(k)
                    if i is not None:
                        sel.select(self.model.index(i, 0), self.model.index(i, last))
                sm.select(
                    sel,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                )
            if cur_key is not None and cur_key in rows:
                sm.setCurrentIndex(
                    self.model.index(rows[cur_key], 0), QItemSelectionModel.SelectionFlag.NoUpdate
                )
        finally:
            self._restoring = False
        if anchor is not None and anchor in rows:
            self.view.scrollTo(self.model.index(rows[anchor], 0), QAbstractItemView.ScrollHint.PositionAtTop)
        # Always: the buttons stood enabled for an alarm a filter had just hidden (no signal told them).
        self._on_selection_changed()

    # --- slots --------------------------------------------------------------------------------------
    def _on_store_changed(self, _records: list) -> None:
        self._update_tabs()
        self._update_actions()
        self._update_details()

    def _on_selection_changed(self, *_a) -> None:
        if self._restoring:
            return  # _after_reset tells once, with the whole outcome
        if self._details_put_away is not None and self.selected_keys() != [self._details_put_away]:
            self._details_put_away = None  # another choice: its details show again
        self._update_actions()
        self._update_details()
        self.selection_changed.emit()

    def _update_details(self) -> None:
        """The one selected row's full message and state; hidden with no or several rows, or
        while the operator has put it away. Shown or hidden once, never hidden and shown again:
        the list's room would grow and shrink between, and the scroll position clamped to the
        larger room would move the rows under the operator's finger."""
        rows = self.selected_rows()
        r = self.model.record_at(rows[0]) if len(rows) == 1 else None
        text = self.model.details_text(r) if r is not None else ""
        put_away = self._details_put_away is not None and self.selected_keys() == [self._details_put_away]
        self.details.setText(text)
        self._show_details(bool(text) and not put_away)

    def _show_details(self, on: bool) -> None:
        rows = self.selected_rows()
        index = self.model.index(rows[0], 0) if rows else QModelIndex()
        area = self.view.viewport().rect()
        seen = index.isValid() and area.intersects(self.view.visualRect(index))
        self.details.setVisible(on)
        self.list_area.relayout()  # its text may need another height at once
        row, shown = self.view.visualRect(index), self.view.viewport().rect()
        whole = shown.top() <= row.top() and row.bottom() <= shown.bottom()
        if on and seen and not whole:
            # The list lost its foot to the details and the row they explain went under its edge:
            # it is brought back into sight, once a double-tap had time to land. Moved at once,
            # the row left the finger and the second tap hit the row below (Qt itself never
            # scrolls on a press for that reason). Only if it was in sight: a list the operator
            # scrolled elsewhere is not pulled back by an update.
            self._sight = (self.selected_keys()[0], self.view.verticalScrollBar().value())
            self._sight_timer.start(QApplication.doubleClickInterval())

    def _bring_selected_into_sight(self) -> None:
        """Unless the operator scrolled or chose another row meanwhile."""
        sight, self._sight = self._sight, None
        rows = self.selected_rows()
        if sight is None or self.selected_keys()[:1] != [sight[0]]:
            return
        if self.view.verticalScrollBar().value() == sight[1]:
            self.view.scrollTo(self.model.index(rows[0], 0))

    def _on_blink(self, _phase: bool) -> None:
        if not self.model.rows or not self.isVisible():
            return
        x = self.view.columnViewportPosition(COL_PRIORITY)
        w = self.view.columnWidth(COL_PRIORITY)
        self.view.viewport().update(QRect(x, 0, w, self.view.viewport().height()))

    def _on_details_tapped(self) -> None:
        keys = self.selected_keys()
        self._details_put_away = keys[0] if len(keys) == 1 else None
        self._show_details(False)

    def _on_clicked(self, index: QModelIndex) -> None:
        """A tap on the selected row brings its details line back after it was put away."""
        put_away = self._details_put_away
        if index.isValid() and put_away is not None and self.selected_keys() == [put_away]:
            self._details_put_away = None
            self._update_details()

    def _on_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self._trend_row(index.row())

    def _on_context_menu(self, pos) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        if index.row() not in self.selected_rows():
            self.select_ids([row_key(self.model.rows[index.row()])])
        menu = QMenu(self)
        for cmd in VIEW_ACTIONS[self.current_view]:
            b = self.buttons[cmd]
            act = QAction(b.text(), menu)
            act.setEnabled(b.isEnabled())
            act.setToolTip(b.toolTip())
            act.triggered.connect(lambda _c=False, c=cmd: self.request(c))
            menu.addAction(act)
        menu.addSeparator()
        trend = QAction("Trend around the alarm time", menu)
        trend.triggered.connect(self.request_trend)
        menu.addAction(trend)
        menu.setToolTipsVisible(True)
        self._menu = menu  # tests look at it; the next one replaces it
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def on_samples_applied(self, changed: np.ndarray) -> None:
        self.model.on_samples_applied(changed)

    def refresh_values(self) -> None:
        """Once a second: live values, shelve time left, time-window filter."""
        self.model.refresh_values()

    # --- derived UI state ---------------------------------------------------------------------------
    @staticmethod
    def _tab_text(view: AlarmView, count: int, short: bool) -> str:
        label = view.short_label if short else view.label
        return label if view == AlarmView.HISTORY else f"{label} ({count})"

    def _fit_top_row(self) -> None:
        """The view tabs with their whole words when the row (tabs, filter note at its shortest,
        priority buttons) fits the width the list is shown in, else "Suppr." and "OOS": at 1280 px in
        the touch profile a filter's note made the row wider than the dock, which then scrolled
        sideways and cut the Filters button (before, the tabs went behind scroll arrows)."""
        shown = self.parentWidget() or self
        m = self.contentsMargins() + self._outer_margins
        room = shown.width() - m.left() - m.right()
        area = shown.parentWidget()
        if isinstance(area, QAbstractScrollArea) and not area.verticalScrollBar().isVisible():
            # Decide as if the dock's scroll bar showed: the choice then never makes it come and go
            # (the long tabs, a scroll bar, the short tabs, no scroll bar, ... without end).
            room -= area.verticalScrollBar().sizeHint().width()
        fm = self.tabs.fontMetrics()
        counts = self.model.counts_per_view()

        def tabs_width(short: bool) -> int:
            return sum(fm.horizontalAdvance(self._tab_text(v, counts.get(v, 0), short)) for v in VIEW_ORDER)

        now = sum(fm.horizontalAdvance(self.tabs.tabText(i)) for i in range(self.tabs.count()))
        bfm = next(iter(self.priority_buttons.values())).fontMetrics()
        label_w = self.priority_label.sizeHint().width() + self._top_row.spacing()

        def priorities_width(numbers: bool) -> int:
            texts = [str(p) if numbers else t for p, t in PRIORITY_FILTERS.items()]
            return sum(bfm.horizontalAdvance(t) for t in texts) + (0 if numbers else label_w)

        base = self._top_row.minimumSize().width() - now - priorities_width(self.number_priorities)
        short = base + tabs_width(False) + priorities_width(False) > room
        # Still too wide (1024 px, a filter's note shown): the priority buttons show their numbers
        # (the colour swatch and the tooltip say the rest) rather than the dock scrolling sideways
        # with "4 Low" and "Filters" cut at its edge.
        numbers = short and base + tabs_width(True) + priorities_width(False) > room
        if short != self.short_tabs:
            self.short_tabs = short
            self._update_tabs()
        if numbers != self.number_priorities:
            self.number_priorities = numbers
            self.priority_label.setVisible(not numbers)
            for p, b in self.priority_buttons.items():
                b.setText(str(p) if numbers else PRIORITY_FILTERS[p])

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_top_row()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        parent = self.parentWidget()
        if parent is not None:
            parent.installEventFilter(self)  # the room it is shown in (a scroll area's viewport)
        self._fit_headers()
        self._fit_top_row()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._fit_headers()  # a theme or the touch profile's fonts: the headers' text changed size

    def _fit_headers(self) -> None:
        """Every column at least as wide as its header's text as the style draws it."""
        header = self.view.horizontalHeader()
        for col in range(self.model.columnCount()):
            if header.sectionResizeMode(col) == QHeaderView.ResizeMode.Stretch:
                continue
            need = self._header_width(col)
            if self.view.columnWidth(col) < need:
                self.view.setColumnWidth(col, need)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self._fit_top_row()
        return super().eventFilter(obj, event)

    def _update_tabs(self) -> None:
        counts = self.model.counts_per_view()
        for i, v in enumerate(VIEW_ORDER):
            text = self._tab_text(v, counts.get(v, 0), self.short_tabs)
            if self.tabs.tabText(i) != text:
                self.tabs.setTabText(i, text)
                self.tabs.setTabToolTip(i, self._tab_text(v, counts.get(v, 0), False))
        n = self.model.rowCount()
        total = (
            len(self.store.history)
            if self.current_view == AlarmView.HISTORY
            else counts.get(self.current_view, 0)
        )
        text = f"{n:,} shown" + (f" of {total:,}" if n != total else "")
        self.count_label.setText(text)

    def _update_actions(self) -> None:
        sel_rows = self.selected_rows()
        for cmd, b in self.buttons.items():
            refusal = role_refusal(self.user, cmd.action)
            on = self.targets(cmd)
            what = cmd.spec.menu.rstrip(":")
            if refusal:
                b.setEnabled(False)
                b.setToolTip(f"{what}: {refusal}")
            elif not on:
                b.setEnabled(False)
                b.setToolTip(self.refusal(cmd))
            else:
                b.setEnabled(True)
                n = len(on)
                b.setToolTip(f"{what}: {n} alarm{'s' if n != 1 else ''}")
        self.trend_button.setEnabled(len(sel_rows) == 1)
        self._update_tabs()


# Local style: outcome messages are marked by border and weight, never by an alarm colour.
_QSS = """
/* The outcome takes the rights line's place at its height: marked at its left edge, no frame
   above or below (a frame made the line, and so the pane's minimum, taller). */
QLabel#alarmMessage { padding: 0px 6px; border: none; border-left: 3px solid transparent; }
QLabel#alarmMessage[outcome="ok"] { border-left: 3px solid #8F8F8F; background: #E6E6E6; }
QLabel#alarmMessage[outcome="pending"] { border-left: 3px dashed #595959; color: #3A3A3A; }
QLabel#alarmMessage[outcome="failed"] { border-left: 5px solid #1E1E1E; background: #E6E6E6; font-weight: bold; }
QLabel#alarmRights { color: #3A3A3A; }
QLabel#alarmDetails { padding: 4px 8px; border-left: 4px solid #595959; background: #F0F0F0; }
QLabel#alarmRights[viewOnly="true"] { color: #1E1E1E; font-weight: bold; }
QToolButton#priorityFilter { padding: 3px 6px; border: 1px solid #8F8F8F; border-radius: 3px; background: #DADADA; }
QToolButton#priorityFilter:checked { background: #F0F0F0; font-weight: bold; }
QPushButton#filterNote { font-weight: bold; border: 2px dashed #3C3C3C; background: #F0F0F0; }
QTabBar#alarmViews::tab { padding: 5px 12px; }
QTabBar#alarmViews::tab:selected { background: #EDEDED; border-bottom-color: #EDEDED; }
"""
