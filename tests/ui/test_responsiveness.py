"""The GUI event loop never stalls: connect, reconnect and update bursts on 2,000+ tags.

A 5 ms timer records the gaps between its ticks while a thread plays the
I/O side (FakeRuntime): connecting -> connected -> 50 batches with every tag
changing -> reconnecting -> connected -> 50 batches at once. The longest gap
is the longest time the operator's screen was frozen.
"""

from __future__ import annotations

import threading
import time

import numpy as np
from PySide6.QtCore import Qt, QTimer

from hmi.core.events import EventKind, JournalEvent
from hmi.core.runtime_api import ConnectionState
from hmi.core.samples import SampleBatch
from hmi.ui.main_window import MainWindow
from widgets.tag_table import COL_VALUE

# A freeze a supervisor would notice, which only a design defect causes (blocking I/O or a
# rebuild of every row on the GUI thread). The responsiveness *target* (<= 100 ms stalls) is a
# benchmark (bench/alarms_ui.py), not this test: on a shared CI box at load 20+ the scheduler alone
# takes 250-300 ms from a healthy process, which made a 250 ms bound here fail with nothing wrong.
MAX_STALL_MS = 1000.0


class StallMeter:
    def __init__(self, interval_ms: int = 5) -> None:
        self.gaps: list[float] = []
        self._last = 0.0
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1e3)
        self._last = now


def _batches(n_tags: int, count: int) -> list[SampleBatch]:
    rng = np.random.default_rng(7)
    idx = np.arange(n_tags)
    out = []
    for _ in range(count):
        now = time.time()
        ts = np.full(n_tags, now)
        out.append(SampleBatch.from_columns(idx, ts, ts, ts, rng.uniform(0, 100, n_tags), np.zeros(n_tags)))
    return out


def test_gui_stays_responsive_through_connect_reconnect_and_bursts(
    qtbot, themed_app, config_2k, make_runtime
):
    n = len(config_2k.tags)
    assert n >= 2000
    rt = make_runtime(config_2k, auto=False, state=ConnectionState.DISCONNECTED)
    win = MainWindow(rt, config_2k, user="alice")
    qtbot.addWidget(win)
    win.resize(1920, 1080)
    win.show()
    qtbot.waitExposed(win)
    win.tag_table.view.sortByColumn(COL_VALUE, Qt.SortOrder.AscendingOrder)  # scattered rows per batch
    paced, burst = _batches(n, 50), _batches(n, 50)
    qtbot.wait(200)
    done = threading.Event()

    def io_side() -> None:
        rt.set_state(ConnectionState.CONNECTING, "connecting to opc.tcp://127.0.0.1:48400/linehmi/")
        time.sleep(0.2)
        rt.set_state(ConnectionState.CONNECTED)
        for k, b in enumerate(paced):
            rt.push(b)
            if k % 5 == 0:
                rt.push_event(JournalEvent(EventKind.SYSTEM, f"batch {k}"))
            time.sleep(0.02)
        rt.set_state(ConnectionState.RECONNECTING, "server went away; retrying every 1 s")
        time.sleep(0.3)
        rt.set_state(ConnectionState.CONNECTED)
        for b in burst:
            rt.push(b)
        done.set()

    meter = StallMeter()
    meter.start()
    stats = win.bridge.stats
    stats.reset_max()
    ticks0, total0, core0 = stats.ticks, stats.total_tick_ms, stats.total_core_ms
    io = threading.Thread(target=io_side, name="fake-io-side")
    io.start()
    expected = 100 * n
    try:
        qtbot.waitUntil(lambda: done.is_set() and stats.samples >= expected, timeout=20_000)
        qtbot.wait(300)  # the repaints after the last batch count too
    finally:
        meter.stop()
        io.join(5)

    gaps = np.asarray(meter.gaps)
    max_stall = float(gaps.max())
    p99 = float(np.percentile(gaps, 99))
    ticks = stats.ticks - ticks0
    mean_tick = (stats.total_tick_ms - total0) / max(1, ticks)
    mean_core = (stats.total_core_ms - core0) / max(1, ticks)
    print(
        f"\n[responsiveness] {n} tags, 100 batches ({expected:,} samples): "
        f"max event-loop stall {max_stall:.1f} ms, p99 {p99:.1f} ms, {len(gaps)} meter ticks; "
        f"bridge tick mean {mean_tick:.2f} ms, max {stats.max_tick_ms:.1f} ms "
        f"(poll+apply mean {mean_core:.2f} ms, max {stats.max_core_ms:.1f} ms) over {ticks} ticks, "
        f"coalesced batches {stats.dropped_batches}"
    )
    assert win.connection_indicator.state == ConnectionState.CONNECTED and not win.stale
    assert win.events.model.rowCount() >= 10
    assert max_stall < MAX_STALL_MS, f"GUI froze for {max_stall:.0f} ms"
