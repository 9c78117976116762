"""One line's record in the plant historian, read-only: what the review, the shift report and the
assistant read when they are given a database instead of journal files (`ReviewRecord`,
hmi.core.review.record).

Everything comes from what the forwarder stored: the line config and name each station journals
(`line_meta`), the tag rows, the events (alarms, operator actions, audit, QC, advisories, gaps) and the
samples with their rollups, for one station of the line (every station journals the same line; the one
named, else the one that forwarded last). Figures are computed by the same code as from files: the
alarm KPIs (`hmi.core.alarms.kpi.report_events`), production and OEE
(`hmi.core.production.journal_io.analyse_sources`), the trends (`PlantHistorian`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from connectors.plant.access import PlantTarget, ReadPool
from connectors.plant.historian import PlantHistorian
from hmi.core.alarms import kpi
from hmi.core.config import LineConfig
from hmi.core.events import EventKind
from hmi.core.journal_read import JournalError, StoredEvent, TagSamples, event_from_row
from hmi.core.production.journal_io import (
    BAD_BIT,
    Series,
    analyse_sources,
    observation_gaps,
    setup_or_error,
)
from hmi.core.production.oee import ProductionAnalysis
from hmi.core.production.setup import ProductionSetup
from hmi.core.review.notes import JournalSpan, ReviewNotes
from hmi.core.review.record import machines_of
from hmi.core.user_settings import settings_dir

_TS = "extract(epoch FROM source_ts)::float8"


class PlantRecord:
    """A line (one station's record) in the plant database; `t0`/`t1` bound what a review shows."""

    def __init__(
        self,
        target: PlantTarget,
        t0: float | None = None,
        t1: float | None = None,
        pool: ReadPool | None = None,
    ) -> None:
        self.target = target
        self.pool = pool or ReadPool(target)
        self._historian = PlantHistorian(target, pool=self.pool)
        with self.pool.connection() as conn:
            self.station_id, self._origins = self._historian.station(conn)
            meta = conn.execute(
                "SELECT line_name, line_config FROM line_meta WHERE line_id = %s AND station_id = %s",
                (target.line_id, self.station_id),
            ).fetchone()
            lo, hi = conn.execute(
                "SELECT extract(epoch FROM min(ts))::float8, extract(epoch FROM max(ts))::float8 FROM events"
                " WHERE line_id = %s AND station_id = %s",
                (target.line_id, self.station_id),
            ).fetchone()
            s_lo, s_hi = self._sample_span(conn)
        self.problems: list[str] = []
        self._line_name = meta[0] if meta and meta[0] else target.line_id
        self.config: LineConfig | None = None
        if meta and meta[1]:
            try:
                self.config = LineConfig.model_validate_json(meta[1])
            except ValueError as exc:
                self.problems.append(
                    f"the line config stored in the plant database is unreadable ({exc}); tags only"
                )
        else:
            self.problems.append(
                "the plant database holds no line config for this line: machines from tag names"
            )
        times = [t for t in (lo, hi, s_lo, s_hi) if t is not None and math.isfinite(t)]
        if not times:
            raise JournalError(f"{target}: the plant database holds no records of station {self.station_id}")
        self.t0 = max(min(times), t0) if t0 is not None else min(times)
        self.t1 = min(max(times), t1) if t1 is not None else max(times)
        self.record_end = max(times)  # the last evidence stored (the review's t1 may stop earlier)
        if self.t1 <= self.t0:
            raise JournalError(f"{target}: no records between the dates asked for")

    def _sample_span(self, conn: Any) -> tuple[float | None, float | None]:
        if not self._origins:
            return None, None
        row = conn.execute(
            "SELECT min(t_first), max(t_last) FROM sample_rollup WHERE station_id = %s AND level = 600",
            (self.station_id,),
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    # --- ReviewRecord ---------------------------------------------------------------------------------
    @property
    def line_id(self) -> str:
        return self.target.line_id

    @property
    def line_name(self) -> str:
        return self._line_name

    @property
    def sources(self) -> list[str]:
        return [f"plant historian {self.target}, station {self.station_id}"]

    def events(
        self, t0: float | None = None, t1: float | None = None, kinds: Iterable[EventKind | str] | None = None
    ) -> list[StoredEvent]:
        return self.read_events(t0, t1, kinds)

    def read_events(
        self,
        since: float | None = None,
        until: float | None = None,
        kinds: Iterable[EventKind | str] | None = None,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        """Events in [since, until) in time order, decoded as the journal reader decodes a file's."""
        return [e for _journal, e in self.events_by_journal(since, until, kinds, limit)]

    def events_by_journal(
        self,
        since: float | None = None,
        until: float | None = None,
        kinds: Iterable[EventKind | str] | None = None,
        limit: int | None = None,
    ) -> list[tuple[str, StoredEvent]]:
        """(station's journal file, event) in time order: the id of an event is its row id in that file."""
        sql = (
            'SELECT journal, local_id, extract(epoch FROM ts)::float8, kind, source, "user", severity, message,'
            " data::text, NULL FROM events WHERE line_id = %s AND station_id = %s"
        )
        args: list[Any] = [self.target.line_id, self.station_id]
        if since is not None:
            sql += " AND ts >= to_timestamp(%s)"
            args.append(since)
        if until is not None:
            sql += " AND ts < to_timestamp(%s)"
            args.append(until)
        if kinds is not None:
            sql += " AND kind = ANY(%s)"
            args.append([str(k) for k in kinds])
        sql += " ORDER BY ts, journal, local_id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self.pool.connection() as conn:
            return [(str(r[0]), event_from_row(r[1:])) for r in conn.execute(sql, args)]

    def last_events_before(self, t: float, kinds: Iterable[EventKind | str]) -> list[StoredEvent]:
        """For each (kind, source, data's "event"), its events at its last time before t (ties: all),
        in time order (hmi.core.journal_read.JournalReader.last_events_before)."""
        sql = (
            'SELECT local_id, epoch, kind, source, "user", severity, message, data, NULL FROM ('
            ' SELECT local_id, extract(epoch FROM ts)::float8 AS epoch, ts, journal, kind, source, "user",'
            " severity, message, data::text AS data,"
            " RANK() OVER (PARTITION BY kind, source, data->>'event' ORDER BY ts DESC) AS r"
            " FROM events WHERE line_id = %s AND station_id = %s AND ts < to_timestamp(%s) AND kind = ANY(%s)"
            ") last WHERE r = 1 ORDER BY ts, journal, local_id"
        )
        args = [self.target.line_id, self.station_id, float(t), [str(k) for k in kinds]]
        with self.pool.connection() as conn:
            return [event_from_row(r) for r in conn.execute(sql, args)]

    def samples(self, tags: Iterable[str] | str, t0: float | None, t1: float | None) -> dict[str, TagSamples]:
        names = [tags] if isinstance(tags, str) else list(tags)
        ids = self._tag_ids()
        out: dict[str, TagSamples] = {}
        sql = f"SELECT {_TS}, server_ts, received_ts, value, status FROM samples WHERE tag_id = %s AND origin = ANY(%s)"
        args: list[Any] = []
        if t0 is not None:
            sql += " AND source_ts >= to_timestamp(%s)"
            args.append(t0)
        if t1 is not None:
            sql += " AND source_ts < to_timestamp(%s)"
            args.append(t1)
        with self.pool.connection() as conn:
            for name in names:
                tid = ids.get(name)
                rows = (
                    conn.execute(
                        sql + " ORDER BY source_ts, origin, local_id", [tid, self._origins, *args]
                    ).fetchall()
                    if tid is not None
                    else []
                )
                out[name] = TagSamples.from_rows(name, rows)
        return out

    def tags(self) -> list[dict[str, object]]:
        return list(self._historian.tag_info().values())

    def machines(self) -> list[tuple[str, str]]:
        return machines_of(self.config, self.tags())

    def historian(self) -> PlantHistorian:
        return self._historian

    def alarm_kpis(self, t0: float, t1: float) -> kpi.KpiReport:
        events = self.read_events(until=t1, kinds=[EventKind.ALARM])
        return kpi.report_events(events, self.t0, self.t1, self.sources, t0, t1, self.not_recording())

    def production(self, t0: float, t1: float, setup: ProductionSetup | None = None) -> ProductionAnalysis:
        setup = setup or setup_or_error([self], str(self.target))
        return analyse_sources(
            [self], self.tag_series, t0, t1, setup, self.record_end, self.last_evidence_before
        )

    def last_evidence_before(self, t: float) -> float | None:
        """The station's newest sample or event before t: where its record stopped when LineHMI
        crashed (a second "journal opened" with no "journal closed" between; hmi.core.record_gaps).
        A journal file also has its commit times (file_last_before); the plant database keeps none,
        so this reads the rows those commits carried. Audit rows are not evidence of the line (a
        stop classified in a review days later)."""
        with self.pool.connection() as conn:
            ev = conn.execute(
                "SELECT extract(epoch FROM max(ts))::float8 FROM events WHERE line_id = %s AND station_id = %s"
                " AND kind <> %s AND ts < to_timestamp(%s)",
                (self.target.line_id, self.station_id, str(EventKind.AUDIT), float(t)),
            ).fetchone()
            # one backward index step per tag (samples_tag_ts), not a scan of the line's samples
            sa = conn.execute(
                f"SELECT max(last.ts) FROM tags CROSS JOIN LATERAL (SELECT {_TS} AS ts FROM samples"
                " WHERE tag_id = tags.id AND origin = ANY(%s) AND source_ts < to_timestamp(%s)"
                " ORDER BY source_ts DESC LIMIT 1) last WHERE tags.line_id = %s",
                (self._origins, float(t), self.target.line_id),
            ).fetchone()
        times = [v for v in (ev[0] if ev else None, sa[0] if sa else None) if v is not None]
        return max(times) if times else None

    # --- production series --------------------------------------------------------------------------
    def tag_series(self, setup: ProductionSetup, t0: float, t1: float) -> dict[str, Series]:
        """As `hmi.core.production.journal_io.read_tag_series` reads a file with rollups: each production
        tag's samples in [t0, t1) plus the last one before; counters as every usable sample (the same
        count as a file gives: the sum of the recorded steps)."""
        ids = self._tag_ids()
        out: dict[str, Series] = {}
        with self.pool.connection() as conn:
            for m in setup.machines:
                counters = {m.total_counter, m.good_counter, m.reject_counter} - {""}
                for tag in m.tags:
                    tid = ids.get(tag)
                    if tid is None:
                        continue
                    counter = tag in counters
                    prior = conn.execute(
                        f"SELECT {_TS}, value, status FROM samples WHERE tag_id = %s AND origin = ANY(%s)"
                        " AND source_ts < to_timestamp(%s)"
                        + (f" AND status < {BAD_BIT} AND value IS NOT NULL" if counter else "")
                        + " ORDER BY source_ts DESC, origin DESC, local_id DESC LIMIT 1",
                        (tid, self._origins, t0),
                    ).fetchall()
                    if counter:  # every usable sample: the count is the sum of the recorded steps,
                        # as read from a file (journal_io.read_tag_series), so both give the same units
                        rows = conn.execute(
                            f"SELECT {_TS}, value, status FROM samples WHERE tag_id = %s AND origin = ANY(%s)"
                            " AND source_ts >= to_timestamp(%s) AND source_ts < to_timestamp(%s)"
                            f" AND status < {BAD_BIT} AND value IS NOT NULL ORDER BY source_ts, origin, local_id",
                            (tid, self._origins, t0, t1),
                        ).fetchall()
                    else:
                        rows = conn.execute(
                            f"SELECT {_TS}, value, status FROM samples WHERE tag_id = %s AND origin = ANY(%s)"
                            " AND source_ts >= to_timestamp(%s) AND source_ts < to_timestamp(%s)"
                            " ORDER BY source_ts, origin, local_id",
                            (tid, self._origins, t0, t1),
                        ).fetchall()
                    a = np.array(prior + rows, dtype=np.float64).reshape(-1, 3)
                    status = np.array([int(r[2]) for r in prior + rows], dtype=np.int64)
                    out[tag] = (a[:, 0], a[:, 1], (status & BAD_BIT) == 0)
        return out

    def _tag_ids(self) -> dict[str, int]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT name, id FROM tags WHERE line_id = %s", (self.target.line_id,)
            ).fetchall()
        return {str(n): int(i) for n, i in rows}

    def span(self) -> tuple[float, float]:
        return self.t0, self.t1

    def meta(self) -> dict[str, str]:
        """What a journal file's meta table says of its line, from what the forwarder stored."""
        return {
            "app": "linehmi",
            "line_id": self.line_id,
            "line_name": self.line_name,
            "line_config": self.config.model_dump_json() if self.config is not None else "",
        }

    def not_recording(self) -> list[tuple[float, float]]:
        return observation_gaps([self], last_before=self.last_evidence_before)

    def open_notes(self) -> ReviewNotes:
        """Notes of a plant-historian review go to the reviewer's settings folder (there is no journal
        file to put them next to, and the historian is the plant's record, not the reviewer's)."""
        folder = settings_dir() / "review_notes"
        folder.mkdir(parents=True, exist_ok=True)
        name = "".join(c if c.isalnum() or c in "-_" else "_" for c in f"{self.line_id}_{self.station_id}")
        t0, t1 = self.t0, self.t1
        return ReviewNotes([JournalSpan(folder / f"{name}.plant", t0, t1)], self.line_id)

    def close(self) -> None:
        self.pool.close()
