"""The on-screen keyboard for a text field outside a dialog (the Assistant's question field).

At a line-side PC without a keyboard (touch profile) a tap on the Assistant's question field gave a
cursor and nothing to type with: only the suggested questions could be asked (qa7 G23). A tap on the
field now opens the comment/reason dialogs' keyboard (widgets.text_keyboard) in a window of its own.
It never takes the focus (the field keeps the cursor), its Enter does what Return in the field does,
and "Hide" or the field's pane going out of view closes it.

Where it goes (`place_clear`): never over what must stay in view (`keep`: the field and Ask, and
what the window names with `keep_clear`: the line state and the alarm banner and tiles, the alarm
list when it shows), and over as little of the pane it serves as the screen allows. At 1280x800 it
lay over the priority tiles and the banner's rows, and alarms had to close it (qa8 Q6).

What was typed is never lost nor typed twice: when the pane goes behind another tab mid-question (a
trip brings the alarm list forward) the keyboard closes with the field's text kept, comes back by
itself when the pane does, and its head shows what the field holds. A person who had not seen the
kept "why did t" typed the question again after it: "why did twhy did the filler stop" (qa8 Q6).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QSizePolicy, QVBoxLayout, QWidget

from widgets.onscreen_keys import key_button
from widgets.text_keyboard import KEY_PX, TextKeyboard

KEYBOARD_WIDTH_PX = 560
GAP_PX = 4


def _overlap(a: QRect, b: QRect) -> int:
    r = a.intersected(b)
    return 0 if r.isEmpty() else r.width() * r.height()


def _distance(a: QRect, b: QRect) -> int:
    """Pixels between two rectangles (0 when they touch or overlap)."""
    dx = max(0, b.left() - a.right() - 1, a.left() - b.right() - 1)
    dy = max(0, b.top() - a.bottom() - 1, a.top() - b.bottom() - 1)
    return max(dx, dy)


def place_clear(size: tuple[int, int], avoid: QRect, keep: list[QRect], screen: QRect) -> QRect:
    """Where a window of `size` goes on `screen` (global rectangles): clear of every rectangle in
    `keep`, over as little of `avoid` as it can, then as near `avoid` as it can (above it, below,
    left, right, in that order of preference). Where nothing is clear of `keep`, over as little of
    it as it can. The positions tried are those that touch an edge of the screen, of `avoid` or of
    a kept rectangle: a free spot, if there is one, has one of them."""
    w, h = min(size[0], screen.width()), min(size[1], screen.height())
    xs = [
        avoid.left(),
        avoid.left() - GAP_PX - w,
        avoid.right() + 1 + GAP_PX,
        screen.left(),
        screen.right() + 1 - w,
    ]
    ys = [
        avoid.top() - GAP_PX - h,
        avoid.bottom() + 1 + GAP_PX,
        avoid.top(),
        screen.top(),
        screen.bottom() + 1 - h,
    ]
    for k in keep:
        xs += [k.left() - GAP_PX - w, k.right() + 1 + GAP_PX]
        ys += [k.top() - GAP_PX - h, k.bottom() + 1 + GAP_PX]
    best: tuple[int, int, int, int] | None = None
    at = QRect()
    for j, y in enumerate(ys):
        for i, x in enumerate(xs):
            cx = min(max(x, screen.left()), screen.right() + 1 - w)
            cy = min(max(y, screen.top()), screen.bottom() + 1 - h)
            r = QRect(cx, cy, w, h)
            score = (
                sum(_overlap(r, k) for k in keep),
                _overlap(r, avoid),
                _distance(r, avoid),
                j * len(xs) + i,
            )
            if best is None or score < best:
                best, at = score, r
    return at


def global_rect(w: QWidget) -> QRect:
    return QRect(w.mapToGlobal(QPoint(0, 0)), w.size())


class KeyboardPopup(QFrame):
    """A TextKeyboard in a window of its own that types into `target`; its head shows what the
    field holds (the end of it, where the next key goes)."""

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
        self.keep: list[QWidget] = []  # never covered (TapOpensKeyboard.keep_clear)
        self.title_text = title
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 6)
        lay.setSpacing(4)
        head = QHBoxLayout()
        self.title = QLabel(title)
        self.title.setObjectName("dimLabel")
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
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
        target.textChanged.connect(self._echo)
        self._echo()

    def echo(self) -> str:
        """What the head says: the title, or what the field holds (its end when it is long)."""
        return QLabel.text(self.title)

    def _echo(self, *_args) -> None:
        text = self.target.text()
        if not text:
            self.title.setText(self.title_text)
            return
        room = max(0, self.title.width() - 4) if self.title.width() > 0 else KEYBOARD_WIDTH_PX // 2
        shown = self.title.fontMetrics().elidedText(f"{text}|", Qt.TextElideMode.ElideLeft, room)
        self.title.setText(shown)
        self.title.setToolTip(text)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._echo()

    def open(self) -> None:
        """Show it clear of `keep` and the field, over as little of `avoid` as the screen allows."""
        self.keyboard.target = self.target
        self.adjustSize()
        screen = self.avoid.screen() or self.screen()
        area = screen.availableGeometry()
        keep = [global_rect(w) for w in (*self.keep, self.target) if w.isVisible()]
        self.setGeometry(
            place_clear((self.width(), self.sizeHint().height()), global_rect(self.avoid), keep, area)
        )
        self._echo()
        self.show()
        self.raise_()


class TapOpensKeyboard(QObject):
    """A tap on `field` opens a KeyboardPopup while `enabled` (the touch profile); it closes on
    "Hide", on Enter, and when `avoid` (the pane) is hidden, and comes back with the pane when that
    closed it mid-question (text in the field)."""

    def __init__(self, field: QLineEdit, avoid: QWidget, title: str, enter_tip: str = "") -> None:
        super().__init__(field)
        self.field, self.avoid, self.title, self.enter_tip = field, avoid, title, enter_tip
        self.enabled = False
        self.popup: KeyboardPopup | None = None
        self._keep: list[QWidget] = []
        self._interrupted = False  # closed by the pane going out of view, a question half typed
        field.installEventFilter(self)
        avoid.installEventFilter(self)

    def keep_clear(self, *widgets: QWidget) -> None:
        """Widgets the keyboard never covers while they show (the field is always one)."""
        self._keep = [*self._keep, *widgets]
        if self.popup is not None:
            self.popup.keep = list(self._keep)

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        if not on:
            self.close()

    def open(self) -> KeyboardPopup:
        if self.popup is None:
            self.popup = KeyboardPopup(self.field, self.avoid, self.title, self.enter_tip)
            self.popup.keep = list(self._keep)
            self.popup.entered.connect(self._on_enter)
        self._interrupted = False
        self.popup.open()
        return self.popup

    def close(self) -> None:
        self._interrupted = False
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
            self.pane_hidden()
        elif obj is self.avoid and kind == QEvent.Type.Show:
            self.pane_shown()
        return False

    def pane_hidden(self) -> None:
        """The pane went out of view (hidden, or its dock's tab behind another: Qt keeps such a pane
        "visible", so the window tells this from the dock's visibilityChanged). The keyboard goes;
        a question half typed brings it back with the pane."""
        interrupted = self.is_open() and bool(self.field.text())
        self.close()
        self._interrupted = interrupted

    def pane_shown(self) -> None:
        if self._interrupted and self.enabled:
            QTimer.singleShot(0, self._reopen)  # once the pane is laid out where it now shows

    def _reopen(self) -> None:
        if self._interrupted and self.avoid.isVisible():
            self.open()

    def shutdown(self) -> None:
        self._interrupted = False
        if self.popup is not None:
            self.popup.close()
            self.popup.deleteLater()
            self.popup = None
