"""Why an alarm command does nothing, said once (hmi.core.alarms.commands.command_refusal), as the
role's refusal is (users.role_refusal): over random selections, a command is refused exactly when
it acts on none of them, and a latching alarm whose condition still stands is named with its value
and limit instead of "Select latched alarms to reset" (qa9 Q9-17: the tooltip of a disabled Reset
with that very alarm selected did not say why it could not be reset yet)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from hmi.core.alarms.commands import AlarmCommand, command_refusal, targets
from hmi.core.alarms.model import AlarmDefinition, AlarmKind, AlarmState, Priority
from tests.helpers.alarm_records import record

KINDS = [AlarmKind.ANALOG, AlarmKind.DISCRETE, AlarmKind.ROC]


def _definition(alarm_id: str, kind: AlarmKind) -> AlarmDefinition:
    return AlarmDefinition(
        id=alarm_id,
        name=alarm_id.upper(),
        kind=kind,
        tag="t",
        priority=Priority.HIGH,
        op="==" if kind == AlarmKind.DISCRETE else ">",
        limit=4.0 if kind == AlarmKind.DISCRETE else 7.1,
        unit="" if kind == AlarmKind.DISCRETE else "mm/s",
        state_labels={"4": "Faulted", "2": "Running"} if kind == AlarmKind.DISCRETE else {},
    )


records = st.builds(
    lambda i, state, latched, kind, value: record(
        f"a{i}",
        state,
        acked=state == AlarmState.ACKED,
        kind=kind,
        latched=latched or state == AlarmState.LATCHED,
        value=value,
    ),
    st.integers(0, 9),
    st.sampled_from(list(AlarmState)),
    st.booleans(),
    st.sampled_from(KINDS),
    st.one_of(st.just(math.nan), st.sampled_from([2.0, 4.0]), st.floats(-50, 50, allow_nan=False)),
)


@given(selection=st.lists(records, max_size=5), known=st.booleans())
def test_refused_exactly_when_nothing_is_acted_on(selection, known):
    defs = {r.id: _definition(r.id, r.kind) for r in selection} if known else None
    for cmd in AlarmCommand:
        why = command_refusal(cmd, selection, defs)
        assert (why == "") == bool(targets(cmd, selection)), (cmd, why)
        if why and cmd is not AlarmCommand.RESET:
            assert why == cmd.spec.nothing_to_do


@given(selection=st.lists(records, min_size=1, max_size=5), known=st.booleans())
def test_a_standing_latching_alarm_says_why_it_cannot_be_reset_yet(selection, known):
    standing = [r for r in selection if r.latched and r.state in (AlarmState.UNACKED, AlarmState.ACKED)]
    defs = {r.id: _definition(r.id, r.kind) for r in selection} if known else None
    why = command_refusal(AlarmCommand.RESET, selection, defs)
    if any(r.state == AlarmState.LATCHED for r in selection):
        assert why == ""  # one can be reset: Reset is offered
        return
    if not standing:
        assert why == AlarmCommand.RESET.spec.nothing_to_do
        return
    r = standing[0]
    assert why.startswith(f"{r.name}") and "still in alarm" in why and "once its condition has cleared" in why
    if known and not math.isnan(r.value):
        d = defs[r.id]
        assert f"value {d.value_text(r.value)}" in why
        if r.kind != AlarmKind.DISCRETE:
            assert f"limit {d.describe_limit()}" in why
    if len(standing) > 1:
        assert f"and {len(standing) - 1} more" in why


def test_the_values_now_are_read_when_given():
    r = record("trip", AlarmState.UNACKED, kind=AlarmKind.DISCRETE, latched=True, value=math.nan)
    defs = {"trip": _definition("trip", AlarmKind.DISCRETE)}
    assert "value Faulted" in command_refusal(AlarmCommand.RESET, [r], defs, lambda _r: 4.0)
    assert "value" not in command_refusal(AlarmCommand.RESET, [r], defs)  # NaN: no figure, no "?"
