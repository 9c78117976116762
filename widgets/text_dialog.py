"""Ask for one line of text (a name), with the on-screen keyboard at a line-side PC.

QInputDialog.getText has no way to add keys: the trend's Sets > Save pens as... asked for a name in
a plain field a finger could not type into (qa10 Q10-24). This dialog is that field, OK and Cancel,
and (`keyboard`) the text keyboard of the reason and comment dialogs (widgets.text_keyboard), whose
Enter does what OK does. OK waits for some text: a blank name is nothing to save.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from widgets.dialog_fit import fit_height
from widgets.text_keyboard import TextKeyboard


class TextDialog(QDialog):
    def __init__(
        self,
        title: str,
        label: str,
        parent: QWidget | None = None,
        *,
        keyboard: bool = False,
        ok_text: str = "OK",
        text: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("textDialog")
        self.setWindowTitle(title)
        lay = QVBoxLayout(self)
        prompt = QLabel(label)
        prompt.setWordWrap(True)
        lay.addWidget(prompt)
        self.edit = QLineEdit(text)
        prompt.setBuddy(self.edit)
        lay.addWidget(self.edit)
        self.keyboard: TextKeyboard | None = None
        if keyboard:
            self.keyboard = TextKeyboard(self.edit, enter_tip=ok_text)
            self.keyboard.entered.connect(self._on_ok)
            lay.addWidget(self.keyboard)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.edit.textChanged.connect(self._update_ok)
        self.edit.returnPressed.connect(self._on_ok)
        self._update_ok()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        fit_height(self)  # a wrapped heading or message must not cut the buttons below it

    def text(self) -> str:
        return self.edit.text().strip()

    def _update_ok(self) -> None:
        self.ok_button.setEnabled(bool(self.text()))

    def _on_ok(self) -> None:
        if self.text():
            self.accept()
