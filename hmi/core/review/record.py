"""What a review reads, wherever the line's record is kept: the `ReviewRecord` protocol.

Two sources answer it: `hmi.core.review.source.ReviewSource` (journal files, read-only) and
`connectors.plant.record.PlantRecord` (one line and station of the PostgreSQL plant historian). The
timeline, the alarm picture, the shift report and the review window take a `ReviewRecord` and never
ask which one they got.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from hmi.core.alarms.kpi import KpiReport
from hmi.core.config import LineConfig
from hmi.core.events import EventKind
from hmi.core.history_api import TrendHistory
from hmi.core.journal_read import StoredEvent, TagSamples
from hmi.core.production.oee import ProductionAnalysis
from hmi.core.review.notes import ReviewNotes
from hmi.core.shift_calendar import ShiftCalendar
from hmi.core.tag_info import TagInfo


class ReviewRecord(Protocol):
    @property
    def line_id(self) -> str: ...

    @property
    def line_name(self) -> str: ...

    @property
    def config(self) -> LineConfig | None:
        """The line config the station ran with (None: recorded before configs were kept)."""
        ...

    @property
    def problems(self) -> list[str]:
        """Left-out files, gaps, old versions: what the reviewer is told about the data."""
        ...

    @property
    def t0(self) -> float: ...

    @property
    def t1(self) -> float: ...

    @property
    def sources(self) -> list[str]:
        """What the record was read from, for titles and the report header (file names, a database)."""
        ...

    def events(
        self, t0: float | None = None, t1: float | None = None, kinds: Iterable[EventKind | str] | None = None
    ) -> list[StoredEvent]:
        """Events in [t0, t1) in time order."""
        ...

    def last_events_before(self, t: float, kinds: Iterable[EventKind | str]) -> list[StoredEvent]:
        """For each (kind, source, data's "event") of these kinds, its events at its last time before t
        (ties: all), in time order (a period's context: each machine's state, each alarm's last
        transition and the last alarm checkpoint at its start)."""
        ...

    def samples(
        self, tags: Iterable[str] | str, t0: float | None, t1: float | None
    ) -> dict[str, TagSamples]: ...

    def tags(self) -> list[dict[str, object]]: ...

    def machines(self) -> list[tuple[str, str]]:
        """(machine id, display name) in line order."""
        ...

    def historian(self) -> TrendHistory:
        """The trend history of this record (the same reads as the live app's trends)."""
        ...

    def alarm_kpis(self, t0: float, t1: float) -> KpiReport: ...

    def production(self, t0: float, t1: float) -> ProductionAnalysis:
        """Production and OEE of [t0, t1) from the production model journaled in the record; raises
        JournalError (no model) or ValueError."""
        ...

    def not_recording(self) -> list[tuple[float, float]]:
        """Stretches when LineHMI was not running ("journal closed" to the next "journal opened"):
        nothing was recorded then (the timeline hatches them, the faceplates show them stale)."""
        ...

    def open_notes(self) -> ReviewNotes:
        """The reviewer's notes, bookmarks and stop reasons, kept apart from the record (never in it)."""
        ...


def tag_infos(record: ReviewRecord) -> dict[str, TagInfo]:
    """Display facts (label, unit, precision) per tag: the stored line config's, else the record's tags."""
    if record.config is not None:
        return {t.name: TagInfo.from_config(t) for t in record.config.tags}
    return {str(row["name"]): TagInfo.from_journal_row(row) for row in record.tags()}


def shift_at(record: ReviewRecord, t: float) -> tuple[float, float, str]:
    """(start, end, title) of the shift running at t by the line's shift calendar (the stored config's,
    else the default pattern): what the workspace's "Shift report…" and "Print…" report on."""
    cal = ShiftCalendar.from_config(record.config) if record.config is not None else ShiftCalendar.default()
    shift, start, end = cal.shift_at(t)
    return start, end, f"{shift.name} shift {cal.to_local(start).date().isoformat()}"


def machines_of(config: LineConfig | None, tags: list[dict[str, object]]) -> list[tuple[str, str]]:
    """(machine id, display name) in line order: from the config, else from the tags' machine column."""
    if config is not None and config.machines:
        return [(m.id, m.name) for m in config.machines]
    seen: dict[str, str] = {}
    for t in tags:
        m = str(t.get("machine") or "")
        if m and m not in seen:
            seen[m] = m.capitalize()
    return list(seen.items())
