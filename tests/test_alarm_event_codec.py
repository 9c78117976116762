"""The alarm-event codec: what the engine writes reads back the same, whatever the values;
a replay of transitions and checkpoints gives the state of each alarm at the last event."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.alarms.event_codec import (
    AlarmSnapshot,
    checkpoint_data,
    checkpoint_of,
    latest_snapshots,
    transition_data,
    transition_of,
    transitions,
)
from hmi.core.alarms.model import AlarmState
from hmi.core.events import EventKind, JournalEvent

floats = st.floats(allow_nan=True, allow_infinity=True) | st.none()
texts = st.text(max_size=12)
states = st.sampled_from([s.value for s in AlarmState])

snapshots = st.builds(
    AlarmSnapshot,
    alarm=st.sampled_from(["a", "b", "c", "temp.hi"]),
    name=st.text(min_size=1, max_size=12),
    tag=texts,
    machine=texts,
    priority=st.sampled_from(["urgent", "high", "medium", "low", "advisory"]),
    priority_level=st.integers(0, 5),
    limit=floats,
    state=states,
    active=st.booleans(),
    acked=st.booleans(),
    in_alarm=st.booleans(),
    shelved_until=floats,
    activated_at=floats,
    count=st.integers(0, 10_000),
    trigger_value=floats,
)


def _finite(v: float | None) -> float | None:
    return v if v is not None and math.isfinite(v) else None


@given(snapshots)
def test_snapshot_round_trip_keeps_every_field_and_drops_non_json_numbers(s):
    back = AlarmSnapshot.from_data(s.to_data())
    assert back.limit == _finite(s.limit) and back.trigger_value == _finite(s.trigger_value)
    assert back.shelved_until == _finite(s.shelved_until) and back.activated_at == _finite(s.activated_at)
    same = {f for f in AlarmSnapshot.__dataclass_fields__} - {
        "limit", "trigger_value", "shelved_until", "activated_at"
    }  # fmt: skip
    assert all(getattr(back, f) == getattr(s, f) for f in same)


@given(snapshots, states, states, st.booleans(), floats, texts, texts, texts)
def test_transition_reads_back_what_was_written(s, frm, to, ann, value, user, comment, reason):
    data = transition_data(
        s, action="acknowledge", from_state=frm, to_state=to, annunciated=ann, value=value,
        value_ts=1.0, user=user, comment=comment, reason=reason, extra={"old_limit": 3.0},
    )  # fmt: skip
    t = transition_of(JournalEvent(EventKind.ALARM, "m", data=data, ts=5.0))
    assert t is not None
    assert (t.alarm, t.ts, t.action, t.from_state, t.to_state) == (s.alarm, 5.0, "acknowledge", frm, to)
    assert (t.annunciated, t.user, t.comment, t.reason) == (ann, user, comment, reason)
    assert t.value == _finite(value) and t.data["old_limit"] == 3.0
    assert t.note == (reason or comment)
    assert t.snapshot == AlarmSnapshot.from_data(s.to_data())


def test_other_events_are_not_transitions():
    assert (
        transition_of(JournalEvent(EventKind.AUDIT, "x", data={"event": "transition", "alarm": "a"})) is None
    )
    assert transition_of(JournalEvent(EventKind.ALARM, "x", data={"event": "checkpoint"})) is None
    assert checkpoint_of(JournalEvent(EventKind.ALARM, "x", data={"event": "transition"})) is None
    assert transitions([JournalEvent(EventKind.ALARM, "x", data={"alarm": "a"})]) == []  # no "event"


# An event stream: transitions of single alarms and checkpoints holding a set of them.
steps = st.lists(
    st.one_of(
        st.tuples(st.just("t"), snapshots),
        st.tuples(st.just("c"), st.lists(snapshots, max_size=3, unique_by=lambda s: s.alarm)),
    ),
    max_size=20,
)


@settings(max_examples=40)  # each example is a whole stream: enough variety, a second of the suite
@given(steps, st.randoms(use_true_random=False))
def test_replay_is_the_last_checkpoint_then_the_later_transitions(stream, rnd):
    events = []
    expected: dict[str, tuple[AlarmSnapshot, float]] = {}
    for k, (kind, body) in enumerate(stream):
        ts = float(k)
        if kind == "t":
            data = transition_data(
                body, action="activate", from_state="normal", to_state=body.state, annunciated=True,
                value=1.0, value_ts=ts,
            )  # fmt: skip
            expected[body.alarm] = (AlarmSnapshot.from_data(data), ts)
        else:
            data = checkpoint_data(body)
            expected = {s.alarm: (AlarmSnapshot.from_data(s.to_data()), ts) for s in body}
        events.append(JournalEvent(EventKind.ALARM, "m", data=data, ts=ts))
    rnd.shuffle(events)  # any order in: time order applied
    got = {aid: (AlarmSnapshot.from_data(d), ts) for aid, (d, ts) in latest_snapshots(events).items()}
    assert got == expected
