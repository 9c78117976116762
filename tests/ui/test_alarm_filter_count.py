"""The counter beside the alarm list's filter field counts the rows the list shows (qa7 G6: the
priority tile filter "Filtered: priority 3 · Show all" showed three rows beside "5 shown").
Checked over random filter combinations: a banner priority tile, the priority buttons, the
search text, the machine and state filters and the views (active, shelved, suppressed, out of
service, history), in random order."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.ui.main_window import MainWindow
from tests.helpers.alarm_window import alarm_list_window
from widgets.alarm_store import AlarmView
from widgets.alarm_table import VIEW_ORDER


@pytest.fixture
def window(qtbot, themed_app, make_runtime, demo_config):
    """One window for all the examples (hypothesis reuses it; each example starts from "Show all")."""
    return alarm_list_window(qtbot, make_runtime, demo_config, size=(1920, 1080), touch=None)[1]


def _shown(win: MainWindow) -> int:
    t = win.alarm_table
    return sum(1 for r in range(t.model.rowCount()) if not t.view.isRowHidden(r))


step = st.one_of(
    st.tuples(st.just("tile"), st.sampled_from([1, 2, 3, 4])),
    st.tuples(st.just("prio"), st.sampled_from([1, 2, 3, 4])),
    st.tuples(st.just("text"), st.sampled_from(["", "filler", "vib", "zzz", "Hi"])),
    st.tuples(st.just("view"), st.sampled_from(VIEW_ORDER)),
    st.tuples(st.just("machine"), st.integers(0, 4)),
    st.tuples(st.just("state"), st.integers(0, 4)),
    st.tuples(st.just("clear"), st.none()),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(step, min_size=1, max_size=8))
def test_the_shown_counter_is_the_rows_shown(qtbot, window, steps):
    t = window.alarm_table
    t.clear_filters()
    t.set_view(AlarmView.ACTIVE)
    for op, arg in steps:
        if op == "tile":
            window.alarm_banner.priority_clicked.emit(arg)  # what a click on a banner tile sends
        elif op == "prio":
            b = t.priority_buttons[arg]
            b.setChecked(not b.isChecked())
        elif op == "text":
            t.search.setText(arg)
        elif op == "view":
            t.set_view(arg)
        elif op == "machine":
            t.machine_combo.setCurrentIndex(min(arg, t.machine_combo.count() - 1))
        elif op == "state":
            t.state_combo.setCurrentIndex(min(arg, t.state_combo.count() - 1))
        else:
            t.clear_filters()
        m = re.match(r"([\d,]+) shown", t.count_label.text())
        assert m, t.count_label.text()
        assert int(m.group(1).replace(",", "")) == _shown(window), (op, arg, t.count_label.text())
    t.clear_filters()
