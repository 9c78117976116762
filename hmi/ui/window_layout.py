"""Where the main window's docks go, and the rule that the window always fits its screen.

- Fit: the window is never larger than the available geometry of the screen it is on
  (maximum size = that geometry; re-applied when it moves to another monitor), and nothing
  inside can push it larger: every dock's content sits in a scroll area, so a tall pane
  (QC thumbnails, a long answer) scrolls inside its dock instead of growing the window.
- Arrangement per screen size: a compact screen (line-side PC, < 1600 px wide or < 900 px
  high) keeps one full-width dock area under the overview with every pane as a tab, and the
  overview keeps just its minimum (each faceplate's summary, widgets.line_overview), calm or not,
  so nothing moves when alarms come; a wide one splits Tags | Events and keeps Assistant/Quality
  on the right, and with alarms standing the alarm list gets room for up to 8 rows.
- Saved per user and per screen size (QSettings in the settings folder), restored on start;
  "Reset layout" forgets the saved one and arranges afresh, within the screen. At start, with a
  default or a restored layout, the alarm list is the tab in front.
- Lock: no drag-to-undock or move (on by default in the touch profile).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, QRect, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QScreen
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QTabBar, QWidget

from hmi.core.user_settings import settings_dir
from widgets.whole_lines import WholeLinesScrollArea

log = logging.getLogger(__name__)

COMPACT_MAX_WIDTH = 1600  # below this the docks share one tabbed area under the overview
COMPACT_MAX_HEIGHT = 900
UPSET_ROWS = 8  # alarm rows the list has room for in an upset (8 or more alarms standing)
FEW_ALARMS_ROWS = 3  # with fewer alarms, room for them all plus one (at least this many)
LAYOUT_VERSION = 2  # bump when the dock set changes: older saved states are then ignored

_MOVABLE = (
    QDockWidget.DockWidgetFeature.DockWidgetClosable
    | QDockWidget.DockWidgetFeature.DockWidgetMovable
    | QDockWidget.DockWidgetFeature.DockWidgetFloatable
)


def is_compact(size: QSize) -> bool:
    return size.width() < COMPACT_MAX_WIDTH or size.height() < COMPACT_MAX_HEIGHT


def scrollable(widget: QWidget) -> QScrollArea:
    """`widget` in a frameless scroll area: its minimum size no longer reaches the window, and the
    area's foot never cuts a line of its text (widgets.whole_lines)."""
    area = WholeLinesScrollArea()
    area.setObjectName("dockScroll")
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setWidget(widget)
    return area


def bring_forward(dock: QDockWidget) -> None:
    """Show `dock` in front of its tab group, whatever the stacking order was.

    QDockWidget switches its tab on the ZOrderChange event of raise(), and QWidget.raise()
    sends none when the dock is already last among its siblings: that is how "Alarm list"
    did nothing on a fresh window. Lowering first makes the raise a real change."""
    dock.show()
    if dock.isFloating():
        dock.raise_()
        dock.activateWindow()
        return
    dock.lower()
    dock.raise_()


def pane_action(dock: QDockWidget, parent: QObject) -> QAction:
    """The View menu's entry for `dock`: a tap brings it in front (shown if it was closed); a tap
    on the pane already in front closes it when the dock may be closed. Qt's own toggleViewAction
    is disabled while the dock is not closable, and a locked layout (the touch profile at
    1280x800) takes that feature away: "Alarm KPIs", hidden by default, could not be opened
    line-side (qa9 Q9-13). Checked while the dock is open (in front or behind a tab)."""
    action = QAction(dock.windowTitle(), parent)
    action.setObjectName(f"viewPane_{dock.objectName()}")
    action.setCheckable(True)
    action.setChecked(not dock.isHidden())

    def sync(*_a: object) -> None:
        action.setChecked(not dock.isHidden())

    def trigger(_checked: bool = False) -> None:
        closable = bool(dock.features() & QDockWidget.DockWidgetFeature.DockWidgetClosable)
        if dock.isVisible() and closable:
            dock.hide()
        else:
            bring_forward(dock)
        sync()

    dock.visibilityChanged.connect(sync)
    action.triggered.connect(trigger)
    return action


