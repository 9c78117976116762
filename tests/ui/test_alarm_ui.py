"""Alarm UI: banner, table, flashing, actions through the runtime, role refusals, KPI view, sound.

The FakeRuntime runs the real AlarmEngine (in-memory journal) over the demo line;
`simulate_fault()` leaves, at the end:

    urgent  filler.bearing_temp.hihi    unack
    high    conveyor.faulted            unack (latching trip; names its first-out conveyor.bearing_temp.hi)
    medium  conveyor.bearing_temp.hi    unack (first-out of the conveyor trip)
            capper.jam                  unack (a trip with nothing before it: its own first-out)
            labeller.motor_current.hi   returned to normal, unack
            conveyor.motor_current.hi   acked
    low     filler.vibration.hi         unack
            labeller.glue_temp.lo       acked
    shelved conveyor.vibration.hi · out of service filler.vibration.bad · suppressed capper.cap_torque.lo/.hi
    (capper not running), capper.faulted (the jam says more), filler.motor_current.hi/.hihi (vibration in alarm),
    filler.bearing_temp.hi (acked; its HiHi stands: one situation, one alarm)
"""

from __future__ import annotations

import gc
import threading
import time
import weakref

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor

from hmi.core.alarms.commands import AlarmCommand, AlarmRequest
from hmi.core.alarms.model import AlarmState, Priority
from hmi.core.events import EventKind
from hmi.ui.alarm_dialogs import AckDialog, AlarmActionController, LimitDialog, ReasonDialog, ShelveDialog
from hmi.ui.annunciator import Annunciator
from hmi.ui.main_window import MainWindow
from widgets import palette
from widgets.alarm_banner import AlarmBanner
from widgets.alarm_model import (
    BLINK_ROLE,
    COL_FIRST,
    COL_MESSAGE,
    COL_PRIORITY,
    COL_STATE,
    COL_TIME,
    FILLED_ROLE,
)
from widgets.alarm_store import AlarmStore, AlarmView, BlinkClock
from widgets.alarm_table import AlarmTable
from widgets.kpi_view import KpiView

from .fakes import ENGINEER, OPERATOR, SUPERVISOR, VIEWER, simulate_fault

S = AlarmState


@pytest.fixture
def fault(make_runtime, demo_config):
    rt = make_runtime(demo_config, alarms=True, auto=False)
    simulate_fault(rt)
    return rt


@pytest.fixture
def parts(qtbot, fault, demo_config):
    """Store seeded from the engine, banner, table and controller, as the main window wires them."""
    store = AlarmStore()
    store.seed(fault.alarms.records(include_normal=True))
    fault.drain_alarms()
    blink = BlinkClock()
    banner = AlarmBanner(store, blink, demo_config)
    table = AlarmTable(store, blink, demo_config)
    ctl = AlarmActionController(fault, store, demo_config, table)
    table.action_requested.connect(ctl.request)
    banner.acknowledge_requested.connect(ctl.acknowledge)
    ctl.outcome.connect(table.show_outcome)
    for w in (banner, table):
        qtbot.addWidget(w)
        w.resize(1400, 500)
        w.show()

    def as_user(user):
        for x in (banner, table, ctl):
            x.set_user(user)

    def pump():
        store.apply(fault.drain_alarms())

    yield store, blink, banner, table, ctl, as_user, pump
    ctl.shutdown()


def _pixel(widget, x: int, y: int) -> str:
    return QColor(widget.grab().toImage().pixelColor(x, y)).name().upper()


