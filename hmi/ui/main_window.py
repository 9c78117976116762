"""The main window: top bar, alarm banner, line overview, alarm/tag/event docks, status bar.

┌ Packaging Line 1 ───── [CONNECTED] for 3 min — … │ User alice · operator [Switch user] │ 14:03:22 ┐
│ [1 URGENT][2 HIGH][3 MEDIUM][4 LOW]  the 1-3 most important unacknowledged alarms [Ack]  … │  (alarm banner,
├───────────────────────────────────────────────────────────────────────────────────────────┤   always visible)
│  Filler        Capper        Labeller       Conveyor      (faceplates, flow order)        │
├─ Alarms | Tags (tabbed dock) ──────────────┬─ Events (dock) ──────────────────────────────┤
└ status: tags · updates/s · dropped batches · bridge cost · journal ──────────────────────┘

Alarms: the window keeps its own copy of the alarm states (widgets.alarm_store),
seeded once from `runtime.alarms.records()` and then fed by the bridge's
`alarms_changed`. Actions go through `runtime.alarm_action()` on the runtime's
worker (hmi.ui.alarm_dialogs). `trend_requested(tag, t_center)` is relayed from
the alarm table for whoever shows trends.
"""

from __future__ import annotations

import concurrent.futures
import getpass
import logging
import time

import numpy as np
from PySide6.QtCore import QEvent, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QStatusTipEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hmi.core.alarms.alarm_list import AlarmView, load_history
from hmi.core.alarms.commands import AlarmCommand
from hmi.core.alarms.tag_badges import badges_from_records
from hmi.core.config import LineConfig
from hmi.core.events import JournalEvent
from hmi.core.historian import Historian
from hmi.core.live_buffer import LiveBuffers
from hmi.core.live_values import LiveValues
from hmi.core.runtime_api import ConnectionState, TagProblem
from hmi.core.trend_sets import TrendSetStore
from hmi.core.users import Role, User
from hmi.ui.alarm_dialogs import AlarmActionController
from hmi.ui.annunciator import Annunciator
from hmi.ui.bridge import DEFAULT_INTERVAL_MS, LiveBridge
from hmi.ui.cert_trust_dialog import CertRefusalButton
from hmi.ui.help_menu import SHORTCUTS, HelpMenu
from hmi.ui.in_view import in_front, show_tab, why_not_seen
from hmi.ui.login_dialog import LoginDialog
from hmi.ui.production_panel import ProductionPanel
from hmi.ui.services import LineServices
from hmi.ui.setpoint_dialog import SetpointDialog
from hmi.ui.tag_browser_dialog import TagBrowserDialog
from hmi.ui.theme import current_theme, switch_theme
from hmi.ui.touch import TouchProfile, auto_touch
from hmi.ui.window_layout import (
    COMPACT_MAX_HEIGHT,
    DockPlan,
    WindowLayout,
    bring_forward,
    pane_action,
    scrollable,
)
from inference.assistant.factory import build_assistant, live_snapshot_from, load_configured_model
from widgets.advisory_readout import AdvisoryReadout
from widgets.alarm_banner import MAX_ROWS, AlarmBanner
from widgets.alarm_store import AlarmStore, BlinkClock
from widgets.alarm_table import AlarmTable
from widgets.assistant_pane import AssistantPane
from widgets.background import BackgroundTask, run_in_background
from widgets.connection_indicator import ConnectionIndicator
from widgets.event_list import EventList
from widgets.fit_label import FitLabel
from widgets.kpi_view import KpiView
from widgets.last_known import mark_not_plant_value
from widgets.line_overview import LineOverview
from widgets.qc_pane import QcPane
from widgets.status_bar import MessageStatusBar
from widgets.tag_table import TagTable
from widgets.trend import TrendWidget
from widgets.window_place import KeepClear
from widgets.wordings import LongestWording

log = logging.getLogger(__name__)


def _top_area(main: QWidget) -> list[QWidget]:
    """What no window the main window opens may cover: its top area (line state, banner, tiles)."""
    top = main.menuWidget() if isinstance(main, QMainWindow) else None
    return [top] if top is not None else []


ALARM_HISTORY_S = 8 * 3600.0  # the alarm History view starts with the journal's last shift
ALARM_LIST_CHECK_S = 2.0  # how long a brought-forward alarm list is re-checked (layout passes, banner)
ALARM_LIST_CHECK_EVERY_MS = 40
NARROW_WIDTH = 1200  # below this (a 1024x768 panel) the top bar and the alarm columns economise


def default_user() -> str:
    """The OS user until login arrives; a name is always shown, never an empty field."""
    try:
        return getpass.getuser() or "operator"
    except Exception:
        return "operator"


# The top bar's and status bar's wordings with nobody logged in, longest first (UserLabel).
NOBODY_LOGGED_IN = ("Nobody logged in · view only", "Nobody logged in", "view only")


def nobody_tooltip(name: str, *, is_pc_account: bool) -> str:
    """What the label's tooltip says of the name the station runs under with nobody logged in: the
    PC account labelled as such (it is journaled with view-only requests), or the name given at start."""
    if not name:
        known = ""
    elif is_pc_account:
        known = f" The PC account is {name} (a computer account, not a line user)."
    else:
        known = f" The name given at start, {name}, is not a log-in."
    return (
        "Nobody is logged in: alarms and values can be seen, nothing can be acknowledged or written. "
        "Log in to act." + known
    )


class UserLabel(LongestWording, QLabel):
    """Who is logged in, always whole: the display name and role while the top bar has room for them,
    else the login name and role, else the role alone on the narrowest bar (the status bar still
    names the user in full), never an elided "Demo viewer · vie…". The whole text stays in text()
    and the tooltip."""

    def setText(self, text: str, *shorter: str) -> None:  # type: ignore[override]
        """`text`, then shorter wordings, longest first."""
        self.set_wordings(text, *shorter)

    def text(self) -> str:  # type: ignore[override]
        return self.wordings[0]

    def full_text(self) -> str:
        return QLabel.text(self)  # the wording shown is shown whole (widgets.text_fit checks its width)

    def wording_width(self, text: str) -> int:
        return self.fontMetrics().horizontalAdvance(text) + 2 * self.margin() + 4

    def show_wording(self, text: str) -> None:
        QLabel.setText(self, text)

    def shown_wording(self) -> str:
        return QLabel.text(self)


def _separator() -> QFrame:
    sep = QFrame()
    sep.setObjectName("topSeparator")
    sep.setFixedWidth(1)
    return sep


