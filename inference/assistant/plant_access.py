"""The assistant on the plant historian: `linehmi ask --db postgresql://...?line=LINE` answers from one
line's record in PostgreSQL (`connectors.plant.record.PlantRecord`) with the same tools and figures as
from journal files (`AssistantJournal`, inference.assistant.journal_access). Read-only."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from connectors.plant.record import PlantRecord
from hmi.core.alarms.kpi import KpiReport
from hmi.core.journal_read import TagSamples
from hmi.core.journal_text import TextRow
from hmi.core.production.oee import ProductionAnalysis
from hmi.core.production.setup import ProductionSetup
from inference.assistant.journal_access import Ev, with_file


class PlantJournal:
    def __init__(self, record: PlantRecord) -> None:
        self.record = record

    def events(
        self,
        t0: float | None = None,
        t1: float | None = None,
        kinds: Iterable[str] | None = None,
        sources: Iterable[str] | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[Ev]:
        wanted = set(sources) if sources is not None else None
        out = [
            with_file(e, journal)
            for journal, e in self.record.events_by_journal(
                t0, t1, list(kinds) if kinds is not None else None
            )
            if wanted is None or e.source in wanted
        ]
        out.sort(key=lambda e: (e.ts, e.id), reverse=newest_first)
        return out[:limit] if limit is not None else out

    def samples(self, tags: Sequence[str], t0: float | None, t1: float | None) -> dict[str, TagSamples]:
        return self.record.samples(list(tags), t0, t1)

    def last_before(self, tag: str, t: float | None) -> tuple[float, float, int] | None:
        at = t if t is not None and math.isfinite(t) else self.record.t1 + 1.0
        v, status, ts = self.record.historian().value_at(tag, at)
        if math.isnan(ts):
            return None
        return float(ts), float(v), int(status) & 0xFFFFFFFF

    def text_at(self, tag: str, t: float) -> TextRow | None:
        return None  # text_samples are not forwarded to the plant historian yet (docs/opcua.md)

    def span(self) -> tuple[float | None, float | None]:
        return self.record.span()

    def meta_and_tags(self) -> tuple[dict[str, str], list[dict[str, object]]]:
        return self.record.meta(), self.record.tags()

    def alarm_kpis(self, t0: float, t1: float) -> KpiReport:
        return self.record.alarm_kpis(t0, t1)

    def production(self, t0: float, t1: float, setup: ProductionSetup | None) -> ProductionAnalysis:
        return self.record.production(t0, t1, setup)
