"""A stop reason from the review into the journal, through the Production view's audited path.

The review reads its files as evidence and writes nothing (hmi.core.readonly_db). The one exception is
a reviewer's explicit "write to the journal" of a stop reason: allowed to a user of the line's users
file whose role may classify stops (the live rule, hmi.core.users: supervisor and up), it appends one
audit row through `audited_stop_edit`, the function the Production view's classification runs, so
the Production figures, `linehmi production` and the report read it as any other classification.

A writer connection is opened for that action only, and never while another program writes the file:
`writer_activity` refuses when the file has a `-wal`/`-shm` beside it (a LineHMI writing it, or one that
crashed with it open), when its last journal marker is "journal opened" with no "journal closed" after
it, or when SQLite's write lock is held. The audit row carries the real time it was written (an
audit's time is never back-dated); the review's record span ignores audit rows for that reason
(hmi.core.review.source).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hmi.core.audit import Auditor, Origin
from hmi.core.events import EventKind, JournalEvent
from hmi.core.journal import event_row
from hmi.core.journal_read import JournalError, StoredEvent, open_journal_readonly
from hmi.core.journal_schema import EVENT_INSERT_SQL
from hmi.core.production.journal_io import analyse_journal, setup_or_error
from hmi.core.production.stops import CLASSIFY, NOTE, Stop
from hmi.core.production.tracker import audited_stop_edit
from hmi.core.readonly_db import side_files
from hmi.core.review.source import ReviewSource
from hmi.core.review.stop_choices import StopChoice
from hmi.core.users import REQUIRED_ROLE, USERS_FILE, Action, PermissionDenied, User, UserStore, allowed

REVIEW_STATION = "review"  # the audit row's station: made in a review, not on the line


class JournalBusy(Exception):
    """The file cannot take a write now; str() says why and what to do instead."""


def writer_activity(path: Path) -> str | None:
    """Why `path` may be open in a writer now (a message naming the file), or None when it is closed."""
    left = side_files(path)
    if left:
        return (
            f"{path.name} is being written by a running LineHMI (or one that stopped without closing it: "
            f"{', '.join(p.name for p in left)} beside it). Classify the stop in that LineHMI's Production "
            "view, or save the reason to the review notes."
        )
    with open_journal_readonly(path) as r:
        row = r.conn.execute(
            "SELECT message FROM events WHERE kind = ? AND message IN ('journal opened', 'journal closed')"
            " ORDER BY ts DESC, id DESC LIMIT 1",
            (EventKind.SYSTEM.value,),
        ).fetchone()
    if row is not None and row[0] == "journal opened":
        return (
            f"{path.name} was not closed by the LineHMI that wrote it (its last marker is 'journal opened'): "
            "it may still be running on another PC with this file. Classify the stop there, or save the "
            "reason to the review notes."
        )
    return None


class JournalAppender:
    """A writer connection to one closed journal file, for one audited action (an EventSink)."""

    def __init__(self, path: Path) -> None:
        why = writer_activity(path)
        if why is not None:
            raise JournalBusy(why)
        self.path = path
        self._conn = sqlite3.connect(str(path), timeout=0.0, isolation_level=None)
        self.written: list[tuple[int, float]] = []  # (row id, ts) of each event committed through it

    def write_event(self, ev: JournalEvent) -> int:
        try:
            self._conn.execute("BEGIN IMMEDIATE")  # the write lock now, or refuse: never wait on a writer
        except sqlite3.OperationalError as exc:
            raise JournalBusy(
                f"{self.path.name} is locked by another program ({exc}); try again later"
            ) from None
        try:
            cur = self._conn.execute(EVENT_INSERT_SQL, (*event_row(ev), time.time()))
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self.written.append((int(cur.lastrowid or 0), ev.ts))
        return int(cur.lastrowid or 0)

    def read_back(self) -> list[StoredEvent]:
        """The events written through this appender, as a reader of the file reads them now (after
        close: the review's open timeline takes them, `Timeline.add_events`)."""
        if not self.written:
            return []
        ids = {i for i, _ts in self.written}
        with open_journal_readonly(self.path) as r:
            rows = r.read_events(min(ts for _i, ts in self.written), None, [EventKind.AUDIT])
        return [e for e in rows if e.id in ids]

    def close(self) -> None:
        self._conn.close()  # the last connection: SQLite checkpoints and removes its -wal/-shm

    def __enter__(self) -> JournalAppender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def file_stops(path: Path) -> list[Stop]:
    """The production model's stops over the whole file, with the classifications made so far."""
    span = ReviewSource.open([path]).files[0]  # the file's first and last record
    return analyse_journal([path], span.t0, span.t1 + 1e-3).stops


def write_classification(
    path: Path,
    user: User,
    machine: str,
    t: float,
    reason: str,
    *,
    note: str = "",
    clock: Callable[[], float] = time.time,
) -> tuple[Stop, list[StoredEvent]]:
    """Classify the stop of `machine` at instant t with `reason` (a code of the file's reason tree) in
    the journal file `path`, as `user`; a `note` goes on the stop the same way (the Production view's
    "Note on stop"). Returns the stop and the audit rows written, read back from the file. Raises
    PermissionDenied (nothing written: the review checks the role before it opens a writer),
    JournalBusy, JournalError (no production model in the file) or ValueError (no stop there, a
    reason not in the tree), each with a message for the reviewer."""
    if not allowed(user, Action.CLASSIFY_STOP):
        raise PermissionDenied(user, Action.CLASSIFY_STOP, REQUIRED_ROLE[Action.CLASSIFY_STOP])
    # A file a LineHMI writes is refused for that reason, before any stop is looked for: its stops
    # were still changing, and "no stop at that instant" hid the reason the README gives (qa9 Q9-24).
    why = writer_activity(path)
    if why is not None:
        raise JournalBusy(why)
    with open_journal_readonly(path) as r:
        setup = setup_or_error([r], str(path))
    stops = file_stops(path)
    stop = next((s for s in stops if s.machine == machine and s.start <= t < s.end), None)
    if stop is None:
        raise ValueError(f"the production model of {path.name} has no stop of {machine!r} at that instant")
    with JournalAppender(path) as journal:
        now = clock()
        audited_stop_edit(
            Auditor(journal, clock),
            setup,
            stops,
            user,
            CLASSIFY,
            machine,
            stop.start,
            made_at=now,
            origin=Origin(REVIEW_STATION, now),
            reason=reason,
        )
        if note.strip():
            audited_stop_edit(Auditor(journal, clock), setup, stops, user, NOTE, machine, stop.start,
                              made_at=now, origin=Origin(REVIEW_STATION, now), note=note.strip())  # fmt: skip
    return stop, journal.read_back()


@dataclass(frozen=True)
class ReviewJournal:
    """What the review's "write to the journal" needs: the reviewed files and the line's users file
    (the one next to the journals, as the live app reads it, or the one given with --users)."""

    files: tuple[tuple[Path, float, float], ...]  # (journal file, first record, last record)
    users: UserStore

    @classmethod
    def for_files(
        cls, files: list[tuple[Path, float, float]], users_file: Path | None
    ) -> ReviewJournal | None:
        """None when there is no users file (nobody can log in: reasons go to the review notes)."""
        path = users_file if users_file is not None else (files[0][0].parent / USERS_FILE if files else None)
        if path is None or not path.is_file():
            return None
        return cls(tuple(files), UserStore(path))

    def file_at(self, t: float) -> Path | None:
        """The file that recorded instant t (the last one starting before it where days overlap)."""
        holding = [p for p, a, b in self.files if a <= t <= b]
        return holding[-1] if holding else None

    def classify(
        self, user: User, stop: StopChoice, reason: str, note: str = ""
    ) -> tuple[Path, Stop, list[StoredEvent]]:
        """The file written, the stop classified and the audit rows written (read back from it).

        The stop is the one "Stop reason…" offered (`stops_at`), found by its machine and start: the
        identity the audit row carries. The cursor's instant is not used: a stop offered before the
        recording began (`stops_at`'s continued stop) is not going on at the cursor (qa9 Q9-24)."""
        path = self.file_at(stop.start)
        if path is None:
            raise ValueError(f"no journal file of this review holds the stop's start {stop.start!r}")
        return path, *write_classification(path, user, stop.machine, stop.start, reason, note=note)


__all__ = [
    "JournalAppender",
    "JournalBusy",
    "JournalError",
    "file_stops",
    "write_classification",
    "writer_activity",
]
