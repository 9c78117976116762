"""The main window: top bar, line overview, tag table and events docks, status bar.

┌ Packaging Line 1 ─────────── [CONNECTED] for 3 min — … │ User alice │ 2025-11-23 14:03:22 ┐
│  Filler        Capper        Labeller       Conveyor      (faceplates, flow order)        │
├─ Tags (dock) ─────────────────────────────┬─ Events (dock) ──────────────────────────────┤
└ status: tags · updates/s · dropped batches · bridge cost · journal ──────────────────────┘
"""

from __future__ import annotations

import getpass
import time

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QStatusBar,
    QToolButton,
    QWidget,
)

from hmi.core.config import LineConfig
from hmi.core.events import JournalEvent
from hmi.core.live_values import LiveValues
from hmi.core.runtime_api import ConnectionState, LineRuntimeApi, TagProblem
from hmi.ui.bridge import DEFAULT_INTERVAL_MS, LiveBridge
from hmi.ui.setpoint_dialog import SetpointDialog
from widgets.connection_indicator import ConnectionIndicator
from widgets.event_list import EventList
from widgets.line_overview import LineOverview
from widgets.tag_table import TagTable

WIDE_LAYOUT_MIN_WIDTH = 1600  # below this the tags and events docks share one tabbed area


def default_user() -> str:
    """The OS user until login arrives; a name is always shown, never an empty field."""
    try:
        return getpass.getuser() or "operator"
    except Exception:
        return "operator"


def _separator() -> QFrame:
    sep = QFrame()
    sep.setObjectName("topSeparator")
    sep.setFixedWidth(1)
    return sep


