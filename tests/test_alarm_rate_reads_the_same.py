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
        want = figures.rate_text(r.per_10min_avg, r.annunciated, r.start, r.end)
        assert want in kpi.format_report(r)
        assert want in to_markdown(build_report(ReviewSource.open([path]), a, b, "shift"))
        tools = PlantTools(
            Catalog.from_config(load_config(DEMO_CONFIG)), JournalSource([path]), ShiftCalendar(tz=UTC), now=b
        )
        assert want in tools.run("alarm_kpis", start=a, end=b).summary
        handover = build_handover(tools, a, b)
        assert any(want in item.text for s in handover.sections for item in s.items)


def test_the_shift_report_and_the_alarm_report_give_the_same_figures_over_the_recorded_window(tmp_path):
    """qa3: for one journal (record 13:42:48-13:57:16) the shift report for 06:00-14:00 said
    "0.17 per 10 min over 06:00-14:00 (8.0 h) ... 0 of 48 periods, ok" while `linehmi alarms
    report` said "5.53 per 10 min ... over target, peak 8, 0 of 2 periods". Both compute over the
    recorded part of the asked period, and say which."""
    path = build_journal(tmp_path)
    whole = kpi.report([path])  # `linehmi alarms report --db FILE`: the whole record
    for a, b in ((T0 - 8 * 3600.0, T_END + 3600.0), (T0 - 600.0, T_END + 1.0), (T0, T_END + 7200.0)):
        shift = kpi.report([path], a, b)
        assert (shift.start, shift.end) == (whole.start, whole.end)
        assert shift.clipped and (shift.asked_start, shift.asked_end) == (a, b)
        same = ("annunciated", "periods", "per_10min_avg", "per_10min_peak", "flood_periods", "flood_pct")
        assert {k: getattr(shift, k) for k in same} == {k: getattr(whole, k) for k in same}
        assert [(x.kpi, x.value, x.verdict) for x in shift.assessment] == [
            (x.kpi, x.value, x.verdict) for x in whole.assessment
        ]
        text = to_markdown(build_report(ReviewSource.open([path]), a, b, "shift"))
        alarm_report = kpi.format_report(whole)
        rate = figures.rate_text(whole.per_10min_avg, whole.annunciated, whole.start, whole.end)
        assert rate in text and rate in alarm_report
        for x in whole.assessment:
            assert f"| {x.kpi} | {x.value} | {x.target} | {x.verdict} |" in text
        assert f"the recorded part of {figures.window_text(a, b)}" in text


def test_a_period_outside_the_record_has_no_alarm_figures(tmp_path):
    path = build_journal(tmp_path)
    r = kpi.report([path], T_END + 3600.0, T_END + 7200.0)
    assert r.duration_s == 0 and r.annunciated == 0 and r.clipped
