"""The alarm the operator chose stays the chosen one, whatever the list does under it (qa10 Q10-6).

At 1280x800 touch the operator tapped "Capper jam" and left it; when "Conveyor vibration signal
lost" returned to normal the highlight and the details line were on the Conveyor row, and
Acknowledge acknowledged the conveyor alarm (journal: "acknowledge conveyor.vibration.bad").

Property, over random sequences of alarms raised and returned to normal, acknowledged, shelved,
taken out of service and back (by the engine, as another station would), sorts, filters, views,
taps on rows and the operator's own Acknowledge, in the main window at 1280x800 touch and
1920x1080 desk:
- the selection is the row the user chose, named by its key (the alarm id), or nothing once that
  alarm has left the list (and then every action on a selection is disabled and the details line
  is gone); it never moves to another alarm;
- the details line describes the selected alarm;
- every action the pane offers on a selection targets the selected alarm only, and the
  Acknowledge button's request and the journal name it.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from hmi.core.alarms.commands import AlarmCommand
from hmi.core.alarms.engine import UnknownAlarm
from hmi.core.quality import BAD_OUT_OF_RANGE
from hmi.core.users import PermissionDenied
from hmi.ui.main_window import MainWindow
from widgets.alarm_model import (
    COL_COUNT,
    COL_MACHINE,
    COL_MESSAGE,
    COL_PRIORITY,
    COL_STATE,
    COL_TIME,
    row_key,
)
from widgets.alarm_store import AlarmView

from .fakes import OPERATOR, SUPERVISOR, simulate_fault

# What a step may do to a tag: (tag, value, status) raises an alarm; clearing it returns it to normal.
RAISES = [
    ("capper.fault_code", 1.0, 0),  # Capper jam (medium, a trip, not latching)
    ("conveyor.vibration", 3.0, BAD_OUT_OF_RANGE),  # Conveyor vibration signal lost (low)
    ("filler.state", 4.0, 0),  # Filler tripped (medium, latching: a reset is needed)
    ("filler.motor_current", 29.0, 0),  # Hi / HiHi
    ("labeller.motor_current", 27.0, 0),
    ("capper.motor_current", 29.0, 0),
]
SORT_COLUMNS = [COL_PRIORITY, COL_TIME, COL_MACHINE, COL_MESSAGE, COL_STATE, COL_COUNT]
TEXTS = ["", "filler", "capper", "vibration", "conveyor"]
# The commands that act on the selection (Ack all shown acts on every shown row by design).
ON_SELECTION = [c for c in AlarmCommand if not c.spec.all_shown]

ENGINE_OPS = ["ack", "shelve", "unshelve", "oos", "return", "reset"]
VIEWS = [AlarmView.ACTIVE, AlarmView.ACTIVE, AlarmView.SHELVED, AlarmView.HISTORY]

step = st.one_of(
    st.tuples(st.just("raise"), st.integers(0, len(RAISES) - 1)),
    st.tuples(st.just("clear"), st.integers(0, len(RAISES) - 1)),
    st.tuples(st.just("engine"), st.sampled_from(ENGINE_OPS), st.floats(0, 1)),
    st.tuples(st.just("sort"), st.sampled_from(SORT_COLUMNS), st.booleans()),
    st.tuples(st.just("priority"), st.integers(1, 4)),
    st.tuples(st.just("text"), st.sampled_from(TEXTS)),
    st.tuples(st.just("state"), st.integers(0, 6)),
    st.tuples(st.just("view"), st.sampled_from(VIEWS)),
    st.tuples(st.just("tap"), st.floats(0, 1)),
    st.tuples(st.just("tap"), st.floats(0, 1)),
    st.tuples(st.just("acknowledge")),
    st.tuples(st.just("details")),
    st.tuples(st.just("dock")),
)

SIZES = {"1280x800 touch": ((1280, 800), True), "1920x1080 desk": ((1920, 1080), False)}
_WINDOWS: dict[str, tuple] = {}


class Clock:
    """The engine's time: always forward, at least the wall clock (on-/off-delays pass between steps)."""

    def __init__(self) -> None:
        self.t = time.time()

    def next(self, dt: float) -> float:
        self.t = max(self.t + dt, time.time())
        return self.t


@pytest.fixture(params=list(SIZES), ids=list(SIZES))
def alarm_window(request, open_window):
    """One window per size for all the examples (the factory lives as long as the test)."""
    key = request.param
    got = _WINDOWS.get(key)
    if got is None or got[0] is not open_window:
        size, touch = SIZES[key]
        rt, win = open_window(size, touch, rt=_faulted(request), user=SUPERVISOR)
        got = _WINDOWS[key] = (open_window, rt, win, Clock())
    return got[1], got[2], got[3]


def _faulted(request):
    make_runtime = request.getfixturevalue("make_runtime")
    demo_config = request.getfixturevalue("demo_config")
    rt = make_runtime(demo_config, alarms=True)
    simulate_fault(rt)
    return rt


def _settle(qtbot, rt) -> None:
    """The engine's changes through the bridge into the window's list."""
    qtbot.waitUntil(lambda: not rt._alarm_changes, timeout=3000)
    qtbot.wait(60)
    QApplication.processEvents()


def _process(rt, clock: Clock, qtbot) -> None:
    for dt in (1.0, 12.0):  # past every on- and off-delay of the demo's alarms
        rt.alarms.process(rt.synthetic_batch(now=clock.next(dt)))
    _settle(qtbot, rt)


def _keys(win: MainWindow) -> list[str]:
    return [row_key(r) for r in win.alarm_table.model.rows]


