"""A stop's length reads the same in the Stops table, the review's stop list and the assistant.

The filler's 185.9 s bearing stop read "03:05" in the Production view's Stops table and "3 min 6 s"
in the assistant's answer and the handover; a 5.7 s start-up stop "00:05" and "6 s" (qa10 Q10-8):
one rounded, the other cut the fraction off.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from hmi.core.production.text import clock_duration
from inference.assistant.tools.fmt import fmt_duration


def _table_seconds(text: str) -> int:
    m = re.fullmatch(r"(\d+):(\d\d)", text)
    assert m, text
    return int(m[1]) * 60 + int(m[2])


def _assistant_seconds(text: str) -> int:
    m = re.fullmatch(r"(?:(\d+) min)? ?(?:(\d+) s)?", text)
    assert m and (m[1] or m[2]), text
    return int(m[1] or 0) * 60 + int(m[2] or 0)


@given(st.floats(0.0, 3599.4, allow_nan=False))
def test_a_stop_under_an_hour_is_the_same_whole_seconds_in_the_table_and_the_assistant(d):
    assert _table_seconds(clock_duration(d)) == _assistant_seconds(fmt_duration(d))


def test_the_qa10_stops():
    assert (clock_duration(185.9), fmt_duration(185.9)) == ("03:06", "3 min 6 s")
    assert (clock_duration(5.7), fmt_duration(5.7)) == ("00:06", "6 s")
