"""Historian, rollups, trend data rules, live buffers and trend sets (Qt-free)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import sqlite3

import numpy as np
import pytest

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.historian import Historian, HistoryCancelled, write_csv
from hmi.core.historian_synth import Outage, SynthSpec, write_synthetic_journal
from hmi.core.journal_schema import EVENT_INSERT_SQL
from hmi.core.live_buffer import LiveBuffers, LiveDecimator
from hmi.core.quality import (
    BACKFILLED,
    BAD_DATA_LOST,
    BAD_NO_DATA,
    BAD_NOT_CONNECTED,
    BAD_SENSOR_FAILURE,
    GOOD,
    UNCERTAIN_LAST_USABLE_VALUE,
)
from hmi.core.rollup import ROLLUP_TABLE, build_rollups, rollup_rows, rollup_state
from hmi.core.samples import SampleBatch
from hmi.core.trend_data import Buckets, Intervals, Points, bucketize, regroup, style_points, value_at
from hmi.core.trend_sets import PenSpec, TagInfo, TrendSet, TrendSetError, TrendSetStore, assign_axes

T0 = 1_780_000_000.0  # a fixed instant keeps the tests independent of the wall clock


@pytest.fixture(scope="module")
def cfg():
    return load_config(DEMO_CONFIG)


def pts(ts, v, s=None):
    ts = np.asarray(ts, dtype=float)
    return Points.of(ts, v, s if s is not None else np.zeros(len(ts), dtype=np.uint32))


# --- drawing rules -------------------------------------------------------------------------------


def test_a_gap_is_never_drawn_across():
    p = pts([0, 1, 2, 10, 11], [1.0, 2.0, np.nan, 5.0, 6.0], [GOOD, GOOD, BAD_NOT_CONNECTED, GOOD, GOOD])
    st = style_points(p)
    # the line of 2.0 holds until the disconnection at t=2, then nothing until t=10
    segs = np.split(st.solid_x, np.flatnonzero(np.isnan(st.solid_x)))
    spans = [(np.nanmin(s), np.nanmax(s)) for s in segs if np.isfinite(s).any()]
    assert spans == [(0.0, 2.0), (10.0, 11.0)]
    assert st.solid_y[np.flatnonzero(st.solid_x == 2.0)[0]] == 2.0  # held, not interpolated
    assert len(st.gaps) == 1 and st.gaps.start[0] == 2.0 and st.gaps.end[0] == 10.0
    assert len(st.bad) == 0


def test_bad_quality_nan_and_inf_are_not_drawn_and_are_marked():
    p = pts(
        [0, 1, 2, 3, 4, 5, 6],
        [1.0, 2.0, 7.0, 3.0, np.inf, 4.0, 5.0],
        [GOOD, GOOD, BAD_SENSOR_FAILURE, GOOD, GOOD, GOOD, GOOD],
    )
    st = style_points(p)
    assert np.all(np.isfinite(st.solid_y[np.isfinite(st.solid_x)]))
    assert 7.0 not in st.solid_y  # a value with bad status is not drawn
    assert list(zip(st.bad.start.tolist(), st.bad.end.tolist(), strict=True)) == [(2.0, 3.0), (4.0, 5.0)]


def test_uncertain_stretch_is_dashed_and_backfill_is_marked():
    s = np.array(
        [GOOD, UNCERTAIN_LAST_USABLE_VALUE, UNCERTAIN_LAST_USABLE_VALUE, GOOD, BACKFILLED, BACKFILLED, GOOD]
    )
    p = pts(np.arange(7), np.arange(7.0), s)
    st = style_points(p)
    assert set(np.unique(st.dashed_x[np.isfinite(st.dashed_x)])) == {1.0, 2.0, 3.0}
    assert len(st.uncertain) == 1 and (st.uncertain.start[0], st.uncertain.end[0]) == (1.0, 3.0)
    assert (st.backfilled.start[0], st.backfilled.end[0]) == (4.0, 6.0)
    assert 5.0 in st.solid_x  # backfilled data is real data: drawn solid


def test_every_value_holds_as_a_step_and_live_holds_to_now():
    st = style_points(pts([0, 10, 20], [0.0, 1.0, 0.0]), end_t=25.0)
    xy = list(zip(st.solid_x.tolist(), st.solid_y.tolist(), strict=True))
    assert xy[:6] == [(0.0, 0.0), (10.0, 0.0), (10.0, 1.0), (20.0, 1.0), (20.0, 0.0), (25.0, 0.0)]


def test_empty_and_single_points():
    assert len(style_points(Points.empty()).solid_x) == 0
    st = style_points(pts([5.0], [1.0]), end_t=6.0)
    assert st.solid_x.tolist()[:2] == [5.0, 6.0]
    assert math.isnan(value_at(Points.empty(), 1.0)[0])
    assert value_at(pts([1, 2], [3.0, 4.0]), 1.5)[:1] == (3.0,)


def test_buckets_preserve_peaks_and_breaks():
    rng = np.random.default_rng(0)
    ts = np.sort(rng.uniform(0, 1000, 20_000))
    v = rng.normal(0, 1, len(ts))
    v[5000] = 50.0  # a one-sample spike must survive
    s = np.zeros(len(ts), dtype=np.uint32)
    s[12_000:12_050] = BAD_NOT_CONNECTED
    v[12_000:12_050] = np.nan
    b = bucketize(ts, v, s, width=2.0)
    assert b.samples == len(ts)
    p = b.to_points()
    assert np.nanmax(p.value) == 50.0 and np.nanmin(p.value) == np.nanmin(v)
    st = style_points(p)
    gap_t = ts[12_000]
    assert len(st.gaps) >= 1 and st.gaps.start[0] <= gap_t + 2.0
    # no drawn segment crosses the disconnection
    x = st.solid_x
    inside = np.isfinite(x) & (x > ts[12_000] + 2.0) & (x < ts[12_049] - 2.0)
    assert not inside.any()
    # regrouping 2 s buckets into 10 s equals bucketing at 10 s directly (counts and extremes)
    r = regroup(b, 10.0)
    d = bucketize(ts, v, s, width=10.0)
    assert r.samples == d.samples and np.allclose(np.nan_to_num(r.vmax), np.nan_to_num(d.vmax))


def test_intervals_union():
    u = Intervals.union(
        [Intervals(np.array([0.0, 5.0]), np.array([2.0, 6.0])), Intervals(np.array([1.0]), np.array([3.0]))]
    )
    assert list(zip(u.start.tolist(), u.end.tolist(), strict=True)) == [(0.0, 3.0), (5.0, 6.0)]
    assert u.total() == 4.0


# --- rollups -------------------------------------------------------------------------------------------


def _mem_db():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute(
        "CREATE TABLE samples (id INTEGER PRIMARY KEY, tag_id INT, source_ts REAL, value REAL, status INT)"
    )
    return conn


def test_rollup_merge_of_partial_buckets_equals_one_pass():
    from hmi.core.rollup import UPSERT_SQL, create_rollup_schema

    rng = np.random.default_rng(3)
    n = 5000
    tid = rng.integers(1, 4, n)
    ts = np.sort(rng.uniform(T0, T0 + 700, n))
    v = rng.normal(10, 2, n)
    s = np.where(rng.random(n) < 0.05, BAD_SENSOR_FAILURE, GOOD).astype(np.uint32)
    v[s != 0] = np.nan
    a, b = _mem_db(), _mem_db()
    create_rollup_schema(a)
    create_rollup_schema(b)
    a.executemany(UPSERT_SQL, rollup_rows(tid, ts, v, s))
    for part in np.array_split(np.arange(n), 7):  # like seven commits
        b.executemany(UPSERT_SQL, rollup_rows(tid[part], ts[part], v[part], s[part]))
    q = f"SELECT * FROM {ROLLUP_TABLE} ORDER BY tag_id, level, bucket"
    ra, rb = a.execute(q).fetchall(), b.execute(q).fetchall()
    assert len(ra) == len(rb) > 0
    for x, y in zip(ra, rb, strict=True):
        assert x == pytest.approx(y, nan_ok=True)


def test_build_rollups_for_an_old_file(tmp_path, cfg):
    path = tmp_path / "old.db"
    spec = SynthSpec(T0, T0 + 3600, hz=1.0, tags=["filler.speed", "filler.state"], rollups=False)
    write_synthetic_journal(path, cfg, spec)
    conn = sqlite3.connect(path, isolation_level=None)
    assert rollup_state(conn) == (False, ())
    n = build_rollups(conn)
    assert n == 2 * 3600
    complete, levels = rollup_state(conn)
    assert complete and levels == (10, 30, 120, 600)
    conn.close()


# --- historian -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shift(tmp_path_factory, cfg):
    """8 h at 1 Hz of 6 tags, one plain outage, one backfilled outage, a bad stretch."""
    d = tmp_path_factory.mktemp("shift")
    t1 = T0 + 8 * 3600
    spec = SynthSpec(
        T0,
        t1,
        hz=1.0,
        tags=[
            "filler.speed",
            "filler.bearing_temp",
            "filler.state",
            "conveyor.speed",
            "capper.speed",
            "filler.motor_current",
        ],
        outages=[
            Outage(T0 + 3 * 3600, T0 + 3 * 3600 + 1200),
            Outage(T0 + 5 * 3600, T0 + 5 * 3600 + 1800, backfilled=True),
        ],
        bad=[("filler.bearing_temp", T0 + 6 * 3600, T0 + 6 * 3600 + 600)],
    )
    write_synthetic_journal(d / "with.db", cfg, spec)
    spec.rollups = False
    write_synthetic_journal(d / "without.db", cfg, spec)
    return d


def test_long_range_is_bucketed_from_rollups_and_matches_sql(shift):
    tags = ["filler.speed", "filler.bearing_temp"]
    a = Historian.for_files([shift / "with.db"]).read(tags, T0, T0 + 8 * 3600, width_px=800)
    b = Historian.for_files([shift / "without.db"]).read(tags, T0, T0 + 8 * 3600, width_px=800)
    for tag in tags:
        pa, pb = a.pens[tag], b.pens[tag]
        assert pa.source == "rollup-30s" and pb.source == "sql-group"
        assert pa.bucketed and len(pa.points) < 4 * 800
        assert pa.n_samples == pb.n_samples
        # the same peaks whichever way
        assert np.nanmax(pa.points.value) == pytest.approx(np.nanmax(pb.points.value))
        assert np.nanmin(pa.points.value) == pytest.approx(np.nanmin(pb.points.value))
    assert a.bucket_s == pytest.approx(36.0)


def test_short_range_is_raw_with_bounds(shift):
    h = Historian.for_files([shift / "with.db"])
    r = h.read(["filler.speed"], T0 + 100.5, T0 + 400.5, width_px=800)
    p = r.pens["filler.speed"]
    assert p.source == "raw" and not p.bucketed and p.n_samples == 300
    assert p.points.ts[0] < T0 + 100.5 and p.points.ts[-1] >= T0 + 400.5  # bound points for the edges
    raw = h.read_raw(["filler.speed"], T0 + 100.5, T0 + 400.5)["filler.speed"]
    assert len(raw) == 300 and np.all(np.diff(raw.ts) > 0)


def test_gaps_in_history_break_the_line_and_backfill_does_not(shift):
    h = Historian.for_files([shift / "with.db"])
    r = h.read(["filler.speed"], T0, T0 + 8 * 3600, width_px=1000)
    st = style_points(r.pens["filler.speed"].points)
    g0, g1 = T0 + 3 * 3600, T0 + 3 * 3600 + 1200
    x = st.solid_x[np.isfinite(st.solid_x)]
    assert not np.any((x > g0 + 60) & (x < g1 - 60)), "a line was drawn across the outage"
    assert any(s <= g0 + 30 and e >= g1 - 30 for s, e in zip(st.gaps.start, st.gaps.end, strict=True))
    b0, b1 = T0 + 5 * 3600, T0 + 5 * 3600 + 1800
    assert np.any((x > b0 + 60) & (x < b1 - 60)), "the backfilled stretch is drawn"
    assert st.backfilled.total() == pytest.approx(1800, abs=120)
    assert r.gaps.total() == pytest.approx(1200 + 1800, abs=1)  # both journaled as data_gap events


def test_bad_stretch_and_journal_gap_event_and_restart(tmp_path, cfg):
    path = tmp_path / "j.db"
    write_synthetic_journal(path, cfg, SynthSpec(T0, T0 + 1800, hz=1.0, tags=["filler.speed"]))
    conn = sqlite3.connect(path, isolation_level=None)
    # the journal dropped samples (queue full) for 100 s: only the event tells
    conn.execute("DELETE FROM samples WHERE source_ts >= ? AND source_ts < ?", (T0 + 600, T0 + 700))
    data = json.dumps({"samples": 100, "first_ts": T0 + 600, "last_ts": T0 + 700, "tags": ["filler.speed"]})
    conn.execute(
        EVENT_INSERT_SQL, (T0 + 600, "data_gap", "journal", "", 1, "journal dropped", data, T0 + 800)
    )
    # the app was not running from 1000 to 1200, then started again
    conn.execute("DELETE FROM samples WHERE source_ts >= ? AND source_ts < ?", (T0 + 1000, T0 + 1200))
    conn.execute(EVENT_INSERT_SQL, (T0 + 1200, "system", "journal", "", 0, "journal opened", "{}", T0 + 1200))
    conn.close()
    r = Historian.for_files([path]).read(["filler.speed"], T0, T0 + 1800, width_px=4000)
    p = r.pens["filler.speed"]
    assert p.source == "raw"
    st = style_points(p.points)
    x = st.solid_x[np.isfinite(st.solid_x)]
    assert not np.any((x > T0 + 601) & (x < T0 + 699))
    assert not np.any((x > T0 + 1000) & (x < T0 + 1199))
    codes = set((p.points.status & 0xFFFF0000).tolist())
    assert BAD_DATA_LOST in codes and BAD_NO_DATA in codes


@pytest.mark.parametrize(
    "view_end", [1250.0, 1195.0], ids=["range-over-restart", "range-ends-before-restart"]
)
def test_a_stop_of_the_app_is_never_bridged(tmp_path, cfg, view_end):
    """LineHMI closed at 1000 and opened at 1200; the next session's first sample carries a source time
    from before the open (the server ran first). No line crosses 1000..1190, whether the view holds the
    restart or ends before it (the restart after the range still ends the line at the close)."""
    path = tmp_path / "j.db"
    write_synthetic_journal(path, cfg, SynthSpec(T0, T0 + 1800, hz=1.0, tags=["filler.speed"]))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DELETE FROM samples WHERE source_ts >= ? AND source_ts < ?", (T0 + 1000.5, T0 + 1190))
    conn.execute(
        EVENT_INSERT_SQL, (T0 + 1000.5, "system", "journal", "", 0, "journal closed", "{}", T0 + 1000.5)
    )
    conn.execute(EVENT_INSERT_SQL, (T0 + 1200, "system", "journal", "", 0, "journal opened", "{}", T0 + 1200))
    conn.close()
    r = Historian.for_files([path]).read(["filler.speed"], T0 + 900, T0 + view_end, width_px=2000)
    st = style_points(r.pens["filler.speed"].points)
    for xs in (st.solid_x, st.dashed_x):  # every drawn segment (NaN-separated polylines)
        a, b = xs[:-1], xs[1:]
        seg = np.isfinite(a) & np.isfinite(b)
        lo, hi = np.minimum(a, b)[seg], np.maximum(a, b)[seg]
        assert not np.any((hi > T0 + 1001) & (lo < T0 + 1189)), "a line was drawn while LineHMI was off"


def test_value_at_unknown_tag_empty_and_cancel(shift):
    h = Historian.for_files([shift / "with.db"])
    v, s, ts = h.value_at("filler.speed", T0 + 1000.2)
    assert ts == pytest.approx(T0 + 1000, abs=0.01) and s == GOOD and math.isfinite(v)
    assert math.isnan(h.value_at("no.such.tag", T0 + 1000)[2])
    r = h.read(["no.such.tag", "filler.speed"], T0, T0 + 3600, width_px=500)
    assert len(r.pens["no.such.tag"].points) == 0 and r.pens["no.such.tag"].source == "none"
    r = h.read(["filler.speed"], T0 - 86400 * 30, T0 - 86400 * 29, width_px=500)  # before any data
    assert len(r.pens["filler.speed"].points) <= 1
    with pytest.raises(HistoryCancelled):
        h.read(["filler.speed"], T0, T0 + 8 * 3600, width_px=500, cancel=lambda: True)
    with pytest.raises(ValueError):
        h.read(["filler.speed"], T0, T0 - 1)
    seen = []
    h.read(["filler.speed", "capper.speed"], T0, T0 + 3600, progress=lambda f, t: seen.append(f))
    assert seen[-1] == 1.0


def test_daily_files_are_merged(tmp_path, cfg):
    d = tmp_path / "j"
    # two "days" of the demo line, named as the journal names them
    day1 = dt.datetime.fromtimestamp(T0).date()
    day2 = day1 + dt.timedelta(days=1)
    t_mid = dt.datetime.combine(day2, dt.time(0, 0)).timestamp()
    write_synthetic_journal(d / f"line1_{day1}.db", cfg, SynthSpec(t_mid - 600, t_mid, tags=["filler.speed"]))
    write_synthetic_journal(d / f"line1_{day2}.db", cfg, SynthSpec(t_mid, t_mid + 600, tags=["filler.speed"]))
    h = Historian.for_directory(d, "line1")
    p = h.read(["filler.speed"], t_mid - 300, t_mid + 300, width_px=2000).pens["filler.speed"]
    assert p.n_samples == 600 and np.all(np.diff(p.points.ts) >= 0)


def test_csv_export_iso_times_quality_and_backfilled():
    series = {
        "a": Points.of([T0, T0 + 1.5], [1.25, np.nan], [GOOD, BAD_SENSOR_FAILURE]),
        "b": Points.of([T0 + 1.0], [7.0], [BACKFILLED]),
    }
    out = io.StringIO()
    n = write_csv(out, series, {"a": "bar"})
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert n == 3 and rows[0] == [
        "time",
        "tag",
        "value",
        "unit",
        "quality",
        "status",
        "backfilled",
        "held_from",
    ]
    assert [r[1] for r in rows[1:]] == ["a", "b", "a"]  # by time
    t = dt.datetime.fromisoformat(rows[1][0])
    assert t.tzinfo is not None and t.timestamp() == pytest.approx(T0)
    assert rows[1][2:6] == ["1.25", "bar", "Good", "Good"]
    assert rows[3][2] == "" and rows[3][4] == "Bad" and rows[3][5] == "BadSensorFailure"
    assert rows[2][6] == "1" and rows[2][4] == "Good"


def test_csv_export_of_a_window_starts_with_the_values_holding_at_its_start():
    """Sample and hold in the file as in the trend: a tag whose last sample came before the window
    starts with that value at the window's start, marked with when it was recorded; a tag with a
    sample right at the start, or none before it, gets no extra row."""
    start = T0 + 10.0
    series = {
        "slow": Points.of([T0 + 25.0], [3.0], [GOOD]),
        "exact": Points.of([start, T0 + 12.0], [5.0, 6.0], [GOOD, GOOD]),
        "new": Points.of([T0 + 11.0], [1.0], [GOOD]),
    }
    held = {
        "slow": (2.5, GOOD, T0 - 40.0),
        "exact": (4.0, GOOD, T0 + 1.0),
        "new": (math.nan, 0, math.nan),
        "quiet": (math.nan, BAD_SENSOR_FAILURE, T0 - 5.0),  # Bad, and nothing in the window
    }
    out = io.StringIO()
    n = write_csv(out, series, {}, held=held, start=start)
    rows = list(csv.reader(io.StringIO(out.getvalue())))[1:]
    first = {}
    for r in rows:
        first.setdefault(r[1], r)
    assert n == len(rows) == 6
    for tag, was in (("slow", T0 - 40.0), ("quiet", T0 - 5.0)):
        r = first[tag]
        assert dt.datetime.fromisoformat(r[0]).timestamp() == pytest.approx(start)
        assert dt.datetime.fromisoformat(r[7]).timestamp() == pytest.approx(was)
    assert first["slow"][2] == "2.5" and first["quiet"][2] == "" and first["quiet"][4] == "Bad"
    assert first["exact"][2] == "5.0" and first["exact"][7] == ""
    assert first["new"][2] == "1.0" and sum(r[7] != "" for r in rows) == 2


# --- live buffers -----------------------------------------------------------------------------------------


def batch(idx, ts, v, s=None):
    n = len(ts)
    return SampleBatch.from_columns(idx, ts, np.full(n, np.nan), ts, v, s if s is not None else np.zeros(n))


def test_live_buffers_order_merge_trim_and_listeners():
    clock = [T0]
    lb = LiveBuffers(["a", "b"], retention_s=100.0, clock=lambda: clock[0])
    seen = []
    lb.add_listener(lambda changed: seen.append(changed.tolist()))
    lb.apply(batch([0, 1, 0], [T0 + 1, T0 + 1, T0 + 2], [1.0, 10.0, 2.0]))
    assert seen == [[0, 1]]
    r = lb.ring("a")
    assert r.value.tolist() == [1.0, 2.0]
    held = r.points()
    v0 = r.version
    lb.apply(batch([0], [T0 + 1.5], [1.5], [BACKFILLED]))  # late: merged in order
    assert r.ts.tolist() == [T0 + 1, T0 + 1.5, T0 + 2]
    assert r.changed_since(v0) == T0 + 1.5
    assert held.value.tolist() == [1.0, 2.0]  # a reader's slice is untouched
    lb.apply(batch([5, -1], [T0, T0], [1.0, 1.0]))  # unknown tags: refused, counted
    assert lb.samples_rejected == 2
    clock[0] = T0 + 500
    lb._next_trim = 0
    lb.apply(batch([0], [T0 + 450], [3.0]))
    assert r.ts.tolist() == [T0 + 450] and lb.covered_from("a") == T0 + 400
    lb.remove_listener(lb._listeners[0])


def test_live_decimator_equals_bucketing_everything_and_follows_a_backfill():
    rng = np.random.default_rng(5)
    lb = LiveBuffers(["x"], retention_s=1e9, clock=lambda: T0)
    ts = T0 + np.arange(0, 600, 0.1)
    v = rng.normal(0, 1, len(ts))
    dec = LiveDecimator(lb.ring(0), 2.0, since=T0, settle_buckets=4)
    for k in range(0, len(ts), 37):  # arrives in uneven batches
        lb.apply(batch(np.zeros(len(ts[k : k + 37]), dtype=int), ts[k : k + 37], v[k : k + 37]))
        dec.update()
    got = Points.concat([dec.body, dec.tail()])
    want = bucketize(ts, v, np.zeros(len(ts), dtype=np.uint32), 2.0).to_points()
    assert np.allclose(got.ts, want.ts) and np.allclose(got.value, want.value)
    assert dec.body_end > T0 + 500
    # a backfill into an old, settled stretch rebuilds from there
    body_v = dec.body_version
    lb.apply(batch([0], [T0 + 100.05], [99.0], [BACKFILLED]))
    assert dec.update() and dec.body_version == body_v + 1
    assert np.nanmax(dec.body.value) == 99.0


# --- trend sets ---------------------------------------------------------------------------------------------


def test_trend_sets_per_user_atomic_and_corrupt_file(tmp_path):
    store = TrendSetStore(tmp_path / "s" / "trend_sets.json")
    assert store.names("ann") == []
    ts = TrendSet(
        "Filler",
        (PenSpec("filler.speed"), PenSpec("filler.state", axis="x", visible=False)),
        "stacked",
        28800,
    )
    store.save("ann", ts)
    store.save("bob", TrendSet("Mine", (PenSpec("capper.speed"),)))
    assert store.names("ann") == ["Filler"] and store.names("bob") == ["Mine"]
    back = store.load("ann", "Filler")
    assert back.pens == ts.pens and back.mode == "stacked" and back.span_s == 28800
    with pytest.raises(KeyError):
        store.load("bob", "Filler")
    assert store.delete("ann", "Filler") and not store.delete("ann", "Filler")
    store.path.write_text("{not json", encoding="utf-8")
    with pytest.raises(TrendSetError, match="set aside"):
        store.load("bob", "Mine")
    assert list(store.path.parent.glob("trend_sets.json.bad-*"))
    store.save("bob", TrendSet("Again", ()))
    assert store.names("bob") == ["Again"]


def test_axis_assignment_by_unit_and_range(cfg):
    infos = [
        TagInfo.from_config(cfg.tag(n))
        for n in (
            "filler.speed",
            "capper.speed",
            "filler.bearing_temp",
            "capper.bearing_temp",
            "filler.state",
            "filler.vibration",
        )
    ]
    keys = assign_axes(infos)
    assert keys["filler.speed"] == keys["capper.speed"]
    assert keys["filler.bearing_temp"] == keys["capper.bearing_temp"] != keys["filler.speed"]
    assert keys["filler.state"].startswith("state:")
    over = assign_axes(infos, {"capper.speed": "own"})
    assert over["capper.speed"] == "own"
    info = TagInfo.from_journal_row(
        {"name": "x", "range_lo": 0, "range_hi": 5, "states": '{"1": "On"}', "data_type": "bool"}
    )
    assert info.range == (0.0, 5.0) and info.states == {1: "On"} and info.is_step


def test_synthetic_journal_has_what_it_says(tmp_path, cfg):
    path = tmp_path / "s.db"
    info = write_synthetic_journal(path, cfg, SynthSpec(T0, T0 + 600, hz=2.0, tags=["filler.speed"]))
    assert info["samples"] == 1200
    assert Buckets.empty(1.0).samples == 0
