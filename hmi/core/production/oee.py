"""OEE per ISO 22400-2 over any range, per machine and for the line; Pareto; MTBF/MTTR.

- availability A = actual production time (APT) / planned busy time (PBT)
- effectiveness P = ideal cycle time x produced quantity / the counting machine's APT (for the
  line: the constraint's own count over its own run time, `OeeFigures.run_s`), never shown over
  100 % (`ideal_exceeded` says why)
- quality Q = good quantity / produced quantity
- OEE = A x P x Q

Per machine, PBT = running + short stops + unplanned downtime + changeover
(planned stops, planned breaks, blocked/starved time and unknown state are
outside it; blocked/starved is the loss of the machine that caused it). For
the line, hmi.core.production.line_rule: stopped while any machine is in a
stop of its own, else the constraint's (then the output machine's) waiting
time re-categorised by cause; P from the constraint's count over its own run time; Q =
the output machine's good count / (that + every machine's rejects), i.e.
every unit that left the line, good or rejected.

A figure whose denominator is zero is None ("no data"), never 0 % or 100 %.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hmi.core.production.holding import MachineNow, line_claim
from hmi.core.production.line_rule import CAUSE_NONE
from hmi.core.production.setup import OWN_STOP_CATS, Cat, ProductionSetup
from hmi.core.production.stops import Stop, StopCounts, StopEdit
from hmi.core.production.text import IDEAL_EXCEEDED, NOT_RECORDED_WHY, UNKNOWN_WHY, pct
from hmi.core.production.timeline import (
    APT_CATS,
    DOWNTIME_CATS,
    N_TIMECATS,
    PBT_CATS,
    MachineData,
    TimeCat,
    Timeline,
    build_timeline,
)

LINE = "line"
# A count over the run time above the ideal rate: P is shown as 100 % and says why. Above 100.05 %
# (what one decimal shows as over 100.0 %).
IDEAL_EXCEEDED_ABOVE = 1.0005
RATE_WINDOW_S = 60.0  # "current rate" on the status strip: units counted over the last minute


def _ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or den <= 0:
        return None
    return num / den


@dataclass(frozen=True, slots=True)
class OeeFigures:
    scope: str  # machine id or LINE
    start: float
    end: float
    times: tuple[float, ...]  # seconds per TimeCat
    produced: float | None
    good: float | None
    rejects: float | None
    ideal_rate: float  # units per minute
    flags: tuple[str, ...] = ()
    # Short stops (unplanned, shorter than the short-stop threshold) behind this range's SHORT_STOP
    # time: a speed loss in P, not downtime in A. Counted so A can say so where it is shown (QA5 F2:
    # "LINE STOPPED … stopped for 00:39" next to "A 100.0 %" with nothing saying why).
    short_stops: int = 0
    short_stop_s: float = 0.0  # the threshold those stops were shorter than
    # The run time P divides the count by: the counting machine's own actual production time (APT)
    # in the range (for a machine, its APT; for the line, the constraint's). None: the APT above.
    # The line's P once divided the constraint's count by the line's APT, and the capper fills its
    # buffer while the labeller holds the line: P read 100.6 % and 121.3 % (QA4). Count and run
    # time now come from the same machine over the same stretches (ProductionAnalysis.counted).
    run_s: float | None = None
    # The units P counts (`run_s`'s): those between the counter samples of recorded stretches.
    # None: `produced`.
    p_units: float | None = None
    # The most units one counter sample brought in them: a state change and the counter are sampled
    # apart, so the run time may end up to a sample before the last units it made; a count within
    # that of the ideal rate is not "over the ideal rate".
    p_step: float = 1.0
    # Of the range's unknown-state time, the seconds nothing was recorded (LineHMI not running,
    # before the record's start); the rest was unknown while recording (state tag Bad, link lost).
    unrecorded_s: float = 0.0
    # Seconds of the range in an unplanned stop still going on (live) and shorter than the
    # short-stop threshold so far: downtime if it lasts, a speed loss if it ends in time, not yet
    # either, so A leaves them out (`availability`). At start-up the machines' first stops were
    # downtime for a few seconds: "A 0.0 % (3 short stops < 60 s counted as speed loss)" beside
    # "all machines running", then A 100 % once they ended (qa8 Q3).
    pending_s: float = 0.0
    # The seconds of the range LineHMI recorded (between the record's gaps, planned breaks
    # included). None: not known, taken as the whole range. A range with none has no figures: its
    # zeros would say "we made nothing and lost nothing" of a shift nobody saw (qa7 G35).
    recorded_s: float | None = None

    @property
    def period_s(self) -> float:
        return self.end - self.start

    @property
    def seen_s(self) -> float:
        """The recorded seconds of the range (`recorded_s`, else all of it)."""
        return self.period_s if self.recorded_s is None else self.recorded_s

    @property
    def nothing_recorded(self) -> bool:
        return self.period_s > 0 and self.seen_s < 0.5

    def time(self, cat: TimeCat) -> float:
        return self.times[int(cat)]

    @property
    def planned_busy_s(self) -> float:
        return sum(self.times[int(c)] for c in PBT_CATS)

    @property
    def actual_production_s(self) -> float:
        return sum(self.times[int(c)] for c in APT_CATS)

    @property
    def availability(self) -> float | None:
        """A = APT / PBT over the time known to be one or the other (`pending_s` left out); None
        while nothing is known (only a stop going on, under the threshold so far): never a figure
        before it means something, as P's None before anything was counted."""
        return _ratio(self.actual_production_s, self.planned_busy_s - self.pending_s)

    @property
    def count_run_s(self) -> float:
        """The run time of the machine that counted (`run_s`)."""
        return self.actual_production_s if self.run_s is None else self.run_s

    @property
    def count_units(self) -> float | None:
        """The units P counts (`p_units`)."""
        return self.produced if self.p_units is None else self.p_units

    @property
    def performance_counted(self) -> float | None:
        """Units counted against the ideal rate over the counting machine's run time; may exceed
        1 when the ideal rate is set below what the machine does (see `ideal_exceeded`)."""
        units = self.count_units
        if units is None or not self.ideal_rate:
            return None
        return _ratio(units * 60.0 / self.ideal_rate, self.count_run_s)

    @property
    def ideal_exceeded(self) -> bool:
        """More was counted in the run time than the ideal rate allows, beyond a counter's last
        whole unit: the rated speed is wrong."""
        p = self.performance_counted
        units = self.count_units
        if p is None or p <= IDEAL_EXCEEDED_ABOVE or units is None:
            return False
        ideal = self.ideal_rate * self.count_run_s / 60.0
        # A whole-unit counter is a unit ahead of the fraction made at worst, and the run time may
        # end up to one counter sample before the units it made (`p_step`).
        return units - max(1.0, self.p_step) > ideal * IDEAL_EXCEEDED_ABOVE

    @property
    def unknown_recorded_s(self) -> float:
        """Unknown-state time while LineHMI recorded (state tag Bad or missing, link lost)."""
        return max(0.0, self.time(TimeCat.UNKNOWN) - self.unrecorded_s)

    @property
    def performance(self) -> float | None:
        """P in 0..1: a count above the ideal rate is capped at 1 and said (`ideal_exceeded`)."""
        p = self.performance_counted
        return None if p is None else min(1.0, p)

    @property
    def quality(self) -> float | None:
        if self.good is None or self.rejects is None:
            return None
        return _ratio(self.good, self.good + self.rejects)

    @property
    def oee(self) -> float | None:
        a, p, q = self.availability, self.performance, self.quality
        return a * p * q if a is not None and p is not None and q is not None else None

    @property
    def downtime_s(self) -> float:
        """Lost planned busy time: the one definition the downtime Pareto sums to (DOWNTIME_CATS)."""
        return sum(self.times[int(c)] for c in DOWNTIME_CATS)


