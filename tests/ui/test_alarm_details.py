"""A tap on an alarm row shows its whole message, action included, on a touch screen at
1280x800: the Message column is elided there and a touch screen has no hover tooltip (found by
the walkthrough). Checked for every row of every alarm view during the demo fault."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from hmi.core.alarms.model import AlarmRecord, state_and_since
from tests.helpers.alarm_window import alarm_list_window
from widgets.alarm_model import COL_MESSAGE, COL_VALUE
from widgets.alarm_store import AlarmView
from widgets.alarm_table import VIEW_ORDER
from widgets.formatting import format_timestamp

from .test_alarm_screens import _save


@pytest.fixture
def touch_window(qtbot, themed_app, make_runtime, demo_config):
    return alarm_list_window(qtbot, make_runtime, demo_config)[1]


def _buttons(t) -> set[int]:
    """The heights of the action row: which buttons show depends on the view and the row."""
    return {b.mapTo(t.window(), QPoint(0, 0)).y() for b in t.buttons.values() if b.isVisible()}


def test_a_tap_on_any_row_shows_its_full_message(qtbot, touch_window):
    t = touch_window.alarm_table
    assert not t.details.isVisible()  # nothing selected: no details line
    before = _buttons(t)
    tapped = 0
    for view in VIEW_ORDER:
        t.set_view(view)
        qtbot.wait(20)
        for row in range(t.model.rowCount()):
            idx = t.model.index(row, COL_MESSAGE)
            t.view.scrollTo(idx)
            rect = t.view.visualRect(idx)
            # One tap is enough: the details of the row tapped before lie under the list, never
            # over this row (qa11 Q11-1).
            qtbot.mouseClick(t.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            r = t.model.record_at(row)
            assert r is not None and t.selected_rows() == [row]
            d = t.details
            assert d.isVisible(), f"{view.value} row {row}: no details line after a tap"
            assert r.message in d.text()
            if isinstance(r, AlarmRecord) and (since := state_and_since(r)[1]):
                # The time of its state, not of its activation (qa7 G3).
                assert f"since {format_timestamp(since)}" in d.text().splitlines()[0]
            # Wrapped, not elided or clipped: the label is as tall as its text needs and lies
            # inside the window.
            qtbot.waitUntil(lambda d=d: d.height() >= d.heightForWidth(d.width()), timeout=2000)
            top_left = d.mapTo(touch_window, QPoint(0, 0))
            assert top_left.y() + d.height() <= touch_window.height()
            # The action buttons stay where they were (qa8 Q5: the details line pushed Acknowledge
            # below the pane's edge at 1280x800 after a tap).
            now = _buttons(t)
            assert not now or now == before, (
                f"{view.value} row {row}: the action buttons moved {before} -> {now}"
            )
            tapped += 1
            if view is AlarmView.ACTIVE and row == 0:
                _save(touch_window, "alarms_details_touch_1280")
    assert tapped >= 10
    t.set_view(AlarmView.ACTIVE)
    t.view.clearSelection()
    assert not t.details.isVisible()


def test_every_view_heads_its_value_column_with_the_time_of_its_values(touch_window):
    """qa7 G32: History showed the value at each transition under "Value now"."""
    t = touch_window.alarm_table
    for view in VIEW_ORDER:
        t.set_view(view)
        head = t.model.headerData(COL_VALUE, Qt.Orientation.Horizontal)
        assert head == ("Value then" if view is AlarmView.HISTORY else "Value now"), view
    t.set_view(AlarmView.ACTIVE)
