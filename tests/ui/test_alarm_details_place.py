"""The tapped row's details line must never hide an unacknowledged alarm: laid over the list at
1280 touch it was drawn over the top row when a trip brought the list forward and hid the new
"Filler tripped" (qa9 Q9-26), and wherever it was placed it hid some row (qa11 Q11-1). It now sits
at the list's foot, outside the rows' viewport (widgets.list_foot). Checked over random sequences
of new alarms (trips and limit alarms), acknowledgements, taps on rows and scrolls, in global
coordinates (the line is no child of the viewport)."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from hmi.core.alarms.model import AlarmRecord
from hmi.ui.main_window import MainWindow
from tests.helpers.alarm_window import alarm_list_window, global_rect, row_line
from widgets.alarm_model import COL_MESSAGE
from widgets.alarm_store import AlarmView

from .fakes import OPERATOR

# Alarms that are not raised by the fault script: each step may raise one (a trip or a limit).
NEW_ALARMS = [
    ("filler.state", 4.0),
    ("labeller.state", 4.0),
    ("filler.motor_current", 29.0),
    ("labeller.motor_current", 27.0),
    ("capper.motor_current", 29.0),
]


@pytest.fixture
def touch_window(qtbot, themed_app, make_runtime, demo_config):
    return alarm_list_window(qtbot, make_runtime, demo_config)


def hidden_unacknowledged(win: MainWindow) -> list[str]:
    """The unacknowledged rows the shown details line covers, by message."""
    t = win.alarm_table
    d = t.details
    if not d.isVisible():
        return []
    over = global_rect(d)
    hit = []
    for row in range(t.model.rowCount()):
        r = t.model.record_at(row)
        if (
            isinstance(r, AlarmRecord)
            and not r.acked
            and row_line(win, row, in_viewport=True).intersects(over)
        ):
            hit.append(r.message)
    return hit


step = st.one_of(
    st.tuples(st.just("raise"), st.integers(0, len(NEW_ALARMS) - 1)),
    st.tuples(st.just("tap"), st.floats(0, 1)),
    st.tuples(st.just("ack"), st.floats(0, 1)),
    st.tuples(st.just("scroll"), st.floats(0, 1)),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(step, min_size=1, max_size=7))
def test_the_details_line_never_hides_an_unacknowledged_row(qtbot, touch_window, steps):
    rt, win = touch_window
    t = win.alarm_table
    t.set_view(AlarmView.ACTIVE)
    eng = rt.alarms
    for op, arg in steps:
        rows = t.model.rowCount()
        if op == "raise":
            tag, value = NEW_ALARMS[arg]
            rt.set_value(tag, value)
            now = time.time()
            eng.process(rt.synthetic_batch(now=now))
            eng.process(rt.synthetic_batch(now=now + 6))  # past every on-delay
        elif op == "tap" and rows:
            idx = t.model.index(min(int(arg * rows), rows - 1), COL_MESSAGE)
            t.view.scrollTo(idx)
            qtbot.mouseClick(
                t.view.viewport(), Qt.MouseButton.LeftButton, pos=t.view.visualRect(idx).center()
            )
        elif op == "ack" and rows:
            r = t.model.record_at(min(int(arg * rows), rows - 1))
            if isinstance(r, AlarmRecord):
                eng.acknowledge([r.id], OPERATOR, "")
        elif op == "scroll":
            bar = t.view.verticalScrollBar()
            bar.setValue(int(arg * bar.maximum()))
        qtbot.wait(30)
        check_details_place(win, f"after {op} {arg}")


def check_details_place(win: MainWindow, case: str) -> None:
    """Never over the top row (the newest alarm) nor the row it explains, nor any unacknowledged
    row: it lies under the list."""
    t = win.alarm_table
    d = t.details
    if not d.isVisible():
        return
    over = global_rect(d)
    top = t.view.rowAt(0)
    covers = over.intersects
    assert top < 0 or not covers(row_line(win, top, in_viewport=True)), (
        f"{case}: the details line covers the top row"
    )
    for row in t.selected_rows():
        assert not covers(row_line(win, row, in_viewport=True)), (
            f"{case}: the details line covers the row it explains"
        )
    hit = hidden_unacknowledged(win)
    assert not hit, f"{case}: the details line covers unacknowledged {hit}"
