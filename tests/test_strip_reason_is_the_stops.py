"""The status strip names a running stop by the reason the Stops table gives that stop (QA10 Q10-17).

The capper jammed (Faulted, PLC fault code 1 = U-JAM), then sat in Stopped before Starting: the
strip said "held by capper: unclassified" while the Stops table listed the same stop as "Jam
(U-JAM) … PLC fault code". The live path re-derived the reason from the state the machine was in
now (Stopped: no fault code, no planned reason) instead of taking it from the stop model, where a
run of own-stop states is one stop whose reason is set at its start.

Property over random own-stop state / fault-code sequences of one machine (the analysis saw the
stop begin and its fault window pass, as the strip's analysis, redone every 2 s, does): at every
step the strip's holder reason is the Stops table's reason for that machine's ongoing stop,
computed from the whole record.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.live_values import LiveValues
from hmi.core.production.line_now import live_status
from hmi.core.production.oee import ProductionAnalysis
from hmi.core.production.timeline import FAULT_WINDOW_S
from tests.production_helpers import FAULTED, RUNNING, STARTING, STOPPED, T0, demo_setup, machine
from tests.test_strip_follows_faceplates import _deliver

SETUP = demo_setup()
CONFIG = load_config(DEMO_CONFIG)
IDS = SETUP.ids
START = 1800.0  # 06:30, the early shift, outside its breaks
OWN = (STOPPED, STARTING, FAULTED)
CODES = (0, 1, 2, 3, 4, 5, 9)  # 9: a code the reason map does not know


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, len(IDS) - 1),
    st.tuples(st.sampled_from(OWN), st.sampled_from(CODES)),
    st.lists(
        st.tuples(st.sampled_from(OWN), st.sampled_from(CODES), st.floats(0.2, 20.0)), min_size=1, max_size=8
    ),
    st.integers(0, 8),
)
def test_the_strip_reason_of_a_running_stop_is_the_stops_table_reason(first, begin, steps, seen_after):
    root = IDS[first]
    t = START + 5.0
    state, code = begin
    code = code if state == FAULTED else 0  # a fault code comes with Faulted; it may stay after it
    changes = [(START - 600.0, RUNNING), (t, state)]
    faults = [(START - 600.0, 0), (t, code)]
    plan = [(t, state, code)]
    for s, c, gap in steps:
        t += gap
        c = c if s == FAULTED else (c if c == plan[-1][2] else 0)
        changes.append((t, s))
        faults.append((t, c))
        plan.append((t, s, c))
    t_end = t + 1.0

    def data_until(t_cut: float) -> dict:
        def cut(xs):
            return [x for x in xs if x[0] <= t_cut]

        return {
            mid: machine(cut(changes), fault=machine(cut(faults)).state)
            if mid == root
            else machine([(START - 600.0, RUNNING)])
            for mid in IDS
        }

    # The analysis the strip holds: made some steps into the stop, after the stop's fault window (a
    # PLC code read with the stop's start) has passed, as the strip's analysis (redone every 2 s) is.
    k_an = min(seen_after, len(plan) - 1)
    t_an_rel = max(plan[k_an][0], plan[0][0] + FAULT_WINDOW_S[1]) + 0.1
    t_an = T0 + t_an_rel
    analysed = ProductionAnalysis.build(SETUP, data_until(t_an_rel), T0, t_an, live=True).status(t_an)
    live = LiveValues(CONFIG)
    for mid in IDS:
        _deliver(live, mid, RUNNING, 0, T0 + START - 600.0)
    for tk, s, c in plan:
        _deliver(live, root, s, c, T0 + tk)
        later = [x[0] for x in plan if x[0] > tk]
        if later and later[0] <= t_an_rel:
            continue  # the live states are past the analysis only from here
        now = T0 + max(tk, t_an_rel) + 0.05
        status = live_status(analysed, SETUP, live, now)
        truth = ProductionAnalysis.build(SETUP, data_until(now - T0), T0, now, live=True)
        ongoing = [x for x in truth.stops if x.machine == root and x.ongoing]
        assert len(ongoing) == 1, ongoing
        table = ongoing[0].reason_label(SETUP) if ongoing[0].reason else SETUP.reason_text("")
        assert status is not None and status.holding_machine == root, status
        assert status.holding_reason == table, (plan, status.claim, table)
        assert status.claim.startswith(f"held by {root}: {table}"), (status.claim, table)
    assert t_end > t


def test_the_capper_jam_then_stopped_seen_by_the_tester():
    """Q10-17: Faulted (Jam) -> Stopped (code cleared) -> Starting: 'Jam (U-JAM)' all through."""
    t_stop = START + 5.0
    changes = [(START - 600.0, RUNNING), (t_stop, FAULTED)]
    data = {mid: machine([(START - 600.0, RUNNING)]) for mid in IDS}
    data["capper"] = machine(changes, fault=machine([(START - 600.0, 0), (t_stop, 1)]).state)
    t_an = T0 + t_stop + 20.0
    analysed = ProductionAnalysis.build(SETUP, data, T0, t_an, live=True).status(t_an)
    live = LiveValues(CONFIG)
    for mid in IDS:
        _deliver(live, mid, RUNNING, 0, T0 + START - 600.0)
    _deliver(live, "capper", FAULTED, 1, T0 + t_stop)
    _deliver(live, "capper", STOPPED, 0, t_an + 9.0)
    status = live_status(analysed, SETUP, live, t_an + 9.5)
    assert status.claim.startswith("held by capper: Jam (U-JAM)"), status.claim
    _deliver(live, "capper", STARTING, 0, t_an + 10.0)
    status = live_status(analysed, SETUP, live, t_an + 10.5)
    assert status.claim.startswith("held by capper: Jam (U-JAM)"), status.claim
