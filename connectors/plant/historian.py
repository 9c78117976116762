"""The plant historian's read side: `TrendHistory` (hmi.core.history_api) over PostgreSQL.

Same answers as the journal's `hmi.core.historian.Historian` on the same samples, by the same rules:
raw samples when there are at most `raw_factor` per pixel (with the nearest sample on each side),
else min/max pixel buckets merged from the coarsest rollup level at most 1.5 pixels wide
(`sample_rollup`, which the forwarder keeps up to date in the transaction that inserts the samples),
else grouped by PostgreSQL with the journal's SQL bucket rules; gap markers from the line's
`data_gap` and "journal opened" events. Bucketing, merging and gap markers are the journal
historian's own functions; only the queries are PostgreSQL's.

One station's record is read (`connectors.plant.access.resolve_station`): every station of a line
journals the same tags. Timestamps come back at PostgreSQL's resolution (1 µs).

Plain tables, not TimescaleDB continuous aggregates: the extension is used when present for
neither (docs/plant.md says why); the rollup table is what a continuous aggregate would hold.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from connectors.plant.access import PlantTarget, ReadPool, resolve_station
from hmi.core.historian import (
    GAP_LOOKBACK_S,
    AppMarks,
    CancelFn,
    HistoryCancelled,
    HistoryResult,
    PenHistory,
    ProgressFn,
    buckets_from_group_rows,
    gaps_from_events,
    merge_pen,
    rows_to_buckets,
    rows_to_points,
)
from hmi.core.history_api import read_pen, read_window
from hmi.core.journal_text import TextRow
from hmi.core.rollup import LEVELS
from hmi.core.trend_data import FLAG_MASK, Buckets, Intervals, Points, regroup

_T = "extract(epoch FROM source_ts)::float8"
_IN = "tag_id = %s AND origin = ANY(%s)"
_WHERE = f"{_IN} AND source_ts >= to_timestamp(%s) AND source_ts < to_timestamp(%s)"  # one tag, [t0, t1)

# The aggregates the journal historian computes from its samples (hmi.core.historian._sample_buckets),
# column for column, plus the last good value (the journal looks it up by time; here it comes with the group).
_GROUP_SQL = f"""
SELECT min(t), max(t), count(*), count(*) FILTER (WHERE bad),
       count(*) FILTER (WHERE value IS NOT NULL AND status >= 1073741824 AND status < 2147483648),
       min(value) FILTER (WHERE status < 2147483648), max(value) FILTER (WHERE status < 2147483648),
       max(t) FILTER (WHERE bad), max(t) FILTER (WHERE NOT bad),
       max(status) FILTER (WHERE bad), max(status) FILTER (WHERE NOT bad), max(status & 32),
       (array_agg(value ORDER BY t DESC, origin DESC, local_id DESC) FILTER (WHERE NOT bad))[1]
FROM (SELECT {_T} AS t, value, status, origin, local_id, (value IS NULL OR status >= 2147483648) AS bad
      FROM samples WHERE {_WHERE}) AS x
