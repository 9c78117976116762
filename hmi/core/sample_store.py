"""Where a journal file keeps its raw samples, and the one function every reader reads them with.

A journal file holds a tag's samples in one of two places (or, in an odd file, both):

- the `samples` table, one row per sample (what the writer writes; today's and recent files);
- the `sample_chunks` table, filled by the retention job for closed daily files
  (`hmi.core.sample_compact`): per tag, chunks of up to `CHUNK_SAMPLES` samples in reading order,
  each one blob of the codec in `hmi.core.sample_codec`, their source times as indices into the
  file's clock (`sample_clock`). About 7 to 8 bytes per sample (the demo line) instead of ~71.

`read_tag` gives the same arrays, bit for bit, from either place: samples sorted by source time
and then by row id (NULL source times first; newest first on request), with the same half-open
ranges, filters and limits the SQL readers used. Historian, review, production, deduplication, the
assistant and the CSV export all read samples through it, so a compacted file answers every
question exactly as the raw file did (property-tested in tests/test_sample_store.py).
"""

from __future__ import annotations

import enum
import sqlite3
from typing import NamedTuple

import numpy as np

from hmi.core.quality import BAD_NOT_CONNECTED
from hmi.core.sample_codec import ChunkError, ClockPart, SampleColumns, decode, decode_clock
from hmi.core.sqlite_tables import has_table

CHUNK_TABLE = "sample_chunks"
BAD_SEVERITY = 0x80000000  # statuses at or above it are Bad

CHUNK_SCHEMA_SQL = f"""
CREATE TABLE IF NOT EXISTS {CHUNK_TABLE} (
  id INTEGER PRIMARY KEY,
  tag_id INTEGER NOT NULL REFERENCES tags(id),
  seq INTEGER NOT NULL,
  t_first REAL,
  t_last REAL,
  n INTEGER NOT NULL,
  codec TEXT NOT NULL,
  data BLOB NOT NULL
)"""
CHUNK_INDEX_SQL = (
    f"CREATE UNIQUE INDEX IF NOT EXISTS idx_{CHUNK_TABLE}_tag_seq ON {CHUNK_TABLE} (tag_id, seq)"
)
CODEC_NAME = "lhc2"  # hmi.core.sample_codec's format: source times against the file's clock
CODEC_NO_CLOCK = "lhc1"  # the same without the clock: chunks of samples that have no source time
CLOCK_TABLE = "sample_clock"
# The file's clock (sample_codec.ClockPart): its distinct source times in parts of CLOCK_PART entries.
CLOCK_SCHEMA_SQL = f"""
CREATE TABLE IF NOT EXISTS {CLOCK_TABLE} (
  first INTEGER PRIMARY KEY,
  n INTEGER NOT NULL,
  t_first REAL NOT NULL,
  t_last REAL NOT NULL,
  data BLOB NOT NULL
)"""
CLOCK_PART = 4_096  # entries per clock row: ~7 min of a 10 Hz line's ticks (as a chunk of a 10 Hz tag)

_COLS = "source_ts, server_ts, received_ts, value, status"


class Only(enum.Enum):
    """Which samples a read returns."""

    ALL = "all"
    REAL = "real"  # not the BadNotConnected markers the connector writes when a link drops
    USABLE = "usable"  # a value (not NULL) of Good or Uncertain quality

    def sql(self) -> str:
        if self is Only.REAL:
            return f" AND status != {BAD_NOT_CONNECTED}"
        if self is Only.USABLE:
            return f" AND value IS NOT NULL AND status < {BAD_SEVERITY}"
        return ""

    def mask(self, c: SampleColumns) -> np.ndarray | None:
        if self is Only.REAL:
            return c.status != BAD_NOT_CONNECTED
        if self is Only.USABLE:
            return ~np.isnan(c.value) & (c.status < BAD_SEVERITY)
        return None


def has_chunks(conn: sqlite3.Connection) -> bool:
    """Whether the file has a chunk table (a compacted file, or one being compacted)."""
    return has_table(conn, CHUNK_TABLE)


def columns_from_rows(rows: list[tuple[object, ...]]) -> SampleColumns:
    """(source_ts, server_ts, received_ts, value, status) rows as columns; NULL becomes NaN."""
    if not rows:
        return SampleColumns.empty()
    a = np.array(rows, dtype=np.float64)
    return SampleColumns(
        a[:, 0].copy(), a[:, 1].copy(), a[:, 2].copy(), a[:, 3].copy(), a[:, 4].astype(np.uint32)
    )


def reading_order(ts: np.ndarray) -> np.ndarray:
    """Stable order by source time with NaN (a NULL time) first, as SQLite's ORDER BY sorts NULL."""
    return np.lexsort((ts, ~np.isnan(ts)))


class _Query(NamedTuple):
    t0: float | None
    t1: float | None
    end_inclusive: bool
    newest_first: bool
    limit: int | None
    only: Only


