"""Compacting a closed journal file's raw samples into per-tag chunks (about 10 instead of ~71 bytes each).

Run by the retention job (`hmi.core.retention`) on its own thread, on closed daily files only (the
writer never touches them again), so it never blocks writing. In one transaction per file:

1. rollups are completed first (`build_rollups`) so that trends of the day stay as they were;
2. per tag, every sample is read in reading order (`sample_store.read_tag`), cut into chunks of
   `CHUNK_SAMPLES`, encoded (`sample_codec`), decoded again and compared bit for bit with what was
   read: a chunk that does not come back identical aborts the file, which stays raw;
3. the raw rows are deleted; `meta` notes when, how many, the codec, and the first and last
   recorded source time (what the review shows as the file's span).

Then the file is vacuumed so the space comes back (`retention` does that; a full VACUUM needs room
for a copy of the file, and is retried at the next pass when the disk is too full for it).
What is kept, exactly: source, server and received time, value and status of every sample, in
the order readers return them. Not kept: the row ids (nothing shows them; the plant forwarder
keys on them, so with [plant] configured a file is compacted only once it is forwarded).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass

import numpy as np

from hmi.core.rollup import build_rollups
from hmi.core.sample_codec import CHUNK_SAMPLES, SampleColumns, decode, encode
from hmi.core.sample_store import (
    CHUNK_INDEX_SQL,
    CHUNK_SCHEMA_SQL,
    CHUNK_TABLE,
    CODEC_NAME,
    FIRST_TS_KEY,
    LAST_TS_KEY,
    read_tag,
    recorded_span,
)

log = logging.getLogger(__name__)


class CompactError(Exception):
    """A file that could not be compacted (it stays raw); str() names the file, tag and reason."""


@dataclass(frozen=True, slots=True)
class CompactResult:
    samples: int
    chunks: int
    chunk_bytes: int


ChunkRow = tuple[int, int, float | None, float | None, int, str, bytes]


def _chunk_rows(tag_id: int, cols: SampleColumns) -> list[ChunkRow]:
    """Chunks in reading order. Samples without a source time (NULL, read first) get chunks of their
    own, so a chunk's t_first..t_last tells exactly how many of its samples a time range holds."""
    no_time = int(np.isnan(cols.source_ts).sum())  # all at the start: reading order puts NULL first
    parts = [cols.take(slice(0, no_time)), cols.take(slice(no_time, None))]
    rows: list[ChunkRow] = []
    for part_cols in parts:
        for start in range(0, len(part_cols), CHUNK_SAMPLES):
            part = part_cols.take(slice(start, start + CHUNK_SAMPLES))
            seq = len(rows)
            blob = encode(part)
            if not decode(blob).identical(part):
                raise CompactError(f"tag id {tag_id}: chunk {seq} does not decode to what was read")
            ts = part.source_ts
            t_first = float(ts.min()) if not np.isnan(ts[0]) else None
            t_last = float(ts.max()) if not np.isnan(ts[0]) else None
            rows.append((tag_id, seq, t_first, t_last, len(part), CODEC_NAME, blob))
    return rows


def compact(conn: sqlite3.Connection, now: float | None = None) -> CompactResult:
    """Move every raw sample of the file on `conn` (autocommit mode) into chunks, in one transaction."""
    if conn.execute("SELECT 1 FROM samples LIMIT 1").fetchone() is None:
        return CompactResult(0, 0, 0)
    build_rollups(conn)
    first_ts, last_ts = recorded_span(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(CHUNK_SCHEMA_SQL)
        conn.execute(CHUNK_INDEX_SQL)
        n_raw = int(conn.execute("SELECT count(*) FROM samples").fetchone()[0])
        n_packed_before = int(conn.execute(f"SELECT coalesce(sum(n), 0) FROM {CHUNK_TABLE}").fetchone()[0])
        samples = chunks = nbytes = 0
        tag_ids = [int(r[0]) for r in conn.execute("SELECT DISTINCT tag_id FROM samples").fetchall()]
        for tid in tag_ids:
            cols = read_tag(conn, tid)  # raw rows and any earlier chunks of the tag, in reading order
            conn.execute(f"DELETE FROM {CHUNK_TABLE} WHERE tag_id = ?", (tid,))
            rows = _chunk_rows(tid, cols)
            conn.executemany(
                f"INSERT INTO {CHUNK_TABLE} (tag_id, seq, t_first, t_last, n, codec, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            samples += len(cols)
            chunks += len(rows)
            nbytes += sum(len(r[6]) for r in rows)
        n_packed = int(conn.execute(f"SELECT coalesce(sum(n), 0) FROM {CHUNK_TABLE}").fetchone()[0])
        if n_packed != n_raw + n_packed_before:
            raise CompactError(f"{n_packed} samples in chunks, expected {n_raw + n_packed_before}")
        conn.execute("DELETE FROM samples")
        noted = {
            "samples_compacted_at": f"{time.time() if now is None else now:.3f}",
            "samples_compacted": str(n_raw),
            "samples_codec": f"{CODEC_NAME} (hmi/core/sample_codec.py; read with `linehmi export`)",
            FIRST_TS_KEY: "" if first_ts is None else repr(float(first_ts)),
            LAST_TS_KEY: "" if last_ts is None else repr(float(last_ts)),
        }
        if n_packed_before:  # a second pass: the first recorded sample is the one the first pass noted
            old = conn.execute("SELECT value FROM meta WHERE key = ?", (FIRST_TS_KEY,)).fetchone()
            if old is not None and old[0]:
                noted[FIRST_TS_KEY] = old[0]
        conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(noted.items()))
        conn.execute("COMMIT")
    except BaseException:
        conn.rollback()
        raise
    return CompactResult(samples, chunks, nbytes)
