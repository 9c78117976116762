"""The offline journal: samples and events in SQLite, one file per line per local day.

One writer thread owns one sqlite3 connection; every write goes through it.

- `write_samples(batch)` only enqueues (never blocks the I/O loop); the writer
  commits what accumulated at most every `commit_interval_ms`, one
  transaction per commit, and books each commit in the `commits` table.
- `write_event(ev)` blocks until the event's own transaction is committed
  and fsynced, then returns its row id; if it cannot be committed it raises
  `JournalError`, so the UI can refuse to confirm an operator action.
- `post_event(ev)` is for events that report what happened (machine states,
  alarm transitions, QC verdicts, connection changes): it only enqueues, and
  the event stays queued and is retried like samples until it is committed.
  Past `max_queued_events` waiting events, or when SQLite refuses a row for
  its content, the loss is counted by kind and journaled (one SYSTEM event,
  see `journal_loss`) as soon as a commit works again: never silent.
- Every commit uses WAL with synchronous=FULL (measured: no cost at the
  default commit interval, see docs/journal.md), so what a commit returned is
  on disk, not only in the OS cache.

Errors (disk full, file removed, permissions) never kill the writer: they are
counted in `stats`, logged with the file name, handed to `on_error`, and the
writer reopens the file and retries with backoff. Samples stay queued while
it retries; past `max_queued_samples` new batches are dropped, counted, and a
`data_gap` event is journaled once writing works again. Posted events are
kept the same way, ahead of samples and in the order they were posted. The producer is
never blocked: it is the OPC UA loop, and stalling it would stall alarms too.
"""

from __future__ import annotations

import collections
import concurrent.futures
import json
import logging
import math
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from hmi.core.config import LineConfig
from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.journal_dedup import LastSamples
from hmi.core.journal_loss import EventLoss, EventRow
from hmi.core.journal_read import (
    JournalError,
    JournalReader,
    StoredEvent,
    TagSamples,
    open_journal_readonly,
    read_events_from_files,
    read_samples_from_files,
)
from hmi.core.journal_schema import (
    COMMIT_INSERT_SQL,
    EVENT_INSERT_SQL,
    SAMPLE_INSERT_SQL,
    SCHEMA_VERSION,
    app_version,
    create_schema,
    files_for_range,
    journal_files,
    journal_path_for,
    local_date,
    read_meta,
    register_tags,
    sample_rows,
    write_meta,
)
from hmi.core.journal_text import LastTexts, apply_grants, insert_text_samples
from hmi.core.readonly_db import close_live_readers
from hmi.core.rollup import update_rollups
from hmi.core.runtime_api import ServerGrant
from hmi.core.samples import SampleBatch
from hmi.core.text_samples import TextSample

__all__ = [
    "Journal",
    "JournalError",
    "JournalReader",
    "JournalStats",
    "StoredEvent",
    "TagSamples",
    "journal_files",
    "open_journal_readonly",
]

log = logging.getLogger(__name__)

_HOUSEKEEPING_S = 1.0  # rotation and "is my file still there" checks when idle
_MAX_BACKOFF_S = 10.0
_ROTATION_RETRY_S = 5.0


@dataclass(frozen=True, slots=True)
class JournalStats:
    path: Path
    samples_committed: int = 0
    batches_committed: int = 0
    commits: int = 0  # sample transactions
    events_committed: int = 0
    last_commit_at: float | None = None  # journal clock, last successful commit of any kind
    queue_depth: int = 0  # samples waiting (including a commit in progress)
    queue_batches: int = 0
    samples_dropped: int = 0  # queue full or journal closed
    batches_dropped: int = 0
    samples_rejected: int = 0  # tag index outside the configured tags
    samples_duplicate: int = 0  # already journaled (a reconnect's or restart's re-read): not written again
    write_errors: int = 0
    last_error: str | None = None
    last_error_at: float | None = None
    rotations: int = 0
    reopens: int = 0
    events_queued: int = 0  # posted events waiting for the disk (including ones being retried)
    events_lost: int = 0  # posted events given up (queue full, row refused, closed): journaled as such
    oldest_uncommitted_at: float | None = None  # journal clock: when the oldest waiting item was queued
    texts_committed: int = 0  # rows of text_samples (text tags, exact 64-bit integers)
    texts_dropped: int = 0


def _jsonable(obj: Any) -> Any:
    """Event data as strict JSON: NaN/inf -> null, numpy scalars -> numbers, unknown -> str."""
    if isinstance(obj, float | np.floating):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset | np.ndarray):
        return [_jsonable(v) for v in (obj.tolist() if isinstance(obj, np.ndarray) else obj)]
    return str(obj)


def _finite_min_max(a: np.ndarray) -> tuple[float | None, float | None]:
    finite = a[np.isfinite(a)]
    if not finite.size:
        return None, None
    return float(finite.min()), float(finite.max())


class _DataError(Exception):
    """Rows SQLite refused for what they contain; retrying cannot help."""


def event_row(ev: JournalEvent) -> tuple[Any, ...]:
    """An event as the events table's columns before `committed_at` (EVENT_INSERT_SQL): the journal's
    writer and the review's one audited append (hmi.core.review.journal_write) store events alike."""
    try:
        data = json.dumps(_jsonable(ev.data), ensure_ascii=False, allow_nan=False) if ev.data else None
    except (TypeError, ValueError) as exc:  # _jsonable should make this impossible
        raise JournalError(f"event data cannot be stored as JSON: {exc}") from None
    kind = ev.kind.value if isinstance(ev.kind, EventKind) else str(ev.kind)
    return (float(ev.ts), kind, ev.source, ev.user, int(ev.severity), ev.message, data)


