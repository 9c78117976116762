"""How production figures read, in the CLI, the screens and the reports alike (one home)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hmi.core.production.oee import OeeFigures


def pct(x: float | None) -> str:
    """A ratio as a percentage with one decimal, or "—" when there was nothing to divide by."""
    return "—" if x is None else f"{x * 100:.1f} %"


# What a performance capped at 100 % says (hmi.core.production.oee.OeeFigures.ideal_exceeded).
IDEAL_EXCEEDED = "ideal rate exceeded: check the rated speed"


def performance(fig: OeeFigures, short: bool = False) -> str:
    """P as every screen, the report and the CLI show it: never over 100 %; capped, it says why
    ("100.0 % (ideal rate exceeded: check the rated speed)"; `short`: for a table cell)."""
    if not fig.ideal_exceeded:
        return pct(fig.performance)
    return f"{pct(fig.performance)} ({'over the ideal rate' if short else IDEAL_EXCEEDED})"


def minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f} min"


def clock_duration(seconds: float) -> str:
    """12:34 (mm:ss) below an hour, 1 h 05 min above."""
    s = max(0, int(seconds))
    if s < 3600:
        return f"{s // 60:02d}:{s % 60:02d}"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def count(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f}"


def duration_words(seconds: float) -> str:
    """A stretch of time as a supervisor reads it: "28 s", "12 min", "1 h 38 min" (rounded down;
    never "0 min" for 28 s, which the strip once said beside a due count over it)."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def unknown_part(unknown_s: float, window_s: float) -> str:
    """What a figure over a window says of the time in it with the line's state unknown (state tag
    Bad, link lost, LineHMI not running): "" when none; else how much of the window it was, so a
    rate or an OEE is never read as if it covered the whole window (walkthrough: "rate 314/min ·
    OEE 45.0 %" beside LINE UNKNOWN during a link outage)."""
    if unknown_s < 0.5:
        return ""
    if unknown_s >= window_s - 0.5:
        return "line state unknown throughout"
    return f"line state unknown for {duration_words(unknown_s)}"


def good_and_due(good: float | None, target: float, due: float, seen_s: float, unknown_s: float) -> str:
    """The strip's good count against what is due, saying over what time it is due: the planned
    time so far when the station saw all of it, else the time it saw (nothing is due for time
    nobody saw: hmi.core.production.oee.ProductionAnalysis.shift_target); then the shift's target.
    QA4 read "good 528 of 612,000 · due 563 in the 0 min seen" at a shift's start: 28 s rounded
    to "0 min" beside a count due over them, and the target where the due count is expected."""
    tail = f" · shift target {count(target)}"
    if unknown_s < 60.0:
        return f"good {count(good)} of {count(due)} due by now" + tail
    if seen_s < 1.0:
        return f"good {count(good)} · nothing due yet (line state not seen this shift)" + tail
    return f"good {count(good)} of {count(due)} due in the {duration_words(seen_s)} seen" + tail


def short_stop_note(f: OeeFigures) -> str:
    """Why A can read 100 % through a stop: "" when no short stop is in the figure's range, else
    "2 short stops < 60 s counted as speed loss" (they are in P, not in A; QA5 F2)."""
    n = f.short_stops
    if not n:
        return ""
    return f"{n} short stop{'s' if n != 1 else ''} < {f.short_stop_s:g} s counted as speed loss"


def availability_text(f: OeeFigures) -> str:
    """A as every screen and report shows it: "100.0 %", with the short-stop note when there is one
    ("100.0 % (2 short stops < 60 s counted as speed loss)")."""
    note = short_stop_note(f)
    return pct(f.availability) + (f" ({note})" if note else "")


def quality_text(f: OeeFigures) -> str:
    """Q with what it counts: "99.7 % (5 rejects, line counters)". The camera's verdicts (visual QC)
    are another figure over other units: hmi.core.qc_figures.CAMERA_VS_LINE (QA5 F12)."""
    if f.rejects is None:
        return pct(f.quality)
    n = f.rejects
    return f"{pct(f.quality)} ({count(n)} reject{'s' if n != 1 else ''}, line counters)"


def oee_text(f: OeeFigures) -> str:
    """ "OEE 48.1 %  A 53.6 %  P 90.1 %  Q 99.7 % (5 rejects, line counters)": the line's OEE the
    same on the status strip and the Production view, with the short-stop note on A."""
    return f"OEE {pct(f.oee)}  A {availability_text(f)}  P {performance(f)}  Q {quality_text(f)}"
