"""What a station keeps of the line's shared state on its own disk: the actions made while the plant
database was unreachable (merged when it is back, oldest first) and how far in the line's database
order it has applied the other stations' actions (so a restart re-reads only what it missed).

A small SQLite file beside the journal files (its name does not match the journal's pattern, so the
forwarder and the review never take it for a journal).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from hmi.core.line_state import LineAction


class LineOutbox:
    def __init__(self, path: Path | None) -> None:
        """`path` None: kept in memory only (a runtime without a journal directory)."""
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path) if path is not None else ":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        # WAL: a commit is one append (the position is written after every pull), still durable.
        self._db.execute("PRAGMA journal_mode=WAL")
        with self._lock, self._db:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS pending (action_id TEXT PRIMARY KEY, made_at REAL NOT NULL,"
                " kind TEXT NOT NULL, station TEXT NOT NULL, user TEXT NOT NULL, role INTEGER NOT NULL,"
                " payload TEXT NOT NULL)"
            )
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS position (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER)"
            )

    def add(self, a: LineAction) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR IGNORE INTO pending VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    a.action_id,
                    a.made_at,
                    a.kind.value,
                    a.station,
                    a.user,
                    int(a.role),
                    json.dumps(a.payload()),
                ),
            )

    def pending(self) -> list[LineAction]:
        """The actions made offline, in the time order they were made."""
        with self._lock:
            rows = self._db.execute(
                "SELECT action_id, made_at, kind, station, user, role, payload FROM pending ORDER BY made_at, rowid"
            ).fetchall()
        return [
            LineAction.from_payload(
                kind,
                json.loads(payload),
                action_id=aid,
                station=st,
                made_at=made,
                user=user,
                role=role,
                offline=True,
            )
            for aid, made, kind, st, user, role, payload in rows
        ]

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM pending").fetchone()[0])

    def remove(self, action_ids: list[str]) -> None:
        with self._lock, self._db:
            self._db.executemany("DELETE FROM pending WHERE action_id = ?", [(i,) for i in action_ids])

    @property
    def last_seq(self) -> int | None:
        """The last database order applied (None: this station never read the line's state)."""
        with self._lock:
            row = self._db.execute("SELECT seq FROM position WHERE id = 1").fetchone()
        return None if row is None else int(row[0])

    def set_last_seq(self, seq: int) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO position (id, seq) VALUES (1, ?)", (seq,))

    def close(self) -> None:
        with self._lock:
            self._db.close()
