"""A pane behind another tab draws nothing, and is up to date the moment its tab comes to the front.

Qt's dock layout leaves a dock behind another tab `isVisible()`: the Production view rebuilt its
tables every second and the live trend drew every frame behind the Alarms tab, about half of the GUI
thread's busy time at 1280 touch (py-spy; bench/gui_thread_load.py), on a line-side PC with no
core to spare. The other half of the rule is the one a supervisor sees: what comes to the front is
never a frame from when it went behind.
"""

from __future__ import annotations

import copy
import time

import pytest

from .test_production_ui import production_runtime, shift_dir  # noqa: F401


@pytest.mark.parametrize(("size", "touch"), [((1280, 800), True), ((1920, 1080), False)])
def test_panes_behind_a_tab_draw_nothing_and_are_current_when_brought_forward(
    open_window,
    production_runtime,  # noqa: F811
    qtbot,
    size,
    touch,
):
    _rt, win = open_window(size, touch, rt=production_runtime)
    panel, trend = win.production, win.trend
    assert panel is not None
    renders: list[float] = []
    render = panel.view._render
    panel.view._render = lambda *a, **k: (renders.append(time.time()), render(*a, **k))  # type: ignore[method-assign]

    win.alarms_dock.raise_()
    qtbot.wait(300)
    frames, renders[:] = trend.frames, []
    panel.figures.analysis = _fresh_each_call(panel.figures.analysis)  # as live: a new analysis each second
    qtbot.wait(2600)  # two or three of the window's one-second ticks, many trend timer ticks
    assert trend.frames == frames, "the trend drew frames behind the Alarms tab"
    assert renders == [], "the Production view was rebuilt behind the Alarms tab"

    # Brought forward: drawn at once, up to now, before the next timer tick.
    win.trend_dock.raise_()
    qtbot.wait(1)
    assert trend.frames > frames
    assert trend.is_live and abs(trend.x_range()[1] - time.time()) < 1.0  # the frame ends at now

    win.production.dock.raise_()
    qtbot.wait(1)
    assert renders, "the Production view came to the front without being brought up to date"
    assert panel.view.analysis is not None


def _fresh_each_call(analysis):
    """The tracker of the fixture has a fixed clock (one analysis); a live one makes a new one each second."""
    return lambda: copy.copy(analysis())
