"""Production in the main window: the line status strip, the Production dock, the stop dialogs.

`ProductionPanel.attach(window)` adds them when the runtime has production
figures (`LineServices.production`, None without a `[production]` table), so
the main window wires production in a few lines: attach, `refresh(live)` once a
second and `follow_states(live, changed)` in the slot that repaints the
faceplates, `set_user()` on log-in. Figures come from the runtime's tracker (its
own thread); this only reads the latest analysis and status. The strip's line
state, holder and claim are made from the same live values as the faceplates,
in the same update (hmi.core.production.line_now): they never disagree.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QWidget

from hmi.core.live_values import LiveValues
from hmi.core.production.line_now import live_status
from hmi.core.production.oee import LineStatus
from hmi.core.production.stops import Stop
from hmi.core.users import User
from hmi.ui.in_view import in_front
from hmi.ui.production_dialogs import TITLES, StopEditDialog
from hmi.ui.services import ProductionFigures
from widgets.production_strip import LineStatusStrip
from widgets.production_view import ProductionView

if TYPE_CHECKING:
    from hmi.ui.main_window import MainWindow


class ProductionPanel:
    def __init__(self, window: MainWindow, figures: ProductionFigures) -> None:
        self.window = window
        self.figures = figures
        self.strip = LineStatusStrip()
        top = window.menuWidget()
        layout = top.layout() if top is not None else None
        if layout is not None:  # under the top bar, above the alarm banner
            layout.insertWidget(1, self.strip)  # type: ignore[attr-defined]
        self.view = ProductionView(figures.setup.calendar.to_local)
        self.view.edit_requested.connect(self.open_dialog)
        # The main window puts every dock's pane in a scroll area (hmi.ui.window_layout.scrollable):
        # the dock never makes the window taller or wider than a 1280x800 screen.
        self.dock: QDockWidget = window._dock(
            "Production", "productionDock", self.view, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        # A tab next to the trend at once: a dock split beside the others would widen the window
        # before the first layout (arrange_docks) tabifies it.
        window.tabifyDockWidget(window.trend_dock, self.dock)
        # Brought up to date the moment its tab comes to the front (refresh skips it while behind).
        self.dock.visibilityChanged.connect(self._on_dock_visibility)
        self.dialog: StopEditDialog | None = None
        setup = figures.setup
        tags = [t for m in setup.machines for t in (m.state_tag, m.fault_tag) if t]
        index = window.live.index
        self._shown: tuple[LineStatus | None, str] | None = None
        self._state_tags = np.array(sorted(index[t] for t in tags if t in index), dtype=np.int64)

    @classmethod
    def attach(cls, window: MainWindow) -> ProductionPanel | None:
        figures = window.runtime.production
        return cls(window, figures) if figures is not None else None

    def set_last_known(self, since: float | None) -> None:
        """The link went at `since` (None: back): the strip's and the view's figures say so."""
        self.strip.set_last_known(since)
        self.view.set_last_known(since)
        self._shown = None  # the badge said (or no longer says) LINK LOST: repaint the next status

    def refresh(self, live: LiveValues) -> None:
        self.show_strip(live)
        # Only while its tab is in front: rebuilding the tables every second behind the Alarms tab took
        # 275 ms of each second of the GUI thread at 1280 touch (py-spy, bench/gui_thread_load.py).
        if in_front(self.window, self.dock):
            self._show_analysis()

    def _on_dock_visibility(self, visible: bool) -> None:
        if visible:
            self._show_analysis()

    def _show_analysis(self) -> None:
        self.view.set_analysis(self.figures.analysis(), self.figures.problem)

    def follow_states(self, live: LiveValues, changed: np.ndarray) -> None:
        """Called in the slot that repaints the faceplates: when a machine's state or fault code
        changed, the strip says so in the same update."""
        if np.isin(changed, self._state_tags).any():
            self.show_strip(live)

    def show_strip(self, live: LiveValues) -> None:
        status = live_status(self.figures.status(), self.figures.setup, live, time.time())
        shown = (status, self.figures.problem)
        if shown != self._shown:  # a fake or a chatty server sends unchanged states: no repaint
            self._shown = shown
            self.strip.set_status(status, self.figures.problem)

    def set_user(self, user: User | None) -> None:
        self.view.set_user(user)

    def open_dialog(self, action: str, stop: Stop) -> StopEditDialog:
        if self.dialog is not None:
            self.dialog.close()
        win = self.window

        def submit(act: str, machine: str, start: float, **kw: object):  # type: ignore[no-untyped-def]
            return win.runtime.production_edit(win.user, act, machine, start, **kw)

        parent: QWidget = win
        self.dialog = StopEditDialog(
            action,
            stop,
            self.figures.setup,
            submit,
            self.figures.setup.calendar.to_local,
            parent,
            keyboard=win.touch,
        )
        self.dialog.accepted.connect(lambda: self._done(action, stop))
        self.dialog.show()
        return self.dialog

    def _done(self, action: str, stop: Stop) -> None:
        name = self.figures.setup.machine(stop.machine).name
        self.view.show_outcome(f"{TITLES[action]}: {name} stop saved and journaled", True)
        self.view.set_analysis(self.figures.analysis())

    def shutdown(self) -> None:
        if self.dialog is not None:
            self.dialog.close()
