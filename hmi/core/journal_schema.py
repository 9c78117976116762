"""Schema and file layout of the SQLite journal (no threads here, no Qt).

The file is meant to be opened without LineHMI: `sqlite-utils`, Datasette or
the `sqlite3` shell. Hence plain (non-STRICT) tables that any SQLite >= 3.24
reads, a `tags` table with the configured limits as columns, and views that
show tag names, ISO-8601 times and quality as words.

Everything here is idempotent: creating the schema on an existing file of the
same version is a no-op apart from the views, which are recreated.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
import sqlite3
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from hmi.core import quality
from hmi.core.config import LineConfig, TagConfig
from hmi.core.journal_text import create_text_schema
from hmi.core.rollup import create_rollup_schema

if TYPE_CHECKING:
    import numpy as np

    from hmi.core.samples import SampleBatch

SCHEMA_VERSION = 1

SAMPLE_INSERT_SQL = (
    "INSERT INTO samples (tag_id, source_ts, server_ts, received_ts, value, status) VALUES (?, ?, ?, ?, ?, ?)"
)


def sample_rows(tag_ids: np.ndarray, batch: SampleBatch) -> Iterator[tuple[Any, ...]]:
    """`batch` as SAMPLE_INSERT_SQL's parameter rows, `tag_ids` the journal's tag id of each row.
    tolist() + zip is the fastest way from numpy columns to sqlite3 (bench/journal_write.py); NaN
    binds as NULL."""
    return zip(
        tag_ids.tolist(),
        batch.source_ts.tolist(),
        batch.server_ts.tolist(),
        batch.received_ts.tolist(),
        batch.value.tolist(),
        batch.status.tolist(),
        strict=True,
    )


EVENT_INSERT_SQL = (
    "INSERT INTO events (ts, kind, source, user, severity, message, data, committed_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)

COMMIT_INSERT_SQL = (
    "INSERT INTO commits (committed_at, n_samples, n_batches, first_sample_id, last_sample_id,"
    " first_source_ts, last_source_ts, first_received_ts, last_received_ts)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

# ISO-8601 with milliseconds: tags are sampled at 100 ms, seconds would hide the order.
_UTC = "strftime('%Y-%m-%dT%H:%M:%fZ', {col}, 'unixepoch')"
_LOCAL = "strftime('%Y-%m-%d %H:%M:%f', {col}, 'unixepoch', 'localtime')"
_QUALITY = "CASE ({col} >> 30) & 3 WHEN 0 THEN 'Good' WHEN 1 THEN 'Uncertain' ELSE 'Bad' END"

VIEWS: dict[str, str] = {
    # One row per sample with everything a reviewer needs; filter on `tag` (uses the tag index).
    "samples_readable": f"""
SELECT
  s.id,
  t.name AS tag,
  t.display_name,
  t.machine,
  {_UTC.format(col="s.source_ts")} AS source_time,
  {_LOCAL.format(col="s.source_ts")} AS source_local,
  s.value,
  t.unit,
  CASE WHEN t.data_type = 'enum' AND s.value IS NOT NULL
       THEN json_extract(t.states, '$."' || CAST(CAST(s.value AS INTEGER) AS TEXT) || '"') END AS state,
  {_QUALITY.format(col="s.status")} AS quality,
  coalesce(c.name, printf('0x%08X', s.status & 0xFFFF0000)) AS status_name,
  printf('0x%08X', s.status) AS status_code,
  {_UTC.format(col="s.server_ts")} AS server_time,
  {_UTC.format(col="s.received_ts")} AS received_time,
  round((s.received_ts - s.source_ts) * 1000.0, 1) AS latency_ms,
  s.tag_id,
  s.source_ts
FROM samples s
JOIN tags t ON t.id = s.tag_id
LEFT JOIN status_codes c ON c.code = (s.status & 0xFFFF0000)
""",
    "events_readable": f"""
SELECT
  e.id,
  {_UTC.format(col="e.ts")} AS time,
  {_LOCAL.format(col="e.ts")} AS local_time,
  e.kind,
  CASE e.severity WHEN 0 THEN 'info' WHEN 1 THEN 'warning' WHEN 2 THEN 'error'
       ELSE CAST(e.severity AS TEXT) END AS severity,
  e.source,
  e.user,
  e.message,
  e.data,
  round((e.committed_at - e.ts) * 1000.0, 1) AS commit_delay_ms
FROM events e
""",
    "commits_readable": f"""
SELECT
  id,
  {_UTC.format(col="committed_at")} AS committed_time,
  n_samples,
  n_batches,
  first_sample_id,
  last_sample_id,
  {_UTC.format(col="first_source_ts")} AS first_source_time,
  {_UTC.format(col="last_source_ts")} AS last_source_time
