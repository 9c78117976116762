"""Audible alarm annunciation: a beep pattern per priority, silenced until the next new alarm.

QtMultimedia is not in the PySide6-Essentials wheel, so the sound is the
platform's own beep (`QApplication.beep()`), played in a pattern that says the
priority of the most important unacknowledged alarm:

    urgent  3 beeps every 2 s
    high    2 beeps every 4 s
    medium  1 beep every 8 s
    low     silent (a low alarm is "be aware": the banner is enough)

It sounds while an alarm of a sounding priority is active and unacknowledged.
Silence stops it until a new alarm is annunciated (an alarm becoming
unacknowledged); acknowledging stops it for good. Off unless enabled (tests,
and line PCs without speakers, never beep).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

from hmi.core.alarms.model import AlarmRecord, AlarmState, Priority
from widgets.alarm_store import AlarmStore

# priority -> (beeps per cycle, cycle length in seconds); missing = silent
PATTERNS: dict[Priority, tuple[int, float]] = {
    Priority.URGENT: (3, 2.0),
    Priority.HIGH: (2, 4.0),
    Priority.MEDIUM: (1, 8.0),
}
BEEP_GAP_S = 0.25
STEP_MS = 50


def _system_beep() -> None:
    QApplication.beep()


class Annunciator(QObject):
    state_changed = Signal()  # enabled / sounding / silenced changed

    def __init__(
        self,
        store: AlarmStore,
        *,
        enabled: bool = False,
        beep: Callable[[], None] | None = None,
        patterns: dict[Priority, tuple[int, float]] | None = None,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.patterns = dict(PATTERNS if patterns is None else patterns)
        self._beep = beep or _system_beep
        self._clock = clock
        self._enabled = enabled
        self.silenced = False
        self.priority: Priority | None = None  # the pattern now playing (None: quiet)
        self.beeps = 0
        self._cycle_start = 0.0
        self._done_in_cycle = 0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.CoarseTimer)
        self._timer.setInterval(STEP_MS)
        self._timer.timeout.connect(self.step)
        store.changed.connect(self._on_changed)
        store.reset.connect(self._on_changed)
        store.annunciated.connect(self._on_annunciated)

    # --- state -----------------------------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def sounding(self) -> bool:
        return self._enabled and not self.silenced and self.priority is not None

    @property
    def has_sound(self) -> bool:
        """An alarm that would sound is waiting (whether silenced or not)."""
        return self._loudest() is not None

    def set_enabled(self, on: bool) -> None:
        if on != self._enabled:
            was = self._snapshot()
            self._enabled = on
            self._update(was)

    def silence(self) -> None:
        """Quiet until the next new alarm."""
        if not self.silenced:
            was = self._snapshot()
            self.silenced = True
            self._update(was)

    def stop(self) -> None:
        self._timer.stop()

    # --- slots -------------------------------------------------------------------------------------
    def _on_annunciated(self, records: list[AlarmRecord]) -> None:
        was = self._snapshot()
        if self.silenced and any(r.priority in self.patterns for r in records):
            self.silenced = False
        self._update(was)

    def _on_changed(self, *_a) -> None:
        self._update()

    def _loudest(self) -> Priority | None:
        best: Priority | None = None
        for r in self.store.records.values():
            if (
                r.state == AlarmState.UNACKED
                and r.priority in self.patterns
                and (best is None or r.priority < best)
            ):
                best = r.priority
                if best == Priority.URGENT:
                    break
        return best

    def _snapshot(self) -> tuple[bool, bool, Priority | None, bool]:
        return (self._enabled, self.sounding, self.priority, self.silenced)

    def _update(self, was: tuple[bool, bool, Priority | None, bool] | None = None) -> None:
        was = self._snapshot() if was is None else was
        loudest = self._loudest()
        if loudest is None:
            self.silenced = False  # nothing left to silence: the next alarm sounds
        if loudest != self.priority:
            self.priority = loudest
            self._cycle_start = self._clock()
            self._done_in_cycle = 0
        if self.sounding:
            if not self._timer.isActive():
                self._cycle_start = self._clock()
                self._done_in_cycle = 0
                self._timer.start()
        else:
            self._timer.stop()
        if self._snapshot() != was:
            self.state_changed.emit()

    def step(self) -> None:
        """Called by the timer: play the beeps of the current cycle that are due."""
        if not self.sounding or self.priority is None:
            return
        n, period = self.patterns[self.priority]
        now = self._clock()
        elapsed = now - self._cycle_start
        if elapsed >= period:
            self._cycle_start = now
            self._done_in_cycle = 0
            elapsed = 0.0
        while self._done_in_cycle < n and elapsed >= self._done_in_cycle * BEEP_GAP_S:
            self._done_in_cycle += 1
            self.beeps += 1
            self._beep()