@dataclass(frozen=True)
class DockPlan:
    """The docks the window has, in tab order, and which of them go where."""

    alarms: QDockWidget
    tags: QDockWidget
    events: QDockWidget
    trend: QDockWidget
    kpi: QDockWidget
    side: Sequence[QDockWidget]  # assistant, quality: right area when wide, tabs when compact
    more: Sequence[QDockWidget] = ()  # further tabs beside the alarm list (production)

    def bottom(self) -> list[QDockWidget]:
        return [self.alarms, self.tags, self.events, self.trend, *self.more, self.kpi]

    def all(self) -> list[QDockWidget]:
        return [*self.bottom(), *self.side]


class LaidOutWindow(Protocol):
    """What the layout asks of its window (the main window)."""

    @property
    def current_user(self) -> str: ...
    def alarms_standing(self) -> bool: ...
    def alarm_rows_height(self, rows: int) -> int: ...
    def active_alarm_count(self) -> int: ...


LOCKED_PROPERTY = "linehmiLayoutLocked"


class _TabBarLock(QObject):
    """Keeps the dock tab bars of a locked window from re-ordering. QMainWindow makes its tab bars
    movable, and makes new ones whenever docks are tabified (each layout pass): a drag on a tab
    moved the panels although the layout was locked. Holds no reference: the lock is the
    window's property, so the window, its layout and this filter form no cycle."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kinds = (QEvent.Type.ChildAdded, QEvent.Type.ChildPolished, QEvent.Type.LayoutRequest)
        if event.type() in kinds and isinstance(obj, QMainWindow):
            lock_tab_bars(obj)
        return False


def lock_tab_bars(window: QMainWindow) -> None:
    """The window's dock tab bars movable only while its layout is not locked."""
    movable = not bool(window.property(LOCKED_PROPERTY))
    for bar in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
        if bar.isMovable() != movable:
            bar.setMovable(movable)


