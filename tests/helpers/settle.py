"""Let a window's layout settle before its geometry is measured: no time-based wait.

A fixed wait (60 ms) was too short for a loaded machine: the walker measured toolbar buttons at
40 px before the layout had given them their room (issue 10). Settling here means processing
posted events (layout requests, deferred `singleShot(0)` calls) until no widget of the given
windows moves or resizes between two rounds. A main window's dock animations move docks on an
animation timer, so geometry between two rounds can look still mid-animation: settling turns
them off for the windows it settles (the final layout is the same, reached at once).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget
from shiboken6 import isValid

MAX_ROUNDS = 200  # a layout that still moves after this many rounds oscillates: a defect to report


def _geometry(roots: tuple[QWidget, ...]) -> list[tuple]:
    out: list[tuple] = []
    for root in roots:
        if not isValid(root):
            continue  # a window that deletes itself on close (the tag browser), gone in a round
        for w in (root, *root.findChildren(QWidget)):
            out.append((id(w), w.isVisible(), w.geometry().getRect()))
    return out


def settle(*roots: QWidget) -> int:
    """Process events until the geometry of every widget under `roots` (default: every top-level
    window) is the same two rounds running; the number of rounds it took."""
    windows = roots or tuple(QApplication.topLevelWidgets())
    for root in windows:
        for win in (root, *root.findChildren(QMainWindow)):
            if isinstance(win, QMainWindow) and win.isAnimated():
                win.setAnimated(False)
    before = _geometry(windows)
    for n in range(1, MAX_ROUNDS + 1):
        QApplication.processEvents()
        # What the round's events posted (a timer's new text asks for a layout) is handled before
        # the geometry is read: a pending layout request with the old geometry is not "settled".
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        QCoreApplication.sendPostedEvents()
        now = _geometry(windows)
        if now == before:
            return n
        before = now
    raise AssertionError(
        f"the layout of {[w.objectName() or type(w).__name__ for w in windows]} did not settle"
    )
