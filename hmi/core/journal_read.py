"""Reading journal files: offline review, the UI's history queries, tests.

Readers open files read-only (hmi.core.readonly_db) so a review can never modify a shift's
record; WAL lets them read while the writer appends. Time ranges are
half-open, ``t0 <= ts < t1``, POSIX seconds; ``None`` means unbounded.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import numpy as np

from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.journal_schema import SCHEMA_VERSION as READS_SCHEMA
from hmi.core.readonly_db import check_sound, connect_readonly, damage_of, is_damage, what_is_wrong
from hmi.core.sample_codec import SampleColumns
from hmi.core.sample_store import columns_from_rows, read_tag

log = logging.getLogger(__name__)
T = TypeVar("T")


class JournalError(Exception):
    """A journal problem a person can act on; str() names the file and says what went wrong."""

    def __init__(self, message: str, path: Path | str | None = None):
        super().__init__(message)
        self.path = Path(path) if path is not None else None


@dataclass(frozen=True, slots=True)
class StoredEvent(JournalEvent):
    """An event read back from a file; `id` is its row id in that file (ids restart in each file)."""

    id: int = 0
    committed_at: float | None = None


@dataclass(frozen=True, slots=True)
class TagSamples:
    """One tag's samples, sorted by source time. `status` is the raw OPC UA StatusCode."""

    tag: str
    source_ts: np.ndarray
    server_ts: np.ndarray
    received_ts: np.ndarray
    value: np.ndarray
    status: np.ndarray

    def __len__(self) -> int:
        return int(self.source_ts.shape[0])

    @classmethod
    def from_rows(cls, tag: str, rows: Sequence[tuple[Any, ...]]) -> TagSamples:
        """From (source_ts, server_ts, received_ts, value, status) rows; NULL becomes NaN."""
        return cls.from_columns(tag, columns_from_rows(list(rows)))

    @classmethod
    def from_columns(cls, tag: str, c: SampleColumns) -> TagSamples:
        return cls(tag, c.source_ts, c.server_ts, c.received_ts, c.value, c.status)

    @classmethod
    def concat(cls, tag: str, parts: Sequence[TagSamples]) -> TagSamples:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.from_columns(tag, SampleColumns.empty())
        if len(parts) == 1:
            return parts[0]
        cols = [np.concatenate([getattr(p, f) for p in parts]) for f in _SAMPLE_FIELDS]
        order = np.argsort(cols[0], kind="stable")
        return cls(tag, *(c[order] for c in cols))


_SAMPLE_FIELDS = ("source_ts", "server_ts", "received_ts", "value", "status")


def _range_sql(col: str, t0: float | None, t1: float | None) -> tuple[str, list[float]]:
    sql, args = "", []
    if t0 is not None:
        sql += f" AND {col} >= ?"
        args.append(float(t0))
    if t1 is not None:
        sql += f" AND {col} < ?"
        args.append(float(t1))
    return sql, args


