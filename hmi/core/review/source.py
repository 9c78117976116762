"""What a review opens from files (a `ReviewRecord`, hmi.core.review.record): one or more journal files
(or a journal directory), read-only, with no PLC and
no config: the line, its tags and its config come from the files themselves.

`ReviewSource.open(paths)` never writes to the evidence (every file through `open_journal_readonly`:
read-only and nothing created beside it, hmi.core.readonly_db) and never stops at the first bad file: a corrupt,
foreign or unreadable file is left out with a message naming it and why; only when nothing usable is
left is it an error. Files of another line than the first usable one are left out the same way.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hmi.core.alarms import kpi
from hmi.core.alarms.kpi import KpiReport
from hmi.core.config import LineConfig
from hmi.core.events import EventKind
from hmi.core.historian import Historian
from hmi.core.journal_read import (
    JournalError,
    StoredEvent,
    TagSamples,
    journal_paths,
    open_journal_checked,
    open_journal_readonly,
    read_samples_from_files,
)
from hmi.core.journal_schema import SCHEMA_VERSION
from hmi.core.production.journal_io import analyse_journal, last_record_ts, reader_gaps
from hmi.core.production.oee import ProductionAnalysis
from hmi.core.review.notes import JournalSpan, ReviewNotes
from hmi.core.review.record import machines_of
from hmi.core.sample_store import recorded_span

DAY_S = 86_400.0


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

    @property
    def line_id(self) -> str:
        return self.files[0].line_id

    @property
    def line_name(self) -> str:
        return self.files[0].line_name

    @property
    def paths(self) -> list[Path]:
        return [f.path for f in self.files]

    @property
    def t0(self) -> float:
        return min(f.t0 for f in self.files)

    @property
    def t1(self) -> float:
        return max(f.t1 for f in self.files)

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
        out: list[StoredEvent] = []
        kind_list = list(kinds) if kinds is not None else None
        for f in self.files:
            with open_journal_readonly(f.path) as r:
                out += r.read_events(t0, t1, kind_list)
        out.sort(key=lambda e: (e.ts, e.id))
        return out

    def last_events_before(self, t: float, kinds: Iterable[EventKind | str]) -> list[StoredEvent]:
        kind_list = list(kinds)
        found: list[StoredEvent] = []
        for f in self.files:
            if f.t0 >= t:
                continue  # the file starts at or after t: nothing of it is before
            with open_journal_readonly(f.path) as r:
                found += r.last_events_before(t, kind_list)
        return _last_per_source(found)

    def samples(self, tags: Iterable[str] | str, t0: float | None, t1: float | None) -> dict[str, TagSamples]:
        return read_samples_from_files(self.paths, tags, t0, t1)

    def historian(self) -> Historian:
        """The trend read path over these files (the same Historian as the live trends): the review's
        trend, the faceplates at the cursor and the report's stop snapshots all read through it."""
        files = list(self.files)

        def overlapping(t0: float | None, t1: float | None) -> list[Path]:
            # Only the files whose records overlap the range: a cursor in a week's review reads
            # the day it is on (and the day before, for the last value), not seven files.
            lo = -math.inf if t0 is None else t0
            hi = math.inf if t1 is None else t1
            return [f.path for f in files if f.t1 >= lo and f.t0 <= hi]

        return Historian(overlapping)

    def open_notes(self) -> ReviewNotes:
        """The reviewer's notes, in a notes file next to each journal (never in the journal)."""
        return ReviewNotes([JournalSpan(f.path, f.t0, f.t1) for f in self.files], self.line_id)

    def not_recording(self) -> list[tuple[float, float]]:
        """Stretches when LineHMI was not running (a "journal closed" to the next "journal opened"):
        nothing was recorded then, whatever the line did. The production analysis's own rule."""
        readers = [open_journal_readonly(f.path) for f in self.files]
        try:
            return reader_gaps(readers)
        finally:
            for r in readers:
                r.close()

    def tags(self) -> list[dict[str, object]]:
        with open_journal_readonly(self.files[-1].path) as r:
            return r.tags()

    def machines(self) -> list[tuple[str, str]]:
        return machines_of(self.config, self.tags())

    @property
    def sources(self) -> list[str]:
        return [p.name for p in self.paths]

    def alarm_kpis(self, t0: float, t1: float) -> KpiReport:
        return kpi.report(self.paths, t0, t1)

    def production(self, t0: float, t1: float) -> ProductionAnalysis:
        return analyse_journal(self.paths, t0, t1)


def _inspect(path: Path) -> tuple[ReviewFile, str]:
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
