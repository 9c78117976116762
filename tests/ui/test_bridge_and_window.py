"""Bridge signals, main window wiring, run_gui shutdown."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer

from hmi.core.events import EventKind
from hmi.core.live_values import LiveValues
from hmi.core.quality import BAD_NODE_ID_UNKNOWN
from hmi.core.runtime_api import ConnectionState
from hmi.ui.bridge import LiveBridge
from hmi.ui.main_window import MainWindow


def test_bridge_emits_past_tense_signals(qtbot, tiny, make_runtime):
    rt = make_runtime(tiny, auto=False, state=ConnectionState.CONNECTING)
    live = LiveValues(tiny)
    bridge = LiveBridge(rt, live)
    got: dict[str, list] = {"samples": [], "state": [], "events": [], "problems": [], "dropped": []}
    bridge.samples_applied.connect(lambda c: got["samples"].append(c))
    bridge.state_changed.connect(lambda s, d: got["state"].append((s, d)))
    bridge.events_arrived.connect(lambda e: got["events"].append(e))
    bridge.problems_found.connect(lambda p: got["problems"].append(p))
    bridge.batches_dropped.connect(lambda n: got["dropped"].append(n))

    bridge.poll_once()
    bridge.poll_once()  # nothing new: no second state signal
    assert got["state"] == [(ConnectionState.CONNECTING, "")] and not got["samples"]
    rt.set_state(ConnectionState.CONNECTED)
    rt.push(rt.synthetic_batch())
    rt.push(rt.synthetic_batch())
    rt.add_problem("m.temp", BAD_NODE_ID_UNKNOWN, "unknown node")
    bridge.poll_once()
    assert got["state"][-1] == (ConnectionState.CONNECTED, "")
    assert np.array_equal(np.sort(got["samples"][0]), np.arange(len(tiny.tags)))
    assert got["events"][0][0].kind == EventKind.CONNECTION
    assert got["problems"][0][0].tag == "m.temp" and live.problems["m.temp"][0] == BAD_NODE_ID_UNKNOWN
    assert got["dropped"] == [1]
    st = bridge.stats
    assert st.ticks == 3 and st.samples == 2 * len(tiny.tags) and st.max_tick_ms > 0

    def broken():
        raise RuntimeError("runtime bug")

    rt.poll = broken  # a failing runtime is logged, counted, and the screen keeps going
    bridge.poll_once()
    assert st.poll_errors == 1


def test_main_window_wiring(qtbot, demo_config, make_runtime):
    rt = make_runtime(demo_config, state=ConnectionState.CONNECTING)
    win = MainWindow(rt, demo_config, user="alice", poll_interval_ms=20)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    # A plain name is nobody logged in (qa6 N8): the label says so, the name only in its tooltip.
    assert win.current_user == "alice" and win.user_label.text() == "Nobody logged in · view only"
    assert "alice" in win.user_label.toolTip()
    assert list(win.overview.faceplates) == ["filler", "capper", "labeller", "conveyor"]  # flow order
    qtbot.waitUntil(lambda: win.connection_indicator.state == ConnectionState.CONNECTING)
    fp = win.overview.faceplates["filler"]
    assert win.stale and fp.speed.stale and win.tag_table.model._stale  # nothing is current before connected

    rt.set_state(ConnectionState.CONNECTED)
    qtbot.waitUntil(lambda: not win.stale)
    assert not fp.speed.stale
    qtbot.waitUntil(lambda: fp.state_text == "Running")
    qtbot.waitUntil(lambda: win.events.model.rowCount() >= 1)

    rt.set_state(ConnectionState.RECONNECTING, "server went away")
    qtbot.waitUntil(lambda: win.stale and fp.speed.stale)
    assert win.connection_indicator.abnormal
    assert "server went away" in win.connection_indicator.text()

    dlg = win.open_setpoint_dialog("filler")
    assert dlg is not None and dlg.user == "alice" and dlg.tag.name == "filler.speed_sp"
    assert win.open_setpoint_dialog("filler") is dlg  # one per machine
    win.set_user("bob")
    assert "bob" in win.user_label.toolTip() and "bob" not in win.user_label.text()
    win.close()
    assert not win.bridge.running


def test_run_gui_stops_runtime(qtbot, qapp, tiny, make_runtime):
    from hmi.ui.app import run_gui

    rt = make_runtime(tiny)
    QTimer.singleShot(
        300, lambda: [w.close() for w in qapp.topLevelWidgets() if w.objectName() == "mainWindow"]
    )
    assert run_gui(rt, tiny, user="alice") == 0
    assert rt.stopped
    qapp.setStyleSheet("")
