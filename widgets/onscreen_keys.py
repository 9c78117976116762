"""What a tap on an on-screen key does to a line edit: the number pad's and the text keyboard's
common part (widgets.number_pad, widgets.text_keyboard). It acts like the key would: the edit's
validator, max length and textChanged handlers see the same thing."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QSizePolicy, QWidget

BACKSPACE = "⌫"
CLEAR = "C"


def _editable(edit: QLineEdit | None) -> bool:
    return edit is not None and edit.isEnabled() and not edit.isReadOnly()


def type_into(edit: QLineEdit | None, key: str) -> None:
    """Backspace, clear, or insert `key`'s text; nothing on a missing, disabled or read-only edit."""
    if edit is None or not _editable(edit):
        return
    if key == BACKSPACE:
        edit.backspace()
    elif key == CLEAR:
        edit.clear()
    else:
        edit.insert(key)


def insert_text(edit: QLineEdit | None, text: str) -> None:
    """Insert `text` as typed, whatever it is: a capital "C" is a letter, not the Clear key (the
    text keyboard's shifted "c" wiped the field instead of typing C)."""
    if edit is not None and _editable(edit):
        edit.insert(text)


class KeyButton(QPushButton):
    """A key of one height whatever the dialog around it does (qa7 G21: the setpoint pad's keys were
    40 px with an empty field and 44 px after the first digit, and moved 14 px: a tap aimed at "C"
    typed a "6"). Its height is fixed (`rows` keys and the spacing between them, for a key that
    spans rows); the width follows the pad's, which its dialog holds."""

    def __init__(self, text: str, size_px: int, rows: int = 1, spacing: int = 0) -> None:
        super().__init__(text)
        self.size_px = size_px
        self.setFixedHeight(rows * size_px + (rows - 1) * spacing)
        self.setMinimumWidth(size_px)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        # A style sheet's min-height (the touch profile's) sets the minimum again: the key keeps its own.
        if event.type() == QEvent.Type.StyleChange:
            self._keep_height()

    def event(self, e: QEvent) -> bool:
        done = super().event(e)
        # The first polish applies the style sheet too, with no StyleChange after it: in the app the
        # touch profile is on before a dialog is made, its min-height (40 px) became the key's
        # minimum and the layout gave the keys that, not their 56 px (offscreen tests switch the
        # profile on after the window is made, so they saw 56).
        if e.type() == QEvent.Type.Polish:
            self._keep_height()
        return done

    def _keep_height(self) -> None:
        if self.minimumHeight() != self.maximumHeight():
            self.setFixedHeight(self.maximumHeight())


def key_button(
    text: str, name: str, size_px: int, tip: str = "", *, rows: int = 1, spacing: int = 0
) -> QPushButton:
    """A key: never takes the focus (the edit keeps the cursor), never a default button."""
    b = KeyButton(text, size_px, rows, spacing)
    b.setObjectName(name)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    b.setAutoDefault(False)
    if tip:
        b.setToolTip(tip)
    return b


class OnScreenKeys(QWidget):
    """What the number pad and the text keyboard share: the line edit they type into (`target`),
    which can follow the focus among the fields of their window (a dialog with two fields needs one
    set of keys: a limit and a reason, the trend range's From and To)."""

    def __init__(self, target: QLineEdit | None, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.target = target
        self.follows_focus = False

    def follow_focus(self) -> None:
        """From now on type into the line edit of this window that has the focus."""
        self.follows_focus = True
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._follow_focus)

    def _follow_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        if isinstance(new, QLineEdit) and new.window() is self.window():
            self.target = new
