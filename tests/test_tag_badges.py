"""Faceplate/tag-table value badges come from the alarm model, never from the value vs its limits.

qa3 (crop_filler_vib.png, s08_1920_after_qs.png): an orange "H" (the High colour) on a Low
vibration alarm and on a Medium glue alarm, an "H" on a motor current with no alarm in the list,
and "HH" 3 s before the HiHi alarm existed (its on-delay)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.alarms import AlarmState
from hmi.core.alarms.event_codec import AlarmSnapshot
from hmi.core.alarms.model import Priority
from hmi.core.alarms.tag_badges import (
    TagBadge,
    badge_view,
    badges_from_records,
    badges_from_snapshots,
    value_in_zone,
)
from hmi.core.users import Role, User
from tests.test_alarm_ack_persists import Rig as AckRig
from tests.test_alarm_engine import Rig

OPERATOR = User("olga", Role.OPERATOR)
ANNUNCIATED = (AlarmState.UNACKED, AlarmState.ACKED)


def test_no_badge_during_the_on_delay_and_the_badge_has_the_alarms_priority():
    rig = Rig(
        [
            {
                "id": "temp",
                "type": "analog",
                "tag": "temp",
                "hi": 70,
                "hihi": 85,
                "on_delay_s": 3,
                "priority": {"hi": "low", "hihi": "medium"},
            }
        ]
    )
    rig.feed({"temp": 90.0})  # past HiHi, but the alarms wait for their on-delay
    assert badges_from_records(rig.engine.records(include_normal=True)) == {}
    rig.advance(3.5)
    badge = badges_from_records(rig.engine.records())["temp"]
    assert badge.text == "HH" and badge.priority == rig.engine.record("temp.hihi").priority
    assert badge.unacked
    rig.engine.acknowledge(["temp.hi", "temp.hihi"], OPERATOR)
    assert not badges_from_records(rig.engine.records())["temp"].unacked
    rig.engine.shelve("temp.hihi", User("sam", Role.SUPERVISOR), 60, "known")
    # The HiHi still stands (shelved is hidden, not cleared), so its Hi stays suppressed by design: one
    # situation, one alarm (qa11 Q11-8; here it was never raised: its HiHi took over in the same pass),
    # and the supervisor shelved that situation: no badge says otherwise.
    assert rig.engine.record("temp.hi").state in (AlarmState.SUPPRESSED, AlarmState.NORMAL)
    assert "temp" not in badges_from_records(rig.engine.records())
    rig.feed({"temp": 75.0})  # below HiHi, above Hi: the HiHi clears, its Hi comes back
    rig.advance(3.5)
    badge = badges_from_records(rig.engine.records())["temp"]
    assert badge.text == "H" and badge.priority == rig.engine.record("temp.hi").priority


VALUES = st.sampled_from(
    [
        ("temp", 60.0),
        ("temp", 75.0),
        ("temp", 90.0),
        ("filler.state", 2.0),
        ("filler.state", 4.0),
        ("capper.state", 3.0),
        ("capper.state", 2.0),
    ]
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(VALUES, st.tuples(st.just("time"), st.sampled_from([0.5, 5.0]))), max_size=25))
def test_a_tag_has_a_badge_exactly_while_an_annunciated_alarm_stands_on_it(steps):
    rig = AckRig()
    for tag, v in steps:
        if tag == "time":
            rig.clock.t += v
            rig.engine.tick()
        else:
            rig.feed(tag, v)
        records = rig.engine.records(include_normal=True)
        badges = badges_from_records(records)
        standing = {r.tag for r in records if r.state in ANNUNCIATED and r.kind != "quality"}
        assert set(badges) == standing
        for tag_name, b in badges.items():
            on_tag = [r for r in records if r.tag == tag_name and r.state in ANNUNCIATED]
            assert b.priority == min(r.priority for r in on_tag)
        # the review draws the same badges from the journaled snapshots
        snaps = [
            (AlarmSnapshot.from_data(rig.engine._snapshot(i).to_data()), rig.engine._rt[i].state)
            for i in range(len(records))
        ]
        assert badges_from_snapshots(snaps) == badges
        # What is drawn beside each value follows the one rule: a bare level only in its zone.
        for r in records:
            if r.tag in badges and badges[r.tag].alarm == r.id:
                view = badge_view(badges[r.tag], r.value)
                assert view is not None
                if view.text in ("HH", "H", "L", "LL"):
                    assert value_in_zone(view.text, r.limit, r.value), (r.id, r.value, r.limit)


def test_review_badges_of_old_journals_read_the_level_from_the_name():
    snap = AlarmSnapshot(
        alarm="x.vib.hi",
        name="Filler vibration Hi",
        tag="x.vib",
        kind="analog",
        priority_level=4,
        state="unacknowledged",
        active=True,
        acked=False,
    )
    badge = badges_from_snapshots([(snap, AlarmState.UNACKED)])["x.vib"]
    assert badge.text == "H" and int(badge.priority) == 4


LEVELS = st.sampled_from(["HH", "H", "L", "LL", "R", "!"])
NUMBERS = st.floats(-1e4, 1e4, allow_nan=False) | st.just(float("nan"))


@settings(max_examples=300, deadline=None)
@given(level=LEVELS, limit=NUMBERS | st.none(), value=NUMBERS, unacked=st.booleans(), prio=st.integers(1, 4))
def test_a_badge_beside_a_value_names_the_values_zone_or_says_it_is_the_alarms_state(
    level, limit, value, unacked, prio
):
    """qa6 N3: "HH" beside 1.75 mm/s after the trip (the HiHi alarm unacknowledged, the value below
    H). A bare level badge means the value is beyond that limit on that side now; otherwise the
    badge says it is the alarm's state ("HH unack" / "HH active") and is drawn outlined."""
    view = badge_view(TagBadge(level, Priority(prio), unacked, "a", "A", limit), value)
    assert view is not None and view.text.startswith(level)
    beyond = (
        limit is not None
        and value == value
        and limit == limit
        and (value >= limit if level in ("HH", "H") else value <= limit if level in ("L", "LL") else False)
    )
    if level in ("R", "!"):
        assert view.text == level and view.in_zone  # a rate or other alarm names no zone of the value
    elif beyond:
        assert view.text == level and view.in_zone
    else:
        assert view.text == f"{level} {'unack' if unacked else 'active'}" and not view.in_zone
    assert badge_view(None, value) is None
