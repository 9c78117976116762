"""Time expressions against the shift calendar."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from inference.assistant.timeparse import ShiftCalendar, TimeParser

UTC = dt.UTC


def ts(*a: int, tz: dt.tzinfo = UTC) -> float:
    return dt.datetime(*a, tzinfo=tz).timestamp()


NOW = ts(2026, 3, 29, 10, 50)


@pytest.fixture
def tp() -> TimeParser:
    return TimeParser(ShiftCalendar(tz=UTC))


@pytest.mark.parametrize(
    ("text", "start", "end", "point"),
    [
        ("what happened in the last hour", ts(2026, 3, 29, 9, 50), NOW, None),
        ("rejects in the past 30 minutes", ts(2026, 3, 29, 10, 20), NOW, None),
        ("last 2 hours", ts(2026, 3, 29, 8, 50), NOW, None),
        ("alarms this shift", ts(2026, 3, 29, 6), NOW, None),
        ("the previous shift", ts(2026, 3, 28, 22), ts(2026, 3, 29, 6), None),
        ("yesterday night shift", ts(2026, 3, 28, 22), ts(2026, 3, 29, 6), None),
        ("yesterday's night shift", ts(2026, 3, 28, 22), ts(2026, 3, 29, 6), None),
        ("last night", ts(2026, 3, 28, 22), ts(2026, 3, 29, 6), None),
        ("the late shift", ts(2026, 3, 28, 14), ts(2026, 3, 28, 22), None),
        ("the early shift", ts(2026, 3, 29, 6), NOW, None),
        ("today", ts(2026, 3, 29, 0), NOW, None),
        ("yesterday", ts(2026, 3, 28, 0), ts(2026, 3, 29, 0), None),
        ("between 10:00 and 10:30", ts(2026, 3, 29, 10), ts(2026, 3, 29, 10, 30), None),
        ("between 22:00 and 23:00", ts(2026, 3, 28, 22), ts(2026, 3, 28, 23), None),
        ("since 09:15", ts(2026, 3, 29, 9, 15), NOW, None),
    ],
)
def test_ranges(tp, text, start, end, point):
    s = tp.parse(text, NOW)
    assert s is not None, text
    assert (s.start, s.end) == (start, end), s.label
    assert s.point == point


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("why did the capper stop at 10:42?", ts(2026, 3, 29, 10, 42)),
        ("at 11:30", ts(2026, 3, 28, 11, 30)),  # later than now today: yesterday's
        ("around 9:05:12", ts(2026, 3, 29, 9, 5, 12)),
        ("yesterday at 22:10", ts(2026, 3, 28, 22, 10)),
        ("at 3pm", ts(2026, 3, 28, 15)),
        ("at 10 am", ts(2026, 3, 29, 10)),
        ("2026-03-20 10:42", ts(2026, 3, 20, 10, 42)),
    ],
)
def test_points(tp, text, point):
    s = tp.parse(text, NOW)
    assert s is not None and s.point == point, text
    assert s.start < point < s.end


@pytest.mark.parametrize("text", ["what is the reject rate", "filler 2 speed", "give me 10 alarms", ""])
def test_no_time(tp, text):
    assert tp.parse(text, NOW) is None


def test_custom_calendar_and_validation():
    cal = ShiftCalendar.from_mapping(
        [
            {"name": "day", "start": "07:00", "end": "19:00"},
            {"name": "night", "start": "19:00", "end": "07:00"},
        ],
        UTC,
    )
    s, a, b = cal.shift_at(ts(2026, 3, 29, 3))
    assert s.name == "night" and a == ts(2026, 3, 28, 19) and b == ts(2026, 3, 29, 7)
    assert TimeParser(cal).parse("this shift", ts(2026, 3, 29, 8)).start == ts(2026, 3, 29, 7)
    with pytest.raises(ValueError, match="cover the day"):
        ShiftCalendar.from_mapping([{"name": "a", "start": "06:00", "end": "14:00"}])
    with pytest.raises(ValueError, match="clock time"):
        ShiftCalendar.from_mapping([{"name": "a", "start": "6 am", "end": "06:00"}])


def test_night_shift_across_a_dst_change():
    berlin = ZoneInfo("Europe/Berlin")
    tp = TimeParser(ShiftCalendar(tz=berlin))
    now = ts(2026, 3, 29, 8, 0, tz=berlin)  # clocks went forward at 02:00 that night
    s = tp.parse("last night", now)
    assert s is not None
    assert s.start == ts(2026, 3, 28, 22, tz=berlin) and s.end == ts(2026, 3, 29, 6, tz=berlin)
    assert s.end - s.start == 7 * 3600  # a 7-hour night shift: the hour that did not exist is not counted


def test_shift_calendar_from_config_defaults():
    class Cfg:
        pass

    assert [s.name for s in ShiftCalendar.from_config(Cfg()).shifts] == ["early", "late", "night"]
