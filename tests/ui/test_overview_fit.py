"""Issue 10: with the banner full (3 alarm rows) on a line-side PC (1280x800, touch profile) the line
overview kept a ~60 px strip: faceplate titles, and the states and speeds only by drag-scrolling.

The invariant: on every screen size and profile, with alarms standing (an upset, 3 banner rows),
every faceplate's state badge and main value (speed, else its first indicator) lie wholly inside
the overview's visible viewport without scrolling, whatever state text the badge carries (a long
one wraps onto a second line and makes the head taller).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect

from hmi.ui.main_window import MainWindow
from widgets.line_overview import LineOverview

from .fakes import OPERATOR, simulate_fault


@pytest.fixture
def window(qtbot, themed_app, make_runtime, demo_config):
    made: list[MainWindow] = []

    def make(size: tuple[int, int], touch: bool) -> MainWindow:
        rt = make_runtime(demo_config, alarms=True)
        simulate_fault(rt)  # 9 alarms standing: the banner holds 3 rows, the alarm list wants 8
        win = MainWindow(rt, demo_config, user=OPERATOR, touch=touch)
        qtbot.addWidget(win)
        win.resize(*size)
        win.show()
        qtbot.waitExposed(win)
        qtbot.wait(200)  # the deferred dock sizing (size_docks and its re-measuring passes)
        made.append(win)
        return win

    yield make
    for win in made:
        win.allow_close()
    themed_app.setStyleSheet("")
    if made and made[0].touch_profile is not None:
        made[0].touch_profile.set_enabled(False)


def _hidden_essentials(overview: LineOverview) -> list[str]:
    """Each faceplate's state badge or main value not wholly inside the overview's viewport."""
    port = overview.viewport()
    seen = QRect(0, 0, port.width(), port.height())
    out = []
    for mid, fp in overview.faceplates.items():
        main = fp.main_value
        assert main is not None, f"{mid} has no value to show"
        for what, w in (("state", fp.state_label), ("main value", main)):
            r = QRect(w.mapTo(port, w.rect().topLeft()), w.size())
            if not (w.isVisible() and seen.contains(r)):
                out.append(f"{mid} {what} at {r.getRect()} outside the viewport {seen.getRect()}")
    return out


def _banner_rows(win: MainWindow) -> int:
    return sum(1 for r in win.alarm_banner.rows if r.isVisible() and r.record is not None)


@pytest.mark.parametrize("size", [(1280, 800), (1366, 768), (1920, 1080)])
@pytest.mark.parametrize("touch", [True, False], ids=["touch", "desk"])
def test_every_faceplate_state_and_main_value_show_with_a_full_banner(window, qtbot, size, touch):
    win = window(size, touch)
    assert _banner_rows(win) == 3 and win.touch == touch
    ov = win.overview
    assert ov.verticalScrollBar().value() == 0
    assert _hidden_essentials(ov) == []
    # The alarm list keeps rows for the upset all the same (fewer than its 8 on the small screens).
    view = win.alarm_table.view
    assert view.viewport().height() >= 3 * view.verticalHeader().defaultSectionSize()


@pytest.mark.parametrize(
    "state", ["Running", "FAULTED · Bearing failure (last known)", "? no connection · last known 3 min ago"]
)
def test_a_long_state_that_wraps_still_leaves_the_main_value_in_view(window, qtbot, state):
    win = window((1280, 800), True)
    for fp in win.overview.faceplates.values():
        fp._set_state_badge(state, "fault")
    qtbot.wait(100)
    assert _hidden_essentials(win.overview) == []
