"""Production from journal files, read-only: the shift report, the assistant and the CLI use this.

A journal file holds everything the analysis needs: the production model's
snapshot (a `production` event written when tracking starts and in each new
daily file), the state, fault and counter samples, and the supervisors' stop
edits (audit events). Files are opened read-only (hmi.core.journal_read), so
asking for a shift's figures never changes the evidence.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from hmi.core.events import EventKind, JournalEvent
from hmi.core.journal_read import JournalError, JournalReader, StoredEvent, open_journal_readonly
from hmi.core.production.counters import CounterTrack, counter_track
from hmi.core.production.oee import LINE, OeeFigures, ParetoRow, ProductionAnalysis, Reliability
from hmi.core.production.setup import ProductionSetup
from hmi.core.production.stops import STOP_ACTIONS, Stop, StopEdit
from hmi.core.production.timeline import MachineData, StateSeries
from hmi.core.rollup import ROLLUP_TABLE, rollup_state
from hmi.core.sample_store import Only, last_before, read_tag, source_time_span

SNAPSHOT_TYPE = "production_config"
BAD_BIT = 0x80000000
# Counters are read at this resolution: the last good sample of each bucket (epoch-aligned).
# Counts over any range aligned to it (shifts, hours) are exact; an arbitrary range is within one
# bucket of production; a roll-over is counted through; a PLC reset may lose up to one bucket
# (flagged). It makes an 8 h shift ~10x fewer rows to fetch (bench/production_truth.py).
COUNTER_BUCKET_S = 10.0


def snapshot_event(setup: ProductionSetup, ts: float) -> JournalEvent:
    """The event that makes a journal file analysable on its own."""
    return JournalEvent(
        EventKind.PRODUCTION,
        f"production model: {len(setup.machines)} machines, constraint {setup.constraint}, "
        f"{len(setup.reasons)} reasons",
        source="production",
        data={"type": SNAPSHOT_TYPE, "setup": setup.snapshot},
        ts=ts,
    )


class EventSource(Protocol):
    """Where the analysis reads its events: a journal file (JournalReader) or the plant historian."""

    def read_events(
        self,
        since: float | None = None,
        until: float | None = None,
        kinds: Iterable[EventKind | str] | None = None,
        limit: int | None = None,
    ) -> list[StoredEvent]: ...


def _as_paths(paths: Path | str | Sequence[Path | str]) -> list[Path]:
    if isinstance(paths, str | Path):
        return [Path(paths)]
    return [Path(p) for p in paths]


def read_setup(readers: Sequence[EventSource]) -> ProductionSetup | None:
    """The latest production snapshot in the files (None when none has one)."""
    latest = None
    for r in readers:
        for ev in r.read_events(kinds=[EventKind.PRODUCTION]):
            if ev.data.get("type") == SNAPSHOT_TYPE and (latest is None or ev.ts >= latest.ts):
                latest = ev
    if latest is None:
        return None
    try:
        return ProductionSetup.from_snapshot(latest.data["setup"])
    except (KeyError, ValueError) as exc:
        raise JournalError(f"the production snapshot of {latest.ts:.0f} cannot be read: {exc}") from None


def read_edits(readers: Sequence[EventSource]) -> list[StopEdit]:
    """Every stop edit that was allowed (refusals are audited too, but changed nothing), in order."""
    edits: list[tuple[float, int, StopEdit]] = []
    for r in readers:
        for ev in r.read_events(kinds=[EventKind.AUDIT]):
            action = ev.data.get("action")
            if action in STOP_ACTIONS and ev.data.get("result") == "ok":
                try:
                    edits.append((ev.ts, ev.id, StopEdit.from_event(action, ev.data, ev.ts, ev.user)))
                except (KeyError, TypeError, ValueError):
                    continue  # not one of ours: an audit row with the same action name but no stop
    return [e for _, _, e in sorted(edits, key=lambda x: (x[0], x[1]))]


# From the journal's 10 s rollup (hmi.core.rollup): the last value of each bucket, clustered by
# (tag, level, bucket), so an 8 h shift is ~2,900 rows per counter read in one range scan.
_COUNTER_ROLLUP_SQL = f"""
SELECT t_last, v_last, s_last FROM {ROLLUP_TABLE}
WHERE tag_id = ? AND level = {int(COUNTER_BUCKET_S)} AND bucket >= ? AND bucket < ? AND s_last < {BAD_BIT}
    AND v_last IS NOT NULL AND t_last >= ? AND t_last < ?
