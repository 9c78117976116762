"""A dialog as tall as its content needs, word-wrapped labels included.

A dialog's minimum height comes from its layout's minimum size, which does not ask wrapped
labels how tall they get at the dialog's width. "Logged in now: operator (operator). The new user
replaces them." wrapped to two lines in the Switch-user dialog, the page below lost those pixels
and the PIN pad's "0" key was cut off. `fit_height` grows the dialog to the height its layout
needs at its width (within the screen), after it is shown and after its content changed.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def fit_height(dialog: QWidget) -> None:
    lay = dialog.layout()
    if lay is None:
        return
    lay.activate()
    need = lay.heightForWidth(dialog.width()) if lay.hasHeightForWidth() else -1
    need = max(need, lay.minimumSize().height(), dialog.minimumSizeHint().height())
    screen = dialog.screen()
    if screen is not None:
        need = min(need, screen.availableGeometry().height())
    if dialog.height() < need:
        dialog.resize(dialog.width(), need)
