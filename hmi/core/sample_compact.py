"""Compacting a closed journal file's raw samples into per-tag chunks on the file's clock (7-8 bytes instead of ~71).

Run by the retention job (`hmi.core.retention`) on its own thread, on closed daily files only (the
writer never touches them again), so it never blocks writing. In one transaction per file:

1. rollups are completed first (`build_rollups`) so that trends of the day stay as they were;
2. the file's clock: every tag is read once (`sample_store.read_tag`, one tag in memory at a time)
   for its distinct source times and their earliest received times (`FileClock`);
3. per tag, every sample is read again in reading order, cut into chunks of `CHUNK_SAMPLES`,
   encoded (`sample_codec`; against the clock where the chunk is dense on it), decoded again and
   compared bit for bit with what was read: a chunk that does not come back identical aborts the
   file, which stays raw;
4. the raw rows are deleted, the commit rows summed into one; `meta` notes when, how many, the
   codec, and the first and last recorded source time (what the review shows as the file's span).

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
from hmi.core.rollup_pack import pack_rollups
from hmi.core.sample_codec import (
    CHUNK_SAMPLES,
    ClockPart,
    SampleColumns,
    decode,
    encode,
    encode_clock,
    encode_on_clock,
)
from hmi.core.sample_store import (
    CHUNK_INDEX_SQL,
    CHUNK_SCHEMA_SQL,
    CHUNK_TABLE,
    CLOCK_PART,
    CLOCK_SCHEMA_SQL,
    CLOCK_TABLE,
    CODEC_NAME,
    CODEC_NO_CLOCK,
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


class FileClock:
    """Every distinct source time of the file (bit patterns, NaN excluded), ascending, with the
    earliest received time of the samples at each; clock index = `base` + position."""

    def __init__(self, base: int) -> None:
        self.base = base
        self._words = np.empty(0, dtype=np.uint64)  # sorted by bit pattern while collecting
        self._received = np.empty(0, dtype=np.float64)
        self._rank = np.empty(0, dtype=np.int64)
        self._used: list[tuple[int, int]] = []

    def add(self, cols: SampleColumns) -> None:
        ok = ~np.isnan(cols.source_ts)
        w = np.concatenate([self._words, _words(cols.source_ts[ok])])
        r = np.concatenate([self._received, cols.received_ts[ok]])
        self._words, inv = np.unique(w, return_inverse=True)
        self._received = np.full(len(self._words), np.nan)
        np.fmin.at(self._received, inv, r)  # NaN (a NULL received time) only where all are

    def finish(self) -> ClockPart:
        """The clock in time order (ties of equal value, 0.0 and -0.0, by bit pattern)."""
        order = np.lexsort((self._words, self._words.view(np.float64)))
        self._rank = np.empty(len(order), dtype=np.int64)
        self._rank[order] = np.arange(len(order))
        self.part = ClockPart(self.base, self._words[order].view(np.float64), self._received[order])
        return self.part

    def index(self, source_ts: np.ndarray) -> np.ndarray:
        return self.base + self._rank[np.searchsorted(self._words, _words(source_ts))]

    def lookup(self, i0: int, i1: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = i0 - self.base, i1 - self.base + 1
        return _words(self.part.times[a:b]), _words(self.part.received[a:b])

    def used(self, i0: int, i1: int) -> None:
        """Entries i0..i1 are referred to by a chunk: the clock rows holding them are kept."""
        self._used.append((i0, i1))

    def unused_rows(self) -> list[int]:
        """`first` of the clock rows no chunk refers to (all of them when every chunk was sparse)."""
        out = []
        for a in range(0, len(self.part), CLOCK_PART):
            lo, hi = self.base + a, self.base + min(a + CLOCK_PART, len(self.part)) - 1
            if not any(i0 <= hi and i1 >= lo for i0, i1 in self._used):
                out.append(lo)
        return out

    def rows(self) -> list[tuple[int, int, float, float, bytes]]:
        out = []
        for a in range(0, len(self.part), CLOCK_PART):
            part = ClockPart(
                self.base + a, self.part.times[a : a + CLOCK_PART], self.part.received[a : a + CLOCK_PART]
            )
            out.append(
                (part.first, len(part), float(part.times[0]), float(part.times[-1]), encode_clock(part))
            )
        return out


def _words(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


# A chunk is stored against the clock only where its samples are dense on it: at most this many
# clock entries per sample between its first and last (a 10 Hz tag of a 10 Hz line: ~1). A sparse
# tag (a state, a setpoint, a 1 Hz tag among 10 Hz ones) would make every read of it decode clock
# entries of the other tags' samples; its chunks keep their own times (LHC1), which costs them
# little since they hold few samples.
CLOCK_SPAN_MAX = 4


def _chunk_rows(tag_id: int, cols: SampleColumns, clock: FileClock) -> list[ChunkRow]:
    """Chunks in reading order. Samples without a source time (NULL, read first) get chunks of their
    own (LHC1, no clock), so a chunk's t_first..t_last tells exactly how many of its samples a time
    range holds."""
    no_time = int(np.isnan(cols.source_ts).sum())  # all at the start: reading order puts NULL first
    rows: list[ChunkRow] = []
    for timed, part_cols in ((False, cols.take(slice(0, no_time))), (True, cols.take(slice(no_time, None)))):
        for start in range(0, len(part_cols), CHUNK_SAMPLES):
            part = part_cols.take(slice(start, start + CHUNK_SAMPLES))
            seq = len(rows)
            index = clock.index(part.source_ts) if timed else None
            on_clock = index is not None and int(index.max() - index.min()) < CLOCK_SPAN_MAX * len(part)
            if on_clock and index is not None:
                blob = encode_on_clock(part, index, clock.part)
                clock.used(int(index.min()), int(index.max()))
            else:
                blob = encode(part)
            if not decode(blob, clock.lookup).identical(part):
                raise CompactError(f"tag id {tag_id}: chunk {seq} does not decode to what was read")
            ts = part.source_ts
            t_first = float(ts.min()) if timed else None
            t_last = float(ts.max()) if timed else None
            codec = CODEC_NAME if on_clock else CODEC_NO_CLOCK
            rows.append((tag_id, seq, t_first, t_last, len(part), codec, blob))
    return rows


_SUM_COMMITS_SQL = """
INSERT INTO commits (committed_at, n_samples, n_batches, first_sample_id, last_sample_id,
    first_source_ts, last_source_ts, first_received_ts, last_received_ts)
