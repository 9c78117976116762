"""The journal files the assistant answers from, read through the app's own journal reader.

Either explicit files (`linehmi ask --db A.db --db B.db`) or a journal directory with daily files
(the running app): then only the files a time range can touch are opened (`files_for_range`, as the
historian does). Events and samples come from `hmi.core.journal_read.JournalReader` (read-only
opens, the same decoding as the review workspace); the last value of a tag from
`hmi.core.historian.Historian.value_at`. Asking a question never modifies a shift's record.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hmi.core.alarms import kpi
from hmi.core.historian import Historian
from hmi.core.journal_read import (
    JournalError,
    JournalReader,
    StoredEvent,
    TagSamples,
    open_journal_readonly,
    read_samples_from_files,
)
from hmi.core.journal_schema import files_for_range, journal_files
from hmi.core.journal_text import TextRow
from hmi.core.production.journal_io import analyse_journal
from hmi.core.production.oee import ProductionAnalysis
from hmi.core.production.setup import ProductionSetup


@dataclass(frozen=True, slots=True)
class Ev(StoredEvent):
    """A stored event and the file it is in: `file` + `id` identify it (ids restart in each file)."""

    file: str = ""

    @property
    def ref(self) -> str:
        return f"{Path(self.file).stem}#{self.id}"


def with_file(e: StoredEvent, file: str) -> Ev:
    return Ev(
        kind=e.kind,
        message=e.message,
        source=e.source,
        user=e.user,
        severity=e.severity,
        data=e.data if isinstance(e.data, dict) else {"value": e.data},
        ts=float(e.ts),
        id=e.id,
        committed_at=e.committed_at,
        file=file,
    )


class AssistantJournal(Protocol):
    """What the tools read history through: journal files (`JournalSource`) or the plant historian
    (`inference.assistant.plant_access.PlantJournal`)."""

    def events(
        self,
        t0: float | None = None,
        t1: float | None = None,
        kinds: Iterable[str] | None = None,
        sources: Iterable[str] | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[Ev]: ...

    def samples(self, tags: Sequence[str], t0: float | None, t1: float | None) -> dict[str, TagSamples]: ...

    def last_before(self, tag: str, t: float | None) -> tuple[float, float, int] | None: ...

    def span(self) -> tuple[float | None, float | None]: ...

    def text_at(self, tag: str, t: float) -> TextRow | None:
        """The text value of `tag` in force at t (text tags; exact 64-bit digits), or None."""
        ...

    def meta_and_tags(self) -> tuple[dict[str, str], list[dict[str, object]]]: ...

    def alarm_kpis(self, t0: float, t1: float) -> kpi.KpiReport:
        """ISA-18.2 KPIs of [t0, t1); ValueError when nothing covers the period."""
        ...

    def production(self, t0: float, t1: float, setup: ProductionSetup | None) -> ProductionAnalysis:
        """Production of [t0, t1) with `setup` (None: the journaled model; JournalError when none)."""
        ...


class JournalSource:
    def __init__(
        self,
        paths: Sequence[Path | str] = (),
        directory: Path | str | None = None,
        line_id: str | None = None,
    ) -> None:
        self.paths = [Path(p) for p in paths]
        self.directory = Path(directory) if directory is not None else None
        self.line_id = line_id
        if not self.paths and (self.directory is None or not line_id):
            raise ValueError("a JournalSource needs files, or a directory and a line id")
        for p in self.paths:
            if not p.is_file():
                raise JournalError(f"journal file {p}: not found", p)
        self.historian = Historian(self.files, threads=1)

    def files(self, t0: float | None = None, t1: float | None = None) -> list[Path]:
        if self.paths:
            return list(self.paths)
        assert self.directory is not None and self.line_id is not None
        return files_for_range(self.directory, self.line_id, t0, t1)

    def all_files(self) -> list[Path]:
        if self.paths:
            return list(self.paths)
        assert self.directory is not None and self.line_id is not None
        return [p for _d, p in journal_files(self.directory, self.line_id)]

    # --- reading --------------------------------------------------------------------------------
    def _readers(self, files: Iterable[Path]) -> Iterator[JournalReader]:
        for p in files:
            try:
                r = open_journal_readonly(p)
            except JournalError:
                continue  # a file being rotated or a stray copy: answer from the others
            try:
                yield r
            finally:
                r.close()

    def events(
        self,
        t0: float | None = None,
        t1: float | None = None,
        kinds: Iterable[str] | None = None,
        sources: Iterable[str] | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[Ev]:
        kind_list = [str(k) for k in kinds] if kinds is not None else None
        wanted = set(sources) if sources is not None else None
        out: list[Ev] = []
        for r in self._readers(self.files(t0, t1)):
            for e in r.read_events(t0, t1, kind_list):
                if wanted is None or e.source in wanted:
                    out.append(with_file(e, r.path.name))
        out.sort(key=lambda e: (e.ts, e.id), reverse=newest_first)
        return out[:limit] if limit is not None else out

    def samples(self, tags: Sequence[str], t0: float | None, t1: float | None) -> dict[str, TagSamples]:
        files = [p for p in self.files(t0, t1) if p.is_file()]
        try:
            return read_samples_from_files(files, list(tags), t0, t1)
        except JournalError:  # one unreadable file: read the others one by one
            parts: dict[str, list[TagSamples]] = {t: [] for t in tags}
            for r in self._readers(files):
                for name, s in r.read_samples(list(tags), t0, t1).items():
                    parts[name].append(s)
            return {t: TagSamples.concat(t, parts[t]) for t in tags}

    def text_at(self, tag: str, t: float) -> TextRow | None:
        return self.historian.text_at(tag, t)

    def last_before(self, tag: str, t: float | None) -> tuple[float, float, int] | None:
        """(source_ts, value, status) of the newest sample of `tag` at or before `t` (None: now)."""
        at = t if t is not None else math.inf
        if not math.isfinite(at):
            _lo, hi = self.span()
            if hi is None:
                return None
            at = hi + 1.0
        v, status, ts = self.historian.value_at(tag, at)
        if math.isnan(ts):
            return None
        return float(ts), float(v), int(status) & 0xFFFFFFFF

    def span(self) -> tuple[float | None, float | None]:
        """First and last timestamp of anything recorded (samples and events)."""
        lo: float | None = None
        hi: float | None = None
        for r in self._readers(self.all_files()):
            for sql in (
                "SELECT min(ts), max(ts) FROM events",
                "SELECT min(first_source_ts), max(last_source_ts) FROM commits",
            ):
                try:
                    a, b = r.conn.execute(sql).fetchone()
                except sqlite3.Error:
                    continue
                if a is not None and math.isfinite(a):
                    lo = a if lo is None else min(lo, a)
                if b is not None and math.isfinite(b):
                    hi = b if hi is None else max(hi, b)
        return lo, hi

    def meta_and_tags(self) -> tuple[dict[str, str], list[dict[str, object]]]:
        for r in self._readers(reversed(self.all_files())):
            return r.meta(), r.tags()
        return {}, []

    def alarm_kpis(self, t0: float, t1: float) -> kpi.KpiReport:
        files = self.files(t0, t1)
        if not files:
            raise ValueError("no journal file covers that period")
        return kpi.report(files, t0, t1)

    def production(self, t0: float, t1: float, setup: ProductionSetup | None) -> ProductionAnalysis:
        return analyse_journal([p for p in self.files(t0, t1) if p.is_file()], t0, t1, setup)
