"""Trends draw only what was recorded (issue 10), checked on the arrays a curve is given (no Qt).

For random step / ramp / stop / gap / bad / uncertain / backfilled signals, at several
pixel widths: every pixel column's drawn extent lies within the values held there
(sample-and-hold, never interpolated), and min/max buckets keep the recorded extremes.
Sources: raw samples, pixel buckets, the historian's raw / rollup / SQL-bucket reads of a
real journal file. The live ring, history joined to live and backfilled stretches are
checked through the trend's view state in tests/test_trend_view.py and the widget.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.historian import Historian
from hmi.core.historian_synth import write_recorded_journal
from hmi.core.quality import BAD_NOT_CONNECTED, BAD_SENSOR_FAILURE
from hmi.core.trend_data import Points, bucketize, usable_mask, value_at
from tests.drawn_truth import (
    T0,
    Columns,
    curve_xy,
    drawn_at,
    drawn_extent,
    missing_extremes,
    recorded_signals,
    stop_after_running,
    violations,
)

TAG = "filler.motor_current"


@pytest.fixture(scope="module")
def cfg():
    return load_config(DEMO_CONFIG)


def grid(rec: Points, width: float) -> Columns:
    """Pixel columns over the signal plus a margin, aligned to an arbitrary origin."""
    t0 = float(rec.ts[0]) - 2.5 * width
    n = math.ceil((float(rec.ts[-1]) - t0) / width) + 3
    return Columns(t0, width, n)


WIDTHS = (0.37, 2.0, 13.0, 60.0)  # seconds per pixel: zoomed in past the samples to a shift


@settings(max_examples=60, deadline=None)
@given(recorded_signals())
def test_raw_samples_are_drawn_held_never_interpolated(rec):
    x, y = curve_xy(rec)
    for w in WIDTHS:
        cols = grid(rec, w)
        assert violations(x, y, rec, cols) == [], f"{w} s/px"
        # raw samples: every column shows the extremes recorded in it (the sample that
        # ends the data has no segment yet, so the last column may show nothing)
        last = Points(rec.ts[:-1], rec.value[:-1], rec.status[:-1])
        assert missing_extremes(x, y, last, cols) == [], f"{w} s/px"


@settings(max_examples=60, deadline=None)
@given(recorded_signals(), st.sampled_from(WIDTHS), st.floats(0.0, 1.0))
def test_min_max_buckets_keep_extremes_and_hold_the_last_value(rec, w, phase):
    origin = float(rec.ts[0]) - (2.0 + phase) * w
    b = bucketize(rec.ts, rec.value, rec.status, w, origin)
    x, y = curve_xy(b.to_points())
    cols = Columns(origin, w, math.ceil((rec.ts[-1] - origin) / w) + 3)
    assert violations(x, y, rec, cols) == []
    # every column with usable samples shows their min and max (the last one may have no
    # segment after it, as with raw samples)
    last_col = int((rec.ts[-1] - origin) // w)
    keep = np.floor((rec.ts - origin) / w) < last_col
    assert missing_extremes(x, y, Points(rec.ts[keep], rec.value[keep], rec.status[keep]), cols) == []


def _ramp_into_bad_signal() -> Points:
    """Found by random draws (rollup-10s, 120 px): a bucket ending in a Bad stretch held its max (a
    ramp's 35.0) from the bucket's x until the bad sample, 14 s past its time and past one rollup
    bucket. Idle, a constant, a gap, a ramp 37.5 -> 0.87 at 1 Hz, then Bad samples, then a ramp."""
    ts = [4.791, *np.arange(132.01, 712.02, 20.0)]
    vs = [0.0] * len(ts)
    ss = [0] + [1056] * (len(ts) - 1)  # 1056: InfoType DataValue + LineHMI's backfill marker
    ts += [*np.arange(732.01, 744.0, 1.0), 744.01, 834.01, *np.arange(924.01, 944.02, 1.0), 945.01, 1212.557]
    vs += [-13.01] * 12 + [math.nan, 1e6] + [39.9] * 21 + [0.0, math.nan]
    ss += [0] * 12 + [BAD_SENSOR_FAILURE] * 2 + [1056] * 21 + [0, BAD_NOT_CONNECTED]
    ramp = np.arange(1269.854, 1285.0, 1.0)
    ts += [*ramp, *np.arange(1285.854, 3446.0, 90.0), *np.arange(3535.854, 3676.0, 20.0)]
    vs += [37.45833 - 2.4393593 * k for k in range(len(ramp))] + [math.nan] * 25
    vs += [5.748 + 4.88 * k for k in range(8)]
    ss += [0] * len(ramp) + [BAD_SENSOR_FAILURE] * 25 + [0] * 8
    return Points.of(np.asarray(ts) + T0, vs, ss)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    recorded_signals(max_segments=10, spacing=(1.0, 5.0, 20.0, 90.0)),
    st.sampled_from(["raw", "rollup", "sql-group"]),
    st.sampled_from([120, 400, 900]),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
)
@example(_ramp_into_bad_signal(), "rollup", 120, 0.18557184209766514, 0.46108524469823464)
def test_historian_reads_draw_only_what_the_journal_holds(cfg, rec, source, width_px, start, length):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "j.db"
        write_recorded_journal(path, cfg, {TAG: rec}, rollups=source == "rollup")
        hist = Historian.for_files([path], raw_factor=1e9 if source == "raw" else 0.01, threads=1)
        span = float(rec.ts[-1] - rec.ts[0])
        # a view inside the data, one reaching past both ends, and one drawn anywhere around it
        drawn_t0 = rec.ts[0] - 60 + start * (span + 60)
        for t0, t1 in (
            (rec.ts[0] + 0.2 * span, rec.ts[0] + 0.7 * span + 1.0),
            (rec.ts[0] - 30, rec.ts[-1] + 30),
            (drawn_t0, drawn_t0 + 60 + length * (span + 120)),
        ):
            res = hist.read([TAG], float(t0), float(t1), width_px=width_px)
            ph = res.pens[TAG]
            allowed = {
                "raw": ("raw",),
                "rollup": ("rollup", "raw", "sql-group"),
                "sql-group": ("sql-group", "raw"),
            }
            assert ph.source.startswith(allowed[source]) or ph.source == "none", ph.source
            w = res.bucket_s
            cols = Columns(res.t0, w, res.width_px)
            # rollup rows are 10 s to 600 s wide and not aligned to pixels: an extreme may be
            # drawn up to one rollup bucket from its time
            slack = float(ph.source.split("-")[1].rstrip("s")) if ph.source.startswith("rollup") else 0.0
            x, y = curve_xy(ph.points)
            assert violations(x, y, rec, cols, slack=slack) == [], ph.source
            # the cursor's exact value is the held sample, and the line passes through it
            t = float(t0) + 0.37 * (float(t1) - float(t0))
            v, s, _ts = hist.value_at(TAG, t)
            want = value_at(rec, t)
            assert (math.isnan(v) and math.isnan(want[0])) or v == want[0]
            if usable_mask(np.array([v]), np.array([s], dtype=np.uint32))[0]:  # a bad one reads "—"
                lo, hi = drawn_at(x, y, t, w + 2 * slack)
                if math.isfinite(lo):
                    assert lo - 1e-9 <= v <= hi + 1e-9, (t, v, lo, hi, ph.source)


@pytest.mark.parametrize("source", ["raw", "rollup", "sql-group"])
@pytest.mark.parametrize("width_px", [300, 1200])
def test_a_0_A_stop_after_27_8_A_is_flat_at_0_and_the_cursor_reads_the_line(cfg, tmp_path, source, width_px):
    t_trip = T0 + 3600.0
    rec = stop_after_running(t_trip)
    path = tmp_path / "j.db"
    write_recorded_journal(path, cfg, {TAG: rec}, rollups=source == "rollup")
    hist = Historian.for_files([path], raw_factor=1e9 if source == "raw" else 0.01, threads=1)
    t0, t1 = t_trip - 900.0, t_trip + 420.0
    res = hist.read([TAG], t0, t1, width_px=width_px)
    ph = res.pens[TAG]
    x, y = curve_xy(ph.points)
    w = res.bucket_s
    # over the stop (one pixel after the trip until one before the restart) the line is at 0 A
    n = int((180.0 - 2 * w) // w)
    lo, hi = drawn_extent(x, y, Columns(t_trip + w, w, n))
    assert np.all(lo == 0.0) and np.all(hi == 0.0), (ph.source, lo, hi)
    slack = float(ph.source.split("-")[1].rstrip("s")) if ph.source.startswith("rollup") else 0.0
    assert violations(x, y, rec, Columns(res.t0, w, res.width_px), slack=slack) == []
    # the cursor in the middle of the stop reads 0 A and the line is there
    t = t_trip + 90.0
    v, _s, ts = hist.value_at(TAG, t)
    assert v == 0.0 and ts == t_trip
    lo, hi = drawn_at(x, y, t, w)
    assert lo == hi == 0.0
