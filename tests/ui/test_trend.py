"""The trend widget driven like a user would: pens, live, cursor, history, gaps, export, bad input.

Screenshots are written when LINEHMI_SHOTS names a folder, e.g.
`LINEHMI_SHOTS=/tmp/shots pytest tests/ui/test_trend.py -k shots`.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QGraphicsItem

from hmi.core.historian import Historian
from hmi.core.historian_synth import Outage, SynthSpec, write_synthetic_journal
from hmi.core.live_buffer import LiveBuffers
from hmi.core.quality import (
    BACKFILLED,
    BAD_SENSOR_FAILURE,
    BAD_TYPE_MISMATCH,
    GOOD,
    UNCERTAIN_LAST_USABLE_VALUE,
)
from hmi.core.samples import SampleBatch
from hmi.core.trend_sets import TrendSetStore
from widgets.trend import TrendWidget

SHOTS = os.environ.get("LINEHMI_SHOTS")
NOW = float(int(time.time()) // 60 * 60)  # a whole minute: readable axes in screenshots


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def feed(
    live: LiveBuffers, names: list[str], t0: float, t1: float, hz: float = 10.0, f=None, status=0
) -> None:
    idx = [live.index[n] for n in names]
    ts = np.arange(math.ceil(t0 * hz), math.ceil(t1 * hz)) / hz
    ts = ts[(ts >= t0) & (ts < t1)]
    if len(ts) == 0:
        return
    k = len(idx)
    tt = np.repeat(ts, k)
    ii = np.tile(idx, len(ts))
    v = f(tt, ii) if f is not None else 50 + 10 * np.sin(tt / 60.0 + ii)
    live.apply(SampleBatch.from_columns(ii, tt, tt, tt, v, np.full(len(tt), status)))


def _cache_modes(w: TrendWidget) -> set[QGraphicsItem.CacheMode]:
    return {c.cacheMode() for parts in w._curves.values() for c in parts.values()}


def make(qtbot, config, live=None, historian=None, clock=None, **kw) -> TrendWidget:
    w = TrendWidget(config, live, historian, clock=clock or Clock(NOW), **kw)
    qtbot.addWidget(w)
    w.resize(1300, 650)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def trend_factory(qtbot, themed_app):
    made: list[TrendWidget] = []

    def factory(*a, **kw) -> TrendWidget:
        w = make(qtbot, *a, **kw)
        made.append(w)
        return w

    yield factory
    for w in made:
        w.shutdown()


def save(w: TrendWidget, name: str) -> None:
    img = w.grab()
    assert not img.isNull()
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        img.save(str(Path(SHOTS) / f"{name}.png"))


def segments(x: np.ndarray) -> list[tuple[float, float]]:
    out = []
    for part in np.split(x, np.flatnonzero(np.isnan(x))):
        part = part[np.isfinite(part)]
        if len(part):
            out.append((float(part.min()), float(part.max())))
    return sorted(out)


# --- pens, axes, modes --------------------------------------------------------------------------------


def test_add_pens_assigns_axes_and_user_can_change_them(trend_factory, demo_config):
    live = LiveBuffers.from_config(demo_config, clock=Clock(NOW))
    w = trend_factory(demo_config, live)
    for t in ("filler.speed", "capper.speed", "filler.bearing_temp", "filler.state"):
        assert w.add_pen(t)
    assert not w.add_pen("filler.speed")  # already there
    assert not w.add_pen("no.such.tag")
    assert "no such" not in w.pens()
    assert w.axis_of("filler.speed") == w.axis_of("capper.speed")
    assert w.axis_of("filler.bearing_temp") != w.axis_of("filler.speed")
    assert len(w.axes()) == 3
    w.set_pen_axis("capper.speed", "own:capper.speed")
    assert len(w.axes()) == 4 and w.axis_of("capper.speed") == "own:capper.speed"
    w.set_pen_axis("capper.speed", None)
    assert len(w.axes()) == 3
    w.set_mode("stacked")
    assert w.canvas.mode == "stacked" and len(w.canvas.ordered_groups()) == 3
    w.set_mode("overlay")
    w.set_pen_visible("filler.state", False)
    assert not w.curves("filler.state")["solid"].isVisible()
    assert w.pen_table_model.rows[w.pen_table_model.row_of("filler.state")].visible is False
    w.remove_pen("filler.state")
    assert w.pens() == ["filler.speed", "capper.speed", "filler.bearing_temp"]
    assert len(w.axes()) == 2


@pytest.mark.parametrize(("span", "width"), [(300.0, 1300), (3600.0, 900), (8 * 3600.0, 800), (86400.0, 700)])
def test_the_live_window_ends_at_now(trend_factory, demo_config, qtbot, span, width):
    """8 h live on 800 px ended ~35 s in the future (the right edge snapped to the next pixel)."""
    clock = Clock(NOW + 0.37)
    live = LiveBuffers.from_config(demo_config, clock=clock)
    w = trend_factory(demo_config, live, clock=clock, span_s=span)
    w.resize(width, 500)
    w.add_pen("filler.speed")
    for step in (0.0, 1.3, 17.9, 61.2):
        clock.t += step
        w.refresh()
        t0, t1 = w.x_range()
        assert t1 == pytest.approx(clock.t, abs=1e-6) and t1 - t0 == pytest.approx(span)
        g0, g1 = w.pixel_grid()  # the buckets stay on their absolute grid, whose last column holds now
        col = span / w._plot_px()
        assert t1 <= g1 <= t1 + col + 1e-6 and (g1 - g0) == pytest.approx(span)
        assert time.strftime("%H:%M:%S", time.localtime(clock.t)) in w._range_label.text()


def test_live_follows_now_and_pauses_on_pan(trend_factory, demo_config, qtbot):
    clock = Clock(NOW)
    live = LiveBuffers.from_config(demo_config, clock=clock)
    live.started_at = NOW - 600
    names = ["filler.speed", "filler.bearing_temp"]
    feed(live, names, NOW - 600, NOW)
    w = trend_factory(demo_config, live, clock=clock, span_s=300)
    w.add_pens(names)
    assert w.is_live and _cache_modes(w) == {QGraphicsItem.CacheMode.NoCache}  # live: drawn every frame
    t0, t1 = w.x_range()
    assert t1 - t0 == pytest.approx(300, rel=0.01) and abs(t1 - NOW) < 1.0
    for step in range(1, 6):  # two seconds of live data
        clock.t = NOW + step * 0.4
        feed(live, names, NOW + (step - 1) * 0.4, clock.t)
        w.refresh()
    x, _y = w.drawn("filler.speed")
    assert np.nanmax(x) == pytest.approx(clock.t, abs=0.5)
    assert abs(w.x_range()[1] - clock.t) < 1.0
    # panning back (button or mouse) leaves live mode; Live returns to now
    with qtbot.waitSignal(w.live_changed):
        w.toolbar.back_button.click()
    assert not w.is_live and w.x_range()[1] < clock.t - 100
    # paused: the curves are kept as pixels, so a cursor move repaints its strip from them
    assert _cache_modes(w) == {QGraphicsItem.CacheMode.DeviceCoordinateCache}
    w.toolbar.live_button.click()
    assert w.is_live and abs(w.x_range()[1] - clock.t) < 1.0
    assert _cache_modes(w) == {QGraphicsItem.CacheMode.NoCache}
    w.set_span(3600)
    assert w.x_range()[1] - w.x_range()[0] == pytest.approx(3600, rel=0.01)
    w.zoom(0.5)
    assert w.span == pytest.approx(1800, rel=0.01)


def test_cursor_reads_every_pen_value_and_quality(trend_factory, demo_config, qtbot):
    clock = Clock(NOW)
    live = LiveBuffers.from_config(demo_config, clock=clock)
    live.started_at = NOW - 100
    idx = live.index
    rows = [
        ("filler.speed", NOW - 50, 400.0, GOOD),
        ("filler.speed", NOW - 20, 410.0, GOOD),
        ("filler.bearing_temp", NOW - 40, 61.5, UNCERTAIN_LAST_USABLE_VALUE),
        ("capper.speed", NOW - 45, np.nan, BAD_SENSOR_FAILURE),
        ("conveyor.speed", NOW - 30, 31.0, BACKFILLED),
        ("filler.state", NOW - 60, 2.0, GOOD),
    ]
    live.apply(
        SampleBatch.from_columns(
            [idx[r[0]] for r in rows],
            [r[1] for r in rows],
            [np.nan] * 6,
            [r[1] for r in rows],
            [r[2] for r in rows],
            [r[3] for r in rows],
        )
    )
    w = trend_factory(demo_config, live, clock=clock, span_s=120)
    for r in rows:
        w.add_pen(r[0])
    w.add_pen("labeller.speed")  # never had a sample
    with qtbot.waitSignal(w.cursor_values_changed) as sig:
        w.set_cursor(NOW - 25)
    vals = sig.args[0]
    assert vals["filler.speed"].value == 400.0 and vals["filler.speed"].ts == NOW - 50
    assert vals["filler.bearing_temp"].value == 61.5
    assert vals["conveyor.speed"].value == 31.0
    assert math.isnan(vals["labeller.speed"].ts)
    w.set_cursor(NOW - 10)
    assert w.cursor_values()["filler.speed"].value == 410.0
    table = {r.tag: r for r in w.pen_table_model.rows}
    assert table["filler.speed"].value == "410.0"
    assert table["filler.bearing_temp"].quality.startswith("Uncertain")
    assert table["capper.speed"].quality == "Bad: BadSensorFailure" and table["capper.speed"].value == "—"
    assert table["conveyor.speed"].quality == "Good (backfilled)"
    assert table["filler.state"].value == "Running"
    assert table["labeller.speed"].quality == "No data"
    # the cursor can be dragged: moving the line moves the readout
    line = w.canvas.cursor_lines()[0]
    line.setValue(NOW - 55)
    assert w.cursor_values()["filler.speed"].ts != NOW - 20
    w.set_cursor_visible(False)
    assert math.isnan(w.cursor_time)


# --- history ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shift_file(tmp_path_factory, demo_config):
    """8 h at 1 Hz up to 10 minutes ago: an outage, a backfilled outage, a bad stretch."""
    d = tmp_path_factory.mktemp("trend")
    t1 = NOW - 600
    t0 = t1 - 8 * 3600
    spec = SynthSpec(
        t0,
        t1,
        hz=1.0,
        tags=[
            "filler.speed",
            "filler.bearing_temp",
            "filler.motor_current",
            "filler.state",
            "conveyor.speed",
        ],
        outages=[
            Outage(t0 + 2.5 * 3600, t0 + 2.5 * 3600 + 1500),
            Outage(t0 + 5 * 3600, t0 + 5 * 3600 + 2400, True),
        ],
        bad=[("filler.bearing_temp", t0 + 6.5 * 3600, t0 + 6.5 * 3600 + 700)],
        uncertain=[("filler.motor_current", t0 + 7 * 3600, t0 + 7 * 3600 + 900)],
    )
    write_synthetic_journal(d / "line1.db", demo_config, spec)
    return d / "line1.db", t0, t1


def test_pan_into_history_joins_live_seamlessly(trend_factory, demo_config, shift_file, qtbot):
    path, _t0, t1 = shift_file
    clock = Clock(NOW)
    live = LiveBuffers.from_config(demo_config, clock=clock)
    live.started_at = t1  # the app started where the file ends: the last 10 minutes are in memory
    feed(live, ["filler.speed"], t1, NOW, hz=1.0, f=lambda t, i: np.full(len(t), 390.0))
    w = trend_factory(demo_config, live, Historian.for_files([path]), clock=clock, span_s=3600)
    with qtbot.waitSignal(w.history_loaded, timeout=10_000):
        w.add_pen("filler.speed")
    assert w.wait_idle(10)
    x, _y = w.drawn("filler.speed")
    # one unbroken line over the join between journal and memory
    spans = segments(x)
    assert any(a < t1 - 60 and b > t1 + 60 for a, b in spans), spans
    assert np.nanmax(x) >= NOW - 1
    before = w.frames
    # one hour back: the history is read off the GUI thread and drawn
    with qtbot.waitSignal(w.history_loaded, timeout=10_000):
        w.pan(-1.0)
    assert not w.is_live and w.frames > before
    v0, v1 = w.x_range()
    assert v1 <= NOW - 3500
    x, _y = w.drawn("filler.speed")
    assert np.nanmin(x) <= v0 + 60 and np.nanmax(x) >= v1 - 60
    # the cursor over journal data reads the exact value (after the exact look-up)
    w.set_cursor(v0 + 1800.3)
    w.wait_idle(10)
    cv = w.cursor_values()["filler.speed"]
    assert cv.exact and cv.ts == pytest.approx(math.floor(v0 + 1800.3), abs=1.01)


def test_history_status_counts_against_the_pens_drawn(trend_factory, demo_config, shift_file, qtbot):
    """The status said "43 samples of 4 pen(s)" with 5 pens drawn: a read loads only the pens
    that need it, and the text must not read as the number of pens on the chart."""
    path, t0, _t1 = shift_file
    w = trend_factory(demo_config, None, Historian.for_files([path]), clock=Clock(NOW))
    w.add_pens(["filler.speed", "filler.bearing_temp"])
    with qtbot.waitSignal(w.history_loaded, timeout=10_000):
        w.set_range(t0, t0 + 3600)
    w.wait_idle(10)
    assert w._status_label.text().startswith("history: ")
    assert "for 2 pen(s)" in w._status_label.text()
    with qtbot.waitSignal(w.history_loaded, timeout=10_000) as sig:
        w.add_pen("filler.motor_current")
    w.wait_idle(10)
    read = len(sig.args[0].pens)
    text = w._status_label.text()
    assert len(w.view.pens) == 3
    assert (f"for {read} of the 3 pens" in text) if read < 3 else ("for 3 pen(s)" in text), text


def test_gap_is_drawn_as_gap_and_backfill_as_marked_line(trend_factory, demo_config, shift_file, qtbot):
    path, t0, t1 = shift_file
    w = trend_factory(demo_config, None, Historian.for_files([path]), clock=Clock(NOW))
    w.add_pens(["filler.speed", "filler.bearing_temp"])
    with qtbot.waitSignal(w.history_loaded, timeout=10_000):
        w.set_range(t0, t1)
    w.wait_idle(10)
    g0, g1 = t0 + 2.5 * 3600, t0 + 2.5 * 3600 + 1500
    b0, b1 = t0 + 5 * 3600, t0 + 5 * 3600 + 2400
    for tag in ("filler.speed", "filler.bearing_temp"):
        x, _y = w.drawn(tag)
        xf = x[np.isfinite(x)]
        assert not np.any((xf > g0 + 60) & (xf < g1 - 60)), f"{tag}: line across the gap"
        assert np.any((xf > b0 + 60) & (xf < b1 - 60)), f"{tag}: backfilled stretch not drawn"
    q = w.quality_stretches()
    assert any(s <= g0 + 60 and e >= g1 - 60 for s, e in zip(q["gap"].start, q["gap"].end, strict=True))
    assert q["backfilled"].total() == pytest.approx(2400, rel=0.1)
    assert q["bad"].total() == pytest.approx(700, rel=0.2)
    # the lane items and the shading show the same stretches
    s, _e = w.canvas.lane_items["gap"].intervals()
    assert len(s) >= 1
    # the cursor inside the gap says so
    w.set_cursor(g0 + 600)
    w.wait_idle(10)
    rows = {r.tag: r for r in w.pen_table_model.rows}
    assert rows["filler.speed"].level == 3 and rows["filler.speed"].value == "—"
    w.set_cursor(b0 + 600)
    w.wait_idle(10)
    assert "(backfilled)" in {r.tag: r for r in w.pen_table_model.rows}["filler.speed"].quality


@pytest.mark.parametrize("before_h", [0.05, 2.0, 8.0])
def test_time_before_the_record_is_marked_no_record(trend_factory, demo_config, shift_file, qtbot, before_h):
    """QA5 F10: the 8 h view drew the hours before recording started blank and unmarked (a reader
    cannot tell "nothing recorded" from "flat"). Whatever the zoom, the stretch before the first
    sample is in the gap lane and shaded, and nothing is drawn there."""
    path, t0, _t1 = shift_file
    w = trend_factory(demo_config, None, Historian.for_files([path]), clock=Clock(NOW))
    w.add_pens(["filler.speed", "filler.bearing_temp"])
    v0 = t0 - before_h * 3600
    with qtbot.waitSignal(w.history_loaded, timeout=10_000):
        w.set_range(v0, t0 + 1800)
    w.wait_idle(10)
    px = (t0 + 1800 - v0) / w._plot_px()  # one pixel column
    for tag in ("filler.speed", "filler.bearing_temp"):
        x, _y = w.drawn(tag)
        assert not np.any(x[np.isfinite(x)] < t0 - px), tag
    gap = w.quality_stretches()["gap"]
    assert any(s <= v0 and e >= t0 - px for s, e in zip(gap.start, gap.end, strict=True)), (gap, v0, t0)
    s, e = w.canvas.lane_items["gap"].intervals()
    assert any(a <= v0 and b >= t0 - px for a, b in zip(s, e, strict=True))


def test_csv_and_png_export(trend_factory, demo_config, shift_file, qtbot, tmp_path):
    path, _t0, t1 = shift_file
    clock = Clock(NOW + 0.37)  # the window starts between two samples
    live = LiveBuffers.from_config(demo_config, clock=clock)
    live.started_at = t1
    feed(live, ["filler.speed"], t1, NOW, hz=1.0, f=lambda t, i: np.full(len(t), 390.0))
    w = trend_factory(demo_config, live, Historian.for_files([path]), clock=clock, span_s=1800)
    w.add_pens(["filler.speed", "filler.state"])
    w.set_pen_visible("filler.state", False)  # hidden pens are not exported
    w.wait_idle(10)
    v0, v1 = w.x_range()
    out = tmp_path / "visible.csv"
    with qtbot.waitSignal(w.export_finished, timeout=10_000) as sig:
        w.export_csv(out)
    assert sig.args[0] == str(out)
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["time", "tag", "value", "unit", "quality", "status", "backfilled", "held_from"]
    assert v1 == pytest.approx(clock.t)  # the live window ends at now, not a pixel later
    body = rows[1:]
    assert {r[1] for r in body} == {"filler.speed"}
    times = [dt.datetime.fromisoformat(r[0]) for r in body]
    assert all(t.tzinfo is not None for t in times)
    ts = np.array([t.timestamp() for t in times])
    assert ts.min() >= v0 - 0.001 and ts.max() < v1 and np.all(np.diff(ts) >= 0)
    # the first row is the value holding at the window's start (sample and hold, as drawn),
    # marked with the time of the sample it holds; every other row is a recorded sample
    hist = Historian.for_files([path])
    hv, _hs, hts = hist.value_at("filler.speed", v0)
    assert ts[0] == pytest.approx(v0, abs=0.001) and float(body[0][2]) == pytest.approx(hv)
    assert dt.datetime.fromisoformat(body[0][7]).timestamp() == pytest.approx(hts, abs=0.001)
    assert all(r[7] == "" for r in body[1:])
    # every sample of the range, from the journal and from memory, once
    n_journal = len(hist.read_raw(["filler.speed"], v0, t1)["filler.speed"])
    n_live = len(live.ring("filler.speed").points(t1, v1))
    assert len(body) == sig.args[1] == 1 + n_journal + n_live
    assert {r[4] for r in body} <= {"Good", "Uncertain", "Bad"} and body[-1][3] == "bpm"
    png = tmp_path / "chart.png"
    assert w.export_png(png) and png.stat().st_size > 10_000


# --- bad input ---------------------------------------------------------------------------------------------


def test_bad_input_no_data_bool_step_nan_inf_and_strings(trend_factory, tiny, qtbot):
    clock = Clock(NOW)
    live = LiveBuffers.from_config(tiny, clock=clock)
    names = [t.name for t in tiny.tags]
    w = trend_factory(tiny, live, clock=clock, span_s=60)
    w.add_pens(names)
    i = live.index
    analog = next(t.name for t in tiny.tags if t.data_type == "float")
    state = next((t.name for t in tiny.tags if t.data_type in ("bool", "enum")), None)
    ts = NOW - np.arange(30, 0, -1.0)
    v = np.where(np.arange(30) % 7 == 3, np.nan, np.sin(ts))
    v[10] = np.inf
    v[11] = -np.inf
    live.apply(SampleBatch.from_columns([i[analog]] * 30, ts, ts, ts, v, [0] * 30))
    live.apply(
        SampleBatch.from_columns([i[analog]], [NOW - 0.5], [NOW], [NOW], [np.nan], [BAD_TYPE_MISMATCH])
    )
    if state:
        live.apply(SampleBatch.from_columns([i[state]] * 4, ts[:4], ts[:4], ts[:4], [0, 1, 1, 0], [0] * 4))
    w.refresh(force=True)
    x, y = w.drawn(analog)
    assert np.all(np.isfinite(y[np.isfinite(x)]))  # NaN/inf never reach a curve as values
    if state:
        sx, sy = w.drawn(state)
        fin = np.isfinite(sx)
        assert set(np.unique(sy[fin]).tolist()) <= {0.0, 1.0}
        assert np.any(np.diff(sx[fin]) == 0)  # vertical steps: same x twice
    vals = w.cursor_values()
    assert vals[analog].status == BAD_TYPE_MISMATCH
    empty = [n for n in names if n not in (analog, state)]
    for n in empty:
        assert math.isnan(vals[n].ts)
    w.set_range(NOW - 10, NOW - 20)  # reversed: refused with a message, nothing breaks
    assert "not a time range" in w._status_label.text()


@pytest.mark.slow
def test_millions_of_rows_load_off_the_gui_thread(trend_factory, demo_config, qtbot, tmp_path):
    """1.2 million samples without rollups: the read runs on the worker while the GUI thread's event
    loop keeps turning. Checked by where the read runs and by the loop's turns during it, never by a
    stopwatch (a 0.5 s stall bound failed at 0.51 s on a loaded box); the GUI's longest stall during
    such a load is a figure of bench/trends.py (history, against a quiet baseline in the same run)."""
    import threading

    path = tmp_path / "big.db"
    tags = [t.name for t in demo_config.tags if t.data_type == "float"][:12]
    t1 = NOW - 3600
    t0 = t1 - 10 * 3600
    write_synthetic_journal(path, demo_config, SynthSpec(t0, t1, hz=10 / 3.0, tags=tags, rollups=False))
    hist = Historian.for_files([path], threads=1)
    w = trend_factory(demo_config, None, hist, clock=Clock(NOW))
    w.add_pens(tags)
    w.wait_idle(30)
    from PySide6.QtCore import QTimer

    gui = threading.get_ident()
    turns = [0]
    reads: list[tuple[int, int, int]] = []  # (thread, turns when the read began, when it ended)
    real_read = hist.read

    def read(*args, **kwargs):
        begun = turns[0]
        try:
            return real_read(*args, **kwargs)
        finally:
            reads.append((threading.get_ident(), begun, turns[0]))

    hist.read = read  # this instance only: the read the widget's loader runs
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: turns.__setitem__(0, turns[0] + 1))
    timer.start()
    progress: list[float] = []
    shown_while_loading: list[bool] = []
    w._loader.progress.connect(lambda f, _t: progress.append(f))
    with qtbot.waitSignal(w.history_loaded, timeout=120_000) as sig:  # a hang guard, not a bound
        w.set_range(t0, t1)
        assert not sig.signal_triggered  # set_range only starts the load: the result comes later
        qtbot.waitUntil(lambda: w._progress.isVisible(), timeout=10_000)
        shown_while_loading.append(not reads)
    timer.stop()
    assert sig.args[0].pens[tags[0]].n_samples > 90_000
    assert sum(p.n_samples for p in sig.args[0].pens.values()) > 1_100_000
    # The read ran on the loader's thread, and the GUI's event loop turned while it ran.
    assert reads and all(thread != gui for thread, _b, _e in reads), reads
    _thread, begun, ended = reads[-1]
    assert ended - begun >= 3, f"the event loop turned {ended - begun} times during the read"
    assert shown_while_loading == [True]  # the progress bar was up before the read was done
    assert progress and progress[-1] == 1.0
    w.wait_idle(5)
    assert not w._progress.isVisible()


def test_trend_sets_save_and_open(trend_factory, demo_config, tmp_path):
    store = TrendSetStore(tmp_path / "sets.json")
    w = trend_factory(demo_config, LiveBuffers.from_config(demo_config), trend_sets=store, user="j.smith")
    w.add_pens(["filler.speed", "filler.bearing_temp"])
    w.set_pen_axis("filler.bearing_temp", "own:t")
    w.set_mode("stacked")
    w.set_span(8 * 3600)
    w.save_set("Filler shift")
    w.clear_pens()
    w.set_mode("overlay")
    assert w.set_names() == ["Filler shift"] and w.pens() == []
    w.load_set("Filler shift")
    assert w.pens() == ["filler.speed", "filler.bearing_temp"]
    assert w.mode == "stacked" and w.axis_of("filler.bearing_temp") == "own:t"
    assert w.span == pytest.approx(8 * 3600)
    w.open_tag("capper.speed")
    assert w.selected_pen == "capper.speed"
    w.open_tag_at("filler.state", NOW - 7200, 600)  # e.g. from an alarm: centred on its time, paused
    assert not w.is_live and w.x_range() == pytest.approx((NOW - 7500, NOW - 6900))
    assert w.selected_pen == "filler.state"
    # from an alarm 44 s ago (qa9 Q9-15): the view ends at now, the pen table reads no later instant
    w.open_tag_at("filler.state", NOW - 44, 300)
    assert w.x_range() == pytest.approx((NOW - 300, NOW))
    assert w._readout_instant().t <= NOW


# --- screenshots -------------------------------------------------------------------------------------------


def test_shots_live_trend(trend_factory, demo_config):
    clock = Clock(NOW)
    live = LiveBuffers.from_config(demo_config, clock=clock)
    live.started_at = NOW - 3600
    names = ["filler.speed", "capper.speed", "filler.bearing_temp", "filler.motor_current", "filler.state"]
    rng = np.random.default_rng(2)

    def f(t, i):
        base = np.array(
            [demo_config.tags[k].normal or demo_config.tags[k].range or (0, 1) for k in i], dtype=float
        )
        mid, half = base.mean(axis=1), (base[:, 1] - base[:, 0]) / 2
        return mid + half * (0.5 * np.sin(t / 400.0 + i) + 0.1 * rng.normal(size=len(t)))

    feed(live, names[:-1], NOW - 3600, NOW, hz=2.0, f=f)
    feed(live, ["filler.state"], NOW - 3600, NOW, hz=0.02, f=lambda t, i: np.where((t % 900) < 120, 4.0, 2.0))
    w = trend_factory(demo_config, live, clock=clock, span_s=3600)
    w.add_pens(names)
    w.select_pen("filler.bearing_temp")
    w.set_cursor(NOW - 1500)
    w.refresh(force=True)
    save(w, "trend_live")


def test_shots_shift_history_with_gap_and_backfill(trend_factory, demo_config, shift_file, qtbot):
    path, t0, t1 = shift_file
    w = trend_factory(demo_config, None, Historian.for_files([path]), clock=Clock(NOW))
    w.resize(1500, 720)
    w.add_pens(
        ["filler.speed", "filler.bearing_temp", "filler.motor_current", "conveyor.speed", "filler.state"]
    )
    w.select_pen("filler.bearing_temp")
    with qtbot.waitSignal(w.history_loaded, timeout=10_000):
        w.set_range(t0, t1)
    w.set_cursor(t0 + 5 * 3600 + 1200)
    w.wait_idle(10)
    save(w, "trend_shift_gap_backfill")
    w.set_mode("stacked")
    w.wait_idle(10)
    save(w, "trend_shift_stacked")


def test_review_a_copied_journal_without_config(trend_factory, shift_file, qtbot):
    """Offline review: no line config, no live data, only a .db file: units and limits come from it."""
    path, t0, t1 = shift_file
    w = trend_factory(None, None, Historian.for_files([path]), clock=Clock(NOW))
    assert w.toolbar.add_box.findText("filler.bearing_temp") >= 0  # the add-pen box lists the file's tags
    assert not w.toolbar.live_button.isEnabled() and not w.is_live
    with qtbot.waitSignal(w.history_loaded, timeout=10_000):
        w.open_tag("filler.bearing_temp", t0, t1)
    w.wait_idle(10)
    info = w.tag_info("filler.bearing_temp")
    assert info.unit == "°C" and info.hi is not None
    x, _y = w.drawn("filler.bearing_temp")
    assert np.isfinite(x).sum() > 500


@pytest.mark.parametrize("width", [700, 1000, 1400])
def test_every_pen_name_is_shown_in_full(trend_factory, demo_config, qtbot, width):
    """Two capper pens read the same once cut ("Capper cap torq…"): a name wraps, never elides."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    from widgets.trend.pen_table import COL_PEN, PEN_MIN_PX

    w = trend_factory(demo_config, span_s=600)
    w.resize(width, 650)
    tags = [t.name for t in demo_config.tags if t.data_type in ("float", "int")][:24]
    w.add_pens(tags)
    qtbot.wait(50)
    table, model = w.pen_table, w.pen_table_model
    # A narrow pen table, as at 1280 px beside the plot, and a wider one; then the touch profile's
    # taller rows (hmi/ui/touch.py sets every row to its default size: the wrapped names fit again).
    for split, touch_rows in ((0.85, 0), (0.7, 0), (0.7, 40)):
        w._splitter.setSizes([int(width * split), int(width * (1 - split))])
        if touch_rows:
            table.verticalHeader().setDefaultSectionSize(touch_rows)
            table.viewport().update()  # switching the profile repaints the window
        qtbot.wait(30)
        assert table.columnWidth(COL_PEN) >= PEN_MIN_PX
        for row, pen in enumerate(model.rows):
            index = model.index(row, COL_PEN)
            opt = QStyleOptionViewItem()
            opt.initFrom(table)
            opt.rect = table.visualRect(index)
            table.itemDelegate().initStyleOption(opt, index)
            text = table.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, table)
            need = opt.fontMetrics.boundingRect(
                0, 0, max(1, text.width() - 4), 10_000, int(Qt.TextFlag.TextWordWrap), pen.title
            )
            assert need.height() <= table.rowHeight(row), (pen.title, need, table.rowHeight(row), text)
            assert table.rowHeight(row) >= touch_rows
            assert pen.title in model.data(index, Qt.ItemDataRole.ToolTipRole)


