"""What a review opens from files (a `ReviewRecord`, hmi.core.review.record): one or more journal files
(or a journal directory), read-only, with no PLC and
no config: the line, its tags and its config come from the files themselves.

`ReviewSource.open(paths)` never writes to the evidence (every file through `open_journal_readonly`:
read-only and nothing created beside it, hmi.core.readonly_db) and never stops at the first bad file: a corrupt,
foreign or unreadable file is left out with a message naming it and why; only when nothing usable is
left is it an error. Files of another line than the first usable one are left out the same way.

A damaged page (hmi.core.readonly_db): the open checks every table but the sample data. A read of the
source that meets damage later (a report's figures, the stop list) finds the file by SQLite's whole
check, leaves it out, names it in `problems` and reads again without it; the trend and the values at
the cursor (the Historian) skip the damaged file for that read and name it the same way. Listeners
(`on_problem`: the review window's banner) hear of each problem found after the open.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from hmi.core.alarms import kpi
from hmi.core.alarms.kpi import KpiReport
from hmi.core.config import LineConfig
from hmi.core.events import EventKind
from hmi.core.historian import Historian
from hmi.core.journal_read import (
    JournalError,
    StoredEvent,
    TagSamples,
    damaged_files,
    journal_paths,
    met_damage,
    open_journal_checked,
    open_journal_readonly,
    read_samples_from_files,
)
from hmi.core.journal_schema import SCHEMA_VERSION
from hmi.core.production.journal_io import analyse_journal, last_record_ts, reader_gaps
from hmi.core.production.oee import ProductionAnalysis
from hmi.core.readonly_db import damage_of, is_damage
from hmi.core.review.notes import JournalSpan, ReviewNotes
from hmi.core.review.record import machines_of
from hmi.core.sample_store import recorded_span

DAY_S = 86_400.0
T = TypeVar("T")


class ReviewError(Exception):
    """Nothing reviewable among the paths given; str() says what was tried and why each failed."""


@dataclass(frozen=True)
class ReviewFile:
    path: Path
    line_id: str
    line_name: str
    schema_version: int
    t0: float  # first record (event or sample) in the file
    t1: float  # last record


@dataclass
class ReviewSource:
    files: list[ReviewFile]
    config: LineConfig | None  # the line config the station ran with (files from before it was stored: None)
    problems: list[str] = field(default_factory=list)  # files left out, gaps, old versions: shown to the user
    opened: list[ReviewFile] = field(default_factory=list)  # the files as opened (before any damage found)
    _listeners: list[Callable[[str], None]] = field(default_factory=list, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.opened = self.opened or list(self.files)

    @property
    def line_id(self) -> str:
        return self.opened[0].line_id

    @property
    def line_name(self) -> str:
        return self.opened[0].line_name

    @property
    def paths(self) -> list[Path]:
        return [f.path for f in self.files]

    @property
    def t0(self) -> float:  # the record's span as opened: a file left out later leaves a gap in it
        return min(f.t0 for f in self.opened)

    @property
    def t1(self) -> float:
        return max(f.t1 for f in self.opened)

    # --- damage found after the open -----------------------------------------------------------------
    def on_problem(self, listener: Callable[[str], None]) -> None:
        """Call `listener(problem)` for each problem found after the open (from any thread)."""
        self._listeners.append(listener)

    def _tell(self, problem: str) -> None:
        with self._lock:
            if problem in self.problems:
                return
            self.problems.append(problem)
        for listener in list(self._listeners):
            listener(problem)

    def note_damage(self, path: Path, met: str = "") -> None:
        """A read of `path` met a damaged page (`met`: SQLite's error), or `path` is to be checked:
        SQLite's whole check of it (once per file); a damaged file is named in `problems`."""
        what = damage_of(path) or (
            f"not a readable SQLite database (damaged: a read met {met})" if met else ""
        )
        if what:
            self._tell(f"journal file {path}: {what}")

    def check_whole(self) -> None:
        """SQLite's whole check of every file (the review window runs it in the background after it
        shows): damage in the sample data, which the open does not check, is named (`note_damage`)."""
        for f in list(self.opened):
            self.note_damage(f.path)

    def leave_out_damaged(self) -> bool:
        """A read met a damaged page in one of the files: SQLite's whole check of each finds which; those
        are left out of what is read from now on and named. Whether any was found."""
        damaged = damaged_files(self.paths)
        with self._lock:
            self.files = [f for f in self.files if f.path not in damaged]
        for path, what in damaged.items():
            self._tell(f"journal file {path}: {what}: left out")
        return bool(damaged)

    def _read(self, read: Callable[[], T]) -> T:
        """`read()` again without the damaged file when it meets a damaged page (see the docstring)."""
        while True:
            try:
                return read()
            except (sqlite3.DatabaseError, JournalError) as exc:
                if not met_damage(exc) or not self.leave_out_damaged():
                    raise

    # --- opening -------------------------------------------------------------------------------------
    @classmethod
    def open(cls, paths: Sequence[Path | str]) -> ReviewSource:
        candidates, problems = journal_paths(paths)
        files: list[ReviewFile] = []
        config_json = ""
        for path in candidates:
            try:
                rf, cfg_json = _inspect(path)
            except JournalError as exc:
                problems.append(str(exc))
                continue
            if files and rf.line_id != files[0].line_id:
                problems.append(
                    f"{path}: journal of line {rf.line_id!r}, not {files[0].line_id!r}: left out "
                    "(review one line at a time)"
                )
                continue
            if rf.schema_version > SCHEMA_VERSION:
                problems.append(
                    f"{path}: written by a newer LineHMI (journal schema {rf.schema_version}, this one reads "
                    f"{SCHEMA_VERSION}); shown as far as this version understands it"
                )
            files.append(rf)
            config_json = cfg_json or config_json  # the newest file's config wins (files sort by date)
        if not files:
            tried = "; ".join(problems) or "no paths given"
            raise ReviewError(f"nothing to review: {tried}")
        files.sort(key=lambda f: f.t0)
        problems += _day_gaps(files)
        config = None
        if config_json:
            try:
                config = LineConfig.model_validate_json(config_json)
            except ValueError as exc:
                problems.append(f"the line config stored in the journal is unreadable ({exc}); tags only")
        else:
            problems.append(
                "these files do not hold the line config (older LineHMI): machines from tag names"
            )
        return cls(files, config, problems)

    # --- reading -------------------------------------------------------------------------------------
    def events(
        self, t0: float | None = None, t1: float | None = None, kinds: Iterable[EventKind | str] | None = None
    ) -> list[StoredEvent]:
        kind_list = list(kinds) if kinds is not None else None

        def read() -> list[StoredEvent]:
            out: list[StoredEvent] = []
            for f in self.files:
                with open_journal_readonly(f.path) as r:
                    out += r.read_events(t0, t1, kind_list)
            out.sort(key=lambda e: (e.ts, e.id))
            return out

        return self._read(read)

    def last_events_before(self, t: float, kinds: Iterable[EventKind | str]) -> list[StoredEvent]:
        kind_list = list(kinds)

        def read() -> list[StoredEvent]:
            found: list[StoredEvent] = []
            for f in self.files:
                if f.t0 >= t:
                    continue  # the file starts at or after t: nothing of it is before
                with open_journal_readonly(f.path) as r:
                    found += r.last_events_before(t, kind_list)
            return _last_per_source(found)

        return self._read(read)

    def samples(self, tags: Iterable[str] | str, t0: float | None, t1: float | None) -> dict[str, TagSamples]:
        names = [tags] if isinstance(tags, str) else list(tags)
        return self._read(lambda: read_samples_from_files(self.paths, names, t0, t1))

    def historian(self) -> Historian:
        """The trend read path over these files (the same Historian as the live trends): the review's
        trend, the faceplates at the cursor and the report's stop snapshots all read through it."""

        def overlapping(t0: float | None, t1: float | None) -> list[Path]:
            # Only the files whose records overlap the range: a cursor in a week's review reads
            # the day it is on (and the day before, for the last value), not seven files.
            lo = -math.inf if t0 is None else t0
            hi = math.inf if t1 is None else t1
            return [f.path for f in self.files if f.t1 >= lo and f.t0 <= hi]

        return Historian(overlapping, on_damage=self.note_damage)

    def open_notes(self) -> ReviewNotes:
        """The reviewer's notes, in a notes file next to each journal (never in the journal)."""
        return ReviewNotes([JournalSpan(f.path, f.t0, f.t1) for f in self.files], self.line_id)

    def not_recording(self) -> list[tuple[float, float]]:
        """Stretches when LineHMI was not running (a "journal closed" to the next "journal opened"):
        nothing was recorded then, whatever the line did. The production analysis's own rule."""

        def read() -> list[tuple[float, float]]:
            readers = [open_journal_readonly(f.path) for f in self.files]
            try:
                return reader_gaps(readers)
            finally:
                for r in readers:
                    r.close()

        return self._read(read)

    def tags(self) -> list[dict[str, object]]:
        if not self.files:
            return []
        with open_journal_readonly(self.files[-1].path) as r:  # a table the open checked
            return r.tags()

    def machines(self) -> list[tuple[str, str]]:
        return machines_of(self.config, self.tags())

    @property
    def sources(self) -> list[str]:
        return [p.name for p in self.paths]

    def alarm_kpis(self, t0: float, t1: float) -> KpiReport:
        return self._read(lambda: kpi.report(self.paths, t0, t1))

    def production(self, t0: float, t1: float) -> ProductionAnalysis:
        return self._read(lambda: analyse_journal(self.paths, t0, t1))


def _inspect(path: Path) -> tuple[ReviewFile, str]:
    try:
        return _inspect_checked(path)
    except sqlite3.DatabaseError as exc:  # the span's index seeks met a damaged page of the sample data
        if not is_damage(exc):
            raise
        what = damage_of(path) or f"not a readable SQLite database (damaged: {exc})"
        raise JournalError(f"journal file {path}: {what}", path) from None


def _inspect_checked(path: Path) -> tuple[ReviewFile, str]:
    with open_journal_checked(path) as r:
        meta = r.meta()
        if meta.get("app") != "linehmi" or "line_id" not in meta:
            raise JournalError(
                f"journal file {path}: not a LineHMI journal (no line in its meta table)", path
            )
        try:
            version = int(meta.get("schema_version", "0"))
        except ValueError:
            version = 0
        c = r.conn
        # Audit rows do not extend the span: a stop classified in a review days later is appended
        # with its real time (hmi.core.review.journal_write) and must not stretch the record to it.
        lo_e = c.execute("SELECT min(ts) FROM events WHERE kind != 'audit'").fetchone()[0]
        lo_s, _hi_s = recorded_span(c)  # raw rows or compacted chunks alike
        # The record's end: the production figures' rule (record_window, the same audit rule), so
        # the report and `linehmi production summary` end where the same evidence does.
        hi = last_record_ts(c)
        times = [t for t in (lo_e, lo_s, hi) if isinstance(t, int | float)]
        if not times:
            raise JournalError(f"journal file {path}: holds no records", path)
        rf = ReviewFile(
            path, meta["line_id"], meta.get("line_name", meta["line_id"]), version, min(times), max(times)
        )
        return rf, meta.get("line_config", "")


def _day_gaps(files: list[ReviewFile]) -> list[str]:
    """Missing days between daily files: a review of a week says which days it does not have."""
    out = []
    for a, b in itertools.pairwise(files):
        if b.t0 - a.t1 > DAY_S:
            d0 = dt.datetime.fromtimestamp(a.t1).date() + dt.timedelta(days=1)
            d1 = dt.datetime.fromtimestamp(b.t0).date() - dt.timedelta(days=1)
            span = d0.isoformat() if d0 == d1 else f"{d0.isoformat()} to {d1.isoformat()}"
            out.append(f"no journal for {span}: shown as a gap")
    return out


def _last_per_source(events: Iterable[StoredEvent]) -> list[StoredEvent]:
    """Of events from several files, those at the last time of their (kind, source, data's "event"),
    in time order (the rule of JournalReader.last_events_before, across files)."""

    def key(e: StoredEvent) -> tuple[str, str, str]:
        return str(e.kind), e.source, str(e.data.get("event", ""))

    last: dict[tuple[str, str, str], float] = {}
    events = list(events)
    for e in events:
        last[key(e)] = max(last.get(key(e), e.ts), e.ts)
    out = [e for e in events if e.ts == last[key(e)]]
    out.sort(key=lambda e: (e.ts, e.id))
    return out
