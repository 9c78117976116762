"""The alarm rate over a period reads the same in the KPI report (`linehmi alarms report`, the
KPI view's text), the shift report, the assistant's KPI tool and its shift handover: one wording
and one rounding (hmi.core.alarms.figures.rate_text). Seen before: 16.15, 11.63 and 3.41 for "the
alarm rate" in three places, and the shift report rounding it to one decimal."""

from __future__ import annotations

from hmi.core.alarms import figures, kpi
from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.review.report import build_report, to_markdown
from hmi.core.review.source import ReviewSource
from inference.assistant.catalog import Catalog
from inference.assistant.handover import build_handover
from inference.assistant.journal_access import JournalSource
from inference.assistant.timeparse import ShiftCalendar
from inference.assistant.tools import PlantTools

from .test_assistant_journal import T0, T_END, UTC, build_journal


def test_one_alarm_rate_everywhere(tmp_path):
    path = build_journal(tmp_path)
    for a, b in ((T0, T_END), (T0 + 600.0, T_END - 300.0)):
        r = kpi.report([path], a, b)
        assert r.annunciated > 0
        want = figures.rate_text(r.per_10min_avg, r.annunciated, a, b)
        assert want in kpi.format_report(r)
        assert want in to_markdown(build_report(ReviewSource.open([path]), a, b, "shift"))
        tools = PlantTools(
            Catalog.from_config(load_config(DEMO_CONFIG)), JournalSource([path]), ShiftCalendar(tz=UTC), now=b
        )
        assert want in tools.run("alarm_kpis", start=a, end=b).summary
        handover = build_handover(tools, a, b)
        assert any(want in item.text for s in handover.sections for item in s.items)