class MainWindow(QMainWindow):
    trend_requested = Signal(str, float)  # tag, t_center: relayed from the alarm table

    def __init__(
        self,
        runtime: LineServices,
        config: LineConfig | None = None,
        user: User | str | None = None,
        *,
        poll_interval_ms: int = DEFAULT_INTERVAL_MS,
        max_events: int = 500,
        audible: bool = False,
        assistant_model: bool = False,
        touch: bool | None = None,
        fullscreen: bool | None = None,
        kiosk: bool | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.config = config if config is not None else runtime.config
        # A User is logged in; a plain name (or the OS user) only says who is watching: view only.
        self.user: User | None = user if isinstance(user, User) else None
        self._user = user.name if isinstance(user, User) else (user or default_user())
        self.live = LiveValues(self.config)
        self.bridge = LiveBridge(runtime, self.live, poll_interval_ms, self)
        self._stale = True  # nothing is current until the runtime says connected
        self._link_lost_at: float | None = None  # the link went: every plant value is the last known
        self._dialogs: dict[str, SetpointDialog] = {}
        self.login_dialog: LoginDialog | None = None
        self._rate_mark = (time.monotonic(), 0)
        self._shut_down = False
        self._docks_sized = False  # the first show lays the docks out for the screen size
        # A brought-forward alarm list still to be seen in view: (alarm ids, first activation, since).
        self._alarm_list_check: tuple[str, float | None, float] | None = None
        self.setWindowTitle(f"LineHMI — {self.config.line.name}")
        self.setObjectName("mainWindow")
        display = self.config.display
        self.kiosk = display.kiosk if kiosk is None else kiosk
        self._touch_wanted = (
            None
            if (touch is None and display.touch == "auto")
            else (touch if touch is not None else display.touch == "on")
        )
        self._fullscreen_wanted = self.kiosk or (display.fullscreen if fullscreen is None else fullscreen)
        self._close_allowed = False
        self._narrow = False

        self._build_alarm_model(audible)
        self._build_top_bar()
        self.overview = LineOverview(self.config)
        self.overview.setpoint_requested.connect(self.open_setpoint_dialog)
        # A part that is off says so above the faceplates, naming the file and what to do; the
        # rest runs (qa5 F26: a missing fault model showed only "Failure risk —" on each faceplate).
        self.parts_off_label = QLabel()
        self.parts_off_label.setObjectName("partsOffNotice")
        self.parts_off_label.setWordWrap(True)
        self.parts_off_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.parts_off_label.setContentsMargins(10, 4, 10, 4)
        self.parts_off_label.hide()
        central = QWidget()
        central_lay = QVBoxLayout(central)
        central_lay.setContentsMargins(0, 0, 0, 0)
        central_lay.setSpacing(0)
        central_lay.addWidget(self.parts_off_label)
        central_lay.addWidget(self.overview, 1)
        self.setCentralWidget(central)
        # In an upset the alarm list takes the room; the overview keeps each machine's state and main
        # value in view (a full banner at 1280x800 left it a strip of titles: issue 10).
        self.overview.setMinimumWidth(240)
        self._build_advisory_readouts()
        # Each faceplate's summary on top (state, speed, the values that want a look, the failure
        # risk) and every value with its bar below: five bars per machine do not fit above the
        # fold at 1280x800, nor with the risk at 1920x1080 (qa6 F17).
        self.overview.set_compact(True)
        self.overview.keep_essentials_in_view()

        self.tag_table = TagTable(self.live)
        self.events = EventList(max_events)
        self.tags_dock = self._dock(
            "Tags", "tagsDock", self.tag_table, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.events_dock = self._dock(
            "Events", "eventsDock", self.events, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.splitDockWidget(self.tags_dock, self.events_dock, Qt.Orientation.Horizontal)
        self._build_alarm_docks()
        self._build_trend_dock()
        self._build_assistant_dock(assistant_model)
        # The Assistant's on-screen keyboard and its reader never cover the line state, the alarm
        # banner and tiles, nor the alarm list when it shows (at 1280x800 the keyboard lay over the
        # tiles, qa8 Q6).
        top = self.menuWidget()  # the title bar, the line state strip and the alarm banner
        self.assistant_pane.keep_clear(*(w for w in (top, self.alarms_dock) if w is not None))
        # Nor does any other window it opens, the manual and the tag browser included (qa12 Q12-10).
        self.windows_keep_clear = KeepClear(self, _top_area)
        self.assistant_dock.visibilityChanged.connect(self._assistant_in_view)
        self._build_qc_dock()
        # Line status strip + Production dock (when the config has [production]).
        self.production = ProductionPanel.attach(self)
        self._build_status_bar()
        self.assistant_pane.keep_clear(self.statusBar())  # the journal's and the link's state
        self.window_layout = WindowLayout(
            self,
            DockPlan(
                alarms=self.alarms_dock,
                tags=self.tags_dock,
                events=self.events_dock,
                trend=self.trend_dock,
                kpi=self.kpi_dock,
                side=[d for d in (self.assistant_dock, self.qc_dock) if d is not None],
                more=self._production_docks(),
            ),
        )
        self._mark_not_plant_values(bar_of_top=self.findChild(QFrame, "topBar"))
        for dock in self.window_layout.plan.all():
            dock.visibilityChanged.connect(self._drop_focus_left_behind)
        self.alarm_store.changed.connect(self._on_alarms_changed_layout)
        self.alarm_store.changed.connect(self._show_tag_alarms)
        self.alarm_store.reset.connect(self._show_tag_alarms)
        self.alarm_store.annunciated.connect(self._on_new_alarms)
        self._show_tag_alarms()
        app = QApplication.instance()
        self.touch_profile: TouchProfile | None = None
        if isinstance(app, QApplication):
            existing = app.findChild(TouchProfile)
            self.touch_profile = existing if existing is not None else TouchProfile(app)
        self._build_view_menu()

        b = self.bridge
        b.samples_applied.connect(self._on_samples_applied)
        b.state_changed.connect(self._on_state_changed)
        b.events_arrived.connect(self._on_events_arrived)
        b.problems_found.connect(self._on_problems_found)
        b.batches_dropped.connect(self._on_batches_dropped)
        b.alarms_changed.connect(self.alarm_store.apply)
        b.batch_arrived.connect(self.live_buffers.apply)

        self._second = QTimer(self)
        self._second.setInterval(1000)
        self._second.timeout.connect(self._on_second)
        self._second.start()
        self.overview.set_stale(True)
        self.tag_table.model.set_stale(True)
        self._on_state_changed(runtime.state, "")
        self._on_second()
        self.setGeometry(self.window_layout.initial_geometry())
        self.set_touch(
            self._touch_wanted
            if self._touch_wanted is not None
            else auto_touch(self.window_layout.available().size())
        )
        app = QApplication.instance()
        if isinstance(app, QApplication):
            night = self.config.display.theme == "night" or current_theme(app) == "night"
            if night:
                self.set_night(True)
        self.set_user(user if isinstance(user, User) else self._user)
        self._load_alarm_history()
        self.blink.start()
        self.bridge.start()

    # --- construction ---------------------------------------------------------------------------
    def _build_top_bar(self) -> None:
        bar = QFrame()
        bar.setObjectName("topBar")
        lay = QHBoxLayout(bar)
        lay.setContentsMargins(12, 4, 12, 4)
        lay.setSpacing(10)
        self.line_label = QLabel(self.config.line.name)
        self.line_label.setObjectName("lineName")
        self.connection_indicator = ConnectionIndicator()
        self.user_label = UserLabel()
        self.user_label.setObjectName("topBarField")
        self.clock_label = QLabel()
        self.clock_label.setObjectName("clock")
        self.view_button = QToolButton()
        self.view_button.setObjectName("viewButton")
        self.view_button.setText("View ▾")
        self.view_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.help_button = QToolButton()
        self.help_button.setObjectName("viewButton")
        self.help_button.setText("Help ▾")
        self.help_button.setToolTip(f"Manual, shortcuts, diagnostics, about ({SHORTCUTS['help']}: manual)")
        self.help_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        lay.addWidget(self.line_label)
        lay.addSpacing(20)
        lay.addWidget(self.connection_indicator, 2)
        self.login_button = QPushButton("Log in")
        self.login_button.setObjectName("loginButton")
        self.login_button.setAutoDefault(False)
        self.login_button.clicked.connect(self.open_login_dialog)
        self.logout_button = QPushButton("Log out")
        self.logout_button.setObjectName("logoutButton")
        self.logout_button.setAutoDefault(False)
        self.logout_button.clicked.connect(self.log_out)
        lay.addWidget(_separator())
        lay.addWidget(self.user_label)
        lay.addWidget(self.login_button)
        lay.addWidget(self.logout_button)
        lay.addWidget(_separator())
        lay.addWidget(self.clock_label)
        lay.addWidget(self.view_button)
        lay.addWidget(self.help_button)
        for b in (self.login_button, self.logout_button, self.view_button, self.help_button):
            # Buttons keep their whole text; the labels beside them elide instead.
            b.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        # The alarm banner sits under the top bar, outside the dock area: nothing can cover it.
        top = QWidget()
        top.setObjectName("topArea")
        vbox = QVBoxLayout(top)
        vbox.setContentsMargins(0, 0, 0, 0)
        vbox.setSpacing(0)
        vbox.addWidget(bar)
        vbox.addWidget(self.alarm_banner)
        self.setMenuWidget(top)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        # In a scroll area: a pane that wants more room scrolls inside its dock, it never grows the window.
        dock.setWidget(scrollable(widget))
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        return dock

    def _build_trend_dock(self) -> None:
        # Live samples go to ring buffers (1 h); older ranges come from the journal's
        # history (rollups), so scrolling back joins the two without a seam.
        self.live_buffers = LiveBuffers.from_config(self.config, retention_s=3600)
        journal = self.runtime.journal
        historian = Historian.for_journal(journal) if journal is not None and journal.directory else None
        self.trend = TrendWidget(
            self.config,
            self.live_buffers,
            historian,
            trend_sets=TrendSetStore(),
            user=self.current_user,
            span_s=300,  # a shift-start view: the last 5 min; presets reach 24 h
        )
        # A first view worth having: the first machine's condition signals.
        first = self.config.machines[0] if self.config.machines else None
        if first is not None:
            self.trend.add_pens([t for t in first.key_tags if t in self.live.index])
        self.trend_dock = self._dock("Trend", "trendDock", self.trend, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.trend_dock.visibilityChanged.connect(self.trend.set_shown)  # its tab comes forward or goes back
        self.tabifyDockWidget(self.tags_dock, self.trend_dock)
        self.trend_requested.connect(self.open_trend_at)
        self.tag_table.tag_activated.connect(self.open_trend)
        self.overview.trend_requested.connect(self.open_trend)

    def _build_assistant_dock(self, load_model: bool) -> None:
        # Answers come from tools over the journal and the live values; a local language
        # model, when loaded, only picks the tool for questions the router does not understand.
        journal = self.runtime.journal
        self.assistant = build_assistant(
            config=self.config,
            journal_dir=journal.directory if journal is not None else None,
            live=live_snapshot_from(self.live),
            clock=time.time,
            use_model=False,
        )
        self.assistant_pane = AssistantPane(self.assistant)
        self.assistant_dock = self._dock(
            "Assistant", "assistantDock", self.assistant_pane, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.assistant_pane.alarm_requested.connect(self.show_alarm)
        self.assistant_pane.trend_requested.connect(self.open_trend_at)
        # The model takes ~2 s to load: the pane answers from the tools meanwhile.
        self._model_task: BackgroundTask | None = None
        if load_model:
            self._model_task = run_in_background(
                load_configured_model, self.config, name="linehmi-model-load", parent=self
            )
            self._model_task.finished.connect(self._on_model_loaded)

    def _build_qc_dock(self) -> None:
        """Visual QC: latest image with verdict, rejects strip, defect rate (when the line has a camera)."""
        qc = self.runtime.qc
        self.qc_pane: QcPane | None = None
        self.qc_dock: QDockWidget | None = None
        if qc is None:
            return
        cam = self.config.camera
        rate_tag = (
            self.config.tag(cam.rate_tag) if cam is not None and cam.rate_tag in self.live.index else None
        )
        self.qc_pane = QcPane(qc, rate_tag)
        self.qc_dock = self._dock("Quality", "qcDock", self.qc_pane, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.assistant_dock, self.qc_dock)

    def _on_model_loaded(self, fut: concurrent.futures.Future) -> None:
        self._model_task = None
        try:
            lm, why = fut.result()
        except Exception as exc:  # never take the window down for the assistant
            lm, why = None, str(exc)
        self.assistant.lm, self.assistant.lm_error = lm, why
        self.assistant_pane.update_model_indicator()

    def open_tag_browser(self) -> TagBrowserDialog | None:
        """The engineers' tag browser (role shown before trying; every call role-checked)."""
        if self.runtime.browser is None:
            return None
        dialog = TagBrowserDialog(self.runtime.browser, self.user, self, touch=self.touch)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_trend(self, tag: str) -> None:
        """Show the trend with `tag` added (live, last hour)."""
        self.trend.open_tag(tag)
        self.trend_dock.show()
        self.trend_dock.raise_()

    def open_trend_at(self, tag: str, t_center: float) -> None:
        """Show `tag` around an instant (from an alarm): paused, centred on it."""
        self.trend.open_tag_at(tag, t_center)
        self.trend_dock.show()
        self.trend_dock.raise_()

    def _build_status_bar(self) -> None:
        # Messages take the journal cell's place, never drawn over it (widgets.status_bar, qa8 Q1).
        sb = MessageStatusBar()
        sb.setSizeGripEnabled(False)
        self.setStatusBar(sb)
        # Texts set at run time (a user's name, a journal error naming a file): FitLabels, which
        # elide (whole in the tooltip) rather than widen the window past the screen (qa7 G39).
        self.tags_status = FitLabel()
        self.rate_status = QLabel()
        self.drops_status = FitLabel()
        self.drops_status.setObjectName("dropsLabel")
        self.bridge_status = QLabel()
        self.journal_status = FitLabel()
        self.journal_status.setObjectName("journalLabel")
        self.model_status = FitLabel()
        self.model_status.setObjectName("modelLabel")
        # What an operator needs on the bar: the link, the journal, who is logged in. The
        # figures for whoever maintains the station are in Help > Diagnostics.
        self.connection_status = FitLabel()
        self.connection_status.setObjectName("connectionStatus")
        self.user_status = FitLabel()
        # With a plant historian: its backlog and whether the line's operator state is shared
        # (offline: this station's actions are kept locally, and how many).
        self.plant_status = FitLabel()
        self.plant_status.setObjectName("plantLabel")
        self.plant_status.setVisible(self.runtime.plant_link is not None)
        sb.add_message_cell(self.journal_status)
        sb.addPermanentWidget(self.plant_status)
        sb.addPermanentWidget(self.connection_status)
        sb.addPermanentWidget(self.user_status)
        # A refused server certificate is for the operator to see (and a supervisor to trust).
        self.cert_button = CertRefusalButton(self.runtime.certificates, self)
        # In a holder: the status bar takes the height of every item, hidden or not, and a hidden
        # touch-sized button would make it 40 px tall; the holder's height follows the button's
        # visibility (it shows only while a certificate is refused).
        holder = QWidget()
        holder_lay = QHBoxLayout(holder)
        holder_lay.setContentsMargins(0, 0, 0, 0)
        holder_lay.addWidget(self.cert_button)
        sb.addWidget(holder)
        self.cert_button.hide()

    def _build_view_menu(self) -> None:
        menu = QMenu(self)
        for dock in (
            self.alarms_dock,
            self.trend_dock,
            self.tags_dock,
            self.events_dock,
            self.assistant_dock,
            self.qc_dock,
            self.kpi_dock,
            self.production.dock if self.production else None,
        ):
            if dock is not None:
                menu.addAction(pane_action(dock, menu))
        menu.addSeparator()
        self.audible_action = QAction("Audible alarms", self)
        self.audible_action.setCheckable(True)
        self.audible_action.setChecked(self.annunciator.enabled)
        self.audible_action.toggled.connect(self.annunciator.set_enabled)
        menu.addAction(self.audible_action)
        menu.addSeparator()
        self.touch_action = self._action(
            "Touch profile", None, "Big targets, drag to scroll, on-screen number pad, layout locked"
        )
        self.touch_action.setCheckable(True)
        self.touch_action.toggled.connect(self.set_touch)
        self.lock_action = self._action("Lock layout", None, "Panels cannot be dragged off or moved")
        self.lock_action.setCheckable(True)
        self.lock_action.toggled.connect(self.window_layout.set_locked)
        self.night_action = self._action(
            "Night theme", None, "Dark, low-glare greys; alarm colours unchanged"
        )
        self.night_action.setCheckable(True)
        self.night_action.toggled.connect(self.set_night)
        self.fullscreen_action = self._action("Full screen", "fullscreen", "Full screen on and off")
        self.fullscreen_action.setCheckable(True)
        self.fullscreen_action.toggled.connect(self.set_fullscreen)
        for a in (self.touch_action, self.lock_action, self.night_action, self.fullscreen_action):
            menu.addAction(a)
        menu.addSeparator()
        reset = self._action(
            "Reset layout", None, "Forget the saved layout and arrange the panels for this screen"
        )
        reset.triggered.connect(self.reset_layout)
        menu.addAction(reset)
        if self.runtime.browser is not None:
            menu.addSeparator()
            self.browse_action = self._action(
                "Server tag browser…", None, "Browse the PLC's tags and copy them as config (engineer)"
            )
            self.browse_action.triggered.connect(self.open_tag_browser)
            menu.addAction(self.browse_action)
        self.view_button.setMenu(menu)
        self.view_menu = menu
        self.help_menu = HelpMenu(
            self,
            [
                ("", self.tags_status),  # these four name themselves ("Tags 50")
                ("", self.rate_status),
                ("", self.drops_status),
                ("", self.bridge_status),
                ("Fault model", self.model_status),
            ],
        )
        self.help_button.setMenu(self.help_menu)
        # Frequent actions: window-wide keys, listed with their key in the menus and tooltips.
        self.alarm_list_action = self._action("Alarm list", "alarm_list", "Show the alarm list")
        self.alarm_list_action.triggered.connect(self.show_alarm_list)
        self.trend_action = self._action("Show trend", "trend", "Show the trend")
        self.trend_action.triggered.connect(self.show_trend)
        self.ack_action = self._action(
            "Acknowledge selected alarms", "ack_selected", "Acknowledge the selected alarms"
        )
        self.ack_action.triggered.connect(self._on_ack_shortcut)
        self.silence_action = self._action(
            "Silence", "silence", "Silence the alarm sound until the next new alarm"
        )
        self.silence_action.triggered.connect(self.annunciator.silence)
        menu.insertActions(
            menu.actions()[0],
            [self.alarm_list_action, self.trend_action, self.ack_action, self.silence_action],
        )
        menu.insertSeparator(menu.actions()[4])
        self._tooltip_key(self.alarm_banner.list_button, "alarm_list")
        self._tooltip_key(self.alarm_table.buttons.get(AlarmCommand.ACKNOWLEDGE), "ack_selected")
        self._tooltip_key(self.alarm_banner.silence_button, "silence")

    def _action(self, text: str, key: str | None, tip: str) -> QAction:
        a = QAction(text, self)
        if key is not None:
            a.setShortcut(QKeySequence(SHORTCUTS[key]))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            tip = f"{tip} ({SHORTCUTS[key]})"
        a.setToolTip(tip)
        a.setStatusTip(tip)
        self.addAction(a)  # the key works wherever the focus is in the window
        return a

    @staticmethod
    def _tooltip_key(button: QAbstractButton | None, key: str) -> None:
        if button is not None and f"({SHORTCUTS[key]})" not in button.toolTip():
            button.setToolTip(f"{button.toolTip() or button.text()} ({SHORTCUTS[key]})")

    def _on_ack_shortcut(self) -> None:
        bring_forward(self.alarms_dock)
        self.alarm_table.acknowledge_selected()

    # --- screen, layout, profile ---------------------------------------------------------------
    @property
    def touch(self) -> bool:
        return self.touch_profile is not None and self.touch_profile.enabled

    def set_touch(self, on: bool) -> None:
        """The touch profile: 40 px targets, kinetic scrolling, number pads, layout locked."""
        if self.touch_profile is not None:
            self.touch_profile.set_enabled(on, self)
        self.window_layout.set_locked(on)
        self.alarm_table.set_filters_folded(on)
        self.alarm_banner.set_compact(on)
        self.alarm_actions.touch = on  # reason and comment dialogs bring an on-screen keyboard
        self.assistant_pane.set_touch(on)  # a tap on the question field opens that keyboard too
        self.trend.touch = on  # its range and set-name dialogs bring the number pad and keyboard
        for a, v in ((self.touch_action, on), (self.lock_action, self.window_layout.locked)):
            a.blockSignals(True)
            a.setChecked(v)
            a.blockSignals(False)
        self.setProperty("touch", "true" if on else "false")
        if self.isVisible():
            QTimer.singleShot(0, self, self.window_layout.size_docks)

    def set_night(self, on: bool) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            switch_theme(app, "night" if on else "day", self)
        if self.touch_profile is not None:
            self.touch_profile.refresh(self)
        self.night_action.blockSignals(True)
        self.night_action.setChecked(on)
        self.night_action.blockSignals(False)

    def set_fullscreen(self, on: bool) -> None:
        if self.kiosk and not on:
            self.statusBar().showMessage("Kiosk mode: the window stays full screen", 8000)
            on = True
        if on and not self.isFullScreen():
            self.showFullScreen()
        elif not on and self.isFullScreen():
            self.showNormal()
            self.window_layout.fit()
        self.fullscreen_action.blockSignals(True)
        self.fullscreen_action.setChecked(on)
        self.fullscreen_action.blockSignals(False)

    def _start_fullscreen(self) -> None:
        self.set_fullscreen(True)

    def reset_layout(self) -> None:
        self.window_layout.reset()

    def arrange_docks(self) -> None:
        self.window_layout.arrange()

    def show_trend(self) -> None:
        bring_forward(self.trend_dock)

    def alarms_standing(self) -> bool:
        return bool(self.alarm_store.records)

    def active_alarm_count(self) -> int:
        return self.alarm_store.counts().total_active

    def _on_alarms_changed_layout(self, _records: list) -> None:
        self.window_layout.on_alarms_changed()

    def _show_tag_alarms(self, _records: list | None = None) -> None:
        """Value badges on the faceplates and in the tag table: the alarm store's standing alarms
        (one source with the list and the banner), never the value against its limits."""
        badges = badges_from_records(self.alarm_store.records.values())
        self.overview.set_tag_alarms(badges)
        self.tag_table.model.set_tag_alarms(badges)

    def alarm_rows_height(self, rows: int) -> int:
        """The alarm dock height that shows `rows` rows (its chrome measured when laid out)."""
        view = self.alarm_table.view
        row_h = view.verticalHeader().defaultSectionSize()
        if view.isVisible() and self.alarms_dock.height() > 0:
            # The rows' room includes what a selected row's details take from it for the while.
            rows_room = view.viewport().height() + self.alarm_table.list_area.foot_height()
            chrome = self.alarms_dock.height() - rows_room
        else:
            chrome = self.alarm_table.sizeHint().height() - view.sizeHint().height() + 2 * row_h + 30
        return chrome + rows * row_h + 6  # a few pixels to spare: the 8th row whole, not 7.95

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.StatusTip and isinstance(e, QStatusTipEvent):
            # QMainWindow would call QStatusBar's own showMessage, which paints over the cells.
            self.statusBar().showMessage(e.tip())
            return True
        return super().event(e)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._docks_sized:
            self._docks_sized = True
            if not self.window_layout.restore():
                self.window_layout.arrange()
            QTimer.singleShot(0, self, self.window_layout.front)
            # Once shown the frame (title bar, borders) is known: the whole frame goes on the screen.
            QTimer.singleShot(0, self, self.window_layout.fit)
            self.window_layout.watch_screen()
            if self.kiosk or self._fullscreen_wanted:
                QTimer.singleShot(0, self, self._start_fullscreen)
            # Once laid out, check the alarm list's room against the measured chrome.
            QTimer.singleShot(0, self, self.window_layout.size_docks)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # Three alarm rows in the banner on a control-room screen, two on a line-side one; each
        # keeps its room from the start (widgets.alarm_banner: nothing moves when alarms come).
        self.alarm_banner.set_rows(MAX_ROWS if self.height() >= COMPACT_MAX_HEIGHT else MAX_ROWS - 1)
        narrow = self.width() < NARROW_WIDTH
        if narrow != self._narrow:
            # 1024 px: the connection detail goes (its tooltip stays), the alarm list keeps its message.
            self._narrow = narrow
            self.connection_indicator.detail_label.setVisible(not narrow)
            self.alarm_table.set_narrow(narrow)
            self.alarm_banner.set_narrow(narrow)
        if self.isVisible() and not self.isFullScreen():
            self.window_layout.fit()
        if self._docks_sized:
            self.window_layout.follow_size()

    def _production_docks(self) -> list[QDockWidget]:
        return [self.production.dock] if self.production is not None else []

    # --- user ----------------------------------------------------------------------------------
    @property
    def current_user(self) -> str:
        return self._user

    def set_user(self, user: User | str | None) -> None:
        """A logged-in User (acts with their role), or a name / None: view only."""
        self.trend.user = user.name if isinstance(user, User) else (user or "")
        if isinstance(user, User):
            self.user = user
            self._user = user.name
            self.user_label.setText(
                f"User  {user.display_name or user.name} · {user.role.label}",
                f"{user.name} · {user.role.label}",
                user.role.label,
            )
            self.user_label.setToolTip(
                f"Logged in as {user.name} ({user.role.label}). Actions are checked against this role and "
                "journaled under this name."
            )
        else:
            self.user = None
            self._user = user or ""
            # Nobody logged in reads so, whatever name the station runs under (qa6 N8: "User root ·
            # view only" read as an administrator logged in; root is the PC account).
            self.user_label.setText(*NOBODY_LOGGED_IN)
            self.user_label.setToolTip(nobody_tooltip(self._user, is_pc_account=self._user == default_user()))
        self.user_status.setText(self.user_label.text())
        self.login_button.setText("Switch user" if self.user else "Log in")
        self.logout_button.setVisible(self.user is not None)
        self.alarm_banner.set_user(self.user)
        self.alarm_table.set_user(self.user)
        self.alarm_actions.set_user(self.user)
        self.cert_button.set_user(self.user)
        self.overview.set_user(self.user)
        self.overview.scroll_to_top()  # another user: the line's state first
        if self.production is not None:
            self.production.set_user(self.user)
        for dlg in self._dialogs.values():
            dlg.set_actor(self._user, self._actor())

    def _actor(self) -> User:
        """Who setpoint writes are sent as: the logged-in user, else a viewer (the runtime refuses)."""
        return self.user if self.user is not None else User(self._user or "nobody", Role.VIEWER)

    def open_login_dialog(self) -> LoginDialog:
        """Log in, or switch user (the previous user is logged out once the new one is in)."""
        if self.login_dialog is not None and self.login_dialog.isVisible():
            self.login_dialog.raise_()
            self.login_dialog.activateWindow()
            return self.login_dialog
        dlg = LoginDialog(self.runtime, self.user, self, touch=self.touch)
        dlg.logged_in.connect(self._on_logged_in)
        dlg.finished.connect(self._on_login_finished)
        self.login_dialog = dlg
        dlg.open()
        return dlg

    def _on_login_finished(self, _result: int) -> None:
        dlg, self.login_dialog = self.login_dialog, None
        if dlg is not None and not self._shut_down:  # see _on_dialog_finished
            dlg.deleteLater()

    def _on_logged_in(self, user: User) -> None:
        previous = self.user
        if previous is not None and previous.name != user.name:
            self._logout_runtime(previous)
        self.set_user(user)
        self.statusBar().showMessage(f"Logged in as {user.name} ({user.role.label})", 8000)

    def log_out(self) -> None:
        if self.user is not None:
            self._logout_runtime(self.user)
            self.statusBar().showMessage(f"{self.user.name} logged out: view only", 8000)
        self.set_user(None)

    def _logout_runtime(self, user: User) -> None:
        try:
            self.runtime.logout(user)  # audited on the runtime's worker; nothing to wait for
        except Exception:
            log.exception("log-out of %s failed", user.name)

    # --- alarms --------------------------------------------------------------------------------
    def _build_alarm_model(self, audible: bool) -> None:
        self.alarm_store = AlarmStore(parent=self)
        engine = self.runtime.alarms
        if engine is not None:
            try:
                # Once, at start; afterwards only the changed records from the bridge.
                self.alarm_store.seed(engine.records(include_normal=True))
            except Exception:
                log.exception("could not read the alarm states at start")
        self.blink = BlinkClock(parent=self)
        self.alarm_banner = AlarmBanner(self.alarm_store, self.blink, self.config)
        self.annunciator = Annunciator(self.alarm_store, enabled=audible, parent=self)
        self.alarm_actions = AlarmActionController(self.runtime, self.alarm_store, self.config, self, self)

    def _build_alarm_docks(self) -> None:
        self.alarm_table = AlarmTable(self.alarm_store, self.blink, self.config, self.live)
        self.alarms_dock = self._dock(
            "Alarms", "alarmsDock", self.alarm_table, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.tabifyDockWidget(self.tags_dock, self.alarms_dock)
        self.kpi_view = KpiView(self.runtime.journal)
        self.kpi_dock = self._dock(
            "Alarm KPIs", "kpiDock", self.kpi_view, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.tabifyDockWidget(self.tags_dock, self.kpi_dock)
        self.kpi_dock.hide()
        self.kpi_dock.visibilityChanged.connect(self._on_kpi_visibility)
        self.alarm_store.changed.connect(self.kpi_view.note_alarm_change)
        self.alarm_store.reset.connect(self.kpi_view.note_alarm_change)

        t, b, a = self.alarm_table, self.alarm_banner, self.alarm_actions
        states = self.runtime.alarms
        if states is not None:  # a disabled reason names the limit in force (run-time changes too)
            t.set_definitions(lambda: states.definitions)
        t.action_requested.connect(a.request)
        t.trend_requested.connect(self.trend_requested)
        b.acknowledge_requested.connect(a.acknowledge)
        b.alarm_clicked.connect(self.show_alarm)
        b.priority_clicked.connect(self._on_priority_clicked)
        b.alarm_list_requested.connect(self.show_alarm_list)
        b.silence_requested.connect(self.annunciator.silence)
        a.outcome.connect(self._on_alarm_outcome)
        self.annunciator.state_changed.connect(self._on_sound_state)
        self._on_sound_state()

    def show_alarm_list(self) -> None:
        bring_forward(self.alarms_dock)

    def _in_dialog(self) -> bool:
        """The user is busy in a dialog or a menu: an alarm must not pull the screen from under them."""
        app = QApplication.instance()
        if not isinstance(app, QApplication):
            return False
        return (
            app.activeModalWidget() is not None
            or app.activePopupWidget() is not None
            or isinstance(app.activeWindow(), QDialog)
        )

    def _on_new_alarms(self, records: list) -> None:
        """A new alarm of a configured priority (default urgent, high) or a machine trip brings the
        alarm list forward ([display] raise_alarm_list, raise_alarm_list_on_trip)."""
        display = self.config.display
        new = [r for r in records if display.raises_alarm_list(int(r.priority), r.trip)]
        if not new or self._in_dialog():
            return
        self.show_alarm_list()
        t = self.alarm_table
        t.set_view(AlarmView.ACTIVE)
        if any(t.model.row_of(r.id) < 0 for r in new):
            t.clear_filters()  # a tile filter must never hide the alarm that just came in
        first = min((r.activated_at for r in new if r.activated_at), default=None)
        self._alarm_list_check = (", ".join(r.id for r in new), first, time.monotonic())
        self._check_alarm_list_in_view()

    def _assistant_in_view(self, shown: bool) -> None:
        """The Assistant's tab came forward or went behind (a method, not a closure: no reference
        cycle through the window, see test_closed_window_is_freed_at_once_not_by_the_cyclic_gc)."""
        if shown:
            self.assistant_pane.keyboard.pane_shown()
        else:
            self.assistant_pane.keyboard.pane_hidden()
            self.assistant_pane.close_reader()  # it lay over the alarm list brought forward

    def _drop_focus_left_behind(self, visible: bool) -> None:
        """A dock went behind another tab (the alarm list brought forward, say). Qt keeps a tabbed
        dock "visible" off screen and its field keeps the keyboard focus: typed questions went
        into a field nobody could see (qa5 F16). Typing goes nowhere instead, until the user taps
        a field."""
        dock = self.sender()
        if visible or self._shut_down or not isinstance(dock, QDockWidget):
            return
        focus = QApplication.focusWidget()
        if focus is not None and dock.isAncestorOf(focus):
            focus.clearFocus()

    def alarm_list_not_seen(self) -> str | None:
        """Why the user does not see the alarm list now (None: they do: its tab in front, its
        header and at least one row in view, nothing over it)."""
        view = self.alarm_table.view
        need = view.horizontalHeader().height() + view.verticalHeader().defaultSectionSize()
        return why_not_seen(self, self.alarms_dock, view, need)

    def _check_alarm_list_in_view(self) -> None:
        """After bringing the list forward: log it once it is verifiably in view (the line-side
        figure, docs/line_side.md), repair what a raise alone does not (a tab left in front, a
        collapsed dock area, the list scrolled out of its pane), and say so when it stays hidden."""
        pending = self._alarm_list_check
        if pending is None or self._shut_down:
            return
        ids, first, started = pending
        why = self.alarm_list_not_seen()
        if why is None:
            self._alarm_list_check = None
            if first is not None:
                log.info(
                    "alarm list brought forward for %s, %.0f ms after the alarm",
                    ids,
                    (time.time() - first) * 1000,
                )
            return
        if self._in_dialog():
            self._alarm_list_check = None  # the user went into a dialog meanwhile: theirs to finish
            log.info("alarm list for %s not brought forward: a dialog is open", ids)
            return
        if time.monotonic() - started > ALARM_LIST_CHECK_S:
            self._alarm_list_check = None
            log.warning("alarm list NOT in view for %s although it was brought forward: %s", ids, why)
            return
        bring_forward(self.alarms_dock)
        show_tab(self, self.alarms_dock)
        view = self.alarm_table.view
        need = view.horizontalHeader().height() + view.verticalHeader().defaultSectionSize()
        if self.alarms_dock.height() < self.alarm_rows_height(1):
            self.window_layout.size_docks()  # the dock area was dragged down to a sliver
        area = self.alarms_dock.widget()
        inner = area.widget() if isinstance(area, QScrollArea) else None
        if isinstance(area, QScrollArea) and inner is not None:
            top = view.mapTo(inner, QPoint(0, 0))  # the list's header and first row in view
            area.ensureVisible(top.x(), top.y() + need // 2, 0, need // 2 + 1)
        QTimer.singleShot(ALARM_LIST_CHECK_EVERY_MS, self, self._check_alarm_list_in_view)

    def show_alarm(self, alarm_id: str) -> None:
        self.show_alarm_list()
        self.alarm_table.show_alarm(alarm_id)

    def show_kpis(self) -> None:
        self.kpi_dock.show()
        self.kpi_dock.raise_()

    def _on_priority_clicked(self, priority: int) -> None:
        self.show_alarm_list()
        t = self.alarm_table
        t.set_view(AlarmView.ACTIVE)
        for p, button in t.priority_buttons.items():
            button.setChecked(p == priority)

    def _on_alarm_outcome(self, text: str, kind: str) -> None:
        self.alarm_table.show_outcome(text, kind)
        self.statusBar().showMessage(text, 0 if kind == "pending" else 10000)

    def _on_sound_state(self) -> None:
        a = self.annunciator
        self.alarm_banner.set_sound(
            enabled=a.enabled, sounding=a.sounding, silenced=a.silenced and a.has_sound
        )

    def _on_kpi_visibility(self, visible: bool) -> None:
        if visible:  # figures older than the last alarm change are computed again (qa9 Q9-5)
            self.kpi_view.refresh_if_stale()

    def _load_alarm_history(self) -> None:
        """The alarm History view starts with the journal's recent transitions, read off the GUI thread."""
        journal = self.runtime.journal
        if journal is None:
            return
        task = run_in_background(
            load_history, journal, time.time() - ALARM_HISTORY_S, name="linehmi-alarm-history", parent=self
        )
        task.returned.connect(self.alarm_store.merge_history)
        task.errored.connect(self._on_history_failed)

    def _on_history_failed(self, exc: BaseException) -> None:
        log.error("could not read the alarm history from the journal: %s", exc, exc_info=exc)

    # --- setpoints -----------------------------------------------------------------------------
    def open_setpoint_dialog(self, machine_id: str, tag: str | None = None) -> SetpointDialog | None:
        """Non-modal, one per machine: the window keeps updating while it is open."""
        existing = self._dialogs.get(machine_id)
        if existing is not None and existing.isVisible():
            existing.raise_()
            existing.activateWindow()
            return existing
        machine = next((m for m in self.config.machines if m.id == machine_id), None)
        tags = [t for t in self.config.machine_tags(machine_id) if t.writable]
        if machine is None or not tags:
            return None
        dlg = SetpointDialog(
            self.runtime,
            self.live,
            tags,
            self._user,
            initial=tag or machine.setpoint_tag or None,
            title=f"Setpoint — {machine.name}",
            parent=self,
            actor=self._actor(),
            number_pad=self.touch,
        )
        dlg.finished.connect(lambda _r, mid=machine_id: self._on_dialog_finished(mid))
        self._dialogs[machine_id] = dlg
        dlg.show()
        return dlg

    def _on_dialog_finished(self, machine_id: str) -> None:
        self.overview.scroll_to_top()  # the setpoint written: the machines' states again (Q11-6)
        dlg = self._dialogs.pop(machine_id, None)
        # At shutdown the window deletes its child dialogs itself; a deleteLater queued here as
        # well crashed PySide6 6.11 ("shared QObject was deleted directly").
        if dlg is not None and not self._shut_down:
            dlg.deleteLater()

    # --- bridge slots ------------------------------------------------------------------------
    def _on_samples_applied(self, changed: np.ndarray) -> None:
        self.overview.refresh(self.live)
        if self.production is not None:  # the strip follows the faceplates' states, same update
            self.production.follow_states(self.live, changed)
        self.tag_table.on_samples_applied(changed)
        self.alarm_table.on_samples_applied(changed)  # Value now in the same frame as the faceplates

    def _on_state_changed(self, state: ConnectionState, detail: str) -> None:
        stale = state != ConnectionState.CONNECTED
        # The runtime's instant of the outage, never this window's own clock when it heard of it
        # (qa9 Q9-27: the badge, the strip and the top bar's detail named three times): the badge
        # counts from it, and every plant value says "last known at" it.
        lost_at = self.bridge.link_lost_at if stale else None
        self.connection_indicator.set_state(state, detail, since=lost_at)
        self.connection_status.setText(f"Link {state.value}")
        self.connection_status.setToolTip(detail or f"OPC UA session: {state.value}")
        changed = lost_at != self._link_lost_at
        self._link_lost_at = lost_at
        if stale != self._stale or changed or lost_at is not None:
            self._stale = stale
            self._show_last_known(self._link_lost_at)

    def _mark_not_plant_values(self, bar_of_top: QWidget | None) -> None:
        """What stays true while the link is lost, so it need not say "last known"
        (widgets.last_known checks every other number on screen)."""
        why = {
            bar_of_top: "line name, clock and the link's own state",
            self.alarm_banner: "alarms of this HMI's engine, each with the time it changed",
            self.alarm_table: "alarms of this HMI's engine, each with its times",
            self.kpi_view: "alarm KPIs from the journal over a stated window",
            self.trend: "what was recorded, at its times; the outage is drawn as a gap",
            self.events: "journal events, each with its time",
            self.assistant_pane: "answers, each from the journal at the time asked",
            self.statusBar(): "this HMI's own figures (journal, link, updates)",
        }
        for w, text in why.items():
            if w is not None:
                mark_not_plant_value(w, text)

    def _show_last_known(self, since: float | None) -> None:
        """Every plant value on screen says it is the last known at `since` (None: current again).
        The link's own state tag stays current: it is computed here. (widgets.last_known)"""
        link = self.config.tag_index().get(self.config.server.link_tag, -1)
        self.overview.set_stale(self._stale, since)
        self.tag_table.model.set_stale(self._stale, since, [link] if link >= 0 else [])
        for readout in self.advisories.values():
            readout.set_last_known(since)
        if self.production is not None:
            self.production.set_last_known(since)
        if self.qc_pane is not None:
            self.qc_pane.set_last_known(since)

    def _on_events_arrived(self, events: list[JournalEvent]) -> None:
        self.events.add_events(events)
        self.cert_button.on_events(events)

    def _on_problems_found(self, problems: list[TagProblem]) -> None:
        self.tag_table.model.set_problems((p.tag, p.status, p.message) for p in problems)
        self._update_tags_status()

    def _on_batches_dropped(self, _n: int) -> None:
        self._update_drops()

    # --- once a second -------------------------------------------------------------------------
    def _on_second(self) -> None:
        self.clock_label.setText(time.strftime("%H:%M:%S"))
        self.clock_label.setToolTip(time.strftime("%A %Y-%m-%d"))
        self.overview.refresh(self.live)  # a value past its expected refresh turns stale (LiveValues.stale)
        self.overview.tick()
        self.tag_table.tick()
        self.alarm_table.refresh_values()
        st = self.bridge.stats
        now = time.monotonic()
        t_prev, n_prev = self._rate_mark
        rate = (st.samples - n_prev) / max(1e-3, now - t_prev)
        self._rate_mark = (now, st.samples)
        self.rate_status.setText(f"Updates {rate:,.0f}/s")
        self.bridge_status.setText(f"GUI update {st.mean_tick_ms:.1f} ms avg · {st.max_tick_ms:.0f} ms max")
        self.bridge_status.setToolTip(
            f"Bridge tick every {self.bridge._timer.interval()} ms: runtime.poll() + apply "
            f"{st.mean_core_ms:.2f} ms avg / {st.max_core_ms:.1f} ms max; with widget updates "
            f"{st.mean_tick_ms:.2f} ms avg / {st.max_tick_ms:.1f} ms max over {st.ticks:,} ticks"
        )
        self._update_tags_status()
        self._update_drops()
        self._update_journal()
        self._update_plant()
        self._update_advisories()
        if self.production is not None:
            self.production.refresh(self.live)
        self._follow_trend_shown()

    def _follow_trend_shown(self) -> None:
        """The live chart draws only while the user can see it (its tab in front, the window up):
        told at once when its tab changes (visibilityChanged), and checked each second for what has
        no signal (the window minimised or restored, a dock layout restored)."""
        self.trend.set_shown(in_front(self, self.trend_dock))

    def _build_advisory_readouts(self) -> None:
        """Fault-model risk and predicted life under each faceplate (advisories, not alarms)."""
        self.advisories: dict[str, AdvisoryReadout] = {}
        if self.runtime.fault is None:
            return
        for machine_id, fp in self.overview.faceplates.items():
            readout = AdvisoryReadout(machine_id)
            fp.add_advisory(readout)
            self.advisories[machine_id] = readout

    def _update_advisories(self) -> None:
        fault = self.runtime.fault
        if fault is None:
            return
        status = fault.status()
        for machine_id, readout in self.advisories.items():
            readout.set_risk(status.get(machine_id))
        off = "" if fault.available else f"⚠ Fault prediction is off: {fault.problem}. Everything else runs."
        if self.parts_off_label.text() != off:
            self.parts_off_label.setText(off)
            self.parts_off_label.setVisible(bool(off))
        self.model_status.setText(fault.label)
        self.model_status.setToolTip(
            "Fault prediction model (advisories only: they never raise ISA-18.2 alarms)"
            if fault.available
            else fault.problem
        )

    def _update_tags_status(self) -> None:
        n_bad_cfg = len(self.tag_table.model.problems)
        text = f"Tags {len(self.live):,}"
        if n_bad_cfg:
            text += f" · {n_bad_cfg} refused by server"
        self.tags_status.setText(text)

    def _update_drops(self) -> None:
        n = self.bridge.stats.dropped_batches
        self.drops_status.setText(f"Coalesced batches {n:,}")
        self.drops_status.setToolTip(
            "Batches the runtime merged because the screen fell behind (no data lost)"
        )
        abnormal = "false"  # coalescing is normal under bursts; poll errors are not
        if self.bridge.stats.poll_errors:
            self.drops_status.setText(
                f"Coalesced batches {n:,} · poll errors {self.bridge.stats.poll_errors:,}"
            )
            abnormal = "true"
        if self.drops_status.property("abnormal") != abnormal:
            self.drops_status.setProperty("abnormal", abnormal)
            self.drops_status.style().unpolish(self.drops_status)
            self.drops_status.style().polish(self.drops_status)

    def _update_journal(self) -> None:
        # Shown when the runtime writes a journal file (an in-memory one has no stats).
        journal = self.runtime.journal
        stats = journal.stats if journal is not None else None
        if stats is None:
            self.journal_status.setText("Journal  —")
            return
        text = f"Journal  {stats.path.name} · {stats.samples_committed:,} samples"
        text += f" · {stats.events_committed:,} events"
        # Queue depth, oldest uncommitted age, disk free, stall: the same line as the headless log.
        health = self.runtime.journal_health
        abnormal = "false"
        if health is not None:
            text += f" · {health.line()}"
            abnormal = "true" if health.abnormal else "false"
        elif stats.samples_dropped:
            text += f" · {stats.samples_dropped:,} samples dropped"
        if stats.last_error:
            text += f" · last error: {stats.last_error}"
        self.journal_status.setText(text)
        self.journal_status.setToolTip(str(stats.path))
        if self.journal_status.property("abnormal") != abnormal:
            self.journal_status.setProperty("abnormal", abnormal)
            self.journal_status.style().unpolish(self.journal_status)
            self.journal_status.style().polish(self.journal_status)

    def _update_plant(self) -> None:
        link = self.runtime.plant_link
        if link is None:
            return
        st = link.status()
        self.plant_status.setText(st.text())
        self.plant_status.setToolTip(st.problem or "PostgreSQL plant historian (docs/plant.md)")
        abnormal = "true" if st.abnormal else "false"
        if self.plant_status.property("abnormal") != abnormal:
            self.plant_status.setProperty("abnormal", abnormal)
            self.plant_status.style().unpolish(self.plant_status)
            self.plant_status.style().polish(self.plant_status)

    # --- lifecycle ----------------------------------------------------------------------------
    @property
    def stale(self) -> bool:
        return self._stale

    @property
    def link_lost_at(self) -> float | None:
        """When the link to the server went (None while connected or before the first connection)."""
        return self._link_lost_at

    def shutdown(self) -> None:
        """Stop polling and timers (idempotent). The caller owns runtime.stop()."""
        if self._shut_down:
            return
        self._shut_down = True
        self.bridge.stop()
        self.trend.shutdown()
        self.assistant_pane.shutdown()
        if self.qc_pane is not None:
            self.qc_pane.shutdown()
        self._second.stop()
        self.blink.stop()
        self.annunciator.stop()
        self.alarm_actions.shutdown()
        if self.production is not None:
            self.production.shutdown()
        for dlg in list(self._dialogs.values()):
            dlg.close()

    def allow_close(self) -> None:
        self._close_allowed = True

    def may_close(self) -> bool:
        """Kiosk: only a supervisor (or higher) closes the HMI; otherwise anyone may."""
        return (
            not self.kiosk
            or self._close_allowed
            or (self.user is not None and self.user.role >= Role.SUPERVISOR)
        )

    def closeEvent(self, event) -> None:
        if not self._shut_down and not self.may_close():
            event.ignore()
            self.statusBar().showMessage(
                "Kiosk mode: closing LineHMI needs a supervisor. Log in as supervisor, then close.", 10000
            )
            return
        if not self._shut_down:
            try:
                self.window_layout.save()
            except Exception:  # a settings folder that cannot be written must not block closing
                log.exception("could not save the window layout")
        self.shutdown()
        super().closeEvent(event)