class JournalReader:
    """A read-only view of one journal file."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path
        self.conn = conn
        self.warnings: list[str] = []  # things a reviewer should know about this file (newer schema...)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> JournalReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- metadata -----------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        return {k: v for k, v in self.conn.execute("SELECT key, value FROM meta")}

    def tag_ids(self) -> dict[str, int]:
        return {name: tid for tid, name in self.conn.execute("SELECT id, name FROM tags ORDER BY id")}

    def tags(self) -> list[dict[str, Any]]:
        cur = self.conn.execute("SELECT * FROM tags ORDER BY id")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur]

    def commits(self) -> list[dict[str, Any]]:
        cur = self.conn.execute("SELECT * FROM commits ORDER BY id")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur]

    # --- events -------------------------------------------------------------------------------
    def read_events(
        self,
        since: float | None = None,
        until: float | None = None,
        kinds: Iterable[EventKind | str] | None = None,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        where, args = _range_sql("ts", since, until)
        args_all: list[Any] = list(args)
        if kinds is not None:
            kind_list = [str(k) for k in kinds]
            where += f" AND kind IN ({', '.join('?' * len(kind_list))})"
            args_all += kind_list
        sql = (
            "SELECT id, ts, kind, source, user, severity, message, data, committed_at"
            f" FROM events WHERE 1{where} ORDER BY ts, id"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [event_from_row(r) for r in self.conn.execute(sql, args_all)]

    def last_events_before(self, t: float, kinds: Iterable[EventKind | str]) -> list[StoredEvent]:
        """For each (kind, source, data's "event") of these kinds, its events at its last time before t
        (all of them when several share that time), in time order: what a record's state at t is
        replayed from (a machine's last state event, each alarm's last transition and the last alarm
        checkpoint) without reading the events before. SQLite picks the rows; only those are decoded."""
        kind_list = [str(k) for k in kinds]
        sql = (
            "SELECT id, ts, kind, source, user, severity, message, data, committed_at FROM ("
            " SELECT *, RANK() OVER (PARTITION BY kind, source,"
            " CASE WHEN json_valid(data) THEN json_extract(data, '$.event') END ORDER BY ts DESC) AS r FROM events"
            f" WHERE ts < ? AND kind IN ({', '.join('?' * len(kind_list))})) WHERE r = 1 ORDER BY ts, id"
        )
        return [event_from_row(r) for r in self.conn.execute(sql, [float(t), *kind_list])]

    # --- samples ------------------------------------------------------------------------------
    def read_samples(
        self, tag_names: Iterable[str] | str | None = None, t0: float | None = None, t1: float | None = None
    ) -> dict[str, TagSamples]:
        """Samples per tag in [t0, t1), sorted by source time; an unknown tag gives empty arrays.

        Raw rows or compacted chunks alike (`hmi.core.sample_store.read_tag`).
        """
        ids = self.tag_ids()
        if tag_names is None:
            names = list(ids)
        elif isinstance(tag_names, str):
            names = [tag_names]
        else:
            names = list(tag_names)
        out: dict[str, TagSamples] = {}
        for name in names:
            tid = ids.get(name)
            cols = read_tag(self.conn, tid, t0, t1) if tid is not None else SampleColumns.empty()
            out[name] = TagSamples.from_columns(name, cols)
        return out


def _number(v: Any) -> float:
    """A stored number as float; text or blobs (a file edited by hand, another tool) become NaN."""
    if isinstance(v, int | float) and not isinstance(v, bool):
        return float(v)
    return math.nan


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return str(v)


def event_from_row(row: tuple[Any, ...]) -> StoredEvent:
    """One events row as a StoredEvent, whatever types the file holds: SQLite does not enforce
    column types, so a row written by hand or by another tool must not stop a review."""
    rid, ts, kind, source, user, severity, message, data, committed_at = row
    kind_text = _text(kind)
    try:
        ev_kind: EventKind | str = EventKind(kind_text)
    except ValueError:  # a kind from a newer version: keep the text
        ev_kind = kind_text
    try:
        ev_severity = Severity(severity) if isinstance(severity, int) else Severity.INFO
    except ValueError:
        ev_severity = (
            Severity.ERROR if isinstance(severity, int) and severity > Severity.ERROR else Severity.INFO
        )
    payload: Any
    try:
        payload = json.loads(data) if isinstance(data, str | bytes) and data else {}
    except (ValueError, RecursionError):
        payload = {"raw": _text(data)}
    if not isinstance(payload, dict):
        payload = {"value": payload}
    committed = _number(committed_at)
    return StoredEvent(
        kind=ev_kind,  # type: ignore[arg-type]
        message=_text(message),
        source=_text(source),
        user=_text(user),
        severity=ev_severity,
        data=payload,
        ts=_number(ts),
        id=rid if isinstance(rid, int) else 0,
        committed_at=committed if math.isfinite(committed) else None,
    )


def open_journal_readonly(path: Path | str) -> JournalReader:
    """Open a journal file for review without any chance of modifying it, and without creating any
    file beside it (hmi.core.readonly_db: `immutable=1` for a closed file, `mode=ro` with a live
    writer's own side files, a private copy for a crashed writer's leftovers)."""
    path = Path(path)
    if not path.is_file():
        raise JournalError(f"journal file {path}: not found", path)
    try:
        conn = connect_readonly(path, check_same_thread=False)
    except sqlite3.DatabaseError as exc:
        raise JournalError(
            f"journal file {path}: not a readable SQLite database ({what_is_wrong(exc)})", path
        ) from None
    except (sqlite3.Error, OSError) as exc:
        raise JournalError(f"journal file {path}: cannot open read-only ({exc})", path) from None
    try:
        conn.execute("SELECT count(*) FROM meta").fetchone()
        conn.execute("SELECT id FROM samples LIMIT 0").fetchall()
    except sqlite3.OperationalError as exc:
        conn.close()
        if "no such table" in str(exc):
            raise JournalError(f"journal file {path}: not a LineHMI journal ({exc})", path) from None
        raise JournalError(f"journal file {path}: cannot open read-only ({exc})", path) from None
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise JournalError(
            f"journal file {path}: not a readable SQLite database ({what_is_wrong(exc)})", path
        ) from None
    reader = JournalReader(path, conn)
    _check_schema(reader)
    return reader


def open_journal_checked(path: Path | str, *, whole: bool = False) -> JournalReader:
    """open_journal_readonly, then SQLite's page check of the file (hmi.core.readonly_db.check_sound,
    once per file as it is now): for a command that takes the file as evidence (a review, a report,
    an answer), so a damaged file is named and left out before anything reads it; not for the running
    HMI's frequent reads of the files it wrote itself. `whole=False`: the tables read whole, not the
    sample data (its reader names a damaged page when it meets one); `whole=True`: every page, for a
    command that reads every row anyway."""
    reader = open_journal_readonly(path)
    try:
        check_sound(reader.conn, reader.path, whole=whole)
    except sqlite3.DatabaseError as exc:  # check_sound closed the connection
        raise JournalError(
            f"journal file {reader.path}: not a readable SQLite database ({exc})", path
        ) from None
    return reader


def journal_paths(paths: Iterable[Path | str]) -> tuple[list[Path], list[str]]:
    """The journal files that `paths` name, as `linehmi review`, `report` and `ask` take them: a file as
    given, a directory as its *.db files (sorted by name, which is by date); and, for a path that names
    none, what is wrong with it (not found; a folder without journal files)."""
    found: list[Path] = []
    problems: list[str] = []
    for p in map(Path, paths):
        if p.is_dir():
            inside = sorted(p.glob("*.db"))
            if not inside:
                problems.append(f"{p}: no journal files (*.db) in this folder")
            found += inside
        elif p.exists():
            found.append(p)
        else:
            problems.append(f"{p}: not found")
    return found, problems


def readable_journals(paths: Iterable[Path], *, whole: bool = False) -> tuple[list[Path], list[str]]:
    """The files of `paths` that open as journals, and what is wrong with each of the others (file
    named: not found, not SQLite, damaged, not a journal): a command names and leaves out a bad
    file before it reads the rest, instead of meeting it deep inside a read (`whole`: see
    open_journal_checked)."""
    good: list[Path] = []
    problems: list[str] = []
    for p in paths:
        try:
            open_journal_checked(p, whole=whole).close()
        except JournalError as exc:
            problems.append(str(exc))
        else:
            good.append(Path(p))
    return good, problems


def met_damage(exc: BaseException) -> bool:
    """`exc` is a read meeting a damaged page of a journal (hmi.core.readonly_db.is_damage), raised
    as SQLite's error or as a JournalError naming the file."""
    return is_damage(exc) or (isinstance(exc, JournalError) and "malformed" in str(exc))


