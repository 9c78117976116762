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
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
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
from hmi.core.record_gaps import CLOSED, OPENED, RECORD_ENDS_OPEN, file_last_before, link_down, recording_gaps
from hmi.core.rollup import ROLLUP_TABLE, WENT_DOWN_BIT, rollup_state, rollup_went_down
from hmi.core.sample_codec import SampleColumns
from hmi.core.sample_store import Only, last_before, read_tag, source_time_span

SNAPSHOT_TYPE = "production_config"
BAD_BIT = 0x80000000
# Counters are read exactly (every recorded step counts: the sum of the recorded counter deltas,
# resets and roll-overs included) but cheaply: from the journal's 10 s rollup, each whole bucket
# that only went up is its last value (the steps inside it add up to last - previous); the raw
# samples of the buckets at the window's edges, of a bucket where the counter went down (a reset
# or roll-over, WENT_DOWN_BIT or a vmin below the value before) and of a file without such
# rollups. An 8 h shift is then ~2,900 rows per counter instead of ~290,000 at 10 Hz
# (bench/production_truth.py). Sub-ranges of an analysis are exact at 10 s boundaries (hours).
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


_COUNTER_ROLLUP_SQL = f"""
SELECT bucket, t_last, v_last, s_last, vmin, vmax, flags FROM {ROLLUP_TABLE}
WHERE tag_id = ? AND level = {int(COUNTER_BUCKET_S)} AND bucket >= ? AND bucket < ? ORDER BY bucket"""


def _raw(
    conn: sqlite3.Connection, tag_id: int, a: float, b: float, usable: bool
) -> list[tuple[float, float, int]]:
    """(source_ts, value, status) of the samples in [a, b); usable: Good or Uncertain with a value
    (what a counter counts). Raw rows and compacted chunks alike (hmi.core.sample_store)."""
    got = read_tag(conn, tag_id, a, b, only=Only.USABLE if usable else Only.ALL)
    return _rows(got)


def _rows(got: SampleColumns) -> list[tuple[float, float, int]]:
    return list(zip(got.source_ts.tolist(), got.value.tolist(), got.status.tolist(), strict=True))


def _counter_rows(
    conn: sqlite3.Connection, tag_id: int, t0: float, t1: float, rollup: bool, before: float | None
) -> list[tuple[float, float, int]]:
    """Usable counter samples in [t0, t1) that carry every recorded step (see COUNTER_BUCKET_S);
    `before`: the usable value before t0 in this file."""
    w = COUNTER_BUCKET_S
    b0, b1 = math.ceil(t0 / w), math.floor(t1 / w)  # whole buckets [b0, b1) inside [t0, t1)
    if not rollup or b0 >= b1:
        return _raw(conn, tag_id, t0, t1, True)

    def raw(k0: float, k1: float) -> list[tuple[float, float, int]]:
        """Samples in [t0, t1) of buckets k0 <= k < k1, by the rollup's own bucket_index (float
        division, so a sample a rounding away from a boundary is in exactly one of them)."""
        rows = _raw(conn, tag_id, max(t0, (k0 - 1) * w), min(t1, (k1 + 1) * w), True)
        return [r for r in rows if k0 <= math.floor(r[0] / w) < k1]

    rows = raw(-math.inf, b0)
    # The value before the next bucket, from this file (None: the bucket is read raw).
    last = rows[-1][1] if rows else before
    for k, t_last, v_last, s_last, vmin, vmax, flags in conn.execute(_COUNTER_ROLLUP_SQL, (tag_id, b0, b1)):
        if vmin is None:
            continue  # nothing usable in it
        rose = (
            last is not None
            and not flags & WENT_DOWN_BIT
            and s_last < BAD_BIT
            and v_last is not None
            and v_last == vmax
            and vmin >= last
        )
        if rose:
            rows.append((t_last, v_last, 0))
            last = v_last
        else:
            inside = raw(k, k + 1)
            rows += inside
            last = inside[-1][1] if inside else last
    return rows + raw(b1, math.inf)


