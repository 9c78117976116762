"""The trend's view state without Qt: what each pen draws from the live ring, from history
joined to live and over backfilled stretches (issue 10: trends draw only what was recorded),
which instant the pen table reads, and the pens/axes/time bookkeeping (issue 9: split)."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.historian import Historian
from hmi.core.historian_synth import write_recorded_journal
from hmi.core.live_buffer import LiveBuffers
from hmi.core.quality import BACKFILLED, BAD_NOT_CONNECTED
from hmi.core.samples import SampleBatch
from hmi.core.tag_info import TagInfo
from hmi.core.trend_data import Points
from hmi.core.trend_readout import readout_instant, readout_row
from hmi.core.trend_view import TrendView
from tests.drawn_truth import (
    T0,
    Columns,
    drawn_at,
    drawn_extent,
    recorded_signals,
    stop_after_running,
    violations,
)

TAG = "filler.motor_current"
# (span s, plot px): several zooms and widths, each a whole number of 16 px as the widget uses
ZOOMS = ((300.0, 640), (1800.0, 1024), (7200.0, 256))


@pytest.fixture(scope="module")
def cfg():
    return load_config(DEMO_CONFIG)


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def pen_xy(view: TrendView, tag: str) -> tuple[np.ndarray, np.ndarray]:
    """Everything the pen's two curves get: body and tail, solid and dashed."""
    p = view.pens[tag]
    parts_x = [p.body.solid_x, p.body.dashed_x]
    parts_y = [p.body.solid_y, p.body.dashed_y]
    if p.tail_shown:
        parts_x += [p.tail.solid_x, p.tail.dashed_x]
        parts_y += [p.tail.solid_y, p.tail.dashed_y]
    nan = np.array([np.nan])
    return (
        np.concatenate([a for x in parts_x for a in (x, nan)]),
        np.concatenate([a for y in parts_y for a in (y, nan)]),
    )


def feed(live: LiveBuffers, p: Points) -> None:
    if len(p):
        i = np.full(len(p), live.index[TAG])
        live.apply(SampleBatch.from_columns(i, p.ts, p.ts, p.ts, p.value, p.status))


def with_backfill(rec: Points, a: int, b: int) -> tuple[Points, Points, Points]:
    """(delivered in order, delivered late, the ring's final content): samples a..b-1 are lost
    when the link drops (a BadNotConnected marker at the drop) and come back later from the
    server's history, flagged backfilled, after the samples that followed them."""
    drop = float(rec.ts[a]) - 1e-3
    late = Points(rec.ts[a:b], rec.value[a:b], rec.status[a:b] | np.uint32(BACKFILLED))
    marker = Points.of([drop], [math.nan], [BAD_NOT_CONNECTED])
    before = Points(rec.ts[:a], rec.value[:a], rec.status[:a])
    after = Points(rec.ts[b:], rec.value[b:], rec.status[b:])
    in_order = Points.concat([before, marker, after])
    return in_order, late, Points.concat([in_order, late], sort=True)


def live_view(cfg, clock: Clock, *, has_history: bool = False, started: float = -math.inf):
    live = LiveBuffers([TAG], retention_s=1e9, clock=clock)
    live.started_at = started
    view = TrendView(
        {TAG: TagInfo.from_config(cfg.tags[cfg.tag_index()[TAG]])}, live, has_history=has_history
    )
    view.add_pen(TAG, "#000000")
    return live, view


def frame_live(view: TrendView, now: float, span: float, px: int) -> Columns:
    view.span = span
    v0, v1 = view.live_range(now, px)
    view.frame(v0, v1, px, now, rebuild=False)
    return Columns(v0, (v1 - v0) / px, px)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(recorded_signals(), st.data())
def test_live_ring_draws_only_what_arrived_also_after_a_backfill(cfg, rec, data):
    n = len(rec)
    a = data.draw(st.integers(0, n - 1))
    b = data.draw(st.integers(a, n))
    in_order, late, final = with_backfill(rec, a, b)
    clock = Clock(float(rec.ts[0]))
    live, view = live_view(cfg, clock)
    # the samples arrive in a few batches, a frame after each (the GUI tick)
    cuts = sorted({*data.draw(st.lists(st.integers(0, len(in_order)), max_size=4)), len(in_order)})
    k0 = 0
    span, px = data.draw(st.sampled_from(ZOOMS))
    for k in cuts:
        part = Points(in_order.ts[k0:k], in_order.value[k0:k], in_order.status[k0:k])
        feed(live, part)
        k0 = k
        if len(part):
            clock.t = float(part.ts[-1]) + 0.05
        frame_live(view, clock.t, span, px)
    truth_so_far = in_order
    x, y = pen_xy(view, TAG)
    cols = frame_live(view, clock.t, span, px)
    assert violations(x, y, truth_so_far, cols, end_t=clock.t) == []
    # the backfill arrives out of order: the view redraws the stretch from the merged ring
    feed(live, late)
    for span, px in ZOOMS:
        cols = frame_live(view, clock.t, span, px)
        x, y = pen_xy(view, TAG)
        assert violations(x, y, final, cols, end_t=clock.t) == [], (span, px)
        # the pen table's value now is the held sample, and the line ends on it
        cv = view.value_at(view.pens[TAG], clock.t)
        held = final.value[np.searchsorted(final.ts, clock.t, side="right") - 1]
        assert cv.value == held or (math.isnan(cv.value) and math.isnan(held))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(recorded_signals(max_segments=10, spacing=(1.0, 5.0, 20.0)), st.data())
