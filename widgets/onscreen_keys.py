"""What a tap on an on-screen key does to a line edit: the number pad's and the text keyboard's
common part (widgets.number_pad, widgets.text_keyboard). It acts like the key would: the edit's
validator, max length and textChanged handlers see the same thing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QSizePolicy

BACKSPACE = "⌫"
CLEAR = "C"


def type_into(edit: QLineEdit | None, key: str) -> None:
    """Backspace, clear, or insert `key`'s text; nothing on a missing, disabled or read-only edit."""
    if edit is None or not edit.isEnabled() or edit.isReadOnly():
        return
    if key == BACKSPACE:
        edit.backspace()
    elif key == CLEAR:
        edit.clear()
    else:
        edit.insert(key)


def key_button(text: str, name: str, size_px: int, tip: str = "", *, grow_tall: bool = True) -> QPushButton:
    """A key: never takes the focus (the edit keeps the cursor), never a default button."""
    b = QPushButton(text)
    b.setObjectName(name)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    b.setAutoDefault(False)
    b.setMinimumSize(size_px, size_px)
    tall = QSizePolicy.Policy.Expanding if grow_tall else QSizePolicy.Policy.Fixed
    b.setSizePolicy(QSizePolicy.Policy.Expanding, tall)
    if tip:
        b.setToolTip(tip)
    return b
