"""Production live: the samples of the production tags -> the analysis of this and the last shift.

Runs on its own worker thread in the runtime (hmi.core.runtime): `process`
keeps the state, fault-code and counter samples of the current and the
previous shift in memory, `tick` recomputes the analysis (the same code the
journal reader uses, hmi.core.production.oee) every `recompute_s`, and the
screens read `analysis()` / `status()` (never blocking on the computation).

At start the window is seeded from the journal, so a restart mid-shift keeps
the shift's figures, and the production model's snapshot is journaled (again
in each new daily file): a copied file is analysable on its own.

Supervisors' edits (`edit`) are role-checked and audited by the Auditor before
they apply; the audit row *is* the edit record (hmi.core.production.stops).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from hmi.core.audit import Auditor, Origin
from hmi.core.events import JournalEvent
from hmi.core.journal_read import open_journal_readonly
from hmi.core.production.journal_io import (
    Series,
    gap_flags,
    line_data,
    read_edits,
    read_tag_series,
    reader_gaps,
    snapshot_event,
)
from hmi.core.production.oee import LineStatus, ProductionAnalysis
from hmi.core.production.setup import ProductionSetup
from hmi.core.production.stops import CLASSIFY, NOTE, SPLIT, Stop, StopEdit, check_edit
from hmi.core.samples import SampleBatch
from hmi.core.users import Action, User

log = logging.getLogger(__name__)
BAD_BIT = 0x80000000
_ACTION = {CLASSIFY: Action.CLASSIFY_STOP, SPLIT: Action.SPLIT_STOP, NOTE: Action.NOTE_STOP}


class JournalLike(Protocol):
    @property
    def path(self) -> Path: ...

    def write_event(self, ev: JournalEvent) -> int: ...

    def files(self) -> list[Path]: ...


class ProductionTracker:
    def __init__(
        self,
        setup: ProductionSetup,
        tag_index: dict[str, int],
        journal: JournalLike,
        auditor: Auditor,
        *,
        clock: Callable[[], float] = time.time,
        recompute_s: float = 2.0,
    ) -> None:
        self.setup = setup
        self._journal = journal
        self._auditor = auditor
        self._clock = clock
        self._recompute_s = recompute_s
        self._tags = {tag_index[t]: t for m in setup.machines for t in m.tags if t in tag_index}
        self._wanted = np.array(sorted(self._tags), dtype=np.int32)
        self._lock = threading.Lock()
        self._series: dict[str, list[Series]] = {t: [] for t in self._tags.values()}
        self._edits: list[StopEdit] = []
        self._gaps: list[tuple[float, float]] = []  # LineHMI not running (journal closed -> opened)
        self._analysis: ProductionAnalysis | None = None
        self._status: LineStatus | None = None
        self._journal_file: Path | None = None
        self._next = 0.0
        self.problem = ""  # why there are no figures (shown instead of them)
        self.window_start = 0.0

    # --- lifecycle (runtime thread) -----------------------------------------------------------
    def start(self) -> None:
        """Seed the previous and current shift from the journal; journal the snapshot."""
        now = self._clock()
        _s, prev_start, _e = self.setup.calendar.previous_shift(now)
        self.window_start = prev_start
        try:
            readers = [open_journal_readonly(p) for p in self._journal.files() if p.exists()]
        except Exception as exc:  # a damaged older file must not stop live production figures
            log.warning("production: journal not readable for seeding: %s", exc)
            readers = []
        try:
            seeded = read_tag_series(readers, self.setup, prev_start, now + 1.0) if readers else {}
            edits = read_edits(readers) if readers else []
            gaps = reader_gaps(readers, from_start=True) if readers else []
        finally:
            for r in readers:
                r.close()
        if not gaps or math.isfinite(gaps[0][0]):
            # No "journal opened" read (a file not readable): this session's start is the record's.
            gaps.insert(0, (-math.inf, now))
        with self._lock:
            for tag, ser in seeded.items():
                self._series[tag] = [ser]
            self._edits = edits
            self._gaps = gaps
        self._journal_snapshot(now)
        self.tick(force=True)

    def _journal_snapshot(self, now: float) -> None:
        self._journal.write_event(snapshot_event(self.setup, now))
        self._journal_file = self._journal.path

    # --- data (worker thread) -----------------------------------------------------------------
    def process(self, batch: SampleBatch) -> None:
        mask = np.isin(batch.tag_idx, self._wanted)
        if not mask.any():
            return
        b = batch.take(mask)
        with self._lock:
            for i in np.unique(b.tag_idx):
                rows = b.tag_idx == i
                ts = b.source_ts[rows]
                order = np.argsort(ts, kind="stable")
                self._series[self._tags[int(i)]].append(
                    (ts[order], b.value[rows][order], (b.status[rows][order] & BAD_BIT) == 0)
                )

    def tick(self, force: bool = False) -> None:
        now = self._clock()
        if not force and now < self._next:
            return
        self._next = now + self._recompute_s
        if self._journal.path != self._journal_file:  # daily rotation: the new file gets the snapshot
            try:
                self._journal_snapshot(now)
            except Exception as exc:
                log.warning("production: could not journal the snapshot: %s", exc)
        _s, prev_start, _e = self.setup.calendar.previous_shift(now)
        with self._lock:
            if prev_start > self.window_start:
                self._trim(prev_start)
            series = {t: self._joined(t) for t in self._series}
            edits = list(self._edits)
            gaps = list(self._gaps)
        try:
            analysis = ProductionAnalysis.build(
                self.setup,
                line_data(self.setup, series, gaps),
                self.window_start,
                now,
                edits,
                live=True,
                gaps=gaps,
            )
            # Live: this session's own journal is open, so no gap runs to the window's end.
            analysis.flags += gap_flags(self.setup, gaps, self.window_start, now, closed_at=())
            status = analysis.status(now)
            self.problem = ""
        except Exception as exc:  # keep the last figures, say why they are not current
            log.exception("production analysis failed")
            self.problem = f"production figures not updated: {exc}"
            return
        with self._lock:
            self._analysis, self._status = analysis, status

    def _joined(self, tag: str) -> Series:
        parts = self._series[tag]
        if len(parts) > 1:
            ts = np.concatenate([p[0] for p in parts])
            order = np.argsort(ts, kind="stable")
            joined = (
                ts[order],
                np.concatenate([p[1] for p in parts])[order],
                np.concatenate([p[2] for p in parts])[order],
            )
            self._series[tag] = [joined]
        if not self._series[tag]:
            e = np.empty(0)
            return e, e.copy(), np.empty(0, dtype=bool)
        return self._series[tag][0]

    def _trim(self, start: float) -> None:
        """A new shift began: forget what is older than the previous shift (keep the state then)."""
        for tag in self._series:
            ts, v, ok = self._joined(tag)
            keep = ts >= start
            first = int(np.argmax(keep)) if keep.any() else len(ts)
            if first > 0:
                keep[first - 1] = True
            self._series[tag] = [(ts[keep], v[keep], ok[keep])]
        self.window_start = start

    # --- screens (any thread) -------------------------------------------------------------------
    def analysis(self) -> ProductionAnalysis | None:
        with self._lock:
            return self._analysis

    def status(self) -> LineStatus | None:
        with self._lock:
            return self._status

    # --- supervisor actions (actions thread: they wait for the journal) ------------------------
    def edit(
        self,
        user: User | None,
        action: str,
        machine: str,
        stop_start: float,
        *,
        origin: Origin | None = None,
        **kw: Any,
    ) -> Stop:
        """Classify / split / note a stop. Raises PermissionDenied (already audited) or ValueError
        with a message for the supervisor; on success the audit row is committed before it applies.
        `origin`: the station of the line that made it and when (None: here, now)."""
        analysis = self.analysis()
        made = origin.made_at if origin is not None else self._clock()
        stop, edit = audited_stop_edit(
            self._auditor,
            self.setup,
            None if analysis is None else analysis.stops,
            user,
            action,
            machine,
            stop_start,
            made_at=made,
            origin=origin,
            **kw,
        )
        with self._lock:
            self._edits.append(edit)
        self.tick(force=True)
        return stop


def audited_stop_edit(
    auditor: Auditor,
    setup: ProductionSetup,
    stops: list[Stop] | None,
    user: User | None,
    action: str,
    machine: str,
    stop_start: float,
    *,
    made_at: float,
    origin: Origin | None = None,
    **kw: Any,
) -> tuple[Stop, StopEdit]:
    """The one audited path of a stop edit (the Production view's, and the review's "write to the
    journal"): the role check (a refusal is audited), the edit checked against `stops` (the latest
    analysis; None: not ready), then the audit row, which is the edit record, committed. Raises
    PermissionDenied or ValueError with a message for the supervisor."""
    name = _ACTION[action]
    auditor.check(user, name, f"{machine} stop")
    edit = StopEdit(action, machine, float(stop_start), made_at, user.name if user else "", **kw)
    if stops is None:
        raise ValueError("production figures are not ready yet")
    # Validate against a copy: the stops of the latest analysis with the edits so far.
    stop = check_edit(setup, [_copy(s) for s in stops], edit)
    detail = {
        CLASSIFY: f"reason {edit.reason} (was {stop.reason_code()})",
        SPLIT: f"split at {edit.at}: {edit.reason} | {edit.reason_after}",
        NOTE: f"note: {edit.note.strip()}",
    }[action]
    data = edit.to_data()
    if origin is not None:
        data.update(origin.audit_data())
        detail += f" (made on {origin.station})"
    auditor.record(user, name, target=f"{machine} stop", detail=detail, data=data)
    return stop, edit


def _copy(s: Stop) -> Stop:
    import dataclasses

    return dataclasses.replace(s, flags=list(s.flags))
