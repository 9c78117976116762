"""Compacted samples read back exactly as the raw rows did, through every read path (issue 16).

Random sample histories (gaps, NaN values, bad and uncertain statuses, link-down markers, equal
source times, out-of-order backfills, huge/tiny/infinite values, integer-valued enums, NULL server
times) are written as the journal writer writes them (rows and rollups in one transaction), the
file is copied, the copy compacted, and every reader is asked the same questions of both files:
`sample_store.read_tag` (ranges, inclusive ends, newest first, limits, filters), the journal
reader, the Historian (raw, pixel buckets, rollups, value_at, read_raw, CSV export), production's
tag series, the review's file span, the deduplication seed and the assistant's journal access.
Answers must be identical, bit for bit where they are arrays of samples.
"""

from __future__ import annotations

import io
import math
import shutil
import sqlite3
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core import sample_compact
from hmi.core.historian import Historian, write_csv
from hmi.core.journal_dedup import LastSamples
from hmi.core.journal_read import JournalError, open_journal_readonly
from hmi.core.journal_schema import SAMPLE_INSERT_SQL, create_schema, register_tags, sample_rows, write_meta
from hmi.core.production.journal_io import _tag_rows
from hmi.core.quality import BAD_NOT_CONNECTED
from hmi.core.review.source import _inspect
from hmi.core.rollup import update_rollups
from hmi.core.sample_codec import CHUNK_SAMPLES, ChunkError, SampleColumns, decode, encode, encode_on_clock
from hmi.core.sample_compact import FileClock, compact
from hmi.core.sample_store import (
    CHUNK_TABLE,
    CLOCK_PART,
    CLOCK_TABLE,
    Only,
    count_at_most,
    read_tag,
    recorded_span,
    sample_count,
    source_time_span,
)
from hmi.core.samples import SampleBatch
from hmi.core.trend_data import BUCKET_COLUMNS
from inference.assistant.journal_access import JournalSource
from tests.test_journal import make_config

T0 = 1_790_000_000.0
TAGS = ["m.state", "m.speed", "m.temp"]
STATUSES = [0, 0, 0, 0x00400000, 0x40000000, 0x408F0000, 0x80000000, BAD_NOT_CONNECTED, 0x800A0000, 32]
VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.integers(-3, 12).map(float),  # enum states
    st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324, 1e-300, 123456789.123456789]),
)


@st.composite
def histories(draw) -> list[tuple[int, float, float, float, float, int]]:
    """Rows (tag, source_ts, server_ts, received_ts, value, status) in the order they were committed."""
    rows = []
    t = T0
    for _ in range(draw(st.integers(1, 120))):
        tag = draw(st.integers(0, len(TAGS) - 1))
        step = draw(st.sampled_from([0.1, 0.1, 0.1, 0.0, 1.0, 37.0, 3600.0, 0.1 + 1e-7]))
        t += step
        src = t
        if draw(st.integers(0, 9)) == 0:  # a backfill from the server's history: earlier, out of order
            src = t - draw(st.floats(0.0, 500.0))
        if draw(st.integers(0, 40)) == 0:
            src = math.nan  # a NULL source time (never written by LineHMI, but a file may hold one)
        server = draw(st.sampled_from(["same", "none", "before"]))
        srv = src if server == "same" else (math.nan if server == "none" else src - 0.003)
        rcv = (src if math.isfinite(src) else t) + draw(st.sampled_from([0.0, 0.012, 0.5, 2.0]))
        rows.append((tag, src, srv, rcv, draw(VALUES), draw(st.sampled_from(STATUSES))))
    return rows


def write_file(
    path: Path,
    rows: list[tuple[int, float, float, float, float, int]],
    batches: int,
    compact_after: int | None = None,
) -> None:
    """The rows as the writer commits them, in `batches` transactions; with `compact_after`, the file
    is compacted after that many (a closed day's file the writer opened again: a clock set back)."""
    cfg = make_config(TAGS)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        create_schema(conn)
        write_meta(conn, cfg, None, T0)
        ids, _ = register_tags(conn, cfg.tags, T0)
        tag_ids = np.array(ids, dtype=np.int64)
        for k, part in enumerate(np.array_split(np.arange(len(rows)), batches)):  # the writer's commits
            if k == compact_after:
                compact(conn, now=T0)
            if not len(part):
                continue
            cols = list(zip(*[rows[k] for k in part], strict=True))
            b = SampleBatch.from_columns(*cols)
            conn.execute("BEGIN")
            jids = tag_ids[b.tag_idx]
            conn.executemany(SAMPLE_INSERT_SQL, sample_rows(jids, b))
            update_rollups(conn, jids, b)
            conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def compacted_copy(raw: Path, out: Path) -> Path:
    shutil.copy(raw, out)
    conn = sqlite3.connect(out, isolation_level=None)
    try:
        done = compact(conn, now=T0)
        assert conn.execute("SELECT count(*) FROM samples").fetchone()[0] == 0
        assert done.samples == sample_count(conn)
        conn.execute("VACUUM")
    finally:
        conn.close()
    return out


