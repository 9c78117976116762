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

log = logging.getLogger(__name__)

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
        while not self._stop.is_set():
            try:
                n = self.forward_once()
            except Exception as exc:  # psycopg, OS and journal errors alike: note, retry later
                self._went_down(exc)
                self._stop.wait(min(5.0, max(self.settings.interval_s, 1.0)))
                continue
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
            for tbl in TABLES:
                while True:
                    n = self._forward_batch(conn, db, path.name, tbl, prog)
                    sent += n
                    if n < self.settings.batch_rows:
                        break
        return sent

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
                " ON CONFLICT (origin, local_id, source_ts) DO NOTHING",
                (prog.origin,),
            )

    def _ensure_partitions(self, conn: Any, days: set[dt.date]) -> None:
        import psycopg

        try:
            with conn.transaction():  # a savepoint: two stations creating the same month race harmlessly
                ensure_partitions(conn, days, self._partitions)
        except (psycopg.errors.DuplicateTable, psycopg.errors.UniqueViolation):
            ensure_partitions(conn, days, self._partitions)

    def _map_tags(self, conn: Any, db: Any, prog: _FileProgress) -> None:
        rows = db.execute(
            "SELECT id, name, coalesce(display_name, ''), coalesce(unit, ''), coalesce(machine, ''),"
            " coalesce(data_type, ''), states FROM tags"
        ).fetchall()
        with conn.cursor() as cur:
            for local_id, name, display, unit, machine, dtype, states in rows:
                cur.execute(
                    "INSERT INTO tags (line_id, name, display_name, unit, machine, data_type, states)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT (line_id, name) DO UPDATE SET"
                    " display_name = excluded.display_name, unit = excluded.unit,"
                    " machine = excluded.machine, data_type = excluded.data_type, states = excluded.states"
                    " RETURNING id",
                    (self.settings.line_id, name, display, unit, machine, dtype, _as_json(states)),
                )
                prog.tag_map[int(local_id)] = int(cur.fetchone()[0])

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
