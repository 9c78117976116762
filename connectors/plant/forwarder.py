"""Store-and-forward from a station's SQLite journal to the PostgreSQL plant historian.

The journal files are the buffer. The forwarder reads them read-only (the same reader the review uses),
oldest file first and in row-id order, and copies events and samples to PostgreSQL in batches. Each
batch and the forwarding position it reaches are committed in ONE PostgreSQL transaction, and every row
is keyed by (station, journal file, local row id) with ON CONFLICT DO NOTHING: a station killed
mid-batch resends at most that batch and nothing lands twice; PostgreSQL killed mid-batch rolls the
batch back and it is sent again. Nothing is ever deleted locally here (retention asks
`PlantForwarder.forwarded_through` before it drops anything).

While PostgreSQL is unreachable the station keeps journaling locally; one event marks the start of the
outage and one its end with the backlog that then drains, oldest first. It runs on its own thread,
never on the GUI or OPC UA loop.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import sqlite3
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from connectors.plant.schema import ensure_partitions, migrate
from hmi.core.config import PlantConfig
from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.journal_read import JournalError, open_journal_readonly
from hmi.core.journal_schema import journal_files
from hmi.core.rollup import rollup_rows
from hmi.core.trend_data import FLAG_MASK

log = logging.getLogger(__name__)

ROLLUP_STAGE_COLS = (
    "tag_id, level, bucket, n, n_bad, n_unc, vmin, vmax, t_first, t_last, v_last, s_last, s_bad, flags"
)
ROLLUP_STAGE_DDL = (
    "tag_id integer, level integer, bucket bigint, n bigint, n_bad bigint, n_unc bigint, vmin float8,"
    " vmax float8, t_first float8, t_last float8, v_last float8, s_last bigint, s_bad bigint, flags bigint"
)
# The journal's merge of a partial bucket into a stored one (hmi.core.rollup.UPSERT_SQL), for PostgreSQL:
# NaN from numpy is "no value" (NULL); least()/greatest() ignore NULLs as coalesce(min(...)) does there.
# Only the trends' flag bits go to PostgreSQL (the journal's WENT_DOWN_BIT is for reading counters from a
# file; the plant historian reads counters sample by sample).
ROLLUP_MERGE_SQL = f"""
INSERT INTO sample_rollup AS r (tag_id, station_id, level, bucket, n, n_bad, n_unc, vmin, vmax, t_first,
    t_last, v_last, s_last, s_bad, flags)
SELECT tag_id, %s, level, bucket, n, n_bad, n_unc, nullif(vmin, 'NaN'), nullif(vmax, 'NaN'), t_first, t_last,
    nullif(v_last, 'NaN'), s_last, s_bad, flags & {FLAG_MASK} FROM stage_rollup
ON CONFLICT (tag_id, station_id, level, bucket) DO UPDATE SET
  n = r.n + excluded.n,
  n_bad = r.n_bad + excluded.n_bad,
  n_unc = r.n_unc + excluded.n_unc,
  vmin = least(r.vmin, excluded.vmin),
  vmax = greatest(r.vmax, excluded.vmax),
  t_first = least(r.t_first, excluded.t_first),
  t_last = greatest(r.t_last, excluded.t_last),
  v_last = CASE WHEN excluded.t_last >= r.t_last THEN excluded.v_last ELSE r.v_last END,
  s_last = CASE WHEN excluded.t_last >= r.t_last THEN excluded.s_last ELSE r.s_last END,
  s_bad = CASE WHEN excluded.s_bad != 0 AND (r.s_bad = 0 OR excluded.t_last >= r.t_last)
               THEN excluded.s_bad ELSE r.s_bad END,
  flags = r.flags | excluded.flags
