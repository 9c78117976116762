"""A report's trend snapshot draws each pen held to the record's end, never beyond it, and marks the
window outside the record "no record" (QA5 F24: the labeller's speed and current vanished a few
seconds into its stop although both stayed at 0 to the record's end; the axes ran on unmarked)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from hmi.core.quality import GOOD
from hmi.core.review.snapshot_draw import outside_record, snapshot_pen
from hmi.core.trend_data import Points

T = 1_765_000_000.0


@given(
    gaps=st.lists(st.floats(0.1, 60.0), min_size=1, max_size=30),
    values=st.lists(st.floats(-100, 100), min_size=30, max_size=30),
    record_after_last=st.floats(0.5, 300.0),
    window_after_record=st.floats(-200.0, 300.0),
    window_before=st.floats(-100.0, 100.0),
)
def test_values_hold_to_the_record_end_and_the_rest_is_no_record(
    gaps, values, record_after_last, window_after_record, window_before
):
    all_ts = T + np.cumsum(gaps)
    r0, r1 = T, float(all_ts[-1]) + record_after_last  # samples stop before the record ends (held at 0 A)
    w0 = T + window_before
    w1 = max(w0 + 1.0, r1 + window_after_record)
    ts = all_ts[all_ts <= w1]  # what a read of the window returns
    v = np.array(values[: len(ts)])
    pts = Points(ts, v, np.full(len(ts), GOOD, dtype=np.uint32))
    drawn = snapshot_pen(pts, w0, w1, r0, r1)
    xs = np.r_[drawn.styled.solid_x, drawn.styled.dashed_x]
    xs = xs[np.isfinite(xs)]
    if len(ts) and min(w1, r1) > ts[-1]:
        # the last value is drawn up to the record's end (or the window's), never past it
        assert xs.max() == min(w1, r1)
    if len(xs):
        assert xs.max() <= r1 + 1e-9
    # outside the record: marked, and nothing else is
    out = drawn.no_record
    covered = out.total()
    want = max(0.0, min(w1, r0) - w0) + max(0.0, w1 - max(w0, r1))
    assert covered == np.float64(want) or abs(covered - want) < 1e-6
    for a, b in zip(out.start, out.end, strict=True):
        assert b <= r0 + 1e-9 or a >= r1 - 1e-9  # never inside the record


def test_a_window_inside_the_record_has_no_no_record_part():
    assert len(outside_record(T + 10, T + 20, T, T + 30)) == 0