def _tag_rows(
    conn: sqlite3.Connection, tag_id: int, t0: float, t1: float, counter: bool, rollup: bool
) -> tuple[np.ndarray, np.ndarray]:
    prior = _rows(last_before(conn, tag_id, t0, only=Only.USABLE if counter else Only.ALL))
    rows = (
        _counter_rows(conn, tag_id, t0, t1, rollup, prior[0][1] if prior else None)
        if counter
        else _raw(conn, tag_id, t0, t1, False)
    )
    a = np.array(prior + rows, dtype=np.float64).reshape(-1, 3)
    return a, np.array([r[2] for r in prior + rows], dtype=np.int64)


Series = tuple[np.ndarray, np.ndarray, np.ndarray]  # source_ts, value, good (not Bad)
# (setup, t0, t1) -> per production tag: its samples in [t0, t1) plus the last one before t0; counters as
# samples that carry every recorded step (read_tag_series for journal files; the plant historian has its
# own, connectors/plant/record.py, still at COUNTER_BUCKET_S resolution).
SeriesReader = Callable[[ProductionSetup, float, float], dict[str, Series]]


def _counters_exact(r: JournalReader) -> bool:
    """Whether this file's rollups can stand in for a counter's rising buckets (else: raw samples)."""
    complete, levels = rollup_state(r.conn)
    return complete and int(COUNTER_BUCKET_S) in levels and rollup_went_down(r.conn)


def _read_series(
    readers: Sequence[JournalReader], tags: Mapping[str, bool], t0: float, t1: float
) -> dict[str, Series]:
    """Samples of `tags` ({name: is a counter}) in [t0, t1), plus the last one before t0."""
    per_tag: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for r in readers:
        ids = r.tag_ids()
        rollup = _counters_exact(r)
        for tag, counter in tags.items():
            if tag in ids:
                per_tag.setdefault(tag, []).append(_tag_rows(r.conn, ids[tag], t0, t1, counter, rollup))
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


def read_tag_series(
    readers: Sequence[JournalReader], setup: ProductionSetup, t0: float, t1: float
) -> dict[str, Series]:
    """Samples of the production tags in [t0, t1), plus the last one before t0 (the state then);
    counters as few samples as carry every recorded step (COUNTER_BUCKET_S)."""
    tags: dict[str, bool] = {}
    for m in setup.machines:
        counters = {m.total_counter, m.good_counter, m.reject_counter} - {""}
        tags |= {tag: tag in counters for tag in m.tags}
    return _read_series(readers, tags, t0, t1)


def counter_counts(
    paths: Path | str | Sequence[Path | str],
    tags: Sequence[str],
    a: float,
    b: float,
    setup: ProductionSetup | None = None,
) -> dict[str, float | None]:
    """Units each counter tag counted in [a, b): the sum of its recorded steps (resets count from
    zero, roll-overs through), read like the production analysis reads them, so a tool that wants a
    bare counter (the assistant's reject rates) quotes the same figure as the Production view.
    Roll-over from `setup` (default: the production model journaled in the files); None: the tag
    has no usable sample up to b."""
    readers = [open_journal_readonly(p) for p in _as_paths(paths)]
    try:
        setup = setup or read_setup(readers)
        rollover = {
            t: m.rollover
            for m in (setup.machines if setup else ())
            for t in (m.total_counter, m.good_counter, m.reject_counter)
            if t
        }
        series = _read_series(readers, dict.fromkeys(tags, True), a, b)
        out: dict[str, float | None] = {}
        for tag in tags:
            track = counter_track(tag, *series[tag], rollover.get(tag, 0)) if tag in series else None
            out[tag] = track.between(a, b) if track is not None and len(track) else None
        return out
    finally:
        for r in readers:
            r.close()


ROTATED = "journal rotated"  # a daily file's first mark when LineHMI ran on across midnight