"""

TABLES = ("events", "samples")  # events first: an alarm reaches the control room before its samples


class PlantError(Exception):
    """A plant-historian setting or secret that a person must fix; str() says which and how."""


def read_password(cfg: PlantConfig) -> str | None:
    """The password from the environment variable or the 0600 file the config names (None: none set)."""
    if cfg.password_env:
        value = os.environ.get(cfg.password_env)
        if value is None:
            raise PlantError(f"[plant] password_env: environment variable {cfg.password_env} is not set")
        return value
    if cfg.password_file:
        path = Path(cfg.password_file).expanduser()
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            raise PlantError(f"[plant] password_file {path}: cannot read it ({exc.strerror})") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise PlantError(
                f"[plant] password_file {path}: readable by others (mode {stat.S_IMODE(mode):o}); "
                f"run chmod 600 {path}"
            )
        return path.read_text().strip()
    return None


@dataclass(frozen=True)
class ForwarderSettings:
    url: str
    password: str | None
    station_id: str
    line_id: str
    journal_dir: Path
    interval_s: float = 1.0
    batch_rows: int = 20_000

    @classmethod
    def from_config(cls, cfg: PlantConfig, line_id: str, journal_dir: Path) -> ForwarderSettings:
        return cls(
            url=cfg.database,
            password=read_password(cfg),
            station_id=cfg.station_id or socket.gethostname(),
            line_id=line_id,
            journal_dir=Path(journal_dir),
            interval_s=cfg.forward_interval_ms / 1000.0,
            batch_rows=cfg.batch_rows,
        )


@dataclass(frozen=True)
class ForwardStatus:
    """What the status bar and `linehmi plant status` show of this station's forwarding."""

    reachable: bool | None  # None: not tried yet
    backlog_rows: int | None  # None: unknown until PostgreSQL was reached once
    backlog_age_s: float | None  # age of the oldest sample not yet forwarded
    forwarded_rows: int = 0  # since start
    problem: str = ""
    down_since: float | None = None

    def text(self) -> str:
        if self.reachable is None:
            return "plant historian: connecting"
        if self.backlog_rows is None:
            return f"plant historian unreachable: {self.problem}"
        age = f", oldest {self.backlog_age_s:.0f} s" if self.backlog_age_s else ""
        state = "forwarding" if self.reachable else f"unreachable ({self.problem})"
        return f"plant historian {state}: backlog {self.backlog_rows:,} rows{age}"


@dataclass
class _FileProgress:
    last_id: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    tag_map: dict[int, int] = field(default_factory=dict)  # journal tag id -> plant tag id
    origin: int = 0  # the file's id in the plant's `journals` table (0: not registered yet)
    meta_sent: bool = False  # the file's line name and config are in `line_meta` (once per connection)


