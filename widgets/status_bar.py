"""A status bar whose messages take a cell's place instead of being drawn over it.

QStatusBar draws a temporary message (showMessage, a widget's status tip under the pointer) as text
painted over its normal widgets, which it hides first, but only those visible at that moment. A
message shown before the window was (a status tip at start, the first log-in), or a widget shown
again after it, left both drawn on top of each other: "Nobody logged in: … operator or higher" over
"Journal: line1_….db …" (qa8 Q1). Here a message is a label of its own in a stack with the cell it
replaces (`add_message_cell`): one of the two is shown, never both, and it goes back to the cell
after its timeout or `clearMessage()`. QStatusBar's own message stays empty, so Qt never paints one.
The main window sends its status tips here (QMainWindow would call QStatusBar's own showMessage).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QStackedWidget, QStatusBar, QWidget

from widgets.fit_label import FitLabel


class MessageStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = FitLabel()  # the message: elided where the bar is short, whole in its tooltip
        self.note.setObjectName("statusMessage")
        self._stack = QStackedWidget()
        self._stack.setObjectName("statusMessageCell")
        self._stack.addWidget(self.note)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clearMessage)

    def add_message_cell(self, cell: QWidget, stretch: int = 1) -> None:
        """`cell` (the journal's figures) is what a message takes the place of while it shows."""
        self._stack.insertWidget(0, cell)
        self._stack.setCurrentWidget(cell)
        self.addWidget(self._stack, stretch)

    def showMessage(self, text: str, timeout: int = 0) -> None:  # type: ignore[override]
        """`text` in the message cell for `timeout` ms (0: until the next message or clear)."""
        self._timer.stop()
        if not text:
            self.clearMessage()
            return
        self.note.setText(text)
        self._stack.setCurrentWidget(self.note)
        if timeout > 0:
            self._timer.start(timeout)
        self.messageChanged.emit(text)

    def clearMessage(self) -> None:
        self._timer.stop()
        had = self.currentMessage()
        self.note.setText("")
        if self._stack.count() > 1:
            self._stack.setCurrentIndex(0)
        if had:
            self.messageChanged.emit("")

    def currentMessage(self) -> str:
        return self.note.full_text() if self._stack.currentWidget() is self.note else ""
