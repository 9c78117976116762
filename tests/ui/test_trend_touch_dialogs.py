"""The trend's Range... and Sets > Save pens as... done with a finger only (qa10 Q10-24): any
instant of the last month typed on the number pad and picked from the day list reads back as that
instant; the quick choices are the last 15 min, the last hour and the shifts of the calendar; a set
name typed on the on-screen keyboard is saved under that name. The walk over every window
(tests/ui/test_touch_reach.py) checks that the keys are there; this checks that they work."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from hmi.core.live_buffer import LiveBuffers
from hmi.core.shift_calendar import ShiftCalendar
from hmi.core.trend_sets import TrendSetStore
from hmi.ui.touch import TOUCH_TARGET_PX
from widgets.text_dialog import TextDialog
from widgets.time_entry import TimeEntry
from widgets.touch_reach import inputs_without_keys, unreachable
from widgets.trend import menus
from widgets.trend.menus import RangeDialog

from ..helpers.settle import settle
from .test_touch_reach import touch  # noqa: F401  (the fixture: the touch profile on)
from .test_trend import NOW, trend_factory  # noqa: F401  (the fixture)

MONTH_S = 30 * 86400


def _tap_in(qtbot, dlg: RangeDialog, entry: TimeEntry, t: float) -> None:
    """Set `entry` to `t` as a finger does: the day from the list, a tap on the time, C, six digits."""
    local = dt.datetime.fromtimestamp(t)
    index = entry.day.findData(local.date().toordinal())
    assert index >= 0, f"{local.date()} is not in the day list"
    entry.day.setCurrentIndex(index)
    qtbot.mouseClick(entry.time, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.pad is not None and dlg.pad.target is entry.time, timeout=2000)
    assert dlg.pad is not None
    dlg.pad.press("C")
    for digit in f"{local:%H%M%S}":
        dlg.pad.press(digit)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=st.integers(0, MONTH_S), b=st.integers(0, MONTH_S))
def test_any_range_of_the_last_month_by_touch(qtbot, touch, a, b):  # noqa: F811
    t0, t1 = sorted((NOW - a, NOW - b))
    dlg = RangeDialog(NOW - 3600, NOW, touch=True, now=NOW)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    settle(dlg)
    assert unreachable(dlg, TOUCH_TARGET_PX) == [] and inputs_without_keys(dlg) == []
    _tap_in(qtbot, dlg, dlg.start, t0)
    _tap_in(qtbot, dlg, dlg.end, t1)
    assert dlg.pad is not None
    dlg.pad.press("enter")
    if t1 > t0:
        assert dlg.result() == RangeDialog.DialogCode.Accepted and dlg.range() == (t0, t1)
    else:  # the same second twice: not a range, OK waits and says why
        assert dlg.isVisible() and "later than From" in dlg.message.text()
        dlg.reject()


def test_a_half_typed_time_is_refused_with_the_reason(qtbot, touch):  # noqa: F811
    dlg = RangeDialog(NOW - 3600, NOW, touch=True, now=NOW)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    qtbot.mouseClick(dlg.end.time, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.pad is not None and dlg.pad.target is dlg.end.time, timeout=2000)
    assert dlg.pad is not None
    for key in ("C", "2", "5", "1", "0", "0", "0"):
        dlg.pad.press(key)
    assert "To:" in dlg.message.text() and "hours 00-23" in dlg.message.text()
    assert not dlg.buttons.button(dlg.buttons.StandardButton.Ok).isEnabled()
    dlg.pad.press("enter")
    assert dlg.isVisible()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(back=st.integers(0, 7 * 86400))
def test_quick_choices_are_the_last_minutes_and_the_calendars_shifts(qtbot, back):
    now = float(NOW - back)
    cal = ShiftCalendar.default()
    dlg = RangeDialog(now - 60, now, shifts=cal, now=now)
    qtbot.addWidget(dlg)
    _s, s0, s1 = cal.shift_at(now)
    _p, p0, p1 = cal.shift_at(s0 - 1.0)
    for label, want in (
        ("Last 15 min", (now - 900, now)),
        ("Last hour", (now - 3600, now)),
        ("This shift", (s0, min(s1, now))),
        ("Shift before", (p0, p1)),
    ):
        dlg.quick_buttons[label].click()
        # The fields hold whole seconds, as the trend's axis shows them.
        assert dlg.range() == (float(int(want[0])), float(int(want[1]))), label


def test_range_and_set_name_from_the_trend_by_touch(trend_factory, demo_config, touch, tmp_path, monkeypatch):  # noqa: F811
    store = TrendSetStore(tmp_path / "sets.json")
    w = trend_factory(demo_config, LiveBuffers.from_config(demo_config), trend_sets=store, user="j.smith")
    w.touch = True
    w.add_pens(["filler.speed"])

    def run_range(dlg: RangeDialog) -> int:
        assert dlg.pad is not None
        dlg.quick_buttons["Last 15 min"].click()
        dlg.pad.press("enter")
        return dlg.result()

    monkeypatch.setattr(RangeDialog, "exec", run_range)
    menus.custom_range_dialog(w)
    assert not w.is_live and w.x_range() == pytest.approx((NOW - 900, NOW))

    def run_name(dlg: TextDialog) -> int:
        assert dlg.keyboard is not None and inputs_without_keys(dlg) == []
        keys = dlg.keyboard
        keys.press("⇧")
        for ch in "filler night":
            keys.press("space" if ch == " " else ch)
        keys.press("enter")
        return dlg.result()

    monkeypatch.setattr(TextDialog, "exec", run_name)
    menus.save_set_dialog(w)
    assert w.set_names() == ["Filler night"]
