"""The alarm figures a screen or a report shows: what each counts, over what window, and its text.

"Active 2", "8 unacknowledged at the end" and "Standing alarms at the end: 3" on one screen
read as a contradiction unless each says what it counts and when. Every place that shows one
of these figures (the banner, the KPI view, `linehmi alarms report`, the assistant) takes its
wording and its counting rule from here, so the same figure reads the same everywhere. No Qt.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from hmi.core.alarms.model import ACTIVE_STATES, AlarmState

S = AlarmState


@dataclass(frozen=True, slots=True)
class Figure:
    label: str  # short, for a banner or a table cell
    counts: str  # what it counts, for a tooltip or a report line

    def with_counts(self) -> str:
        return f"{self.label} ({self.counts})"


# States in the operator's alarm list (the banner's per-priority boxes count these).
LISTED = ACTIVE_STATES
# States whose condition is still active (an annunciated alarm, acknowledged or not).
STANDING = frozenset({S.UNACKED, S.ACKED})

IN_LIST = Figure("In the list", "alarms in alarm, or back to normal but not yet acknowledged or reset")
IN_ALARM = Figure("In alarm", "alarms whose condition is still active, acknowledged or not")
UNACKED = Figure("Unacknowledged", "alarms waiting for an acknowledgement, in alarm or back to normal")
ANNUNCIATED = Figure(
    "Alarms annunciated",
    "activations shown to the operator, re-annunciations included; shelved, suppressed and "
    "out-of-service alarms and model advisories are not counted",
)
ALARM_RATE = Figure("Alarm rate", "alarms annunciated per 10 minutes, averaged over the period")


def awaiting_ack(state: AlarmState | str, acked: bool) -> bool:
    """Counted as unacknowledged: in the alarm list and not acknowledged (as model.needs_ack)."""
    return not acked and AlarmState(state) in LISTED


def is_standing(state: AlarmState | str) -> bool:
    return AlarmState(state) in STANDING


def clock_text(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts).strftime("%H:%M")


def span_text(seconds: float) -> str:
    """A period's length, one wording for every alarm figure: "90 s", "13 min", "8.0 h". The KPI
    view's heading said "(90 s, …)" beside "2 min recorded" for the same period (qa8)."""
    s = max(0.0, seconds)
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def periods_text(n: int) -> str:
    """'1 ten-minute period', '6 ten-minute periods'."""
    return f"{n} ten-minute period{'' if n == 1 else 's'}"


def window_text(start: float, end: float) -> str:
    """'06:00–06:13 (13 min)', with the date when the period is not within one day."""
    a, b = _dt.datetime.fromtimestamp(start), _dt.datetime.fromtimestamp(end)
    span = span_text(end - start)
    if a.date() != b.date() or a.date() != _dt.date.today():
        return f"{a:%Y-%m-%d %H:%M}–{b:%Y-%m-%d %H:%M} ({span})"
    return f"{a:%H:%M}–{b:%H:%M} ({span})"


# The average alarm rate is a long-run figure: ISA-18.2 computes its KPIs over at least 30 days,
# EEMUA 191 judges the average over hours of operation. Below an hour, one alarm more or less moves
# the 10-minute average by more than the whole "~1 acceptable" target (4 alarms in 3 min read
# "13.22 ✗ over target": qa7 G43), and six 10-minute windows are the fewest in which a burst and
# the quiet time after it both count. So the average is judged only from one recorded hour on;
# the peak 10-minute rate and the flood share are judged per window, at any length.
AVERAGE_MIN_S = 3600.0


def average_too_short(recorded_s: float) -> str:
    """'' when a period of `recorded_s` recorded seconds is long enough for the average rate to be
    judged; else the note every screen shows beside the figure instead of a verdict."""
    if recorded_s >= AVERAGE_MIN_S:
        return ""
    return (
        f"too short to judge ({span_text(recorded_s)} recorded; "
        f"the average is judged from {AVERAGE_MIN_S / 3600.0:g} h)"
    )


def average_verdict(per_10min: float, recorded_s: float) -> str:
    """The average rate against ~1 acceptable / ~2 manageable: "ok", "manageable", "over target",
    or "n/a" for a period too short to be an average (`average_too_short`)."""
    if average_too_short(recorded_s):
        return "n/a"
    return "ok" if per_10min <= 1.0 else ("manageable" if per_10min <= 2.0 else "over target")


def rate_text(per_10min: float, annunciated: int, start: float, end: float, unrecorded_s: float = 0.0) -> str:
    """The alarm rate with what it counts and its window: one wording for every screen. Time in the
    window with no recording (LineHMI stopped or crashed) is not in the rate, and is said; a window
    too short to be an average says so (`average_too_short`)."""
    window = window_text(start, end)
    if unrecorded_s >= 60.0:
        window += f" less {unrecorded_s / 60.0:.0f} min not recorded"
    text = f"{per_10min:.2f} per 10 min over {window}, {annunciated} alarms annunciated"
    short = average_too_short(end - start - unrecorded_s)
    return f"{text}; {short}" if short else text