class MainWindow(QMainWindow):
    def __init__(
        self,
        runtime: LineRuntimeApi,
        config: LineConfig | None = None,
        user: str | None = None,
        *,
        poll_interval_ms: int = DEFAULT_INTERVAL_MS,
        max_events: int = 500,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.config = config if config is not None else runtime.config
        self._user = user or default_user()
        self.live = LiveValues(self.config)
        self.bridge = LiveBridge(runtime, self.live, poll_interval_ms, self)
        self._stale = True  # nothing is current until the runtime says connected
        self._dialogs: dict[str, SetpointDialog] = {}
        self._rate_mark = (time.monotonic(), 0)
        self._shut_down = False
        self.setWindowTitle(f"LineHMI — {self.config.line.name}")
        self.setObjectName("mainWindow")

        self._build_top_bar()
        self.overview = LineOverview(self.config)
        self.overview.setpoint_requested.connect(self.open_setpoint_dialog)
        self.setCentralWidget(self.overview)

        self.tag_table = TagTable(self.live)
        self.events = EventList(max_events)
        self.tags_dock = self._dock(
            "Tags", "tagsDock", self.tag_table, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.events_dock = self._dock(
            "Events", "eventsDock", self.events, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        self.splitDockWidget(self.tags_dock, self.events_dock, Qt.Orientation.Horizontal)
        self._build_status_bar()
        self._build_view_menu()

        b = self.bridge
        b.samples_applied.connect(self._on_samples_applied)
        b.state_changed.connect(self._on_state_changed)
        b.events_arrived.connect(self._on_events_arrived)
        b.problems_found.connect(self._on_problems_found)
        b.batches_dropped.connect(self._on_batches_dropped)

        self._second = QTimer(self)
        self._second.setInterval(1000)
        self._second.timeout.connect(self._on_second)
        self._second.start()
        self.overview.set_stale(True)
        self.tag_table.model.set_stale(True)
        self._on_state_changed(runtime.state, "")
        self._on_second()
        self.resize(self._initial_size())
        self.bridge.start()

    # --- construction ---------------------------------------------------------------------------
    def _build_top_bar(self) -> None:
        bar = QFrame()
        bar.setObjectName("topBar")
        lay = QHBoxLayout(bar)
        lay.setContentsMargins(14, 8, 14, 8)
        lay.setSpacing(14)
        self.line_label = QLabel(self.config.line.name)
        self.line_label.setObjectName("lineName")
        self.connection_indicator = ConnectionIndicator()
        self.user_label = QLabel()
        self.user_label.setObjectName("topBarField")
        self.clock_label = QLabel()
        self.clock_label.setObjectName("clock")
        self.view_button = QToolButton()
        self.view_button.setObjectName("viewButton")
        self.view_button.setText("View ▾")
        self.view_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        lay.addWidget(self.line_label)
        lay.addSpacing(20)
        lay.addWidget(self.connection_indicator, 1)
        lay.addWidget(_separator())
        lay.addWidget(self.user_label)
        lay.addWidget(_separator())
        lay.addWidget(self.clock_label)
        lay.addWidget(self.view_button)
        self.setMenuWidget(bar)
        self.set_user(self._user)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        return dock

    def _build_status_bar(self) -> None:
        sb = QStatusBar()
        sb.setSizeGripEnabled(False)
        self.setStatusBar(sb)
        self.tags_status = QLabel()
        self.rate_status = QLabel()
        self.drops_status = QLabel()
        self.drops_status.setObjectName("dropsLabel")
        self.bridge_status = QLabel()
        self.journal_status = QLabel()
        sb.addWidget(self.journal_status, 1)
        for w in (self.tags_status, self.rate_status, self.drops_status, self.bridge_status):
            sb.addPermanentWidget(w)

    def _build_view_menu(self) -> None:
        menu = QMenu(self)
        for dock in (self.tags_dock, self.events_dock):
            menu.addAction(dock.toggleViewAction())
        menu.addSeparator()
        reset = QAction("Reset layout", self)
        reset.triggered.connect(self.reset_layout)
        menu.addAction(reset)
        self.view_button.setMenu(menu)

    def _initial_size(self) -> QSize:
        screen = self.screen()
        if screen is None:
            return QSize(1600, 1000)
        avail = screen.availableGeometry()
        return QSize(min(1800, avail.width()), min(1000, avail.height()))

    def reset_layout(self) -> None:
        for dock in (self.tags_dock, self.events_dock):
            dock.setFloating(False)
            dock.show()
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.arrange_docks()

    def _size_docks(self) -> None:
        # Faceplates keep their natural height; the tag table gets the rest, events a third of the width.
        overview_h = self.overview.widget().sizeHint().height() + 4
        free = max(int(self.height() * 0.35), self.height() - overview_h - 80)
        self.resizeDocks([self.tags_dock], [free], Qt.Orientation.Vertical)
        if not self.tabifiedDockWidgets(self.tags_dock):
            w = self.width()
            self.resizeDocks(
                [self.tags_dock, self.events_dock], [int(w * 0.64), int(w * 0.36)], Qt.Orientation.Horizontal
            )

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not getattr(self, "_docks_sized", False):
            self._docks_sized = True
            self.arrange_docks()

    def arrange_docks(self) -> None:
        """Side by side on a wide screen; tabbed on a line-side PC so the tag table keeps its columns."""
        if self.width() < WIDE_LAYOUT_MIN_WIDTH:
            self.tabifyDockWidget(self.tags_dock, self.events_dock)
            self.tags_dock.raise_()
        else:
            self.splitDockWidget(self.tags_dock, self.events_dock, Qt.Orientation.Horizontal)
        self._size_docks()

    # --- user ----------------------------------------------------------------------------------
    @property
    def current_user(self) -> str:
        return self._user

    def set_user(self, user: str) -> None:
        self._user = user
        self.user_label.setText(f"User  {user}")
        self.user_label.setToolTip("Operator actions (setpoint writes) are journaled under this name")

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
        )
        dlg.finished.connect(lambda _r, mid=machine_id: self._on_dialog_finished(mid))
        self._dialogs[machine_id] = dlg
        dlg.show()
        return dlg

    def _on_dialog_finished(self, machine_id: str) -> None:
        dlg = self._dialogs.pop(machine_id, None)
        # At shutdown the window deletes its child dialogs itself; a deleteLater queued here as
        # well crashed PySide6 6.11 ("shared QObject was deleted directly").
        if dlg is not None and not self._shut_down:
            dlg.deleteLater()

    # --- bridge slots ------------------------------------------------------------------------
    def _on_samples_applied(self, changed: np.ndarray) -> None:
        self.overview.refresh(self.live)
        self.tag_table.on_samples_applied(changed)

    def _on_state_changed(self, state: ConnectionState, detail: str) -> None:
        self.connection_indicator.set_state(state, detail)
        stale = state != ConnectionState.CONNECTED
        if stale != self._stale:
            self._stale = stale
            self.overview.set_stale(stale)
            self.tag_table.model.set_stale(stale)

    def _on_events_arrived(self, events: list[JournalEvent]) -> None:
        self.events.add_events(events)

    def _on_problems_found(self, problems: list[TagProblem]) -> None:
        self.tag_table.model.set_problems((p.tag, p.status, p.message) for p in problems)
        self._update_tags_status()

    def _on_batches_dropped(self, _n: int) -> None:
        self._update_drops()

    # --- once a second -------------------------------------------------------------------------
    def _on_second(self) -> None:
        self.clock_label.setText(time.strftime("%Y-%m-%d  %H:%M:%S"))
        self.overview.tick()
        self.tag_table.tick()
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
        # Not part of LineRuntimeApi: shown when the runtime has a journal (LineRuntime does).
        journal = getattr(self.runtime, "journal", None)
        stats = getattr(journal, "stats", None) if journal is not None else None
        if stats is None:
            self.journal_status.setText("Journal  —")
            return
        name = getattr(getattr(stats, "path", None), "name", "?")
        text = f"Journal  {name} · {getattr(stats, 'samples_committed', 0):,} samples"
        text += f" · {getattr(stats, 'events_committed', 0):,} events"
        dropped = getattr(stats, "samples_dropped", 0)
        if dropped:
            text += f" · {dropped:,} samples dropped"
        err = getattr(stats, "last_error", None)
        if err:
            text += f" · last error: {err}"
        self.journal_status.setText(text)
        self.journal_status.setToolTip(str(getattr(stats, "path", "")))

    # --- lifecycle ----------------------------------------------------------------------------
    @property
    def stale(self) -> bool:
        return self._stale

    def shutdown(self) -> None:
        """Stop polling and timers (idempotent). The caller owns runtime.stop()."""
        if self._shut_down:
            return
        self._shut_down = True
        self.bridge.stop()
        self._second.stop()
        for dlg in list(self._dialogs.values()):
            dlg.close()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)
