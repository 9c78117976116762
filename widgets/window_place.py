"""Every window a main window opens keeps its top area in view (qa12 Q12-10).

At 1280x800 without a window manager, Help > Operator manual (sized to 90 % of the screen) and
View > Server tag browser opened centred over the main window and covered the line state and the
whole alarm banner: a Capper jam raised while the manual was open could not be seen, though the
manual says the banner is "always visible, nothing can cover it". `KeepClear` watches the windows
the main window opens (any window whose parent lies in it, modal dialogs too) and, as each one
shows, moves a window that would cover a kept rectangle into the room left beside them, shrunk
to that room where it must (`place_in_room`). The room is the one the Assistant's reader takes
(widgets.answer_reader.largest_clear): one rule for "the space left beside what stays in view".
A window clear of them already (the on-screen keyboard, the reader: they place themselves) is left
where it is.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt
from PySide6.QtWidgets import QApplication, QWidget

from widgets.answer_reader import largest_clear, showing
from widgets.keyboard_popup import global_rect

# The kinds of window it places: not menus, popups, tooltips or splash screens (they come and go
# under the finger, or before the main window).
_PLACED = (Qt.WindowType.Window, Qt.WindowType.Dialog, Qt.WindowType.Tool, Qt.WindowType.Sheet)


def place_in_room(frame: QRect, least: QSize, keep: list[QRect], screen: QRect) -> QRect:
    """Where a window's frame (global, title bar and borders included) goes: `frame` itself when it
    is clear of every rectangle of `keep`, else moved as little as it can into the largest room of
    `screen` clear of them and shrunk to that room, never under `least` (its minimum frame: a window
    that cannot fit the room is kept on screen, at the room's top)."""
    if not any(frame.intersects(k) for k in keep):
        return frame
    room = largest_clear(screen, keep, max_width=screen.width())
    if room.isEmpty():
        return frame
    w = max(least.width(), min(frame.width(), room.width()))
    h = max(least.height(), min(frame.height(), room.height()))
    x = min(max(frame.left(), room.left()), max(room.left(), room.right() + 1 - w))
    y = min(max(frame.top(), room.top()), max(room.top(), room.bottom() + 1 - h))
    return QRect(x, y, w, h)


class KeepClear(QObject):
    """Places each window opened by `main` clear of the widgets `keep()` names as it shows."""

    def __init__(self, main: QWidget, keep: Callable[[QWidget], list[QWidget]]) -> None:
        super().__init__(main)
        # No Python reference to `main` (its Qt parent): the main window holds this object, and a
        # reference back would be a cycle that only the cyclic GC frees, on whichever thread it runs
        # (test_alarm_ui: a closed window is freed at once). `keep` gets the main window as argument.
        self.keep = keep
        app = QApplication.instance()
        if app is not None:
            # A window is shown from many places (exec(), show(), the static QMessageBox helpers),
            # some inside Qt: the application sees every Show.
            app.installEventFilter(self)

    @property
    def main(self) -> QWidget:
        parent = self.parent()
        assert isinstance(parent, QWidget)
        return parent

    def opened_by_main(self, w: QWidget) -> bool:
        parent = w.parentWidget()
        return parent is not None and parent.window() is self.main

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Show
            and isinstance(obj, QWidget)
            and obj.isWindow()
            and obj is not self.main
            and obj.windowType() in _PLACED
            and self.opened_by_main(obj)
        ):
            self.place(obj)
        return False

    def place(self, w: QWidget) -> None:
        keep = [global_rect(k) for k in self.keep(self.main) if showing(k)]
        if not keep:
            return
        geo, frame = w.geometry(), w.frameGeometry()
        if frame.size() == geo.size():
            # Not mapped yet, no frame known: a window manager's title bar (none on a kiosk
            # without one) is taken to be as tall as the main window's own.
            frame.setTop(frame.top() - max(0, self.main.geometry().top() - self.main.frameGeometry().top()))
        left, top = geo.left() - frame.left(), geo.top() - frame.top()
        right, bottom = frame.right() - geo.right(), frame.bottom() - geo.bottom()
        if not w.testAttribute(Qt.WidgetAttribute.WA_Moved):
            # Not placed yet (QDialog centres itself over its parent after this Show): start from
            # there, so a window pushed below the kept rectangles stays centred over the window.
            frame.moveCenter(self.main.frameGeometry().center())
        if not any(frame.intersects(k) for k in keep):
            return  # where Qt puts it is clear: left to Qt
        least = w.minimumSizeHint().expandedTo(w.minimumSize()) + QSize(left + right, top + bottom)
        at = place_in_room(frame, least, keep, self.main.screen().availableGeometry())
        w.setGeometry(at.adjusted(left, top, -right, -bottom))