def observation_gaps(
    readers: Sequence[EventSource],
    open_end: float | None = None,
    record_end: float | None = None,
    last_before: Callable[[float], float | None] | None = None,
    *,
    from_start: bool = False,
) -> list[tuple[float, float]]:
    """Stretches when LineHMI was not running: from a "journal closed" to the next "journal opened",
    and from the last evidence before a crash to the restart's "journal opened" (`last_before`:
    the record's last evidence before a time, hmi.core.record_gaps.file_last_before for files).

    Nothing was observed then, so a state tag's last value must not be held across them (sample
    and hold would guess "still running"): the analysis counts them as state unknown, and a stop
    going on when the journal closed ends there (timeline: a stop never spans a gap). A lost link
    needs nothing here: the connector journals a Bad sample for every tag when it drops.

    `open_end`: the end of a trailing gap, a "journal closed" with no later "journal opened" (the
    end of the record: everything after it is not recorded); None = no trailing gap (the live
    tracker, whose own journal is open). `record_end`: the record's last evidence
    (`last_record_ts`): a record that ends without "journal closed" (LineHMI crashed or was killed)
    is not recorded from there on, so the last state is not held past it either.

    `from_start`: the time before the record's first mark ("journal opened", or "journal rotated"
    where a file begins after midnight) is a gap too, (-inf, start): the production figures then never
    count what happened before LineHMI ran. A state read at start-up carries the server's source time,
    often minutes before it (qa6 N9: "P 5.9 %" at "running for 00:00": the minute before start-up
    counted as run time with no units counted in it)."""
    marks, first = _recording_marks(readers)
    gaps, closed = recording_gaps(marks, last_before)
    if from_start and first is not None:
        gaps.insert(0, (-math.inf, first))
    if closed is not None and open_end is not None and open_end > closed:
        gaps.append((closed, open_end))
    elif closed is None and record_end is not None and open_end is not None and open_end > record_end:
        gaps.append((record_end, open_end))  # no "journal closed": the record ends at its last commit
    return gaps


def _recording_marks(readers: Sequence[EventSource]) -> tuple[list[tuple[float, str]], float | None]:
    """The "journal opened"/"journal closed" marks of the sources, and their first mark."""
    marks: list[tuple[float, str]] = []
    first: float | None = None
    for r in readers:
        for ev in r.read_events(kinds=[EventKind.SYSTEM]):
            if ev.message in (OPENED, CLOSED):
                marks.append((ev.ts, ev.message))
            if ev.message == OPENED or ev.message.startswith(ROTATED):
                first = ev.ts if first is None else min(first, ev.ts)
    return marks, first


def closed_marks(readers: Sequence[EventSource]) -> frozenset[float]:
    """When LineHMI closed the record cleanly ("journal closed"): a gap that begins at one of these
    began with LineHMI stopping; any other began where the record simply ends (a copy taken while
    LineHMI ran, or a crash), see gap_flags."""
    return frozenset(ts for ts, what in _recording_marks(readers)[0] if what == CLOSED)


def reader_gaps(
    readers: Sequence[JournalReader],
    open_end: float | None = None,
    record_end: float | None = None,
    *,
    from_start: bool = False,
) -> list[tuple[float, float]]:
    """observation_gaps of journal files, crashes included (their commits say when they stopped)."""
    return observation_gaps(
        readers, open_end, record_end, file_last_before([r.conn for r in readers]), from_start=from_start
    )


def last_record_ts(conn: sqlite3.Connection) -> float | None:
    """The last recorded evidence in a journal file: its latest sample or event (the last commit).
    A record that ends without "journal closed" (a crash) ends here, not at the period's end."""
    # Audit rows are not evidence of the line: a stop classified in a review days later is appended
    # with its real time (hmi.core.review.journal_write) and must not stretch the record to it.
    hi_e = conn.execute("SELECT max(ts) FROM events WHERE kind != 'audit'").fetchone()[0]
    _lo, hi_s = source_time_span(conn)  # raw rows or compacted chunks alike
    times = [float(t) for t in (hi_e, hi_s) if isinstance(t, int | float)]
    return max(times) if times else None