@dataclass(frozen=True, slots=True)
class ParetoRow:
    reason: str  # code, "" = unclassified
    text: str
    category: str
    seconds: float
    count: int  # stops that contributed
    machines: tuple[str, ...]


@dataclass(slots=True)
class _ParetoAcc:
    seconds: float = 0.0
    stops: set[int] = field(default_factory=set)
    machines: set[str] = field(default_factory=set)
    category: str = "unplanned"


@dataclass(frozen=True, slots=True)
class Reliability:
    machine: str
    failures: int  # unplanned stops that were not short stops, begun in the range
    mtbf_s: float | None  # actual production time / failures
    mttr_s: float | None  # downtime of those stops / failures


@dataclass(frozen=True, slots=True)
class LineStatus:
    """What the status strip shows; every figure says what it counts and over what window."""

    at: float
    state: str  # running | stopped | planned break | changeover | planned stop | unknown
    holding_machine: str  # "" when the line runs
    holding_reason: str
    rate_per_min: float | None  # constraint's count over RATE_WINDOW_S
    ideal_rate: float
    good: float | None  # output machine's good count since the shift began
    target: float  # good units planned for the whole shift
    target_so_far: float  # and the share of it due by now, over the planned time this station saw
    shift: OeeFigures
    since_s: float  # running for / stopped for (see `state`)
    shift_name: str
    shift_start: float
    shift_end: float
    machines: tuple[MachineNow, ...] = ()  # every machine's own state now, in line order
    unknown_s: float = 0.0  # shift time so far with the line's state unknown (not seen): nothing due in it
    rate_unknown_s: float = 0.0  # seconds of the rate's window with the line's state unknown
    rate_unrecorded_s: float = 0.0  # of those, not recorded (LineHMI not running)
    seen_s: float = 0.0  # the planned time so far the due count is over (planned minus unknown)

    @property
    def rate_window_s(self) -> float:
        return RATE_WINDOW_S

    @property
    def claim(self) -> str:
        """Who holds the line and which machines are not running (hmi.core.production.holding)."""
        return line_claim(self.state, self.holding_machine, self.holding_reason, self.machines)