ORDER BY bucket"""


def _tag_rows(
    conn: sqlite3.Connection, tag_id: int, t0: float, t1: float, counter: bool, rollup: bool
) -> tuple[np.ndarray, np.ndarray]:
    only = Only.USABLE if counter else Only.ALL
    prior = last_before(conn, tag_id, t0, only=only)
    if counter and rollup:
        b0, b1 = math.floor(t0 / COUNTER_BUCKET_S), math.ceil(t1 / COUNTER_BUCKET_S) + 1
        rows = conn.execute(_COUNTER_ROLLUP_SQL, (tag_id, b0, b1, t0, t1)).fetchall()
        a = np.array(rows, dtype=np.float64).reshape(-1, 3)
        ts, value, status = a[:, 0], a[:, 1], np.array([r[2] for r in rows], dtype=np.int64)
    else:
        got = read_tag(conn, tag_id, t0, t1, only=only)
        if counter and len(got):  # files without complete rollups: the last usable sample per bucket
            k = np.floor(got.source_ts / COUNTER_BUCKET_S)
            got = got.take(np.flatnonzero(np.r_[k[1:] != k[:-1], True]))
        ts, value, status = got.source_ts, got.value, got.status.astype(np.int64)
    status = np.r_[prior.status.astype(np.int64), status]
    a = np.column_stack([np.r_[prior.source_ts, ts], np.r_[prior.value, value], status.astype(np.float64)])
    return a.reshape(-1, 3), status


Series = tuple[np.ndarray, np.ndarray, np.ndarray]  # source_ts, value, good (not Bad)
# (setup, t0, t1) -> per production tag: its samples in [t0, t1) plus the last one before t0, counters at
# COUNTER_BUCKET_S resolution (read_tag_series for journal files; the plant historian has its own).
SeriesReader = Callable[[ProductionSetup, float, float], dict[str, Series]]


def read_tag_series(
    readers: Sequence[JournalReader], setup: ProductionSetup, t0: float, t1: float
) -> dict[str, Series]:
    """Samples of the production tags in [t0, t1), plus the last one before t0 (the state then);
    counters at COUNTER_BUCKET_S resolution."""
    per_tag: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for r in readers:
        ids = r.tag_ids()
        complete, levels = rollup_state(r.conn)
        rollup = complete and int(COUNTER_BUCKET_S) in levels
        for m in setup.machines:
            counters = {m.total_counter, m.good_counter, m.reject_counter} - {""}
            for tag in m.tags:
                if tag in ids:
                    per_tag.setdefault(tag, []).append(
                        _tag_rows(r.conn, ids[tag], t0, t1, tag in counters, rollup)
                    )
    out: dict[str, Series] = {}
    for tag, parts in per_tag.items():
        a = np.concatenate([p[0] for p in parts])
        st = np.concatenate([p[1] for p in parts])
        order = np.argsort(a[:, 0], kind="stable")
        a, st = a[order], st[order]
        ts = a[:, 0]
        # One "before t0" sample per file was read: keep only the latest of them.
        before = np.flatnonzero(ts < t0)
        if before.size > 1:
            keep = np.ones(ts.shape, dtype=bool)
            keep[before[:-1]] = False
            a, st, ts = a[keep], st[keep], ts[keep]
        out[tag] = (ts, a[:, 1], (st & BAD_BIT) == 0)
    return out


def observation_gaps(readers: Sequence[EventSource]) -> list[tuple[float, float]]:
    """Stretches when LineHMI was not running: from a "journal closed" to the next "journal opened".

    Nothing was observed then, so a state tag's last value must not be held across them (sample
    and hold would guess "still running"): the analysis counts them as state unknown. A lost link
    needs nothing here: the connector journals a Bad sample for every tag when it drops."""
    marks: list[tuple[float, str]] = []
    for r in readers:
        for ev in r.read_events(kinds=[EventKind.SYSTEM]):
            if ev.message == "journal closed" or ev.message == "journal opened":
                marks.append((ev.ts, ev.message))
    gaps: list[tuple[float, float]] = []
    closed: float | None = None
    for ts, what in sorted(marks):
        if what == "journal closed":
            closed = ts
        elif closed is not None:
            if ts - closed > 1.0:
                gaps.append((closed, ts))
            closed = None
    return gaps


def gap_flags(setup: ProductionSetup, gaps: Sequence[tuple[float, float]], t0: float, t1: float) -> list[str]:
    hm = setup.calendar.to_local
    return [
        f"LineHMI was not running {hm(a):%H:%M:%S}-{hm(b):%H:%M:%S}: the state then is unknown (not in A); "
        "units the PLC counted meanwhile are in the totals"
        for a, b in gaps
        if a < t1 and b > t0
    ]


def _with_gaps(ser: Series, gaps: Sequence[tuple[float, float]]) -> Series:
    """A Bad sample at the start of each gap: the state is unknown until the next real sample."""
    if not gaps:
        return ser
    ts, v, ok = ser
    g = np.array([a for a, _b in gaps], dtype=np.float64)
    ts2 = np.concatenate([ts, g])
    order = np.argsort(ts2, kind="stable")
    return (
        ts2[order],
        np.concatenate([v, np.full(g.shape, np.nan)])[order],
        np.concatenate([ok, np.zeros(g.shape, dtype=bool)])[order],
    )


def line_data(
    setup: ProductionSetup, series: dict[str, Series], gaps: Sequence[tuple[float, float]] = ()
) -> dict[str, MachineData]:
    """Machine data from per-tag samples (from the journal or collected live); `gaps`: stretches
    nobody observed (observation_gaps), where every state is unknown."""

    def state(tag: str) -> StateSeries:
        return StateSeries(*_with_gaps(series[tag], gaps)) if tag in series else StateSeries.empty()

    def track(tag: str, rollover: int) -> CounterTrack | None:
        if not tag:
            return None
        if tag not in series:
            return CounterTrack.empty(tag)
        return counter_track(tag, *series[tag], rollover)

    return {
        m.id: MachineData(
            state(m.state_tag),
            state(m.fault_tag) if m.fault_tag else StateSeries.empty(),
            track(m.total_counter, m.rollover),
            track(m.good_counter, m.rollover),
            track(m.reject_counter, m.rollover),
        )
        for m in setup.machines
    }


def analyse_journal(
    paths: Path | str | Sequence[Path | str],
    t0: float,
    t1: float,
    setup: ProductionSetup | None = None,
) -> ProductionAnalysis:
    """The production analysis of [t0, t1) from journal files, read-only.

    `setup`: the production model to use; None = the snapshot journaled in the files."""
    readers = [open_journal_readonly(p) for p in _as_paths(paths)]
    try:
        return _analyse(readers, t0, t1, setup or _setup_or_error(readers))
    finally:
        for r in readers:
            r.close()


def _setup_or_error(readers: Sequence[JournalReader]) -> ProductionSetup:
    return setup_or_error(readers, ", ".join(str(r.path) for r in readers))


def setup_or_error(sources: Sequence[EventSource], names: str) -> ProductionSetup:
    """The production model journaled in `sources` (named `names` in the error when there is none)."""
    found = read_setup(sources)
    if found is None:
        raise JournalError(
            f"{names}: no production model journaled (it is written when LineHMI runs with a "
            "[production] table); pass the line config"
        )
    return found


def _analyse(
    readers: Sequence[JournalReader], t0: float, t1: float, setup: ProductionSetup
) -> ProductionAnalysis:
    return analyse_sources(readers, lambda st, a, b: read_tag_series(readers, st, a, b), t0, t1, setup)


def analyse_sources(
    events: Sequence[EventSource], series: SeriesReader, t0: float, t1: float, setup: ProductionSetup
) -> ProductionAnalysis:
    """The production analysis of [t0, t1) from events and tag series however they are stored."""
    gaps = observation_gaps(events)
    data = line_data(setup, series(setup, t0, t1), gaps)
    analysis = ProductionAnalysis.build(setup, data, t0, t1, read_edits(events))
    analysis.flags += gap_flags(setup, gaps, t0, t1)
    return analysis


@dataclass(frozen=True, slots=True)
class ShiftSummary:
    """A shift's production in one object: what the shift report and the assistant quote."""

    line: str
    shift: str
    start: float
    end: float
    line_oee: OeeFigures
    machines: dict[str, OeeFigures]
    hours: list[OeeFigures]  # line, per local clock hour
    stops: list[Stop]
    unclassified: list[Stop]
    pareto: list[ParetoRow]
    reliability: dict[str, Reliability]
    flags: list[str]

    @property
    def good(self) -> float | None:
        return self.line_oee.good


