"""A minimal psygnal-style signal for the Qt-free core: `connect(cb)`, `disconnect(cb)`, `emit(...)`.

The alarm engine and the alarm list announce changes with it; the Qt layer connects a Qt
signal's `emit` to turn them into queued Qt signals. A failing listener is logged and skipped:
it never breaks the one that emits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class Signal:
    def __init__(self) -> None:
        self._slots: list[Callable[..., Any]] = []
        self._lock = threading.Lock()

    def connect(self, cb: Callable[..., Any]) -> Callable[..., Any]:
        with self._lock:
            self._slots.append(cb)
        return cb

    def disconnect(self, cb: Callable[..., Any]) -> None:
        with self._lock:
            self._slots.remove(cb)

    def emit(self, *args: Any) -> None:
        with self._lock:
            slots = list(self._slots)
        for cb in slots:
            try:
                cb(*args)
            except Exception:
                log.exception("listener %r failed", cb)
