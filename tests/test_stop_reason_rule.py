"""One definition of a stop's category and of "unclassified" (Stop.without_reason), read the same
by the stops table and its count, the shift report and the journal's audit text.

The walkthrough found stops "in a planned break" categorised "unplanned" for one machine and
"planned" for another, and "0 unclassified" above rows that said "unclassified" while the journal
wrote "(was unclassified)" for the same stop.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.production.oee import ProductionAnalysis
from hmi.core.production.stops import UNCLASSIFIED
from tests.production_helpers import FAULTED, RUNNING, STOPPED, T0, demo_setup, machine
from tests.test_production_core import random_line

H = 3600.0
BREAKFAST = 3 * H  # 09:00-09:15 in the demo calendar (UTC in the tests)


def _consistent(an: ProductionAnalysis) -> None:
    counted = an.unclassified()
    for s in an.stops:
        label = s.reason_label(an.setup)
        # the table's row, its count, the report's cell and the audit's "(was ...)" agree
        assert (label == UNCLASSIFIED) == (s in counted) == s.needs_reason, (s, label)
        assert (s.reason_code() == UNCLASSIFIED) == s.needs_reason
        assert bool(s.reason) != bool(s.without_reason)
        if s.in_planned_break and not s.reason:
            assert s.category == "planned" and label == "in a planned break"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=random_line())
def test_every_stop_of_a_random_line_reads_the_same_everywhere(line):
    setup, data, span = line
    _consistent(ProductionAnalysis.build(setup, data, T0, T0 + span))


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.sampled_from([STOPPED, FAULTED]), min_size=4, max_size=4),
    st.lists(st.floats(0, 200), min_size=8, max_size=8),
    st.sampled_from([0, 30, 120]),
)
def test_stops_inside_a_planned_break_are_planned_on_every_machine(stop_states, jitter, short_s):
    setup = demo_setup(short_stop_s=short_s)
    data = {}
    for i, mid in enumerate(setup.ids):
        a = BREAKFAST + jitter[2 * i]
        b = BREAKFAST + 900 - jitter[2 * i + 1]
        data[mid] = machine([(-10, RUNNING), (a, stop_states[i % 4]), (b, RUNNING)])
    an = ProductionAnalysis.build(setup, data, T0, T0 + 4 * H)
    inside = [s for s in an.stops if s.start >= T0 + BREAKFAST and s.end <= T0 + BREAKFAST + 900]
    assert len(inside) == len(setup.ids)
    assert {s.category for s in inside} == {"planned"}
    assert an.unclassified() == []
    _consistent(an)