@pytest.mark.parametrize("mode", ["overlay", "stacked"])
def test_a_click_on_the_chart_places_the_cursor_and_a_drag_still_pans(
    trend_factory, demo_config, qtbot, mode
):
    """qa5 F11: with the cursor on, a click on the chart did not move it (only a drag exactly on the
    1-px line did). Anywhere on the plot, in either mode, a click puts the cursor under the pointer
    without panning the chart; a drag still pans."""
    from PySide6.QtCore import QPoint, QPointF, Qt

    clock = Clock(NOW)
    live = LiveBuffers.from_config(demo_config, clock=clock)
    live.started_at = NOW - 600
    names = ["filler.speed", "filler.bearing_temp"]
    feed(live, names, NOW - 600, NOW)
    w = trend_factory(demo_config, live, clock=clock, span_s=300)
    w.add_pens(names)
    if mode == "stacked":
        w.toolbar.stack_button.click()
    w.set_cursor_visible(True)
    w.set_live(False)
    qtbot.wait(50)
    canvas = w.canvas
    x0, x1 = w.x_range()
    for frac in (0.2, 0.5, 0.85):
        target = x0 + frac * (x1 - x0)
        vb = canvas.cursor_lines()[-1].getViewBox()
        y_mid = sum(vb.viewRange()[1]) / 2
        scene = vb.mapViewToScene(QPointF(target, y_mid))
        at = canvas.mapFromScene(scene)
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at)
        px = (x1 - x0) / canvas.plot_width_px()
        assert w.cursor_time == pytest.approx(target, abs=2 * px), frac
        assert w.x_range() == pytest.approx((x0, x1))  # a click does not pan
    # A drag pans (the deliberate gesture for moving the chart).
    start = canvas.mapFromScene(canvas.master.mapViewToScene(QPointF(x0 + 0.3 * (x1 - x0), 0)))
    start = QPoint(start.x(), canvas.viewport().height() // 2)
    qtbot.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, pos=start)
    for dx in range(10, 200, 10):
        qtbot.mouseMove(canvas.viewport(), QPoint(start.x() + dx, start.y()))
    qtbot.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(start.x() + 200, start.y()))
    assert w.x_range()[0] < x0
