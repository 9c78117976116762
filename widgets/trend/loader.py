"""Slow trend work (history reads, exact reads, exports) off the GUI thread, newest job only.

Built on `widgets.background.run_in_background`, the one way the screens run
background work. What this adds for a trend: one job at a time per loader (a
new job waits until the one it replaced has stopped, so two history reads
never compete for the journal), cancellation (submitting a new job sets the
previous job's cancel flag, which the historian polls down to SQLite's
progress handler), and generations: only the newest job's progress and result
are delivered, so a pan that outruns a load never shows stale data. The job
gets plain arguments and returns a plain result; widgets are never touched
from the worker.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from hmi.core.historian import HistoryCancelled
from widgets.background import BackgroundTask, run_in_background

log = logging.getLogger(__name__)

Job = Callable[[Callable[[float, str], None], Callable[[], bool]], Any]


def _run_after(
    previous: concurrent.futures.Future[Any] | None,
    job: Job,
    cancelled: threading.Event,
    report: Callable[[object], None],
) -> Any:
    """On the worker: wait for the replaced job to stop, then run `job(progress, cancelled)`."""
    if previous is not None:
        concurrent.futures.wait([previous])
    if cancelled.is_set():
        raise HistoryCancelled()

    def progress(frac: float, text: str) -> None:
        if not cancelled.is_set():
            report((float(frac), text))

    return job(progress, cancelled.is_set)


class BackgroundLoader(QObject):
    finished = Signal(object)  # the newest job's result
    failed = Signal(str)
    progress = Signal(float, str)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._gen = 0
        self._cancel: threading.Event | None = None
        self._task: BackgroundTask | None = None
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
        gen, cancelled = self._gen, threading.Event()
        self._cancel = cancelled
        previous = self._task.future if self._task is not None else None
        task = run_in_background(
            _run_after, previous, job, cancelled, name="linehmi-trend-loader", with_progress=True, parent=self
        )
        task.progressed.connect(lambda value: self._on_progress(gen, cancelled, value))
        task.returned.connect(lambda result: self._on_finished(gen, cancelled, result))
        task.errored.connect(lambda exc: self._on_failed(gen, cancelled, exc))
        task.finished.connect(task.deleteLater)
        self._task = task
        self._set_busy(True)
        return gen

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
        self._set_busy(False)

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until the worker is idle (tests, shutdown)."""
        task = self._task
        return task is None or task.wait(timeout_ms / 1000)

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        self._closed = True
        self.cancel()
        self.wait(timeout_ms)

    def _current(self, gen: int, cancelled: threading.Event) -> bool:
        return gen == self._gen and not cancelled.is_set() and not self._closed

    def _set_busy(self, on: bool) -> None:
        if on != self._busy:
            self._busy = on
            self.busy_changed.emit(on)

    def _on_finished(self, gen: int, cancelled: threading.Event, result: object) -> None:
        if self._current(gen, cancelled):
            self._set_busy(False)
            self.finished.emit(result)

    def _on_failed(self, gen: int, cancelled: threading.Event, exc: BaseException) -> None:
        if isinstance(exc, HistoryCancelled) or not self._current(gen, cancelled):
            return
        log.warning("background job failed: %s", "".join(traceback.format_exception(exc)))
        self._set_busy(False)
        self.failed.emit(f"{type(exc).__name__}: {exc}")

    def _on_progress(self, gen: int, cancelled: threading.Event, value: Any) -> None:
        if self._current(gen, cancelled):
            frac, text = value
            self.progress.emit(frac, text)