def read_tag(
    conn: sqlite3.Connection,
    tag_id: int,
    t0: float | None = None,
    t1: float | None = None,
    *,
    end_inclusive: bool = False,
    newest_first: bool = False,
    limit: int | None = None,
    only: Only = Only.ALL,
) -> SampleColumns:
    """One tag's samples with `t0 <= source_ts < t1` (`<= t1` with end_inclusive), raw rows and
    chunks alike, in reading order (source time, then row id) or its reverse, at most `limit`.

    A bound of None is no bound; a NULL source time only matches when both bounds are None.
    """
    if limit is not None and limit <= 0:
        return SampleColumns.empty()
    q = _Query(t0, t1, end_inclusive, newest_first, limit, only)
    raw = _read_rows(conn, tag_id, q)
    if not has_chunks(conn):
        return raw
    packed = _read_chunks(conn, tag_id, q)
    if not len(packed):
        return raw
    if not len(raw):
        return packed
    # Both (a file written into after it was compacted): chunk rows are the older row ids, so on
    # equal times they come first in reading order.
    parts = [packed, raw] if not newest_first else [packed.reversed(), raw.reversed()]
    both = SampleColumns.concat(parts)
    both = both.take(reading_order(both.source_ts))
    if newest_first:
        both = both.reversed()
    return both.take(slice(0, limit)) if limit is not None else both


def _range_sql(
    t0: float | None, t1: float | None, end_inclusive: bool, lo: str = "source_ts", hi: str = "source_ts"
) -> tuple[str, list[float]]:
    """`AND lo >= t0 AND hi < t1` (`<=` with end_inclusive; a bound of None: none) and its arguments.
    Rows: lo = hi = source_ts. Chunks overlapping the range: lo = t_last, hi = t_first."""
    sql, args = "", []
    if t0 is not None:
        sql += f" AND {lo} >= ?"
        args.append(float(t0))
    if t1 is not None:
        sql += f" AND {hi} <= ?" if end_inclusive else f" AND {hi} < ?"
        args.append(float(t1))
    return sql, args


def _read_rows(conn: sqlite3.Connection, tag_id: int, q: _Query) -> SampleColumns:
    t0, t1, end_inclusive, newest_first, limit, only = q
    where, args = _range_sql(t0, t1, end_inclusive)
    order = "source_ts DESC, id DESC" if newest_first else "source_ts, id"
    sql = f"SELECT {_COLS} FROM samples WHERE tag_id = ?{where}{only.sql()} ORDER BY {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return columns_from_rows(conn.execute(sql, [tag_id, *args]).fetchall())


def _read_chunks(conn: sqlite3.Connection, tag_id: int, q: _Query) -> SampleColumns:
    t0, t1, end_inclusive, newest_first, limit, only = q
    where, args = _range_sql(t0, t1, end_inclusive, lo="t_last", hi="t_first")
    sql = f"SELECT data FROM {CHUNK_TABLE} WHERE tag_id = ?{where} ORDER BY seq{' DESC' if newest_first else ''}"
    parts: list[SampleColumns] = []
    got = 0
    clock = _Clock(conn)
    for (blob,) in conn.execute(sql, [tag_id, *args]):
        c = decode(blob, clock.lookup)
        ts = c.source_ts
        keep = np.ones(len(c), dtype=bool)
        if t0 is not None or t1 is not None:
            keep &= ~np.isnan(ts)
            if t0 is not None:
                keep &= ts >= t0
            if t1 is not None:
                keep &= (ts <= t1) if end_inclusive else (ts < t1)
        m = only.mask(c)
        if m is not None:
            keep &= m
        c = c.take(keep) if not keep.all() else c
        parts.append(c.reversed() if newest_first else c)
        got += len(c)
        if limit is not None and got >= limit:
            break
    out = SampleColumns.concat(parts)
    return out.take(slice(0, limit)) if limit is not None and len(out) > limit else out


