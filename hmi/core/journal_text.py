"""The journal's text table and the server's granted intervals (no threads, no Qt).

Both are additive to schema 1 (docs/journal.md): created with IF NOT EXISTS /
ADD COLUMN when a file is opened for writing, so a file written before them
still opens, and every reader here tolerates their absence (an older file, or
one opened read-only for review, simply has no text and no grants).

- `text_samples`: one row per text value (`hmi.core.text_samples`), with the
  same time and status columns as `samples`. The numeric `samples` table is
  left exactly as it is.
- `tags.server_*`: what the OPC UA server granted for each tag at the last
  subscribe (revised sampling interval, queue size, publishing interval), next
  to the configured `sampling_ms`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from hmi.core.runtime_api import ServerGrant
from hmi.core.sqlite_tables import has_table
from hmi.core.text_samples import TextSample

TEXT_TABLE = "text_samples"

TEXT_INSERT_SQL = (
    f"INSERT INTO {TEXT_TABLE} (tag_id, source_ts, server_ts, received_ts, text, status, full_bytes)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)

# name -> SQL type of the columns added to `tags`
GRANT_COLUMNS = {
    "server_sampling_ms": "REAL",
    "server_queue_size": "INTEGER",
    "server_publishing_ms": "REAL",
    "server_granted_at": "REAL",
}

_UTC = "strftime('%Y-%m-%dT%H:%M:%fZ', {col}, 'unixepoch')"
_QUALITY = "CASE ({col} >> 30) & 3 WHEN 0 THEN 'Good' WHEN 1 THEN 'Uncertain' ELSE 'Bad' END"

TEXT_VIEW = f"""
SELECT
  x.id,
  t.name AS tag,
  t.display_name,
  t.machine,
  {_UTC.format(col="x.source_ts")} AS source_time,
  x.text,
  CASE WHEN x.full_bytes IS NOT NULL THEN x.full_bytes END AS truncated_from_bytes,
  t.data_type,
  {_QUALITY.format(col="x.status")} AS quality,
  printf('0x%08X', x.status) AS status_code,
  x.tag_id,
  x.source_ts
