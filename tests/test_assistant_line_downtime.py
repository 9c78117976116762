"""The line's downtime and the machines' stops come from the production model (qa7 G15, G37): the
assistant's "how long was the line down" is the Production view's Line row, ProductionAnalysis.oee(LINE)
downtime, never the machines' overlapping stops added up; a machine's stops are the Stops tab's, short
ones included. Property over random state sequences written as the state tags' samples."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from hmi.core.production.oee import LINE
from inference.assistant.tools.fmt import fmt_duration
from tests.helpers.assistant_journals import MACHINES, RUNNING, ask, state_changes


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(state_changes)
def test_the_line_downtime_is_the_production_models_line_row(changes):
    asked = ask(changes, "how long was the line stopped in total this shift?")
    ans, want = asked.answer, asked.model.oee(LINE)
    assert ans.tool_calls and ans.tool_calls[0].name == "machine_states", ans.text
    assert ans.results[0].facts["line_downtime_s"] == round(want.downtime_s), ans.text
    assert f"The line was down {fmt_duration(want.downtime_s)} in total" in ans.text, ans.text
    # A per-machine sum only ever follows labelled as such.
    assert "All machines together" not in ans.text and "not the line's downtime" in ans.text, ans.text


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(state_changes)
def test_why_did_the_capper_stop_finds_the_stops_tabs_stops_short_ones_included(changes):
    asked = ask(changes, "Why did the capper stop?")
    ans, tools, a, b = asked.answer, asked.tools, asked.a, asked.b
    capper = [s for s in asked.model.stops if s.machine == "capper" and s.start < b and s.end > a]
    if not capper:
        assert "No stop of the Capper" in ans.text, ans.text
        return
    last = capper[-1]
    assert tools.fmt_t(last.start) in ans.text and "No stop" not in ans.text, ans.text
    assert ("short stop" in ans.text) == last.short, ans.text


def test_a_start_up_stop_is_a_stop_of_the_capper():
    # qa7 G37: Stopped for 10 s after start, then Running: the Stops tab lists it as a short stop.
    changes = {m: [(0.0, RUNNING)] for m in MACHINES}
    changes["capper"] = [(0.0, 0.0), (10.0, RUNNING)]
    ans = ask(changes, "Why did the capper stop?").answer
    assert "No stop" not in ans.text and "08:00:01" in ans.text, ans.text
