"""The one way a top-level window of LineHMI is closed without a window manager.

A kiosk line-side PC has no title bar and no x: a window that only a window manager can close stays
on the screen for good (qa12 Q12-6: `linehmi review` had no Close, and Ctrl+Q did nothing). Each
top-level window gets a visible Close button (a finger wide on the line-side screen) and the Ctrl+Q
key, both through one QAction that calls the window's own `close()` (so its closeEvent still rules,
e.g. the main window's kiosk rule).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QPushButton, QWidget

from hmi.ui.touch import TOUCH_TARGET_PX

QUIT_KEY = "Ctrl+Q"
CLOSE_TEXT = "Close"  # a word widgets.touch_reach.CLOSE_WORDS knows


class _CloseButton(QPushButton):
    """A push button that can be held a finger wide: in its size hints, since the style sheet's
    min-height replaces a minimum size set on the widget when it is polished."""

    finger = False

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return hint.expandedTo(QSize(TOUCH_TARGET_PX, TOUCH_TARGET_PX)) if self.finger else hint

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return hint.expandedTo(QSize(TOUCH_TARGET_PX, TOUCH_TARGET_PX)) if self.finger else hint


def close_control(window: QWidget, what: str, *, finger: bool) -> tuple[QAction, QPushButton]:
    """A Close button for `window` and its Ctrl+Q action (added to the window: the key works wherever
    the focus is in it). `what` names what closes ("the review"); `finger`: at least TOUCH_TARGET_PX
    each way (the line-side screen)."""
    tip = f"Close {what} ({QUIT_KEY})"
    action = QAction(tip, window)
    action.setShortcut(QKeySequence(QUIT_KEY))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setToolTip(tip)
    action.triggered.connect(window.close)
    window.addAction(action)
    button = _CloseButton(CLOSE_TEXT)
    button.setObjectName("closeWindowButton")
    button.setToolTip(tip)
    button.setAutoDefault(False)
    button.finger = finger
    button.clicked.connect(action.trigger)
    return action, button