class PlantForwarder:
    def __init__(
        self, settings: ForwarderSettings, on_event: Callable[[JournalEvent], Any] | None = None
    ) -> None:
        self.settings = settings
        self._on_event = on_event
        self._conn: Any = None
        self._progress: dict[str, _FileProgress] = {}
        self._partitions: set[str] = set()
        self._lock = threading.Lock()
        self._status = ForwardStatus(reachable=None, backlog_rows=None, backlog_age_s=None)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> PlantForwarder:
        self._thread = threading.Thread(target=self._run, name="linehmi-plant-forwarder", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._close()

    def status(self) -> ForwardStatus:
        with self._lock:
            return self._status

    def forwarded_through(self, journal: Path) -> dict[str, int]:
        """The last row id per table of this journal file that PostgreSQL has confirmed (0: none)."""
        prog = self._progress.get(Path(journal).name)
        return dict(prog.last_id) if prog else dict.fromkeys(TABLES, 0)

    def _run(self) -> None:
        local_fails = 0
        while not self._stop.is_set():
            try:
                n = self.forward_once()
            except sqlite3.Error as exc:
                # The local journal file, not PostgreSQL: a read cut short when the writer closes the
                # file (day change, shutdown: it closes its live readers), or a damaged file. Not an
                # outage of the plant historian (that said "unreachable" for a reachable server);
                # PostgreSQL rolled the open batch back, so the next pass resends it. A cut read
                # passes on the next try; one that keeps failing is named once.
                local_fails += 1
                if local_fails == 3:
                    log.warning("plant forwarder: cannot read the local journal (%s); retrying", exc)
                self._stop.wait(min(1.0, max(self.settings.interval_s, 0.1)))
                continue
            except Exception as exc:  # psycopg and OS errors alike: note, retry later
                self._went_down(exc)
                self._stop.wait(min(5.0, max(self.settings.interval_s, 1.0)))
                continue
            local_fails = 0
            # A full batch means more is waiting: drain without sleeping.
            if n < self.settings.batch_rows:
                self._stop.wait(self.settings.interval_s)

    # --- one pass ------------------------------------------------------------------------------
    def forward_once(self) -> int:
        """Forward what the journal files hold beyond the confirmed position; rows sent."""
        conn = self._connect()
        sent = 0
        for _day, path in journal_files(self.settings.journal_dir, self.settings.line_id):
            sent += self._forward_file(conn, path)
        self._came_up(sent)
        return sent

    def _connect(self) -> Any:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        import psycopg

        conn = psycopg.connect(
            self.settings.url, password=self.settings.password, autocommit=True, connect_timeout=5
        )
        migrate(conn)
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS stage_samples (local_id bigint, tag_id integer,"
            " source_ts double precision, server_ts double precision, received_ts double precision,"
            " value double precision, status bigint) ON COMMIT DELETE ROWS"
        )
        conn.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS stage_rollup ({ROLLUP_STAGE_DDL}) ON COMMIT DELETE ROWS"
        )
        conn.execute(
            "INSERT INTO stations (station_id, line_id, hostname) VALUES (%s, %s, %s)"
            " ON CONFLICT (station_id) DO UPDATE SET last_seen = now(), line_id = excluded.line_id",
            (self.settings.station_id, self.settings.line_id, socket.gethostname()),
        )
        rows = conn.execute(
            "SELECT journal, tbl, last_id FROM forward_progress WHERE station_id = %s",
            (self.settings.station_id,),
        ).fetchall()
        self._progress = {}
        for journal, tbl, last_id in rows:
            self._progress.setdefault(journal, _FileProgress()).last_id[tbl] = int(last_id)
        self._conn = conn
        return conn

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass
            self._conn = None

    def _forward_file(self, conn: Any, path: Path) -> int:
        try:
            reader = open_journal_readonly(path)
        except JournalError as exc:
            log.warning("plant forwarder: %s", exc)
            return 0
        prog = self._progress.setdefault(path.name, _FileProgress())
        sent = 0
        with reader:
            db = reader.conn
            if not prog.meta_sent:
                self._forward_meta(conn, path.name, reader.meta())
                prog.meta_sent = True
            for tbl in TABLES:
                while True:
                    n = self._forward_batch(conn, db, path.name, tbl, prog)
                    sent += n
                    if n < self.settings.batch_rows:
                        break
        return sent

    def _forward_meta(self, conn: Any, journal: str, meta: dict[str, str]) -> None:
        """The line's name and config as this station runs it (the review needs nothing else); the newest
        journal file of the station wins, as when a review opens the files."""
        conn.execute(
            "INSERT INTO line_meta (line_id, station_id, journal, line_name, line_config) VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (line_id, station_id) DO UPDATE SET journal = excluded.journal,"
            " line_name = excluded.line_name, line_config = excluded.line_config, updated_at = now()"
            " WHERE excluded.journal >= line_meta.journal",
            (
                self.settings.line_id,
                self.settings.station_id,
                journal,
                meta.get("line_name", self.settings.line_id),
                meta.get("line_config", ""),
            ),
        )

    def _forward_batch(self, conn: Any, db: Any, journal: str, tbl: str, prog: _FileProgress) -> int:
        last = prog.last_id[tbl]
        limit = self.settings.batch_rows
        if tbl == "events":
            rows = db.execute(
                "SELECT id, ts, kind, source, user, severity, message, data FROM events"
                " WHERE id > ? ORDER BY id LIMIT ?",
                (last, limit),
            ).fetchall()
        else:
            rows = db.execute(
                "SELECT id, tag_id, source_ts, server_ts, received_ts, value, status FROM samples"
                " WHERE id > ? ORDER BY id LIMIT ?",
                (last, limit),
            ).fetchall()
        if not rows:
            return 0
        new_last = int(rows[-1][0])
        with conn.transaction():
            if tbl == "events":
                self._insert_events(conn, journal, rows)
            else:
                self._insert_samples(conn, db, journal, rows, prog)
            conn.execute(
                "INSERT INTO forward_progress (station_id, journal, tbl, last_id, rows)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (station_id, journal, tbl) DO UPDATE SET"
                " last_id = excluded.last_id, rows = forward_progress.rows + excluded.rows, updated_at = now()",
                (self.settings.station_id, journal, tbl, new_last, len(rows)),
            )
        prog.last_id[tbl] = new_last  # only once PostgreSQL confirmed the commit
        with self._lock:
            self._status = replace(self._status, forwarded_rows=self._status.forwarded_rows + len(rows))
        return len(rows)

    def _insert_events(self, conn: Any, journal: str, rows: list[tuple[Any, ...]]) -> None:
        s = self.settings
        params = []
        for local_id, ts, kind, source, user, severity, message, data in rows:
            params.append(
                (
                    s.line_id,
                    s.station_id,
                    journal,
                    local_id,
                    float(ts),
                    kind,
                    source or "",
                    user or "",
                    int(severity or 0),
                    message or "",
                    _as_json(data),
                )
            )
        with conn.cursor() as cur:
            cur.executemany(
                'INSERT INTO events (line_id, station_id, journal, local_id, ts, kind, source, "user",'
                " severity, message, data) VALUES (%s, %s, %s, %s, to_timestamp(%s), %s, %s, %s, %s, %s,"
                " %s::jsonb) ON CONFLICT (station_id, journal, local_id) DO NOTHING",
                params,
            )

    def _insert_samples(
        self, conn: Any, db: Any, journal: str, rows: list[tuple[Any, ...]], prog: _FileProgress
    ) -> None:
        # Columns as float64: SQLite stores no NaN (it binds NaN as NULL), so NaN here means NULL and
        # goes back to NULL in PostgreSQL; ids and status codes are exact below 2**53.
        arr = np.array(rows, dtype=np.float64).reshape(len(rows), 7)
        local_tags = arr[:, 1].astype(np.int64)
        if not set(np.unique(local_tags).tolist()) <= set(prog.tag_map):
            self._map_tags(conn, db, prog)
        lookup = np.zeros(int(local_tags.max()) + 1, dtype=np.int64)
        for local, plant in prog.tag_map.items():
            if local < lookup.size:
                lookup[local] = plant
        ts = arr[:, 2]
        finite = ts[np.isfinite(ts)]
        if finite.size:
            lo, hi = (
                dt.datetime.fromtimestamp(float(t), dt.UTC).date() for t in (finite.min(), finite.max())
            )
            months = {lo, hi}
            d = lo
            while d < hi:  # a batch spanning several months (a long outage) gets each partition
                d = (d.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
                months.add(min(d, hi))
            self._ensure_partitions(conn, months)
        if not prog.origin:
            prog.origin = int(
                conn.execute(
                    "INSERT INTO journals (station_id, journal) VALUES (%s, %s) ON CONFLICT (station_id, journal)"
                    " DO UPDATE SET journal = excluded.journal RETURNING id",
                    (self.settings.station_id, journal),
                ).fetchone()[0]
            )
        payload = binary_copy_payload(
            [
                arr[:, 0].astype(">i8"),
                lookup[local_tags].astype(">i4"),
                arr[:, 2].astype(">f8"),
                arr[:, 3].astype(">f8"),
                arr[:, 4].astype(">f8"),
                arr[:, 5].astype(">f8"),
                arr[:, 6].astype(">i8"),
            ]
        )
        with conn.cursor() as cur:
            with cur.copy(
                "COPY stage_samples (local_id, tag_id, source_ts, server_ts, received_ts, value, status)"
                " FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.write(payload)
            cur.execute(
                "INSERT INTO samples (tag_id, source_ts, value, status, server_ts, received_ts, origin, local_id)"
                " SELECT tag_id, to_timestamp(source_ts), nullif(value, 'NaN'), status, nullif(server_ts, 'NaN'),"
                " nullif(received_ts, 'NaN'), %s, local_id FROM stage_samples"
                " ON CONFLICT (origin, local_id, source_ts) DO NOTHING RETURNING local_id",
                (prog.origin,),
            )
            # Only the rows that landed now are rolled up: a resend adds nothing to the counts.
            inserted = np.fromiter((r[0] for r in cur.fetchall()), dtype=np.int64)
        fresh = np.isin(arr[:, 0].astype(np.int64), inserted)
        if fresh.any():
            self._update_rollups(conn, lookup[local_tags][fresh], arr[fresh])

    def _update_rollups(self, conn: Any, plant_tags: np.ndarray, arr: np.ndarray) -> None:
        """Merge freshly inserted samples into `sample_rollup`, with the journal's rules (hmi.core.rollup)."""
        rows = rollup_rows(plant_tags, arr[:, 2], arr[:, 5], arr[:, 6].astype(np.uint32))
        if not rows:
            return
        a = np.array(rows, dtype=np.float64)  # vmin/vmax/v_last NaN: none, sent as NULL below
        payload = binary_copy_payload(
            [
                a[:, 0].astype(">i4"),
                a[:, 1].astype(">i4"),
                a[:, 2].astype(">i8"),
                a[:, 3].astype(">i8"),
                a[:, 4].astype(">i8"),
                a[:, 5].astype(">i8"),
                a[:, 6].astype(">f8"),
                a[:, 7].astype(">f8"),
                a[:, 8].astype(">f8"),
                a[:, 9].astype(">f8"),
                a[:, 10].astype(">f8"),
                a[:, 11].astype(">i8"),
                a[:, 12].astype(">i8"),
                a[:, 13].astype(">i8"),
            ]
        )
        with conn.cursor() as cur:
            with cur.copy(f"COPY stage_rollup ({ROLLUP_STAGE_COLS}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(payload)
            cur.execute(ROLLUP_MERGE_SQL, (self.settings.station_id,))

    def _ensure_partitions(self, conn: Any, days: set[dt.date]) -> None:
        import psycopg

        try:
            with conn.transaction():  # a savepoint: two stations creating the same month race harmlessly
                ensure_partitions(conn, days, self._partitions)
        except (psycopg.errors.DuplicateTable, psycopg.errors.UniqueViolation):
            ensure_partitions(conn, days, self._partitions)

    def _map_tags(self, conn: Any, db: Any, prog: _FileProgress) -> None:
        cursor = db.execute("SELECT * FROM tags")
        cols = [d[0] for d in cursor.description]
        with conn.cursor() as cur:
            for row in cursor.fetchall():
                tag = dict(zip(cols, row, strict=True))
                # the whole row as well (limits, ranges, decimals...): the historian's tag_info and the
                # review read it from here as they read it from the journal file
                info = json.dumps({k: v for k, v in tag.items() if k != "id"})
                cur.execute(
                    "INSERT INTO tags (line_id, name, display_name, unit, machine, data_type, states, info)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb) ON CONFLICT (line_id, name)"
                    " DO UPDATE SET display_name = excluded.display_name, unit = excluded.unit,"
                    " machine = excluded.machine, data_type = excluded.data_type, states = excluded.states,"
                    " info = excluded.info RETURNING id",
                    (
                        self.settings.line_id,
                        tag["name"],
                        tag.get("display_name") or "",
                        tag.get("unit") or "",
                        tag.get("machine") or "",
                        tag.get("data_type") or "",
                        _as_json(tag.get("states")),
                        info,
                    ),
                )
                prog.tag_map[int(tag["id"])] = int(cur.fetchone()[0])

    # --- backlog and outage events ----------------------------------------------------------------
    def backlog(self) -> tuple[int, float | None]:
        """(rows in the journal files not yet confirmed by PostgreSQL, age of the oldest such sample)."""
        rows = 0
        oldest: float | None = None
        for _day, path in journal_files(self.settings.journal_dir, self.settings.line_id):
            prog = self._progress.get(path.name, _FileProgress())
            try:
                reader = open_journal_readonly(path)
            except JournalError:
                continue
            with reader:
                for tbl in TABLES:
                    # Row ids are allocated in order and never reused in a journal file: the newest id
                    # minus the confirmed one is the count, without counting millions of rows in an outage.
                    top = reader.conn.execute(f"SELECT coalesce(max(id), 0) FROM {tbl}").fetchone()[0]
                    rows += max(0, int(top) - prog.last_id[tbl])
                first = reader.conn.execute(
                    "SELECT source_ts FROM samples WHERE id > ? ORDER BY id LIMIT 1",
                    (prog.last_id["samples"],),
                ).fetchone()
                if first and first[0] is not None and oldest is None:
                    oldest = float(first[0])
        return rows, (time.time() - oldest) if oldest is not None else None

    def _came_up(self, sent: int) -> None:
        rows, age = self.backlog()
        with self._lock:
            was = self._status
            self._status = replace(
                was, reachable=True, backlog_rows=rows, backlog_age_s=age, problem="", down_since=None
            )
        if was.reachable is False and was.down_since is not None:
            self._emit(
                f"Plant historian reachable again after {time.time() - was.down_since:.0f} s; "
                f"forwarding the backlog, oldest first ({sent:,} rows sent in the first pass)",
                Severity.INFO,
                {"plant": "reachable", "outage_s": round(time.time() - was.down_since, 1), "sent": sent},
            )

    def _went_down(self, exc: BaseException) -> None:
        self._close()
        problem = _short(exc)
        rows: int | None
        try:  # the backlog keeps growing while PostgreSQL is away: the status bar shows by how much
            rows, age = self.backlog()
        except Exception:
            rows, age = self._status.backlog_rows, self._status.backlog_age_s
        with self._lock:
            was = self._status
            first = was.reachable is not False
            self._status = replace(
                was,
                reachable=False,
                problem=problem,
                down_since=was.down_since or time.time(),
                backlog_rows=rows if self._progress or was.backlog_rows is not None else None,
                backlog_age_s=age,
            )
        if first:  # one event per outage, not one per retry
            log.warning("plant historian unreachable: %s", problem)
            self._emit(
                f"Plant historian unreachable ({problem}); the station keeps journaling locally "
                "and forwards the backlog when it is back",
                Severity.WARNING,
                {"plant": "unreachable", "problem": problem},
            )

    def _emit(self, message: str, severity: Severity, data: dict[str, Any]) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(
                JournalEvent(
                    EventKind.SYSTEM, message, source="plant_historian", severity=severity, data=data
                )
            )
        except Exception as exc:  # the local journal has its own error path; never kill the forwarder
            log.warning("plant forwarder: could not journal %r: %s", message, exc)


_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_COPY_TRAILER = (-1).to_bytes(2, "big", signed=True)


def binary_copy_payload(columns: list[np.ndarray]) -> bytes:
    """PostgreSQL's binary COPY format for fixed-width, non-NULL big-endian columns, built with numpy.

    Each tuple is a field count (int16) then, per field, its byte length (int32) and its bytes; one
    structured array lays out every tuple at once instead of a Python call per row.
    """
    n = len(columns[0])
    fields: list[tuple[str, Any]] = [("count", ">i2")]
    for k, col in enumerate(columns):
        fields += [(f"len{k}", ">i4"), (f"val{k}", col.dtype)]
    out = np.empty(n, dtype=np.dtype(fields))
    out["count"] = len(columns)
    for k, col in enumerate(columns):
        out[f"len{k}"] = col.dtype.itemsize
        out[f"val{k}"] = col
    return _COPY_HEADER + out.tobytes() + _COPY_TRAILER


def _as_json(text: Any) -> str | None:
    if text is None or text == "":
        return None
    try:
        json.loads(text)
        return str(text)
    except (TypeError, ValueError):
        return json.dumps({"raw": str(text)})


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
