"""When the line is running, and what holds it when it is not: the one rule behind the status strip,
the line's OEE and downtime, the shift report and the assistant (all read `Timeline.line_cat`).

The line once took the constraint machine's state alone. When the labeller (the output machine)
tripped, the capper ran on into its buffer for 24 s: the strip said "LINE RUNNING" for those
seconds, and the line's downtime for the trip was 24 s short of the labeller's stop (walkthrough
D-6a, D-7e). The machines are in series (`[production] order`): a line with any machine stopped is
not a running line, whatever its buffers still let the others do.

At every instant (elementary interval of the timeline), in this order:

1. Any machine in a stop of its own (planned, unplanned, changeover; a stretch with its state tag
   Bad inside such a stop) holds the line. With several, the one whose stop began first (the line's
   first-out) is the cause; the line's category is that stop's (unknown while its state is Bad).
2. Else the constraint machine, then the output machine: the first of them that is not running
   decides. Waiting time is the loss of the stop that caused it (the cause found while it waits,
   also while a buffer refills after the stop ended); with no stop found it is unplanned downtime,
   "cause not found"; next to a machine whose state is unknown, or with its own state unknown,
   the line's state is unknown.
3. Else the line is running.

Inside a planned break a line that is not running is in the planned break (the machines' own time
categories already say so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hmi.core.production.setup import ProductionSetup
from hmi.core.production.stops import Stop
from hmi.core.production.timecat import TimeCat

_WAITING = (TimeCat.BLOCKED, TimeCat.STARVED, TimeCat.IDLE)
CAUSE_NONE = -1  # no stop found
CAUSE_UNKNOWN = -2  # a neighbour's state is unknown: so is the cause


def stop_timecat(stop: Stop) -> TimeCat:
    """The time category of a stop's seconds (on its machine, and on the line while it holds it)."""
    if stop.category == "unplanned":
        return TimeCat.SHORT_STOP if stop.short else TimeCat.UNPLANNED
    return TimeCat.CHANGEOVER if stop.category == "changeover" else TimeCat.PLANNED_STOP


@dataclass(frozen=True, slots=True)
class LineTime:
    cat: np.ndarray  # (n,) TimeCat of the line per elementary interval
    cause: np.ndarray  # (n,) index of the stop holding the line, CAUSE_NONE / CAUSE_UNKNOWN
    unattributed_s: float  # seconds the line waited with no stop found (counted as unplanned)


def line_time(
    setup: ProductionSetup,
    bounds: np.ndarray,
    tcat: np.ndarray,
    cause: np.ndarray,
    stops: Sequence[Stop],
) -> LineTime:
    """The module rule over a timeline's grid: `tcat`/`cause` are the machines' own (machines x n)
    time categories and causes, `stops` the stops they index."""
    ids = setup.ids
    n = tcat.shape[1]
    ci = ids.index(setup.constraint)
    oi = ids.index(setup.output) if setup.output in ids else ci
    deciders = (ci,) if oi == ci else (ci, oi)
    own_stop_of = np.array([ids.index(s.machine) for s in stops], dtype=np.int64)
    dur = np.diff(bounds)
    cat = np.full(n, int(TimeCat.RUNNING), dtype=np.int64)
    why = np.full(n, CAUSE_NONE, dtype=np.int64)
    unattributed = 0.0
    for k in range(n):
        col = cause[:, k]
        own = [
            int(si)
            for mi, si in enumerate(col)
            if si >= 0 and own_stop_of[si] == mi  # the machine's own stop, not one it waits for
        ]
        if own:
            si = min(own, key=lambda i: (stops[i].start, int(own_stop_of[i])))
            root = int(own_stop_of[si])
            why[k] = si
            c = TimeCat(int(tcat[root, k]))
            cat[k] = c if c in (TimeCat.UNKNOWN, TimeCat.PLANNED_BREAK) else stop_timecat(stops[si])
            continue
        for mi in deciders:
            c = TimeCat(int(tcat[mi, k]))
            if c == TimeCat.RUNNING:
                continue
            si = int(col[mi])
            why[k] = si
            if c not in _WAITING:
                cat[k] = c  # unknown, planned break
            elif si == CAUSE_UNKNOWN:
                cat[k] = TimeCat.UNKNOWN
            elif si < 0:
                cat[k] = TimeCat.UNPLANNED
                unattributed += float(dur[k])
            else:
                cat[k] = stop_timecat(stops[si])  # a stop that ended: its buffer refilling
            break
    return LineTime(cat, why, unattributed)
