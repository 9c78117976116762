"""The "since" of an alarm's state is when it entered that state (qa7 G3: "Acked since 20:09:18"
for an alarm acknowledged at 20:11:01 - the activation time). A property over random transition
sequences through the real engine: the record's `state_since` equals the time of the last journaled
transition into its current state, also after a restart from the journal."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.alarms.event_codec import AlarmSnapshot
from hmi.core.alarms.model import state_and_since
from hmi.core.events import EventKind
from hmi.core.review.alarm_picture import AlarmPicture
from hmi.core.users import PermissionDenied
from tests.test_alarm_engine import FAULTED, OPERATOR, STARVED, SUPERVISOR, Rig

ALARMS = ("temp.hi", "temp.hihi", "filler.faulted", "capper.starved")

step = st.one_of(
    st.tuples(st.just("temp"), st.sampled_from([50.0, 69.5, 72.0, 80.0, 90.0])),
    st.tuples(st.just("filler"), st.sampled_from([2, 4])),
    st.tuples(st.just("capper"), st.sampled_from([2, 3])),
    st.tuples(st.just("wait"), st.sampled_from([0.5, 3.0, 61.0])),
    st.tuples(
        st.sampled_from(["ack", "reset", "shelve", "unshelve", "oos", "rts"]),
        st.sampled_from(ALARMS),
    ),
)


def _apply(rig: Rig, op: str, arg: Any) -> None:
    e = rig.engine
    try:
        if op == "temp":
            rig.feed({"temp": arg})
        elif op == "filler":
            rig.feed({"filler.state": arg})
        elif op == "capper":
            rig.feed({"capper.state": arg})
        elif op == "wait":
            rig.advance(arg)
        elif op == "ack":
            e.acknowledge(arg, OPERATOR)
        elif op == "reset":
            e.reset(arg, OPERATOR)
        elif op == "shelve":
            e.shelve(arg, SUPERVISOR, 60, "nuisance")
        elif op == "unshelve":
            e.unshelve(arg, SUPERVISOR)
        elif op == "oos":
            e.set_out_of_service(arg, SUPERVISOR, "probe swap")
        elif op == "rts":
            e.return_to_service(arg, SUPERVISOR)
    except (ValueError, PermissionDenied):
        pass  # an action that does not apply to the alarm's state: refused, nothing changes
    rig.clock.t += 0.25  # every step at its own time, so that "which transition" is unambiguous


def _entered(rig: Rig) -> dict[str, float]:
    """Per alarm: the time of the last journaled transition that changed its state."""
    state: dict[str, str] = {}
    entered: dict[str, float] = {}
    for ev in rig.journal.of_kind(EventKind.ALARM):
        if ev.data.get("event") != "transition":
            continue
        aid, to = ev.data["alarm"], ev.data["to"]
        if state.get(aid, "normal") != to:
            entered[aid] = ev.ts
        state[aid] = to
    return entered


@settings(max_examples=60, deadline=None)
@given(st.lists(step, min_size=1, max_size=40))
def test_since_is_the_last_transition_into_the_current_state(steps):
    rig = Rig([FAULTED, STARVED])
    for op, arg in steps:
        _apply(rig, op, arg)
    entered = _entered(rig)
    for r in rig.engine.records(include_normal=True):
        state, since = state_and_since(r)
        assert state == r.state
        assert since == entered.get(r.id), (r.id, r.state, since, entered.get(r.id))
        if r.activated_at is not None and since is not None:
            assert since >= r.activated_at
    # The review's alarm picture at the end says the same.
    picture = AlarmPicture(rig.journal.events)  # type: ignore[arg-type]
    for row in picture.at(rig.clock.t):
        assert row.since == rig.engine.record(row.snapshot.alarm).state_since, row.snapshot.alarm
    # A restart from the journal keeps each alarm's "since" (the snapshot journals it).
    again = Rig([FAULTED, STARVED], journal=rig.journal)
    again.clock.t = rig.clock.t + 30
    again.engine.restore()
    for r in rig.engine.records():
        a = again.engine.record(r.id)
        if a.state == r.state:
            assert a.state_since == r.state_since, r.id


def test_acked_since_is_the_ack_time_in_the_journal_snapshot():
    rig = Rig()
    rig.feed({"temp": 75})
    raised = rig.clock.t
    rig.clock.t += 103
    rig.engine.acknowledge("temp.hi", OPERATOR)
    r = rig.engine.record("temp.hi")
    assert state_and_since(r) == (r.state, raised + 103)
    last = [e for e in rig.journal.of_kind(EventKind.ALARM) if e.data.get("alarm") == "temp.hi"][-1]
    snap = AlarmSnapshot.from_data(last.data)
    assert state_and_since(snap, fallback=0.0)[1] == raised + 103
    # An older journal without the field: the row's own time.
    old = {k: v for k, v in last.data.items() if k != "state_since"}
    assert state_and_since(AlarmSnapshot.from_data(old), fallback=last.ts)[1] == last.ts
