"""The real thing, end to end: simulated line over OPC UA on loopback -> runtime -> main window."""

from __future__ import annotations

import math
import sqlite3

import pytest

from connectors.loop_thread import LoopThread
from connectors.sim.server import SimSettings, SimulatedLineServer
from hmi.app.runtime import LineRuntime
from hmi.core.runtime_api import ConnectionState
from hmi.ui.main_window import MainWindow


@pytest.fixture
def live_line(tmp_path, demo_config):
    sim_loop = LoopThread("test-sim").start()
    sim = SimulatedLineServer(SimSettings(port=0, seed=3, time_factor=20.0, faults=[]), demo_config)
    sim_loop.run(sim.start(), timeout=30)
    rt = LineRuntime(demo_config, journal_dir=tmp_path, endpoint=sim.endpoint).start()
    yield sim, sim_loop, rt
    rt.stop()
    sim_loop.run(sim.stop(), timeout=15)
    sim_loop.stop()


def open_connected(qtbot, rt, config, size: tuple[int, int]) -> MainWindow:
    """The main window on a live line's runtime, shown at `size`, once the runtime says connected."""
    win = MainWindow(rt, config, poll_interval_ms=40)
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitUntil(lambda: win.connection_indicator.state == ConnectionState.CONNECTED, timeout=20_000)
    return win


def test_window_shows_simulator_values_arriving(qtbot, live_line, demo_config):
    _sim, _sim_loop, rt = live_line
    win = open_connected(qtbot, rt, demo_config, (1600, 900))
    i = win.live.index["conveyor.speed"]
    # The conveyor starts first in the simulated start-up sequence and ramps towards its setpoint.
    qtbot.waitUntil(lambda: not math.isnan(win.live.value[i]) and win.live.value[i] > 1.0, timeout=20_000)
    first = win.live.value[i]
    qtbot.waitUntil(lambda: win.live.value[i] != first, timeout=10_000)
    assert win.tag_table.model.rowCount() == len(demo_config.tags)
    # Machine state changes reach the event list and the journal.
    qtbot.waitUntil(lambda: win.events.model.rowCount() >= 3, timeout=20_000)
    win.close()
    rt.journal.flush()
    db = sqlite3.connect(rt.journal.path)
    assert db.execute("select count(*) from samples").fetchone()[0] > 50
    assert db.execute("select count(*) from events where kind = 'machine_state'").fetchone()[0] >= 1
