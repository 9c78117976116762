"""A disabled Reset says why, before anybody tries (qa9 Q9-17): with a latching alarm selected whose
condition still stands, its tooltip (and the list's context menu, and the outcome of a Reset asked
anyway) names the alarm, says it is still in alarm with its value now, and that it can be reset once
the condition has cleared, not "Select latched alarms to reset". Checked for every latching alarm of
the demo line that stands after the demo fault, unacknowledged and acknowledged; once a condition
has cleared (latched), Reset is offered."""

from __future__ import annotations

import time

from hmi.core.alarms.commands import AlarmCommand
from hmi.core.alarms.model import AlarmState

from ..helpers.settle import settle
from .fakes import OPERATOR, simulate_fault


def _standing(win) -> list:
    records = [win.alarm_store.get(d.id) for d in win.runtime.alarms.definitions]
    return [
        r
        for r in records
        if r is not None and r.latched and r.state in (AlarmState.UNACKED, AlarmState.ACKED)
    ]


def test_reset_says_why_a_standing_latched_alarm_cannot_be_reset(open_window, make_runtime, demo_config):
    rt = make_runtime(demo_config, alarms=True)
    simulate_fault(rt)
    _rt, win = open_window((1280, 800), True, rt=rt, user=OPERATOR)
    win.show_alarm_list()
    settle()
    defs = {d.id: d for d in rt.alarms.definitions}
    t = win.alarm_table
    reset = t.buttons[AlarmCommand.RESET]
    checked = []
    for acked in (False, True):
        if acked:
            rt.alarms.acknowledge([r.id for r in _standing(win)], OPERATOR, "seen")
            settle()
        standing = _standing(win)
        assert standing, "the demo fault leaves a latching alarm standing (a trip)"
        for r in standing:
            t.select_ids([r.id])
            settle()
            tip = reset.toolTip()
            d = defs[r.id]
            assert not reset.isEnabled(), r.id
            assert tip.startswith(f"{r.name} is still in alarm"), (r.id, tip)
            value = d.value_text(t.model.value_now(r))
            assert tip.startswith(f"{r.name} is still in alarm (value {value}"), (r.id, tip)
            assert "can be reset once its condition has cleared" in tip, tip
            assert not t.request(AlarmCommand.RESET)  # asked anyway: the same reason as the outcome
            assert t.message_label.full_text().startswith(f"{r.name} is still in alarm"), (
                t.message_label.full_text()
            )
            checked.append((r.id, r.state))
    assert {s for _i, s in checked} == {AlarmState.UNACKED, AlarmState.ACKED}
    # The condition clears: the alarm is latched, and Reset is offered for it.
    r = _standing(win)[0]
    rt.set_value(r.tag, 2.0)  # the machine runs again
    now = time.time() + 30
    for k in range(0, 180, 2):  # past any off-delay and the release of a trip's suppressions
        rt.alarms.process(rt.synthetic_batch(now=now + k))
    settle()
    latched = win.alarm_store.get(r.id)
    assert latched is not None and latched.state == AlarmState.LATCHED, latched
    t.select_ids([r.id])
    settle()
    assert reset.isEnabled(), reset.toolTip()
