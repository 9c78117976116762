"""The shift report's trend charts keep their time labels inside the image (issue 10: QA3 saw
"13:44:0" cut at a chart's right edge)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hmi.ui.report_snapshots import LEFT, RIGHT, WIDTH, tick_label_left


@given(x=st.floats(LEFT, WIDTH - RIGHT), text_w=st.floats(20, 200))
def test_a_time_label_stays_inside_the_chart(x, text_w):
    left = tick_label_left(x, text_w)
    assert left >= 0 and left + text_w <= WIDTH
