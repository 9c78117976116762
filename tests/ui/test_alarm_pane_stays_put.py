"""The alarm pane's action buttons stay where they are whatever the pane says, and an action's
confirmation does not outlive its time or its user (qa7 G4/G5).

After Ack, Shelve or Out of service the pane gained a confirmation bar under the buttons and the
whole button row jumped up ~32 px: a second tap aimed at "Ack + comment…" landed on the list. The
bar never cleared: "Took out of service … as supervisor (supervisor)." still stood under the viewer's
and, six minutes later, the operator's name. Property: over random sequences of row selections,
actions through their dialogs (accepted with a comment or reason, or cancelled), refusals, long
outcomes and user changes, in the main window at 1280x800 touch, the global rectangle of every
action button never changes; a change of user clears the confirmation, and so does its time."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QLineEdit

from hmi.core.alarms.commands import AlarmCommand
from widgets import alarm_table

from ..helpers.settle import settle
from .fakes import OPERATOR, SUPERVISOR, VIEWER
from .test_no_clipped_text import window  # noqa: F401  (the fixture: the demo fault, long names)

USERS = {"viewer": VIEWER, "operator": OPERATOR, "supervisor": SUPERVISOR}
LONG = "sensor cable swap qa7 WO 4712, " * 8
_WINDOWS: dict[int, object] = {}

steps = st.lists(
    st.one_of(
        st.tuples(st.just("action"), st.sampled_from(list(AlarmCommand)), st.booleans()),
        st.tuples(st.just("outcome"), st.sampled_from(["ok", "failed", "pending"]), st.booleans()),
        st.tuples(st.just("user"), st.sampled_from(sorted(USERS))),
    ),
    min_size=1,
    max_size=12,
)


def _settle() -> None:
    for _ in range(3):
        QApplication.processEvents()
    settle()


def _buttons(win) -> dict[str, QRect]:
    """Measured from the pane's bottom left corner: the pane's own height is the window's matter (an
    offscreen test window may get its final height late); what the pane says must not move them."""
    t = win.alarm_table

    def rect(b) -> QRect:
        at = b.mapTo(t, QPoint(0, 0))
        return QRect(at.x(), at.y() - t.height(), b.width(), b.height())

    out = {b.text(): rect(b) for b in t.buttons.values() if b.isVisible()}  # this view's buttons
    out["Trend"] = rect(t.trend_button)
    return out


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seq=steps)
def test_action_buttons_never_move(window, qtbot, seq):  # noqa: F811
    # One window for all the examples (the fixture's factory lives as long as the test).
    win = _WINDOWS.get(id(window))
    if win is None:
        _WINDOWS.clear()
        win = _WINDOWS[id(window)] = window((1280, 800), "touch")
    win.set_user(SUPERVISOR)
    win.show_alarm_list()
    _settle()
    table, ctl = win.alarm_table, win.alarm_actions
    start = _buttons(win)
    for step in seq:
        if step[0] == "select":
            rows = table.model.rowCount()
            if rows:
                table.view.selectRow(step[1] % rows)
        elif step[0] == "action":
            _, cmd, accept = step
            table.request(cmd)
            _settle()
            dlg = ctl.dialog
            if dlg is not None:
                for edit in dlg.findChildren(QLineEdit):
                    edit.setText("5.5" if edit.objectName() == "newLimit" else "qa7 WO 4712")
                (dlg.accept if accept else dlg.reject)()
            qtbot.waitUntil(lambda: not ctl.pending, timeout=5000)
        elif step[0] == "outcome":
            _, kind, long = step
            table.show_outcome(
                ("Acknowledged " + (LONG if long else "Filler tripped")) + " as supervisor.", kind
            )
        else:
            win.set_user(USERS[step[1]])
        _settle()
        now = _buttons(win)
        moved = [f"{k}: {start[k].getRect()} -> {now[k].getRect()}" for k in start if now.get(k) != start[k]]
        assert not moved, f"after {step}: " + "; ".join(moved)


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)], ids=["1280x800", "1920x1080"])
def test_the_confirmation_clears_on_user_change_and_in_time(window, qtbot, monkeypatch, size):  # noqa: F811
    win = window(size, "touch" if size[1] <= 800 else "default")
    win.set_user(SUPERVISOR)
    win.show_alarm_list()
    table = win.alarm_table
    table.select_ids(["filler.vibration.hi"])
    assert table.request(AlarmCommand.OUT_OF_SERVICE)
    dlg = win.alarm_actions.dialog
    assert dlg is not None
    dlg.reason_edit.setText("sensor cable swap qa7 WO 4712")
    dlg.accept()
    ctl = win.alarm_actions
    qtbot.waitUntil(lambda: ctl.last_outcome is not None and ctl.last_outcome[1] != "pending", timeout=20000)
    assert ctl.last_outcome is not None
    assert table.message_label.isVisible() and table.message_label.text() == ctl.last_outcome[0]
    assert "supervisor" in table.message_label.text() and not table.rights_label.isVisible()
    win.set_user(VIEWER)  # a different user: nothing of the supervisor's action stays under their name
    _settle()
    assert not table.message_label.isVisible() and table.rights_label.isVisible()
    assert "View only" in table.rights_label.text() and table.message_label.text() == ""
    # A table reads the time when it is made: a second one, made with a short time, to time it.
    monkeypatch.setattr(alarm_table, "OUTCOME_SHOWN_S", 0.2)
    t2 = alarm_table.AlarmTable(win.alarm_store, win.blink, win.config)
    qtbot.addWidget(t2)
    t2.show()
    t2.show_outcome("Acknowledged Filler tripped as supervisor (supervisor).", "ok")
    assert t2.message_label.isVisible()
    qtbot.waitUntil(lambda: not t2.message_label.isVisible(), timeout=3000)
    assert t2.rights_label.isVisible()
    t2.show_outcome("Acknowledging 1 alarm…", "pending")  # a pending one waits for its answer
    qtbot.wait(400)
    assert t2.message_label.isVisible()