def _selected(win: MainWindow) -> list[str]:
    t = win.alarm_table
    return [row_key(t.model.rows[r]) for r in t.selected_rows() if r < len(t.model.rows)]


def check(win: MainWindow, chosen: str | None, case: str) -> str | None:
    """The selection, the details line and the actions name the chosen row, or nothing; returns
    the chosen key that still stands."""
    t = win.alarm_table
    keys = _keys(win)
    sel = _selected(win)
    if chosen is not None and chosen not in keys:
        chosen = None  # the alarm left the list: the selection must be cleared
    if chosen is None:
        assert sel == [], f"{case}: nothing is chosen, yet {sel} is selected (rows {keys})"
        enabled = [c.value for c in ON_SELECTION if t.buttons[c].isEnabled()]
        assert not enabled, f"{case}: nothing selected, yet {enabled} enabled"
        assert not t.trend_button.isEnabled(), f"{case}: nothing selected, yet Trend enabled"
        assert not t.details.isVisible() or not t.details.text(), f"{case}: details {t.details.text()!r}"
        return None
    assert sel == [chosen], f"{case}: the user chose {chosen!r}; selected {sel} (rows {keys})"
    row = t.model.rows[keys.index(chosen)]
    assert t.details.text() == t.model.details_text(row), (
        f"{case}: the details line reads {t.details.text()!r} for {chosen!r}"
    )
    for c in ON_SELECTION:
        ids = [r.id for r in t.targets(c)]
        assert set(ids) <= {chosen}, f"{case}: {c.value} would act on {ids}, the user chose {chosen!r}"
    return chosen


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(step, min_size=1, max_size=10))
def test_the_selection_names_the_alarm_the_user_chose(alarm_window, qtbot, steps):
    rt, win, clock = alarm_window
    t = win.alarm_table
    eng = rt.alarms
    win.show_alarm_list()
    t.clear_filters()
    t.set_view(AlarmView.ACTIVE)
    t.view.clearSelection()
    _settle(qtbot, rt)
    chosen = check(win, None, "at the start (nothing chosen)")
    done: list[str] = []
    for op in steps:
        kind = op[0]
        case = f"after {' / '.join([*done, repr(op)])}"
        if kind == "raise":
            tag, value, status = RAISES[op[1]]
            rt.set_value(tag, value, status)
            _process(rt, clock, qtbot)
        elif kind == "clear":
            rt.clear_value(RAISES[op[1]][0])
            _process(rt, clock, qtbot)
        elif kind == "engine":
            what, f = op[1], op[2]
            records = sorted(eng.records(), key=lambda r: r.id)
            if records:
                r = records[min(int(f * len(records)), len(records) - 1)]
                try:
                    if what == "ack":
                        eng.acknowledge([r.id], OPERATOR, "from another station")
                    elif what == "shelve":
                        eng.shelve(r.id, SUPERVISOR, 600, "a test")
                    elif what == "unshelve":
                        eng.unshelve(r.id, SUPERVISOR)
                    elif what == "oos":
                        eng.set_out_of_service(r.id, SUPERVISOR, "a test")
                    elif what == "return":
                        eng.return_to_service(r.id, SUPERVISOR, "a test")
                    else:
                        eng.reset([r.id], OPERATOR)
                except (ValueError, PermissionDenied, UnknownAlarm):
                    pass  # not possible in that state: the list does not change
            _settle(qtbot, rt)
        elif kind == "sort":
            order = Qt.SortOrder.DescendingOrder if op[2] else Qt.SortOrder.AscendingOrder
            t.view.sortByColumn(op[1], order)
        elif kind == "priority":
            b = t.priority_buttons[op[1]]
            b.setChecked(not b.isChecked())
        elif kind == "text":
            t.search.setText(op[1])
        elif kind == "state":
            t.state_combo.setCurrentIndex(op[1])
        elif kind == "view":
            t.set_view(op[1])
        elif kind == "tap":
            n = t.model.rowCount()
            if n:
                row = min(int(op[1] * n), n - 1)
                idx = t.model.index(row, COL_MESSAGE)
                t.view.scrollTo(idx)
                qtbot.wait(20)
                key = row_key(t.model.rows[row])
                # One tap: the details line lies under the list, never over a row (qa11 Q11-1).
                qtbot.mouseClick(
                    t.view.viewport(), Qt.MouseButton.LeftButton, pos=t.view.visualRect(idx).center()
                )
                qtbot.wait(20)
                assert t.selected_keys() == [key], f"{case}: a tap on {key!r} selected {t.selected_keys()}"
                chosen = key
        elif kind == "acknowledge":
            b = t.buttons[AlarmCommand.ACKNOWLEDGE]
            if b.isEnabled():
                calls = len(rt.alarm_calls)
                b.click()
                qtbot.waitUntil(lambda n=calls: len(rt.alarm_calls) > n, timeout=3000)
                request, _user = rt.alarm_calls[-1]
                assert list(request.ids) == [chosen], (
                    f"{case}: Acknowledge sent {request.ids}, chosen {chosen!r}"
                )
                _settle(qtbot, rt)
        elif kind == "details" and t.details.isVisible():
            # A tap on the details line (at the list's foot): to the widget a finger there
            # reaches, as the window's event delivery picks it.
            at = t.details.mapTo(win, t.details.rect().center())
            target = win.childAt(at)
            assert target is not None
            qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=target.mapFrom(win, at))
            qtbot.wait(20)
        elif kind == "dock":
            win.tags_dock.show()
            win.tags_dock.raise_()
            qtbot.wait(20)
            win.show_alarm_list()
        qtbot.wait(20)
        done.append(repr(op))
        chosen = check(win, chosen, case)
