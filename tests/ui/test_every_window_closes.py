"""Every window the main window opens can be closed by touch without a window manager, as on a
kiosk line-side PC, and says each thing once (qa10 Q10-16: Help > Diagnostics opened a top-level
window over the faceplates that nothing closed, and every value repeated its row's name: "Tags |
Tags 50"). The walk (tests.helpers.every_window) taps every button and every menu action of the
window, with every dock in front in turn; each window that opens must have a Close/Cancel/OK a
finger wide (touch) that hides it, must be able to fit the screen, and no form row may repeat its name.
No window it opens may cover the main window's top area (the line state, the alarm banner and its
tiles): at 1280x800 the Operator manual and the Server tag browser lay over the whole banner and a
Capper jam raised meanwhile could not be seen (qa12 Q12-10)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QWidget

from hmi.core.users import PermissionDenied
from hmi.ui.touch import TOUCH_TARGET_PX
from widgets.touch_reach import repeated_labels

from ..helpers.every_window import WindowWalk
from .fakes import SUPERVISOR


class _RefusingBrowser:
    """A server to browse (hmi.ui.services.ServerBrowsing) that the walk's supervisor may not
    browse: View > Server tag browser is offered and opens, and nothing is ever read."""

    endpoint = "opc.tcp://127.0.0.1:4840"

    def may_browse(self, user: object) -> str:
        return "needs engineer or higher"

    def namespaces(self) -> list[str]:
        return []

    def _refuse(self, *_a: object) -> list:
        raise PermissionDenied("needs engineer or higher")

    children = search = skeleton = _refuse

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    "size,touch", [((1280, 800), True), ((1920, 1080), False)], ids=["1280-touch", "1920"]
)
def test_every_window_closes_and_says_things_once(
    open_window, make_runtime, demo_config, monkeypatch, size, touch
):
    rt = make_runtime(demo_config, alarms=True)
    rt.browser = _RefusingBrowser()
    _rt, win = open_window(size, touch, rt=rt, user=SUPERVISOR)
    top = win.menuWidget()  # the top bar, the line state and the alarm banner with its tiles
    assert top is not None and top.isVisible()

    def check(w: QWidget) -> list[str]:
        out = repeated_labels(w)
        kept = QRect(top.mapToGlobal(QPoint(0, 0)), top.size())  # global: where it is now
        frame = w.frameGeometry()
        if frame.intersects(kept):
            out.append(
                f"its frame {frame.getCoords()} covers the top area {kept.getCoords()} (line state, banner)"
            )
        # What it can shrink to, not its size: a dialog sized to its screen (the manual) is sized
        # to the offscreen test screen here, larger than the window.
        least = w.minimumSizeHint().expandedTo(w.minimumSize())
        if least.width() > size[0] or least.height() > size[1]:
            out.append(f"needs {least.width()}x{least.height()} px: more than the {size[0]}x{size[1]} screen")
        return out

    walk = WindowWalk(win, monkeypatch, check, TOUCH_TARGET_PX if touch else 0)
    problems = walk.run()
    opened = "\n".join(walk.opened)
    # The walk must have reached the windows this test is about, or it proves nothing.
    assert "Diagnostics" in opened, opened
    assert "Switch user" in opened or "Log in" in opened, opened
    assert "Operator manual" in opened and "Server tag browser" in opened, opened
    assert not problems, "\n".join(problems) + "\n\nopened:\n" + opened


# --- every top-level window the app opens, not only the main window's dialogs (qa12 Q12-6) ---------
# `linehmi review` opens a window of its own: without a window manager it could not be closed
# (no Close, Ctrl+Q did nothing). Each entry builds one top-level window of the app as its command does.


def _review_window(tmp_path, compact):
    from hmi.core.review.source import ReviewSource
    from hmi.ui.review_window import ReviewWindow
    from tests.test_review import shift_journal

    return ReviewWindow(ReviewSource.open([shift_journal(tmp_path)]), compact=compact)


TOP_LEVEL_WINDOWS = {"review": _review_window}


@pytest.mark.parametrize("name", sorted(TOP_LEVEL_WINDOWS))
@pytest.mark.parametrize(
    "size,line_side", [((1280, 800), True), ((1920, 1080), False)], ids=["1280-touch", "1920"]
)
@pytest.mark.parametrize("how", ["button", "Ctrl+Q"])
def test_every_top_level_window_closes_itself(qtbot, themed_app, tmp_path, name, size, line_side, how):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from tests.helpers.settle import settle
    from widgets.touch_reach import close_buttons

    win = TOP_LEVEL_WINDOWS[name](tmp_path, line_side)
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    settle(win)
    closers = close_buttons(win)
    assert closers, f"the {name} window has no visible Close button (no window manager to close it)"
    if line_side:
        small = [
            f"{b.text()!r} {b.width()}x{b.height()}"
            for b in closers
            if min(b.width(), b.height()) < TOUCH_TARGET_PX
        ]
        assert not small, f"the {name} window's Close is smaller than {TOUCH_TARGET_PX} px: {small}"
    if how == "button":
        closers[0].click()
    else:
        win.activateWindow()
        QTest.keyClick(win, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    settle()
    assert not win.isVisible(), f"the {name} window is still open after its {how}"
