"""Retention per kind and the disk-space guard: bounded disk for a PC nobody watches.

What is kept, per kind (`[retention]` in the line config):

- raw samples `raw_days` (default 30), then only their rollups remain (trends
  of old days still show min/max per bucket, at 10 s resolution and coarser);
  with `compact_raw` (default on) the raw samples of a closed file are kept
  compactly until then (`hmi.core.sample_compact`: the whole file ~8-10
  bytes per sample instead of ~71, read back bit for bit by every reader);
- rollups `rollup_days` (default 400);
- events and audit (alarms, operator actions, QC verdicts) `events_days`
  (default 0: forever); they must be kept at least as long as rollups;
- QC reject images `qc_days` (default 90) and at most `qc_max_gb` (default 5).

`RetentionJob` applies this on its own thread, once an hour and when the disk
guard asks, to *closed* daily files only (older than yesterday): the writer
never touches those, so the job never blocks writing. A file whose samples
were removed is vacuumed so the space really comes back.

The disk guard sheds load in this order when free space is below
`journal.disk_warn_free_mb` (the watch in `journal_health` calls it): first
QC images, oldest first, until free space is back above the threshold; then
raw samples already past `raw_days`; then, still below
`journal.disk_critical_free_mb`, the raw samples of the oldest closed day
that still has them (its rollups stay). Events and audit are never shed.
Every step is journaled with what it removed.

With the plant historian configured, nothing of a file is compacted or deleted before the
forwarder has confirmed all its rows (`forwarded_through`): the journal files are its buffer.
"""

from __future__ import annotations

import datetime as _dt
import logging
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hmi.core.config import RetentionConfig
from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.journal_schema import journal_files, local_date
from hmi.core.rollup import ROLLUP_TABLE
from hmi.core.rollup_pack import PACK_TABLE, has_packs
from hmi.core.sample_compact import CompactError, compact
from hmi.core.sample_store import CHUNK_TABLE, has_chunks, sample_count

log = logging.getLogger(__name__)

_EVERY_S = 3600.0
_SHED_EVERY_S = 60.0  # the guard acts at most this often: each step needs time to show on the disk
_QC_DIR = "qc"


@dataclass(slots=True)
class RetentionReport:
    raw_files: list[str] = field(default_factory=list)  # files whose raw samples were removed
    samples_removed: int = 0
    rollup_files: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)  # whole files (events past events_days)
    qc_images_removed: int = 0
    qc_bytes_removed: int = 0
    compacted_files: list[str] = field(default_factory=list)
    samples_compacted: int = 0
    bytes_freed: int = 0  # by compaction, after the vacuum
    held_for_plant: list[str] = field(default_factory=list)  # not yet forwarded: left as they are

    def __bool__(self) -> bool:
        return bool(
            self.raw_files
            or self.rollup_files
            or self.files_removed
            or self.qc_images_removed
            or self.compacted_files
        )

    def describe(self) -> str:
        parts = []
        if self.raw_files:
            parts.append(f"{self.samples_removed:,} raw samples from {len(self.raw_files)} files")
        if self.rollup_files:
            parts.append(f"rollups of {len(self.rollup_files)} files")
        if self.files_removed:
            parts.append(f"{len(self.files_removed)} whole files")
        if self.qc_images_removed:
            parts.append(f"{self.qc_images_removed} QC images ({self.qc_bytes_removed / 1e6:.1f} MB)")
        if self.compacted_files:
            parts.append(
                f"compacted {self.samples_compacted:,} raw samples of {len(self.compacted_files)} files"
                f" ({self.bytes_freed / 1e6:.1f} MB freed)"
            )
        return ", ".join(parts) or "nothing"


def _older_than(day: _dt.date, days: float, today: _dt.date) -> bool:
    return days > 0 and (today - day).days > days


