"""Every figure of a shift report states its recorded part truthfully (qa9 Q9-18, Q9-7).

The report of a late shift that a file never reached read "Machines: time per state … From 22:00:00
to 22:00:00" with every cell "0:00" (and "not recorded 0:00" for 8 h nobody saw), "No downtime.",
and an alarm window of 0 s "the recorded part of 14:00–22:00 (8.0 h)"; `linehmi production summary`
listed the hours before LineHMI ran as "good 0 rejects 0 down 0.0 min". For random periods before,
across, between and after two recorded sessions, the report's recorded length is the record's
overlap with the period (never more), a period with none says so at the top and in every section
(never a zero), and every unrecorded range of the production summary reads "not recorded".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.production.cli import format_summary
from hmi.core.production.journal_io import summarise
from hmi.core.production.text import NOT_RECORDED, duration_words
from hmi.core.review.report import build_report, to_markdown
from hmi.core.review.source import ReviewSource
from tests.test_report_record_end import SHIFT_START, _production_journal
from tests.test_unrecorded_figures import SETUP, STRETCHES, _analysis, _measure

H = 3600.0
STEPS = 30  # each session: samples every 10 s for 4 min 50 s
# Two sessions of LineHMI, the second starting 1 h after the first: a "not running" hour between.
SESSIONS = [(SHIFT_START, SHIFT_START + 10.0 * (STEPS - 1))]
LATER = 3600.0


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> ReviewSource:
    first = _production_journal(tmp_path_factory.mktemp("s1"), STEPS, [])
    second = _production_journal(tmp_path_factory.mktemp("s2"), STEPS, [], start=SHIFT_START + LATER)
    return ReviewSource.open([first, second])


def _recorded(a: float, b: float) -> float:
    spans = [(s, e) for s, e in SESSIONS] + [(s + LATER, e + LATER) for s, e in SESSIONS]
    return sum(max(0.0, min(b, e) - max(a, s)) for s, e in spans)


periods = st.tuples(st.floats(SHIFT_START - 3 * H, SHIFT_START + 2 * H), st.floats(60.0, 8 * H)).map(
    lambda p: (p[0], p[0] + p[1])
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(period=periods)
def test_every_report_figure_states_its_recorded_part(
    source: ReviewSource, period: tuple[float, float]
) -> None:
    a, b = period
    r = build_report(source, a, b, "a period")
    want = _recorded(a, b)
    overlap = max(0.0, min(b, source.t1) - max(a, source.t0))
    # The report's recorded length is the record's, never more than its overlap with the period.
    assert r.seen_s <= overlap + 1e-6
    assert abs(r.seen_s - want) <= 1.0, (a - SHIFT_START, b - a, r.seen_s, want)
    text = to_markdown(r)
    if r.nothing_recorded:
        assert "Nothing was recorded in this period" in text
        sections = text.split("\n## ")[1:]
        assert sections and all(s.rstrip().endswith("Not recorded.") for s in sections), text
        # No measured-looking figure anywhere: no table (of zero times), no "no downtime", no 0-s
        # alarm window, no "none standing".
        assert "|" not in text, text
        for zero in ("No downtime", "per 10 min", "0 alarms", "0 stops", "None:", "recorded part", "nobody"):
            assert zero not in text, (zero, text)
        return
    assert "Nothing was recorded" not in text
    if want < (b - a) - 0.5:
        assert f"Recorded: {duration_words(r.seen_s)} of {duration_words(b - a)}" in text, text
    # The state table's span and the alarm window never claim more than the record's overlap.
    m = re.search(r"From (\d\d:\d\d:\d\d) to (\d\d:\d\d:\d\d);", text)
    assert m is not None
    assert r.record_start is not None and r.record_end is not None
    assert r.record_end - r.record_start <= overlap + 1e-6
    k = r.alarm_kpis
    assert k.end - k.start - k.unrecorded_s <= overlap + 1.0, (k.start, k.end, k.unrecorded_s, overlap)


@settings(max_examples=25, deadline=None)
@given(stretches=STRETCHES)
def test_production_summary_says_not_recorded_for_every_range_without_record(stretches) -> None:
    """Q9-7: every row of `production summary` (line, machines, hours) with nothing recorded reads
    "not recorded" and no figure; a row recorded in part says how much."""
    analysis, gaps = _analysis(stretches)
    s = summarise(analysis, "early")
    text = format_summary(s, SETUP)
    lines = text.splitlines()
    for name, f in [("line", s.line_oee), *s.machines.items()]:
        row = next(x for x in lines if x.startswith(f"{name:<12} "))
        assert f.nothing_recorded == (_measure(f.start, f.end, gaps) < 0.5)
        assert (NOT_RECORDED in row and "good" not in row) == f.nothing_recorded, row
    hour_lines = lines[
        lines.index("per hour (line):") + 1 : lines.index("per hour (line):") + 1 + len(s.hours)
    ]
    for line, h in zip(hour_lines, s.hours, strict=True):
        if h.nothing_recorded:
            assert NOT_RECORDED in line and "good" not in line and "0.0 min" not in line, line
        else:
            assert "good" in line
            if h.period_s - h.seen_s >= 0.5:
                assert f"{duration_words(h.seen_s)} of {duration_words(h.period_s)} recorded" in line, line


def test_the_qa9_late_shift_reads_not_recorded(source: ReviewSource) -> None:
    """The example: a shift that ended before the file begins."""
    r = build_report(source, SHIFT_START - 8 * H, SHIFT_START, "late shift")
    text = to_markdown(r)
    assert r.nothing_recorded and "Nothing was recorded in this period" in text
    assert "The journal covers" in text
    assert Path(source.sources[0]).name in text or source.sources[0] in text
