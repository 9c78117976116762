"""The one background helper: results, errors and progress arrive on the GUI thread, queued,
for work on a worker thread and for futures another thread completes."""

from __future__ import annotations

import concurrent.futures
import gc
import threading

import pytest

from widgets.background import run_in_background, watch_future


def _gui_thread_calls(task, qtbot):
    seen: dict[str, object] = {}

    def mark(name):
        def slot(*args):
            seen[name] = (args, threading.current_thread() is threading.main_thread())

        return slot

    for name in ("started", "returned", "errored", "finished"):
        getattr(task, name).connect(mark(name))
    qtbot.waitUntil(lambda: "finished" in seen, timeout=5000)
    assert all(on_gui for _args, on_gui in seen.values()), seen
    return seen


def test_a_result_comes_back_on_the_gui_thread(qtbot):
    worker: list[str] = []

    def work(x):
        worker.append(threading.current_thread().name)
        return x * 2

    seen = _gui_thread_calls(run_in_background(work, 21, name="linehmi-test"), qtbot)
    assert seen["returned"][0] == (42,) and "errored" not in seen
    assert seen["finished"][0][0].result() == 42
    assert worker == ["linehmi-test"]


def test_an_error_comes_back_as_the_exception(qtbot):
    def work():
        raise ValueError("journal file x.db: not a journal")

    seen = _gui_thread_calls(run_in_background(work), qtbot)
    (exc,), _ = seen["errored"]
    assert isinstance(exc, ValueError) and "x.db" in str(exc) and "returned" not in seen


def test_progress_arrives_in_order_before_the_result(qtbot):
    order: list[object] = []

    def work(n, report):
        for i in range(n):
            report(i)
        return "done"

    task = run_in_background(work, 50, with_progress=True)
    task.progressed.connect(order.append)
    task.returned.connect(order.append)
    qtbot.waitUntil(lambda: order[-1:] == ["done"], timeout=5000)
    assert order == [*range(50), "done"]


@pytest.mark.parametrize("already_done", [True, False])
def test_a_watched_future_reports_even_when_done_before_anyone_connects(qtbot, already_done):
    fut: concurrent.futures.Future[int] = concurrent.futures.Future()
    if already_done:
        fut.set_result(7)
    task = watch_future(fut)
    got: list[int] = []
    task.returned.connect(got.append)  # connected after watch_future(): must not be missed
    if not already_done:
        threading.Thread(target=fut.set_result, args=(7,)).start()
    qtbot.waitUntil(lambda: got == [7], timeout=5000)


def test_a_dropped_task_is_simply_not_answered(qtbot):
    release = threading.Event()
    task = run_in_background(release.wait, 5)
    del task
    gc.collect()
    release.set()
    qtbot.wait(50)  # the report arrives for nobody: no error, no crash
