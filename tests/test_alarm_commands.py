"""The alarm command model: every command carries its role, wording and arguments, and every
engine operation is run by `AlarmEngine.execute` with the role its spec names (no string dispatch)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmi.core.alarms.commands import OPERATIONS, AlarmCommand, AlarmRequest, targets
from hmi.core.alarms.model import AlarmKind, AlarmRecord, AlarmState, Priority
from hmi.core.events import EventKind
from hmi.core.users import REQUIRED_ROLE, PermissionDenied, Role, User
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


def _record(state: AlarmState, acked: bool, kind: AlarmKind, i: int) -> AlarmRecord:
    return AlarmRecord(
        id=f"a{i}", name=f"A{i}", machine="m", tag="t", kind=kind, priority=Priority.LOW, state=state,
        active=True, acked=acked, in_alarm=True, latched=False, shelved_until=None, shelved_by="",
        shelve_reason="", suppressed=False, out_of_service=False, first_out=False, first_out_of="",
        value=1.0, limit=2.0, activated_at=None, cleared_at=None, acked_at=None, acked_by="", message="",
        trigger_value=1.0, count=1, comment="", changed_at=0.0,
    )  # fmt: skip


records = st.lists(
    st.tuples(st.sampled_from(list(AlarmState)), st.booleans(), st.sampled_from(list(AlarmKind))),
    max_size=8,
).map(lambda rows: [_record(s, a, k, i) for i, (s, a, k) in enumerate(rows)])


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
