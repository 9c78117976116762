"""The Qt-free alarm list (hmi.core.alarms.alarm_list): whatever order changes arrive in, it holds
the newest state of every alarm, counts what it holds, and a filter shows exactly what it accepts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.alarms.alarm_list import (
    VIEW_STATES,
    AlarmFilter,
    AlarmList,
    AlarmView,
    HistoryRow,
    row_time,
)
from hmi.core.alarms.model import ACTIVE_STATES, AlarmState, Priority
from tests.helpers.alarm_records import record

S = AlarmState
IDS = ["a", "b", "c", "d"]

# A stream of changes: (alarm, state, acked, priority, machine); changed_at grows with the position.
changes = st.lists(
    st.tuples(
        st.sampled_from(IDS),
        st.sampled_from(list(AlarmState)),
        st.booleans(),
        st.sampled_from(list(Priority)),
        st.sampled_from(["m1", "m2"]),
    ),
    max_size=40,
)


def _records(stream):
    return [
        record(
            aid, state, acked=acked, priority=prio, machine=m, changed_at=100.0 + k, activated_at=100.0 + k
        )
        for k, (aid, state, acked, prio, m) in enumerate(stream)
    ]


@given(changes, st.integers(1, 6))
def test_the_list_holds_the_newest_state_of_each_alarm_and_counts_it(stream, batch):
    alarms = AlarmList(max_history=25)
    seen: list[list] = []
    alarms.changed.connect(seen.append)
    recs = _records(stream)
    for i in range(0, len(recs), batch):
        alarms.apply(recs[i : i + batch])
    last = {r.id: r for r in recs}
    assert alarms.records == {aid: r for aid, r in last.items() if r.state != S.NORMAL}
    assert [r for chunk in seen for r in chunk] == recs  # every change announced, in order
    assert len(alarms.history) == min(25, len(recs))  # bounded, newest kept
    assert [h.alarm for h in alarms.history] == [r.id for r in recs[-25:]]
    c = alarms.counts()
    for p in Priority:
        act = [r for r in alarms.records.values() if r.priority == p and r.state in ACTIVE_STATES]
        assert c.active[p] == len(act)
        assert c.unacked[p] == sum(not r.acked for r in act)
    assert c.shelved == sum(r.state == S.SHELVED for r in alarms.records.values())
    assert sum(alarms.counts_per_view().values()) == len(alarms.records)


def test_changes_older_than_the_seed_are_dropped():
    alarms = AlarmList()
    alarms.seed([record("a", S.ACKED, acked=True, changed_at=50.0)])
    assert alarms.apply([record("a", S.UNACKED, changed_at=40.0)]) == []  # queued before the seed
    assert alarms.get("a").state == S.ACKED
    taken = alarms.apply([record("a", S.NORMAL, changed_at=60.0)])
    assert len(taken) == 1 and alarms.get("a") is None


def test_new_unacknowledged_alarms_are_announced_once():
    alarms = AlarmList()
    new: list = []
    alarms.annunciated.connect(new.append)
    alarms.apply([record("a", S.UNACKED, changed_at=1.0), record("a", S.UNACKED, changed_at=2.0)])
    assert [[r.id for r in batch] for batch in new] == [["a"]]


def test_journal_history_merges_by_time_without_duplicates():
    alarms = AlarmList()
    alarms.apply([record("a", S.UNACKED, changed_at=10.0)])
    live = alarms.history[0]
    older = HistoryRow(5.0, "b", "B", "m", "t", Priority.LOW, None, S.UNACKED, "", "", "", 1.0)
    assert alarms.merge_history([older, live]) == 1  # the live row is not added twice
    assert [h.alarm for h in alarms.history] == ["b", "a"]


filters = st.builds(
    AlarmFilter,
    view=st.sampled_from(list(AlarmView)),
    priorities=st.sets(st.integers(1, 4), min_size=1),
    machine=st.sampled_from([None, "m1", "m2"]),
    states=st.sampled_from([None, frozenset({S.UNACKED}), frozenset({S.ACKED, S.LATCHED})]),
    window_s=st.sampled_from([None, 10.0, 1000.0]),
    text=st.sampled_from(["", "a", "b message", "zzz"]),
)


@settings(max_examples=60)
@given(changes, filters)
def test_a_filter_shows_exactly_the_rows_it_accepts_in_isa_order(stream, f):
    alarms = AlarmList()
    alarms.apply(_records(stream))
    now = 140.0
    rows = f.select(alarms, now)
    ok = f.accepts(now)
    pool = list(alarms.history) if f.view == AlarmView.HISTORY else list(alarms.records.values())
    if f.view != AlarmView.HISTORY:
        pool = [r for r in pool if r.state in VIEW_STATES[f.view]]
    assert sorted(map(id, rows)) == sorted(id(r) for r in pool if ok(r))
    if f.view == AlarmView.HISTORY:
        assert [row_time(r) for r in rows] == sorted((row_time(r) for r in rows), reverse=True)
    else:
        keys = [(r.priority, -row_time(r)) for r in rows]
        assert keys == sorted(keys)
    for r in rows:  # and each shown row really passes every filter
        assert int(r.priority) in f.priorities
        assert f.machine is None or r.machine == f.machine
        assert f.window_s is None or row_time(r) >= now - f.window_s
