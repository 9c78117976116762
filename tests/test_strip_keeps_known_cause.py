"""While the line is stopped, the strip names the stop that began it (qa9 Q9-25).

35 s into the capper jam the strip went from "held by capper: Jam (U-JAM)" to "LINE STOPPED ·
cause not known yet · waiting: filler, labeller" as the capper restarted: the live path dropped the
analysis' holder as soon as that machine's state changed. Property over machine state sequences: a
machine's own stop begins (the analysis sees it), then the machines change to any mix of running and
waiting with the line still not running: the strip names that machine's stop, never "not known".
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.live_values import LiveValues
from hmi.core.production.line_now import live_status
from hmi.core.production.oee import ProductionAnalysis
from tests.production_helpers import FAULTED, IDLE, RUNNING, STARTING, STOPPED, T0, demo_setup, machine
from tests.test_line_claim import _named
from tests.test_strip_follows_faceplates import _deliver

SETUP = demo_setup()
CONFIG = load_config(DEMO_CONFIG)
IDS = SETUP.ids
START = 1800.0  # 06:30, the early shift, outside its breaks
OWN = (STOPPED, STARTING, FAULTED)
AFTER = (RUNNING, IDLE, STARTING)  # the first machine restarts or runs; the others run or wait


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, len(IDS) - 1),
    st.sampled_from(OWN),
    st.lists(
        st.tuples(st.integers(0, len(IDS) - 1), st.sampled_from(AFTER), st.floats(0.2, 30.0)),
        min_size=1,
        max_size=10,
    ),
)
def test_while_the_line_waits_after_a_stop_the_strip_names_that_stop(first, own, changes):
    root = IDS[first]
    t_stop = START + 5.0
    history = {mid: [(START - 600.0, RUNNING)] for mid in IDS}
    history[root].append((t_stop, own))
    code = 1 if own == FAULTED else 0  # 1 = Jam -> U-JAM
    data = {
        mid: machine(
            history[mid], fault=machine([(START - 600.0, 0), (t_stop, code if mid == root else 0)]).state
        )
        for mid in IDS
    }
    t_an = T0 + t_stop + 2.0
    analysed = ProductionAnalysis.build(SETUP, data, T0, t_an, live=True).status(t_an)
    assert analysed.holding_machine == root, analysed
    live = LiveValues(CONFIG)
    for mid in IDS:
        _deliver(live, mid, RUNNING, 0, T0 + START - 600.0)
    _deliver(live, root, own, code, T0 + t_stop)
    values = {mid: RUNNING for mid in IDS}
    values[root] = own
    t = T0 + t_stop
    for mi, v, gap in changes:
        t += gap
        mid = IDS[mi]
        if mid != root and v == STARTING:
            v = IDLE  # only the machine that stopped first is in a stop of its own
        _deliver(live, mid, v, code if mid == root else 0, t)
        values[mid] = v
        status = live_status(analysed, SETUP, live, t)
        assert status is not None
        if status.state == "running":
            continue
        assert status.holding_machine == root, (values, status.claim)
        assert "not known" not in status.claim, (values, status.claim)
        if values[root] == RUNNING:
            # named as what the line waits after, never as a machine holding (or not running)
            assert status.claim.startswith(f"after {root}: "), (values, status.claim)
            assert _named(status.claim, root) == [], (values, status.claim)
        elif values[root] == IDLE:
            assert status.claim.startswith(f"after {root}: "), (values, status.claim)
            assert _named(status.claim, root) == ["waiting"], (values, status.claim)
        else:
            assert status.claim.startswith(f"held by {root}: "), (values, status.claim)


def test_the_capper_jam_seen_by_the_tester():
    """Q9-25: the capper jammed (the analysis saw it), then runs again while the filler and the
    labeller still wait: the strip says what the line waits after, not "cause not known yet"."""
    t_stop = START + 5.0
    history = {mid: [(START - 600.0, RUNNING)] for mid in IDS}
    history["capper"].append((t_stop, FAULTED))
    data = {mid: machine(history[mid]) for mid in IDS}
    data["capper"] = machine(history["capper"], fault=machine([(START - 600.0, 0), (t_stop, 1)]).state)
    t_an = T0 + t_stop + 30.0
    analysed = ProductionAnalysis.build(SETUP, data, T0, t_an, live=True).status(t_an)
    live = LiveValues(CONFIG)
    for mid in IDS:
        _deliver(live, mid, RUNNING, 0, T0 + START - 600.0)
    _deliver(live, "capper", FAULTED, 1, T0 + t_stop)
    _deliver(live, "filler", IDLE, 0, T0 + t_stop + 10.0)
    _deliver(live, "labeller", IDLE, 0, T0 + t_stop + 12.0)
    _deliver(live, "capper", RUNNING, 0, t_an + 1.0)
    status = live_status(analysed, SETUP, live, t_an + 1.0)
    assert status.state == "stopped"
    assert status.claim == "after capper: Jam (U-JAM) · waiting: filler, labeller", status.claim
