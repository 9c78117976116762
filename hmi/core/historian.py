"""History for trends: reads the SQLite journal as drawable points (no Qt).

`Historian.read(tags, t0, t1, width_px=...)` answers with one `PenHistory` per
tag, sized for the plot: raw samples when there are few (at most `raw_factor`
per pixel), else peak-preserving min/max buckets one pixel wide, taken from
the journal's rollup table (`hmi.core.rollup`) when the file has complete
rollups at a level at most 1.5 pixels wide, else computed from the samples with the
aggregates of a SQL GROUP BY (`buckets_from_group_rows`, shared with the plant
historian). Samples come through
`hmi.core.sample_store.read_tag`, from raw rows or compacted chunks alike. Nothing
reads every sample of a long range when rollups can answer. The rules for drawing
the result are in `hmi.core.trend_data`.

Gaps the samples cannot show by themselves are added as NaN points with a
"no data" status, so a line is never drawn across them:

- `data_gap` events (the runtime's disconnections, the journal's dropped
  batches): a break at the gap's start for the tags it names (or all);
- the journal being closed or opened (the app stopped or started): a break just
  after each tag's last sample before that instant, because nothing was
  recorded while the app was not running. The close matters as well as the
  open: the next session's first samples may carry source times from just
  before its "journal opened" (the server ran first), and a line held from the
  last session's last sample to them would cross the whole stretch.

Reads run on the caller's thread (the trend widget calls from a worker, never
the GUI thread), open their own read-only connections, report progress and can
be cancelled, including inside a long SQLite query.

`Historian.value_at(tag, t)` is the exact last sample at or before t (for a
cursor over bucketed data), and `write_csv` exports raw samples with ISO 8601
times and a quality column.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import csv
import datetime as _dt
import json
import logging
import math
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from hmi.core.history_api import read_pen, read_window
from hmi.core.journal_schema import files_for_range, journal_path_for
from hmi.core.journal_text import TextRow, read_text_rows, text_at
from hmi.core.quality import (
    BAD_DATA_LOST,
    BAD_NO_DATA,
    BAD_NOT_CONNECTED,
    is_backfilled,
    quality_array,
    status_name,
)
from hmi.core.readonly_db import connect_readonly, is_damage
from hmi.core.rollup import ROLLUP_TABLE, rollup_state
from hmi.core.rollup_pack import has_packs, packed_buckets
from hmi.core.sample_codec import SampleColumns
from hmi.core.sample_store import count_at_most, first_from, last_before, read_tag
from hmi.core.text_samples import display_text
from hmi.core.trend_data import FLAG_MASK, Buckets, Intervals, Points, regroup

log = logging.getLogger(__name__)

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]

# A value is "bad" for drawing when NULL (NaN), infinite, or of bad severity.
_BAD_SQL = "(value IS NULL OR value > 1e308 OR value < -1e308 OR (status >> 30) >= 2)"
_UNC_SQL = f"(NOT {_BAD_SQL} AND ((status >> 30) & 3) = 1)"


class HistoryCancelled(Exception):
    """The read was cancelled (the user moved on); nothing partial is returned."""


@dataclass(frozen=True, slots=True)
class PenHistory:
    tag: str
    points: Points  # time-ordered, includes one point before t0 and one after t1 when they exist
    buckets: Buckets | None  # set when the points are min/max buckets (for cursor readouts)
    n_samples: int  # samples the points stand for
    source: str  # "raw", "rollup-10s", "sql-group", "none"

    @property
    def bucketed(self) -> bool:
        return self.buckets is not None


@dataclass(frozen=True, slots=True)
class HistoryResult:
    t0: float
    t1: float
    width_px: int
    bucket_s: float
    pens: dict[str, PenHistory]
    gaps: Intervals  # journal-wide gaps (data_gap events, app not running) in the range
    files: list[Path] = field(default_factory=list)
    elapsed_s: float = 0.0


def _connect_ro(path: Path) -> sqlite3.Connection:
    """Read-only, creating nothing beside the file (hmi.core.readonly_db)."""
    try:
        conn = connect_readonly(path, check_same_thread=False)
        conn.execute("SELECT 1 FROM samples LIMIT 0").fetchall()
    except (sqlite3.Error, OSError) as exc:
        raise sqlite3.OperationalError(f"journal file {path}: cannot open read-only ({exc})") from None
    conn.execute("PRAGMA cache_size=-32000")
    return conn


class _Cancel:
    """Turns a cancel callback into an SQLite progress handler (aborts long queries)."""

    def __init__(self, cancel: CancelFn | None) -> None:
        self.cancel = cancel

    def __call__(self) -> int:
        return 1 if self.cancel is not None and self.cancel() else 0

    def check(self) -> None:
        if self.cancel is not None and self.cancel():
            raise HistoryCancelled()


@contextlib.contextmanager
def _cancellable(path: Path, canceller: _Cancel) -> Iterator[sqlite3.Connection]:
    """A read-only connection to `path` whose queries the cancel callback interrupts: an interrupted
    query ends the read with HistoryCancelled; the connection is closed either way."""
    conn = _connect_ro(path)
    try:
        conn.set_progress_handler(canceller, 20_000)
        yield conn
    except sqlite3.OperationalError as exc:
        if "interrupt" in str(exc):
            raise HistoryCancelled() from None
        raise
    finally:
        conn.close()


class Historian:
    """Reads trend data from one line's journal files (read-only; any thread)."""

    def __init__(
        self,
        files: Callable[[float | None, float | None], list[Path]],
        *,
        raw_factor: float = 3.0,
        threads: int = 2,
        on_damage: Callable[[Path, str], None] | None = None,
    ) -> None:
        self._files = files
        # A read that meets a damaged page of a file (a review's evidence is checked at open but for
        # its sample data, hmi.core.readonly_db): told here, which names and leaves the file out, and
        # the read goes on with the other files. None (the live HMI's own files): the error stands.
        self.on_damage = on_damage
        self.raw_factor = float(raw_factor)
        self.threads = max(1, int(threads))
        self._meta_lock = threading.Lock()
        self._tag_cache: dict[Path, tuple[int, dict[str, int]]] = {}
        # values_at's open connections, per thread (SQLite connections stay on their thread): opening
        # one costs about ten times the lookups a review's cursor move makes, so they are kept.
        self._kept = threading.local()

    # --- construction -------------------------------------------------------------------------
    @classmethod
    def for_journal(cls, journal: Any, **kw: Any) -> Historian:
        """History of a running `Journal` (its daily files, the current one included)."""

        def files(t0: float | None, t1: float | None) -> list[Path]:
            paths = files_for_range(journal.directory, journal.config.line.id, t0, t1)
            cur = Path(journal.path)
            if cur not in paths and cur.exists():
                paths.append(cur)
            return paths

        return cls(files, **kw)

    @classmethod
    def for_directory(
        cls, directory: Path | str, line_id: str, rotation: str = "daily", **kw: Any
    ) -> Historian:
        directory = Path(directory)

        def files(t0: float | None, t1: float | None) -> list[Path]:
            paths = files_for_range(directory, line_id, t0, t1)
            cur = journal_path_for(directory, line_id, rotation, time.time())
            if cur not in paths and cur.exists():
                paths.append(cur)
            return paths

        return cls(files, **kw)

    @classmethod
    def for_files(cls, paths: Sequence[Path | str], **kw: Any) -> Historian:
        """A fixed set of files (offline review of copied journals)."""
        fixed = [Path(p) for p in paths]
        return cls(lambda t0, t1: list(fixed), **kw)

    def _existing(self, t0: float | None, t1: float | None) -> list[Path]:
        try:
            return [p for p in self._files(t0, t1) if p.exists()]
        except (OverflowError, OSError, ValueError):  # a time no calendar holds: no file either
            return []

    def _damage_met(self, path: Path, exc: BaseException) -> bool:
        """`exc` from reading `path`: whether it is a damaged page told to on_damage (skip the file)."""
        if self.on_damage is None or not is_damage(exc):
            return False
        log.warning("journal file %s: a read met a damaged page: %s", path, exc)
        self.on_damage(path, str(exc))
        return True

    # --- metadata -----------------------------------------------------------------------------
    def _tag_ids(self, conn: sqlite3.Connection, path: Path) -> dict[str, int]:
        # tags change only when a config changes; count(*) of a small table tells cheaply
        n = conn.execute("SELECT count(*) FROM tags").fetchone()[0]
        with self._meta_lock:
            hit = self._tag_cache.get(path)
        if hit is not None and hit[0] == n:
            return hit[1]
        ids = {name: tid for tid, name in conn.execute("SELECT id, name FROM tags")}
        with self._meta_lock:
            self._tag_cache[path] = (n, ids)
        return ids

    def tag_info(self, names: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """Units, ranges and limits from the newest file that has each tag (offline review)."""
        out: dict[str, dict[str, Any]] = {}
        want = set(names) if names is not None else None
        for path in reversed(self._existing(None, None)):
            try:
                conn = _connect_ro(path)
            except sqlite3.Error:
                continue
            try:
                cur = conn.execute("SELECT * FROM tags")
                cols = [d[0] for d in cur.description]
                for row in cur:
                    d = dict(zip(cols, row, strict=True))
                    if (want is None or d["name"] in want) and d["name"] not in out:
                        out[d["name"]] = d
            finally:
                conn.close()
        return out

    # --- reading ------------------------------------------------------------------------------
    def read(
        self,
        tags: Sequence[str],
        t0: float,
        t1: float,
        *,
        width_px: int = 1500,
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
    ) -> HistoryResult:
        """Drawable history of `tags` over [t0, t1) for a plot `width_px` pixels wide."""
        started = time.perf_counter()
        width_px, w = read_window(t0, t1, width_px)
        canceller = _Cancel(cancel)
        paths = self._existing(t0, t1)
        tags = list(dict.fromkeys(tags))
        # one job per (file, share of the tags): each job opens the file once
        n_jobs = self.threads if self.threads > 1 and len(tags) > 1 else 1
        shares = [tags[k::n_jobs] for k in range(n_jobs)]
        jobs = [(p, share) for p in paths for share in shares if share]
        parts: dict[str, list[tuple[Points, Buckets | None, int, str]]] = {t: [] for t in tags}
        done = 0
        total = max(1, len(paths) * len(tags))
        lock = threading.Lock()

        def run(job: tuple[Path, list[str]]) -> None:
            nonlocal done
            path, share = job
            canceller.check()
            try:
                with _cancellable(path, canceller) as conn:
                    levels, packed = _rollup_levels(conn), has_packs(conn)  # once per file and job
                    for tag in share:
                        canceller.check()
                        part = self._read_one(conn, path, tag, t0, t1, w, width_px, levels, packed)
                        with lock:
                            parts[tag].append(part)
                            done += 1
                            frac = done / total
                        if progress:
                            progress(frac, f"{done}/{total}")
            except sqlite3.DatabaseError as exc:
                if not self._damage_met(path, exc):
                    raise

        if progress:
            progress(0.0, f"reading {len(tags)} pens from {len(paths)} journal file(s)")
        if len(jobs) > 1:
            with concurrent.futures.ThreadPoolExecutor(min(self.threads, len(jobs))) as ex:
                futs = [ex.submit(run, j) for j in jobs]
                try:
                    for fut in concurrent.futures.as_completed(futs):
                        fut.result()
                except BaseException:
                    for f in futs:
                        f.cancel()
                    raise
        else:
            for j in jobs:
                run(j)
        canceller.check()
        gaps, restarts, gap_tags = self._gap_events(paths, t0, t1)
        pens: dict[str, PenHistory] = {}
        for tag in tags:
            pens[tag] = merge_pen(tag, parts[tag], t0, t1, w, gaps, gap_tags, restarts)
        return HistoryResult(
            t0, t1, width_px, w, pens, Intervals.union([gaps]), paths, time.perf_counter() - started
        )

    def _read_one(
        self,
        conn: sqlite3.Connection,
        path: Path,
        tag: str,
        t0: float,
        t1: float,
        w: float,
        width_px: int,
        levels: Sequence[int],
        packed: bool,
    ) -> tuple[Points, Buckets | None, int, str]:
        tid = self._tag_ids(conn, path).get(tag)
        if tid is None:
            return Points.empty(), None, 0, "none"
        return read_pen(_FilePen(conn, tid, levels, packed), t0, t1, w, width_px, self.raw_factor)

    @staticmethod
    def _rollup_buckets(
        conn: sqlite3.Connection, tid: int, level: int, t0: float, t1: float, w: float, packed: bool
    ) -> Buckets:
        """Pixel buckets from rollup rows, merged by SQLite (two passes over a few thousand rows)."""
        k0, k1 = math.floor(t0 / level), math.floor(t1 / level)
        where = f"FROM {ROLLUP_TABLE} WHERE tag_id = ? AND level = ? AND bucket >= ? AND bucket <= ?"
        n_rows, n_sum = conn.execute(
            f"SELECT count(*), coalesce(sum(n), 0) {where}", (tid, level, k0, k1)
        ).fetchone()
        if n_rows <= 3 * (t1 - t0) / w:
            # about a row per pixel: fetching the rows and merging in numpy is cheaper than SQLite's
            # aggregates (measured: 1.8 ms vs 4.5 ms for 960 rows); a compacted file's packed rows
            # (hmi.core.rollup_pack) are cheaper still where they are the table's rows
            rows_packed = packed_buckets(conn, tid, level, k0, k1, (n_rows, n_sum)) if packed else None
            if rows_packed is not None:
                return regroup(rows_packed, w, t0)
            rows = conn.execute(
                "SELECT t_first, t_last, n, n_bad, n_unc, vmin, vmax, v_last, s_last, s_bad,"
                f" flags & {FLAG_MASK} {where} ORDER BY bucket",
                (tid, level, k0, k1),
            ).fetchall()
            return regroup(rows_to_buckets(rows, float(level)), w, t0)
        group = "GROUP BY CAST((t_first - ?) / ? AS INTEGER) ORDER BY 1"
        args = (tid, level, k0, k1, t0, w)
        rows = conn.execute(
            "SELECT min(t_first), max(t_last), sum(n), sum(n_bad), sum(n_unc), min(vmin), max(vmax),"
            f" max(s_bad), max(flags & {FLAG_MASK}) {where} {group}",
            args,
        ).fetchall()
        if not rows:
            return Buckets.empty(w)
        # SQLite's bare columns: with a single max() aggregate, v_last and s_last come from that row.
        last = conn.execute(f"SELECT max(t_last), v_last, s_last {where} {group}", args).fetchall()
        a = np.array(rows, dtype=np.float64)
        b = np.array(last, dtype=np.float64)
        return Buckets(
            w,
            a[:, 0],
            a[:, 1],
            a[:, 2].astype(np.int64),
            a[:, 3].astype(np.int64),
            a[:, 4].astype(np.int64),
            a[:, 5],
            a[:, 6],
            b[:, 1],
            b[:, 2].astype(np.uint32),
            np.nan_to_num(a[:, 7]).astype(np.uint32),
            np.nan_to_num(a[:, 8]).astype(np.uint32),
        )

    def _gap_events(
        self, paths: Sequence[Path], t0: float, t1: float
    ) -> tuple[Intervals, AppMarks, list[Any]]:
        """Journal-level gaps overlapping [t0, t1): intervals, app-start times, and tags per gap."""
        gap_rows: list[tuple[Any, ...]] = []
        for path in paths:
            try:
                conn = _connect_ro(path)
            except sqlite3.Error:
                continue
            try:
                # Restarts are looked for past t1 too: one after the range still ends the line at each
                # tag's last sample before it, which may lie inside the range.
                rows = conn.execute(
                    "SELECT ts, kind, message, data FROM events WHERE ts >= ? AND ts < ?"
                    " AND (kind = 'data_gap' OR (kind = 'system' AND"
                    " (message LIKE 'journal opened%' OR message LIKE 'journal closed%')))",
                    (t0 - GAP_LOOKBACK_S, t1 + GAP_LOOKBACK_S),
                ).fetchall()
            except sqlite3.Error:
                rows = []
            finally:
                conn.close()
            gap_rows += rows
        return gaps_from_events(gap_rows, t0, t1)

    # --- single values and raw export ------------------------------------------------------------
    def value_at(self, tag: str, t: float) -> tuple[float, int, float]:
        """(value, status, ts) of the last sample of `tag` at or before t, from any file."""
        return self.values_at([tag], t)[tag]

    def values_at(self, tags: Sequence[str], t: float) -> dict[str, tuple[float, int, float]]:
        """Per tag, (value, status, ts) of its last sample at or before t, from any file; (nan, 0, nan)
        for a tag with none. One read-only connection per file for all the tags (a review's cursor
        asks this for every faceplate tag at each move): an indexed lookup per tag and file."""
        best: dict[str, tuple[float, int, float]] = {tag: (math.nan, 0, -math.inf) for tag in tags}
        for path in self._existing(t - 86_400.0, t + 1.0):
            conn = self._kept_connection(path)
            try:
                ids = self._tag_ids(conn, path)
                for tag in tags:
                    tid = ids.get(tag)
                    if tid is None:
                        continue
                    last = last_before(conn, tid, t, inclusive=True)
                    if len(last) and last.source_ts[0] > best[tag][2]:
                        best[tag] = (float(last.value[0]), int(last.status[0]), float(last.source_ts[0]))
            except sqlite3.Error as exc:
                self._drop_kept(path)  # a file replaced or damaged under us: reopen next time
                if not self._damage_met(path, exc):
                    raise
        return {tag: b if math.isfinite(b[2]) else (math.nan, 0, math.nan) for tag, b in best.items()}

    KEPT_CONNECTIONS = 4  # per thread: a cursor reads one or two daily files; bounds their page caches

    def _kept_connection(self, path: Path) -> sqlite3.Connection:
        kept: dict[Path, sqlite3.Connection] = self._kept.__dict__.setdefault("conns", {})
        conn = kept.pop(path, None)
        if conn is None:
            conn = _connect_ro(path)
            while len(kept) >= self.KEPT_CONNECTIONS:
                kept.pop(next(iter(kept))).close()  # the least recently used
        kept[path] = conn  # most recently used last
        return conn

    def _drop_kept(self, path: Path) -> None:
        conn = self._kept.__dict__.get("conns", {}).pop(path, None)
        if conn is not None:
            conn.close()

    def release(self) -> None:
        """Close the connections values_at keeps open on the calling thread (other threads' go with them)."""
        for conn in self._kept.__dict__.pop("conns", {}).values():
            conn.close()

    def read_text(
        self, tags: Sequence[str], t0: float, t1: float, *, max_rows: int = 1_000_000
    ) -> dict[str, list[TextRow]]:
        """Every text value of `tags` in [t0, t1) by source time: text tags, and the exact digits
        journaled for 64-bit integers beyond 2^53. Files older than the text table have none."""
        out: dict[str, list[TextRow]] = {t: [] for t in tags}
        n = 0
        for path in self._existing(t0, t1):
            try:
                conn = _connect_ro(path)
                try:
                    ids = self._tag_ids(conn, path)
                    for tag in tags:
                        tid = ids.get(tag)
                        if tid is None:
                            continue
                        rows = read_text_rows(conn, tid, t0, t1, limit=max_rows - n + 1)
                        n += len(rows)
                        if n > max_rows:
                            raise ValueError(
                                f"more than {max_rows:,} text values in the range; read a shorter range"
                            )
                        out[tag].extend(rows)
                finally:
                    conn.close()
            except sqlite3.DatabaseError as exc:
                if not self._damage_met(path, exc):
                    raise
        for rows in out.values():
            rows.sort(key=lambda r: r.ts)
        return out

    def text_at(self, tag: str, t: float) -> TextRow | None:
        """The last text value of `tag` at or before t, from any file (None: none journaled)."""
        best: TextRow | None = None
        for path in self._existing(t - 86_400.0, t + 1.0):
            try:
                conn = _connect_ro(path)
                try:
                    tid = self._tag_ids(conn, path).get(tag)
                    row = text_at(conn, tid, t) if tid is not None else None
                finally:
                    conn.close()
            except sqlite3.DatabaseError as exc:
                if not self._damage_met(path, exc):
                    raise
                continue
            if row is not None and (best is None or row.ts > best.ts):
                best = row
        return best

    def text_tags(self) -> set[str]:
        """Names of the text tags (data_type "text") in these files."""
        return {name for name, info in self.tag_info().items() if info.get("data_type") == "text"}

    def read_raw(
        self,
        tags: Sequence[str],
        t0: float,
        t1: float,
        *,
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
        max_rows: int = 20_000_000,
    ) -> dict[str, Points]:
        """Every sample of `tags` in [t0, t1) (for export), in chunks, cancellable."""
        canceller = _Cancel(cancel)
        paths = self._existing(t0, t1)
        out: dict[str, list[Points]] = {t: [] for t in tags}
        rows_read = 0
        jobs = [(p, t) for p in paths for t in tags]
        for k, (path, tag) in enumerate(jobs):
            canceller.check()
            with _cancellable(path, canceller) as conn:
                tid = self._tag_ids(conn, path).get(tag)
                if tid is None:
                    continue
                got = read_tag(conn, tid, t0, t1, limit=max_rows - rows_read + 1)
                rows_read += len(got)
                if rows_read > max_rows:
                    raise ValueError(f"more than {max_rows:,} samples in the range; export a shorter range")
                out[tag].append(_points(got))
                canceller.check()
            if progress:
                progress((k + 1) / max(1, len(jobs)), f"{rows_read:,} samples")
        return {t: Points.concat(parts, sort=True) for t, parts in out.items()}


# --- helpers ---------------------------------------------------------------------------------------


class _FilePen:
    """One tag in one journal file, as `read_pen` reads a pen (`PenStore`): raw rows and compacted
    chunks alike (`hmi.core.sample_store`), rollups when the file's are complete."""

    def __init__(self, conn: sqlite3.Connection, tid: int, levels: Sequence[int], packed: bool) -> None:
        """`levels`: the file's complete rollup levels (`_rollup_levels`); `packed`: it has rollup packs."""
        self.conn, self.tid, self.levels, self.packed = conn, tid, levels, packed

    def count_at_most(self, t0: float, t1: float, limit: int) -> int:
        # Counting stops at the limit: deciding costs at most `limit` index entries (or chunk sizes).
        return count_at_most(self.conn, self.tid, t0, t1, limit)

    def bounds(self, t0: float, t1: float) -> tuple[Points, Points]:
        return _points(last_before(self.conn, self.tid, t0)), _points(first_from(self.conn, self.tid, t1))

    def raw(self, t0: float, t1: float) -> Points:
        return _points(read_tag(self.conn, self.tid, t0, t1))

    def rollup_levels(self) -> Sequence[int]:
        return self.levels

    def rollup(self, level: int, t0: float, t1: float, w: float) -> Buckets:
        return Historian._rollup_buckets(self.conn, self.tid, level, t0, t1, w, self.packed)

    def group_buckets(self, t0: float, t1: float, w: float) -> Buckets:
        return _sample_buckets(read_tag(self.conn, self.tid, t0, t1), t0, w)


def _rollup_levels(conn: sqlite3.Connection) -> Sequence[int]:
    """The rollup levels a read of this file may use: all of them when its rollups are complete."""
    complete, levels = rollup_state(conn)
    return levels if complete else []


def _points(c: SampleColumns) -> Points:
    return Points(c.source_ts, c.value, c.status)


def merge_pen(
    tag: str,
    parts: list[tuple[Points, Buckets | None, int, str]],
    t0: float,
    t1: float,
    w: float,
    gaps: Intervals,
    gap_tags: list[Any],
    restarts: AppMarks,
) -> PenHistory:
    """One pen from its per-file (or per-query) parts: bounds, raw points or buckets, gap markers."""
    n = sum(p[2] for p in parts)
    sources = sorted({p[3] for p in parts if p[3] != "none"}) or ["none"]
    raw_pts = Points.concat([p[0] for p in parts], sort=True)
    bucket_parts = [p[1] for p in parts if p[1] is not None]
    buckets: Buckets | None = None
    if bucket_parts:
        buckets = regroup(Buckets.concat(bucket_parts, w), w, t0)
        pts = Points.concat([raw_pts.between(t0, t1), buckets.to_points()], sort=True)
        # keep only the nearest bound on each side
        before = raw_pts.between(-math.inf, t0)
        after = raw_pts.between(t1, math.inf)
        pts = Points.concat(
            [
                Points(before.ts[-1:], before.value[-1:], before.status[-1:]),
                pts.between(t0, t1),
                Points(after.ts[:1], after.value[:1], after.status[:1]),
            ]
        )
    else:
        pts = raw_pts.with_bounds(t0, t1)
    pts = _dedupe(pts)
    markers = _gap_markers(pts, gaps, gap_tags, restarts, tag)
    if len(markers):
        pts = Points.concat([pts, markers], sort=True)
    return PenHistory(tag, pts, buckets, n, "+".join(sources))


def buckets_from_group_rows(
    rows: Sequence[tuple[Any, ...]], w: float, values_at: Callable[[np.ndarray], np.ndarray]
) -> Buckets:
    """Pixel buckets from GROUP BY rows (the plant historian's SQL; `_sample_buckets` computes the same):
    min/max/first/last time, count, bad and uncertain counts, min/max of non-bad values, last bad and
    last good time, max bad and good status, OR-ed flags. `values_at` gives the recorded value at
    exact sample times (the last good value of a bucket with more than one good sample)."""
    if not rows:
        return Buckets.empty(w)
    a = np.array(rows, dtype=np.float64)
    vmin, vmax = a[:, 5], a[:, 6]
    inf = ~np.isfinite(vmin) | ~np.isfinite(vmax)  # an infinite "good" value counts as no value
    vmin, vmax = np.where(inf, np.nan, vmin), np.where(inf, np.nan, vmax)
    t_bad, t_good = a[:, 7], a[:, 8]
    last_bad = np.isfinite(t_bad) & ~(t_good > t_bad)
    s_bad = np.nan_to_num(a[:, 9]).astype(np.uint32)
    s_good = np.nan_to_num(a[:, 10]).astype(np.uint32)
    # The line leaves a bucket at its last value and holds it until the next sample, so it
    # must be the recorded one (the max would draw a value that may be long gone, e.g. a
    # motor's running current held over its stop). One index look-up per bucket.
    v_last = np.where(last_bad, np.nan, vmax)
    need = ~last_bad & (a[:, 2] - a[:, 3] > 1)
    if need.any():
        v_last[need] = values_at(t_good[need])
    return Buckets(
        w,
        a[:, 0],
        a[:, 1],
        a[:, 2].astype(np.int64),
        a[:, 3].astype(np.int64),
        a[:, 4].astype(np.int64),
        vmin,
        vmax,
        v_last,
        np.where(last_bad, s_bad, s_good).astype(np.uint32),
        s_bad,
        np.nan_to_num(a[:, 11]).astype(np.uint32),
    )


# A gap event is stamped at its start: readers look back this far for long ones.
GAP_LOOKBACK_S = 86_400.0


@dataclass(frozen=True, slots=True)
class AppMarks:
    """When LineHMI stopped ("journal closed") and started again after a crash ("journal opened"
    while it was recording: no "closed" since the opening before) around a read."""

    opened: np.ndarray
    closed: np.ndarray

    @classmethod
    def empty(cls) -> AppMarks:
        return cls(np.empty(0), np.empty(0))


def gaps_from_events(
    rows: Sequence[tuple[Any, ...]], t0: float, t1: float
) -> tuple[Intervals, AppMarks, list[Any]]:
    """Journal-level gaps overlapping [t0, t1) from (ts, kind, message, data) event rows: intervals,
    app stop/start times, and the tags of each gap (None: all). Rows are `data_gap` events and the
    "journal closed"/"journal opened" system events up to GAP_LOOKBACK_S past t1, as both historians
    select them."""
    starts: list[float] = []
    ends: list[float] = []
    gap_tags: list[Any] = []
    opened: list[float] = []
    closed: list[float] = []
    # An opening is a restart after a crash only when LineHMI was recording before it (an earlier
    # "opened" with no "closed" since; the rule of hmi.core.record_gaps). The first opening of a
    # record is not: the values it receives first may carry the server's older source time (an
    # on-change tag unchanged since before LineHMI started), and were taken for the last samples of
    # a crashed run, breaking the line right after them (qa10 Q10-25: a capper's "No fault" drawn as
    # "no data" for minutes, until its first change).
    running = False
    for ts, kind, msg, data in sorted(rows, key=lambda r: float(r[0])):
        if kind == "system":  # LineHMI stopped or started: looked for past t1 too (see the module doc)
            is_close = str(msg).startswith("journal closed")
            if ts >= t0:
                if is_close:
                    closed.append(float(ts))
                elif running:
                    opened.append(float(ts))
            running = not is_close
            continue
        try:
            d = json.loads(data) if data else {}
        except ValueError:
            d = {}
        s = d.get("start", d.get("first_ts", ts))
        e = d.get("end", d.get("last_ts", s))
        if s is None:
            s = ts
        if e is None:
            e = s
        s, e = float(s), float(e)
        if e < t0 or s >= t1:
            continue
        starts.append(s)
        ends.append(max(e, s))
        tg = d.get("tags", "all")
        gap_tags.append(None if tg == "all" or tg is None else set(tg))
    gaps = Intervals(np.array(starts, dtype=np.float64), np.array(ends, dtype=np.float64))
    marks = AppMarks(np.array(sorted(opened), dtype=np.float64), np.array(sorted(closed), dtype=np.float64))
    return gaps, marks, gap_tags


def rows_to_points(rows: Sequence[tuple[Any, ...]]) -> Points:
    if not rows:
        return Points.empty()
    a = np.array(rows, dtype=np.float64)  # NULL -> NaN
    return Points(a[:, 0].copy(), a[:, 1].copy(), a[:, 2].astype(np.uint32))


def _sample_buckets(c: SampleColumns, t0: float, w: float) -> Buckets:
    """Pixel buckets of `w` seconds from `t0` computed from the samples (files without usable
    rollups, short ranges): the aggregates of the plant historian's SQL GROUP BY
    (`buckets_from_group_rows`), computed here over samples read by `read_tag`, so raw and
    compacted files, and PostgreSQL, give the same buckets."""
    ts, v, st = c.source_ts, c.value, c.status.astype(np.int64)
    if not len(ts):
        return Buckets.empty(w)
    k = ((ts - t0) / w).astype(np.int64)  # CAST(... AS INTEGER): truncation, ts >= t0
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    ends = np.r_[starts[1:], len(ts)]
    bad = np.isnan(v) | (st >= 0x80000000)
    unc = ~np.isnan(v) & (st >= 0x40000000) & (st < 0x80000000)
    ok = ~np.isnan(v) & (st < 0x80000000)  # what SQL's min()/max() of the non-bad values see

    def red(fn: Any, x: np.ndarray, mask: np.ndarray, fill: float) -> np.ndarray:
        got = fn.reduceat(np.where(mask, x, fill), starts).astype(np.float64)
        return np.where(np.add.reduceat(mask.astype(np.int64), starts) > 0, got, np.nan)

    rows = np.column_stack(
        [
            ts[starts],
            ts[ends - 1],
            (ends - starts).astype(np.float64),
            np.add.reduceat(bad.astype(np.int64), starts).astype(np.float64),
            np.add.reduceat(unc.astype(np.int64), starts).astype(np.float64),
            red(np.minimum, v, ok, np.inf),
            red(np.maximum, v, ok, -np.inf),
            red(np.maximum, ts, bad, -np.inf),
            red(np.maximum, ts, ~bad, -np.inf),
            red(np.maximum, st.astype(np.float64), bad, -1.0),
            red(np.maximum, st.astype(np.float64), ~bad, -1.0),
            np.maximum.reduceat(st & 32, starts).astype(np.float64),
        ]
    )

    def values_at(times: np.ndarray) -> np.ndarray:
        """The last usable value recorded at each exact time (the SQL's ORDER BY source_ts, id)."""
        out = np.full(len(times), np.nan)
        for j, t in enumerate(times.tolist()):
            lo, hi = np.searchsorted(ts, t, "left"), np.searchsorted(ts, t, "right")
            hits = np.flatnonzero(ok[lo:hi])
            if len(hits):
                out[j] = v[lo + hits[-1]]
        return out

    return buckets_from_group_rows([tuple(r) for r in rows.tolist()], w, values_at)


def rows_to_buckets(rows: Sequence[tuple[Any, ...]], width: float) -> Buckets:
    if not rows:
        return Buckets.empty(width)
    a = np.array(rows, dtype=np.float64)
    return Buckets(
        width,
        a[:, 0].copy(),
        a[:, 1].copy(),
        a[:, 2].astype(np.int64),
        a[:, 3].astype(np.int64),
        a[:, 4].astype(np.int64),
        a[:, 5].copy(),
        a[:, 6].copy(),
        a[:, 7].copy(),
        a[:, 8].astype(np.uint32),
        a[:, 9].astype(np.uint32),
        a[:, 10].astype(np.uint32),
    )


def _dedupe(p: Points) -> Points:
    """Drop exact duplicates (same time, value and status): bounds from two files, a re-read."""
    if len(p) < 2:
        return p
    same = (
        (p.ts[1:] == p.ts[:-1])
        & (p.status[1:] == p.status[:-1])
        & ((p.value[1:] == p.value[:-1]) | (np.isnan(p.value[1:]) & np.isnan(p.value[:-1])))
    )
    if not same.any():
        return p
    keep = np.r_[True, ~same]
    return Points(p.ts[keep], p.value[keep], p.status[keep])


def _gap_markers(p: Points, gaps: Intervals, gap_tags: list[Any], restarts: AppMarks, tag: str) -> Points:
    ts: list[float] = []
    st: list[int] = []
    for s, e, tags in zip(gaps.start.tolist(), gaps.end.tolist(), gap_tags, strict=True):
        if tags is None or tag in tags:
            # a gap the server's history filled in (backfill) has samples: nothing to break
            i0 = int(np.searchsorted(p.ts, s, side="left"))
            i1 = int(np.searchsorted(p.ts, e, side="left"))
            if not np.any(np.isfinite(p.value[i0:i1])):
                ts.append(s)
                st.append(BAD_DATA_LOST)
    # App stop: the last value was recorded as holding until LineHMI stopped (a value sampled on
    # change has no sample while it holds), so the break is at the stop. qa6 F24: a stopped filler's
    # speed and current (0 since the trip) were hatched from the trip to the record's end.
    for r in restarts.closed.tolist():
        if int(np.searchsorted(p.ts, r, side="left")) > 0:
            ts.append(r)
            st.append(BAD_NO_DATA)
    # A start with no stop before it (a crash): nothing was recorded since this tag's last sample.
    for r in restarts.opened.tolist():
        i = int(np.searchsorted(p.ts, r, side="left")) - 1
        crash = not np.any((restarts.closed > p.ts[i]) & (restarts.closed <= r)) if i >= 0 else False
        if crash:
            ts.append(min(float(p.ts[i]) + 1e-3, r))
            st.append(BAD_NO_DATA)
    if not ts:
        return Points.empty()
    return Points.of(ts, [math.nan] * len(ts), st)


# --- CSV export ------------------------------------------------------------------------------------

CSV_COLUMNS = ("time", "tag", "value", "unit", "quality", "status", "backfilled", "held_from")
Held = tuple[float, int, float]  # (value, status, sample time) of the sample holding at an instant


def iso_local(ts: float) -> str:
    """ISO 8601 with milliseconds and the local UTC offset, e.g. 2026-03-29T14:05:03.120+02:00."""
    return _dt.datetime.fromtimestamp(ts).astimezone().isoformat(timespec="milliseconds")


def write_csv(
    out: TextIO,
    series: dict[str, Points],
    units: dict[str, str] | None = None,
    *,
    cancel: CancelFn | None = None,
    texts: dict[str, list[TextRow]] | None = None,
    held: dict[str, Held] | None = None,
    start: float | None = None,
) -> int:
    """Write samples as CSV rows sorted by time (long format); returns rows written.

    Times are ISO 8601 with the local offset; `value` is empty where there is no
    value (bad quality); `quality` is Good/Uncertain/Bad; `status` the OPC UA name.
    `texts` (Historian.read_text): a text tag's rows carry its text as the value (a
    truncated one says so); a number's exact digits (beyond 2^53) replace its rounded value.

    `held` and `start` (an export of a window from `start` on): per tag, the sample holding at
    `start` (Historian.values_at). The trend's sample-and-hold rule, in the file: a tag whose
    last sample came before the window starts with that value at `start`, its `held_from` the
    time of the sample it holds (empty on every recorded row). Without it a slow tag's export
    began with nothing, or with a later value, as if the earlier one had not held.
    """
    units = units or {}
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    texts = texts or {}
    held_from: dict[str, float] = {}
    if held and start is not None:
        series = dict(series)
        for tag, (hv, hs, hts) in held.items():
            pts = series.get(tag, Points.empty())
            if not math.isfinite(hts) or hts >= start or (len(pts) and float(pts.ts[0]) <= start):
                continue  # nothing before the window, or a sample right at its start
            series[tag] = Points.concat([Points.of([start], [hv], [hs]), pts])
            held_from[tag] = hts
    text_only = {t: rows for t, rows in texts.items() if t not in series}
    exact = {
        (t, r.ts): display_text(r.text, r.full_bytes)
        for t, rows in texts.items()
        if t in series
        for r in rows
    }
    if text_only:
        series = dict(series)
        for t, rows in text_only.items():
            series[t] = Points.of([r.ts for r in rows], [math.nan] * len(rows), [r.status for r in rows])
    names = list(series)
    if not names:
        return 0
    ts = np.concatenate([series[n].ts for n in names])
    which = np.concatenate([np.full(len(series[n]), i, dtype=np.int32) for i, n in enumerate(names)])
    val = np.concatenate([series[n].value for n in names])
    st = np.concatenate([series[n].status for n in names])
    order = np.lexsort((which, ts))
    sev = quality_array(st)
    qual = np.array(["Good", "Uncertain", "Bad"])[sev]
    bf = np.asarray(is_backfilled(st))
    status_names: dict[int, str] = {}
    offsets = np.cumsum([0] + [len(series[n]) for n in names])  # where each tag's rows start
    written = 0
    for k, i in enumerate(order.tolist()):
        if cancel is not None and k % 50_000 == 0 and cancel():
            raise HistoryCancelled()
        code = int(st[i])
        name = status_names.get(code)
        if name is None:
            name = status_names[code] = status_name(code)
        v = float(val[i])
        tag = names[int(which[i])]
        when = float(ts[i])
        if tag in text_only:
            row = text_only[tag][i - int(offsets[which[i]])]
            value = display_text(row.text, row.full_bytes)
        else:
            value = exact.get((tag, when)) or (
                repr(v) if math.isfinite(v) else ("" if math.isnan(v) else str(v))
            )
        was = held_from.get(tag)
        is_held = was is not None and i == int(offsets[which[i]]) and when == start
        w.writerow(
            (
                iso_local(when),
                tag,
                value,
                units.get(tag, ""),
                qual[i],
                name,
                int(bf[i]),
                iso_local(was) if is_held and was is not None else "",
            )
        )
        written += 1
    return written


__all__ = [
    "BAD_NOT_CONNECTED",
    "CSV_COLUMNS",
    "Historian",
    "HistoryCancelled",
    "HistoryResult",
    "PenHistory",
    "iso_local",
    "write_csv",
]
