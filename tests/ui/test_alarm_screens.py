"""Render the alarm UI during a simulated fault on the demo line, as a supervisor sees it.

Always renders (a broken layout or paint error fails here); saves PNGs only when
LINEHMI_SHOTS names a folder: `LINEHMI_SHOTS=/tmp/shots pytest tests/ui -k alarm_screens`
writes alarms_*.png there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hmi.core.alarms.model import AlarmState
from hmi.ui.main_window import MainWindow
from widgets.alarm_store import AlarmView

from .fakes import OPERATOR, SUPERVISOR, simulate_fault

SHOTS = os.environ.get("LINEHMI_SHOTS")


def _save(widget, name: str) -> None:
    img = widget.grab()
    assert not img.isNull() and img.width() > 100
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        img.save(str(Path(SHOTS) / f"{name}.png"))


@pytest.fixture
def fault_window(qtbot, themed_app, make_runtime, demo_config):
    def make(size=(1920, 1080), user=OPERATOR):
        rt = make_runtime(demo_config, alarms=True)
        simulate_fault(rt)
        win = MainWindow(rt, demo_config, user=user)
        qtbot.addWidget(win)
        win.resize(*size)
        win.show()
        qtbot.waitExposed(win)
        qtbot.waitUntil(lambda: win.bridge.stats.ticks > 3, timeout=30000)  # 5 s ran out at load 20
        qtbot.waitUntil(lambda: win.alarm_banner.counts.total_active >= 8)
        win.blink.stop()  # a steady frame for the picture: the "on" half of the flash
        win.blink.phase = True
        win.update()
        qtbot.wait(150)
        return rt, win

    return make


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)], ids=["1920", "1280"])
def test_shots_alarm_fault(fault_window, qtbot, size):
    _rt, win = fault_window(size)
    win.show_alarm_list()
    qtbot.wait(100)
    c = win.alarm_banner.counts
    assert c.unacked[1] == 1 and c.shelved == 1 and c.out_of_service == 1
    _save(win, f"alarms_window_{size[0]}")
    _save(win.alarm_banner, f"alarms_banner_{size[0]}")
    if size[0] == 1920:
        _save(win.alarm_table, "alarms_table_active")
        # The off half of the flash: unacknowledged indicators light, the rest steady.
        win.blink.step()
        qtbot.wait(50)
        _save(win.alarm_banner, "alarms_banner_flash_off")
        win.blink.step()


def test_shots_alarm_views_and_dialogs(fault_window, qtbot):
    _rt, win = fault_window((1920, 1080), user=SUPERVISOR)
    win.show_alarm_list()
    t = win.alarm_table
    for view in (AlarmView.SHELVED, AlarmView.SUPPRESSED, AlarmView.OUT_OF_SERVICE, AlarmView.HISTORY):
        t.set_view(view)
        qtbot.wait(50)
        assert t.model.rowCount() >= 1
        _save(t, f"alarms_table_{view.value}")
    t.set_view(AlarmView.ACTIVE)
    t.select_ids(["conveyor.bearing_temp.hi"])
    assert t.request("shelve")
    dlg = win.alarm_actions.dialog
    assert dlg is not None
    qtbot.wait(50)
    _save(dlg, "alarms_dialog_shelve_empty")
    dlg.close()
    t.select_ids(["capper.jam", "conveyor.bearing_temp.hi"])
    assert t.request("acknowledge_comment")
    dlg = win.alarm_actions.dialog
    dlg.comment_edit.setText("cap chute cleared, watching the conveyor bearing")
    qtbot.wait(50)
    _save(dlg, "alarms_dialog_ack")
    dlg.ok_button.click()
    qtbot.waitUntil(lambda: win.alarm_store.get("capper.jam").state == AlarmState.ACKED, timeout=3000)
    qtbot.wait(100)
    _save(win.alarm_table, "alarms_table_after_ack")


def test_shots_alarm_kpis(fault_window, qtbot, tmp_path):
    from tests.test_alarm_kpi import write_db

    rt, win = fault_window((1920, 1080))
    db = write_db(
        tmp_path / "line1.db", [(e.ts, str(e.kind), e.source, e.data) for e in rt.alarm_journal.events]
    )
    win.kpi_view._paths_fn = lambda _start: [db]
    win.show_kpis()
    qtbot.waitUntil(lambda: win.kpi_view.report is not None, timeout=5000)
    qtbot.wait(100)
    _save(win.kpi_view, "alarms_kpis")
