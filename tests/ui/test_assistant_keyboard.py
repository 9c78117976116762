"""The Assistant's question can be typed without a keyboard (qa7 G23).

At a line-side PC (touch profile) a tap on the question field gave a cursor only: without a hardware
keyboard just the suggested questions could be asked. A tap now opens the comment/reason dialogs'
on-screen keyboard (widgets.keyboard_popup) beside the pane, never over the conversation; typing on
it fills the field and its Enter asks. Checked in the main window at 1280x800 (the Assistant a tab
of the bottom area) and 1920x1080 (the right-hand dock), and the placement rule over random
screens: inside the screen, clear of what it must not cover whenever a side has the room.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, QRect, Qt

from hmi.ui.window_layout import bring_forward
from widgets.keyboard_popup import GAP_PX, place_beside

from .test_assistant_in_view import SIZES, window  # noqa: F401  (the fixture: demo fault, full banner)


def _global(w) -> QRect:
    return QRect(w.mapToGlobal(QPoint(0, 0)), w.size())


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_a_tap_opens_the_keyboard_and_a_typed_question_is_answered(window, qtbot, size):  # noqa: F811
    _rt, win = window(size, True)
    bring_forward(win.assistant_dock)
    qtbot.wait(60)
    pane = win.assistant_pane
    assert not pane.keyboard.is_open()
    qtbot.mouseClick(pane.input, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(pane.keyboard.is_open)
    popup = pane.keyboard.popup
    assert popup is not None
    screen = win.screen().availableGeometry()
    kb = popup.frameGeometry()
    assert screen.contains(kb), (kb, screen)
    for part in (pane.history, pane.input, pane.ask_button):  # the answer and the field stay in view
        assert not kb.intersects(_global(part)), (type(part).__name__, kb, _global(part))
    for ch in "why did the filler stop":
        popup.keyboard.press("space" if ch == " " else ch)
    assert pane.input.text() == "why did the filler stop"
    assert pane.input.hasFocus() or not win.isActiveWindow()  # the keyboard never took the focus
    with qtbot.waitSignal(pane.answer_finished, timeout=20000) as sig:
        popup.keyboard.press("enter")
    assert sig.args[0].text.strip()
    assert "why did the filler stop" in pane.history.toPlainText()
    assert not pane.keyboard.is_open()  # closed for the answer; a tap brings it back
    qtbot.mouseClick(pane.input, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(pane.keyboard.is_open)
    win.alarm_store.annunciated.emit([])  # a new alarm: the keyboard must not hide the banner
    assert not pane.keyboard.is_open()
    qtbot.mouseClick(pane.input, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(pane.keyboard.is_open)
    bring_forward(win.alarms_dock)  # the pane behind another tab: its keyboard goes with it
    qtbot.waitUntil(lambda: not pane.keyboard.is_open() or pane.isVisible())


def test_no_keyboard_without_the_touch_profile(window, qtbot):  # noqa: F811
    _rt, win = window((1920, 1080), False)
    bring_forward(win.assistant_dock)
    qtbot.wait(60)
    qtbot.mouseClick(win.assistant_pane.input, Qt.MouseButton.LeftButton)
    qtbot.wait(50)
    assert not win.assistant_pane.keyboard.is_open()  # a desk has a keyboard: nothing pops up


rects = st.builds(
    lambda x, y, w, h: QRect(x, y, w, h),
    st.integers(0, 1500),
    st.integers(0, 900),
    st.integers(40, 1200),
    st.integers(40, 800),
)


@settings(max_examples=300, deadline=None)
@given(avoid=rects, w=st.integers(200, 700), h=st.integers(150, 400))
def test_the_keyboard_is_on_screen_and_clear_of_the_pane_when_a_side_has_room(avoid, w, h):
    screen = QRect(0, 0, 1920, 1080)
    avoid = avoid.intersected(screen)
    placed = place_beside((w, h), avoid, screen)
    assert screen.contains(placed), (placed, avoid)
    assert placed.size().toTuple() == (w, h)
    room = (
        avoid.top() - screen.top() >= h + GAP_PX
        or screen.bottom() - avoid.bottom() >= h + GAP_PX
        or avoid.left() - screen.left() >= w + GAP_PX
        or screen.right() - avoid.right() >= w + GAP_PX
    )
    if room:
        assert not placed.intersects(avoid), (placed, avoid)
