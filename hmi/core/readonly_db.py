"""Opening a journal file as evidence: read-only, and nothing new beside it.

SQLite's `mode=ro` alone keeps the database's bytes unchanged, but a reader of a WAL-mode file needs
the wal-index (`<file>-shm`) and creates it, and an empty `<file>-wal`, when they are not there, and
leaves them behind (a read-only connection cannot checkpoint and delete them). A review of a
colleague's USB stick, an archive or a corrupt file must not leave files in the evidence folder. So:

- no side file (`-wal`, `-shm`, `-journal`) beside the file: nothing is writing it (a writer that
  closed cleanly checkpointed and removed them). Opened with `immutable=1`: SQLite takes no locks,
  keeps the wal-index in memory and creates no file, whatever the file holds (corrupt ones included).
- `-wal` and `-shm` both there: a LineHMI (or another SQLite writer) may have the file open now.
  Opened with `mode=ro` on the original: SQLite requires every reader of a live WAL file to take part
  in the writer's locking through the existing `-shm` (it maps it and sets its read mark there); that
  is the only way to read the writer's latest commits consistently (`immutable=1` would ignore the
  WAL and could read pages the writer is changing). The side files were there before and are still
  there after; nothing new is created. The database file's bytes are not written.
- any other side file left (a `-wal` without its `-shm`, a rollback `-journal`: a writer that crashed):
  the file and its side files are copied to a private temporary folder and read there (SQLite
  replays or rolls back the copy, never the evidence); the folder goes when the connection is closed.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import tempfile
import weakref
from pathlib import Path
from urllib.parse import quote

log = logging.getLogger(__name__)

SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def side_files(path: Path | str) -> list[Path]:
    """The SQLite side files that exist beside `path` now."""
    p = Path(path)
    return [q for q in (p.with_name(p.name + s) for s in SIDE_SUFFIXES) if q.exists()]


def may_have_live_writer(path: Path | str) -> bool:
    """`-wal` and `-shm` beside the file: a writer may have it open (or crashed with it open)."""
    names = {q.name[len(Path(path).name) :] for q in side_files(path)}
    return {"-wal", "-shm"} <= names


class _CopyConnection(sqlite3.Connection):
    """A connection to a private copy of the evidence; the copy's folder goes with the connection."""

    _cleanup: weakref.finalize

    def close(self) -> None:
        super().close()
        self._cleanup()


def connect_readonly(path: Path | str, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """A read-only connection to the journal file `path` that creates no file beside it (see the module
    docstring for the three cases). Errors about the content (not a database, corrupt) come from the
    first query, as with any SQLite connection; the caller names the file."""
    p = Path(path)
    uri = "file:" + quote(str(p.resolve()), safe="/")
    present = side_files(p)
    if not present:
        return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, check_same_thread=check_same_thread)
    if may_have_live_writer(p):
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=check_same_thread)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # maps the existing -shm
            return conn
        except sqlite3.DatabaseError as exc:
            conn.close()
            if "not a database" in str(exc) or "malformed" in str(exc):
                raise
            # read-only media: the existing -shm cannot be mapped for locking; read a copy instead
            log.info("journal file %s: cannot read it in place (%s): reading a private copy", p, exc)
    return _connect_copy(p, check_same_thread)


def _connect_copy(path: Path, check_same_thread: bool) -> sqlite3.Connection:
    folder = Path(tempfile.mkdtemp(prefix="linehmi-evidence-"))
    try:
        shutil.copy2(path, folder / path.name)
        for side in side_files(path):
            if not side.name.endswith("-shm"):  # the wal-index is rebuilt from the copied WAL
                shutil.copy2(side, folder / side.name)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    log.info(
        "journal file %s: a writer left %s; read from a private copy",
        path,
        [s.name for s in side_files(path)],
    )
    conn = sqlite3.connect(
        str(folder / path.name), check_same_thread=check_same_thread, factory=_CopyConnection
    )
    assert isinstance(conn, _CopyConnection)
    conn._cleanup = weakref.finalize(conn, shutil.rmtree, str(folder), True)
    conn.execute("PRAGMA query_only = 1")  # a copy, but still read as evidence
    return conn
