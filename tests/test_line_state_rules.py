"""The rules for an operator action made on another station of the line (hmi.core.line_state), over
random alarm states, action kinds and delays: every alarm of an action is accounted for once, nothing
applies to an alarm the station lacks, a shelve ends when it would have ended where it was made, an
acknowledgement never reaches an activation newer than itself, and the payload round-trips."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmi.core.alarms.commands import OPERATIONS, AlarmCommand, AlarmRequest
from hmi.core.alarms.model import AlarmState
from hmi.core.line_state import DEFAULT_SETTLE_S, LineAction, StopAction, plan_alarm_action
from hmi.core.users import Role, User
from tests.helpers.alarm_records import record

C = AlarmCommand
S = AlarmState
MADE = 1_765_000_000.0
IDS = ["a", "b", "c", "d"]


def _request(cmd: AlarmCommand, ids: tuple[str, ...], duration: float, limit: float) -> AlarmRequest:
    if cmd == C.SET_LIMIT:
        ids = ids[:1]
    return AlarmRequest(
        cmd, ids, "why", duration if cmd == C.SHELVE else None, limit if cmd == C.SET_LIMIT else None
    )


recs = st.dictionaries(
    st.sampled_from(IDS),
    st.tuples(
        st.sampled_from(list(AlarmState)),
        st.none() | st.floats(-600, 600),  # activated, relative to when the action was made
        st.none() | st.floats(-600, 600),  # acknowledged
    ),
)


@given(
    cmd=st.sampled_from(OPERATIONS),
    ids=st.lists(st.sampled_from(IDS), min_size=1, max_size=4, unique=True).map(tuple),
    states=recs,
    delay=st.floats(0, 3600),
    duration=st.floats(1, 12 * 3600),
    here=st.booleans(),
)
def test_every_alarm_of_an_action_is_applied_noted_or_waited_for_once(
    cmd, ids, states, delay, duration, here
):
    action = LineAction("x", "st-2", MADE, "sam", Role.ENGINEER, _request(cmd, ids, duration, 70.0), seq=7)
    records = {
        aid: record(
            aid,
            state,
            activated_at=None if act is None else MADE + act,
            acked_at=None if ack is None else MADE + ack,
            acked_by="olga" if ack is not None else "",
        )
        for aid, (state, act, ack) in states.items()
    }
    now = MADE + delay
    plan = plan_alarm_action(action, records, now, here=here)
    assert action.alarm is not None
    applied = list(plan.request.ids) if plan.request else []
    noted = [n.target for n in plan.notes]
    assert sorted(applied + noted + list(plan.waiting)) == sorted(action.alarm.ids)
    assert all(n.action == cmd.action for n in plan.notes)
    assert set(applied) <= set(records)  # never an alarm this station lacks
    for aid in set(action.alarm.ids) - set(records):
        assert any(n.target == aid and "no alarm" in n.why for n in plan.notes)
    if plan.request is not None:
        assert plan.request.command == cmd and plan.request.text == "why"
        assert plan.request.origin == (None if here else action.origin)
    if cmd == C.SHELVE:
        if plan.request is not None:  # it ends when it would have ended where it was made
            assert plan.request.duration_s is not None and plan.request.duration_s > 0
            assert now + plan.request.duration_s == pytest.approx(MADE + duration)
        # Applied whatever the acknowledgement or activity (acknowledged meanwhile, back to normal...),
        # except where the alarm is out of service or the shelve has expired.
        expected = [i for i in action.alarm.ids if i in records and records[i].state != S.OUT_OF_SERVICE]
        expired = duration - (now - MADE) <= 0
        assert applied == ([] if expired else expected)
        if expired:
            assert all("expired" in n.why for n in plan.notes if n.target in records)
    if cmd == C.ACKNOWLEDGE:
        for aid in applied:
            r = records[aid]
            assert r.state in (S.UNACKED, S.RTN_UNACKED)
            assert r.activated_at is not None and r.activated_at <= MADE + DEFAULT_SETTLE_S
        if plan.waiting:  # retried only within the settle time
            assert delay < DEFAULT_SETTLE_S
    if cmd == C.SET_LIMIT:
        assert applied == [i for i in action.alarm.ids if i in records]  # the last writer wins


@given(
    cmd=st.sampled_from(OPERATIONS),
    ids=st.lists(st.sampled_from(IDS), min_size=1, max_size=3, unique=True).map(tuple),
    duration=st.floats(1, 3600),
    limit=st.floats(-1e6, 1e6),
    role=st.sampled_from(list(Role)),
)
def test_an_action_travels_through_its_json_payload_unchanged(cmd, ids, duration, limit, role):
    user = User("olga", role)
    a = LineAction.made("st-1", user, alarm=_request(cmd, ids, duration, limit), now=MADE)
    back = LineAction.from_payload(
        a.kind.value,
        json.loads(json.dumps(a.payload())),
        action_id=a.action_id,
        station=a.station,
        made_at=a.made_at,
        user=a.user,
        role=int(a.role),
    )
    assert back == a
    s = LineAction.made("st-1", user, stop=StopAction("classify_stop", "filler", MADE, {"reason": "jam"}))
    again = LineAction.from_payload(
        s.kind.value, json.loads(json.dumps(s.payload())), action_id=s.action_id, station=s.station,
        made_at=s.made_at, user=s.user, role=int(s.role),
    )  # fmt: skip
    assert again == s and again.as_user() == User("olga", role)