SELECT max(committed_at), sum(n_samples), sum(n_batches), min(first_sample_id), max(last_sample_id),
    min(first_source_ts), max(last_source_ts), min(first_received_ts), max(last_received_ts)
FROM commits"""


def _sum_commits(conn: sqlite3.Connection) -> int:
    """Replace the per-commit rows by one that sums them; how many rows it replaced. They book
    sample row ids, which the chunks do not keep; the sum keeps the counts and time spans."""
    n = int(conn.execute("SELECT count(*) FROM commits").fetchone()[0])
    if n > 1:
        conn.execute(_SUM_COMMITS_SQL)
        conn.execute("DELETE FROM commits WHERE id < (SELECT max(id) FROM commits)")
    return n


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
        conn.execute(CLOCK_SCHEMA_SQL)
        n_raw = int(conn.execute("SELECT count(*) FROM samples").fetchone()[0])
        n_packed_before = int(conn.execute(f"SELECT coalesce(sum(n), 0) FROM {CHUNK_TABLE}").fetchone()[0])
        # Every tag, also one compacted before (a file written into after it was compacted): the
        # clock is rebuilt with the new times, and the old one goes once no chunk refers to it.
        tag_ids = [
            int(r[0])
            for r in conn.execute(
                f"SELECT tag_id FROM samples UNION SELECT tag_id FROM {CHUNK_TABLE} ORDER BY 1"
            ).fetchall()
        ]
        base = int(conn.execute(f"SELECT coalesce(max(first + n), 0) FROM {CLOCK_TABLE}").fetchone()[0])
        clock = FileClock(base)
        for tid in tag_ids:  # pass 1: the clock (one tag in memory at a time)
            clock.add(read_tag(conn, tid))
        clock.finish()
        conn.executemany(
            f"INSERT INTO {CLOCK_TABLE} (first, n, t_first, t_last, data) VALUES (?, ?, ?, ?, ?)",
            clock.rows(),
        )
        samples = chunks = nbytes = 0
        for tid in tag_ids:  # pass 2: the chunks
            cols = read_tag(conn, tid)  # raw rows and any earlier chunks of the tag, in reading order
            conn.execute(f"DELETE FROM {CHUNK_TABLE} WHERE tag_id = ?", (tid,))
            rows = _chunk_rows(tid, cols, clock)
            conn.executemany(
                f"INSERT INTO {CHUNK_TABLE} (tag_id, seq, t_first, t_last, n, codec, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            samples += len(cols)
            chunks += len(rows)
            nbytes += sum(len(r[6]) for r in rows)
        conn.execute(f"DELETE FROM {CLOCK_TABLE} WHERE first < ?", (base,))  # the previous pass's clock
        conn.executemany(f"DELETE FROM {CLOCK_TABLE} WHERE first = ?", [(f,) for f in clock.unused_rows()])
        n_packed = int(conn.execute(f"SELECT coalesce(sum(n), 0) FROM {CHUNK_TABLE}").fetchone()[0])
        if n_packed != n_raw + n_packed_before:
            raise CompactError(f"{n_packed} samples in chunks, expected {n_raw + n_packed_before}")
        conn.execute("DELETE FROM samples")
        pack_rollups(conn)  # the day's rollups, final now, as packs for the trend's long reads
        n_commits = _sum_commits(conn)
        noted = {
            "samples_compacted_at": f"{time.time() if now is None else now:.3f}",
            "samples_compacted": str(n_raw),
            "samples_codec": f"{CODEC_NAME} (hmi/core/sample_codec.py; read with `linehmi export`)",
            "commits_summed": str(n_commits),
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