class _Clock:
    """The file's clock as the chunks of one read need it: the parts covering an index range, read
    from `sample_clock` and decoded once per read (a 1 h read of 20 pens decodes each part once per
    pen; a part is 4,096 entries)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._parts: dict[int, ClockPart] = {}

    def lookup(self, i0: int, i1: int) -> tuple[np.ndarray, np.ndarray]:
        rows = self._conn.execute(
            f"SELECT first, data FROM {CLOCK_TABLE} WHERE first <= ? AND first + n > ? ORDER BY first",
            (i1, i0),
        ).fetchall()
        parts = []
        for first, blob in rows:
            part = self._parts.get(first)
            if part is None:
                part = self._parts[first] = decode_clock(blob)
            parts.append(part)
        if not parts or parts[0].first > i0 or parts[-1].first + len(parts[-1]) <= i1:
            raise ChunkError(f"the file's sample clock lacks entries {i0}..{i1}")
        times = np.concatenate([p.times for p in parts])
        received = np.concatenate([p.received for p in parts])
        a = i0 - parts[0].first
        return times.view(np.uint64)[a : a + i1 - i0 + 1], received.view(np.uint64)[a : a + i1 - i0 + 1]


def count_at_most(conn: sqlite3.Connection, tag_id: int, t0: float, t1: float, cap: int) -> int:
    """min(samples of the tag with t0 <= source_ts < t1, cap + 1): whether a range holds more than
    `cap` samples, decided from chunk sizes where whole chunks lie inside the range (no decoding)."""
    n = int(
        conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM samples WHERE tag_id = ? AND source_ts >= ? AND source_ts < ?"
            " LIMIT ?)",
            (tag_id, t0, t1, cap + 1),
        ).fetchone()[0]
    )
    if n > cap or not has_chunks(conn):
        return n
    inside = conn.execute(
        f"SELECT coalesce(sum(n), 0) FROM {CHUNK_TABLE} WHERE tag_id = ? AND t_first >= ? AND t_last < ?",
        (tag_id, t0, t1),
    ).fetchone()[0]
    if n + int(inside) > cap:
        return cap + 1
    return min(
        cap + 1, n + len(_read_chunks(conn, tag_id, _Query(t0, t1, False, False, cap + 1 - n, Only.ALL)))
    )


def last_before(
    conn: sqlite3.Connection, tag_id: int, t: float, *, inclusive: bool = False, only: Only = Only.ALL
) -> SampleColumns:
    """The newest sample with source time < t (<= t with inclusive): zero or one row."""
    return read_tag(conn, tag_id, None, t, end_inclusive=inclusive, newest_first=True, limit=1, only=only)


def first_from(conn: sqlite3.Connection, tag_id: int, t: float) -> SampleColumns:
    """The oldest sample with source time >= t: zero or one row."""
    return read_tag(conn, tag_id, t, None, limit=1)


def sample_count(conn: sqlite3.Connection) -> int:
    """Samples in the file, raw rows and chunks together."""
    n = int(conn.execute("SELECT count(*) FROM samples").fetchone()[0])
    if has_chunks(conn):
        n += int(conn.execute(f"SELECT coalesce(sum(n), 0) FROM {CHUNK_TABLE}").fetchone()[0])
    return n


# min/max of source_ts over the whole table scanned every row of the (tag_id, source_ts) index: 0.3 s
# per daily file of 4 tags, seconds for 40, on each review open. Per tag, min and max are one index
# seek each; the tags present are walked with the same index (a skip-scan: the next tag_id above the
# last), so a sample whose tag is missing from `tags` still counts.
_SPAN_SQL = """
WITH RECURSIVE present(tag_id) AS (
    SELECT (SELECT min(tag_id) FROM samples)
    UNION ALL
    SELECT (SELECT min(tag_id) FROM samples WHERE tag_id > present.tag_id) FROM present
    WHERE present.tag_id IS NOT NULL
)
SELECT min((SELECT min(source_ts) FROM samples WHERE tag_id = present.tag_id)),
       max((SELECT max(source_ts) FROM samples WHERE tag_id = present.tag_id))
FROM present WHERE tag_id IS NOT NULL
"""


def source_time_span(conn: sqlite3.Connection) -> tuple[float | None, float | None]:
    """(earliest, latest) source time of any sample in the file; None when it has none."""
    lo, hi = conn.execute(_SPAN_SQL).fetchone()
    if has_chunks(conn):
        clo, chi = conn.execute(f"SELECT min(t_first), max(t_last) FROM {CHUNK_TABLE}").fetchone()
        lo = clo if lo is None else (lo if clo is None else min(lo, clo))
        hi = chi if hi is None else (hi if chi is None else max(hi, chi))
    return (None if lo is None else float(lo)), (None if hi is None else float(hi))


FIRST_TS_KEY, LAST_TS_KEY = "samples_first_source_ts", "samples_last_source_ts"


def recorded_span(conn: sqlite3.Connection) -> tuple[float | None, float | None]:
    """Source times of the first and the last sample recorded (by row id, cheap on a raw file;
    noted in `meta` when the file was compacted, since chunks keep no row ids: a compacted file's
    first sample is the noted one, its last the newest raw row if it was written into again)."""
    lo = conn.execute("SELECT source_ts FROM samples ORDER BY id LIMIT 1").fetchone()
    hi = conn.execute("SELECT source_ts FROM samples ORDER BY id DESC LIMIT 1").fetchone()
    if not has_chunks(conn):
        return (lo[0] if lo else None), (hi[0] if hi else None)
    noted = dict(conn.execute("SELECT key, value FROM meta WHERE key IN (?, ?)", (FIRST_TS_KEY, LAST_TS_KEY)))
    if FIRST_TS_KEY not in noted:  # a chunk table but never compacted to the end
        return (lo[0] if lo else None), (hi[0] if hi else None)

    def num(text: str | None) -> float | None:
        try:
            return float(text) if text not in (None, "") else None
        except ValueError:
            return None

    return num(noted.get(FIRST_TS_KEY)), (hi[0] if hi else num(noted.get(LAST_TS_KEY)))