FROM commits
""",
}


def app_version() -> str:
    try:
        return metadata.version("linehmi")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


# --- file layout ------------------------------------------------------------------------------


def local_date(ts: float) -> _dt.date:
    """The local calendar date of a POSIX time (DST-safe: compares dates, never adds 24 h)."""
    return _dt.datetime.fromtimestamp(ts).date()


def journal_filename(line_id: str, rotation: str, day: _dt.date | None) -> str:
    if rotation == "none" or day is None:
        return f"{line_id}.db"
    return f"{line_id}_{day.isoformat()}.db"


def journal_path_for(directory: Path, line_id: str, rotation: str, ts: float) -> Path:
    """The file that records committed at time `ts` go into."""
    day = local_date(ts) if rotation == "daily" else None
    return directory / journal_filename(line_id, rotation, day)


def journal_files(directory: Path | str, line_id: str) -> list[tuple[_dt.date | None, Path]]:
    """Journal files of one line in a directory, oldest first (an undated `<line>.db` sorts first)."""
    directory = Path(directory)
    pat = re.compile(re.escape(line_id) + r"(?:_(\d{4}-\d{2}-\d{2}))?\.db")
    found: list[tuple[_dt.date | None, Path]] = []
    if not directory.is_dir():
        return found
    for p in directory.iterdir():
        m = pat.fullmatch(p.name)
        if not m:
            continue
        day = _dt.date.fromisoformat(m.group(1)) if m.group(1) else None
        found.append((day, p))
    found.sort(key=lambda dp: (dp[0] is not None, dp[0] or _dt.date.min))
    return found


def files_for_range(directory: Path | str, line_id: str, t0: float | None, t1: float | None) -> list[Path]:
    """Files that may hold records with timestamps in [t0, t1), oldest first.

    A day's file holds what was *committed* that local day. A sample taken just
    before midnight lands in the next day's file, and a PLC clock off by some
    hours moves samples across days: take one extra day on each side. Records
    whose timestamps are off by more than a day are only found by opening
    their file directly.
    """
    one = _dt.timedelta(days=1)
    lo = local_date(t0) - one if t0 is not None else None
    hi = local_date(t1) + one if t1 is not None else None
    out = []
    for day, p in journal_files(directory, line_id):
        if day is None or ((lo is None or day >= lo) and (hi is None or day <= hi)):
            out.append(p)
    return out


# --- schema -----------------------------------------------------------------------------------


def create_schema(conn: sqlite3.Connection) -> None:
    """Create tables, indexes and views if missing (idempotent)."""
    db = sqlite_utils.Database(conn)
    db.create_table("meta", {"key": str, "value": str}, pk="key", if_not_exists=True)
    db.create_table(
        "tags",
        {
            "id": int,
            "name": str,
            "display_name": str,
            "description": str,
            "unit": str,
            "machine": str,
            "node_id": str,
            "data_type": str,
            "range_lo": float,
            "range_hi": float,
            "normal_lo": float,
            "normal_hi": float,
            "alarm_lolo": float,
            "alarm_lo": float,
            "alarm_hi": float,
            "alarm_hihi": float,
            "deadband": float,
            "sampling_ms": float,
            "writable": int,
            "states": str,  # JSON object value -> label, for enum tags
            "in_config": int,  # 0 once a later config no longer lists the tag
            "added_at": float,
        },
        pk="id",
        not_null={"name"},
        if_not_exists=True,
    )
    db.table("tags").create_index(["name"], index_name="idx_tags_name", unique=True, if_not_exists=True)
    db.create_table(
        "samples",
        {
            "id": int,
            "tag_id": int,
            "source_ts": float,
            "server_ts": float,
            "received_ts": float,
            "value": float,
            "status": int,
        },
        pk="id",
        not_null={"tag_id", "status"},
        foreign_keys=[("tag_id", "tags", "id")],
        if_not_exists=True,
    )
    # Range reads per tag by time (trends, historian); costs about half the raw insert rate
    # (see docs/journal.md) and still leaves room above the 100k samples/s target.
    samples = db.table("samples")
    samples.create_index(["tag_id", "source_ts"], index_name="idx_samples_tag_ts", if_not_exists=True)
    # Min/max/first/last buckets per tag at 10/30/120/600 s, written in each samples
    # transaction: an 8 h trend reads ~1,000 rows per pen instead of 28,800 (docs/trends.md).
    create_rollup_schema(conn)
    db.create_table(
        "events",
        {
            "id": int,
            "ts": float,
            "kind": str,
            "source": str,
            "user": str,
            "severity": int,
            "message": str,
            "data": str,  # JSON
            "committed_at": float,
        },
        pk="id",
        not_null={"ts", "kind"},
        if_not_exists=True,
    )
    db.table("events").create_index(["ts"], index_name="idx_events_ts", if_not_exists=True)
    db.create_table(
        "commits",
        {
            "id": int,
            "committed_at": float,
            "n_samples": int,
            "n_batches": int,
            "first_sample_id": int,
            "last_sample_id": int,
            "first_source_ts": float,
            "last_source_ts": float,
            "first_received_ts": float,
            "last_received_ts": float,
        },
        pk="id",
        if_not_exists=True,
    )
    db.create_table("status_codes", {"code": int, "name": str}, pk="code", if_not_exists=True)
    conn.executemany("INSERT OR IGNORE INTO status_codes (code, name) VALUES (?, ?)", _status_code_names())
    for name, sql in VIEWS.items():
        db.create_view(name, sql.strip(), replace=True)
    # Additive to schema 1: text values and the server's granted intervals (hmi.core.journal_text).
    create_text_schema(conn)


def _status_code_names() -> list[tuple[int, str]]:
    names = dict(quality._NAMES)
    try:  # the full OPC UA table when asyncua is installed (it is a runtime dependency)
        from asyncua.ua.status_codes import code_to_name_doc

        for code, (name, _doc) in code_to_name_doc.items():
            names.setdefault(int(code), str(name))
    except Exception:
        pass
    return sorted(names.items())


def read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    try:
        return {k: v for k, v in conn.execute("SELECT key, value FROM meta")}
    except sqlite3.OperationalError:  # no meta table: a new (empty) file
        return {}


def write_meta(conn: sqlite3.Connection, config: LineConfig, file_day: _dt.date | None, now: float) -> None:
    """Fill the meta table of a new file; on an existing file only `last_app_version` changes."""
    local = _dt.datetime.fromtimestamp(now).astimezone()
    values = {
        "schema_version": str(SCHEMA_VERSION),
        "line_id": config.line.id,
        "line_name": config.line.name,
        "app": "linehmi",
        "app_version": app_version(),
        "created": local.isoformat(timespec="seconds"),
        "created_ts": repr(now),
        "rotation": config.journal.rotation,
        "file_date": file_day.isoformat() if file_day else "",
        "timezone": local.tzname() or "",
        "utc_offset": local.strftime("%z"),
        "commit_interval_ms": repr(float(config.journal.commit_interval_ms)),
        "sqlite_version": sqlite3.sqlite_version,
        "timestamps": "POSIX seconds (UTC) as REAL; views show ISO-8601",
    }
    conn.executemany("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", list(values.items()))
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_app_version', ?)", (app_version(),))
    # The whole line config (machines, alarm definitions, shifts...) as JSON, so that the file alone can
    # be reviewed on a PC with no config: the one the station ran with last.
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('line_config', ?)", (config.model_dump_json(),)
    )


# --- tags ---------------------------------------------------------------------------------------


def _limit(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


def tag_row(tag: TagConfig) -> dict[str, Any]:
    rng = tag.range or (None, None)
    normal = tag.normal or (None, None)
    return {
        "name": tag.name,
        "display_name": tag.label,
        "description": tag.description,
        "unit": tag.unit,
        "machine": tag.machine,
        "node_id": tag.node_id,
        "data_type": tag.data_type,
        "range_lo": _limit(rng[0]),
        "range_hi": _limit(rng[1]),
        "normal_lo": _limit(normal[0]),
        "normal_hi": _limit(normal[1]),
        "alarm_lolo": _limit(tag.alarms.lolo),
        "alarm_lo": _limit(tag.alarms.lo),
        "alarm_hi": _limit(tag.alarms.hi),
        "alarm_hihi": _limit(tag.alarms.hihi),
        "deadband": float(tag.deadband),
        "sampling_ms": float(tag.sampling_ms),
        "writable": int(tag.writable),
        "states": json.dumps(tag.states, ensure_ascii=False) if tag.states else None,
        "in_config": 1,
    }


def register_tags(
    conn: sqlite3.Connection, tags: Iterable[TagConfig], now: float
) -> tuple[list[int], list[str]]:
    """Upsert the configured tags by name; returns (db id per config index, names newly added).

    Ids are stable by name within a file: a tag keeps its id when the config
    changes; new tags get new ids; tags gone from the config stay (in_config=0)
    because samples still refer to them.
    """
    tags = list(tags)
    existing = {name: tid for tid, name in conn.execute("SELECT id, name FROM tags")}
    cols = list(tag_row(tags[0]).keys()) if tags else []
    updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c != "name")
    sql = (
        f"INSERT INTO tags ({', '.join(cols)}, added_at) VALUES ({', '.join('?' * (len(cols) + 1))})"
        f" ON CONFLICT(name) DO UPDATE SET {updates}"
    )
    added = []
    for tag in tags:
        row = tag_row(tag)
        conn.execute(sql, [*row.values(), now])
        if tag.name not in existing:
            added.append(tag.name)
    names = [t.name for t in tags]
    conn.execute(f"UPDATE tags SET in_config = 0 WHERE name NOT IN ({', '.join('?' * len(names))})", names)
    ids = {name: tid for tid, name in conn.execute("SELECT id, name FROM tags")}
    return [ids[n] for n in names], added