def summarise(analysis: ProductionAnalysis, shift_name: str = "") -> ShiftSummary:
    setup = analysis.setup
    return ShiftSummary(
        line=setup.line_name,
        shift=shift_name,
        start=analysis.t0,
        end=analysis.t1,
        line_oee=analysis.oee(LINE),
        machines={m: analysis.oee(m) for m in setup.ids},
        hours=analysis.hourly(LINE),
        stops=list(analysis.stops),
        unclassified=analysis.unclassified(),
        pareto=analysis.pareto(),
        reliability={m: analysis.reliability(m) for m in setup.ids},
        flags=list(analysis.flags),
    )


def shift_summary(
    paths: Path | str | Sequence[Path | str],
    at: float | None = None,
    setup: ProductionSetup | None = None,
) -> ShiftSummary:
    """The summary of the shift running at `at` (default: the last shift with data in the files),
    read-only from the journal file(s). A shift the files end inside is summarised up to their
    last sample (a shift still going on)."""
    readers = [open_journal_readonly(p) for p in _as_paths(paths)]
    try:
        setup = setup or _setup_or_error(readers)
        last = max(
            (source_time_span(r.conn)[1] or 0.0 for r in readers),
            default=0.0,
        )
        if not last:
            raise JournalError(
                f"{', '.join(str(r.path) for r in readers)}: no samples, so no shift to summarise"
            )
        shift, s0, s1 = setup.calendar.shift_at(last if at is None else at)
        if at is None and last - s0 < 60.0:  # the files end just after a shift change: the one before
            shift, s0, s1 = setup.calendar.shift_at(s0 - 1.0)
        end = min(s1, max(last, s0 + 1.0))
        return summarise(_analyse(readers, s0, end, setup), shift.name)
    finally:
        for r in readers:
            r.close()
