"""ISA-18.2: nothing but an acknowledgement removes an alarm's acknowledgement requirement.

Suppression by design (a machine trip, a server-link drop), shelving and out of service may
hide an alarm for a while, but an alarm nobody acknowledged must come back waiting for its
acknowledgement. The demo (qa3, 13:52:23) lost an unacknowledged "Conveyor vibration signal
lost" during a 1 s link drop: suppression set it acknowledged. And the cause of a trip is not
a consequence of it: the first-out is never suppressed by its own machine's trip.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.alarms import AlarmEngine, AlarmState, load_definitions
from hmi.core.alarms.model import needs_ack
from hmi.core.alarms.persistence import MemoryJournal
from hmi.core.config import LineConfig
from hmi.core.quality import BAD_COMMUNICATION_ERROR, GOOD
from hmi.core.samples import SampleBatch
from hmi.core.users import Role, User
from tests.test_alarm_engine import Clock, make_config

S = AlarmState
OPERATOR = User("olga", Role.OPERATOR)
SUPERVISOR = User("sam", Role.SUPERVISOR)

LINK = {
    "name": "line.server_link",
    "node_id": "ns=2;s=Link",
    "data_type": "enum",
    "states": {"0": "Connected", "1": "Lost"},
}
ALARMS: list[dict[str, Any]] = [
    # the filler's own analog alarm, suppressed while the filler is faulted (a trip's consequence)
    {
        "id": "temp",
        "type": "analog",
        "tag": "temp",
        "hi": 70,
        "deadband": 1.0,
        "suppress_when": "filler.state == 4",
    },
    # another machine's consequence of the filler's state
    {
        "id": "capper.starved",
        "type": "discrete",
        "tag": "capper.state",
        "value": "Idle",
        "priority": "low",
        "suppress_when": "filler.state != Running",
    },
    # a signal-lost alarm suppressed while the server link is down (the qa3 case)
    {
        "id": "pressure.bad",
        "type": "quality",
        "tag": "pressure",
        "on_delay_s": 1,
        "suppress_when": "line.server_link != Connected",
    },
    {
        "id": "filler.faulted",
        "type": "discrete",
        "tag": "filler.state",
        "value": 4,
        "priority": "high",
        "trip": True,
    },
]
IDS = ["temp.hi", "capper.starved", "pressure.bad", "filler.faulted"]


class Rig:
    def __init__(self) -> None:
        self.config: LineConfig = make_config(ALARMS, extra_tags=[LINK])
        defs, problems = load_definitions(self.config)
        assert not problems, problems
        self.clock = Clock()
        self.engine = AlarmEngine(self.config, defs, MemoryJournal(), self.clock, first_out_lookback_s=60.0)
        self.index = self.config.tag_index()

    def feed(self, tag: str, value: float, status: int = GOOD) -> None:
        t = self.clock.t
        self.engine.process(SampleBatch.from_columns([self.index[tag]], [t], [t], [t], [value], [status]))


ACTIONS = st.one_of(
    st.tuples(st.just("temp"), st.sampled_from([60.0, 75.0, 90.0])),
    st.tuples(st.just("filler.state"), st.sampled_from([2.0, 4.0, 0.0])),
    st.tuples(st.just("capper.state"), st.sampled_from([2.0, 3.0])),
    st.tuples(st.just("pressure"), st.sampled_from(["good", "bad"])),
    st.tuples(st.just("link"), st.sampled_from(["drop", "back"])),
    st.tuples(st.just("time"), st.sampled_from([0.5, 2.0, 30.0, 400.0])),
    st.tuples(st.sampled_from(["ack", "reset", "unshelve", "oos", "rts"]), st.sampled_from(IDS)),
    st.tuples(st.just("shelve"), st.tuples(st.sampled_from(IDS), st.sampled_from([10.0, 300.0]))),
)


def _step(rig: Rig, action: str, arg: Any) -> set[str]:
    """Run one action; returns the alarms it acknowledged on purpose (ack, reset)."""
    e = rig.engine
    match action:
        case "temp" | "filler.state" | "capper.state":
            rig.feed(action, arg)
        case "pressure":
            if arg == "good":
                rig.feed("pressure", 5.0)
            else:
                rig.feed("pressure", float("nan"), BAD_COMMUNICATION_ERROR)
        case "link":
            rig.feed("line.server_link", 1.0 if arg == "drop" else 0.0)
        case "time":
            rig.clock.t += arg
            e.tick()
        case "ack":
            e.acknowledge(arg, OPERATOR, "seen")
            return {arg}
        case "reset":
            e.reset(arg, OPERATOR)
            return {arg}
        case "shelve":
            aid, dur = arg
            if not e.record(aid).out_of_service:
                e.shelve(aid, SUPERVISOR, dur, "known, fitter on the way")
        case "unshelve":
            e.unshelve(arg, SUPERVISOR)
        case "oos":
            e.set_out_of_service(arg, SUPERVISOR, "maintenance")
        case "rts":
            e.return_to_service(arg, SUPERVISOR)
    return set()


@settings(max_examples=300, deadline=None)
@given(st.lists(ACTIONS, min_size=1, max_size=40))
def test_an_unacknowledged_alarm_stays_unacknowledged_until_an_ack(steps):
    rig = Rig()
    rig.feed("line.server_link", 0.0)
    rig.feed("filler.state", 2.0)
    rig.feed("capper.state", 2.0)
    for n, (action, arg) in enumerate(steps):
        before = {aid for aid in IDS if not rig.engine.record(aid).acked}
        acked_on_purpose = _step(rig, action, arg)
        for aid in before - acked_on_purpose:
            r = rig.engine.record(aid)
            assert not r.acked, f"step {n} {action} {arg}: {aid} lost its ack requirement ({r.state})"
            # Hidden only by an operator's own act (shelve, out of service); suppression by design
            # never takes an alarm waiting for its acknowledgement off the list.
            if r.shelved_until is None and not r.out_of_service:
                assert needs_ack(r), f"step {n} {action} {arg}: {aid} is {r.state}, off the operator's list"


def test_link_drop_keeps_a_returned_unacknowledged_signal_lost_alarm():
    """The qa3 sequence: RTN-unack signal-lost alarm, 1 s link drop, link back."""
    rig = Rig()
    rig.feed("line.server_link", 0.0)
    rig.feed("pressure", float("nan"), BAD_COMMUNICATION_ERROR)
    rig.clock.t += 2
    rig.engine.tick()
    assert rig.engine.record("pressure.bad").state == S.UNACKED
    rig.feed("pressure", 5.0)
    assert rig.engine.record("pressure.bad").state == S.RTN_UNACKED
    rig.feed("line.server_link", 1.0)
    assert rig.engine.record("pressure.bad").state == S.RTN_UNACKED
    rig.clock.t += 1.0
    rig.feed("line.server_link", 0.0)
    assert rig.engine.record("pressure.bad").state == S.RTN_UNACKED
    rig.engine.acknowledge("pressure.bad", OPERATOR)
    # The link-down suppression is released once the link has stood for the release hold
    # ([alarm_settings] suppress_release_s, 5 s): until then the acknowledged alarm is hidden.
    assert rig.engine.record("pressure.bad").state == S.SUPPRESSED
    rig.clock.t += 5.0
    rig.engine.tick()
    assert rig.engine.record("pressure.bad").state == S.NORMAL


def test_an_acknowledged_alarm_is_suppressed_by_design_and_an_ack_applies_a_waiting_suppression():
    rig = Rig()
    rig.feed("filler.state", 2.0)
    rig.feed("capper.state", 3.0)
    assert rig.engine.record("capper.starved").state == S.UNACKED
    rig.feed("filler.state", 0.0)  # consequence of the filler stopping: waits for its ack
    assert rig.engine.record("capper.starved").state == S.UNACKED
    rig.engine.acknowledge("capper.starved", OPERATOR)
    assert rig.engine.record("capper.starved").state == S.SUPPRESSED
    rig.feed("filler.state", 2.0)
    rig.clock.t += 5
    rig.engine.tick()
    assert rig.engine.record("capper.starved").state == S.UNACKED  # still idle: re-annunciated


def test_the_first_out_of_a_trip_is_not_suppressed_by_that_trip():
    """qa3 13:52:30: 'Labeller glue temperature Hi' (unacked) stood 50 s before the labeller tripped
    and went 'Suppressed by design' at the trip: the cause vanished when its consequence came."""
    rig = Rig()
    rig.feed("filler.state", 2.0)
    rig.feed("temp", 75.0)
    assert rig.engine.record("temp.hi").state == S.UNACKED
    rig.engine.acknowledge("temp.hi", OPERATOR)
    rig.clock.t += 50
    rig.feed("filler.state", 4.0)  # the trip: its own design suppression starts
    rec = rig.engine.record("temp.hi")
    assert rec.state == S.ACKED and not rec.suppressed and rec.first_out
    assert rig.engine.record("filler.faulted").first_out_of == "temp.hi"
    rig.feed("temp", 60.0)  # the cause clears while the trip stands: now a consequence, suppressed
    assert rig.engine.record("temp.hi").state == S.SUPPRESSED
    rig.feed("temp", 75.0)
    assert rig.engine.record("temp.hi").state == S.SUPPRESSED


def test_an_alarm_of_another_machine_is_no_cause_of_this_trip():
    rig = Rig()
    rig.feed("filler.state", 2.0)
    rig.feed("capper.state", 3.0)
    rig.engine.acknowledge("capper.starved", OPERATOR)
    rig.feed("filler.state", 4.0)
    assert rig.engine.record("capper.starved").state == S.SUPPRESSED