def test_history_joined_to_live_draws_only_what_was_recorded(cfg, rec, data):
    """The journal before the instant the buffer started, the buffer from it on, one line."""
    n = len(rec)
    j = data.draw(st.integers(1, n))
    t_join = float(rec.ts[j - 1]) + data.draw(st.floats(0.0, 1.0)) * (
        float(rec.ts[j] - rec.ts[j - 1]) if j < n else 1.0
    )
    rollups = data.draw(st.booleans())
    raw_factor = data.draw(st.sampled_from([1e9, 0.01]))
    now = float(rec.ts[-1]) + data.draw(st.floats(0.1, 120.0))
    clock = Clock(now)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "j.db"
        write_recorded_journal(path, cfg, {TAG: rec}, rollups=rollups)
        hist = Historian.for_files([path], raw_factor=raw_factor, threads=1)
        live, view = live_view(cfg, clock, has_history=True, started=t_join)
        feed(live, rec.between(t_join, math.inf))
        for span, px in ZOOMS:
            view.span = span
            v0, v1 = view.live_range(now, px)
            view.frame(v0, v1, px, now, rebuild=False)
            req = view.history_needed(v0, v1, px)
            source = "none"
            if req is not None:
                res = hist.read(req.tags, req.t0, req.t1, width_px=req.width_px)
                source = res.pens[TAG].source
                assert res.bucket_s == pytest.approx((v1 - v0) / px)  # history buckets are pixel columns
                view.apply_history(res)
                view.frame(v0, v1, px, now, rebuild=True)
            x, y = pen_xy(view, TAG)
            slack = float(source.split("-")[1].rstrip("s")) if source.startswith("rollup") else 0.0
            cols = Columns(v0, (v1 - v0) / px, px)
            assert violations(x, y, rec, cols, end_t=now, slack=slack) == [], (span, px, source)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(recorded_signals(max_segments=8, spacing=(0.5, 2.0, 10.0)), st.data())
def test_paused_anywhere_the_buffer_buckets_are_the_views_columns(cfg, rec, data):
    """Paused on a range whose left edge is no multiple of a column's width (a drag, a set
    range): the buffer's buckets are that view's pixel columns, as the journal's are. On the
    live grid (absolute multiples) a bucket's extreme was drawn in its neighbour's column (CI,
    stop 23: -18.0 drawn in the column before the sample)."""
    n = len(rec)
    j = data.draw(st.integers(1, n))
    t_join = float(rec.ts[j - 1]) + 0.5
    now = float(rec.ts[-1]) + 5.0
    clock = Clock(now)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "j.db"
        write_recorded_journal(path, cfg, {TAG: rec.between(-math.inf, t_join)})
        hist = Historian.for_files([path], threads=1)
        live, view = live_view(cfg, clock, has_history=True, started=t_join)
        feed(live, rec.between(t_join, math.inf))
        frame_live(view, now, 300.0, 900)
        view.live_mode = False
        # a left edge anywhere before the join, columns wider than the samples' spacing
        v0 = float(rec.ts[0]) + data.draw(st.floats(-10.0, 1.0)) * (t_join - float(rec.ts[0]))
        px = data.draw(st.integers(100, 1500))
        v1 = v0 + px * data.draw(st.sampled_from([0.37, 0.97, 1.9, 4.3, 13.7]))
        view.frame(v0, v1, px, now, rebuild=True)
        req = view.history_needed(v0, v1, px)
        if req is not None:
            view.apply_history(hist.read(req.tags, req.t0, req.t1, width_px=req.width_px))
            view.frame(v0, v1, px, now, rebuild=True)
        x, y = pen_xy(view, TAG)
        assert violations(x, y, rec, Columns(v0, (v1 - v0) / px, px), end_t=now) == [], (v0, v1, px)


