"""An on-screen number pad for a touch screen without a keyboard (setpoints, PINs).

It types into one QLineEdit (`target`), exactly as keys would: the edit's validator and
textChanged handlers see the same text, so the dialog validates a tapped value like a typed one.
The pad never takes the focus away from the edit (its buttons have no focus policy).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QSizePolicy, QWidget

from widgets.onscreen_keys import BACKSPACE, OnScreenKeys, key_button, type_into

__all__ = ["BACKSPACE", "SIGN", "NumberPad"]

PAD_KEY_PX = 56  # above the 48 px preferred touch size: gloved fingers
PAD_SPACING_PX = 6
SIGN = "±"


class NumberPad(OnScreenKeys):
    entered = Signal()  # the Enter key: what Return does in the edit

    def __init__(
        self,
        target: QLineEdit | None = None,
        *,
        decimals: bool = True,
        signed: bool = True,
        enter_text: str = "Enter",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(target, parent)
        self.setObjectName("numberPad")
        self.keys: dict[str, QPushButton] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(PAD_SPACING_PX)
        # One height: a dialog with room to spare puts it elsewhere, never into the keys.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        rows = [
            ["7", "8", "9", BACKSPACE],
            ["4", "5", "6", "C"],
            ["1", "2", "3", ""],
            [SIGN if signed else "", "0", "." if decimals else "", ""],
        ]
        for r, row in enumerate(rows):
            for c, key in enumerate(row):
                if key:
                    grid.addWidget(self._key(key, key), r, c)
        enter = self._key("enter", enter_text, rows=2)
        enter.setObjectName("numberPadEnter")
        grid.addWidget(enter, 2, 3, 2, 1)
        # Room to spare (a slot shared with a taller keyboard) stays under the keys, not between them.
        grid.setRowStretch(grid.rowCount(), 1)

    def _key(self, key: str, text: str, rows: int = 1) -> QPushButton:
        tips = {BACKSPACE: "Delete the last character", "C": "Clear", SIGN: "Change the sign"}
        b = key_button(text, "numberPadKey", PAD_KEY_PX, tips.get(key, ""), rows=rows, spacing=PAD_SPACING_PX)
        b.clicked.connect(lambda _c=False, k=key: self.press(k))
        self.keys[key] = b
        return b

    def set_target(self, edit: QLineEdit | None) -> None:
        self.target = edit

    def press(self, key: str) -> None:
        """What a tap on `key` does (also for tests)."""
        if key == "enter":
            self.entered.emit()
            return
        edit = self.target
        if key == SIGN:
            if edit is not None and edit.isEnabled() and not edit.isReadOnly():
                text = edit.text()
                edit.setText(text[1:] if text.startswith("-") else "-" + text)
            return
        type_into(edit, key)
