"""A stop nobody classified is never "planned" (QA4: an operator's setpoint-0 stop, and the stopped
machines of a freshly started simulator, read "planned" and "LINE PLANNED STOP").

Cause: a stop with no reason took its category from the state tag's category, and the demo maps
the operator's "Stopped" (0) to `planned_stop` with no `planned_reason`. The rule now
(hmi.core.production.stops.reason_category): a stop's category is its reason's; with no reason it
is unplanned, except a stop wholly inside a planned break (planned time lost nothing). Checked over
random state sequences of every machine, random planned breaks in the window, random default
reasons and random classifications, on the stops, the machines' and the line's time and the strip.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.production.oee import ProductionAnalysis
from hmi.core.production.stops import CLASSIFY, StopEdit
from hmi.core.production.timeline import TimeCat
from tests.production_helpers import (
    BAD,
    CHANGEOVER,
    FAULTED,
    IDLE,
    RUNNING,
    STARTING,
    STOPPED,
    T0,
    demo_setup,
    machine,
)

H = 3600.0
VALUES = (STOPPED, STARTING, RUNNING, IDLE, FAULTED, CHANGEOVER, BAD)
REASONS = ("U-JAM", "U-OPERATOR", "P-MAINT", "P-MEETING", "C-CLEAN")
# Windows of the early shift: one across the 09:00-09:15 breakfast, one with no break.
WINDOWS = ((2.5 * H, 3.5 * H), (0.5 * H, 1.5 * H))


def _changes(draw_list: list[tuple[float, int]], start: float) -> list[tuple[float, int]]:
    t = start - 10.0
    out = [(t, RUNNING)]
    for gap, v in draw_list:
        t += gap
        out.append((t, v))
    return out


machine_changes = st.lists(st.tuples(st.floats(5.0, 900.0), st.sampled_from(VALUES)), max_size=8)


@settings(max_examples=120, deadline=None)
@given(
    st.tuples(*[machine_changes] * 4),
    st.sampled_from(WINDOWS),
    st.sampled_from(["", "P-MAINT"]),
    st.sampled_from(["", "C-FORMAT"]),
    st.lists(st.tuples(st.integers(0, 50), st.sampled_from(REASONS)), max_size=4),
    st.floats(0.1, 1.0),
)
def test_a_stop_is_planned_only_when_a_planned_break_or_a_planned_reason_covers_it(
    changes, window, planned_reason, changeover_reason, classify, at
):
    setup = demo_setup(planned_reason=planned_reason, changeover_reason=changeover_reason)
    a, b = window
    data = {mid: machine(_changes(c, a)) for mid, c in zip(setup.ids, changes, strict=True)}
    end = T0 + a + (b - a) * at
    first = ProductionAnalysis.build(setup, data, T0 + a, end, live=True)
    edits = []
    for k, reason in classify:
        if first.stops:
            s = first.stops[k % len(first.stops)]
            edits.append(StopEdit(CLASSIFY, s.machine, s.start, end, "sue", reason=reason))
    an = ProductionAnalysis.build(setup, data, T0 + a, end, edits, live=True)
    planned_stops = set()
    for i, s in enumerate(an.stops):
        unsaid = "planned" if s.in_planned_break else "unplanned"
        want = setup.reasons[s.reason].category if s.reason else unsaid
        assert s.category == want, (s.machine, s.start - T0, s.reason, s.state_cat, s.category)
        if want == "planned":
            planned_stops.add(i)
    tl = an.timeline
    # No second of a machine or of the line is a planned stop unless a planned stop holds it.
    for mi in range(len(setup.ids)):
        sel = tl.tcat[mi] == TimeCat.PLANNED_STOP
        assert set(tl.cause[mi][sel].tolist()) <= planned_stops
    sel = tl.line_cat == TimeCat.PLANNED_STOP
    assert set(tl.line_cause[sel].tolist()) <= planned_stops
    status = an.status(end)
    if status.state == "planned stop":  # the stop holding the line now (or whose buffer refills)
        assert int(tl.line_cause[-1]) in planned_stops


def test_the_operators_stop_and_a_fresh_simulators_stopped_machines_are_unclassified_not_planned():
    """The two QA4 sightings: the capper's setpoint set to 0 (state "Stopped") mid-shift; every
    machine "Stopped" when the link came back to a simulator that had just started."""
    setup = demo_setup()
    runs = {m: machine([(-10, RUNNING)]) for m in setup.ids}
    runs["capper"] = machine([(-10, RUNNING), (600, STOPPED), (612, RUNNING)])
    an = ProductionAnalysis.build(setup, runs, T0, T0 + 606, live=True)
    (stop,) = an.stops
    assert stop.category == "unplanned" and stop.needs_reason
    st_ = an.status(T0 + 606)
    assert st_.state == "stopped" and "planned" not in st_.claim, st_.claim
    fresh = {m: machine([(-10, STOPPED)]) for m in setup.ids}
    st_ = ProductionAnalysis.build(setup, fresh, T0 + 1200, T0 + 1260, live=True).status(T0 + 1260)
    assert st_.state == "stopped" and "planned" not in st_.claim, st_.claim