# The window ends just after the last evidence so that it holds it however it was stored: the
# plant database keeps microseconds, a file the full float (a window ending at the float's next value
# lost the last counter step read from PostgreSQL: 7 bottles in test_plant_review).
RECORD_END_SLACK_S = 1e-3


def record_window(t0: float, t1: float, record_end: float) -> tuple[float, float]:
    """The one window rule of every figure over a period that a record may end inside (the shift
    report, `linehmi production summary`, the review): [t0, end), where end is the record's last
    evidence (included: its counter step counts) or t1, whichever comes first. The time after it
    is not recorded: not downtime, not held running, and the figures say so (gap_flags)."""
    return t0, min(t1, max(record_end + RECORD_END_SLACK_S, t0 + 1.0))


def gap_flags(
    setup: ProductionSetup,
    gaps: Sequence[tuple[float, float]],
    t0: float,
    t1: float,
    closed_at: Collection[float],
    link: Sequence[tuple[float, float]] = (),
) -> list[str]:
    """What the figures of [t0, t1] leave out, in time order: the stretches LineHMI was not running
    (`gaps`, observation_gaps) and those with the server link down (`link`, record_gaps.link_down:
    the connector journals a Bad sample for every tag when the link drops, so the states there are
    unknown; a state backfilled from the server's history is known from its time). `closed_at`: the
    record's "journal closed" marks (`closed_marks`): only a gap that begins at one began with
    LineHMI stopping. A `journal copy` taken while LineHMI ran ends with no such mark, and was said
    to end with "LineHMI stopped" (qa7 G38)."""
    hm = setup.calendar.to_local

    def said(a: float, b: float) -> str:
        if not math.isfinite(a):  # the record's start (observation_gaps from_start)
            return f"nothing recorded before {hm(b):%H:%M:%S} (LineHMI started then): not recorded, not in A or P"
        if b < t1:
            return (
                f"LineHMI was not running {hm(a):%H:%M:%S}-{hm(b):%H:%M:%S}: not recorded (not in A or P); "
                "units the PLC counted meanwhile are in the totals"
            )
        # A trailing gap that starts at the window's very end (record_window) is the record's end: said too.
        why = "LineHMI stopped" if a in closed_at else RECORD_ENDS_OPEN
        return f"nothing recorded after {hm(a):%H:%M:%S} ({why}): not recorded, not downtime (not in A)"

    def link_said(a: float, b: float) -> str:
        return (
            f"server link down {hm(a):%H:%M:%S}-{hm(b):%H:%M:%S} ({_secs(b - a)}): machine states not read "
            "then are not recorded (not in A or P); units the PLC counted meanwhile are in the totals"
        )

    flagged = [(a, said(a, b)) for a, b in gaps if a <= t1 and b > t0 and (math.isfinite(a) or b < t1)]
    flagged += [(a, link_said(a, b)) for a, b in link if a < t1 and b > t0]
    return [text for _a, text in sorted(flagged, key=lambda f: f[0])]


def _secs(s: float) -> str:
    return f"{s:.0f} s" if s < 90 else f"{s / 60:.1f} min"


def _with_gaps(ser: Series, gaps: Sequence[tuple[float, float]]) -> Series:
    """A Bad sample at the start of each gap: the state is unknown until the next real sample. A
    sample whose source time lies inside a gap was read when LineHMI (re)started, at the gap's end:
    it tells the state from there, not from its source time (the server's last change, often long
    before: held from then, it counted the time before start-up as running)."""
    if not gaps:
        return ser
    ts, v, ok = ser
    ts = ts.copy()
    for a, b in gaps:
        ts[(ts > a) & (ts < b)] = b
    g = np.array([a for a, _b in gaps], dtype=np.float64)
    ts2 = np.concatenate([ts, g])
    order = np.argsort(ts2, kind="stable")
    return (
        ts2[order],
        np.concatenate([v, np.full(g.shape, np.nan)])[order],
        np.concatenate([ok, np.zeros(g.shape, dtype=bool)])[order],
    )


