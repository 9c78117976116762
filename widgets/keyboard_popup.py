"""The on-screen keyboard for a text field outside a dialog (the Assistant's question field).

At a line-side PC without a keyboard (touch profile) a tap on the Assistant's question field gave a
cursor and nothing to type with: only the suggested questions could be asked (qa7 G23). A tap on the
field now opens the comment/reason dialogs' keyboard (widgets.text_keyboard) in a window of its own
beside the pane it serves, never over it (the answer stays in view while the next question is typed,
and the field shows what is typed). It never takes the focus (the field keeps the cursor), its
Enter does what Return in the field does, and "Hide" or the field's pane going out of view closes it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from widgets.onscreen_keys import key_button
from widgets.text_keyboard import KEY_PX, TextKeyboard

KEYBOARD_WIDTH_PX = 560
GAP_PX = 4


def place_beside(size: tuple[int, int], avoid: QRect, screen: QRect) -> QRect:
    """Where a window of `size` goes on `screen` without covering `avoid` (global rectangles):
    above it, else below, else left, else right of it; inside the screen; the side with the most
    room when none has enough (then it overlaps as little as it can)."""
    w, h = min(size[0], screen.width()), min(size[1], screen.height())
    x = min(max(avoid.left(), screen.left()), screen.right() + 1 - w)
    y = min(max(avoid.bottom() + 1 - h, screen.top()), screen.bottom() + 1 - h)
    sides = [
        (avoid.top() - screen.top(), h, QPoint(x, avoid.top() - GAP_PX - h)),
        (screen.bottom() - avoid.bottom(), h, QPoint(x, avoid.bottom() + 1 + GAP_PX)),
        (avoid.left() - screen.left(), w, QPoint(avoid.left() - GAP_PX - w, y)),
        (screen.right() - avoid.right(), w, QPoint(avoid.right() + 1 + GAP_PX, y)),
    ]
    fitting = [s for s in sides if s[0] >= s[1] + GAP_PX]
    _room, _need, at = fitting[0] if fitting else max(sides, key=lambda s: s[0] - s[1])
    at.setX(min(max(at.x(), screen.left()), screen.right() + 1 - w))
    at.setY(min(max(at.y(), screen.top()), screen.bottom() + 1 - h))
    return QRect(at, QPoint(at.x() + w - 1, at.y() + h - 1))


class KeyboardPopup(QFrame):
    """A TextKeyboard in a window of its own that types into `target`."""

    entered = Signal()  # Enter: what Return in the field does

    def __init__(self, target: QLineEdit, avoid: QWidget, title: str, enter_tip: str = "") -> None:
        super().__init__(
            None,
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.WindowDoesNotAcceptFocus,
        )
        self.setObjectName("keyboardPopup")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        self.setFrameShape(QFrame.Shape.Box)
        self.target, self.avoid = target, avoid
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 6)
        lay.setSpacing(4)
        head = QHBoxLayout()
        self.title = QLabel(title)
        self.title.setObjectName("dimLabel")
        head.addWidget(self.title, 1)
        self.hide_key = key_button("Hide", "textKeyboardKey", KEY_PX, "Close the on-screen keyboard")
        self.hide_key.setMaximumWidth(2 * KEY_PX + 20)
        self.hide_key.clicked.connect(self.hide)
        head.addWidget(self.hide_key)
        lay.addLayout(head)
        self.keyboard = TextKeyboard(target, enter_tip=enter_tip)
        self.keyboard.entered.connect(self.entered)
        lay.addWidget(self.keyboard)
        self.setFixedWidth(KEYBOARD_WIDTH_PX)

    def open(self) -> None:
        """Show it beside `avoid` (its global rectangle stays uncovered)."""
        self.keyboard.target = self.target
        self.adjustSize()
        screen = self.avoid.screen() or self.screen()
        area = screen.availableGeometry()
        avoid = QRect(self.avoid.mapToGlobal(QPoint(0, 0)), self.avoid.size())
        self.setGeometry(place_beside((self.width(), self.sizeHint().height()), avoid, area))
        self.show()
        self.raise_()


class TapOpensKeyboard(QObject):
    """A tap on `field` opens a KeyboardPopup beside `avoid` while `enabled` (the touch profile);
    the popup closes when `avoid` is hidden (its tab went behind another) or on "Hide"."""

    def __init__(self, field: QLineEdit, avoid: QWidget, title: str, enter_tip: str = "") -> None:
        super().__init__(field)
        self.field, self.avoid, self.title, self.enter_tip = field, avoid, title, enter_tip
        self.enabled = False
        self.popup: KeyboardPopup | None = None
        field.installEventFilter(self)
        avoid.installEventFilter(self)

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        if not on:
            self.close()

    def open(self) -> KeyboardPopup:
        if self.popup is None:
            self.popup = KeyboardPopup(self.field, self.avoid, self.title, self.enter_tip)
            self.popup.entered.connect(self._on_enter)
        self.popup.open()
        return self.popup

    def close(self) -> None:
        if self.popup is not None:
            self.popup.hide()

    def is_open(self) -> bool:
        return self.popup is not None and self.popup.isVisible()

    def _on_enter(self) -> None:
        self.field.returnPressed.emit()  # the field's own Return: Ask
        self.close()  # the answer comes in the pane, uncovered; a tap on the field brings it back

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if obj is self.field and self.enabled and kind == QEvent.Type.MouseButtonPress:
            self.open()
        elif obj is self.avoid and kind == QEvent.Type.Hide:
            self.close()
        return False

    def shutdown(self) -> None:
        if self.popup is not None:
            self.popup.close()
            self.popup.deleteLater()
            self.popup = None
