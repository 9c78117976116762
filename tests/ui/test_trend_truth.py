"""The trend widget draws only what was recorded (issue 10), read back from its plot items.

`TrendWidget.drawn(tag)` returns the vertex arrays the pen's pyqtgraph items hold (what
they stroke), so these tests check the drawing itself, at several widths and zooms, for
live data, history joined to live and backfilled stretches; plus the 0 A-after-27.8 A stop
read with the cursor, and the pen table in live mode.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from hmi.core.historian import Historian
from hmi.core.historian_synth import write_recorded_journal
from hmi.core.live_buffer import LiveBuffers
from hmi.core.quality import BACKFILLED
from hmi.core.samples import SampleBatch
from hmi.core.trend_data import Points
from tests.drawn_truth import (
    T0,
    Columns,
    drawn_at,
    drawn_extent,
    recorded_signals,
    stop_after_running,
    violations,
)
from widgets.trend import TrendWidget

TAG = "filler.motor_current"


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def feed(live: LiveBuffers, p: Points, tag: str = TAG) -> None:
    if len(p):
        i = np.full(len(p), live.index[tag])
        live.apply(SampleBatch.from_columns(i, p.ts, p.ts, p.ts, p.value, p.status))


def columns(w: TrendWidget) -> Columns:
    """The pixel columns the widget draws for (its bucket grid; live, the grid around now)."""
    v0, v1 = w.pixel_grid()
    px = w._plot_px()
    return Columns(v0, (v1 - v0) / px, px)


def slack(w: TrendWidget, tag: str = TAG) -> float:
    """Rollup rows are 10 s to 600 s wide and not aligned to pixels: an extreme may be drawn
    up to one rollup bucket from its time. Raw samples and SQL buckets are exact."""
    h = w.view.pens[tag].hist
    src = h.source if h is not None else ""
    return max(
        (float(s.split("-")[1].rstrip("s")) for s in src.split("+") if s.startswith("rollup")), default=0.0
    )


def make(qtbot, config, live, hist, clock, span_s, width=1300) -> TrendWidget:
    w = TrendWidget(config, live, hist, clock=clock, span_s=span_s, refresh_ms=10_000)
    qtbot.addWidget(w)
    w.resize(width, 560)
    w.show()
    qtbot.waitExposed(w)
    return w


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    # a widget per example costs a second: no shrinking (a failure still prints its example;
    # the Qt-free tests in tests/test_trend_view.py shrink the same properties cheaply)
    phases=[Phase.generate],
)
@given(recorded_signals(max_segments=8, spacing=(0.5, 2.0, 10.0)), st.data())
def test_the_plot_items_hold_only_what_was_recorded(qtbot, themed_app, demo_config, rec, data):
    """Live buffer joined to a journal, a backfilled stretch arriving late, several zooms and
    widths: every pixel column of what the items draw lies within the values held there."""
    n = len(rec)
    j = data.draw(st.integers(1, n))
    t_join = float(rec.ts[j - 1]) + 0.5
    a = data.draw(st.integers(j - 1, n - 1))
    b = data.draw(st.integers(a, n))
    late = Points(rec.ts[a:b], rec.value[a:b], rec.status[a:b] | np.uint32(BACKFILLED))
    truth = Points.concat(
        [
            Points(rec.ts[:a], rec.value[:a], rec.status[:a]),
            late,
            Points(rec.ts[b:], rec.value[b:], rec.status[b:]),
        ]
    )
    now = float(rec.ts[-1]) + 5.0
    clock = Clock(now)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "j.db"
        write_recorded_journal(path, demo_config, {TAG: truth.between(-math.inf, t_join)})
        live = LiveBuffers.from_config(demo_config, clock=clock, retention_s=1e9)
        live.started_at = t_join
        on_time = truth.between(t_join, math.inf)
        missing = (
            (on_time.ts >= late.ts[0]) & (on_time.ts <= late.ts[-1])
            if len(late)
            else np.zeros(len(on_time), bool)
        )
        feed(live, Points(on_time.ts[~missing], on_time.value[~missing], on_time.status[~missing]))
        w = make(qtbot, demo_config, live, Historian.for_files([path], threads=1), clock, 300.0)
        try:
            w.add_pen(TAG)
            feed(live, late.between(t_join, math.inf))  # the backfill, out of time order
            for span, width in ((300.0, 1300), (3600.0, 900), (60.0, 700)):
                w.resize(width, 560)
                w.set_span(span)
                w.refresh(force=True)
                assert w.wait_idle(10)
                x, y = w.drawn(TAG)
                assert violations(x, y, truth, columns(w), end_t=now, slack=slack(w)) == [], (span, width)
            # paused on a range in the history: the same holds for the journal's buckets
            w.set_range(float(rec.ts[0]), float(rec.ts[0]) + 0.6 * (now - float(rec.ts[0])) + 30.0)
            assert w.wait_idle(10)
            x, y = w.drawn(TAG)
            assert violations(x, y, truth, columns(w), end_t=now, slack=slack(w)) == []
        finally:
            w.shutdown()


@pytest.mark.parametrize("width", [700, 1500])
def test_0_A_after_27_8_A_is_drawn_flat_and_the_cursor_reads_the_line(
    qtbot, themed_app, demo_config, tmp_path, width
):
    """The bearing trip: one 0.0 sample, 3 minutes of nothing, the restart. Reviewed from the
    journal: the line is flat at 0 A over the stop, the cursor reads 0.00 A and the line is at
    0 A where the cursor is."""
    t_trip = T0 + 3600.0
    rec = stop_after_running(t_trip)
    path = tmp_path / "j.db"
    write_recorded_journal(path, demo_config, {TAG: rec})
    w = make(qtbot, demo_config, None, Historian.for_files([path]), Clock(t_trip + 86_400), 3600.0, width)
    try:
        w.add_pen(TAG)
        for t0, t1 in ((t_trip - 900, t_trip + 420), (t_trip - 8 * 3600, t_trip + 3600)):
            w.set_range(t0, t1)
            assert w.wait_idle(10)
            x, y = w.drawn(TAG)
            cols = columns(w)
            assert violations(x, y, rec, cols, slack=slack(w)) == []
            cw = cols.width
            if 4 * cw < 180.0:
                lo, hi = drawn_extent(x, y, Columns(t_trip + cw, cw, int((180.0 - 2 * cw) // cw)))
                assert np.all(lo == 0.0) and np.all(hi == 0.0), (lo, hi)
            w.set_cursor(t_trip + 90.0)
            assert w.wait_idle(10)
            cv = w.cursor_values()[TAG]
            assert cv.exact and cv.value == 0.0 and cv.ts == t_trip
            row = w.pen_table_model.rows[w.pen_table_model.row_of(TAG)]
            assert row.value == "0.00" and w.pen_table_model.value_heading.startswith("Value at ")
            lo, hi = drawn_at(x, y, t_trip + 90.0, cw)
            assert lo <= 0.0 <= hi
    finally:
        w.shutdown()


def test_live_pen_table_never_keeps_an_old_cursor_value(qtbot, themed_app, demo_config):
    """'Filler state: Faulted' while it ran: a cursor placed on the fault scrolls out of the
    live view; the table then shows the current state and says so."""
    tag = "filler.state"
    clock = Clock(T0)
    live = LiveBuffers.from_config(demo_config, clock=clock)
    live.started_at = T0 - 600
    faulted, running = 4.0, 2.0
    feed(live, Points.of([T0 - 200, T0 - 100], [faulted, running], [0, 0]), tag)
    w = make(qtbot, demo_config, live, None, clock, 300.0)
    try:
        w.add_pen(tag)
        w.set_cursor(T0 - 150)
        w.refresh(force=True)
        model = w.pen_table_model
        row = model.rows[model.row_of(tag)]
        assert row.value == "Faulted" and model.value_heading.startswith("Value at ")
        assert w.canvas.cursor_lines()[0].label.format != ""
        # four minutes later the cursor's instant has left the 5-minute window
        clock.t = T0 + 240
        feed(live, Points.of([T0 + 200], [running], [0]), tag)
        w.refresh(force=True)
        row = model.rows[model.row_of(tag)]
        assert row.value == "Running" and model.value_heading == "Value now"
        header = model.headerData(1, Qt.Orientation.Horizontal)
        assert header == "Value now"
        assert w.canvas.cursor_lines()[0].label.format == ""  # no time cut off at the edge
    finally:
        w.shutdown()
