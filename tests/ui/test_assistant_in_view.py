"""The Assistant's question field and Ask button are always in view (qa5 F16): pinned at the bottom of
its pane, outside the conversation's scroll area, with the dock never scrolling the pane; one scroll
area for the conversation; and a field hidden with its pane keeps no focus that typing could reach.

Checked at 1920x1080 (control room: the Assistant shares the right dock area with Quality, only as
tall as the overview) and 1280x800 (touch: a tab of the bottom area), with a full alarm banner, and
again after the banner changed.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QScrollArea

from hmi.ui.main_window import MainWindow
from hmi.ui.window_layout import bring_forward

from .fakes import OPERATOR, simulate_fault

SIZES = [(1920, 1080), (1280, 800)]


@pytest.fixture
def window(open_window, make_runtime, demo_config, qtbot):
    def make(size: tuple[int, int], touch: bool) -> tuple[object, MainWindow]:
        rt = make_runtime(demo_config, alarms=True)
        simulate_fault(rt)  # a full banner: 3 rows and "+ N more"
        rt, win = open_window(size, touch, rt=rt)
        qtbot.waitUntil(lambda: win.alarm_banner.counts.total_active >= 8)
        qtbot.wait(100)
        return rt, win

    return make


def _outer_scroll(win: MainWindow) -> QScrollArea:
    area = win.assistant_dock.widget()
    assert isinstance(area, QScrollArea)
    return area


def _check_in_view(win: MainWindow, case: str) -> None:
    pane = win.assistant_pane
    seen = [
        (w.isVisible(), w.visibleRegion().boundingRect(), w.size()) for w in (pane.input, pane.ask_button)
    ]
    assert pane.input_in_view(), f"{case}: the question field or Ask is not whole in view: {seen}"
    outer = _outer_scroll(win)
    assert outer.verticalScrollBar().maximum() == 0, f"{case}: the dock scrolls the pane (two scroll areas)"
    # The field sits at the bottom of the dock, the conversation takes the rest.
    bottom = pane.input.mapTo(outer.viewport(), pane.input.rect().bottomLeft()).y()
    assert outer.viewport().height() - bottom < 60, f"{case}: field not at the bottom ({bottom})"
    assert pane.history.height() >= pane.history.minimumHeight()


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_question_field_and_ask_are_always_in_view(window, qtbot, size, profile):
    rt, win = window(size, profile)
    bring_forward(win.assistant_dock)
    qtbot.wait(60)
    _check_in_view(win, "full banner")
    pane = win.assistant_pane
    place = pane.input.mapTo(win, pane.input.rect().topLeft())
    # Every suggestion stays one tap away: chips above the field, or the menu beside Ask.
    chips, menu = pane.suggest_box.isVisible(), pane.suggest_menu_button.isVisible()
    assert chips != menu, (chips, menu)
    if menu:
        assert len(pane.suggest_menu_button.menu().actions()) == len(pane.suggestion_buttons)
    # The banner changes (alarms acknowledged and gone): the field stays where the user saw it.
    eng = rt.alarms
    eng.acknowledge([r.id for r in eng.records()], OPERATOR, "seen")
    qtbot.wait(150)
    _check_in_view(win, "banner changed")
    assert pane.input.mapTo(win, pane.input.rect().topLeft()) == place


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_typing_never_goes_to_a_hidden_field_or_a_button_nobody_chose(window, qtbot, size, profile):
    _rt, win = window(size, profile)
    bring_forward(win.assistant_dock)
    qtbot.wait(60)
    win.activateWindow()
    pane = win.assistant_pane
    pane.input.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(pane.input.hasFocus, timeout=2000)
    # An alarm brings the list forward (in a tab group the Assistant goes behind it).
    win.show_alarm_list()
    qtbot.wait(60)
    focus = QApplication.focusWidget()
    # Qt keeps a dock behind another tab "visible", off screen: what counts is the region shown.
    if not pane.input.visibleRegion().isEmpty():  # wide screen: the Assistant stays beside the list
        assert focus is pane.input
    else:
        assert focus is None or not focus.visibleRegion().isEmpty(), (
            f"the keys now go to {type(focus).__name__} {focus.objectName()!r}, which nobody can see"
        )