GROUP BY floor((t - %s) / %s) ORDER BY 1"""


class PlantHistorian:
    """History of one line (one station's record) from the plant database (read-only; any thread)."""

    def __init__(self, target: PlantTarget, *, raw_factor: float = 3.0, pool: ReadPool | None = None) -> None:
        self.target = target
        self.raw_factor = float(raw_factor)
        self.pool = pool or ReadPool(target)
        self._lock = threading.Lock()
        self._station: tuple[str, list[int]] | None = None
        self._tag_ids: dict[str, int] = {}

    # --- metadata -------------------------------------------------------------------------------
    def station(self, conn: Any) -> tuple[str, list[int]]:
        """(station id, journal ids): resolved on first use, journals re-read as new daily files arrive."""
        with self._lock:
            known = self._station
        if known is None or not known[1]:
            known = resolve_station(conn, self.target)
        else:
            ids = [
                int(r[0]) for r in conn.execute("SELECT id FROM journals WHERE station_id = %s", (known[0],))
            ]
            known = (known[0], sorted(ids))
        with self._lock:
            self._station = known
        return known

    def _tid(self, conn: Any, tag: str) -> int | None:
        with self._lock:
            tid = self._tag_ids.get(tag)
        if tid is None:
            rows = conn.execute(
                "SELECT name, id FROM tags WHERE line_id = %s", (self.target.line_id,)
            ).fetchall()
            with self._lock:
                self._tag_ids = {str(n): int(i) for n, i in rows}
                tid = self._tag_ids.get(tag)
        return tid

    def tag_info(self, names: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """The journal's tag rows as the forwarder stored them (unit, ranges, limits...)."""
        want = set(names) if names is not None else None
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT name, info, display_name, unit, machine, data_type, states FROM tags"
                " WHERE line_id = %s ORDER BY id",
                (self.target.line_id,),
            ).fetchall()
        out: dict[str, dict[str, Any]] = {}
        for name, info, display, unit, machine, dtype, states in rows:
            if want is not None and name not in want:
                continue
            d = dict(info) if isinstance(info, dict) else {}
            if not d:  # forwarded before the full row was kept: the columns there are
                d = {
                    "display_name": display,
                    "unit": unit,
                    "machine": machine,
                    "data_type": dtype,
                    "states": states,
                }
            d["name"] = name
            out[name] = d
        return out

    # --- reading --------------------------------------------------------------------------------
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
        started = time.perf_counter()
        width_px, w = read_window(t0, t1, width_px)
        tags = list(dict.fromkeys(tags))
        pens: dict[str, PenHistory] = {}
        if progress:
            progress(0.0, f"reading {len(tags)} pens from the plant historian")
        with self.pool.connection() as conn:
            station, origins = self.station(conn)
            gaps, restarts, gap_tags = self._gap_events(conn, station, t0, t1)
            for k, tag in enumerate(tags):
                if cancel is not None and cancel():
                    raise HistoryCancelled()
                part = self._read_one(conn, station, origins, tag, t0, t1, w, width_px)
                pens[tag] = merge_pen(tag, [part], t0, t1, w, gaps, gap_tags, restarts)
                if progress:
                    progress((k + 1) / max(1, len(tags)), f"{k + 1}/{len(tags)}")
        return HistoryResult(
            t0, t1, width_px, w, pens, Intervals.union([gaps]), [], time.perf_counter() - started
        )

    def _read_one(
        self,
        conn: Any,
        station: str,
        origins: list[int],
        tag: str,
        t0: float,
        t1: float,
        w: float,
        width_px: int,
    ) -> tuple[Points, Buckets | None, int, str]:
        tid = self._tid(conn, tag)
        if tid is None or not origins:
            return Points.empty(), None, 0, "none"
        return read_pen(_PlantPen(conn, station, origins, tid), t0, t1, w, width_px, self.raw_factor)

    def _gap_events(
        self, conn: Any, station: str, t0: float, t1: float
    ) -> tuple[Intervals, AppMarks, list[Any]]:
        rows = conn.execute(
            "SELECT extract(epoch FROM ts)::float8, kind, message, data::text FROM events"
            " WHERE line_id = %s AND station_id = %s AND ts >= to_timestamp(%s) AND ts < to_timestamp(%s)"
            " AND (kind = 'data_gap' OR (kind = 'system' AND"
            " (message LIKE 'journal opened%%' OR message LIKE 'journal closed%%')))",
            (self.target.line_id, station, t0 - GAP_LOOKBACK_S, t1 + GAP_LOOKBACK_S),
        ).fetchall()
        return gaps_from_events(rows, t0, t1)

    # --- single values and raw export -------------------------------------------------------------
    def value_at(self, tag: str, t: float) -> tuple[float, int, float]:
        with self.pool.connection() as conn:
            _station, origins = self.station(conn)
            tid = self._tid(conn, tag)
            if tid is None or not math.isfinite(t):
                return (math.nan, 0, math.nan)
            row = conn.execute(
                f"SELECT {_T}, value, status FROM samples WHERE {_IN} AND source_ts <= to_timestamp(%s)"
                " ORDER BY source_ts DESC, origin DESC, local_id DESC LIMIT 1",
                (tid, origins, t),
            ).fetchone()
        if row is None:
            return (math.nan, 0, math.nan)
        return (_num(row[1]), int(row[2]), float(row[0]))

    def values_at(self, tags: Sequence[str], t: float) -> dict[str, tuple[float, int, float]]:
        return {tag: self.value_at(tag, t) for tag in tags}

    def release(self) -> None:
        """Nothing kept per thread: the pool (shared with the record) holds the connections."""

    def read_text(
        self, tags: Sequence[str], t0: float, t1: float, *, max_rows: int = 1_000_000
    ) -> dict[str, list[TextRow]]:
        """No text here: the forwarder does not send the journal's text_samples table yet
        (docs/journal.md describes it). Text tags read as having no values."""
        return {t: [] for t in tags}

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
        out: dict[str, Points] = {}
        rows_read = 0
        with self.pool.connection() as conn:
            _station, origins = self.station(conn)
            for k, tag in enumerate(tags):
                if cancel is not None and cancel():
                    raise HistoryCancelled()
                tid = self._tid(conn, tag)
                parts: list[Points] = []
                if tid is not None:
                    with conn.cursor() as cur:
                        cur.execute(
                            f"SELECT {_T}, value, status FROM samples WHERE {_IN} AND source_ts >= to_timestamp(%s)"
                            " AND source_ts < to_timestamp(%s) ORDER BY source_ts, origin, local_id",
                            (tid, origins, t0, t1),
                        )
                        while rows := cur.fetchmany(100_000):
                            parts.append(rows_to_points(rows))
                            rows_read += len(rows)
                            if rows_read > max_rows:
                                raise ValueError(
                                    f"more than {max_rows:,} samples in the range; export a shorter range"
                                )
                            if cancel is not None and cancel():
                                raise HistoryCancelled()
                out[tag] = Points.concat(parts, sort=True)
                if progress:
                    progress((k + 1) / max(1, len(tags)), f"{rows_read:,} samples")
        return out

    def close(self) -> None:
        self.pool.close()


def _num(v: Any) -> float:
    return math.nan if v is None else float(v)


class _PlantPen:
    """One tag of one station in PostgreSQL, as `read_pen` reads a pen (`PenStore`)."""

    def __init__(self, conn: Any, station: str, origins: list[int], tid: int) -> None:
        self.conn, self.station, self.origins, self.tid = conn, station, origins, tid

    def _range(self, t0: float, t1: float) -> tuple[Any, ...]:
        return (self.tid, self.origins, t0, t1)

    def count_at_most(self, t0: float, t1: float, limit: int) -> int:
        return int(
            self.conn.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM samples WHERE {_WHERE} LIMIT %s) AS x",
                (*self._range(t0, t1), limit + 1),
            ).fetchone()[0]
        )

    def bounds(self, t0: float, t1: float) -> tuple[Points, Points]:
        before = self.conn.execute(
            f"SELECT {_T}, value, status FROM samples WHERE {_IN} AND source_ts < to_timestamp(%s)"
            " ORDER BY source_ts DESC, origin DESC, local_id DESC LIMIT 1",
            (self.tid, self.origins, t0),
        ).fetchall()
        after = self.conn.execute(
            f"SELECT {_T}, value, status FROM samples WHERE {_IN} AND source_ts >= to_timestamp(%s)"
            " ORDER BY source_ts, origin, local_id LIMIT 1",
            (self.tid, self.origins, t1),
        ).fetchall()
        return rows_to_points(before), rows_to_points(after)

    def raw(self, t0: float, t1: float) -> Points:
        rows = self.conn.execute(
            f"SELECT {_T}, value, status FROM samples WHERE {_WHERE} ORDER BY source_ts, origin, local_id",
            self._range(t0, t1),
        ).fetchall()
        return rows_to_points(rows)

    def rollup_levels(self) -> Sequence[int]:
        return LEVELS  # the plant historian keeps every level for every forwarded sample

    def rollup(self, level: int, t0: float, t1: float, w: float) -> Buckets:
        rows = self.conn.execute(
            "SELECT t_first, t_last, n, n_bad, n_unc, vmin, vmax, v_last, s_last, s_bad,"
            f" flags & {FLAG_MASK} FROM sample_rollup WHERE tag_id = %s AND station_id = %s AND level = %s"
            " AND bucket >= %s AND bucket <= %s ORDER BY bucket",
            (self.tid, self.station, level, math.floor(t0 / level), math.floor(t1 / level)),
        ).fetchall()
        return regroup(rows_to_buckets(rows, float(level)), w, t0)

    def group_buckets(self, t0: float, t1: float, w: float) -> Buckets:
        rows = self.conn.execute(_GROUP_SQL, (*self._range(t0, t1), t0, w)).fetchall()
        last_good = {r[8]: r[12] for r in rows if r[8] is not None}
        return buckets_from_group_rows(
            rows, w, lambda times: np.array([_num(last_good.get(t)) for t in times.tolist()])
        )
