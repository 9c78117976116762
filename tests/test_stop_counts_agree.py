"""Every count said about stops is taken from the list of stops it stands beside (qa6 N4).

qa6 saw "Stops (6, 0 unclassified)" above four rows "Classified by: not classified", the report's
"0 still without a reason" above the same four rows, and "A 62.0 % (1 short stop < 15 s counted as
speed loss)" above five rows "Short: yes". The short stops need no reason (a speed loss), so their
rows now say "none needed"; A's note counts the short stops of the rows in its range
(ProductionAnalysis.stops_in, StopCounts), the report and the CLI say the same counts.
"""

from __future__ import annotations

import dataclasses
import re
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.production.journal_io import summarise
from hmi.core.production.oee import LINE, ProductionAnalysis
from hmi.core.production.stops import NOT_CLASSIFIED, StopCounts
from hmi.core.production.text import availability_text
from hmi.core.production.timecat import TimeCat
from hmi.core.production.timeline import StateSeries
from hmi.core.review.report import _production_markdown
from tests.production_helpers import T0
from tests.test_production_core import random_line


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    line=random_line(),
    cut=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    live=st.booleans(),
    codes=st.booleans(),
)
def test_stop_counts_are_the_counts_of_the_rows_shown(line, cut, live, codes):
    setup, data, span = line
    if not codes:  # no PLC fault codes: every unplanned stop is without a reason, short or not
        data = {m: dataclasses.replace(d, fault=StateSeries.empty()) for m, d in data.items()}
    an = ProductionAnalysis.build(setup, data, T0, T0 + span, live=live)
    a, b = sorted(T0 + span * c for c in cut)
    for scope in [LINE, *setup.ids]:
        rows = an.stops_in(a, b, None if scope == LINE else scope)
        fig = an.oee(scope, a, b)
        short_rows = [s for s in rows if s.short]
        # A's note counts the short stops among the rows ("Short: yes"), never fewer or more.
        assert fig.short_stops == len(short_rows), scope
        if fig.short_stops:
            assert f"{len(short_rows)} short stop" in availability_text(fig)
        # Short-stop time in the figure is always explained by a short stop among the rows.
        if fig.time(TimeCat.SHORT_STOP) > 0:
            assert short_rows, scope
    rows = an.stops_in(a, b)
    counts = StopCounts.of(rows)
    # "not classified" is said of exactly the stops the "unclassified" count counts.
    assert counts.unclassified == sum(1 for s in rows if s.classified_by_text == NOT_CLASSIFIED)
    for s in rows:
        assert (s.classified_by_text == NOT_CLASSIFIED) == s.needs_reason
        if s.short:
            assert s.classified_by_text != NOT_CLASSIFIED
    text = counts.text()
    assert text.startswith(f"{len(rows)} stop") and f"{counts.unclassified} unclassified" in text
    assert (f"({counts.short} short stop" in text) == (counts.short > 0)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=random_line())
def test_the_reports_stop_sentence_counts_its_own_table(line):
    setup, data, span = line
    summary = summarise(ProductionAnalysis.build(setup, data, T0, T0 + span))
    md = "\n".join(_production_markdown(SimpleNamespace(production=summary, machine_names={})))
    m = re.search(r"Stops: (\d+) stops?, (\d+) unclassified(?: \((\d+) short stops?)?", md)
    assert m, md
    table = [ln for ln in md.splitlines() if re.match(r"\| \d\d:\d\d:\d\d \|", ln)]
    assert int(m[1]) == len(table)
    assert int(m[2]) == sum(1 for ln in table if ln.rstrip().endswith(f"| {NOT_CLASSIFIED} |"))
    assert int(m[3] or 0) == sum(1 for ln in table if "(short)" in ln)
