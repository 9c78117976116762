"""Is a pane really in front of the user, and if not, why not.

The alarm list is "brought forward" when a trip comes in (hmi.ui.main_window). Raising a dock
is a request to Qt's dock layout; what the user sees is the outcome, which can differ: the dock
still behind another tab of its group, the dock area collapsed to a sliver, the list scrolled
out of its dock's scroll area, a floating pane over it, the window minimised. The line-side log
once said "alarm list brought forward" while the Assistant tab stayed in front (qa5 F20): the
log line is now written from `why_not_seen(...) is None`, checked after Qt has laid it out.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabBar, QWidget


def _global_rect(w: QWidget) -> QRect:
    return QRect(w.mapToGlobal(QPoint(0, 0)), w.size())


def _front_tab(window: QMainWindow, dock: QDockWidget) -> str | None:
    """The title of the tab in front of `dock`'s tab group when that is not `dock` (None: it is,
    or `dock` is not tabbed)."""
    if not window.tabifiedDockWidgets(dock):
        return None
    title = dock.windowTitle()
    siblings = {d.windowTitle() for d in window.tabifiedDockWidgets(dock)}
    for bar in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
        if not bar.isVisible():
            continue
        titles = {bar.tabText(i) for i in range(bar.count())}
        if title in titles and siblings & titles:
            current = bar.tabText(bar.currentIndex())
            return None if current == title else current
    return None


def show_tab(window: QMainWindow, dock: QDockWidget) -> bool:
    """Select `dock`'s tab in the tab bar of its group directly (True: a tab was switched)."""
    title = dock.windowTitle()
    siblings = {d.windowTitle() for d in window.tabifiedDockWidgets(dock)}
    for bar in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
        titles = [bar.tabText(i) for i in range(bar.count())]
        if title in titles and siblings & set(titles):
            i = titles.index(title)
            if bar.currentIndex() != i:
                bar.setCurrentIndex(i)
                return True
    return False


def in_front(window: QMainWindow, dock: QDockWidget) -> bool:
    """Can the user see `dock` at all now: the window shown and not minimised, the dock not closed and
    its tab in front of its group. A dock behind another tab stays `isVisible()` in Qt's dock layout,
    so a pane that asked only that redrew every second for nobody (hmi.ui.production_panel)."""
    if not window.isVisible() or window.isMinimized() or dock.isHidden():
        return False
    return _front_tab(window, dock) is None


def why_not_seen(window: QMainWindow, dock: QDockWidget, widget: QWidget, min_height: int) -> str | None:
    """Why the user does not see `widget` (inside `dock`) at least `min_height` px tall now;
    None when they do: shown, its dock's tab in front, not scrolled or squeezed away, on top at
    its top band, no floating pane of the window over it, the window not minimised."""
    if not window.isVisible() or window.isMinimized():
        return "the window is minimised or not shown"
    if dock.isHidden():
        return f"the {dock.windowTitle()} pane is closed"
    front = _front_tab(window, dock)
    if front is not None:
        return f"the {front} tab is in front of it"
    if not widget.isVisible():
        return f"the {dock.windowTitle()} pane is not shown"
    # Its top band (the header and first row of a list: the alarms that matter most) in view.
    band = QRect(0, 0, widget.width(), min_height)
    seen = widget.visibleRegion().intersected(band).boundingRect()
    if seen.height() < min_height or seen.width() < min(widget.width(), 40):
        return (
            f"only {seen.width()}x{seen.height()} px of its top {min_height} px are in view "
            "(pane collapsed, squeezed or scrolled)"
        )
    top_window = widget.window()
    for point in (seen.center(), QPoint(seen.center().x(), seen.bottom() - 1)):
        hit = top_window.childAt(widget.mapTo(top_window, point))
        if hit is None or not (hit is widget or widget.isAncestorOf(hit)):
            what = type(hit).__name__ if hit is not None else "nothing"
            return f"{what} is on top of it"
    visible_global = QRect(widget.mapToGlobal(seen.topLeft()), seen.size())
    for other in window.findChildren(QDockWidget):
        covers = other.isFloating() and other.isVisible() and _global_rect(other).intersects(visible_global)
        if other is not dock and covers:
            return f"the floating {other.windowTitle()} pane covers it"
    return None
