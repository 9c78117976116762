"""A trend opened around an alarm never reaches past now, and the pen table never names a future
instant (qa9 Q9-15: "Trend" from a trip 44 s ago opened on ... → 00:49:54 and read "Value at
00:49:54" with values). Properties over alarm times, spans, views and cursors."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmi.core.trend_readout import readout_instant
from hmi.core.trend_view import MAX_SPAN_S, MIN_SPAN_S, window_around

NOW = 1_796_000_000.0
ago = st.floats(-600.0, 30 * 86400.0)  # an alarm's time before now (negative: a clock a bit ahead)
spans = st.floats(1.0, 2 * 86400.0)


def _heading_t(heading: str, near: float) -> float:
    """The instant "Value at HH:MM:SS" names, as the local time of day closest to `near`."""
    hh, mm, ss = (int(x) for x in heading.removeprefix("Value at ").split(":"))
    lt = time.localtime(near)
    day = time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday, hh, mm, ss, 0, 0, -1))
    return min((day - 86400.0, day, day + 86400.0), key=lambda d: abs(d - near))


@given(ago, spans)
def test_the_window_around_an_alarm_ends_at_now_at_the_latest(back, span):
    t_alarm = NOW - back
    t0, t1 = window_around(t_alarm, span, NOW)
    assert t1 <= NOW
    assert t1 - t0 == pytest.approx(max(MIN_SPAN_S, min(span, MAX_SPAN_S)))
    if t_alarm <= NOW:  # the alarm is in the view
        assert t0 <= t_alarm <= t1


@given(ago, spans, st.one_of(st.none(), st.just(math.nan), st.floats(-7200.0, 7200.0)), st.booleans())
def test_the_value_heading_never_names_an_instant_after_now(back, span, cursor_off, opened_by_alarm):
    t_alarm = NOW - back
    view = window_around(t_alarm, span, NOW) if opened_by_alarm else (t_alarm - span / 2, t_alarm + span / 2)
    cursor = None if cursor_off is None else t_alarm + cursor_off
    for live in (False, True):
        inst = readout_instant(live=live, now=NOW, view=view, cursor_t=cursor)
        assert inst.t <= NOW, (view, cursor, inst)
        if inst.heading != "Value now":
            assert _heading_t(inst.heading, inst.t) <= NOW, (view, cursor, inst)
