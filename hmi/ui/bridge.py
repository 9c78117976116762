"""GUI side of the runtime: a QTimer drains `runtime.poll()` at ~25 Hz.

All data reaches the widgets through this one object, on the GUI thread:
`poll()` is non-blocking and returns whatever the I/O thread queued since the
last call (one coalesced SampleBatch, events, state, problems, changed alarm
records), the batch is
applied to LiveValues in one vectorised step, and the signals below fan out
to the widgets. Widgets are never touched from another thread.

The cost of every tick is measured (poll + apply, and the whole tick with the
widget slots) so the status bar and the benchmarks can show it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal

from hmi.core.live_values import LiveValues
from hmi.core.runtime_api import ConnectionState
from hmi.ui.services import LiveFeed

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_MS = 40  # 25 Hz: smooth for people, cheap for a 2-core line-side PC


@dataclass
class BridgeStats:
    ticks: int = 0
    samples: int = 0  # sample rows received
    changed_tags: int = 0  # tags repainted (sum over ticks)
    dropped_batches: int = 0  # coalesced by the runtime because the GUI fell behind
    events: int = 0
    alarm_records: int = 0  # changed alarm records received
    poll_errors: int = 0
    # Milliseconds: core = runtime.poll() + LiveValues.apply(); tick = core + every connected slot.
    last_core_ms: float = 0.0
    max_core_ms: float = 0.0
    total_core_ms: float = 0.0
    last_tick_ms: float = 0.0
    max_tick_ms: float = 0.0
    total_tick_ms: float = 0.0

    @property
    def mean_core_ms(self) -> float:
        return self.total_core_ms / self.ticks if self.ticks else 0.0

    @property
    def mean_tick_ms(self) -> float:
        return self.total_tick_ms / self.ticks if self.ticks else 0.0

    def reset_max(self) -> None:
        self.max_core_ms = self.max_tick_ms = 0.0


class LiveBridge(QObject):
    samples_applied = Signal(object)  # np.ndarray[int32]: indices of the tags that changed
    batch_arrived = Signal(object)  # SampleBatch: every drained sample (trends keep them all)
    state_changed = Signal(object, str)  # ConnectionState, detail text
    events_arrived = Signal(list)  # list[JournalEvent]
    problems_found = Signal(list)  # list[TagProblem]
    batches_dropped = Signal(int)  # how many batches the runtime coalesced since the last tick
    alarms_changed = Signal(list)  # list[AlarmRecord]: alarm records that changed, oldest first

    def __init__(
        self,
        runtime: LiveFeed,
        live: LiveValues,
        interval_ms: int = DEFAULT_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.live = live
        self.stats = BridgeStats()
        self.state: ConnectionState | None = None
        self.state_detail = ""
        self.state_since = time.time()
        # When the link was lost, as the runtime keeps it (None: up, or never connected): the one
        # instant of an outage every screen names; read by `state_changed`'s slots.
        self.link_lost_at: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.poll_once)
        self._last_error_log = 0.0

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def poll_once(self) -> None:
        t0 = time.perf_counter()
        try:
            update = self.runtime.poll()
        except Exception:
            # A runtime bug must not take the screen down; say so in the log, at most every 10 s.
            self.stats.poll_errors += 1
            now = time.monotonic()
            if now - self._last_error_log > 10:
                self._last_error_log = now
                log.exception("runtime.poll() failed (%d so far)", self.stats.poll_errors)
            return
        changed = self.live.apply(update.batch) if len(update.batch) else None
        if update.texts:
            text_changed = self.live.apply_text(update.texts)
            changed = text_changed if changed is None else np.union1d(changed, text_changed)
        t1 = time.perf_counter()

        st = self.stats
        st.ticks += 1
        st.samples += len(update.batch)
        if (
            update.state != self.state
            or update.state_detail != self.state_detail
            or update.link_lost_at != self.link_lost_at
        ):
            if update.state != self.state:
                self.state_since = time.time()
            self.state, self.state_detail = update.state, update.state_detail
            self.link_lost_at = update.link_lost_at
            self.state_changed.emit(update.state, update.state_detail)
        if update.problems:
            for p in update.problems:
                self.live.problems[p.tag] = (p.status, p.message)
            self.problems_found.emit(list(update.problems))
        if len(update.batch):
            self.batch_arrived.emit(update.batch)
        if changed is not None and len(changed):
            st.changed_tags += len(changed)
            self.samples_applied.emit(changed)
        if update.events:
            st.events += len(update.events)
            self.events_arrived.emit(list(update.events))
        alarms = update.alarms
        if alarms:
            st.alarm_records += len(alarms)
            self.alarms_changed.emit(list(alarms))
        if update.dropped_batches:
            st.dropped_batches += update.dropped_batches
            self.batches_dropped.emit(update.dropped_batches)
        t2 = time.perf_counter()

        core, tick = (t1 - t0) * 1e3, (t2 - t0) * 1e3
        st.last_core_ms, st.last_tick_ms = core, tick
        st.total_core_ms += core
        st.total_tick_ms += tick
        st.max_core_ms = max(st.max_core_ms, core)
        st.max_tick_ms = max(st.max_tick_ms, tick)
