"""The stops a reviewer may give a reason for at the cursor: the production model's stops.

One definition of a stop in the review, the one the Production view, `linehmi production`, the shift
report and the assistant use (hmi.core.production: a stop runs from the machine leaving Running until
it runs again, through Stopped, Faulted and Starting alike). The review's "Stop reason…" offered the
timeline's state bars instead ("Filler: Stopped 20:06:31 to 20:06:38" where Production said
20:06:31-20:06:43, qa7 G42). The timeline's machine-state bars are used only for files without a
production model, as the report does for them (hmi.core.review.report).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from hmi.core.journal_read import JournalError
from hmi.core.production.oee import ProductionAnalysis
from hmi.core.production.stops import Stop
from hmi.core.production.text import clock_duration
from hmi.core.review.record import ReviewRecord
from hmi.core.review.timeline import Timeline

RUNNING_STATES = ("Running", "Starting")  # the timeline's states that are no stop (no model: bars)


def _hms(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%H:%M:%S")


@dataclass(frozen=True)
class StopChoice:
    machine: str  # machine id
    name: str  # the machine's display name
    start: float
    end: float
    what: str  # the stop's reason as the Production view shows it, or the state (no model)

    def label(self) -> str:
        span = f"{_hms(self.start)} to {_hms(self.end)} ({clock_duration(self.end - self.start)})"
        return f"{self.name}: stop {span} — {self.what}"


def record_stops(record: ReviewRecord) -> ProductionAnalysis | None:
    """The production model's analysis of the whole record (the span the journal write's stops are
    found in, hmi.core.review.journal_write.file_stops), or None where the files hold no model."""
    try:
        return record.production(record.t0, record.t1 + 1e-3)
    except (JournalError, ValueError):
        return None


def stops_at(analysis: ProductionAnalysis | None, timeline: Timeline, t: float) -> list[StopChoice]:
    """Every stop going on at instant t, one per machine, in the timeline's machine order."""
    names = dict(timeline.machines)
    order = {m: k for k, (m, _n) in enumerate(timeline.machines)}
    out: list[StopChoice] = []
    if analysis is not None:
        setup = analysis.setup
        for s in analysis.stops:
            if s.start <= t < s.end or _continued(analysis, timeline, s, t):
                out.append(StopChoice(s.machine, names.get(s.machine, s.machine), s.start, s.end,
                                      s.reason_label(setup)))  # fmt: skip
        return sorted(out, key=lambda c: (order.get(c.machine, len(order)), c.start))
    for m, name in timeline.machines:
        bar = timeline.state_at(m, t)
        if bar is not None and bar.state not in RUNNING_STATES:
            out.append(
                StopChoice(m, name, bar.t0, bar.t1, bar.state + (f" ({bar.fault})" if bar.fault else ""))
            )
    return out


def no_stop_text(analysis: ProductionAnalysis | None, t: float) -> str:
    """Why there is no stop to give a reason for at instant t: the machines ran, or LineHMI was not
    recording then (the states the review shows before its start are the server's start-up readings,
    not counted in the figures: a machine shown "Stopped" there had no stop the figures list)."""
    gap = None if analysis is None else next(((a, b) for a, b in analysis.timeline.gaps if a <= t < b), None)
    if gap is None:
        return "No machine is stopped at the cursor: move the cursor into a stop first."
    a, b = gap
    if a == -math.inf:
        when = f"it began recording at {_hms(b)}"
    elif b == math.inf:
        when = f"its record ends at {_hms(a)}"
    else:
        when = f"it was not running from {_hms(a)} to {_hms(b)}"
    return (
        f"No stop to give a reason for at {_hms(t)}: LineHMI did not record stops then ({when}). A state "
        "shown there is the server's reading at start-up; a stop going on when recording began is "
        "offered from there."
    )


def _continued(analysis: ProductionAnalysis, timeline: Timeline, stop: Stop, t: float) -> bool:
    """A stop the production model begins where LineHMI began recording, offered at an instant before
    it when the review shows its machine stopped there. The first readings carry the server's source
    time, a moment before "journal opened" (qa8: 22:02:11.175 against 22:02:12.585), so the record
    starts with the machines' states while the production figures, which never count what happened
    before LineHMI ran, start at the opening: at the record's start the faceplates said "Stopped"
    and "Stop reason…" said no machine was stopped. It is the same stop: the one the figures list."""
    gap_end = next((b for a, b in analysis.timeline.gaps if a <= t < b), None)
    if gap_end is None or stop.start != gap_end:
        return False
    bar = timeline.state_at(stop.machine, t)
    return bar is not None and bar.state not in RUNNING_STATES


__all__ = ["StopChoice", "no_stop_text", "record_stops", "stops_at"]