class RetentionJob:
    def __init__(
        self,
        directory: Path,
        line_id: str,
        policy: RetentionConfig,
        *,
        post_event: Callable[[JournalEvent], None],
        warn_free_bytes: int,
        critical_free_bytes: int,
        clock: Callable[[], float] = time.time,
        disk_free: Callable[[Path], int] | None = None,
        forwarded_through: Callable[[Path], dict[str, int] | None] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.line_id = line_id
        self.policy = policy
        self._post = post_event
        self._warn = warn_free_bytes
        self._critical = critical_free_bytes
        self._clock = clock
        self._disk_free = disk_free or (lambda p: shutil.disk_usage(p).free)
        # the plant forwarder's confirmed row id per table of a file (None: no plant historian)
        self._forwarded_through = forwarded_through
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._shed_wanted = False
        self._last_shed = -float("inf")
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # one pass at a time (thread and tests)

    # --- thread ------------------------------------------------------------------------------------
    def start(self) -> RetentionJob:
        self._thread = threading.Thread(target=self._run, name="linehmi-retention", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None

    def request_shed(self, *_: object) -> None:
        """The disk guard's entry (any thread, never blocks): shed load on the job's thread."""
        if time.monotonic() - self._last_shed >= _SHED_EVERY_S:
            self._shed_wanted = True
            self._wake.set()

    def _run(self) -> None:
        next_pass = 0.0
        while not self._stop.is_set():
            self._wake.wait(max(0.0, next_pass - time.monotonic()))
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                if self._shed_wanted:
                    self._shed_wanted = False
                    self._last_shed = time.monotonic()
                    self.shed()
                if time.monotonic() >= next_pass:
                    next_pass = time.monotonic() + _EVERY_S
                    self.run_once()
            except Exception:  # retention must never take the logger down
                log.exception("retention pass failed")

    # --- retention ---------------------------------------------------------------------------------
    def _closed_files(self, today: _dt.date) -> list[tuple[_dt.date, Path]]:
        """Daily files older than yesterday (the writer may still close yesterday's), oldest first."""
        return [
            (d, p)
            for d, p in journal_files(self.directory, self.line_id)
            if d is not None and d < today - _dt.timedelta(days=1)
        ]

    def run_once(self) -> RetentionReport:
        with self._lock:
            today = local_date(self._clock())
            report = RetentionReport()
            p = self.policy
            for day, path in self._closed_files(today):
                try:
                    if not self._forwarded(path):
                        report.held_for_plant.append(path.name)
                        continue
                    if _older_than(day, p.events_days, today) and _older_than(day, p.rollup_days, today):
                        self._remove_file(path)
                        report.files_removed.append(path.name)
                        continue
                    n = self._remove_raw(path) if _older_than(day, p.raw_days, today) else 0
                    if n:
                        report.raw_files.append(path.name)
                        report.samples_removed += n
                    elif p.compact_raw:
                        self._compact(path, report)
                    if _older_than(day, p.rollup_days, today) and self._remove_rollups(path):
                        report.rollup_files.append(path.name)
                except (sqlite3.Error, OSError, CompactError) as exc:
                    log.error("retention: journal file %s: %s (skipped, tried again next pass)", path, exc)
            if report.held_for_plant:
                log.info(
                    "retention: %d files not yet forwarded to the plant historian left as they are: %s",
                    len(report.held_for_plant),
                    ", ".join(report.held_for_plant),
                )
            self._qc_retention(today, report)
            if report:
                self._journal("retention removed " + report.describe(), report)
            return report

    def _connect(self, path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=30.0)
        conn.execute("PRAGMA journal_mode=WAL")
        return conn

    def _forwarded(self, path: Path) -> bool:
        """Whether the plant forwarder (if any) has confirmed every row of the file."""
        if self._forwarded_through is None:
            return True
        through = self._forwarded_through(path)
        if through is None:  # no plant historian configured
            return True
        conn = self._connect(path)
        try:
            for tbl in ("events", "samples"):
                last = conn.execute(f"SELECT max(id) FROM {tbl}").fetchone()[0]
                if last is not None and int(last) > int(through.get(tbl, 0)):
                    return False
            return True
        finally:
            conn.close()

    def _compact(self, path: Path, report: RetentionReport) -> None:
        conn = self._connect(path)
        try:
            size_before = path.stat().st_size
            done = compact(conn, self._clock())
            if not done.samples:
                return
            self._vacuum(conn, path)
        finally:
            conn.close()
        report.compacted_files.append(path.name)
        report.samples_compacted += done.samples
        report.bytes_freed += max(0, size_before - path.stat().st_size)

    def _remove_raw(self, path: Path) -> int:
        conn = self._connect(path)
        try:
            n = sample_count(conn)
            if not n:
                return 0
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM samples")
            if has_chunks(conn):
                conn.execute(f"DELETE FROM {CHUNK_TABLE}")
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('raw_samples_removed_at', ?)",
                (f"{self._clock():.3f}",),
            )
            conn.execute("COMMIT")
            self._vacuum(conn, path)
            return int(n)
        finally:
            conn.close()

    def _remove_rollups(self, path: Path) -> bool:
        conn = self._connect(path)
        try:
            if not conn.execute(f"SELECT 1 FROM {ROLLUP_TABLE} LIMIT 1").fetchone():
                return False
            conn.execute(f"DELETE FROM {ROLLUP_TABLE}")
            if has_packs(conn):  # their read copy (hmi.core.rollup_pack)
                conn.execute(f"DELETE FROM {PACK_TABLE}")
            self._vacuum(conn, path)
            return True
        finally:
            conn.close()

    @staticmethod
    def _vacuum(conn: sqlite3.Connection, path: Path) -> None:
        try:
            conn.execute("VACUUM")  # needs room for a copy: may fail on a full disk, then the next pass
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError as exc:
            log.warning("retention: %s not vacuumed (%s); its free pages are reused by nothing", path, exc)

    @staticmethod
    def _remove_file(path: Path) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    # --- QC images --------------------------------------------------------------------------------
    def _qc_images(self) -> list[Path]:
        """Saved QC images, oldest first (by day folder, then name: names start with the time)."""
        root = self.directory / _QC_DIR
        if not root.is_dir():
            return []
        return sorted((p for p in root.rglob("*") if p.is_file()), key=lambda p: (p.parent.name, p.name))

    def _qc_retention(self, today: _dt.date, report: RetentionReport) -> None:
        images = self._qc_images()
        keep_from = today - _dt.timedelta(days=self.policy.qc_days) if self.policy.qc_days > 0 else None
        total = 0
        sizes = []
        for img in images:
            size = img.stat().st_size
            sizes.append(size)
            total += size
        limit = self.policy.qc_max_gb * 1e9
        for img, size in zip(images, sizes, strict=True):
            too_old = keep_from is not None and self._folder_day(img) < keep_from
            if not too_old and total <= limit:
                break
            self._unlink(img, size, report)
            total -= size

    @staticmethod
    def _folder_day(img: Path) -> _dt.date:
        try:
            return _dt.date.fromisoformat(img.parent.name)
        except ValueError:
            return _dt.date.max  # not in a day folder: kept by age, counted by size

    @staticmethod
    def _unlink(img: Path, size: int, report: RetentionReport) -> None:
        try:
            img.unlink()
        except OSError as exc:
            log.warning("retention: cannot remove %s: %s", img, exc)
            return
        report.qc_images_removed += 1
        report.qc_bytes_removed += size

    # --- disk guard -------------------------------------------------------------------------------
    def shed(self) -> RetentionReport:
        """Free disk space in the stated order (module docstring); events and audit are never touched."""
        with self._lock:
            report = RetentionReport()
            for img in self._qc_images():  # 1. QC images, oldest first
                if self._free() >= self._warn:
                    break
                self._unlink(img, img.stat().st_size, report)
        if self._free() < self._warn:  # 2. raw samples already past their retention
            rr = self.run_once()
            report.raw_files += rr.raw_files
            report.samples_removed += rr.samples_removed
            report.compacted_files += rr.compacted_files
            report.samples_compacted += rr.samples_compacted
            report.bytes_freed += rr.bytes_freed
        if self._free() < self._critical:  # 3. the oldest closed day's raw samples (rollups stay)
            with self._lock:
                today = local_date(self._clock())
                for _day, path in self._closed_files(today):
                    try:
                        if not self._forwarded(path):  # the plant's copy is not confirmed yet
                            continue
                        n = self._remove_raw(path)
                    except (sqlite3.Error, OSError) as exc:
                        log.error("disk guard: journal file %s: %s", path, exc)
                        continue
                    if n:
                        report.raw_files.append(path.name)
                        report.samples_removed += n
                        break
        if report:
            self._journal(
                f"disk space low ({self._free() / 1e6:.0f} MB free): disk guard removed {report.describe()}",
                report,
                Severity.WARNING,
            )
        return report

    def _free(self) -> int:
        try:
            return int(self._disk_free(self.directory))
        except OSError:
            return 0

    def _journal(self, message: str, report: RetentionReport, severity: Severity = Severity.INFO) -> None:
        log.info("%s", message)
        self._post(
            JournalEvent(
                EventKind.SYSTEM,
                message,
                source="retention",
                severity=severity,
                data={
                    "event": "retention",
                    "raw_files": report.raw_files,
                    "samples_removed": report.samples_removed,
                    "rollup_files": report.rollup_files,
                    "files_removed": report.files_removed,
                    "qc_images_removed": report.qc_images_removed,
                    "qc_bytes_removed": report.qc_bytes_removed,
                    "compacted_files": report.compacted_files,
                    "samples_compacted": report.samples_compacted,
                    "bytes_freed": report.bytes_freed,
                },
            )
        )
