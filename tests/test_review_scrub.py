"""What a cursor move in the review recomputes, without Qt: the alarm picture resumed from the last
instant asked (or a stored replay point) must equal a replay of every alarm event up to the instant,
whatever order the reviewer visits instants in; and the workspace's report (built on the timeline it
already holds) must equal the report read from the files."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.alarms.event_codec import AlarmSnapshot, checkpoint_data, transition_data
from hmi.core.alarms.model import AlarmState
from hmi.core.events import EventKind, Severity
from hmi.core.journal_read import StoredEvent
from hmi.core.review.alarm_picture import AlarmPicture
from hmi.core.review.report import build_report, to_markdown
from hmi.core.review.source import ReviewSource
from hmi.core.review.timeline import build_timeline
from tests.test_review import T0, shift_journal

ALARMS = ("a.hi", "b.lo", "c.hihi")
# (active, acked, shelved, out of service, the engine's state) after each kind of transition
ACTIONS = {
    "activate": (True, False, False, False, AlarmState.UNACKED),
    "acknowledge": (True, True, False, False, AlarmState.ACKED),
    "clear": (False, True, False, False, AlarmState.NORMAL),
    "return_unacked": (False, False, False, False, AlarmState.RTN_UNACKED),
    "shelve": (True, True, True, False, AlarmState.SHELVED),
    "out_of_service": (False, True, False, True, AlarmState.OUT_OF_SERVICE),
}


def _snap(alarm: str, flags: tuple[bool, bool, bool, bool, AlarmState], t: float) -> AlarmSnapshot:
    active, acked, shelved, oos, state = flags
    return AlarmSnapshot(alarm=alarm, name=alarm.upper(), priority="high", priority_level=2 + ALARMS.index(alarm),
                         active=active, acked=acked, activated_at=T0, shelved_until=t + 40.0 if shelved else None,
                         out_of_service=oos, state=state.value)  # fmt: skip


@st.composite
def alarm_history(draw: st.DrawFn) -> list[StoredEvent]:
    """Transitions of three alarms with checkpoints among them (a checkpoint restates every alarm
    not normal at its time, as the engine writes it), in time order, ids in order."""
    steps = draw(st.lists(st.tuples(st.sampled_from(ALARMS), st.sampled_from([*ACTIONS, "checkpoint"]),
                                    st.floats(0.5, 30.0)), min_size=1, max_size=60))  # fmt: skip
    events, state, t = [], {}, T0
    for k, (alarm, action, dt_) in enumerate(steps):
        t += dt_
        if action == "checkpoint":
            data = checkpoint_data(s for s in state.values() if s.state != AlarmState.NORMAL)
        else:
            snap = _snap(alarm, ACTIONS[action], t)
            state[alarm] = snap
            data = transition_data(snap, action=action, from_state="", to_state="", annunciated=False,
                                   value=None, value_ts=t)  # fmt: skip
        events.append(StoredEvent(kind=EventKind.ALARM, message=f"{alarm}: {action}", source=alarm,
                                  severity=Severity.WARNING, data=data, ts=t, id=k + 1))  # fmt: skip
    return events


class _FromReplayPoint(AlarmPicture):
    """The reference: a fresh picture with a replay point after every event answers from the point
    stored when it was built (latest_snapshots over all events up to it), never from a resumed replay."""

    STRIDE = 1


def _rows(rows):
    return [(r.snapshot, r.since, r.status) for r in rows]


@settings(deadline=None, max_examples=60)
@given(events=alarm_history(), visits=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=25))
def test_alarm_picture_at_any_visit_order_equals_a_full_replay(events, visits):
    """Forward steps resume from the last instant, backward or long jumps from a replay point: any
    sequence of instants gives, at each, the picture of a replay of all events up to it."""

    class Small(AlarmPicture):
        STRIDE = 3  # many replay points, and forward steps both within and past one stride

    picture = Small(events)
    span = events[-1].ts - T0 + 60.0
    for f in visits:
        t = T0 + f * span
        assert _rows(picture.at(t)) == _rows(_FromReplayPoint(events).at(t)), t


def test_workspace_report_on_its_timeline_equals_the_report_from_the_files(tmp_path):
    source = ReviewSource.open([shift_journal(tmp_path)])
    ours = build_report(source, T0, T0 + 600, "t", timeline=build_timeline(source))
    assert to_markdown(ours) == to_markdown(build_report(source, T0, T0 + 600, "t"))