@dataclass(frozen=True, slots=True)
class Counted:
    """What a machine counted where its count was observed (ProductionAnalysis.counted)."""

    units: float | None  # None: the machine has no counter
    run_s: float  # its run time (APT) between those counter samples
    span_s: float  # the time between those counter samples
    max_step: float = 1.0  # the most units one of those samples brought


def recorded_stretches(gaps: Sequence[tuple[float, float]], a: float, b: float) -> list[tuple[float, float]]:
    """[a, b) less the stretches not recorded, as [lo, hi) pieces in time order."""
    out = []
    lo = a
    for x, y in sorted(gaps):
        if y <= lo or x >= b:
            continue
        if x > lo:
            out.append((lo, x))
        lo = max(lo, y)
    if lo < b:
        out.append((lo, b))
    return out


@dataclass(slots=True)
class ProductionAnalysis:
    """One analysis of [t0, t1): build once, ask for any sub-range."""

    setup: ProductionSetup
    data: dict[str, MachineData]
    timeline: Timeline
    flags: list[str] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        setup: ProductionSetup,
        data: dict[str, MachineData],
        t0: float,
        t1: float,
        edits: list[StopEdit] | None = None,
        *,
        live: bool = False,
        gaps: Sequence[tuple[float, float]] = (),
    ) -> ProductionAnalysis:
        """`gaps`: stretches not recorded (journal_io.observation_gaps), as `data` was built with."""
        tl = build_timeline(setup, data, t0, t1, edits, live=live, gaps=gaps)
        return cls(setup, data, tl, list(tl.flags))

    @property
    def t0(self) -> float:
        return self.timeline.t0

    @property
    def t1(self) -> float:
        return self.timeline.t1

    @property
    def stops(self) -> list[Stop]:
        return self.timeline.stops

    def stops_in(
        self, a: float | None = None, b: float | None = None, machine: str | None = None
    ) -> list[Stop]:
        """The stops overlapping [a, b) (of one machine, or all): the Stops table's rows, and the list
        every stop count beside it is taken from (StopCounts, A's short-stop note)."""
        a, b = self._range(a, b)
        return [
            s for s in self.stops if s.end > a and s.start < b and (machine is None or s.machine == machine)
        ]

    def unclassified(self) -> list[Stop]:
        # One definition (Stop.needs_reason): a stop wholly inside a planned break lost no planned
        # time, a short stop is a speed loss: nothing to classify.
        return [s for s in self.stops if s.needs_reason]

    def _range(self, a: float | None, b: float | None) -> tuple[float, float]:
        a = self.t0 if a is None else max(a, self.t0)
        b = self.t1 if b is None else min(b, self.t1)
        return a, max(a, b)

    def _times(self, cats: np.ndarray, a: float, b: float) -> tuple[float, ...]:
        w = self.timeline.overlap(a, b)
        return tuple(float(x) for x in np.bincount(cats, weights=w, minlength=N_TIMECATS))

    def _counter_flags(self, machines: list[str], a: float, b: float) -> list[str]:
        cal = self.setup.calendar
        out = []
        for mid in machines:
            d = self.data.get(mid)
            for tr in d.counter_tracks() if d else []:
                for ev in tr.events_in(a, b):
                    out.append(ev.describe(cal.to_local(ev.ts).strftime("%H:%M:%S")))
        return out

    def _flags(self, fig: OeeFigures, extra: list[str]) -> tuple[str, ...]:
        flags = list(extra)
        # Two causes of unknown state, said apart (qa6 F13: "state tag Bad or missing" for the hours
        # before LineHMI ran, when no tag was Bad: nothing was recorded).
        if fig.unrecorded_s > 0:
            flags.append(
                f"not recorded for {fig.unrecorded_s / 60:.1f} min ({NOT_RECORDED_WHY}): not in A or P"
            )
        if fig.unknown_recorded_s > 0:
            flags.append(
                f"state unknown for {fig.unknown_recorded_s / 60:.1f} min ({UNKNOWN_WHY}): not in A or P"
            )
        idle = fig.time(TimeCat.IDLE)
        if idle > 0:
            flags.append(f"idle {idle / 60:.1f} min with no stop found upstream or downstream")
        if fig.ideal_exceeded:
            flags.append(
                f"performance shown as 100 %: {pct(fig.performance_counted)} of the ideal rate "
                f"({fig.ideal_rate:,.0f}/min) was counted in the run time; {IDEAL_EXCEEDED}"
            )
        return tuple(flags)

    def oee(self, scope: str = LINE, a: float | None = None, b: float | None = None) -> OeeFigures:
        a, b = self._range(a, b)
        tl, setup = self.timeline, self.setup
        if scope == LINE:
            c = self.data.get(setup.constraint)
            out = self.data.get(setup.output)
            good = out.good_count(a, b) if out else None
            counting = [m.id for m in setup.machines if m.ideal_rate > 0]
            rejects_each = [self.data[m].reject_count(a, b) if m in self.data else None for m in counting]
            rejects = (
                None if any(r is None for r in rejects_each) else float(sum(r or 0.0 for r in rejects_each))
            )
            produced = c.produced(a, b) if c else None
            # P: the constraint's count over its own run time (the line's held time is in A).
            counted = self.counted(setup.constraint, a, b)
            rate = setup.machine(setup.constraint).ideal_rate
            times = self._times(tl.line_cat, a, b)
            extra = self._counter_flags(setup.ids, a, b)
        else:
            mi = tl.index(scope)
            d = self.data.get(scope)
            produced = d.produced(a, b) if d else None
            counted = self.counted(scope, a, b)
            good = d.good_count(a, b) if d else None
            rejects = d.reject_count(a, b) if d else None
            rate = setup.machines[mi].ideal_rate
            times = self._times(tl.tcat[mi], a, b)
            extra = self._counter_flags([scope], a, b)
        fig = OeeFigures(
            scope,
            a,
            b,
            times,
            produced,
            good,
            rejects,
            rate,
            run_s=counted.run_s,
            p_units=counted.units,
            p_step=counted.max_step,
            unrecorded_s=self._unrecorded_s(scope, a, b),
            pending_s=self._pending_s(scope, a, b),
            recorded_s=sum(hi - lo for lo, hi in recorded_stretches(tl.gaps, a, b)),
            short_stops=self._short_stops(scope, a, b),
            short_stop_s=setup.short_stop_s,
        )
        return dataclasses.replace(fig, flags=self._flags(fig, extra))

    def _pending_s(self, scope: str, a: float, b: float) -> float:
        """Of `scope`'s unplanned downtime in [a, b), the seconds of stops still going on and not
        yet as long as a short stop may be (OeeFigures.pending_s)."""
        tl = self.timeline
        limit = self.setup.short_stop_s
        pending = [
            i
            for i, s in enumerate(tl.stops)
            if s.ongoing and s.category == "unplanned" and s.duration < limit
        ]
        if not pending:
            return 0.0
        if scope == LINE:
            cats, causes = tl.line_cat, tl.line_cause
        else:
            mi = tl.index(scope)
            cats, causes = tl.tcat[mi], tl.cause[mi]
        sel = (cats == TimeCat.UNPLANNED) & np.isin(causes, pending)
        return float(tl.overlap(a, b)[sel].sum())

    def _unrecorded_s(self, scope: str, a: float, b: float) -> float:
        """Of `scope`'s unknown-state time in [a, b), the seconds nothing was recorded."""
        tl = self.timeline
        if not tl.gaps:
            return 0.0
        cats = tl.line_cat if scope == LINE else tl.tcat[tl.index(scope)]
        w = tl.overlap(a, b)
        return float(w[(cats == TimeCat.UNKNOWN) & tl.unrecorded].sum())

    def counted(self, machine: str, a: float, b: float) -> Counted:
        """What `machine` counted in [a, b) where the count was observed, and its run time there: in
        each recorded stretch (between the gaps, journal_io.observation_gaps) from its counter's first
        sample to its last. Units that came with the first sample after a gap (or the record's start)
        were made, in part, while nothing was recorded, and the time after the last sample is not
        counted yet: neither is in P. P near zero at "running for 00:00" (qa6 N9) was the time
        before start-up in the run time, with no units counted in it."""
        d = self.data.get(machine)
        track = (d.total or d.good) if d else None
        if d is None or track is None or d.produced(a, b) is None:
            return Counted(None, 0.0, 0.0)
        cats = self.timeline.tcat[self.timeline.index(machine)]
        units = run = span = 0.0
        step = 1.0
        for lo, hi in recorded_stretches(self.timeline.gaps, a, b):
            i = int(np.searchsorted(track.ts, lo, side="left"))
            j = int(np.searchsorted(track.ts, hi, side="left")) - 1
            if j <= i:
                continue
            x, y = float(track.ts[i]), float(track.ts[j])
            units += d.produced(np.nextafter(x, np.inf), np.nextafter(y, np.inf)) or 0.0
            run += sum(self._times(cats, x, y)[int(k)] for k in APT_CATS)
            span += y - x
            step = max(step, float(np.diff(track.cum[i : j + 1]).max()))
        return Counted(units, run, span, step)

    def _short_stops(self, scope: str, a: float, b: float) -> int:
        """The short stops in [a, b) (the line's: of every machine) as the Stops table lists them:
        each is a speed loss, not in A. qa6 N4: "A 62.0 % (1 short stop …)" above five rows "Short:
        yes": the note counted only the stops the line's short-stop time was attributed to."""
        return StopCounts.of(self.stops_in(a, b, None if scope == LINE else scope)).short

    def hours(self, a: float | None = None, b: float | None = None) -> list[tuple[float, float]]:
        """Local clock hours covering [a, b), clipped to it."""
        a, b = self._range(a, b)
        cal = self.setup.calendar
        local = cal.to_local(a).replace(minute=0, second=0, microsecond=0)
        edges = [a]
        t = local
        while True:
            t = t + _dt.timedelta(hours=1)
            ts = t.timestamp()
            if ts >= b:
                break
            if ts > edges[-1]:
                edges.append(ts)
        edges.append(b)
        return [(x, y) for x, y in itertools.pairwise(edges) if y > x]

    def hourly(self, scope: str = LINE) -> list[OeeFigures]:
        return [self.oee(scope, x, y) for x, y in self.hours()]

    def pareto(
        self, a: float | None = None, b: float | None = None, machine: str | None = None
    ) -> list[ParetoRow]:
        """Downtime by reason, longest first: the line's (attributed to the causing stop) or one
        machine's own stops. Short stops are a speed loss and planned breaks are not downtime."""
        a, b = self._range(a, b)
        tl = self.timeline
        if machine is None:
            cats, causes = tl.line_cat, tl.line_cause
        else:
            mi = tl.index(machine)
            cats, causes = tl.tcat[mi], tl.cause[mi]
        w = tl.overlap(a, b)
        # The same categories as OeeFigures.downtime_s, so the chart's rows add up to the
        # "Downtime" figure shown next to it (QA5 F21: "Downtime 0.0 min" beside "unclassified 0.4 min").
        lost = np.isin(cats, DOWNTIME_CATS) & (w > 0)
        rows: dict[str, _ParetoAcc] = {}
        for k in np.flatnonzero(lost):
            si = int(causes[k])
            stop = tl.stops[si] if si >= 0 else None
            acc = rows.setdefault(stop.reason if stop else "?", _ParetoAcc())
            acc.seconds += float(w[k])
            if stop is not None:
                acc.stops.add(si)
                acc.machines.add(stop.machine)
                acc.category = stop.category
        out = [
            ParetoRow(
                reason,
                "cause not found" if reason == "?" else self.setup.reason_text(reason),
                acc.category,
                acc.seconds,
                len(acc.stops),
                tuple(sorted(acc.machines)),
            )
            for reason, acc in rows.items()
        ]
        return sorted(out, key=lambda r: -r.seconds)

    def reliability(self, machine: str, a: float | None = None, b: float | None = None) -> Reliability:
        a, b = self._range(a, b)
        failures = [
            s
            for s in self.stops
            if s.machine == machine and s.category == "unplanned" and not s.short and a <= s.start < b
        ]
        apt = self.oee(machine, a, b).actual_production_s
        n = len(failures)
        if not n:
            return Reliability(machine, 0, None, None)
        return Reliability(machine, n, apt / n, sum(s.downtime for s in failures) / n)

    def status(self, now: float | None = None) -> LineStatus:
        """The line as the status strip shows it at the end of the analysis (live: now)."""
        setup, tl = self.setup, self.timeline
        now = self.t1 if now is None else now
        shift, s0, s1 = setup.calendar.shift_at(max(self.t0, now - 1e-6))
        fig = self.oee(LINE, s0, now)
        cat = TimeCat(int(tl.line_cat[-1]))
        cause = int(tl.line_cause[-1])
        state = {
            TimeCat.RUNNING: "running",
            TimeCat.PLANNED_BREAK: "planned break",
            TimeCat.CHANGEOVER: "changeover",
            TimeCat.PLANNED_STOP: "planned stop",
            TimeCat.UNKNOWN: "unknown",
        }.get(cat, "stopped")
        holder, why = "", ""
        if cat != TimeCat.RUNNING and cause >= 0:
            stop = tl.stops[cause]
            holder, why = stop.machine, setup.reason_text(stop.reason)
        elif cat == TimeCat.UNPLANNED and cause == CAUSE_NONE:
            holder, why = "", "cause not found"  # waiting, no stop found (hmi.core.production.line_rule)
        # Running for / stopped for / unknown for: back to the last change between running, state
        # unknown and not running. Unknown is a kind of its own: "unknown for 00:52" after a 10 s link
        # loss counted from the jam before it (QA5 F19); what the line did while unknown is not known.
        kind = np.where(tl.line_cat == TimeCat.RUNNING, 0, np.where(tl.line_cat == TimeCat.UNKNOWN, 1, 2))
        last = kind[-1]
        k = len(kind) - 1
        while k > 0 and kind[k - 1] == last:
            k -= 1
        since = now - float(tl.bounds[k])
        c = self.data.get(setup.constraint)
        rate = None
        rate_unknown = rate_unrecorded = 0.0
        if c is not None and now - self.t0 >= RATE_WINDOW_S:
            w = self.oee(LINE, now - RATE_WINDOW_S, now)
            rate_unknown, rate_unrecorded = w.time(TimeCat.UNKNOWN), w.unrecorded_s
            # Units counted in the recorded part of the window, over that part (at start-up: the
            # seconds LineHMI has run, not a minute): never a count spread over time nobody saw.
            n = self.counted(setup.constraint, now - RATE_WINDOW_S, now).units
            recorded = RATE_WINDOW_S - rate_unrecorded
            # With the state unknown all the window long, a count says nothing of the rate now.
            known = rate_unknown < RATE_WINDOW_S - 0.5 and recorded >= 1.0
            rate = None if n is None or not known else n * 60.0 / recorded
        ideal = setup.machine(setup.constraint).ideal_rate
        unknown = fig.time(TimeCat.UNKNOWN)
        target, due, seen = self.shift_target(s0, s1, now, unknown)
        machines = []
        for mi, mid in enumerate(setup.ids):
            now_cat = Cat(int(tl.state[mi, -1]))
            si = int(tl.cause[mi, -1])
            in_own_stop = now_cat in OWN_STOP_CATS and si >= 0 and tl.stops[si].machine == mid
            code_now = tl.stops[si].reason if in_own_stop else ""
            why_now = setup.reason_text(code_now) if in_own_stop else ""
            began = tl.stops[si].start if in_own_stop else float("nan")
            machines.append(MachineNow(mid, now_cat, why_now, code_now, began))
        return LineStatus(
            now,
            state,
            holder,
            why,
            rate,
            ideal,
            fig.good,
            target,
            due,
            fig,
            since,
            shift.name,
            s0,
            s1,
            tuple(machines),
            unknown,
            rate_unknown,
            rate_unrecorded,
            seen,
        )

    def shift_target(
        self, s0: float, s1: float, now: float, unknown_s: float = 0.0
    ) -> tuple[float, float, float]:
        """Good units planned for the shift [s0, s1), the share due by `now` (by planned time), and
        the planned time so far that share is over (the one window the strip names beside it).

        `unknown_s`: planned time so far in which the line's state is unknown (this station was not
        running, or the state tag was Bad). Nothing is due for it: the good count cannot include
        what nobody saw, so a due-now over it would show the line hours behind after a start.
        Breaks are not planned time (qa6 N2: "due in the 30 min seen" 8 s after start-up named the
        time elapsed less the unknown time, a break in the shift's past included)."""
        setup = self.setup
        brk = setup.calendar.breaks_between(s0, s1)
        planned = (s1 - s0) - sum(b - a for a, b, _ in brk)
        planned_by_now = (min(now, s1) - s0) - sum(max(0.0, min(b, now) - a) for a, b, _ in brk)
        planned_by_now = max(0.0, planned_by_now - unknown_s)
        if setup.shift_target > 0:
            total = float(setup.shift_target)
        else:
            total = round(setup.machine(setup.constraint).ideal_rate * planned / 60.0 * setup.target_oee)
        return total, total * (planned_by_now / planned if planned > 0 else 0.0), planned_by_now
