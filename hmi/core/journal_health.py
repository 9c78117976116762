"""Is the journal keeping up? Queue depth, age of the oldest uncommitted item, disk free, stalls.

`JournalWatch` is a small thread (one look a second) because the writer
itself cannot report a stall: it is the thing that is stuck in a frozen
file system. It keeps the latest `JournalHealth` for the status bar and the
headless status line (one text, `JournalHealth.line()`, for both), and posts
a journal event when a stall starts and when it ends, and when free disk
space crosses the configured thresholds. Posted events wait in the journal's
queue like any other and carry the time they happened.

A stall is an item (sample batch or event) that has waited longer than
`journal.stall_warn_s` (default 3 s, six commit intervals): with a look a
second it is reported within 5 s of the disk freezing. The disk-free check
(`statvfs`) runs here too, never on the GUI thread, because on a frozen
file system it can hang as well.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.journal import Journal, JournalStats

log = logging.getLogger(__name__)

_LOOK_EVERY_S = 1.0
_DISK_EVERY_S = 10.0


@dataclass(frozen=True, slots=True)
class JournalHealth:
    queued_samples: int = 0
    queued_events: int = 0
    oldest_age_s: float = 0.0  # how long the oldest uncommitted item has waited (0: nothing waits)
    disk_free_bytes: int | None = None
    stalled: bool = False
    disk: str = "ok"  # "ok", "low" (below disk_warn_free_mb), "critical" (below disk_critical_free_mb)
    events_lost: int = 0
    samples_dropped: int = 0

    @property
    def abnormal(self) -> bool:
        return self.stalled or self.disk != "ok" or bool(self.events_lost or self.samples_dropped)

    def line(self) -> str:
        """One line for the status bar and the headless status line."""
        text = f"queue {self.queued_samples:,} samples + {self.queued_events:,} events"
        if self.oldest_age_s >= 0.05:
            text += f", oldest {self.oldest_age_s:.1f} s"
        if self.disk_free_bytes is not None:
            text += f" · disk {self.disk_free_bytes / 1e9:.1f} GB free"
        if self.disk != "ok":
            text += f" ({self.disk.upper()})"
        if self.stalled:
            text += f" · STALLED: nothing committed for {self.oldest_age_s:.0f} s"
        if self.events_lost:
            text += f" · {self.events_lost:,} events lost"
        if self.samples_dropped:
            text += f" · {self.samples_dropped:,} samples dropped"
        return text


def assess(
    stats: JournalStats,
    now: float,
    disk_free: int | None,
    *,
    stall_after_s: float,
    warn_free_bytes: int,
    critical_free_bytes: int,
) -> JournalHealth:
    oldest = stats.oldest_uncommitted_at
    age = max(0.0, now - oldest) if oldest is not None else 0.0
    disk = "ok"
    if disk_free is not None:
        disk = (
            "critical"
            if disk_free < critical_free_bytes
            else ("low" if disk_free < warn_free_bytes else "ok")
        )
    return JournalHealth(
        queued_samples=stats.queue_depth,
        queued_events=stats.events_queued,
        oldest_age_s=age,
        disk_free_bytes=disk_free,
        stalled=age > stall_after_s,
        disk=disk,
        events_lost=stats.events_lost,
        samples_dropped=stats.samples_dropped,
    )


class JournalWatch:
    def __init__(
        self,
        journal: Journal,
        *,
        stall_after_s: float = 3.0,
        warn_free_mb: float = 2048.0,
        critical_free_mb: float = 512.0,
        clock: Callable[[], float] = time.time,
        disk_free: Callable[[Path], int] | None = None,
        on_disk: Callable[[JournalHealth], None] | None = None,
    ) -> None:
        self._journal = journal
        self._stall_after = float(stall_after_s)
        self._warn = int(warn_free_mb * 1e6)
        self._critical = int(critical_free_mb * 1e6)
        self._clock = clock
        self._disk_free = disk_free or (lambda p: shutil.disk_usage(p).free)
        self._on_disk = on_disk  # the disk guard: sheds load when space runs low
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._free: int | None = None
        self._next_disk = 0.0
        self._stalled_since: float | None = None
        self._disk_state = "ok"
        self.health = JournalHealth()

    def start(self) -> JournalWatch:
        self._thread = threading.Thread(target=self._run, name="linehmi-journal-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(_LOOK_EVERY_S):
            try:
                self.look()
            except Exception:  # a bug here must not take the logger down
                log.exception("journal watch failed")

    def look(self) -> JournalHealth:
        """Take one look (the thread calls this every second; tests call it directly)."""
        mono = time.monotonic()
        if mono >= self._next_disk:
            self._next_disk = mono + _DISK_EVERY_S
            try:
                self._free = int(self._disk_free(self._journal.directory))
            except OSError:
                self._free = None
        now = self._clock()
        h = assess(
            self._journal.stats,
            now,
            self._free,
            stall_after_s=self._stall_after,
            warn_free_bytes=self._warn,
            critical_free_bytes=self._critical,
        )
        self.health = h
        self._report_stall(h, now)
        self._report_disk(h)
        return h

    def _report_stall(self, h: JournalHealth, now: float) -> None:
        if h.stalled and self._stalled_since is None:
            self._stalled_since = now - h.oldest_age_s
            msg = (
                f"journal stalled: nothing committed for {h.oldest_age_s:.0f} s;"
                f" {h.queued_samples:,} samples and {h.queued_events:,} events waiting (disk frozen or failing?)"
            )
            data = {"event": "stalled", "queued_samples": h.queued_samples, "queued_events": h.queued_events}
            self._post(msg, data, Severity.WARNING, now)
        elif not h.stalled and self._stalled_since is not None and h.oldest_age_s < self._stall_after / 2:
            lasted = now - self._stalled_since
            self._stalled_since = None
            msg = f"journal writing again after a stall of {lasted:.0f} s"
            self._post(msg, {"event": "stall_ended", "stalled_s": lasted}, Severity.INFO, now)

    def _post(self, msg: str, data: dict[str, Any], severity: Severity, ts: float | None = None) -> None:
        """Log `msg` and journal it as the journal's own system event (the event list shows it);
        `ts` None: the event is stamped when posted."""
        (log.info if severity == Severity.INFO else log.warning)("%s", msg)
        stamp = time.time() if ts is None else ts
        self._journal.post_event(
            JournalEvent(EventKind.SYSTEM, msg, source="journal", severity=severity, data=data, ts=stamp)
        )

    def _report_disk(self, h: JournalHealth) -> None:
        if h.disk == self._disk_state:
            if h.disk != "ok" and self._on_disk is not None:
                self._on_disk(h)
            return
        self._disk_state = h.disk
        free = h.disk_free_bytes or 0
        limit = {"ok": self._warn, "low": self._warn, "critical": self._critical}[h.disk]
        if h.disk == "ok":
            msg = f"disk space back to {free / 1e9:.1f} GB free for the journal"
        else:
            msg = f"disk space {h.disk}: {free / 1e6:.0f} MB free for the journal (threshold {limit / 1e6:.0f} MB)"
        severity = Severity.INFO if h.disk == "ok" else Severity.WARNING
        self._post(msg, {"event": "disk", "state": h.disk, "free_bytes": free}, severity)
        if h.disk != "ok" and self._on_disk is not None:
            self._on_disk(h)