@pytest.mark.parametrize("span, px", ZOOMS)
def test_live_0_A_stop_is_flat_and_the_readout_is_the_held_sample(cfg, span, px):
    t_trip = T0 + 3600.0
    rec = stop_after_running(t_trip)
    clock = Clock(t_trip + 90.0)  # in the middle of the stop
    live, view = live_view(cfg, clock)
    feed(live, rec.between(-math.inf, clock.t))
    cols = frame_live(view, clock.t, span, px)
    x, y = pen_xy(view, TAG)
    assert violations(x, y, rec, cols, end_t=clock.t) == []
    w = cols.width
    lo, hi = drawn_extent(x, y, Columns(t_trip + w, w, int((90.0 - 2 * w) // w)))
    assert np.all(lo == 0.0) and np.all(hi == 0.0)
    cv = view.value_at(view.pens[TAG], clock.t)
    assert cv.value == 0.0 and cv.ts == t_trip and cv.exact
    assert drawn_at(x, y, clock.t - w, w) == (0.0, 0.0)
    assert readout_row(view.pens[TAG].info, cv).value == "0.00"


@pytest.mark.parametrize("span, px", ZOOMS)
def test_paused_0_A_stop_is_drawn_to_the_end_of_the_view(cfg, span, px):
    """Paused (e.g. opened from an alarm), the motor's last sample, 0 A at the trip, still holds
    up to now: the line is drawn flat at 0 to the window's end, where the pen table reads 0.00
    (found by the walkthrough: nothing was drawn after the last sample while paused)."""
    t_trip = T0 + 3600.0
    rec = stop_after_running(t_trip)
    clock = Clock(t_trip + 90.0)
    live, view = live_view(cfg, clock)
    feed(live, rec.between(-math.inf, clock.t))
    view.live_mode = False
    view.span = span
    v0, v1 = view.live_range(clock.t, px)  # the window as it was when paused
    view.frame(v0, v1, px, clock.t, rebuild=True)
    cols = Columns(v0, (v1 - v0) / px, px)
    x, y = pen_xy(view, TAG)
    assert violations(x, y, rec, cols, end_t=clock.t) == []
    w = cols.width
    end = min(v1, clock.t)
    lo, hi = drawn_extent(x, y, Columns(t_trip + w, w, int((end - t_trip - 2 * w) // w)))
    assert len(lo) > 0 and np.all(lo == 0.0) and np.all(hi == 0.0)
    assert drawn_at(x, y, end - w, w) == (0.0, 0.0)


def test_the_pen_table_reads_the_cursor_only_while_it_is_in_view():
    now = T0 + 1000.0
    view = (now - 300.0, now)
    on = readout_instant(live=True, now=now, view=view, cursor_t=now - 100.0)
    assert on.at_cursor and on.t == now - 100.0 and on.heading.startswith("Value at ")
    # live: the view scrolled on and left the cursor behind; the table shows now again
    gone = readout_instant(live=True, now=now, view=view, cursor_t=now - 400.0)
    assert not gone.at_cursor and gone.t == now and gone.heading == "Value now"
    assert readout_instant(live=True, now=now, view=view, cursor_t=None).t == now
    paused = readout_instant(live=False, now=now + 50, view=view, cursor_t=math.nan)
    assert paused.t == now and not paused.at_cursor


def test_pens_axes_and_history_requests(cfg):
    infos = {t.name: TagInfo.from_config(t) for t in cfg.tags}
    live = LiveBuffers([t.name for t in cfg.tags])
    view = TrendView(infos, live, has_history=True)
    for tag in ("filler.speed", "capper.speed", "filler.bearing_temp", "filler.state"):
        assert view.add_pen(tag, "#123456") is not None
    assert view.add_pen("filler.speed", "#123456") is None
    specs = {s.key: s for s in view.axis_specs()}
    assert view.pens["filler.speed"].axis == view.pens["capper.speed"].axis
    assert len(specs) == 3 and specs[view.pens["filler.state"].axis].states
    view.pens["capper.speed"].axis_override = "own:capper.speed"
    assert len(view.axis_specs()) == 4
    assert view.selected == "filler.speed" and view.band_pen() is view.pens["filler.speed"]
    view.select("filler.state")
    assert view.band_pen() is None  # a state pen has no normal band
    view.remove_pen("filler.state")
    assert view.selected == "filler.speed"
    # history: pixel-aligned read with half a window of margin, only what the buffer lacks
    live.started_at = T0
    req = view.history_needed(T0 - 3000.0, T0 + 600.0, 1200)
    assert req is not None and set(req.tags) == set(view.pens)
    w = 3600.0 / 1200
    assert req.t0 == pytest.approx(T0 - 3000.0 - 600 * w)
    assert (req.t1 - req.t0) / req.width_px == pytest.approx(w)
    assert req.t1 >= T0
    assert view.history_needed(T0 + 10.0, T0 + 600.0, 1200) is None  # all in the buffer
    with pytest.raises(ValueError, match="overlay"):
        view.set_mode("sideways")
