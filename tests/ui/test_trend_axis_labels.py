"""The trend's axis labels never overlap and are never cut; "Trend" on an alarm opens that alarm's
signal (qa9 Q9-16, Q9-30).

At 1280x800 the state pens' and fault-code pens' names were drawn over each other: pyqtgraph
draws an axis' major level however crowded, and a state axis in overlay mode has a strip of the
plot a fifth of its height for six names. Over random pen sets (states, fault codes, booleans,
analog pens of every unit), in both modes, in the main window's Trend tab at 1280x800 (touch
profile) and at 1920x1080: no two texts that the axes paint (tick labels, axis titles, the time
axis) intersect, none is cut by what its axis paints, and every state name shown is the whole
name.

"Trend" on an alarm (the alarm list's button): over random pens already on the chart and random
alarms, the chart then shows that alarm's tag alone, selected (its alarm limits drawn), over the
alarm's time.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from widgets.alarm_model import TIME_ROLE

from ..helpers.settle import settle
from .fakes import simulate_fault

SIZES = [(1280, 800), (1920, 1080)]


def _trendable(config) -> list[str]:
    return [t.name for t in config.tags if t.data_type != "text"]


@pytest.fixture(params=SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def trend_tab(request, open_window, make_runtime, demo_config):
    """The main window at a size (touch profile by the line's "auto": on at 1280x800) during the
    demo fault (alarms in the list), its Trend tab in front; one window for every example."""
    rt = make_runtime(demo_config, alarms=True)
    simulate_fault(rt)
    rt, win = open_window(request.param, None, rt=rt)
    win.trend_dock.show()
    win.trend_dock.raise_()
    settle()
    return rt, win


def _state_names(win) -> dict[str, set[str]]:
    return {g.key: set(g.states.values()) for g in win.trend.canvas.ordered_groups() if g.is_state}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_axis_label_overlaps_another_or_is_cut(trend_tab, data):
    rt, win = trend_tab
    w = win.trend
    states = [t.name for t in rt.config.tags if t.data_type in ("enum", "bool")]
    pens = data.draw(
        st.lists(st.sampled_from(states), min_size=1, max_size=6, unique=True)
        | st.lists(st.sampled_from(_trendable(rt.config)), min_size=1, max_size=9, unique=True),
        label="pens",
    )
    mode = data.draw(st.sampled_from(["overlay", "stacked"]), label="mode")
    w.clear_pens()
    w.set_mode(mode)
    w.add_pens(pens)
    settle()
    texts = w.canvas.axis_texts()
    assert texts, "no axis text at all"
    where = f"{w.canvas.width()}x{w.canvas.height()} px chart, {mode}, {pens}"
    overlaps = [
        (a.axis, a.text, b.axis, b.text)
        for a, b in itertools.combinations(texts, 2)
        if a.rect.intersects(b.rect)
    ]
    assert not overlaps, (where, overlaps[:6])
    cut = [(a.axis, a.text) for a in texts if not a.whole]
    assert not cut, (where, cut[:6])
    names = _state_names(win)
    titles = {g.key: g.title for g in w.canvas.ordered_groups()}
    for a in texts:
        if a.axis in names and a.text != titles[a.axis]:
            assert a.text in names[a.axis], (where, a.axis, a.text)  # whole, never shortened


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_trend_on_an_alarm_shows_that_alarms_signal_over_its_time(trend_tab, data):
    rt, win = trend_tab
    w = win.trend
    table = win.alarm_table
    records = [table.model.record_at(i) for i in range(table.model.rowCount())]
    ids = [r.id for r in records if r is not None]
    assert ids, "no alarm in the list"
    before = data.draw(st.lists(st.sampled_from(_trendable(rt.config)), max_size=5, unique=True))
    w.clear_pens()
    w.add_pens(before)
    alarm = data.draw(st.sampled_from(ids), label="alarm")
    table.select_ids([alarm])
    rec = win.alarm_store.get(alarm)
    row = table.model.row_of(alarm)
    when = float(table.model.index(row, 0).data(TIME_ROLE))  # the time the list shows it at
    table.trend_button.click()
    settle()
    assert w.pens() == [rec.tag], (alarm, before, w.pens())
    assert w.selected_pen == rec.tag
    t0, t1 = w.x_range()
    assert t0 <= when <= t1, (alarm, when, (t0, t1))
    info = w.tag_info(rec.tag)
    if not info.is_step and info.limits():
        shown = sorted(lbl.toPlainText() for lbl in w.canvas.limit_labels)
        assert shown == sorted(f"{n} {v:g}" for n, v in info.limits()), (alarm, shown)
