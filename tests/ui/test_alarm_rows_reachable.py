"""While a row is selected and its details show, every alarm row of the list is on the screen or
one scroll away, uncovered: the details box lay over the rows, so with four active alarms at
1280x800 touch a tap on the third hid the fourth, "Conveyor vibration signal lost" (Low, Unack),
and the scroll bar was full length, no scrolling brought it back (qa11 Q11-1). An unacknowledged
alarm must never be hidden from the supervisor.

Checked over random sets of active alarms (one to more than the list shows), every row tapped in
turn, in the main window at 1280x800 touch and 1920x1080 desk, day and night: after `scrollTo`
each row lies whole inside the part of the list's viewport the window shows, and the details
box (compared in global coordinates) covers none of it."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, Qt

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.ui.main_window import MainWindow
from hmi.ui.theme import THEMES, apply_theme
from tests.helpers.alarm_window import global_rect, row_line, shown_part
from widgets.alarm_model import COL_MESSAGE
from widgets.alarm_store import AlarmView

from .fakes import SUPERVISOR

# Tags whose limit alarms have no on-delay and no suppression: (tag, a value past Hi only, a value
# past Hi and HiHi). Each tag gives 0, 1 or 2 active alarms: up to 22 rows, more than the list
# shows at 1920x1080.
TRIGGERS = [
    ("filler.fill_pressure", 3.3, 3.6),
    ("capper.motor_current", 27.0, 31.0),
    ("capper.bearing_temp", 75.0, 90.0),
    ("capper.vibration", 5.0, 8.0),
    ("labeller.motor_current", 27.0, 31.0),
    ("labeller.bearing_temp", 75.0, 90.0),
    ("labeller.vibration", 5.0, 8.0),
    ("conveyor.motor_current", 15.0, 19.0),
    ("conveyor.bearing_temp", 75.0, 90.0),
    ("conveyor.vibration", 5.0, 8.0),
    ("qc.defect_rate", 20.0, 30.0),
]

SCREENS = {"1280_touch": ((1280, 800), True), "1920_desk": ((1920, 1080), False)}


def not_seen(win: MainWindow, row: int) -> str:
    """Why the row is not seen whole and uncovered after the list is scrolled to it ('' when it is)."""
    t = win.alarm_table
    t.view.scrollTo(t.model.index(row, COL_MESSAGE))
    line = row_line(win, row)
    shown = shown_part(t.view.viewport())
    if not shown.contains(line):
        return f"outside the list's shown viewport {shown} at {line}"
    d = t.details
    if d.isVisible() and shown_part(d).intersects(line):
        return f"under the details box {shown_part(d)} at {line}"
    return ""


def raise_alarms(rt, levels: list[int]) -> None:
    for (tag, hi, hihi), level in zip(TRIGGERS, levels, strict=True):
        if level:
            rt.set_value(tag, hi if level == 1 else hihi)
    now = time.time()
    rt.alarms.process(rt.synthetic_batch(now=now))
    rt.alarms.process(rt.synthetic_batch(now=now + 6))  # past every on-delay


@pytest.fixture(params=list(SCREENS), ids=list(SCREENS))
def screen(request):
    return SCREENS[request.param]


levels = st.lists(st.integers(0, 2), min_size=len(TRIGGERS), max_size=len(TRIGGERS)).filter(any)


# No shrinking: each example opens a main window; the failure names its case in words.
@settings(
    max_examples=3,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(levels=levels, theme=st.sampled_from(THEMES))
@example(levels=[1, 1, 1, 1] + [0] * (len(TRIGGERS) - 4), theme="day")  # qa11's four rows
@example(levels=[2] * len(TRIGGERS), theme="night")  # more rows than the list shows
def test_every_alarm_row_is_seen_while_one_shows_its_details(
    qtbot, themed_app, make_runtime, screen, levels, theme
):
    size, touch = screen
    demo_config = load_config(DEMO_CONFIG)  # not a fixture argument: a failing example prints its arguments
    rt = make_runtime(demo_config, alarms=True)
    raise_alarms(rt, levels)
    apply_theme(themed_app, theme)
    try:
        win = MainWindow(rt, demo_config, user=SUPERVISOR, touch=touch)
        win.setAnimated(False)
        qtbot.addWidget(win)
        win.set_night(theme == "night")
        win.resize(*size)
        win.show()
        qtbot.waitExposed(win)
        qtbot.waitUntil(lambda: win.alarm_banner.counts.total_active >= 1)
        win.show_alarm_list()
        t = win.alarm_table
        t.set_view(AlarmView.ACTIVE)
        qtbot.wait(50)
        n = t.model.rowCount()
        assert n >= 1
        for sel in range(n):
            case = f"{size[0]}x{size[1]} {'touch' if touch else 'desk'} {theme}, {n} alarms, row {sel} tapped"
            why = not_seen(win, sel)
            assert not why, f"{case}: before the tap the row is {why}"
            idx = t.model.index(sel, COL_MESSAGE)
            qtbot.mouseClick(
                t.view.viewport(), Qt.MouseButton.LeftButton, pos=t.view.visualRect(idx).center()
            )
            assert t.selected_rows() == [sel], f"{case}: the tap selected {t.selected_rows()}"
            assert t.details.isVisible() and t.details.text() == t.model.details_text(
                t.model.record_at(sel)
            ), f"{case}: no details for the tapped row"
            hidden = {row: why for row in range(n) if (why := not_seen(win, row))}
            assert not hidden, f"{case}: rows not seen even when scrolled to: {hidden}"
            # The details box itself is whole inside the window (its text is what the tap was for).
            assert shown_part(t.details) == global_rect(t.details), f"{case}: the details box is cut"
        win.close()
    finally:
        apply_theme(themed_app, "day")


def test_the_box_lies_below_the_rows_and_an_update_leaves_the_list_alone(qtbot, themed_app, make_runtime):
    """The box's top is under the viewport's foot (no row can be under it); the row it explains
    is kept in sight when the box takes its room, but an alarm update while the operator has
    scrolled elsewhere does not pull the list back to the selected row."""
    demo_config = load_config(DEMO_CONFIG)
    rt = make_runtime(demo_config, alarms=True)
    raise_alarms(rt, [2] * len(TRIGGERS))
    win = MainWindow(rt, demo_config, user=SUPERVISOR, touch=True)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.show_alarm_list()
    t = win.alarm_table
    qtbot.wait(50)
    idx = t.model.index(0, COL_MESSAGE)
    qtbot.mouseClick(t.view.viewport(), Qt.MouseButton.LeftButton, pos=t.view.visualRect(idx).center())
    assert t.details.isVisible()
    vp = global_rect(t.view.viewport())
    assert t.details.mapToGlobal(QPoint(0, 0)).y() > vp.bottom(), "the details box lies over the rows"
    bar = t.view.verticalScrollBar()
    assert bar.maximum() > 0, "the test needs more rows than the list shows"
    bar.setValue(bar.maximum())
    last = t.model.record_at(t.model.rowCount() - 1)
    assert last is not None
    rt.alarms.acknowledge([last.id], SUPERVISOR, "")
    qtbot.waitUntil(lambda: (r := t.store.get(last.id)) is not None and r.acked, timeout=3000)
    qtbot.wait(50)
    assert t.selected_rows() == [0] and t.details.isVisible()
    assert bar.value() == bar.maximum(), "an alarm update pulled the list back to the selected row"
