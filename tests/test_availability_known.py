"""A is never shown before it means something (qa8 Q3).

In the first seconds after start the strip said "A 0.0 % (3 short stops < 60 s counted as speed
loss)" beside "all machines running", and A 100 % fifteen seconds later: the machines' start-up
stops were still going on, so their seconds counted as downtime, though they ended as short stops
(a speed loss, not in A). A stop going on that is still shorter than the short-stop threshold is
neither yet: A leaves its seconds out (OeeFigures.pending_s, one home), and reads "—" with why
while nothing else is known, as P reads "—" before anything was counted.

Properties over random live shifts in which every stop is short (ends within the threshold): at
every instant, for the line and every machine, A is "—" or 100 %, never lower (on the old code:
0 % during each stop). And a stop that outlasts the threshold is downtime from then on: A drops.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.production.oee import LINE, ProductionAnalysis
from hmi.core.production.text import availability_text
from tests.production_helpers import FAULTED, RUNNING, STARTING, T0, demo_setup, machine

SETUP = demo_setup()
LIMIT = SETUP.short_stop_s


def _runs(draw_stops: list[tuple[float, float, int]], first_stopped: bool) -> list[tuple[float, int]]:
    """State changes: running, with each (gap before, length, state) stop; optionally stopped at
    the first reading (the demo's start-up)."""
    t = 0.0
    out: list[tuple[float, int]] = []
    for gap, length, state in draw_stops:
        if out or not first_stopped:
            out.append((t, RUNNING))
            t += gap
        out.append((t, state))
        t += length
    out.append((t, RUNNING))
    return out


short_stop = st.tuples(
    st.floats(1.0, 120.0),  # running before it
    st.floats(0.5, LIMIT - 0.5),  # shorter than the threshold
    st.sampled_from([FAULTED, STARTING]),  # unplanned stop states of the demo line
)


@settings(max_examples=60, deadline=None)
@given(
    plans=st.lists(
        st.lists(short_stop, min_size=1, max_size=4), min_size=len(SETUP.ids), max_size=len(SETUP.ids)
    ),
    first_stopped=st.booleans(),
    at=st.floats(0.05, 0.95),
)
def test_short_stops_never_lower_a_while_they_go_on(plans, first_stopped, at):
    data = {m: machine(_runs(plan, first_stopped)) for m, plan in zip(SETUP.ids, plans, strict=True)}
    end = max(sum(g + n for g, n, _ in plan) for plan in plans)
    now = T0 + max(0.5, at * end)
    an = ProductionAnalysis.build(SETUP, data, T0, now, live=True)
    for scope in (LINE, *SETUP.ids):
        f = an.oee(scope, T0, now)
        a = f.availability
        assert a is None or a > 1.0 - 1e-9, (scope, a, availability_text(f), f.times, f.pending_s)
        if a is None and f.pending_s > 0:
            assert availability_text(f).startswith("— ("), availability_text(f)


def test_the_demo_start_up_reads_dash_then_100(tmp_path):
    """The demo's start-up: every machine stopped at its first reading, then starting, running."""
    plan = {"filler": 8.2, "capper": 6.2, "labeller": 4.1, "conveyor": 2.2}
    data = {m: machine([(0.0, STARTING), (plan[m], RUNNING)]) for m in SETUP.ids}
    for dt in (1.0, 2.0, 4.0, 6.0, 8.0):
        f = ProductionAnalysis.build(SETUP, data, T0, T0 + dt, live=True).oee(LINE)
        assert f.availability is None and f.oee is None, (dt, availability_text(f))
    f = ProductionAnalysis.build(SETUP, data, T0, T0 + 20.0, live=True).oee(LINE)
    assert availability_text(f).startswith("100.0 % (4 short stops")


def test_a_stop_past_the_threshold_is_downtime_from_then_on():
    data = {m: machine([(0.0, RUNNING), (100.0, FAULTED)]) for m in SETUP.ids}
    during = ProductionAnalysis.build(SETUP, data, T0, T0 + 100.0 + LIMIT / 2, live=True).oee(LINE)
    assert during.availability == 1.0  # not known yet: the stop's seconds are left out
    past = ProductionAnalysis.build(SETUP, data, T0, T0 + 100.0 + LIMIT + 5, live=True).oee(LINE)
    assert past.availability is not None and past.availability < 1.0
    assert past.pending_s == 0.0
