"""The one way the screens run work off the GUI thread (the shape of superqt's `thread_worker`).

    task = run_in_background(load_history, journal, since, parent=self)
    task.returned.connect(self._on_history)       # the result, on the GUI thread
    task.errored.connect(self._on_history_failed)  # the exception, on the GUI thread

    task = watch_future(runtime.write_value(tag, value, user), parent=self)
    task.finished.connect(self._on_written)        # the completed Future: .result() or raises

- `run_in_background(fn, *args)` runs `fn` on a short-lived plain Python thread;
  `with_progress=True` passes it a `report(value)` callable whose values arrive as `progressed`.
- `watch_future(fut)` turns a `concurrent.futures.Future` that another thread completes (the
  runtime's actions or I/O thread) into the same signals: no timer polls it.

Every signal is delivered on the GUI thread, queued, even when the work is already done when
the task is made (so connecting right after the call never misses it). Signals: `started()`,
`progressed(value)`, `returned(result)`, `errored(exception)`, then `finished(future)`.

Why plain threads and a relay: the worker never holds a Qt object. It reports through one
relay object that lives on the GUI thread for the whole run, so no Qt object is ever released
(and destroyed) on a worker thread; that is what crashed when QRunnables and closures holding
widgets were collected on pool threads. `fn` and its arguments must not be Qt objects either.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import threading
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

_STARTED, _PROGRESS, _DONE = 0, 1, 2


class _Relay(QObject):
    """Carries worker reports to the GUI thread (created there, kept for the life of the process)."""

    reported = Signal(int, int, object)  # task id, kind, value

    def deliver(self, task_id: int, kind: int, value: object) -> None:
        with _lock:
            ref = _tasks.get(task_id) if kind != _DONE else _tasks.pop(task_id, None)
        task = ref() if ref is not None else None
        if task is not None:  # its owner may have dropped it: then nobody is waiting for the answer
            task._on_report(kind, value)


_relay: _Relay | None = None
_tasks: dict[int, weakref.ref[BackgroundTask]] = {}
_ids = itertools.count(1)
_lock = threading.Lock()


def _get_relay() -> _Relay:
    global _relay
    if _relay is None:
        _relay = _Relay()
        # Queued even from the GUI thread: a future already done when watched reports after the
        # caller has connected, never during watch_future().
        _relay.reported.connect(_relay.deliver, Qt.ConnectionType.QueuedConnection)
    return _relay


class BackgroundTask(QObject):
    started = Signal()
    progressed = Signal(object)  # a value the work reported (run_in_background(..., with_progress=True))
    returned = Signal(object)  # the result
    errored = Signal(object)  # the exception
    finished = Signal(object)  # the completed concurrent.futures.Future, after returned/errored

    def __init__(self, future: concurrent.futures.Future[Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.future = future
        relay = _get_relay()
        with _lock:
            self.id = next(_ids)
            _tasks[self.id] = weakref.ref(self)
        task_id = self.id

        def on_done(f: concurrent.futures.Future[Any]) -> None:  # on whichever thread completes it
            relay.reported.emit(task_id, _DONE, f)

        self._report = lambda kind, value: relay.reported.emit(task_id, kind, value)
        future.add_done_callback(on_done)

    @property
    def done(self) -> bool:
        """The work has ended (its signals may still be on their way to the GUI thread)."""
        return self.future.done()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the work ends (tests, shutdown); True if it did."""
        try:
            self.future.exception(timeout)
        except concurrent.futures.TimeoutError:
            return False
        except concurrent.futures.CancelledError:
            pass
        return True

    def _on_report(self, kind: int, value: object) -> None:
        if kind == _STARTED:
            self.started.emit()
        elif kind == _PROGRESS:
            self.progressed.emit(value)
        else:
            fut: concurrent.futures.Future[Any] = value  # type: ignore[assignment]
            exc = fut.exception() if not fut.cancelled() else concurrent.futures.CancelledError()
            if exc is None:
                self.returned.emit(fut.result())
            else:
                self.errored.emit(exc)
            self.finished.emit(fut)


def watch_future(future: concurrent.futures.Future[Any], parent: QObject | None = None) -> BackgroundTask:
    """Signals on the GUI thread when `future` (completed by another thread) is done."""
    return BackgroundTask(future, parent)


def run_in_background(
    fn: Callable[..., Any],
    *args: Any,
    name: str = "linehmi-worker",
    with_progress: bool = False,
    parent: QObject | None = None,
) -> BackgroundTask:
    """Run `fn(*args)` (or `fn(*args, report=...)` with progress) on a new daemon thread."""
    future: concurrent.futures.Future[Any] = concurrent.futures.Future()
    task = BackgroundTask(future, parent)
    report = task._report  # a plain callable: the worker holds no Qt object

    def work() -> None:
        if not future.set_running_or_notify_cancel():
            return
        report(_STARTED, None)
        kw = {"report": lambda value: report(_PROGRESS, value)} if with_progress else {}
        try:
            result = fn(*args, **kw)
        except BaseException as exc:  # delivered to the GUI thread as `errored`
            future.set_exception(exc)
        else:
            future.set_result(result)

    threading.Thread(target=work, name=name, daemon=True).start()
    return task