class Journal:
    def __init__(
        self,
        config: LineConfig,
        directory: Path | str | None = None,
        *,
        clock: Callable[[], float] = time.time,
        max_queued_samples: int | None = None,  # None: journal.max_queued_samples of the config
        max_samples_per_commit: int = 200_000,
        max_queued_events: int | None = None,  # None: journal.max_queued_events
        synchronous: str = "FULL",
        on_error: Callable[[str], None] | None = None,
        connection_factory: type[sqlite3.Connection] = sqlite3.Connection,
    ) -> None:
        self.config = config
        self.directory = Path(directory if directory is not None else config.journal.directory).absolute()
        self._clock = clock
        self._interval = float(config.journal.commit_interval_ms) / 1000.0
        jc = config.journal
        self._max_queued = int(
            max_queued_samples if max_queued_samples is not None else jc.max_queued_samples
        )
        self._max_per_commit = int(max_samples_per_commit)
        self._max_queued_events = int(
            max_queued_events if max_queued_events is not None else jc.max_queued_events
        )
        self._connection_factory = connection_factory  # a seam for fault-injection tests
        if synchronous.upper() not in ("FULL", "NORMAL", "EXTRA", "OFF"):
            raise ValueError(f"synchronous must be FULL, NORMAL, EXTRA or OFF, not {synchronous!r}")
        self._synchronous = synchronous.upper()
        self._on_error = on_error

        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None
        # --- shared with producers (under _cv) ---
        self._pending: collections.deque[SampleBatch] = collections.deque()
        self._pending_samples = 0
        # text values (hmi.core.text_samples): few and small; committed with the samples' cadence
        self._text_pending: list[TextSample] = []
        # the server's grants per tag, re-applied to every file this journal opens
        self._grants: tuple[dict[str, ServerGrant], float] | None = None
        self._grants_due = False
        # each entry: the rows of one write/post call, committed together; the future is None for
        # posted events (nobody waits: they are kept until committed); the float is when queued
        self._events: collections.deque[
            tuple[list[EventRow], concurrent.futures.Future[list[int]] | None, float]
        ] = collections.deque()
        # posted events whose commit failed, oldest first, retried with backoff (writer appends,
        # under _cv so `stats` can look at the head)
        self._retry: collections.deque[tuple[list[EventRow], float]] = collections.deque()
        self._events_queued = 0  # rows of posted events in _events and _retry
        self._events_in_flight_at: float | None = None
        self._event_loss = EventLoss()
        self._flushes: list[concurrent.futures.Future[None]] = []
        self._accepting = False
        self._stop_requested = False
        self._counters: dict[str, Any] = {}
        self._gap: dict[str, Any] = {}
        self._reset_counters()
        # --- writer thread only ---
        self._conn: sqlite3.Connection | None = None
        self._path = journal_path_for(self.directory, config.line.id, config.journal.rotation, clock())
        self._file_ident: tuple[int, int] | None = None
        self._tag_ids = np.empty(0, dtype=np.int64)
        self._last_samples = LastSamples(len(config.tags))
        self._last_texts = LastTexts()
        self._duplicates = 0  # of the last _insert_samples call
        self._suspect = False
        self._next_sample_commit = 0.0
        self._backoff = 0.0
        self._next_housekeeping = 0.0
        self._next_rotation_try = 0.0
        self._next_checkpoint = 0.0
        self._uncheckpointed = False  # a commit since the last checkpoint
        self._next_event_retry = 0.0
        self._event_backoff = 0.0

    # --- lifecycle ------------------------------------------------------------------------------
    @property
    def path(self) -> Path:
        """The file being written now (changes at local midnight with rotation='daily')."""
        return self._path

    @property
    def is_open(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def open(self) -> Journal:
        """Create/open today's file and start the writer; raises JournalError naming the file."""
        if self.is_open:
            return self
        with self._cv:
            self._stop_requested = False
            self._accepting = True
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="linehmi-journal", daemon=True)
        self._thread.start()
        try:
            ready.result()
        except BaseException:
            self._thread.join(timeout=10)
            self._thread = None
            with self._cv:
                self._accepting = False
            raise
        return self

    def close(self, timeout: float = 30.0) -> None:
        """Commit everything queued, journal a SYSTEM 'closed' event, stop the writer thread.

        Never raises for write problems (they are in `stats` and the log): closing happens on
        the way out, where nobody could act on an exception.
        """
        thread = self._thread
        if thread is None:
            return
        with self._cv:
            self._accepting = False
            self._stop_requested = True
            self._cv.notify_all()
        thread.join(timeout)
        if thread.is_alive():
            log.error("journal writer for %s did not stop within %.0f s (disk stalled?)", self._path, timeout)
        else:
            self._thread = None

    def __enter__(self) -> Journal:
        return self.open()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- producers (any thread) --------------------------------------------------------------------
    def write_samples(self, batch: SampleBatch) -> None:
        """Queue a batch; returns at once. The batch's arrays must not be modified afterwards."""
        n = len(batch)
        if n == 0:
            return
        with self._cv:
            if not self._accepting:
                self._note_drop(batch, "the journal is closed")
                return
            if self._pending_samples + n > self._max_queued:
                self._note_drop(batch, f"the write queue is full ({self._pending_samples} samples)")
                return
            self._pending.append(batch)
            self._pending_samples += n
            if len(self._pending) == 1:
                self._cv.notify_all()

    def write_text_samples(self, samples: Iterable[TextSample]) -> None:
        """Queue text values (table text_samples); returns at once. Counted with the samples
        for the queue bound, dropped (and counted) like them when the journal is closed or full."""
        samples = list(samples)
        if not samples:
            return
        with self._cv:
            if (
                not self._accepting
                or self._pending_samples + len(self._text_pending) + len(samples) > self._max_queued
            ):
                why = "the journal is closed" if not self._accepting else "the write queue is full"
                self._counters["texts_dropped"] += len(samples)
                self._counters["last_error"] = f"{len(samples)} text values dropped: {why}"
                log.error("journal %s: %d text values dropped: %s", self._path, len(samples), why)
                return
            self._text_pending.extend(samples)
            self._cv.notify_all()

    def record_grants(self, grants: Mapping[str, ServerGrant], at: float) -> None:
        """The server's granted sampling/queue/publishing per tag (after each subscribe), into the
        `tags` table of this file and of every later one (returns at once)."""
        with self._cv:
            self._grants = (dict(grants), float(at))
            self._grants_due = True
            self._cv.notify_all()

    def write_event(self, ev: JournalEvent, timeout: float = 10.0) -> int:
        """Commit one event (fsynced) and return its row id; raise JournalError if it is not on disk.

        If the writer cannot take it within `timeout`, it is withdrawn (never written later).
        """
        return self._submit_events([ev], timeout)[0]

    def write_events(self, evs: Iterable[JournalEvent], timeout: float = 10.0) -> list[int]:
        """Commit several events in one transaction (one fsync: an alarm flood); all or none."""
        evs = list(evs)
        return self._submit_events(evs, timeout) if evs else []

    def post_event(self, ev: JournalEvent) -> None:
        """Queue an event that reports what happened; returns at once, never raises.

        It is committed in order with everything else and, if the disk fails, kept and retried
        until it is on disk. Use `write_event` where someone must be told it was not recorded.
        """
        self.post_events([ev])

    def post_events(self, evs: Iterable[JournalEvent]) -> None:
        """Queue several events to be committed together (an alarm flood); see `post_event`."""
        rows = [event_row(ev) for ev in evs]
        if not rows:
            return
        with self._cv:
            if not self._accepting:
                why = "the journal is closed" if self._thread is None else "the journal is closing"
                self._lose_events(rows, why)
                log.error("journal %s: %s; not recorded: %s", self._path, why, rows[0][5])
                return
            if self._events_queued + len(rows) > self._max_queued_events:
                self._lose_events(rows, f"the event queue was full ({self._events_queued} events waiting)")
                return
            self._events_queued += len(rows)
            self._events.append((rows, None, self._clock()))
            self._cv.notify_all()

    def _submit_events(self, evs: list[JournalEvent], timeout: float) -> list[int]:
        rows = [event_row(ev) for ev in evs]
        what = evs[0].message if len(evs) == 1 else f"{len(evs)} events"
        fut: concurrent.futures.Future[list[int]] = concurrent.futures.Future()
        if threading.current_thread() is self._thread:  # from on_error or a callback in the writer
            self._commit_event(rows, fut)
            return fut.result()
        with self._cv:
            if not self._accepting:
                raise JournalError(f"journal {self._path} is closed; not recorded: {what!r}", self._path)
            self._events.append((rows, fut, self._clock()))
            self._cv.notify_all()
        try:
            return fut.result(timeout)
        except TimeoutError:
            if fut.cancel():
                raise JournalError(
                    f"journal file {self._path}: not committed within {timeout:g} s"
                    f" (disk stalled?); not recorded: {what!r}",
                    self._path,
                ) from None
            return fut.result()  # the writer has started on it: its outcome is the answer

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything queued before this call is committed; JournalError if it could not be."""
        fut: concurrent.futures.Future[None] = concurrent.futures.Future()
        with self._cv:
            if not self._accepting:  # never opened, or closing: close() commits what is queued
                return
            self._flushes.append(fut)
            self._cv.notify_all()
        try:
            fut.result(timeout)
        except TimeoutError:
            raise JournalError(
                f"journal file {self._path}: flush not done within {timeout:g} s;"
                f" {self._pending_samples} samples still queued",
                self._path,
            ) from None

    @property
    def stats(self) -> JournalStats:
        with self._cv:
            c = self._counters
            return JournalStats(
                path=self._path,
                queue_depth=self._pending_samples,
                queue_batches=len(self._pending),
                events_queued=self._events_queued,
                oldest_uncommitted_at=self._oldest_uncommitted_at(),
                **c,
            )

    def _oldest_uncommitted_at(self) -> float | None:
        """Journal clock of the oldest item still waiting for a commit (under _cv)."""
        times = []
        if self._retry:
            times.append(self._retry[0][1])
        if self._events:
            times.append(self._events[0][2])
        if self._events_in_flight_at is not None:
            times.append(self._events_in_flight_at)
        if self._pending:
            head = self._pending[0]
            t = float(np.nanmin(head.received_ts)) if len(head) else math.nan
            if math.isfinite(t):
                times.append(t)
        return min(times) if times else None

    # --- reading (any thread; separate read-only connections) --------------------------------------
    def files(self) -> list[Path]:
        return [p for _, p in journal_files(self.directory, self.config.line.id)]

    def _files_for(self, t0: float | None, t1: float | None) -> list[Path]:
        paths = files_for_range(self.directory, self.config.line.id, t0, t1)
        current = self._path
        if current not in paths and current.exists():  # clocks off by days still end up here
            paths.append(current)
        return paths

    def read_events(
        self,
        since: float | None = None,
        until: float | None = None,
        kinds: Iterable[EventKind | str] | None = None,
    ) -> list[StoredEvent]:
        """Events with since <= ts < until from this line's files that may hold them, by time."""
        return read_events_from_files(self._files_for(since, until), since, until, kinds)

    def read_samples(
        self, tag_names: Iterable[str] | str | None, t0: float | None = None, t1: float | None = None
    ) -> dict[str, TagSamples]:
        """Samples per tag with t0 <= source_ts < t1 (numpy columns sorted by time), across daily files."""
        return read_samples_from_files(self._files_for(t0, t1), tag_names, t0, t1)

    # --- producer helpers (under _cv) ------------------------------------------------------------
    def _reset_counters(self) -> None:
        self._counters = {
            "samples_committed": 0,
            "batches_committed": 0,
            "commits": 0,
            "events_committed": 0,
            "last_commit_at": None,
            "samples_dropped": 0,
            "batches_dropped": 0,
            "samples_rejected": 0,
            "samples_duplicate": 0,
            "write_errors": 0,
            "last_error": None,
            "last_error_at": None,
            "rotations": 0,
            "reopens": 0,
            "events_lost": 0,
            "texts_committed": 0,
            "texts_dropped": 0,
        }

    def _lose_events(self, rows: list[EventRow], why: str) -> None:
        """Count posted events that will never be committed; journaled as a loss later (under _cv)."""
        if not self._event_loss:
            log.error("journal %s: losing events because %s", self._path, why)
        self._event_loss.add(rows, why)
        self._counters["events_lost"] += len(rows)

    def _note_drop(self, batch: SampleBatch, why: str) -> None:
        c, g = self._counters, self._gap
        c["samples_dropped"] += len(batch)
        c["batches_dropped"] += 1
        if not g:
            log.warning("journal %s: dropping samples because %s", self._path, why)
            g.update(samples=0, batches=0, first_ts=math.inf, last_ts=-math.inf, tags=set(), reason=why)
        g["samples"] += len(batch)
        g["batches"] += 1
        lo, hi = _finite_min_max(batch.source_ts)
        if lo is not None and hi is not None:
            g["first_ts"] = min(g["first_ts"], lo)
            g["last_ts"] = max(g["last_ts"], hi)
        g["tags"].update(np.unique(batch.tag_idx).tolist())

    # --- writer thread -------------------------------------------------------------------------------
    def _run(self, ready: concurrent.futures.Future[None]) -> None:
        try:
            self._connect(self._clock(), reason="opened")
        except BaseException as exc:
            ready.set_exception(exc)
            return
        ready.set_result(None)
        try:
            self._loop()
        finally:
            self._disconnect()

    def _loop(self) -> None:
        while True:
            with self._cv:
                while not self._work_due():
                    self._cv.wait(self._wait_time())
                events = list(self._events)
                self._events.clear()
                # taken off the queue but not yet on disk: still "uncommitted" for the health figures
                self._events_in_flight_at = min((e[2] for e in events), default=None)
                flushes, self._flushes = self._flushes, []
                stopping = self._stop_requested
                forced = stopping or bool(flushes)
                take = bool(self._pending) and (forced or time.monotonic() >= self._next_sample_commit)
                # flush/close wait for what is queued now, not for what keeps arriving meanwhile
                owed = len(self._pending) if forced else 0
                batches = self._take_batches() if take else []
                backlog = len(batches) < len(self._pending)
                texts: list[TextSample] = []
                if self._text_pending and (forced or time.monotonic() >= self._next_sample_commit):
                    texts, self._text_pending = self._text_pending, []
                grants = self._grants if self._grants_due else None
                self._grants_due = False
            try:
                self._housekeeping(force=bool(events or batches or forced))
                if self._retry and (forced or time.monotonic() >= self._next_event_retry):
                    self._commit_retry()
                for rows, fut, queued_at in events:
                    self._commit_event(rows, fut, queued_at)
                with self._cv:
                    self._events_in_flight_at = None
                ok = True
                while batches:
                    ok = self._commit_samples(batches)
                    owed -= len(batches)
                    if not ok or owed <= 0:
                        break
                    with self._cv:
                        batches = self._take_batches()[:owed]
                if ok and backlog and not forced:
                    self._next_sample_commit = 0.0  # catching up after a stall: no need to wait
                if texts:
                    ok = self._commit_text(texts) and ok
                if grants is not None:
                    self._apply_grants(grants)
                if ok and self._gap:
                    self._journal_gap()
                if self._event_loss and self._conn is not None and not self._suspect:
                    self._journal_event_loss()
                ok = ok and not self._retry
                self._checkpoint_if_due(committed=bool(events or batches or texts or grants is not None))
                for f in flushes:
                    if ok:
                        f.set_result(None)
                    else:
                        f.set_exception(
                            JournalError(self._counters["last_error"] or "write failed", self._path)
                        )
            except Exception as exc:  # a bug must not stop journaling; waiting callers get an answer
                log.exception("journal writer error")
                err = self._record_error(f"journal file {self._path}: internal error: {exc!r}")
                for rows, fut, _ in events:
                    if fut is None:  # posted: a bug must not lose it silently either
                        with self._cv:
                            self._events_queued -= len(rows)
                            self._lose_events(rows, f"of an internal error ({exc!r})")
                    elif not fut.done():
                        fut.set_exception(err)
                for f in flushes:
                    if not f.done():
                        f.set_exception(err)
                time.sleep(0.05)
            if stopping:
                self._final_close()
                # This process's readers of the file (trends, the assistant, the production view)
                # would keep its -wal and -shm alive past the writer: the line is stopping, close
                # them so the writer's close (checkpoint, last connection) leaves one file.
                close_live_readers(self._path)
                return

    def _checkpoint_if_due(self, committed: bool) -> None:
        """Copy committed WAL frames into the .db file every `checkpoint_interval_s`.

        SQLite's own auto-checkpoint waits for 1000 pages (4 MB): at the demo's rate the .db
        lagged minutes behind the journal, and a plain copy of "the file" missed them. PASSIVE
        never waits for a reader and never makes one wait; frames a reader still needs are
        copied at the next one. The idle wake-up (housekeeping, 1 s) brings the last commits in.
        """
        self._uncheckpointed = self._uncheckpointed or committed
        now_m = time.monotonic()
        if not self._uncheckpointed or self._conn is None or self._suspect or now_m < self._next_checkpoint:
            return
        self._next_checkpoint = now_m + float(self.config.journal.checkpoint_interval_s)
        try:
            busy, frames, copied = self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:  # the next commit reports a real file problem; data stays in the WAL
            log.warning("journal: checkpoint of %s failed: %s", self._path, exc)
            return
        self._uncheckpointed = bool(busy) or copied < frames  # a reader held frames back: again later

    def _work_due(self) -> bool:
        if self._stop_requested or self._events or self._flushes or self._grants_due:
            return True
        now = time.monotonic()
        if (self._pending or self._text_pending) and now >= self._next_sample_commit:
            return True
        if self._retry and now >= self._next_event_retry:
            return True
        if self._uncheckpointed and now >= self._next_checkpoint:
            return True
        return now >= self._next_housekeeping

    def _wait_time(self) -> float:
        now = time.monotonic()
        t = self._next_housekeeping - now
        if self._pending or self._text_pending:
            t = min(t, self._next_sample_commit - now)
        if self._retry:
            t = min(t, self._next_event_retry - now)
        if self._uncheckpointed:
            t = min(t, self._next_checkpoint - now)
        return max(t, 0.001)

    def _take_batches(self) -> list[SampleBatch]:
        """The oldest queued batches up to the per-commit cap; they stay queued until committed."""
        out: list[SampleBatch] = []
        n = 0
        for b in self._pending:
            if out and n + len(b) > self._max_per_commit:
                break
            out.append(b)
            n += len(b)
        return out

    def _housekeeping(self, force: bool) -> None:
        now_m = time.monotonic()
        if not force and now_m < self._next_housekeeping:
            return
        self._next_housekeeping = now_m + _HOUSEKEEPING_S
        now = self._clock()
        want = journal_path_for(self.directory, self.config.line.id, self.config.journal.rotation, now)
        if self._conn is not None and want != self._path and now_m >= self._next_rotation_try:
            self._rotate(want, now)
        if self._conn is not None and not self._suspect:
            why = self._file_problem()
            if why:
                self._record_error(f"journal file {self._path}: {why}; starting a new file")
                self._suspect = True
        if self._conn is None or self._suspect:
            try:
                self._reconnect(now)
            except JournalError:
                pass  # recorded; events will fail with the message, samples stay queued

    def _file_problem(self) -> str | None:
        try:
            st = os.stat(self._path)
        except FileNotFoundError:
            return "was removed while open (what was written to it is gone)"
        except OSError as exc:
            return f"cannot be checked: {exc.strerror or exc}"
        if (st.st_dev, st.st_ino) != self._file_ident:
            return "was replaced while open"
        return None

    # --- connection management (writer thread) -----------------------------------------------------
    def _open_file(self, path: Path, now: float) -> tuple[sqlite3.Connection, np.ndarray, list[str], bool]:
        """Open or create `path`, make sure schema, meta and tags are there."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise JournalError(
                f"journal file {path}: cannot create directory {path.parent}: {exc.strerror or exc}", path
            ) from None
        created = not path.exists()
        if created:
            self._set_aside_orphans(path, now)
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(
                str(path),
                isolation_level=None,
                check_same_thread=False,
                timeout=5.0,
                factory=self._connection_factory,
            )
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise JournalError(f"journal file {path}: cannot switch to WAL mode (got {mode!r})", path)
            conn.execute(f"PRAGMA synchronous={self._synchronous}")
            # journal.page_cache_mb (32 MB): keeps the index's hot pages for 1000s of tags; bounded
            conn.execute(f"PRAGMA cache_size={-int(self.config.journal.page_cache_mb * 1000)}")
            conn.execute(
                "PRAGMA journal_size_limit=67108864"
            )  # truncate the WAL back to 64 MB after checkpoints
            meta = read_meta(conn)
            self._check_meta(path, meta)
            conn.execute("BEGIN IMMEDIATE")
            create_schema(conn)
            write_meta(
                conn, self.config, local_date(now) if self.config.journal.rotation == "daily" else None, now
            )
            ids, added = register_tags(conn, self.config.tags, now)
            if self._grants is not None:  # a new day's file knows what the server granted too
                apply_grants(conn, *self._grants)
            conn.execute("COMMIT")
            self._last_samples.seed(conn, np.asarray(ids, dtype=np.int64))
            if len(self._last_samples.unknown()):
                self._seed_from_earlier_file(path)
            self._last_texts.seed(conn)
        except JournalError:
            if conn is not None:
                conn.close()
            raise
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            raise JournalError(self._describe(exc, path), path) from None
        if created:
            self._fsync_dir(path.parent)
        return conn, np.asarray(ids, dtype=np.int64), added, created

    def _seed_from_earlier_file(self, path: Path) -> None:
        """Exactly once across a restart after midnight: the re-read of unchanged tags repeats the
        last samples of the newest earlier daily file, which the new file does not have."""
        earlier = [
            p for d, p in journal_files(self.directory, self.config.line.id) if d is not None and p != path
        ]
        earlier = [p for p in earlier if p.name < path.name]
        if not earlier:
            return
        try:
            with open_journal_readonly(earlier[-1]) as r:
                by_name = r.tag_ids()
                ids = np.array([by_name.get(t.name, -1) for t in self.config.tags], dtype=np.int64)
                self._last_samples.seed(r.conn, ids)
        except (JournalError, sqlite3.Error) as exc:  # an unreadable old file must not stop the writer
            log.warning(
                "journal: last samples not read from %s (%s); a re-read may repeat them", earlier[-1], exc
            )

    @staticmethod
    def _set_aside_orphans(path: Path, now: float) -> None:
        # A -wal left behind by a removed file would be replayed into the new, empty one.
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        try:
            if wal.exists():
                orphan = wal.with_name(f"{wal.name}.orphan-{int(now)}")
                wal.rename(orphan)
                log.warning("journal: %s has no database file any more; kept it as %s", wal, orphan)
            shm.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("journal: cannot set aside %s: %s", wal, exc)

    def _check_meta(self, path: Path, meta: dict[str, str]) -> None:
        if not meta:
            return
        line = meta.get("line_id")
        if line and line != self.config.line.id:
            raise JournalError(
                f"journal file {path}: belongs to line {line!r}, not {self.config.line.id!r}", path
            )
        try:
            version = int(meta.get("schema_version", SCHEMA_VERSION))
        except ValueError:
            version = SCHEMA_VERSION + 1
        if version > SCHEMA_VERSION:
            raise JournalError(
                f"journal file {path}: written by a newer LineHMI (schema {meta.get('schema_version')},"
                f" this version reads {SCHEMA_VERSION}); not writing into it",
                path,
            )

    @staticmethod
    def _fsync_dir(directory: Path) -> None:
        # A power cut right after creating a file can lose its directory entry; SQLite syncs
        # the directory for the WAL but not for the main file it creates.
        try:
            fd = os.open(directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)

    def _connect(
        self, now: float, reason: str, previous: Path | None = None, after_error: str | None = None
    ) -> None:
        path = journal_path_for(self.directory, self.config.line.id, self.config.journal.rotation, now)
        conn, ids, added, created = self._open_file(path, now)
        self._install(conn, path, ids)
        data: dict[str, Any] = {
            "path": str(path),
            "new_file": created,
            "app_version": app_version(),
            "pid": os.getpid(),
            "tags": len(ids),
            "commit_interval_ms": self._interval * 1000.0,
            "synchronous": self._synchronous,
        }
        if added and not created:
            data["tags_added"] = added
        if previous is not None:
            data["previous_file"] = str(previous)
        if after_error:
            data["after_error"] = after_error
        self._system_event(
            f"journal {reason}" + (f": {after_error}" if after_error else ""),
            data,
            Severity.WARNING if after_error else Severity.INFO,
        )

    def _install(self, conn: sqlite3.Connection, path: Path, ids: np.ndarray) -> None:
        self._conn = conn
        self._path = path
        st = os.stat(path)
        self._file_ident = (st.st_dev, st.st_ino)
        self._tag_ids = ids
        self._suspect = False

    def _reconnect(self, now: float) -> None:
        old = self._conn
        self._conn = None
        if old is not None:
            try:
                old.close()
            except sqlite3.Error:
                pass
        last = self._counters["last_error"]
        try:
            self._connect(now, reason="reopened", after_error=last)
        except JournalError as exc:
            self._record_error(str(exc))
            raise
        with self._cv:
            self._counters["reopens"] += 1
        self._backoff = 0.0
        if last:
            log.warning("journal %s reopened after: %s", self._path, last)

    def _rotate(self, new_path: Path, now: float) -> None:
        old_conn, old_path = self._conn, self._path
        assert old_conn is not None
        try:
            conn, ids, added, created = self._open_file(new_path, now)
        except JournalError as exc:
            self._record_error(f"{exc} (still writing {old_path})")
            self._next_rotation_try = time.monotonic() + _ROTATION_RETRY_S
            return
        try:
            self._insert_events(
                old_conn,
                [
                    (
                        now,
                        EventKind.SYSTEM.value,
                        "journal",
                        "",
                        int(Severity.INFO),
                        "journal rotated: continues in the next file",
                        json.dumps({"next_file": str(new_path)}),
                    )
                ],
                now,
            )
        except sqlite3.Error as exc:
            self._record_error(self._describe(exc, old_path))
        self._close_conn(old_conn)
        self._install(conn, new_path, ids)
        with self._cv:
            self._counters["rotations"] += 1
        data: dict[str, Any] = {"path": str(new_path), "previous_file": str(old_path), "new_file": created}
        if added and not created:
            data["tags_added"] = added
        self._system_event("journal rotated", data)
        log.info("journal rotated %s -> %s", old_path, new_path)

    @staticmethod
    def _close_conn(conn: sqlite3.Connection) -> None:
        try:
            # Leave one self-contained file behind (no -wal) so it can be copied as is.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass
        try:
            conn.close()
        except sqlite3.Error:
            pass

    def _disconnect(self) -> None:
        if self._conn is not None:
            self._close_conn(self._conn)
            self._conn = None

    def _final_close(self) -> None:
        with self._cv:
            lost = self._pending_samples
            events = list(self._events)
            self._events.clear()
            lost_texts = len(self._text_pending)  # only left when the disk refused the last commit
            self._counters["texts_dropped"] += lost_texts
        if lost_texts:
            log.error("journal %s closed with %d text values not committed", self._path, lost_texts)
        if self._retry:
            self._commit_retry()
        for rows, fut, queued_at in events:  # queued before close: commit them
            self._commit_event(rows, fut, queued_at)
        if self._retry:
            self._commit_retry()
        with self._cv:
            unsaved = [row for rows, _ in self._retry for row in rows]
            self._retry.clear()
            if unsaved:
                self._events_queued -= len(unsaved)
                self._lose_events(unsaved, "the journal was closed while the disk refused writes")
        if self._event_loss:
            # Nowhere left to journal it: say it where the service's log goes.
            log.error("journal %s closed; it lost %s", self._path, self._event_loss.describe())
        if lost:
            log.error(
                "journal %s closed with %d samples not committed: %s",
                self._path,
                lost,
                self._counters["last_error"],
            )
        c = self.stats
        self._system_event(
            "journal closed",
            {
                "samples_committed": c.samples_committed,
                "events_committed": c.events_committed,
                "samples_dropped": c.samples_dropped,
                "samples_lost_at_close": lost,
                "write_errors": c.write_errors,
            },
        )

    # --- writing (writer thread) -----------------------------------------------------------------
    def _system_event(self, message: str, data: dict[str, Any], severity: Severity = Severity.INFO) -> None:
        now = self._clock()
        row = (
            now,
            EventKind.SYSTEM.value,
            "journal",
            "",
            int(severity),
            message,
            json.dumps(_jsonable(data)),
        )
        with self._cv:  # kept and retried like any posted event
            self._events_queued += 1
        self._commit_event([row], None, now)

    def _insert_events(self, conn: sqlite3.Connection, rows: list[tuple[Any, ...]], now: float) -> list[int]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            ids = []
            for row in rows:
                rid = conn.execute(EVENT_INSERT_SQL, (*row, now)).lastrowid
                assert rid is not None
                ids.append(rid)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        return ids

    def _commit_event(
        self,
        rows: list[EventRow],
        fut: concurrent.futures.Future[list[int]] | None,
        queued_at: float | None = None,
    ) -> None:
        """Commit one write/post call's rows. `fut` None: posted, kept for a retry if the disk fails."""
        if fut is not None and not fut.set_running_or_notify_cancel():
            return  # the caller gave up waiting: it was told the events are not recorded
        if fut is None and self._retry:  # keep the order: behind what already waits
            self._keep_for_retry(rows, queued_at)
            return
        if self._conn is None or self._suspect:
            try:
                self._reconnect(self._clock())
            except JournalError as exc:
                if fut is None:
                    self._keep_for_retry(rows, queued_at)
                else:
                    fut.set_exception(exc)
                return
        assert self._conn is not None
        now = self._clock()
        try:
            ids = self._insert_events(self._conn, rows, now)
        except sqlite3.Error as exc:
            refused = isinstance(exc, sqlite3.IntegrityError)  # the rows, not the disk: no retry helps
            self._suspect = not refused
            if fut is None:
                if refused:
                    self._record_error(self._describe(exc, self._path, f"{len(rows)} events refused"))
                    with self._cv:
                        self._events_queued -= len(rows)
                        self._lose_events(rows, f"SQLite refused them ({exc})")
                else:
                    self._record_error(
                        self._describe(exc, self._path, f"{len(rows)} events kept queued for a retry")
                    )
                    self._keep_for_retry(rows, queued_at)
                return
            what = "event not recorded" if len(rows) == 1 else f"{len(rows)} events not recorded"
            fut.set_exception(self._record_error(self._describe(exc, self._path, what)))
            return
        with self._cv:
            self._counters["events_committed"] += len(ids)
            self._counters["last_commit_at"] = now
            if fut is None:
                self._events_queued -= len(rows)
        if fut is not None:
            fut.set_result(ids)
        self._next_event_retry = 0.0  # the disk takes writes again: retry what waits at once

    def _keep_for_retry(self, rows: list[EventRow], queued_at: float | None) -> None:
        with self._cv:
            self._retry.append((rows, queued_at if queued_at is not None else self._clock()))
        if self._next_event_retry <= time.monotonic():  # not yet scheduled
            self._schedule_event_retry()

    def _commit_retry(self) -> None:
        """Commit the posted events that wait for a retry, oldest first, in one transaction."""
        if self._conn is None or self._suspect:
            try:
                self._reconnect(self._clock())
            except JournalError:
                self._schedule_event_retry()
                return
        conn = self._conn
        assert conn is not None
        with self._cv:
            entries = list(self._retry)
        rows = [row for entry_rows, _ in entries for row in entry_rows]
        now = self._clock()
        try:
            self._insert_events(conn, rows, now)
        except sqlite3.IntegrityError:
            self._commit_retry_one_by_one(conn, len(entries))
            return
        except sqlite3.Error as exc:
            self._suspect = True
            self._record_error(
                self._describe(exc, self._path, f"{len(rows)} events still queued for a retry")
            )
            self._schedule_event_retry()
            return
        with self._cv:
            for _ in entries:
                self._retry.popleft()
            self._events_queued -= len(rows)
            self._counters["events_committed"] += len(rows)
            self._counters["last_commit_at"] = now
        self._event_backoff = 0.0
        log.info("journal %s: %d queued events committed after a write failure", self._path, len(rows))

    def _commit_retry_one_by_one(self, conn: sqlite3.Connection, n_entries: int) -> None:
        # One entry's rows were refused for their content: commit the rest, count that one as lost.
        for _ in range(n_entries):
            with self._cv:
                rows, _ = self._retry[0]
            now = self._clock()
            try:
                self._insert_events(conn, rows, now)
                committed = True
            except sqlite3.IntegrityError as exc:
                committed = False
                why = f"SQLite refused them ({exc})"
            except sqlite3.Error as exc:
                self._suspect = True
                self._record_error(self._describe(exc, self._path, "events still queued for a retry"))
                self._schedule_event_retry()
                return
            with self._cv:
                self._retry.popleft()
                self._events_queued -= len(rows)
                if committed:
                    self._counters["events_committed"] += len(rows)
                    self._counters["last_commit_at"] = now
                else:
                    self._lose_events(rows, why)
        self._event_backoff = 0.0

    def _schedule_event_retry(self) -> None:
        self._event_backoff = min(max(self._event_backoff * 2, 0.5, self._interval), _MAX_BACKOFF_S)
        self._next_event_retry = time.monotonic() + self._event_backoff

    def _journal_event_loss(self) -> None:
        with self._cv:
            loss, self._event_loss = self._event_loss, EventLoss()
        assert self._conn is not None
        try:
            self._insert_events(self._conn, [loss.to_row(self._clock())], self._clock())
        except sqlite3.Error as exc:
            self._suspect = not isinstance(exc, sqlite3.IntegrityError)
            self._record_error(self._describe(exc, self._path, "the record of lost events waits for a retry"))
            with self._cv:
                loss.merge(self._event_loss)
                self._event_loss = loss
            return
        with self._cv:
            self._counters["events_committed"] += 1
        log.error("journal %s: journaled that it lost %s", self._path, loss.describe())

    def _commit_samples(self, batches: list[SampleBatch]) -> bool:
        """One transaction for `batches` (the head of the queue). False: kept queued for a retry."""
        n_queued = sum(len(b) for b in batches)
        if self._conn is None or self._suspect:
            try:
                self._reconnect(self._clock())
            except JournalError:
                self._schedule_retry()
                return False
        conn = self._conn
        assert conn is not None
        try:
            n = self._insert_samples(conn, batches)
        except _DataError as exc:
            self._record_error(f"journal file {self._path}: {n_queued} samples refused and dropped: {exc}")
            self._dequeue(len(batches), n_queued, committed=0, rejected=n_queued)
            return True
        except sqlite3.Error as exc:
            self._suspect = True
            self._record_error(self._describe(exc, self._path, f"{n_queued} samples kept queued for a retry"))
            self._schedule_retry()
            return False
        now = self._clock()
        dups = self._duplicates
        self._dequeue(
            len(batches), n_queued, committed=n, rejected=n_queued - n - dups, now=now, duplicate=dups
        )
        self._backoff = 0.0
        self._next_sample_commit = time.monotonic() + self._interval
        return True

    def _commit_text(self, texts: list[TextSample]) -> bool:
        """One transaction for the queued text values. False: put back at the head for a retry."""
        if self._conn is None or self._suspect:
            try:
                self._reconnect(self._clock())
            except JournalError:
                self._requeue_text(texts)
                return False
        conn = self._conn
        assert conn is not None
        ids = self._tag_ids.tolist()
        conn.execute("BEGIN IMMEDIATE")
        try:
            n = insert_text_samples(conn, ids, self._last_texts.fresh(ids, texts))
            conn.execute("COMMIT")
        except (
            sqlite3.IntegrityError,
            sqlite3.InterfaceError,
            sqlite3.ProgrammingError,
            OverflowError,
        ) as exc:
            if conn.in_transaction:
                conn.rollback()
            self._record_error(
                f"journal file {self._path}: {len(texts)} text values refused and dropped: {exc}"
            )
            with self._cv:
                self._counters["texts_dropped"] += len(texts)
            return True
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.rollback()
            self._suspect = True
            self._record_error(
                self._describe(exc, self._path, f"{len(texts)} text values kept queued for a retry")
            )
            self._requeue_text(texts)
            self._schedule_retry()
            return False
        with self._cv:
            self._counters["texts_committed"] += n
            self._counters["last_commit_at"] = self._clock()
        return True

    def _requeue_text(self, texts: list[TextSample]) -> None:
        with self._cv:
            self._text_pending[:0] = texts

    def _apply_grants(self, grants: tuple[dict[str, ServerGrant], float]) -> None:
        conn = self._conn
        if conn is None or self._suspect:
            with self._cv:
                self._grants_due = True  # applied with the next file that opens (_open_file)
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
            apply_grants(conn, *grants)
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.rollback()
            self._record_error(self._describe(exc, self._path, "the server's granted intervals not recorded"))

    def _known_tags(self, b: SampleBatch) -> SampleBatch:
        idx = b.tag_idx
        valid = (idx >= 0) & (idx < self._tag_ids.shape[0])
        if valid.all():
            return b
        bad = np.unique(idx[~valid]).tolist()[:10]
        log.error(
            "journal %s: %d samples with unknown tag index %s dropped", self._path, int((~valid).sum()), bad
        )
        return b.take(valid)

    def _insert_samples(self, conn: sqlite3.Connection, batches: list[SampleBatch]) -> int:
        known = [self._known_tags(x) for x in batches]
        b = SampleBatch.concat(known)
        dup = self._last_samples.duplicates(known)
        self._duplicates = int(dup.sum())
        if self._duplicates:
            b = b.take(~dup)
        n = len(b)
        if n == 0:
            return 0
        tag_ids = self._tag_ids[b.tag_idx]
        first_src, last_src = _finite_min_max(b.source_ts)
        first_rcv, last_rcv = _finite_min_max(b.received_ts)
        conn.execute("BEGIN IMMEDIATE")
        try:
            first_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM samples").fetchone()[0]
            conn.executemany(SAMPLE_INSERT_SQL, sample_rows(tag_ids, b))
            last_id = conn.execute("SELECT max(id) FROM samples").fetchone()[0]
            if last_id - first_id + 1 != n:  # ids must be contiguous for the commits bookkeeping
                raise sqlite3.DatabaseError(f"sample ids not contiguous ({first_id}..{last_id} for {n} rows)")
            update_rollups(conn, tag_ids, b)
            conn.execute(
                COMMIT_INSERT_SQL,
                (self._clock(), n, len(batches), first_id, last_id, first_src, last_src, first_rcv, last_rcv),
            )
            conn.execute("COMMIT")
            self._last_samples.advance(b)
        except (
            sqlite3.IntegrityError,
            sqlite3.InterfaceError,
            sqlite3.ProgrammingError,
            OverflowError,
            TypeError,
            ValueError,
        ) as exc:
            if conn.in_transaction:
                conn.rollback()
            raise _DataError(str(exc)) from None
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        return n

    def _dequeue(
        self,
        n_batches: int,
        n_samples: int,
        committed: int,
        rejected: int,
        now: float | None = None,
        duplicate: int = 0,
    ) -> None:
        with self._cv:
            for _ in range(n_batches):
                self._pending.popleft()
            self._pending_samples -= n_samples
            c = self._counters
            c["samples_rejected"] += rejected
            c["samples_duplicate"] += duplicate
            if committed:
                c["samples_committed"] += committed
                c["batches_committed"] += n_batches
                c["commits"] += 1
                c["last_commit_at"] = now

    def _schedule_retry(self) -> None:
        self._backoff = min(max(self._backoff * 2, 0.5, self._interval), _MAX_BACKOFF_S)
        self._next_sample_commit = time.monotonic() + self._backoff

    def _journal_gap(self) -> None:
        with self._cv:
            gap, self._gap = self._gap, {}
        names = [self.config.tags[i].name for i in sorted(gap["tags"]) if 0 <= i < len(self.config.tags)]
        first = gap["first_ts"] if math.isfinite(gap["first_ts"]) else None
        last = gap["last_ts"] if math.isfinite(gap["last_ts"]) else None
        row = (
            first if first is not None else self._clock(),
            EventKind.DATA_GAP.value,
            "journal",
            "",
            int(Severity.WARNING),
            f"journal dropped {gap['samples']} samples ({gap['batches']} batches) because {gap['reason']}",
            json.dumps(
                _jsonable(
                    {
                        "samples": gap["samples"],
                        "batches": gap["batches"],
                        "first_ts": first,
                        "last_ts": last,
                        "tags": names[:100],
                        "n_tags": len(names),
                    }
                )
            ),
        )
        fut: concurrent.futures.Future[list[int]] = concurrent.futures.Future()
        self._commit_event([row], fut)
        if fut.exception() is not None:
            with self._cv:  # try again after the next successful commit
                self._merge_gap(gap)

    def _merge_gap(self, gap: dict[str, Any]) -> None:
        g = self._gap
        if not g:
            self._gap = gap
            return
        g["samples"] += gap["samples"]
        g["batches"] += gap["batches"]
        g["first_ts"] = min(g["first_ts"], gap["first_ts"])
        g["last_ts"] = max(g["last_ts"], gap["last_ts"])
        g["tags"] |= gap["tags"]

    # --- errors -------------------------------------------------------------------------------------
    def _record_error(self, message: str) -> JournalError:
        now = self._clock()
        with self._cv:
            c = self._counters
            c["write_errors"] += 1
            repeated = c["last_error"] == message
            c["last_error"] = message
            c["last_error_at"] = now
        (log.debug if repeated else log.error)("%s", message)
        if self._on_error is not None:
            try:
                self._on_error(message)
            except Exception:
                log.exception("journal on_error callback failed")
        return JournalError(message, self._path)

    def _describe(self, exc: BaseException, path: Path, consequence: str = "") -> str:
        msg = str(exc)
        low = msg.lower()
        hint = ""
        if "disk is full" in low or "disk full" in low:
            try:
                free = shutil.disk_usage(path.parent).free
                hint = f" ({free / 1e6:.0f} MB free on that disk)"
            except OSError:
                pass
        elif "unable to open" in low:
            d = path.parent
            if not d.is_dir():
                hint = f" (directory {d} does not exist)"
            elif not os.access(d, os.W_OK):
                hint = f" (directory {d} is not writable)"
        elif "readonly" in low or "read-only" in low:
            hint = " (file or file system is read-only)"
        elif "disk i/o error" in low:
            hint = " (file removed, disk unplugged or failing?)"
        tail = f"; {consequence}" if consequence else ""
        return f"journal file {path}: {msg}{hint}{tail}"
