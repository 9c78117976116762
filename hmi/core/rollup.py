"""Min/max rollups of the samples table, for trends over hours and days (no Qt).

Table `sample_rollup` (WITHOUT ROWID, primary key (tag_id, level, bucket)) holds,
per tag and per bucket of `level` seconds aligned to the Unix epoch, what
`hmi.core.trend_data.Buckets` needs: count, bad/uncertain counts, min/max of
the usable values, first/last time, last value and status, the latest bad
status and OR-ed flags (backfilled). Levels: 10 s, 30 s, 120 s and 600 s.

The flags also carry `WENT_DOWN_BIT`: a usable value in the bucket is lower
than the usable value before it in the same bucket. For a counter that marks a
PLC reset or roll-over inside the bucket, where the bucket's last value alone
cannot say how many units were counted: hmi.core.production reads such
buckets' raw samples and takes every other bucket's last value (a drop from one
bucket to the next shows in `vmin`, so it needs no bit). Files whose rollups
were written before the bit existed lack `meta.rollup_went_down`.

Why rollups (measured, docs/trends.md): reading 20 tags x 8 h at 1 Hz
(576,000 rows) takes about 0.5 s with SQL GROUP BY on the (tag_id, source_ts)
index and 0.6 s row by row into numpy; from the 10 s rollup it is 57,600 rows
and a few tens of ms.

Who writes them: the journal writer, inside the same transaction as the
samples (`update_rollups`), so rollups are exactly as durable and as current as
the samples. `create_rollup_schema` is idempotent; `meta.rollup_since_id`
records the first sample id covered, so a reader knows whether a file's
rollups are complete (older files: `build_rollups` catches up, or the
historian falls back to SQL GROUP BY).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import numpy as np

from hmi.core.quality import quality_array
from hmi.core.samples import SampleBatch
from hmi.core.trend_data import FLAG_MASK, aggregate, bucket_index

# Bucket widths (s): a plot of 800 to 1,800 px shows 8 h at 16-36 s per pixel (level 10 or 30),
# 24 h at 48-108 s (30 or 120), a week at 336-756 s (120 or 600).
LEVELS: tuple[int, ...] = (10, 30, 120, 600)
ROLLUP_TABLE = "sample_rollup"
# A bit of the rollup's flags column only (status bits are masked with FLAG_MASK, which excludes it).
WENT_DOWN_BIT = 0x0000_0001
WENT_DOWN_META = "rollup_went_down"  # meta key: this file's rollups carry WENT_DOWN_BIT

_COLS = "tag_id, level, bucket, n, n_bad, n_unc, vmin, vmax, t_first, t_last, v_last, s_last, s_bad, flags"

SCHEMA_SQL = f"""
CREATE TABLE IF NOT EXISTS {ROLLUP_TABLE} (
  tag_id INTEGER NOT NULL,
  level INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  n INTEGER NOT NULL,
  n_bad INTEGER NOT NULL,
  n_unc INTEGER NOT NULL,
  vmin REAL,
  vmax REAL,
  t_first REAL NOT NULL,
  t_last REAL NOT NULL,
  v_last REAL,
  s_last INTEGER NOT NULL,
  s_bad INTEGER NOT NULL,
  flags INTEGER NOT NULL,
  PRIMARY KEY (tag_id, level, bucket)
) WITHOUT ROWID
"""

# Merging a partial bucket into a stored one. In an UPSERT every expression on the right
# sees the stored row's old values. min()/max() with a NULL argument give NULL, hence coalesce.
# Went down: the new part's lowest value is below the stored highest one (both parts rise in
# themselves, else their own bit is set already, so that is the step between them), or the new part
# starts before the stored one ends (samples out of order: the bucket is re-read raw, to be safe).
UPSERT_SQL = f"""
INSERT INTO {ROLLUP_TABLE} ({_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (tag_id, level, bucket) DO UPDATE SET
  n = n + excluded.n,
  n_bad = n_bad + excluded.n_bad,
  n_unc = n_unc + excluded.n_unc,
  vmin = coalesce(min(vmin, excluded.vmin), vmin, excluded.vmin),
  vmax = coalesce(max(vmax, excluded.vmax), vmax, excluded.vmax),
  t_first = min(t_first, excluded.t_first),
  t_last = max(t_last, excluded.t_last),
  v_last = CASE WHEN excluded.t_last >= t_last THEN excluded.v_last ELSE v_last END,
  s_last = CASE WHEN excluded.t_last >= t_last THEN excluded.s_last ELSE s_last END,
  s_bad = CASE WHEN excluded.s_bad != 0 AND (s_bad = 0 OR excluded.t_last >= t_last)
               THEN excluded.s_bad ELSE s_bad END,
  flags = flags | excluded.flags
    | CASE WHEN excluded.t_first < t_last OR excluded.vmin < vmax THEN {WENT_DOWN_BIT} ELSE 0 END
"""


def create_rollup_schema(conn: sqlite3.Connection) -> None:
    """Create the rollup table (idempotent) and note which samples it covers.

    On a file that already holds samples without rollups, `rollup_since_id` is the
    next sample id: readers then know the older rows are not rolled up
    (`build_rollups` fixes that).
    """
    conn.execute(SCHEMA_SQL)
    have = conn.execute("SELECT value FROM meta WHERE key = 'rollup_since_id'").fetchone()
    if have is None:
        nxt = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM samples").fetchone()[0]
        conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('rollup_since_id', ?)", (str(nxt),))
        conn.execute(f"INSERT OR IGNORE INTO meta (key, value) VALUES ('{WENT_DOWN_META}', '1')")
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('rollup_levels', ?)",
            (",".join(map(str, LEVELS)),),
        )


def rollup_rows(
    tag_ids: np.ndarray, ts: np.ndarray, value: np.ndarray, status: np.ndarray, levels: Sequence[int] = LEVELS
) -> list[tuple[object, ...]]:
    """Rollup rows (one per tag, level and bucket touched) of a set of samples, vectorised."""
    n = len(ts)
    if n == 0:
        return []
    ok = np.isfinite(ts)
    if not ok.all():
        tag_ids, ts, value, status = tag_ids[ok], ts[ok], value[ok], status[ok]
        if len(ts) == 0:
            return []
    order = np.lexsort((ts, tag_ids))
    tid, t, v, s = tag_ids[order], ts[order], value[order], status[order].astype(np.uint32)
    # Each usable value against the usable value before it (same tag): a drop marks the bucket when
    # both are in it. Across buckets a reader sees the drop in vmin; leaving it out here keeps a
    # bucket's bits the same however the samples were split into commits.
    u = np.flatnonzero(np.isfinite(v) & (quality_array(s) < 2))
    pair = tid[u[1:]] == tid[u[:-1]]
    down_at, down_prev = u[1:][pair & (v[u[1:]] < v[u[:-1]])], u[:-1][pair & (v[u[1:]] < v[u[:-1]])]
    out: list[tuple[object, ...]] = []
    for level in levels:
        k = bucket_index(t, float(level))
        starts = np.flatnonzero(np.r_[True, (tid[1:] != tid[:-1]) | (k[1:] != k[:-1])])
        b = aggregate(t, v, s, starts, float(level))
        down = np.zeros(len(t), dtype=bool)
        down[down_at[k[down_at] == k[down_prev]]] = True
        went_down = np.logical_or.reduceat(down, starts)
        flags = (b.flags & np.uint32(FLAG_MASK)) | np.where(went_down, np.uint32(WENT_DOWN_BIT), np.uint32(0))
        vmin = np.where(np.isfinite(b.vmin), b.vmin, np.nan).tolist()
        vmax = np.where(np.isfinite(b.vmax), b.vmax, np.nan).tolist()
        out.extend(
            zip(
                tid[starts].tolist(),
                [level] * len(starts),
                k[starts].tolist(),
                b.n.tolist(),
                b.n_bad.tolist(),
                b.n_unc.tolist(),
                vmin,  # NaN binds as NULL
                vmax,
                b.t_first.tolist(),
                b.t_last.tolist(),
                b.v_last.tolist(),
                b.s_last.tolist(),
                b.s_bad.tolist(),
                flags.tolist(),
                strict=True,
            )
        )
    return out


def update_rollups(conn: sqlite3.Connection, tag_ids: np.ndarray, batch: SampleBatch) -> int:
    """Merge a committed-to-be batch into the rollups; call inside the samples' transaction.

    `tag_ids` are the journal's tag ids per row of `batch` (what the writer inserts).
    Returns the number of rollup rows written.
    """
    rows = rollup_rows(np.asarray(tag_ids, dtype=np.int64), batch.source_ts, batch.value, batch.status)
    if rows:
        conn.executemany(UPSERT_SQL, rows)
    return len(rows)


def build_rollups(conn: sqlite3.Connection, chunk: int = 500_000) -> int:
    """Roll up samples older than `rollup_since_id` (a file written before rollups existed).

    Runs in chunks of sample ids, each its own transaction; returns samples rolled up.
    Must run on the journal's writer connection (or with the writer stopped).
    """
    create_rollup_schema(conn)
    since = int(conn.execute("SELECT value FROM meta WHERE key = 'rollup_since_id'").fetchone()[0])
    done = 0
    lo = 1
    while lo < since:
        hi = min(lo + chunk, since)
        rows = conn.execute(
            "SELECT tag_id, source_ts, value, status FROM samples WHERE id >= ? AND id < ?", (lo, hi)
        ).fetchall()
        if rows:
            a = np.array(rows, dtype=np.float64)
            rr = rollup_rows(a[:, 0].astype(np.int64), a[:, 1], a[:, 2], a[:, 3].astype(np.uint32))
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(UPSERT_SQL, rr)
                conn.execute("UPDATE meta SET value = ? WHERE key = 'rollup_since_id'", (str(hi),))
                conn.execute("COMMIT")
            except BaseException:
                conn.rollback()
                raise
            done += len(rows)
        lo = hi
    if since > 1:
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'rollup_since_id'")
    return done


def rollup_state(conn: sqlite3.Connection) -> tuple[bool, tuple[int, ...]]:
    """(complete, levels) of a file's rollups; complete means every sample is rolled up."""
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'rollup_since_id'").fetchone()
        lv = conn.execute("SELECT value FROM meta WHERE key = 'rollup_levels'").fetchone()
    except sqlite3.OperationalError:
        return False, ()
    if row is None:
        return False, ()
    levels = tuple(int(x) for x in lv[0].split(",")) if lv and lv[0] else LEVELS
    since = int(row[0])
    if since <= 1:
        return True, levels
    first = conn.execute("SELECT min(id) FROM samples").fetchone()[0]
    return (first is None or first >= since), levels


def rollup_went_down(conn: sqlite3.Connection) -> bool:
    """Whether this file's rollups carry WENT_DOWN_BIT (written by this version or later)."""
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (WENT_DOWN_META,)).fetchone()
    except sqlite3.OperationalError:
        return False
    return row is not None and row[0] == "1"
