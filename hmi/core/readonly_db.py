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

Damage: a file with a valid header and a damaged page answers the first queries and fails on the
first that touches the page, deep inside whatever read it (a trend, the tag list, a report figure).
A command that takes files as evidence (review, report, ask, alarms report, production summary,
export, journal copy: hmi.core.journal_read.open_journal_checked) calls `check_sound` once per file
before it reads. SQLite's `PRAGMA quick_check` (every b-tree page, its cells and the free list; not
the index-to-table cross-check of `integrity_check`) turns the damage into one `DamagedJournal`, a
`sqlite3.DatabaseError`, at the one seam every command already handles ("journal file X: not a
readable SQLite database (damaged: ...)"), so the file is named and left out and the others are read.

Its cost is O(file), and nearly all of a journal is its sample data (`SAMPLE_TABLES`: 99.9 % of a
24 h file of 40 tags; the whole check is ~8x a review's open, bench/journal_check.py). So the check
at open covers the tables a command reads whole (`whole=False`: `quick_check(<table>)` of every
other table: meta, tags, events, commits, ... in milliseconds), and the sample data, which a command
reads by index ranges (a pen's window, the values at the cursor), is checked where it is read: a read
that meets a damaged page raises SQLite's "database disk image is malformed" (`is_damage`), and the
reader (hmi.core.review.source, the Historian's `on_damage`, `linehmi alarms report`) asks
`damage_of` which file it was (the whole check, only then), names it and leaves it out. Commands
that read every row anyway (export, journal copy, production summary) and `ask` (the assistant's
tools log a failed read instead of raising it) check the whole file at open (`whole=True`); the
review window runs the whole check in the background after it shows.

The verdict is kept per file identity (path, inode, size, mtime, side files) and scope for the
process: the later reads of a review reconnect often and are not checked again. The running HMI's
own reads of its own files (trends, the assistant, the production view) are not checked: they are
the files it wrote.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
import threading
import weakref
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from hmi.core.journal_text import TEXT_TABLE
from hmi.core.rollup import ROLLUP_TABLE
from hmi.core.rollup_pack import PACK_TABLE
from hmi.core.sample_store import CHUNK_TABLE, CLOCK_TABLE

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


class DamagedJournal(sqlite3.DatabaseError):
    """The file has a valid SQLite header but SQLite's own check finds damaged pages. A
    `sqlite3.DatabaseError`, so every reader's handler for a corrupt file names it and leaves it out."""


# The sample data: large, read by index ranges, never whole (see the module docstring).
SAMPLE_TABLES = frozenset({"samples", ROLLUP_TABLE, CHUNK_TABLE, CLOCK_TABLE, PACK_TABLE, TEXT_TABLE})

# (file identity, whole) -> "" (checked, sound) or what SQLite's check found wrong
_Identity = tuple[tuple[str, int, int, int, int], ...]
_verdicts: dict[tuple[_Identity, bool], str] = {}
_verdicts_lock = threading.Lock()


def _identity(path: Path) -> _Identity:
    """The file and its side files as they are now (a live writer's WAL growing is another identity)."""
    out = []
    for q in (path, *side_files(path)):
        st = os.stat(q)
        out.append((str(q.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(out)


def damage_found(conn: sqlite3.Connection, *, whole: bool = True) -> str:
    """What `PRAGMA quick_check` finds wrong with the database behind `conn` ("" when nothing): its
    first finding (one is enough to leave the file out; asking for more makes SQLite stop with a bare
    "malformed" instead), or SQLite's error when the check itself cannot read the file. `whole=False`:
    every table but the sample data (`SAMPLE_TABLES`), one `quick_check(<table>)` each."""
    try:
        if whole:
            checks = ["PRAGMA quick_check(1)"]
        else:
            names = conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'").fetchall()
            checks = [
                "PRAGMA quick_check('{}')".format(str(n).replace("'", "''"))
                for (n,) in names
                if n not in SAMPLE_TABLES
            ]
        for sql in checks:
            rows = [str(r[0]) for r in conn.execute(sql).fetchmany(1)]
            if rows != ["ok"]:
                return " ".join(" ".join(rows).replace("*** in database main ***", "").split())
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return ""


def is_damage(exc: BaseException) -> bool:
    """`exc` is SQLite meeting a damaged page or a file that is not SQLite (not a busy file, a missing
    table or an interrupted query): what a read of a damaged journal raises wherever it is."""
    if isinstance(exc, DamagedJournal):
        return True
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    text = str(exc)
    return "malformed" in text or "not a database" in text


def what_is_wrong(exc: sqlite3.Error | OSError) -> str:
    """SQLite's error about a file's content in words for the message naming the file: a damaged
    page reads "damaged: ..." whichever read met it first (the check, or a query before it)."""
    text = str(exc)
    if "malformed" in text and not text.startswith("damaged"):
        return f"damaged: {text}"
    return text


def _verdict(conn: sqlite3.Connection, p: Path, key: _Identity, whole: bool) -> str:
    with _verdicts_lock:
        verdict = _verdicts.get((key, whole))
        if verdict is None and not whole:
            verdict = _verdicts.get((key, True))  # the whole file's verdict answers for its tables
    if verdict is None:
        verdict = damage_found(conn, whole=whole)
        with _verdicts_lock:
            _verdicts[(key, whole)] = verdict
        if verdict:
            log.info("journal file %s: damaged: %s", p, verdict)
    return verdict


def _error_for(verdict: str) -> sqlite3.DatabaseError:
    if verdict == "file is not a database":  # not SQLite at all: the readers' own wording
        return sqlite3.DatabaseError(verdict)
    return DamagedJournal(f"damaged: SQLite's check of the file finds {verdict}")


def check_sound(
    conn: sqlite3.Connection, path: Path | str, key: _Identity | None = None, *, whole: bool = False
) -> None:
    """Raise DamagedJournal (closing `conn`) when SQLite's check finds `path` damaged: the tables read
    whole (`whole=False`, the open of a review, report, answer), or every page (`whole=True`); the
    verdict is kept for the file as it is now (`key`: its identity taken before `conn` was opened)."""
    p = Path(path)
    verdict = _verdict(conn, p, key if key is not None else _identity(p), whole)
    if verdict:
        conn.close()
        raise _error_for(verdict)


def damage_of(path: Path | str) -> str:
    """What is wrong with the file `path` in words ("" when SQLite's whole check finds nothing): for a
    reader whose read of the sample data met a damaged page (`is_damage`), to name the file. The whole
    check runs once per file as it is now, only then."""
    p = Path(path)
    try:
        key = _identity(p)
        conn = connect_readonly(p)
    except (sqlite3.Error, OSError) as exc:
        return f"not readable ({what_is_wrong(exc)})"
    try:
        verdict = _verdict(conn, p, key, True)
    finally:
        conn.close()
    return f"not a readable SQLite database ({what_is_wrong(_error_for(verdict))})" if verdict else ""


def sound_files(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """The files of `paths` whose tables but the sample data SQLite can read (not missing, SQLite, no
    damaged page there), and what is wrong with each other one (file named): for a reader that needs
    only some tables of a journal (the alarm KPIs read the events table alone) and checks those itself."""
    good: list[Path] = []
    problems: list[str] = []
    for p in map(Path, paths):
        if not p.is_file():
            problems.append(f"journal file {p}: not found")
            continue
        try:
            conn = connect_readonly(p)
            check_sound(conn, p)  # closes it when damaged
            conn.close()
        except (sqlite3.Error, OSError) as exc:
            problems.append(f"journal file {p}: not a readable SQLite database ({what_is_wrong(exc)})")
            continue
        good.append(p)
    return good, problems


class _LiveReader(sqlite3.Connection):
    """A reader of a file a writer has open (mode=ro on its side files), registered by file so the
    writer can close the ones still open when it closes the file for good (`close_live_readers`)."""


# resolved path -> the live readers of this process still open on it
_live_readers: dict[str, weakref.WeakSet[_LiveReader]] = {}


def close_live_readers(path: Path | str) -> int:
    """Close this process's read-only connections to the WAL-mode file `path` (its writer is about to
    close it for good): SQLite removes `-wal` and `-shm` only when the last connection to the file
    closes with write access, and a reader's connection (mode=ro) that outlives the writer leaves both
    behind, so the stopped line's file looks like one still being written. The number closed."""
    with _verdicts_lock:
        readers = list(_live_readers.pop(str(Path(path).resolve()), ()))
    for conn in readers:
        try:
            conn.close()
        except sqlite3.Error:  # already closed or busy elsewhere: nothing more to do for it
            pass
    return len(readers)


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
        conn = sqlite3.connect(
            f"{uri}?mode=ro", uri=True, check_same_thread=check_same_thread, factory=_LiveReader
        )
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # maps the existing -shm
            assert isinstance(conn, _LiveReader)
            with _verdicts_lock:
                _live_readers.setdefault(str(p.resolve()), weakref.WeakSet()).add(conn)
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
