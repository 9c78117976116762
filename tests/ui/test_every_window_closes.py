"""Every window the main window opens can be closed by touch without a window manager, as on a
kiosk line-side PC, and says each thing once (qa10 Q10-16: Help > Diagnostics opened a top-level
window over the faceplates that nothing closed, and every value repeated its row's name: "Tags |
Tags 50"). The walk (tests.helpers.every_window) taps every button and every menu action of the
window, with every dock in front in turn; each window that opens must have a Close/Cancel/OK a
finger wide (touch) that hides it, must be able to fit the screen, and no form row may repeat its name."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWidget

from hmi.ui.touch import TOUCH_TARGET_PX
from widgets.touch_reach import repeated_labels

from ..helpers.every_window import WindowWalk
from .fakes import SUPERVISOR


@pytest.mark.parametrize(
    "size,touch", [((1280, 800), True), ((1920, 1080), False)], ids=["1280-touch", "1920"]
)
def test_every_window_closes_and_says_things_once(open_window, monkeypatch, size, touch):
    _rt, win = open_window(size, touch, user=SUPERVISOR)

    def check(w: QWidget) -> list[str]:
        out = repeated_labels(w)
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
    assert not problems, "\n".join(problems) + "\n\nopened:\n" + opened
