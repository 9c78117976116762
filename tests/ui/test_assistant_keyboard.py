"""The Assistant's question can be typed without a keyboard (qa7 G23), and the keyboard hides no
alarm and loses or doubles no typed text (qa8 Q6).

At a line-side PC (touch profile) a tap on the question field gave a cursor only: without a hardware
keyboard just the suggested questions could be asked. A tap now opens the comment/reason dialogs'
on-screen keyboard (widgets.keyboard_popup); typing on it fills the field and its Enter asks. It
never covers the top of the window (line state, alarm banner and tiles), the alarm list when that
shows, the field or Ask, nor the conversation (at 1280x800 it lay over the tiles and the banner's
rows, and every new alarm had to close it). A trip that brings the alarm list forward mid-question
closes it; it comes back with the Assistant, showing the half-typed text, and the question goes out
once ("why did twhy did the filler stop" before). Checked in the main window at 1280x800 (the
Assistant a tab of the bottom area) and 1920x1080 (the right-hand dock), and the placement rule over
random screens: inside the screen, clear of what it must keep clear whenever there is room for it.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, QRect, Qt

from hmi.ui.window_layout import bring_forward
from widgets.keyboard_popup import GAP_PX, place_clear

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
    _assert_clear(win, kb)
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
    _type(popup, "what stopped t")
    win.alarm_store.annunciated.emit([])  # a new alarm: the banner is in view, typing goes on
    assert pane.keyboard.is_open() and pane.input.text() == "what stopped t"
    bring_forward(win.alarms_dock)  # a trip brings the alarm list forward
    if win.alarms_dock in win.tabifiedDockWidgets(win.assistant_dock):
        # The Assistant went behind the list's tab (Qt keeps it "visible"): the keyboard goes.
        qtbot.waitUntil(lambda: not pane.keyboard.is_open())
        bring_forward(win.assistant_dock)  # back to the question: the keyboard comes back with it
        qtbot.waitUntil(pane.keyboard.is_open)
    assert pane.keyboard.is_open()
    _assert_clear(win, popup.frameGeometry())
    assert "what stopped t" in popup.echo(), popup.echo()  # what the field holds is on the keyboard
    _type(popup, "he capper")
    assert pane.input.text() == "what stopped the capper"
    with qtbot.waitSignal(pane.answer_finished, timeout=20000):
        popup.keyboard.press("enter")
    text = pane.history.toPlainText()
    assert "what stopped the capper" in text and "what stopped twhat" not in text


def _type(popup, text: str) -> None:
    for ch in text:
        popup.keyboard.press("space" if ch == " " else ch)


def _assert_clear(win, kb: QRect) -> None:
    """The keyboard covers no alarm information, nor the field, Ask or the conversation."""
    pane = win.assistant_pane
    parts = [win.menuWidget(), pane.history, pane.input, pane.ask_button]
    if win.alarms_dock.isVisible():
        parts.append(win.alarms_dock)
    for part in parts:
        assert not kb.intersects(_global(part)), (part.objectName() or type(part).__name__, kb, _global(part))


# Every way a question is sent from the pane (qa9 Q9-14: after a tap on Ask the keyboard stayed open
# over the pane; only its own Enter closed it).
SENDS = {
    "Ask tapped": lambda qtbot, pane: qtbot.mouseClick(pane.ask_button, Qt.MouseButton.LeftButton),
    "the keyboard's Enter": lambda qtbot, pane: pane.keyboard.popup.keyboard.press("enter"),
    "the field's Return": lambda qtbot, pane: qtbot.keyClick(pane.input, Qt.Key.Key_Return),
    "a suggested question": lambda qtbot, pane: pane.suggestion_buttons[0].click(),
    "Draft handover": lambda qtbot, pane: pane.handover_button.click(),
}


@pytest.mark.parametrize("send", list(SENDS))
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_keyboard_closes_when_the_question_is_sent(window, qtbot, size, send):  # noqa: F811
    _rt, win = window(size, True)
    bring_forward(win.assistant_dock)
    qtbot.wait(60)
    pane = win.assistant_pane
    qtbot.mouseClick(pane.input, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(pane.keyboard.is_open)
    _type(pane.keyboard.popup, "what stopped the line")
    SENDS[send](qtbot, pane)
    assert pane.busy, f"{send}: no question went out"
    assert not pane.keyboard.is_open(), f"{send}: the keyboard is still open while the answer comes"
    # Answered or failed (the pane says which): the keyboard is not over it. A wait, not a timing.
    qtbot.waitUntil(lambda: not pane.busy, timeout=120000)
    assert not pane.keyboard.is_open(), f"{send}: the keyboard is open over the answer"
    assert pane.history.toPlainText().strip()


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


@settings(max_examples=150, deadline=None)
@given(
    avoid=rects,
    w=st.integers(200, 700),
    h=st.integers(150, 400),
    top=st.integers(0, 400),
    field=st.integers(40, 80),
)
def test_the_keyboard_is_on_screen_clear_of_what_it_keeps_and_of_the_pane_when_there_is_room(
    avoid, w, h, top, field
):
    """Kept clear: a window's top band (line state, banner) and the field's row at the pane's foot,
    whenever the screen has a spot for the keyboard beside them; the pane too, whenever a spot is
    clear of it and of them."""
    screen = QRect(0, 0, 1920, 1080)
    avoid = avoid.intersected(screen)
    band = QRect(0, 0, 1920, top)
    row = QRect(avoid.left(), max(avoid.top(), avoid.bottom() + 1 - field), avoid.width(), field)
    keep = [r for r in (band, row) if not r.isEmpty()]
    placed = place_clear((w, h), avoid, keep, screen)
    assert screen.contains(placed), (placed, avoid)
    assert placed.size().toTuple() == (w, h)
    if _free_spot(w, h, keep, screen):
        assert not any(placed.intersects(k) for k in keep), (placed, keep, avoid)
    if _free_spot(w, h, [*keep, avoid], screen):
        assert not placed.intersects(avoid), (placed, keep, avoid)


def _free_spot(w: int, h: int, clear_of: list[QRect], screen: QRect) -> bool:
    """A spot on `screen` at least GAP_PX from each of `clear_of` (searched on a coarse grid)."""
    grown = [r.adjusted(-GAP_PX, -GAP_PX, GAP_PX, GAP_PX) for r in clear_of]
    for y in range(screen.top(), screen.bottom() + 2 - h, 24):
        for x in range(screen.left(), screen.right() + 2 - w, 24):
            r = QRect(x, y, w, h)
            if not any(r.intersects(g) for g in grown):
                return True
    return False