def _gap_starts(gaps: Sequence[tuple[float, float]]) -> np.ndarray:
    return np.array(sorted(a for a, _b in gaps), dtype=np.float64)


def line_data(
    setup: ProductionSetup, series: dict[str, Series], gaps: Sequence[tuple[float, float]] = ()
) -> dict[str, MachineData]:
    """Machine data from per-tag samples (from the journal or collected live); `gaps`: stretches
    nobody observed (observation_gaps), where every state is unknown."""

    def state(tag: str) -> StateSeries:
        if tag not in series:
            return StateSeries.empty()
        return StateSeries(*_with_gaps(series[tag], gaps), unobserved=_gap_starts(gaps))

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
        return _analyse(readers, t0, t1, setup or _setup_or_error(readers), _files_end(readers))
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


def _files_end(readers: Sequence[JournalReader]) -> float | None:
    ends = [e for e in (last_record_ts(r.conn) for r in readers) if e is not None]
    return max(ends) if ends else None


def _analyse(
    readers: Sequence[JournalReader], t0: float, t1: float, setup: ProductionSetup, record_end: float | None
) -> ProductionAnalysis:
    return analyse_sources(
        readers,
        lambda st, a, b: read_tag_series(readers, st, a, b),
        t0,
        t1,
        setup,
        record_end,
        file_last_before([r.conn for r in readers]),
    )


def analyse_sources(
    events: Sequence[EventSource],
    series: SeriesReader,
    t0: float,
    t1: float,
    setup: ProductionSetup,
    record_end: float | None,
    last_before: Callable[[float], float | None] | None = None,
) -> ProductionAnalysis:
    """The production analysis of [t0, t1) from events and tag series however they are stored;
    `record_end`: the record's last evidence (nothing is held past it; None: the record is open);
    `last_before`: the record's last evidence before a time (crash gaps: observation_gaps)."""
    gaps = observation_gaps(
        events, open_end=math.inf, record_end=record_end, last_before=last_before, from_start=True
    )
    data = line_data(setup, series(setup, t0, t1), gaps)
    analysis = ProductionAnalysis.build(setup, data, t0, t1, read_edits(events), gaps=gaps)
    # Each outage is journaled at its start (its data_gap's time): one that began before t0 is read too.
    link = link_down(ev for src in events for ev in src.read_events(until=t1, kinds=[EventKind.DATA_GAP]))
    analysis.flags += gap_flags(setup, gaps, t0, t1, closed_marks(events), link)
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
    setup: ProductionSetup  # the reason tree its stops' reasons are words of

    @property
    def good(self) -> float | None:
        return self.line_oee.good

    def reason_label(self, stop: Stop) -> str:
        """A stop's reason as every screen words it (`ProductionSetup.reason_text`)."""
        return stop.reason_label(self.setup)


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
        setup=setup,
    )


def shift_summary(
    paths: Path | str | Sequence[Path | str],
    at: float | None = None,
    setup: ProductionSetup | None = None,
) -> ShiftSummary:
    """The summary of the shift running at `at` (default: the last shift with data in the files),
    read-only from the journal file(s). A shift the files end inside is summarised up to their
    last evidence (record_window: a shift still going on, LineHMI stopped or crashed)."""
    readers = [open_journal_readonly(p) for p in _as_paths(paths)]
    try:
        setup = setup or _setup_or_error(readers)
        has_samples = any(source_time_span(r.conn)[1] is not None for r in readers)
        last = _files_end(readers)
        if not has_samples or last is None:
            raise JournalError(
                f"{', '.join(str(r.path) for r in readers)}: no samples, so no shift to summarise"
            )
        shift, s0, s1 = setup.calendar.shift_at(last if at is None else at)
        if at is None and last - s0 < 60.0:  # the files end just after a shift change: the one before
            shift, s0, s1 = setup.calendar.shift_at(s0 - 1.0)
        a, b = record_window(s0, s1, last)
        return summarise(_analyse(readers, a, b, setup, last), shift.name)
    finally:
        for r in readers:
            r.close()