def damaged_files(paths: Iterable[Path]) -> dict[Path, str]:
    """The damaged files among `paths`, each with what SQLite's whole check finds (once per file)."""
    return {Path(p): what for p in paths if (what := damage_of(p))}


def read_leaving_out_damaged(
    paths: Sequence[Path], read: Callable[[list[Path]], T], tell: Callable[[str], None]
) -> T | None:
    """`read(paths)`, for a command whose open checked all but the sample data (open_journal_checked):
    when a read meets a damaged page, SQLite's whole check finds which files are damaged; each is
    told ("journal file X: ...: left out") and `read` runs again on the others. None: none is left."""
    files = [Path(p) for p in paths]
    while files:
        try:
            return read(files)
        except (sqlite3.DatabaseError, JournalError) as exc:
            damaged = damaged_files(files) if met_damage(exc) else {}
            if not damaged:
                raise
            for f, what in damaged.items():
                tell(f"journal file {f}: {what}: left out")
            files = [f for f in files if f not in damaged]
    return None


def _check_schema(reader: JournalReader) -> None:
    try:
        version_text = reader.meta().get("schema_version", str(READS_SCHEMA))
    except sqlite3.Error:
        return
    try:
        version = int(version_text)
    except (TypeError, ValueError):
        version = -1
    if version == READS_SCHEMA:
        return
    newer = version > READS_SCHEMA
    what = (
        f"written by a newer LineHMI (schema {version_text}, this version reads {READS_SCHEMA}):"
        " what that version added is not shown"
        if newer
        else f"has schema version {version_text!r}, this version reads {READS_SCHEMA}: shown as far as it matches"
    )
    msg = f"journal file {reader.path}: {what}"
    reader.warnings.append(msg)
    log.warning("%s", msg)


def read_samples_from_files(
    paths: Sequence[Path], tag_names: Iterable[str] | str | None, t0: float | None, t1: float | None
) -> dict[str, TagSamples]:
    """Merge the samples of several files (e.g. the daily files a time range spans)."""
    parts: dict[str, list[TagSamples]] = {}
    names = (
        [tag_names] if isinstance(tag_names, str) else (list(tag_names) if tag_names is not None else None)
    )
    for p in paths:
        with open_journal_readonly(p) as r:
            for name, ts in r.read_samples(names, t0, t1).items():
                parts.setdefault(name, []).append(ts)
    order = names if names is not None else list(parts)
    return {n: TagSamples.concat(n, parts.get(n, [])) for n in order}


def read_events_from_files(
    paths: Sequence[Path],
    since: float | None,
    until: float | None,
    kinds: Iterable[EventKind | str] | None,
) -> list[StoredEvent]:
    kind_list = list(kinds) if kinds is not None else None
    out: list[StoredEvent] = []
    for p in paths:
        with open_journal_readonly(p) as r:
            out.extend(r.read_events(since, until, kind_list))
    out.sort(key=lambda e: e.ts)
    return out
