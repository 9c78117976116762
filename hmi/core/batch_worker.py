"""A thread that consumes SampleBatches and runs a periodic tick (alarm engine, fault predictor).

The I/O loop must never wait for these consumers, so `submit` only enqueues;
whatever queued up while the consumer was busy is concatenated into one batch,
which keeps a slow step (a journal commit, a model run) from building a backlog
of tiny batches.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from hmi.core.samples import SampleBatch

log = logging.getLogger(__name__)


class BatchWorker:
    def __init__(
        self,
        name: str,
        process: Callable[[SampleBatch], object],
        tick: Callable[[], object] | None = None,
        tick_s: float = 0.5,
    ) -> None:
        self.name = name
        self._process = process
        self._tick = tick
        self._tick_s = tick_s
        self._q: queue.SimpleQueue[SampleBatch | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.errors = 0

    def start(self) -> BatchWorker:
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()
        return self

    def submit(self, batch: SampleBatch) -> None:
        self._q.put(batch)

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread is not None:
            self._q.put(None)
            self._thread.join(timeout)
            self._thread = None

    def _drain(self, first: SampleBatch) -> tuple[SampleBatch, bool]:
        batches, stop = [first], False
        while True:
            try:
                nxt = self._q.get_nowait()
            except queue.Empty:
                break
            if nxt is None:
                stop = True
                break
            batches.append(nxt)
        return SampleBatch.concat(batches), stop

    def _loop(self) -> None:
        next_tick = time.monotonic()
        while True:
            try:
                item = self._q.get(timeout=max(0.0, next_tick - time.monotonic()))
            except queue.Empty:
                item = SampleBatch.empty()
            if item is None:
                return
            batch, stop = self._drain(item)
            try:
                if len(batch):
                    self._process(batch)
                if self._tick is not None and time.monotonic() >= next_tick:
                    next_tick = time.monotonic() + self._tick_s
                    self._tick()
            except Exception:
                self.errors += 1
                log.exception("%s failed on a batch; its outputs may be stale until the next one", self.name)
            if stop:
                return
