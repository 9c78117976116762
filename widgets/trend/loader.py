"""Run slow work (history reads, exports) off the GUI thread; results come back as queued signals.

Each `BackgroundLoader` runs one job at a time on its own QThreadPool thread.
Submitting a new job cancels the previous one (its cancel flag is polled by
the historian, down to SQLite's progress handler), and only the newest job's
result is delivered: a pan that outruns a load never shows stale data.
Widgets are never touched from the worker: the job gets plain arguments
and returns a plain result.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from hmi.core.historian import HistoryCancelled

log = logging.getLogger(__name__)

Job = Callable[[Callable[[float, str], None], Callable[[], bool]], Any]


class _Signals(QObject):
    finished = Signal(int, object)
    failed = Signal(int, str)
    progress = Signal(int, float, str)


class _Runnable(QRunnable):
    def __init__(self, gen: int, job: Job, signals: _Signals, cancelled: threading.Event) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._gen, self._job, self._signals, self._cancelled = gen, job, signals, cancelled

    def run(self) -> None:
        gen, sig, ev = self._gen, self._signals, self._cancelled

        def progress(frac: float, text: str) -> None:
            if not ev.is_set():
                sig.progress.emit(gen, float(frac), text)

        try:
            result = self._job(progress, ev.is_set)
        except HistoryCancelled:
            return
        except Exception as exc:  # the GUI shows it; the app keeps running
            if not ev.is_set():
                log.warning("background job failed: %s", "".join(traceback.format_exception(exc)))
                sig.failed.emit(gen, f"{type(exc).__name__}: {exc}")
            return
        if not ev.is_set():
            sig.finished.emit(gen, result)


class BackgroundLoader(QObject):
    finished = Signal(object)  # the newest job's result
    failed = Signal(str)
    progress = Signal(float, str)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pool.setExpiryTimeout(2000)
        self._signals = _Signals(self)
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._signals.progress.connect(self._on_progress)
        self._gen = 0
        self._cancel: threading.Event | None = None
        self._busy = False
        self._closed = False

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def generation(self) -> int:
        return self._gen

    def submit(self, job: Job) -> int:
        """Start `job(progress, cancelled)` on the worker; cancels the previous job."""
        if self._closed:
            return self._gen
        self.cancel()
        self._gen += 1
        self._cancel = threading.Event()
        self._pool.start(_Runnable(self._gen, job, self._signals, self._cancel))
        self._set_busy(True)
        return self._gen

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
        self._set_busy(False)

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until the worker is idle (tests, shutdown)."""
        return bool(self._pool.waitForDone(timeout_ms))

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        self._closed = True
        self.cancel()
        self._pool.waitForDone(timeout_ms)

    def _set_busy(self, on: bool) -> None:
        if on != self._busy:
            self._busy = on
            self.busy_changed.emit(on)

    def _on_finished(self, gen: int, result: object) -> None:
        if gen == self._gen and not self._closed:
            self._set_busy(False)
            self.finished.emit(result)

    def _on_failed(self, gen: int, message: str) -> None:
        if gen == self._gen and not self._closed:
            self._set_busy(False)
            self.failed.emit(message)

    def _on_progress(self, gen: int, frac: float, text: str) -> None:
        if gen == self._gen and not self._closed:
            self.progress.emit(frac, text)
