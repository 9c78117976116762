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


def place_in_room(frame: QRect, least: QSize, title_px: int, keep: list[QRect], screen: QRect) -> QRect:
    """The geometry (client area, global) for a window whose frame is now `frame`, `title_px` of
    which is a window manager's title bar above its client area: unchanged when the frame is clear
    of every rectangle of `keep`, else moved as little as it can into the largest room of `screen`
    clear of them, shrunk to that room (never under `least`, its minimum: a window that cannot fit
    the room is kept on screen, at the room's top)."""
    client = frame.adjusted(0, title_px, 0, 0)
    if not any(frame.intersects(k) for k in keep):
        return client
    room = largest_clear(screen, keep, max_width=screen.width())
    if room.isEmpty():
        return client
    w = max(least.width(), min(client.width(), room.width()))
    h = max(least.height(), min(client.height(), room.height() - title_px))
    x = min(max(client.left(), room.left()), max(room.left(), room.right() + 1 - w))
    y = min(max(client.top(), room.top() + title_px), max(room.top() + title_px, room.bottom() + 1 - h))
    return QRect(x, y, w, h)


class KeepClear(QObject):
    """Places each window opened by `main` clear of the widgets `keep()` names as it shows."""

    def __init__(self, main: QWidget, keep: Callable[[], list[QWidget]]) -> None:
        super().__init__(main)
        self.main, self.keep = main, keep
        app = QApplication.instance()
        if app is not None:
            # A window is shown from many places (exec(), show(), the static QMessageBox helpers),
            # some inside Qt: the application sees every Show.
            app.installEventFilter(self)

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
        keep = [global_rect(k) for k in self.keep() if showing(k)]
        if not keep:
            return
        # A window manager's title bar is not part of the geometry and a window not yet mapped has
        # no frame: the main window's own title bar (none on a kiosk without one) stands for it.
        title_px = max(0, self.main.geometry().top() - self.main.frameGeometry().top())
        frame = w.frameGeometry()
        if not w.testAttribute(Qt.WidgetAttribute.WA_Moved):
            # Not placed yet (QDialog centres itself over its parent after this Show): start from
            # there, so a window pushed below the kept rectangles stays centred over the window.
            frame.moveCenter(self.main.geometry().center())
        if frame.size() == w.size():
            frame = frame.adjusted(0, -title_px, 0, 0)
        else:
            title_px = w.geometry().top() - frame.top()
        if not any(frame.intersects(k) for k in keep):
            return  # where Qt puts it (centred over the window) is clear: left to Qt
        least = w.minimumSizeHint().expandedTo(w.minimumSize())
        at = place_in_room(frame, least, title_px, keep, self.main.screen().availableGeometry())
        w.setGeometry(at)
