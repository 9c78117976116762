"""Which tables a journal file has (no Qt): files of older versions lack some, compacted files have more."""

from __future__ import annotations

import sqlite3


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    """Whether the database on `conn` has a table called `name`."""
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    return row is not None
