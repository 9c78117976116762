"""Production in the main window: the line status strip, the Production dock, the stop dialogs.

`ProductionPanel.attach(window)` adds them when the runtime has production
figures (`LineServices.production`, None without a `[production]` table), so
the main window wires production in a few lines: attach, `refresh()` once a
second, `set_user()` on log-in. Figures come from the runtime's tracker (its
own thread); this only reads the latest analysis and status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QWidget

from hmi.core.production.stops import Stop
from hmi.core.users import User
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
        self.dialog: StopEditDialog | None = None

    @classmethod
    def attach(cls, window: MainWindow) -> ProductionPanel | None:
        figures = window.runtime.production
        return cls(window, figures) if figures is not None else None

    def set_last_known(self, since: float | None) -> None:
        """The link went at `since` (None: back): the strip's and the view's figures say so."""
        self.strip.set_last_known(since)
        self.view.set_last_known(since)

    def refresh(self) -> None:
        self.strip.set_status(self.figures.status(), self.figures.problem)
        if self.view.isVisible():  # a hidden view is brought up to date when shown
            self.view.set_analysis(self.figures.analysis(), self.figures.problem)

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
