"""Render the window as a user sees it: normal, abnormal, reconnecting, small screen.

Always renders (a broken layout or paint error fails here); saves PNGs only
when LINEHMI_SHOTS names a folder, e.g. `LINEHMI_SHOTS=/tmp/shots pytest tests/ui -k shots`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.quality import BAD_NODE_ID_UNKNOWN, BAD_SENSOR_FAILURE, UNCERTAIN_LAST_USABLE_VALUE
from hmi.core.runtime_api import ConnectionState
from hmi.core.users import Role, User
from hmi.ui.main_window import MainWindow

SHOTS = os.environ.get("LINEHMI_SHOTS")


def _save(widget, name: str) -> None:
    img = widget.grab()
    assert not img.isNull() and img.width() > 100
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        img.save(str(Path(SHOTS) / f"{name}.png"))


def _window(qtbot, runtime, config, size):
    win = MainWindow(runtime, config, user="j.smith")
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    return win


def _abnormal(rt):
    rt.set_value("capper.state", 4)
    rt.set_value("capper.fault_code", 1)
    rt.set_value("filler.bearing_temp", float("nan"), BAD_SENSOR_FAILURE)
    rt.set_value("labeller.motor_current", 27.4)
    rt.set_value("conveyor.vibration", 7.6)
    rt.set_value("labeller.glue_temp", 161.0, UNCERTAIN_LAST_USABLE_VALUE)
    rt.set_value("filler.fill_pressure_sp", float("nan"), BAD_NODE_ID_UNKNOWN)
    rt.add_problem(
        "filler.fill_pressure_sp", BAD_NODE_ID_UNKNOWN, "node ns=2;s=Filler.FillPressureSetpoint not found"
    )
    rt.push_event(
        JournalEvent(
            EventKind.MACHINE_STATE,
            "Capper: Running → Faulted (Jam)",
            source="capper",
            severity=Severity.ERROR,
        )
    )
    rt.push_event(
        JournalEvent(
            EventKind.CONFIG,
            "filler.fill_pressure_sp refused by server: BadNodeIdUnknown",
            source="filler.fill_pressure_sp",
            severity=Severity.WARNING,
        )
    )


def _events(rt):
    rt.push_event(
        JournalEvent(
            EventKind.SYSTEM, "LineHMI started, config resources/demo_line.toml", ts=time.time() - 600
        )
    )
    rt.push_event(
        JournalEvent(
            EventKind.CONNECTION,
            "connected to opc.tcp://127.0.0.1:48400/linehmi/",
            source="opcua",
            ts=time.time() - 598,
        )
    )
    rt.push_event(
        JournalEvent(
            EventKind.OPERATOR_ACTION,
            "filler.speed_sp set to 400",
            source="filler.speed_sp",
            user="j.smith",
            ts=time.time() - 300,
        )
    )


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)], ids=["1920", "1280"])
def test_shots_normal(qtbot, themed_app, make_runtime, demo_config, size):
    rt = make_runtime(demo_config)
    _events(rt)
    win = _window(qtbot, rt, demo_config, size)
    qtbot.waitUntil(lambda: win.bridge.stats.ticks > 3, timeout=30000)  # 5 s ran out at load 20
    qtbot.wait(200)
    assert not win.stale
    _save(win, f"main_{size[0]}")


def test_shots_abnormal_and_reconnecting(qtbot, themed_app, make_runtime, demo_config):
    rt = make_runtime(demo_config)
    _events(rt)
    _abnormal(rt)
    win = _window(qtbot, rt, demo_config, (1920, 1080))
    qtbot.waitUntil(lambda: win.overview.faceplates["capper"].state_kind == "fault")
    qtbot.wait(200)
    _save(win, "abnormal_1920")

    # The server goes away: values freeze, grey out and age.
    rt.auto = False
    rt.push(rt.synthetic_batch(age_s=37.0))
    rt.set_state(ConnectionState.RECONNECTING, "server went away at 10:42:03; retrying every 5 s")
    qtbot.waitUntil(lambda: win.stale)
    win.connection_indicator.set_state(
        ConnectionState.RECONNECTING,
        "server went away at 10:42:03; retrying every 5 s",
        since=time.time() - 37,
    )
    win._on_second()
    qtbot.wait(100)
    _save(win, "reconnecting_1920")


def test_shots_setpoint_dialog(qtbot, themed_app, make_runtime, demo_config):
    rt = make_runtime(demo_config, write_delay_s=0.05)
    win = _window(qtbot, rt, demo_config, (1280, 800))
    win.set_user(User("j.smith", Role.OPERATOR))  # writing needs operator: a view-only Write is disabled
    qtbot.waitUntil(lambda: win.bridge.stats.ticks > 2)
    dlg = win.open_setpoint_dialog("filler")
    assert dlg is not None
    dlg.value_edit.setText("700")
    qtbot.wait(50)
    _save(dlg, "setpoint_invalid")
    dlg.value_edit.setText("420")
    dlg.write_button.click()
    qtbot.waitUntil(lambda: dlg.last_result is not None)
    _save(dlg, "setpoint_written")