FROM {TEXT_TABLE} x
JOIN tags t ON t.id = x.tag_id
"""


def create_text_schema(conn: sqlite3.Connection) -> None:
    """Text table, its index and view, and the grant columns of `tags` (idempotent)."""
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {TEXT_TABLE} ("
        " id INTEGER PRIMARY KEY,"
        " tag_id INTEGER NOT NULL REFERENCES tags(id),"
        " source_ts FLOAT, server_ts FLOAT, received_ts FLOAT,"
        " text TEXT,"
        " status INTEGER NOT NULL,"
        " full_bytes INTEGER)"  # UTF-8 length before truncation; NULL: the text is complete
    )
    conn.execute(f"CREATE INDEX IF NOT EXISTS idx_text_samples_tag_ts ON {TEXT_TABLE} (tag_id, source_ts)")
    conn.execute("DROP VIEW IF EXISTS text_samples_readable")
    conn.execute(f"CREATE VIEW text_samples_readable AS {TEXT_VIEW.strip()}")
    have = {row[1] for row in conn.execute("PRAGMA table_info(tags)")}
    for name, sql_type in GRANT_COLUMNS.items():
        if name not in have:
            conn.execute(f"ALTER TABLE tags ADD COLUMN {name} {sql_type}")


def has_text_table(conn: sqlite3.Connection) -> bool:
    return has_table(conn, TEXT_TABLE)


def insert_text_samples(
    conn: sqlite3.Connection, tag_ids: Sequence[int], samples: Sequence[TextSample]
) -> int:
    """Insert (inside the caller's transaction); samples whose tag index has no id are skipped."""
    rows = [
        (
            int(tag_ids[s.tag_idx]),
            s.source_ts,
            s.server_ts,
            s.received_ts,
            s.text,
            int(s.status),
            s.full_bytes,
        )
        for s in samples
        if 0 <= s.tag_idx < len(tag_ids)
    ]
    conn.executemany(TEXT_INSERT_SQL, rows)  # NaN binds as NULL, as in `samples`
    return len(rows)


def apply_grants(conn: sqlite3.Connection, grants: Mapping[str, ServerGrant], at: float) -> None:
    """Write the server's grants into `tags` (inside the caller's transaction). Tags not in
    `grants` are cleared: a value from an older subscribe must not pass for the current one."""
    conn.execute(
        "UPDATE tags SET server_sampling_ms = NULL, server_queue_size = NULL, server_publishing_ms = NULL,"
        " server_granted_at = NULL"
    )
    conn.executemany(
        "UPDATE tags SET server_sampling_ms = ?, server_queue_size = ?, server_publishing_ms = ?,"
        " server_granted_at = ? WHERE name = ?",
        [(g.sampling_ms, g.queue_size, g.publishing_ms, at, name) for name, g in grants.items()],
    )


@dataclass(frozen=True, slots=True)
class TagGrantRow:
    """One row of `linehmi check-config --journal`: configured vs granted."""

    name: str
    sampling_ms: float | None
    server_sampling_ms: float | None
    server_queue_size: int | None
    server_publishing_ms: float | None
    server_granted_at: float | None

    def slower(self, tolerance: float = 1.05) -> bool:
        return (
            self.sampling_ms is not None
            and self.server_sampling_ms is not None
            and self.server_sampling_ms > self.sampling_ms * tolerance
        )


def read_grants(conn: sqlite3.Connection) -> list[TagGrantRow]:
    """Configured and granted intervals of the tags in the config; [] for a file without grants."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(tags)")}
    if not set(GRANT_COLUMNS) <= have:
        return []
    return [
        TagGrantRow(*row)
        for row in conn.execute(
            "SELECT name, sampling_ms, server_sampling_ms, server_queue_size, server_publishing_ms,"
            " server_granted_at FROM tags WHERE in_config = 1 ORDER BY id"
        )
    ]


@dataclass(frozen=True, slots=True)
class TextRow:
    ts: float
    text: str | None
    status: int
    full_bytes: int | None
    received_ts: float | None = None


def read_text_rows(
    conn: sqlite3.Connection, tag_id: int, t0: float, t1: float, limit: int | None = None
) -> list[TextRow]:
    """Text samples of one tag in [t0, t1) by source time; [] for a file without the table."""
    if not has_text_table(conn):
        return []
    sql = (
        f"SELECT source_ts, text, status, full_bytes, received_ts FROM {TEXT_TABLE}"
        " WHERE tag_id = ? AND source_ts >= ? AND source_ts < ? ORDER BY source_ts, id"
    )
    params: tuple[float | int, ...] = (tag_id, t0, t1)
    if limit is not None:
        sql += " LIMIT ?"
        params = (*params, int(limit))
    return [TextRow(float(r[0]), r[1], int(r[2]), r[3], r[4]) for r in conn.execute(sql, params)]


def text_at(conn: sqlite3.Connection, tag_id: int, t: float) -> TextRow | None:
    """The last text sample of a tag at or before t in this file."""
    if not has_text_table(conn):
        return None
    r = conn.execute(
        f"SELECT source_ts, text, status, full_bytes, received_ts FROM {TEXT_TABLE}"
        " WHERE tag_id = ? AND source_ts <= ? ORDER BY source_ts DESC, id DESC LIMIT 1",
        (tag_id, t),
    ).fetchone()
    return None if r is None else TextRow(float(r[0]), r[1], int(r[2]), r[3], r[4])


class LastTexts:
    """The last journaled text per tag id, so a value delivered twice (the read after a
    reconnect and the subscription's first notification, a restart) is journaled once."""

    def __init__(self) -> None:
        self._last: dict[int, tuple[float, str | None, int]] = {}

    def seed(self, conn: sqlite3.Connection) -> None:
        self._last.clear()
        if not has_text_table(conn):
            return
        for tid, ts, text, status in conn.execute(
            f"SELECT tag_id, source_ts, text, status FROM {TEXT_TABLE}"
            f" WHERE id IN (SELECT max(id) FROM {TEXT_TABLE} GROUP BY tag_id)"
        ):
            self._last[int(tid)] = (ts, text, int(status))

    def fresh(self, tag_ids: Sequence[int], samples: Iterable[TextSample]) -> list[TextSample]:
        """The samples not already journaled; remembers them as journaled (call inside the commit)."""
        out = []
        for s in samples:
            if not 0 <= s.tag_idx < len(tag_ids):
                continue
            tid = int(tag_ids[s.tag_idx])
            key = (s.source_ts, s.text, int(s.status))
            if self._last.get(tid) == key:
                continue
            self._last[tid] = key
            out.append(s)
        return out
