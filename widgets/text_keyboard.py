"""An on-screen keyboard for a touch screen without a keyboard: reasons and comments in dialogs.

Shelving, taking out of service and acknowledging with a comment all ask for text; on a line-side PC
(touch profile) there may be no keyboard at all. Like widgets.number_pad, it types into a QLineEdit
exactly as keys would (validators, textChanged and max length apply) and never takes the focus:
it types into the line edit of its window that has the focus (or the last one that had it), so a
dialog with two fields (a limit and a reason) needs one keyboard.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QSizePolicy, QWidget

from widgets.onscreen_keys import BACKSPACE, CLEAR, OnScreenKeys, insert_text, key_button, type_into

KEY_PX = 40  # the touch target size (hmi.ui.touch.TOUCH_TARGET_PX)
SHIFT = "⇧"
SPACE = "space"
ROWS = ("1234567890", "qwertyuiop", "asdfghjkl-", "zxcvbnm,./")


class TextKeyboard(OnScreenKeys):
    entered = Signal()  # the Enter key: what Return does in the edit

    def __init__(
        self, target: QLineEdit | None = None, *, enter_tip: str = "", parent: QWidget | None = None
    ):
        super().__init__(target, parent)
        self.setObjectName("textKeyboard")
        self.shifted = False
        self.keys: dict[str, QPushButton] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        for r, row in enumerate(ROWS):
            for c, ch in enumerate(row):
                grid.addWidget(self._key(ch, ch), r, c)
        last = len(ROWS)
        grid.addWidget(self._key(SHIFT, SHIFT, "Capital letter for the next key"), last, 0, 1, 2)
        grid.addWidget(self._key(SPACE, "space"), last, 2, 1, 4)
        grid.addWidget(self._key(BACKSPACE, BACKSPACE, "Delete the last character"), last, 6)
        grid.addWidget(self._key(CLEAR, CLEAR, "Clear"), last, 7)
        # "Enter" (the dialog's own button may be long: "Take out of service"): it does what that does.
        enter = self._key("enter", "Enter", enter_tip)
        enter.setObjectName("textKeyboardEnter")
        grid.addWidget(enter, last, 8, 1, 2)
        # Room to spare (a slot shared with a taller keyboard) stays under the keys, not between them.
        grid.setRowStretch(grid.rowCount(), 1)
        self.follow_focus()

    def _key(self, key: str, text: str, tip: str = "") -> QPushButton:
        b = key_button(text, "textKeyboardKey", KEY_PX, tip)
        b.clicked.connect(lambda _c=False, k=key: self.press(k))
        self.keys[key] = b
        return b

    def press(self, key: str) -> None:
        """What a tap on `key` does (also for tests)."""
        if key == "enter":
            self.entered.emit()
            return
        if key == SHIFT:
            self.shifted = not self.shifted
            self.keys[SHIFT].setProperty("on", self.shifted)
            return
        focused = self.window().focusWidget()
        edit = self.target or (focused if isinstance(focused, QLineEdit) else None)
        if key in (BACKSPACE, CLEAR):
            type_into(edit, key)
        else:
            insert_text(edit, " " if key == SPACE else key.upper() if self.shifted else key)
            self.shifted = False
