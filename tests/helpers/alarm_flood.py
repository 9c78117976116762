"""An alarm flood through the real engine, the bridge and the window, watched from the GUI thread.

1,000 alarms activating within one second: the engine runs on a feeder thread as in the runtime (10
batches of 100 crossing samples, 0.1 s apart); the window polls at 25 Hz. A 5 ms timer on the GUI thread
counts the event loop's turns and notes when the banner and the table have all the alarms.

Two users: tests/ui/test_alarm_flood.py checks the properties that keep the GUI thread free whatever the
machine's load (where the work runs, that the event loop turns between deliveries, one model reset per
delivery); bench/alarms_ui.py reads the timings (how soon the flood shows, the longest stall between two
turns) against a quiet baseline in the same run. Timings are a benchmark's, never a unit test's: on a
shared 2-core box at load 10-20 the scheduler alone stretches a healthy window's stalls past 1 s.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QEventLoop, Qt, QTimer

from hmi.core.config import LineConfig
from hmi.core.samples import SampleBatch


@dataclass
class FloodResult:
    n_alarms: int
    banner_s: float = float("nan")  # from the first batch until the banner counts them all
    table_s: float = float("nan")  # ... until the alarm table lists them all
    after_last_batch_s: float = float("nan")  # from the last batch until both show them all
    max_stall_ms: float = 0.0
    p99_stall_ms: float = 0.0
    max_tick_ms: float = 0.0  # the bridge tick that delivered the most (poll + every slot)
    gaps: list[float] = field(default_factory=list)
    # Where the work ran, and the event loop's turns (load-independent: what the unit test checks).
    gui_thread: int = 0
    engine_threads: set[int] = field(default_factory=set)  # AlarmEngine.process during the flood
    journal_threads: set[int] = field(default_factory=set)  # the alarm events written to the journal
    delivery_threads: set[int] = field(default_factory=set)  # the bridge's alarms_changed
    delivery_turns: list[int] = field(default_factory=list)  # the meter's turn count at each delivery
    turns: int = 0  # the meter's turns from the first batch until both showed every alarm
    model_resets: int = 0  # the alarm table model's resets during the flood


def flood_tags(config: LineConfig, n: int) -> list[int]:
    """n tags of big_config's extra area tags (Hi at 85, HiHi at 95)."""
    idx = [i for i, t in enumerate(config.tags) if t.name.startswith("area")]
    assert len(idx) >= n, f"need {n} area tags, have {len(idx)}"
    return idx[:n]


def _record_thread(obj: Any, name: str, into: set[int], active: threading.Event) -> None:
    """Note the calling thread of `obj.name` while `active` is set (an instance attribute: the
    class and other instances are untouched)."""
    real = getattr(obj, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if active.is_set():
            into.add(threading.get_ident())
        return real(*args, **kwargs)

    setattr(obj, name, wrapped)


def run_flood(
    win: Any, rt: Any, n_alarms: int = 1000, batches: int = 10, period_s: float = 1.0, timeout_s: float = 60.0
) -> FloodResult:
    """Feed the flood on a thread (as the runtime's alarm thread does) and watch the window.
    `timeout_s` only stops a window that never shows the flood (the result then has NaN times)."""
    tags = np.asarray(flood_tags(rt.config, n_alarms))
    chunks = np.array_split(tags, batches)
    res = FloodResult(n_alarms, gui_thread=threading.get_ident())
    marks: dict[str, float] = {}
    gaps: list[float] = []
    last = [time.perf_counter()]
    turns = [0]
    flooding = threading.Event()
    done = threading.Event()
    loop = QEventLoop()
    _record_thread(rt.alarms, "process", res.engine_threads, flooding)
    journal = getattr(rt, "alarm_journal", None) or rt.journal
    for name in ("write_event", "write_events"):
        if hasattr(journal, name):
            _record_thread(journal, name, res.journal_threads, flooding)

    def delivered(_records: list) -> None:
        res.delivery_threads.add(threading.get_ident())
        res.delivery_turns.append(turns[0])

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1e3)
        last[0] = now
        turns[0] += 1
        if "start" not in marks:
            return
        if "banner" not in marks and win.alarm_banner.counts.total_active >= n_alarms:
            marks["banner"] = now
        if "table" not in marks and win.alarm_table.model.rowCount() >= n_alarms:
            marks["table"] = now
        if ("banner" in marks and "table" in marks and done.is_set()) or now - marks["start"] > timeout_s:
            res.turns = turns[0] - marks["start_turn"]
            loop.quit()

    def feed() -> None:
        t0 = time.perf_counter()
        marks["start_turn"] = turns[0]
        marks["start"] = t0
        for k, chunk in enumerate(chunks):
            delay = t0 + k * period_s / batches - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            now = time.time()
            ts = np.full(len(chunk), now)
            rt.alarms.process(
                SampleBatch.from_columns(chunk, ts, ts, ts, np.full(len(chunk), 90.0), np.zeros(len(chunk)))
            )
        marks["last_batch"] = time.perf_counter()
        done.set()

    meter = QTimer()
    meter.setTimerType(Qt.TimerType.PreciseTimer)
    meter.setInterval(5)
    meter.timeout.connect(tick)
    stats = win.bridge.stats
    stats.reset_max()
    win.bridge.alarms_changed.connect(delivered)
    resets0 = win.alarm_table.model.resets
    feeder = threading.Thread(target=feed, name="alarm-flood-feeder")
    last[0] = time.perf_counter()
    flooding.set()
    meter.start()
    feeder.start()
    loop.exec()
    meter.stop()
    feeder.join(10)
    flooding.clear()
    win.bridge.alarms_changed.disconnect(delivered)
    res.model_resets = win.alarm_table.model.resets - resets0
    t0 = marks["start"]
    res.banner_s = marks.get("banner", float("nan")) - t0
    res.table_s = marks.get("table", float("nan")) - t0
    res.after_last_batch_s = max(
        marks.get("banner", float("nan")), marks.get("table", float("nan"))
    ) - marks.get("last_batch", float("nan"))
    res.gaps = gaps
    arr = np.asarray(gaps) if gaps else np.zeros(1)
    res.max_stall_ms = float(arr.max())
    res.p99_stall_ms = float(np.percentile(arr, 99))
    res.max_tick_ms = stats.max_tick_ms
    return res
