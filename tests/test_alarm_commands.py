"""The alarm command model: every command carries its role, wording and arguments, and every
engine operation is run by `AlarmEngine.execute` with the role its spec names (no string dispatch)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmi.core.alarms.commands import (
    OPERATIONS,
    AlarmCommand,
    AlarmRequest,
    Text,
    confirmation_detail,
    targets,
)
from hmi.core.alarms.event_codec import TransitionCause
from hmi.core.alarms.model import AlarmKind, AlarmState
from hmi.core.events import EventKind
from hmi.core.users import REQUIRED_ROLE, PermissionDenied, Role, User
from tests.helpers.alarm_records import record
from tests.test_alarm_engine import Rig

# A request per operation that the engine accepts on the test rig's alarms.
VALID = {
    AlarmCommand.ACKNOWLEDGE: AlarmRequest(AlarmCommand.ACKNOWLEDGE, ("temp.hi",), "seen"),
    AlarmCommand.RESET: AlarmRequest(AlarmCommand.RESET, ("temp.hi",)),
    AlarmCommand.SHELVE: AlarmRequest(AlarmCommand.SHELVE, ("temp.hi",), "sensor work", duration_s=600),
    AlarmCommand.UNSHELVE: AlarmRequest(AlarmCommand.UNSHELVE, ("temp.hi",)),
    AlarmCommand.OUT_OF_SERVICE: AlarmRequest(AlarmCommand.OUT_OF_SERVICE, ("temp.hi",), "WO 4711"),
    AlarmCommand.RETURN_TO_SERVICE: AlarmRequest(AlarmCommand.RETURN_TO_SERVICE, ("temp.hi",)),
    AlarmCommand.SET_LIMIT: AlarmRequest(AlarmCommand.SET_LIMIT, ("temp.hi",), "new sensor", limit=72.0),
}


def test_every_command_has_a_spec_an_operation_and_a_role():
    assert set(VALID) == set(OPERATIONS)
    for cmd in AlarmCommand:
        spec = cmd.spec
        assert spec.button and spec.menu and spec.doing and spec.done and spec.nothing_to_do
        assert cmd.operation in OPERATIONS
        assert cmd.required_role == REQUIRED_ROLE[cmd.action]
        # A variant asks for the same thing as its operation: the same permission.
        assert cmd.action == cmd.operation.action


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda c: c.name)
def test_engine_runs_each_operation_with_the_role_its_spec_names(op):
    rig = Rig()
    rig.feed({"temp": 75.0})  # temp.hi active
    need = op.required_role
    below = User("low", Role(need - 1)) if need > Role.VIEWER else None
    with pytest.raises(PermissionDenied):
        rig.engine.execute(VALID[op], below)
    audit = [e.message for e in rig.journal.of_kind(EventKind.AUDIT)]
    assert any("refused" in m for m in audit), audit  # the refusal is journaled
    rig.engine.execute(VALID[op], User("ok", need))  # allowed: no exception


def test_a_request_refuses_what_cannot_be_sent():
    with pytest.raises(ValueError, match="not an engine operation"):
        AlarmRequest(AlarmCommand.ACKNOWLEDGE_COMMENT, ("a",))
    with pytest.raises(ValueError, match="duration"):
        AlarmRequest(AlarmCommand.SHELVE, ("a",), "why")
    with pytest.raises(ValueError, match="limit"):
        AlarmRequest(AlarmCommand.SET_LIMIT, ("a",), "why", limit=float("nan"))
    with pytest.raises(ValueError, match="one alarm"):
        AlarmRequest(AlarmCommand.SET_LIMIT, ("a", "b"), "why", limit=1.0)
    with pytest.raises(ValueError, match="no alarm ids"):
        AlarmRequest(AlarmCommand.RESET, ())
    assert AlarmRequest("acknowledge", ["a"]).command is AlarmCommand.ACKNOWLEDGE  # type: ignore[arg-type]


def test_per_alarm_splits_only_what_the_engine_takes_one_by_one():
    ack = AlarmRequest(AlarmCommand.ACKNOWLEDGE, ("a", "b"))
    assert ack.per_alarm() == [ack]
    shelve = AlarmRequest(AlarmCommand.SHELVE, ("a", "b"), "why", duration_s=60)
    assert [r.ids for r in shelve.per_alarm()] == [("a",), ("b",)]
    assert all(r.text == "why" and r.duration_s == 60 for r in shelve.per_alarm())


records = st.lists(
    st.tuples(st.sampled_from(list(AlarmState)), st.booleans(), st.sampled_from(list(AlarmKind))),
    max_size=8,
).map(lambda rows: [record(f"a{i}", s, acked=a, kind=k) for i, (s, a, k) in enumerate(rows)])


@given(records, st.sampled_from(list(AlarmCommand)))
def test_targets_are_the_selected_records_the_command_applies_to(recs, cmd):
    picked = targets(cmd, recs)
    assert all(r in recs and cmd.spec.applies_to(r) for r in picked)
    if cmd.spec.one_alarm:
        assert len(picked) <= 1
    else:
        assert picked == [r for r in recs if cmd.spec.applies_to(r)]
    # Nothing a command applies to is in a state it cannot act on.
    for r in picked:
        if cmd.operation is AlarmCommand.ACKNOWLEDGE:
            assert not r.acked
        if cmd is AlarmCommand.RETURN_TO_SERVICE:
            assert r.state == AlarmState.OUT_OF_SERVICE
        if cmd is AlarmCommand.SET_LIMIT:
            assert r.kind in (AlarmKind.ANALOG, AlarmKind.ROC)


def test_specs_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        AlarmCommand.SHELVE.spec.button = "x"  # type: ignore[misc]


def test_every_engine_operation_is_journaled_with_its_own_cause():
    """What an operator did is read back from the journal by its cause (KPIs, the assistant):
    each operation leaves a transition whose action is a TransitionCause."""
    rig = Rig()
    rig.feed({"temp": 75.0})
    causes = set()
    for op in (C for C in OPERATIONS if C is not AlarmCommand.RESET):  # temp.hi does not latch
        before = len(rig.alarm_events("temp.hi"))
        rig.engine.execute(VALID[op], User("eng", Role.ENGINEER))
        causes.add(rig.alarm_events("temp.hi")[before]["action"])  # the operator's, before any re-activation
    assert causes <= {c.value for c in TransitionCause}
    assert len(causes) == len(OPERATIONS) - 1  # one cause per operation, none shared


@given(
    text=st.text(min_size=1, max_size=60).filter(lambda t: t.strip()),
    duration=st.sampled_from(["", "1 hour", "8 hours"]),
    limit=st.sampled_from(["", "4.5 mm/s"]),
)
def test_a_confirmation_never_runs_the_typed_text_into_the_alarm_name(text, duration, limit):
    """qa5 F7: "Took out of service Conveyor vibration signal lost sensor cable replaced …": every
    command that takes a text says in brackets what it is, after the duration or limit."""
    for cmd in AlarmCommand:
        if cmd.spec.text is Text.NONE:
            continue
        detail = confirmation_detail(cmd, text, duration=duration, limit=limit)
        label = "comment" if cmd.spec.text is Text.COMMENT else "reason"
        assert detail.endswith(f"({label}: {text})"), (cmd, detail)
        if duration:
            assert detail.startswith(f"for {duration} (")
        elif limit:
            assert detail.startswith(f"to {limit} (")
    assert confirmation_detail(AlarmCommand.OUT_OF_SERVICE, "  ") == ""


# A refused input per operation (qa7 G33: a refused limit change left no audit row). Each reaches
# the engine with a user allowed to act and fails on what was typed or picked, not on the role.
REFUSED = {
    AlarmCommand.ACKNOWLEDGE: [AlarmRequest(AlarmCommand.ACKNOWLEDGE, ("nope",), "seen")],
    AlarmCommand.RESET: [AlarmRequest(AlarmCommand.RESET, ("nope",))],
    AlarmCommand.SHELVE: [
        AlarmRequest(AlarmCommand.SHELVE, ("temp.hi",), "  ", duration_s=600),
        AlarmRequest(AlarmCommand.SHELVE, ("temp.hi",), "sensor work", duration_s=-5),
        AlarmRequest(AlarmCommand.SHELVE, ("temp.hi",), "sensor work", duration_s=10 * 86400),
    ],
    AlarmCommand.UNSHELVE: [AlarmRequest(AlarmCommand.UNSHELVE, ("nope",))],
    AlarmCommand.OUT_OF_SERVICE: [AlarmRequest(AlarmCommand.OUT_OF_SERVICE, ("temp.hi",), "")],
    AlarmCommand.RETURN_TO_SERVICE: [AlarmRequest(AlarmCommand.RETURN_TO_SERVICE, ("nope",))],
    AlarmCommand.SET_LIMIT: [
        AlarmRequest(AlarmCommand.SET_LIMIT, ("temp.hi",), "new sensor", limit=90.0),  # above HiHi 85
        AlarmRequest(AlarmCommand.SET_LIMIT, ("temp.hi",), "", limit=72.0),
        AlarmRequest(AlarmCommand.SET_LIMIT, ("filler.faulted",), "why not", limit=3.0),
        AlarmRequest(AlarmCommand.SET_LIMIT, ("level.lolo",), "drain", limit=25.0),  # above Lo 20
    ],
}


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda c: c.name)
def test_every_refused_input_is_audited_once_with_who_what_and_why(op):
    from tests.test_alarm_engine import FAULTED

    assert set(REFUSED) == set(OPERATIONS)
    user = User("erin", Role.ENGINEER)
    for request in REFUSED[op]:
        rig = Rig([FAULTED])
        rig.feed({"temp": 75.0})
        states = {r.id: r.state for r in rig.engine.records(include_normal=True)}
        n_alarm = len(rig.journal.of_kind(EventKind.ALARM))
        with pytest.raises((ValueError, KeyError)) as info:
            rig.engine.execute(request, user)
        audit = rig.journal.of_kind(EventKind.AUDIT)
        assert len(audit) == 1, (request, [a.message for a in audit])
        row = audit[0]
        why = str(info.value)
        assert row.user == "erin" and row.data["role"] == Role.ENGINEER.label
        assert row.data["action"] == op.action.value and row.data["result"] == "refused"
        assert row.data["alarms"] == list(request.ids) and row.source == ", ".join(request.ids)
        assert row.data["detail"] == why and why in row.message, (row.message, why)
        # Refused: nothing changed, no transition journaled.
        assert {r.id: r.state for r in rig.engine.records(include_normal=True)} == states
        assert len(rig.journal.of_kind(EventKind.ALARM)) == n_alarm