def test_banner_shows_counts_and_the_most_important_unacked(parts):
    _store, _blink, banner, _table, _ctl, as_user, _pump = parts
    c = banner.counts
    assert (c.active[Priority.URGENT], c.unacked[Priority.URGENT]) == (1, 1)
    assert (c.active[Priority.HIGH], c.unacked[Priority.HIGH]) == (1, 1)
    assert (c.active[Priority.MEDIUM], c.unacked[Priority.MEDIUM]) == (4, 3)  # 2 unack + 1 RTN unack
    assert (c.active[Priority.LOW], c.unacked[Priority.LOW]) == (2, 1)
    assert (c.shelved, c.suppressed, c.out_of_service) == (1, 6, 1)
    # Most important first; among equals the active unacknowledged, newest first.
    assert banner.shown_ids() == ["filler.bearing_temp.hihi", "conveyor.faulted", "conveyor.bearing_temp.hi"]
    assert "Filler bearing temperature HiHi" in banner.rows[0].message_label.full_text()
    # the rest counted beside the totals, not on a line that would grow the banner (qa6 N7)
    assert not banner.quiet_label.isVisible()
    assert banner.totals_label.text() == "In the list 8 · Unacknowledged 6\n3 of 6 shown at left"
    # Count boxes: priority colour while alarms stand; grey when there are none.
    box = banner.boxes[Priority.URGENT]
    assert _pixel(box, 5, box.height() // 2) == palette.ALARM_URGENT.upper()

    as_user(None)
    ack = banner.rows[0].ack_button
    assert not ack.isEnabled() and "log in as operator" in ack.toolTip().lower()
    as_user(VIEWER)
    assert not ack.isEnabled() and "Needs operator or higher (you are vic, viewer)" in ack.toolTip()
    as_user(OPERATOR)
    assert ack.isEnabled()


def test_flashing_for_unacked_steady_after_ack(qtbot, parts, fault):
    store, blink, banner, table, ctl, as_user, pump = parts
    as_user(OPERATOR)
    box = banner.boxes[Priority.URGENT]
    x, y = 5, box.height() // 2
    assert box.flashing
    lit = _pixel(box, x, y)
    blink.step()
    dark = _pixel(box, x, y)
    assert lit == palette.ALARM_URGENT.upper() and dark == palette.BLINK_OFF_FILL.upper()
    blink.step()
    # The table flashes the same rows: unacked and returned-to-normal unacked; acked ones are steady.
    m = table.model
    flashing = {m.rows[i].id for i in range(m.rowCount()) if m.index(i, COL_PRIORITY).data(BLINK_ROLE)}
    assert flashing == {
        "filler.bearing_temp.hihi",
        "conveyor.faulted",
        "conveyor.bearing_temp.hi",
        "capper.jam",
        "labeller.motor_current.hi",
        "filler.vibration.hi",
    }
    rtn = m.row_of("labeller.motor_current.hi")
    assert m.index(rtn, COL_STATE).data(Qt.ItemDataRole.ForegroundRole) is not None  # greyed text
    assert m.index(m.row_of("filler.bearing_temp.hi"), COL_STATE).data(Qt.ItemDataRole.ForegroundRole) is None

    # Ack from the banner: the urgent box stops flashing and stays red.
    banner.rows[0].ack_button.click()
    qtbot.waitUntil(lambda: ctl.last_outcome is not None and ctl.last_outcome[1] == "ok", timeout=3000)
    pump()
    assert store.get("filler.bearing_temp.hihi").state == S.ACKED
    assert not box.flashing
    steady = [_pixel(box, x, y)]
    blink.step()
    steady.append(_pixel(box, x, y))
    assert steady == [palette.ALARM_URGENT.upper()] * 2
    assert not m.index(m.row_of("filler.bearing_temp.hihi"), COL_PRIORITY).data(BLINK_ROLE)
    assert banner.shown_ids()[0] == "conveyor.faulted"


def test_ack_selected_with_comment_calls_alarm_action(qtbot, parts, fault):
    store, _blink, _banner, table, ctl, as_user, pump = parts
    as_user(OPERATOR)
    table.select_ids(
        ["capper.jam", "labeller.glue_temp.lo", "conveyor.bearing_temp.hi"]
    )  # one already acked
    assert table.buttons["acknowledge_comment"].isEnabled()
    opened = []
    ctl.dialog_opened.connect(opened.append)
    assert table.acknowledge_selected_with_comment()
    dlg = opened[0]
    assert isinstance(dlg, AckDialog) and dlg.isVisible()
    assert dlg.ids == ["conveyor.bearing_temp.hi", "capper.jam"]  # table order; acked ones left out
    dlg.comment_edit.setText("cap chute cleared")
    dlg.ok_button.click()
    assert fault.alarm_calls[-1] == (
        AlarmRequest(
            AlarmCommand.ACKNOWLEDGE, ("conveyor.bearing_temp.hi", "capper.jam"), "cap chute cleared"
        ),
        OPERATOR,
    )
    assert ctl.last_outcome == ("Acknowledging 2 alarms…", "pending")
    qtbot.waitUntil(lambda: ctl.last_outcome[1] == "ok", timeout=3000)
    assert ctl.last_outcome[0] == "Acknowledged 2 alarms (comment: cap chute cleared) as olga (operator)."
    assert table.message_label.text() == ctl.last_outcome[0]
    pump()
    r = store.get("capper.jam")
    assert r.state == S.ACKED and r.acked_by == "olga" and r.comment == "cap chute cleared"
    # The selection survives the update that re-sorted the list.
    assert set(table.selected_ids()) == {"capper.jam", "labeller.glue_temp.lo", "conveyor.bearing_temp.hi"}
    # The acknowledgement is audited with user and time, before the state change.
    audit = [e for e in fault.alarm_journal.of_kind(EventKind.AUDIT) if e.data.get("action") == "acknowledge"]
    assert audit[-1].user == "olga" and audit[-1].ts > 0


def test_shelve_dialog_refuses_an_empty_reason(qtbot, parts, fault):
    store, _blink, _banner, table, ctl, as_user, pump = parts
    as_user(SUPERVISOR)
    table.select_ids(["conveyor.bearing_temp.hi"])
    n_calls = len(fault.alarm_calls)
    assert table.request("shelve")
    dlg = ctl.dialog
    assert isinstance(dlg, ShelveDialog)
    assert not dlg.ok_button.isEnabled()
    assert dlg.message_label.text() == "A reason is required to shelve an alarm."
    dlg.reason_edit.setText("   ")
    dlg._on_ok()  # Enter with only blanks: refused, stays open
    assert dlg.isVisible() and len(fault.alarm_calls) == n_calls
    dlg.reason_edit.setText("bearing replaced at 15:00, WO 4713")
    dlg.duration_combo.setCurrentIndex(dlg.duration_combo.findData(2 * 3600))
    assert dlg.ok_button.isEnabled() and dlg.message_label.text() == ""
    dlg.ok_button.click()
    assert fault.alarm_calls[-1] == (
        AlarmRequest(
            AlarmCommand.SHELVE, ("conveyor.bearing_temp.hi",), "bearing replaced at 15:00, WO 4713", 7200.0
        ),
        SUPERVISOR,
    )
    qtbot.waitUntil(lambda: ctl.last_outcome[1] == "ok", timeout=3000)
    pump()
    r = store.get("conveyor.bearing_temp.hi")
    assert r.state == S.SHELVED and r.shelved_by == "sam" and r.shelve_reason.startswith("bearing replaced")
    # Out of the active list, into the Shelved view (priority drawn as an outline: not annunciated).
    assert table.model.row_of("conveyor.bearing_temp.hi") < 0
    table.set_view(AlarmView.SHELVED)
    row = table.model.row_of("conveyor.bearing_temp.hi")
    assert row >= 0 and table.model.index(row, COL_PRIORITY).data(FILLED_ROLE) is False
    assert "left" in table.model.index(row, COL_STATE).data()
    assert table.tabs.tabText(1) == "Shelved (2)"


def test_a_viewer_gets_a_clear_refusal(qtbot, parts, fault):
    store, _blink, _banner, table, ctl, as_user, pump = parts
    as_user(VIEWER)
    assert table.rights_label.full_text().startswith("View only (vic, viewer)")
    table.select_ids(["capper.jam"])
    b = table.buttons["acknowledge"]
    assert not b.isEnabled() and b.toolTip() == "Acknowledge: Needs operator or higher (you are vic, viewer)"
    assert not table.buttons["shelve"].isEnabled()
    # Asked anyway (keyboard, script): the runtime refuses, audits the refusal, and the reason is shown.
    assert table.acknowledge_selected()
    qtbot.waitUntil(lambda: ctl.last_outcome[1] == "failed", timeout=3000)
    assert (
        ctl.last_outcome[0]
        == "Refused: 'vic' (role viewer) may not acknowledge alarms: needs operator or higher."
    )
    assert table.message_label.isVisible() and table.message_label.property("outcome") == "failed"
    pump()
    assert store.get("capper.jam").state == S.UNACKED
    refused = [e for e in fault.alarm_journal.of_kind(EventKind.AUDIT) if e.data.get("result") == "refused"]
    assert refused and refused[-1].user == "vic"

    as_user(None)  # nobody logged in
    assert table.rights_label.full_text().startswith("View only: nobody is logged in")
    assert table.acknowledge_selected()
    qtbot.waitUntil(lambda: "nobody is logged in" in ctl.last_outcome[0], timeout=3000)

    as_user(OPERATOR)  # an operator may acknowledge but not shelve
    table.select_ids(["capper.jam"])
    assert table.buttons["acknowledge"].isEnabled()
    assert table.buttons["shelve"].toolTip().endswith("Needs supervisor or higher (you are olga, operator)")


def test_filters_sorting_first_out_and_history(parts, fault):
    store, _blink, _banner, table, _ctl, _as_user, pump = parts
    m = table.model
    assert m.rowCount() == 8
    ids = [r.id for r in m.rows]
    assert (
        ids[0] == "filler.bearing_temp.hihi"
        and ids[1] == "conveyor.faulted"
        and ids[-1] == "filler.vibration.hi"
    )
    # First-out marker on the first alarm before each machine trip (the trip names it).
    assert m.index(m.row_of("capper.jam"), COL_FIRST).data() == "1st"
    assert m.index(m.row_of("conveyor.bearing_temp.hi"), COL_FIRST).data() == "1st"
    assert "first-out: Conveyor bearing temperature Hi 72.00 °C" in store.get("conveyor.faulted").message
    assert not store.get("filler.bearing_temp.hihi").first_out  # no filler trip: no first-out
    assert m.index(m.row_of("filler.bearing_temp.hihi"), COL_FIRST).data() == ""

    table.priority_buttons[3].setChecked(False)
    table.priority_buttons[4].setChecked(False)
    assert [r.id for r in m.rows] == ["filler.bearing_temp.hihi", "conveyor.faulted"]
    table.clear_filters()
    table.machine_combo.setCurrentIndex(table.machine_combo.findData("capper"))
    assert {r.id for r in m.rows} == {"capper.jam"}
    table.clear_filters()
    table.state_combo.setCurrentIndex(table.state_combo.findText("Acknowledged"))
    assert {r.state for r in m.rows} == {S.ACKED} and m.rowCount() == 2
    table.clear_filters()
    table.time_combo.setCurrentIndex(table.time_combo.findText("Last 10 min"))
    assert m.rowCount() == 8
    m.clock = lambda: time.time() + 3600  # an hour later nothing is that recent
    m.refresh(force=True)
    assert m.rowCount() == 0
    m.clock = time.time
    table.clear_filters()
    table.search.setText("bearing temperature")  # names, and the trip that names its first-out
    assert {r.id for r in m.rows} == {
        "filler.bearing_temp.hihi",
        "conveyor.bearing_temp.hi",
        "conveyor.faulted",
    }
    table.clear_filters()

    table.view.sortByColumn(COL_TIME, Qt.SortOrder.AscendingOrder)
    times = [m.index(i, COL_TIME).data() for i in range(m.rowCount())]
    assert times == sorted(times)
    table.view.sortByColumn(COL_PRIORITY, Qt.SortOrder.DescendingOrder)
    assert m.rows[0].priority == Priority.LOW

    table.set_view(AlarmView.SUPPRESSED)
    assert {r.id for r in m.rows} == {
        "capper.cap_torque.lo",
        "capper.cap_torque.hi",
        "capper.faulted",
        "filler.motor_current.hi",
        "filler.motor_current.hihi",
        "filler.bearing_temp.hi",  # under its standing HiHi, saying so in the Comment column
    }
    assert store.get("filler.bearing_temp.hi").comment == "HiHi of the same tag stands"
    assert store.get("filler.motor_current.hi").comment.startswith("filler.vibration")
    table.set_view(AlarmView.OUT_OF_SERVICE)
    assert [r.id for r in m.rows] == ["filler.vibration.bad"]
    # History: every transition the window saw, newest first.
    fault.alarms.acknowledge(["capper.jam"], OPERATOR, "chute cleared")
    pump()
    table.set_view(AlarmView.HISTORY)
    h = m.rows[0]
    assert h.alarm == "capper.jam" and h.transition == "Unack → Acked" and h.user == "olga"
    assert h.comment == "chute cleared" and m.index(0, COL_STATE).data() == "Unack → Acked"


def test_trend_requested_from_the_table_and_relayed_by_the_window(qtbot, themed_app, fault, demo_config):
    win = MainWindow(fault, demo_config, user=OPERATOR)
    qtbot.addWidget(win)
    win.resize(1600, 900)
    win.show()
    t = win.alarm_table
    assert t.model.rowCount() == 8  # seeded from the engine at start
    t.select_ids(["capper.jam"])
    rec = win.alarm_store.get("capper.jam")
    with qtbot.waitSignal(win.trend_requested, timeout=1000) as sig:
        t.trend_button.click()
    assert sig.args == ["capper.fault_code", rec.activated_at]
    row = t.model.row_of("filler.bearing_temp.hihi")
    rect = t.view.visualRect(t.model.index(row, COL_MESSAGE))
    with qtbot.waitSignal(t.trend_requested, timeout=1000) as sig:
        # Qt 6's QTest double-click alone sets no pressed index: press first, as a hand does.
        qtbot.mousePress(t.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(t.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert sig.args[0] == "filler.bearing_temp"
    # The context menu offers the actions and the trend.
    t._on_context_menu(QPoint(rect.center()))
    texts = [a.text() for a in t._menu.actions() if a.text()]
    assert "Acknowledge" in texts and "Trend around the alarm time" in texts
    t._menu.close()


def test_window_follows_the_bridge_and_the_engine(qtbot, themed_app, make_runtime, demo_config):
    rt = make_runtime(demo_config, alarms=True, auto=False)
    win = MainWindow(rt, demo_config, user=OPERATOR, poll_interval_ms=20)
    qtbot.addWidget(win)
    win.show()
    assert win.alarm_banner.counts.total_active == 0
    assert win.alarm_banner.quiet_label.full_text() == "No active alarms"
    simulate_fault(rt)  # the engine's listener queues the changes; the bridge delivers them
    qtbot.waitUntil(lambda: win.alarm_banner.counts.total_active == 8, timeout=3000)
    assert win.alarm_table.model.rowCount() == 8 and win.bridge.stats.alarm_records >= 18
    # Banner click shows the alarm in the list; a priority box filters the list to it.
    win.alarm_banner.rows[1].clicked.emit("conveyor.faulted")
    assert win.alarm_table.selected_ids() == ["conveyor.faulted"]
    win.alarm_banner.boxes[Priority.URGENT].clicked.emit(1)
    assert [r.id for r in win.alarm_table.model.rows] == ["filler.bearing_temp.hihi"]
    # An engineer may change a limit (until restart).
    win.set_user(ENGINEER)
    win.alarm_table.clear_filters()
    win.alarm_table.select_ids(["conveyor.bearing_temp.hi"])
    assert win.alarm_table.request("set_limit")
    dlg = win.alarm_actions.dialog
    assert isinstance(dlg, LimitDialog) and not dlg.ok_button.isEnabled()
    dlg.reason_edit.setText("new bearing runs warmer, per vendor")
    qtbot.keyClicks(dlg.limit_edit, "7e1")  # the one parser: kept as typed, refused with the reason
    assert dlg.limit_edit.text() == "7e1" and not dlg.ok_button.isEnabled()
    assert dlg.message_label.text().startswith("New limit: '7e1' is not a number")
    dlg.limit_edit.clear()
    dlg.limit_edit.setText("75")
    dlg.reason_edit.setText("new bearing runs warmer, per vendor")
    dlg.ok_button.click()
    qtbot.waitUntil(lambda: win.alarm_actions.last_outcome[1] == "ok", timeout=3000)
    assert rt.alarms.definition("conveyor.bearing_temp.hi").limit == 75.0
    # Audible annunciation: off by default; on from the View menu; Silence until the next new alarm.
    beeps = []
    win.annunciator._beep = lambda: beeps.append(1)
    silence = win.alarm_banner.silence_button
    assert not win.annunciator.enabled and silence.text() == "Sound off" and not silence.isEnabled()
    win.audible_action.setChecked(True)
    assert win.annunciator.sounding and silence.text() == "Silence" and silence.isEnabled()
    qtbot.waitUntil(lambda: len(beeps) >= 3, timeout=2000)  # urgent: 3 beeps
    silence.click()
    assert silence.text() == "Silenced" and not win.annunciator.sounding
    n = len(beeps)
    rt.alarms.unshelve("conveyor.vibration.hi", ENGINEER)  # still in alarm: annunciated again
    rt.alarms.tick(time.time() + 1)
    qtbot.waitUntil(lambda: win.annunciator.sounding, timeout=3000)
    assert silence.text() == "Silence"
    qtbot.waitUntil(lambda: len(beeps) > n, timeout=3000)
    win.close()


def test_seed_drops_changes_older_than_the_snapshot(fault):
    """Changes queued before the window read the engine's records must not roll the snapshot back."""
    store = AlarmStore()
    stale = fault.alarms.records()  # capper.jam unacknowledged
    fault.alarms.acknowledge(["capper.jam"], OPERATOR)
    store.seed(fault.alarms.records(include_normal=True))
    assert store.get("capper.jam").state == S.ACKED
    assert store.apply(stale) == [] and store.get("capper.jam").state == S.ACKED
    assert store.apply(fault.drain_alarms()) == []  # everything queued so far is in the snapshot
    fault.alarms.acknowledge(["conveyor.faulted"], OPERATOR)  # after the snapshot: taken
    taken = store.apply(fault.drain_alarms())
    assert [r.id for r in taken] == ["conveyor.faulted"] and store.get("conveyor.faulted").acked
    assert store.history[-1].transition == "Unack → Acked"


def test_kpi_view_computes_off_the_gui_thread(qtbot, themed_app, fault, tmp_path, monkeypatch):
    from tests.test_alarm_kpi import write_db

    db = write_db(
        tmp_path / "line1.db", [(e.ts, str(e.kind), e.source, e.data) for e in fault.alarm_journal.events]
    )
    import widgets.kpi_view as kv

    seen: dict[str, object] = {}
    real = kv.report

    def slow_report(paths, start, end):
        seen["thread"] = threading.current_thread().name
        time.sleep(0.3)  # a day's journal takes a while: the screen must not wait for it
        return real(paths, start, end)

    monkeypatch.setattr(kv, "report", slow_report)
    view = KpiView(paths=lambda _start: [db])
    qtbot.addWidget(view)
    view.resize(1400, 500)
    view.show()
    t0 = time.perf_counter()
    view.refresh()
    assert time.perf_counter() - t0 < 0.1
    assert view.busy and view.progress.isVisible() and not view.refresh_button.isEnabled()
    with qtbot.waitSignal(view.report_ready, timeout=5000) as sig:
        pass
    r = sig.args[0]
    assert seen["thread"] != threading.main_thread().name
    assert not view.busy and not view.progress.isVisible()
    assert r.annunciated == 10 and view.assessment.rowCount() == len(r.assessment)
    assert view.top10.rowCount() == 10 and "alarms annunciated" in view.summary_label.text()
    verdicts = [view.assessment.item(i, 2).text() for i in range(view.assessment.rowCount())]
    assert all(v[:1] in "✓~✗–" for v in verdicts)
    # A file that is not a journal: a message, no crash.
    bad = tmp_path / "not_a_journal.db"
    bad.write_bytes(b"hello")
    view._paths_fn = lambda _start: [bad]
    with qtbot.waitSignal(view.report_failed, timeout=5000):
        view.refresh()
    assert view.status_label.text().startswith("Could not compute the KPIs:")


def test_annunciator_patterns_silence_and_new_alarms(qtbot, fault):
    store = AlarmStore()
    store.seed(fault.alarms.records(include_normal=True))
    fault.drain_alarms()
    now = [0.0]
    beeps: list[float] = []
    ann = Annunciator(store, enabled=False, beep=lambda: beeps.append(now[0]), clock=lambda: now[0])
    assert not ann.sounding  # off by default
    ann.set_enabled(True)
    assert ann.sounding and ann.priority == Priority.URGENT

    def run(seconds: float) -> None:
        end = now[0] + seconds
        while now[0] < end:
            ann.step()
            now[0] += 0.05

    run(4.0)
    assert len(beeps) == 6  # urgent: 3 beeps every 2 s
    ann.silence()
    assert not ann.sounding and ann.silenced
    run(4.0)
    assert len(beeps) == 6
    # Acknowledging the urgent alarm leaves high as the loudest; still silenced (no new alarm).
    fault.alarms.acknowledge(["filler.bearing_temp.hihi"], OPERATOR)
    store.apply(fault.drain_alarms())
    assert ann.priority == Priority.HIGH and not ann.sounding
    # A new alarm ends the silence.
    fault.alarms.unshelve("conveyor.vibration.hi", OPERATOR)  # still in alarm: re-annunciated
    fault.alarms.tick(time.time() + 1)
    store.apply(fault.drain_alarms())
    assert not ann.silenced and ann.sounding
    ann.stop()


def test_closed_window_is_freed_at_once_not_by_the_cyclic_gc(qtbot, themed_app, fault, demo_config):
    """Python's cyclic GC runs on whichever thread allocates (journal, alarm, worker threads): a Qt
    object it frees there is destroyed off the GUI thread (seen here as a segfault). So the alarm UI
    keeps no Python-visible reference cycles through the window (weak refs, methods + timers instead
    of self-capturing closures): a closed window is freed by reference counting, on the GUI thread."""
    gc.collect()
    gc.disable()
    try:
        win = MainWindow(fault, demo_config, user=OPERATOR)
        win.show()
        qtbot.waitExposed(win)
        win.alarm_table.select_ids(["capper.jam"])
        win.alarm_table.request("acknowledge_comment")
        win.open_login_dialog()
        win.show_kpis()
        qtbot.wait(100)
        win.close()
        ref = weakref.ref(win)
        del win
        qtbot.wait(50)
        assert ref() is None, [type(r).__name__ for r in gc.get_referrers(ref())]
    finally:
        gc.enable()


def test_out_of_service_and_return_need_a_reason_dialog(qtbot, parts, fault):
    store, _blink, _banner, table, ctl, as_user, pump = parts
    as_user(SUPERVISOR)
    table.select_ids(["conveyor.bearing_temp.hi"])
    assert table.request("set_out_of_service")
    dlg = ctl.dialog
    assert isinstance(dlg, ReasonDialog) and not dlg.ok_button.isEnabled()  # a reason is required
    dlg.reason_edit.setText("sensor replaced, WO 4711")
    dlg.ok_button.click()
    assert fault.alarm_calls[-1] == (
        AlarmRequest(AlarmCommand.OUT_OF_SERVICE, ("conveyor.bearing_temp.hi",), "sensor replaced, WO 4711"),
        SUPERVISOR,
    )
    qtbot.waitUntil(lambda: ctl.last_outcome[1] == "ok", timeout=3000)
    pump()
    assert store.get("conveyor.bearing_temp.hi").state == S.OUT_OF_SERVICE
    table.set_view(AlarmView.OUT_OF_SERVICE)
    table.select_ids(["conveyor.bearing_temp.hi"])
    assert table.request("return_to_service")
    back = ctl.dialog
    assert isinstance(back, ReasonDialog) and back.ok_button.isEnabled()  # optional here
    back.ok_button.click()
    assert fault.alarm_calls[-1] == (
        AlarmRequest(AlarmCommand.RETURN_TO_SERVICE, ("conveyor.bearing_temp.hi",)),
        SUPERVISOR,
    )