class WindowLayout:
    def __init__(self, window: QMainWindow, plan: DockPlan) -> None:
        # A weak reference: the window owns its layout, and a cycle through it would leave a
        # closed window to the cyclic GC, which may run on another thread (see the alarm UI tests).
        self._window = weakref.ref(window)
        self.plan = plan
        self.locked = False
        self._tab_lock = _TabBarLock(window)
        window.installEventFilter(self._tab_lock)
        self._screen: QScreen | None = None
        self.settings = QSettings(str(settings_dir() / "layout.ini"), QSettings.Format.IniFormat)
        self._upset = False
        self._rows = 0  # the alarm rows the dock area was last sized for
        self.arranged_compact: bool | None = None  # the screen class the docks were last arranged for
        self._retries = 0

    @property
    def window(self) -> QMainWindow:
        w = self._window()
        assert w is not None, "the window of this layout is gone"
        return w

    def _asks(self) -> LaidOutWindow:
        return self.window  # type: ignore[return-value]

    def wanted_alarm_rows(self) -> int:
        """Room for every standing alarm and one more, up to UPSET_ROWS: one alarm does not take
        the overview away, an upset gets its 8 rows (0: calm)."""
        n = self._asks().active_alarm_count()
        return 0 if n == 0 else min(UPSET_ROWS, max(FEW_ALARMS_ROWS, n + 1))

    def _alarms_standing(self) -> bool:
        return self._asks().alarms_standing()

    def _alarm_rows_height(self, rows: int) -> int:
        return self._asks().alarm_rows_height(rows)

    # --- fit ---------------------------------------------------------------------------------
    def available(self) -> QRect:
        screen = self.window.screen()
        if screen is None:
            return QRect(0, 0, 1920, 1080)
        return screen.availableGeometry()

    def fit(self) -> None:
        """Bound the window by its screen and pull it back onto it (never larger, never off it)."""
        avail = self.available()
        w = self.window
        w.setMaximumSize(avail.size())
        if w.isFullScreen():
            return
        frame = w.frameGeometry()
        extra_w = max(0, frame.width() - w.width())
        extra_h = max(0, frame.height() - w.height())
        size = QSize(min(w.width(), avail.width() - extra_w), min(w.height(), avail.height() - extra_h))
        if size != w.size():
            w.resize(size)
        x = min(max(frame.x(), avail.x()), avail.right() + 1 - size.width() - extra_w)
        y = min(max(frame.y(), avail.y()), avail.bottom() + 1 - size.height() - extra_h)
        if (x, y) != (frame.x(), frame.y()):
            w.move(x, y)

    def initial_geometry(self) -> QRect:
        """The whole available area: the HMI is the station's only application."""
        return self.available()

    def watch_screen(self) -> None:
        """Re-fit and re-arrange when the window is moved to another monitor."""
        handle = self.window.windowHandle()
        if handle is not None and self._screen is None:
            self._screen = handle.screen()
            handle.screenChanged.connect(self._on_screen_changed)

    def _on_screen_changed(self, screen: QScreen | None) -> None:
        self._screen = screen
        if screen is None:
            return
        self.window.setMaximumSize(screen.availableGeometry().size())
        if not self.restore():
            self.window.setGeometry(screen.availableGeometry())
            self.arrange()
        self.fit()

    # --- arrangement -------------------------------------------------------------------------
    @property
    def compact(self) -> bool:
        """By the window's own size (a window made smaller than its screen is laid out for its size)."""
        return is_compact(self.window.size())

    def gone(self) -> bool:
        """The window was closed and freed (a deferred call arriving late does nothing)."""
        return self._window() is None

    def arrange(self) -> None:
        """Lay the docks out from scratch for this screen (visibility kept, KPIs hidden by default)."""
        w, p = self.window, self.plan
        self.arranged_compact = self.compact
        docks = [d for d in p.all() if not d.isFloating()]
        hidden = {d: d.isHidden() for d in docks}
        for d in docks:
            w.removeDockWidget(d)
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        right = Qt.DockWidgetArea.RightDockWidgetArea
        anchor = p.alarms
        side_docks = [d for d in p.side if d in docks]
        bottom_docks = [d for d in p.bottom() if d in docks]
        if self.compact:
            bottom_docks += side_docks
            side_docks = []
        for d in bottom_docks:
            w.addDockWidget(bottom, d)
        for d in side_docks:
            w.addDockWidget(right, d)
        if not self.compact and p.tags in bottom_docks and p.events in bottom_docks:
            # Wide: alarms, tags, trend, KPIs as tabs on the left; events beside them.
            w.splitDockWidget(p.alarms, p.events, Qt.Orientation.Horizontal)
            bottom_docks.remove(p.events)
        for d in bottom_docks:
            if d is not anchor and anchor in docks:
                w.tabifyDockWidget(anchor, d)
        for d in side_docks[1:]:
            w.tabifyDockWidget(side_docks[0], d)
        for d in docks:
            d.setVisible(not hidden[d])
        self.front()
        self.size_docks()

    def front(self) -> None:
        """The default tab in front of each group: the alarm list, calm or not.

        At start (default or restored layout, also after a crash) the alarm list is what a
        supervisor looks at first: a fresh window that opened on the Tags tab hid it behind a
        tab nobody had chosen. Called again once the window is shown: tab bars made by the
        first layout pass start on their first tab whatever was raised before."""
        if self.gone():
            return
        p = self.plan
        # Each tab once in front: a tab never shown keeps the geometry it had before the docks
        # were arranged (a pane sized for another place), and whoever reads it gets stale sizes.
        for d in p.all():
            if not d.isFloating() and not d.isHidden():
                bring_forward(d)
        if not self.compact:
            for d in p.side[:1]:
                bring_forward(d)
            bring_forward(p.events)
        bring_forward(p.alarms)

    def size_docks(self) -> None:
        """Share the height between the overview and the dock area: more for the docks in an upset."""
        if self.gone():
            return
        w, p = self.window, self.plan
        self._upset = self._alarms_standing()
        h = w.height()
        dock_h = int(h * 0.45)
        self._rows = self.wanted_alarm_rows()
        need = self._alarm_rows_height(self._rows) if self._rows else 0
        dock_h = max(dock_h, need)
        if self.compact:
            # A line-side screen: the overview keeps its minimum, the faceplates' summaries (every
            # machine's state, the values that want a look, the failure risk), calm or not, and the
            # docks take the rest. When the docks grew with the first alarms, the pane shrank under
            # the supervisor's finger (qa6 N7).
            dock_h = h
        elif not self._upset:
            dock_h = min(dock_h, int(h * 0.75))  # calm: the overview keeps at least a quarter
        bottom = [d for d in p.bottom() if not d.isFloating() and d.isVisible()]
        if bottom:
            # The size asked for is the dock area's, its tab bar included.
            w.resizeDocks(bottom[:1], [dock_h + self._tab_bar_height(bottom[0])], Qt.Orientation.Vertical)
        if need and p.alarms.isVisible() and p.alarms.height() < need and self._retries < 2:
            # The alarm list's chrome is measured once it is laid out: one more pass with the real figure.
            self._retries += 1
            QTimer.singleShot(50, self.size_docks)
        else:
            self._retries = 0
        if not self.compact:
            width = w.width()
            if p.events.isVisible() and not p.events.isFloating():
                w.resizeDocks(
                    [p.alarms, p.events], [int(width * 0.64), int(width * 0.36)], Qt.Orientation.Horizontal
                )
            side = [d for d in p.side if d.isVisible() and not d.isFloating()]
            if side:
                w.resizeDocks(side[:1], [int(width * 0.3)], Qt.Orientation.Horizontal)

    def follow_size(self) -> None:
        """The window went from wide to compact (or back): arrange the docks for the new size."""
        if self.arranged_compact is not None and self.compact != self.arranged_compact:
            self.arrange()

    def _tab_bar_height(self, dock: QDockWidget) -> int:
        """The height of the tab bar under `dock`'s tab group (0 when it is not tabbed)."""
        w = self.window
        if not w.tabifiedDockWidgets(dock):
            return 0
        top = dock.mapTo(w, QPoint(0, 0)).y()
        bars = [b for b in w.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly)]
        below = [b.height() for b in bars if b.isVisible() and b.y() >= top]
        return min(below) if below else 0

    def on_alarms_changed(self) -> None:
        """The alarm list gets room as alarms come (up to an upset's 8 rows), and gives it back
        when the line is calm again; in between the operator's own sizing stays."""
        rows = self.wanted_alarm_rows()
        if rows > self._rows or (rows == 0 and self._rows):
            QTimer.singleShot(0, self.size_docks)

    # --- lock --------------------------------------------------------------------------------
    def set_locked(self, locked: bool) -> None:
        """Locked: docks cannot be dragged off, moved or closed; their title bars go (tabs name them);
        their tabs cannot be re-ordered."""
        self.locked = locked
        self.window.setProperty(LOCKED_PROPERTY, locked)
        lock_tab_bars(self.window)
        for d in self.plan.all():
            if locked and d.isFloating():
                d.setFloating(False)
            d.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures if locked else _MOVABLE)
            # None gives the dock its own title bar back (the stubs say QWidget; Qt takes nullptr).
            d.setTitleBarWidget(QWidget() if locked else None)  # type: ignore[arg-type]

    # --- saved layouts -----------------------------------------------------------------------
    def _key(self) -> str:
        """Per user, screen size and arrangement class: a layout saved by a wide window (alarm list
        beside the events, assistant on the right) restored into a compact one squeezed the alarm
        list until it scrolled sideways ("Comment" and "Filters" cut at 1280 px); a window smaller
        than its screen is laid out for its own size (`compact`), so it keeps a layout of its own."""
        size = self.available().size()
        user = self._asks().current_user or "nobody"
        kind = "compact" if self.compact else "wide"
        return f"v{LAYOUT_VERSION}/{user}/{size.width()}x{size.height()}/{kind}"

    def save(self) -> None:
        key = self._key()
        self.settings.setValue(f"{key}/state", self.window.saveState(LAYOUT_VERSION))
        self.settings.sync()

    def restore(self) -> bool:
        """The saved dock layout of this user on this screen size; False when there is none."""
        state = self.settings.value(f"{self._key()}/state")
        if not isinstance(state, QByteArray | bytes) or not state:
            return False
        ok = bool(self.window.restoreState(QByteArray(state), LAYOUT_VERSION))
        if not ok:
            log.warning("saved window layout %s could not be restored; using the default", self._key())
        else:
            self.arranged_compact = (
                self.compact
            )  # the class it was saved for: follow_size re-arranges from it
            self.set_locked(self.locked)  # a restored state may have floated docks
        return ok

    def forget(self) -> None:
        self.settings.remove(self._key())
        self.settings.sync()

    def reset(self) -> None:
        """The default layout for this screen: saved one forgotten, floating docks back, window fitted."""
        self.forget()
        for d in self.plan.all():
            d.setFloating(False)
        p = self.plan
        for d in (p.alarms, p.tags, p.events, p.trend, *p.more, *p.side):
            d.show()
        self.plan.kpi.hide()
        if not self.window.isFullScreen():
            self.window.setGeometry(self.initial_geometry())
        self.arrange()
        self.fit()
