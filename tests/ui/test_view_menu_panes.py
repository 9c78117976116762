"""Every pane entry of the View menu does what it says at both screen sizes: a tap shows that
pane in front, also while the layout is locked (the touch profile at 1280x800 locks it, and Qt's
own dock toggle is disabled then: "Alarm KPIs", hidden by default, could not be opened
line-side, qa9 Q9-13). Checked from every starting pane and from the pane closed."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDockWidget

SIZES = {"1280x800 touch": ((1280, 800), True), "1920x1080 desk": ((1920, 1080), False)}


def _in_front(dock: QDockWidget) -> bool:
    """Shown and the tab in front of its group (a dock behind another tab is not visible)."""
    return dock.isVisible() and dock.height() > 0


@pytest.mark.parametrize("case", SIZES)
def test_every_pane_entry_brings_its_pane_in_front(qtbot, open_window, case):
    size, touch = SIZES[case]
    _rt, win = open_window(size, touch)
    docks = {d.windowTitle(): d for d in win.window_layout.plan.all()}
    entries = [a for a in win.view_menu.actions() if a.text() in docks]
    assert {a.text() for a in entries} >= {"Alarm KPIs", "Alarms", "Trend", "Events"}, entries
    assert win.kpi_dock.isHidden()  # closed by default: the case that did nothing line-side
    for start in entries:
        for action in entries:
            dock = docks[action.text()]
            if dock is docks[start.text()]:
                dock.hide()  # the pane closed: its entry opens it again
            elif not _in_front(docks[start.text()]):
                start.trigger()  # another pane in front of it first
                qtbot.wait(5)
                assert _in_front(docks[start.text()]), f"{case}: View ▸ {start.text()}: not shown"
            if _in_front(dock):
                continue  # a pane beside the start pane (1920: Events) is in front already
            action.trigger()
            for _ in range(50):  # the dock area re-lays out on the next turns of the event loop
                if _in_front(dock):
                    break
                qtbot.wait(10)
            assert _in_front(dock), f"{case}: View ▸ {action.text()} after {start.text()}: not shown"
            assert action.isChecked(), f"{case}: View ▸ {action.text()} shown but not ticked"