def same_cols(a: SampleColumns, b: SampleColumns, what: str) -> None:
    assert a.identical(b), what


def same_points(a, b, what: str) -> None:
    assert np.array_equal(a.ts, b.ts, equal_nan=True), what
    assert np.array_equal(a.value.view(np.uint64), b.value.view(np.uint64)), what
    assert np.array_equal(a.status, b.status), what


def same_buckets(a, b, what: str) -> None:
    assert (a is None) == (b is None), what
    if a is None:
        return
    for f in BUCKET_COLUMNS:
        assert np.array_equal(getattr(a, f), getattr(b, f), equal_nan=True), (what, f)


def review_span(path: Path) -> tuple[float, float] | str:
    try:
        rf = _inspect(path)[0]
    except JournalError as exc:
        return str(exc).split(": ", 1)[1]
    return rf.t0, rf.t1


def probe_times(rows) -> list[float]:
    ts = sorted({r[1] for r in rows if math.isfinite(r[1])})
    picks = [T0 - 10.0, T0 + 1e6]
    if ts:
        picks += [ts[0], ts[-1], ts[len(ts) // 2], ts[len(ts) // 3] + 0.05, ts[-1] + 0.1]
    return picks


@settings(max_examples=16, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    histories(),
    st.integers(2, 4),
    st.sampled_from(["closed", "written after", "compacted twice"]),
    st.sampled_from([(CHUNK_SAMPLES, CLOCK_PART), (7, 5), (3, 16)]),
)
def test_every_reader_answers_the_same_from_a_compacted_file(tmp_path_factory, rows, batches, how, sizes):
    """`how`: a closed file compacted; one compacted after some commits and then written into again
    (raw rows beside chunks: a clock set back reopened yesterday's file); that one compacted once more.
    `sizes`: samples per chunk and entries per clock part (small ones: reads across many of each)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sample_compact, "CHUNK_SAMPLES", sizes[0])
        mp.setattr(sample_compact, "CLOCK_PART", sizes[1])
        d = tmp_path_factory.mktemp("cmp")
        raw = d / "raw.db"
        write_file(raw, rows, batches)
        if how == "closed":
            packed = compacted_copy(raw, d / "packed.db")
        else:
            packed = d / "packed.db"
            write_file(packed, rows, batches, compact_after=batches // 2)
            if how == "compacted twice":
                packed = compacted_copy(packed, d / "packed2.db")
    times = probe_times(rows)
    ranges = [(None, None), (times[0], times[1])] + [(a, b) for a in times[2:4] for b in times[4:5]]

    # the one reading function, every option
    ca, cb = sqlite3.connect(raw), sqlite3.connect(packed)
    try:
        assert sample_count(ca) == sample_count(cb) == len(rows)
        assert recorded_span(ca) == recorded_span(cb)
        assert source_time_span(ca) == source_time_span(cb)
        for tid in (1, 2, 3):
            for t0, t1 in ranges:
                for inclusive in (False, True):
                    for newest in (False, True):
                        for limit in (None, 3):
                            for only in Only:
                                kw = dict(
                                    end_inclusive=inclusive, newest_first=newest, limit=limit, only=only
                                )
                                same_cols(
                                    read_tag(ca, tid, t0, t1, **kw),
                                    read_tag(cb, tid, t0, t1, **kw),
                                    f"{tid} {t0} {t1} {kw}",
                                )
                if t0 is not None and t1 is not None:
                    for cap in (0, 2, 5, 50):
                        assert count_at_most(ca, tid, t0, t1, cap) == count_at_most(cb, tid, t0, t1, cap)
                        n_in = len(read_tag(ca, tid, t0, t1))
                        assert count_at_most(ca, tid, t0, t1, cap) == min(cap + 1, n_in)
            for t in times[::2]:
                for counter in (False, True):
                    for rollup in (False, True):
                        ra, rb = (
                            _tag_rows(ca, tid, t, t + 900.0, counter, rollup),
                            _tag_rows(cb, tid, t, t + 900.0, counter, rollup),
                        )
                        assert np.array_equal(ra[0], rb[0], equal_nan=True) and np.array_equal(ra[1], rb[1])
        la, lb = LastSamples(len(TAGS)), LastSamples(len(TAGS))
        la.seed(ca, np.array([1, 2, 3])), lb.seed(cb, np.array([1, 2, 3]))
        for f in ("ts", "value", "status"):
            assert np.array_equal(getattr(la, f), getattr(lb, f), equal_nan=True)
    finally:
        ca.close()
        cb.close()

    # the journal reader
    with open_journal_readonly(raw) as ra, open_journal_readonly(packed) as rb:
        for t0, t1 in ranges[:3]:
            sa, sb = ra.read_samples(None, t0, t1), rb.read_samples(None, t0, t1)
            assert list(sa) == list(sb)
            for name in sa:
                for f in ("source_ts", "server_ts", "received_ts", "value", "status"):
                    assert np.array_equal(
                        getattr(sa[name], f).view(np.uint64 if f != "status" else np.uint32),
                        getattr(sb[name], f).view(np.uint64 if f != "status" else np.uint32),
                    ), (name, f)

    # the review's file span (or the same "holds no records")
    assert review_span(raw) == review_span(packed)

    # the historian: drawn history in every mode, cursor values, export
    for raw_factor in (1e9, 0.01, 3.0):
        ha = Historian.for_files([raw], raw_factor=raw_factor, threads=1)
        hb = Historian.for_files([packed], raw_factor=raw_factor, threads=1)
        for t0, t1 in ranges[1:]:
            if t1 <= t0:
                continue
            for width in (16, 300):
                pa, pb = ha.read(TAGS, t0, t1, width_px=width), hb.read(TAGS, t0, t1, width_px=width)
                for tag in TAGS:
                    what = f"{tag} {t0} {t1} {width} {raw_factor}"
                    assert pa.pens[tag].source == pb.pens[tag].source, what
                    assert pa.pens[tag].n_samples == pb.pens[tag].n_samples, what
                    same_points(pa.pens[tag].points, pb.pens[tag].points, what)
                    same_buckets(pa.pens[tag].buckets, pb.pens[tag].buckets, what)
            xa, xb = ha.read_raw(TAGS, t0, t1), hb.read_raw(TAGS, t0, t1)
            for tag in TAGS:
                same_points(xa[tag], xb[tag], f"read_raw {tag}")
            fa, fb = io.StringIO(), io.StringIO()
            assert write_csv(fa, xa) == write_csv(fb, xb)
            assert fa.getvalue() == fb.getvalue()
    for tag in TAGS:  # the cursor's exact value (the same whatever raw_factor)
        for t in times:
            va, vb = ha.value_at(tag, t), hb.value_at(tag, t)
            assert struct.pack("<ddd", va[0], va[1], va[2]) == struct.pack("<ddd", vb[0], vb[1], vb[2])

    # the assistant's access to the journal
    ja, jb = JournalSource([raw]), JournalSource([packed])
    assert ja.span() == jb.span()
    for tag in TAGS:
        for t in times:
            assert ja.last_before(tag, t) == jb.last_before(tag, t) or (
                str(ja.last_before(tag, t)) == str(jb.last_before(tag, t))  # NaN values compare unequal
            )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(allow_nan=True, width=64),
            st.floats(allow_nan=True, width=64),
            st.floats(allow_nan=True, width=64),
            st.floats(allow_nan=True, width=64),
            st.integers(0, 2**32 - 1),
        ),
        max_size=300,
    )
)
def test_the_codec_is_bit_exact_for_any_columns(rows):
    cols = SampleColumns(
        np.array([r[0] for r in rows], dtype=np.float64),
        np.array([r[1] for r in rows], dtype=np.float64),
        np.array([r[2] for r in rows], dtype=np.float64),
        np.array([r[3] for r in rows], dtype=np.float64),
        np.array([r[4] for r in rows], dtype=np.uint32),
    )
    # NaN payloads other than SQLite's are kept too (a value computed on the station, not read back)
    if len(cols):
        cols.value.view(np.uint64)[0] = np.uint64(0x7FF0_0000_DEAD_BEEF)
    assert decode(encode(cols)).identical(cols)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.floats(allow_nan=True, width=64), st.sampled_from([0.0, -0.0, T0, T0 + 0.1])),
            st.floats(allow_nan=True, width=64),
            st.floats(allow_nan=True, width=64),
            st.floats(allow_nan=True, width=64),
            st.integers(0, 2**32 - 1),
        ),
        max_size=200,
    ),
    st.integers(0, 1000),
)
def test_chunks_on_the_file_clock_are_bit_exact_for_any_columns(rows, base):
    """Any source times (0.0 and -0.0 are two clock entries, NaN has chunks of its own) come back
    bit for bit from the clock, every other column from the chunk."""
    cols = SampleColumns(
        np.array([r[0] for r in rows], dtype=np.float64),
        np.array([r[1] for r in rows], dtype=np.float64),
        np.array([r[2] for r in rows], dtype=np.float64),
        np.array([r[3] for r in rows], dtype=np.float64),
        np.array([r[4] for r in rows], dtype=np.uint32),
    )
    cols = cols.take(~np.isnan(cols.source_ts))
    clock = FileClock(base)
    half = len(cols) // 2
    clock.add(cols.take(slice(0, half)))  # the clock is collected tag by tag
    clock.add(cols.take(slice(half, None)))
    part = clock.finish()
    assert np.all(np.diff(part.times) >= 0)
    blob = encode_on_clock(cols, clock.index(cols.source_ts), part)
    assert decode(blob, clock.lookup).identical(cols)
    with pytest.raises(ChunkError, match="without the clock"):
        decode(blob)


def test_a_damaged_clock_is_a_clear_error(tmp_path):
    rows = [(0, T0 + k, T0 + k, T0 + k + 0.01, float(k), 0) for k in range(50)]
    raw = tmp_path / "raw.db"
    write_file(raw, rows, 1)
    packed = compacted_copy(raw, tmp_path / "packed.db")
    conn = sqlite3.connect(packed)
    try:
        conn.execute(f"UPDATE {CLOCK_TABLE} SET data = substr(data, 1, length(data) - 3)")
        with pytest.raises(ChunkError, match="damaged sample clock"):
            read_tag(conn, 1)
        conn.execute(f"DELETE FROM {CLOCK_TABLE}")
        with pytest.raises(ChunkError, match=r"clock lacks entries 0\.\.49"):
            read_tag(conn, 1)
    finally:
        conn.close()


def test_a_damaged_chunk_is_a_clear_error():
    cols = SampleColumns(*(np.arange(10, dtype=np.float64) for _ in range(4)), np.zeros(10, dtype=np.uint32))
    blob = encode(cols)
    with pytest.raises(ChunkError, match="not a LineHMI sample chunk"):
        decode(b"XXXX" + blob[4:])
    with pytest.raises(ChunkError, match="damaged"):
        decode(blob[:-5])


def test_a_demo_like_line_is_stored_in_at_most_12_bytes_per_sample(tmp_path):
    """10 tags published at a 10 Hz tick with jitter (each tick's samples share its source time and
    arrive in one notification, a few µs apart), noisy analog values, an enum state, constant status:
    chunks and the file's clock together stay within the issue's 12 bytes per sample."""
    rng = np.random.default_rng(7)
    ticks = T0 + np.cumsum(0.1 + rng.normal(0, 2e-3, 6_000))
    latency = rng.uniform(0.0, 0.1, len(ticks))
    rows = []
    for k, t in enumerate(ticks.tolist()):
        for tag in range(3):
            if tag == 0 and k % 100:
                continue  # the state changes now and then
            v = float(rng.integers(0, 5)) if tag == 0 else 50.0 + rng.normal(0, 0.5)
            rcv = t + latency[k] + tag * 8.5e-6
            rows.append((tag, t, t, rcv, v, 0))
    raw = tmp_path / "raw.db"
    write_file(raw, rows, 20)
    packed = compacted_copy(raw, tmp_path / "packed.db")
    conn = sqlite3.connect(packed)
    try:
        blob_bytes = sum(
            conn.execute(f"SELECT coalesce(sum(length(data)), 0) FROM {t}").fetchone()[0]
            for t in (CHUNK_TABLE, CLOCK_TABLE)
        )
    finally:
        conn.close()
    assert blob_bytes / len(rows) <= 12.0
    # The whole file, fixed pages included (schema, tags, status names, one page or more per table:
    # ~20 B/sample at this file's 12,000 samples, 8.6 at 4.4 million, bench/README.md).
    assert packed.stat().st_size < raw.stat().st_size / 3.5


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(-3, 40),  # tag ids, some not in `tags` (a file written by another tool)
            st.one_of(st.none(), st.floats(-1e12, 1e12, allow_nan=False)),  # NULL source times too
        ),
        max_size=60,
    )
)
def test_the_source_time_span_is_the_whole_tables_min_and_max(rows) -> None:
    """source_time_span seeks each tag's first and last sample in the (tag_id, source_ts) index
    instead of scanning the table: the same (min, max) as the scan, for any rows."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE samples (id INTEGER PRIMARY KEY, tag_id INTEGER NOT NULL, source_ts REAL,"
                 " server_ts REAL, received_ts REAL, value REAL, status INTEGER NOT NULL)")  # fmt: skip
    conn.execute("CREATE INDEX idx_samples_tag_ts ON samples (tag_id, source_ts)")
    conn.executemany("INSERT INTO samples (tag_id, source_ts, status) VALUES (?, ?, 0)", rows)
    scan = conn.execute("SELECT min(source_ts), max(source_ts) FROM samples").fetchone()
    assert source_time_span(conn) == tuple(None if v is None else float(v) for v in scan)
