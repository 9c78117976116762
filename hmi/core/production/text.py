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
    """12:34 (mm:ss) below an hour, 1 h 05 min above. Rounded to the nearest second, as the assistant
    and the handover say a duration (inference.assistant.tools.fmt.fmt_duration): the Stops table read
    "03:05" for the 185.9 s the assistant called "3 min 6 s" (misc11, qa10 Q10-8)."""
    s = max(0, round(seconds))
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


# The two causes of unknown state time, said apart wherever it is explained (qa6 F13: the hours
# before LineHMI ran read "state tag Bad or missing", and nothing was Bad: it was not recorded).
NOT_RECORDED_WHY = "LineHMI not running"
UNKNOWN_WHY = "state tag Bad or link lost while LineHMI ran"


NOT_RECORDED = "not recorded"


def or_unrecorded(fig: OeeFigures, text: str) -> str:
    """A figure of `fig`'s range as shown, or "not recorded" where LineHMI recorded none of the
    range: a count or a downtime of a shift nobody saw is not zero, it is not known (qa7 G35:
    "good 0 · Downtime 0.0 min" for a previous shift LineHMI never recorded). The one rule of the
    Production view, the shift report and the assistant."""
    return NOT_RECORDED if fig.nothing_recorded else text


def recorded_share(fig: OeeFigures) -> str:
    """How much of `fig`'s range was recorded: "" when all of it, "not recorded (LineHMI not
    running)" when none, else "42 min of 8 h 00 min recorded"."""
    if fig.nothing_recorded:
        return f"{NOT_RECORDED} ({NOT_RECORDED_WHY})"
    if fig.period_s - fig.seen_s < 0.5:
        return ""
    return f"{duration_words(fig.seen_s)} of {duration_words(fig.period_s)} recorded"


def unknown_part(unknown_s: float, window_s: float, unrecorded_s: float = 0.0) -> str:
    """What a figure over a window says of the time in it with the line's state unknown: "" when
    none; else how much of the window was not recorded (LineHMI not running) and how much was
    unknown while recording (state tag Bad, link lost), so a rate or an OEE is never read as if it
    covered the whole window (walkthrough: "rate 314/min · OEE 45.0 %" beside LINE UNKNOWN during a
    link outage)."""
    unrecorded_s = min(unrecorded_s, unknown_s)
    parts = []
    if unrecorded_s >= 0.5:
        whole = unrecorded_s >= window_s - 0.5
        parts.append(
            "not recorded (LineHMI not running)"
            if whole
            else f"not recorded for {duration_words(unrecorded_s)}"
        )
    rest = unknown_s - unrecorded_s
    if rest >= 0.5:
        parts.append(
            "line state unknown throughout"
            if rest >= window_s - 0.5
            else f"line state unknown for {duration_words(rest)}"
        )
    return ", ".join(parts)


def good_and_due(good: float | None, target: float, due: float, seen_s: float, unknown_s: float) -> str:
    """The strip's good count against what is due, saying over what time it is due: the planned
    time so far when the station saw all of it, else the planned time it saw (`seen_s`: nothing is
    due for time nobody saw or for breaks, hmi.core.production.oee.ProductionAnalysis.shift_target);
    then how far ahead or behind that is, and the shift's target. QA4 read "good 528 of 612,000 ·
    due 563 in the 0 min seen" at a shift's start: 28 s rounded to "0 min"; qa6 read "good 1,128 of
    1,025 due" (more good than due, as if over 100 %: the due count is the plan, not a ceiling)."""
    tail = f" · shift target {count(target)}"
    if unknown_s < 60.0:
        window = "by now"
    elif seen_s < 1.0:
        return f"good {count(good)} · nothing due yet (line state not seen this shift)" + tail
    else:
        window = f"in the {duration_words(seen_s)} seen"
    head = f"good {count(good)} · due {count(due)} {window}"
    if good is None:
        return head + tail
    diff = round(good) - round(due)
    lead = "on plan" if diff == 0 else f"{count(abs(diff))} {'ahead' if diff > 0 else 'behind'}"
    return f"{head}: {lead}" + tail


def rate_text(
    rate_per_min: float | None, ideal: float, unknown_s: float, unrecorded_s: float, window_s: float
) -> str:
    """The strip's current rate: units per minute over the recorded part of its window (at
    start-up, the seconds LineHMI has run: qa6 read "rate 5/min" 1 s after start, a count over a
    minute nobody recorded), against the ideal rate; what of the window was not known is said.
    The window is always said: qa9 Q9-3 read "rate 167/min · ideal 400/min (over the 20 s
    recorded)" at start-up and a minute later "rate 138/min · ideal 400/min", over no window."""
    rate = "—" if rate_per_min is None else f"{rate_per_min:,.0f}/min"
    part = unknown_part(max(0.0, unknown_s - unrecorded_s), window_s)
    if unrecorded_s >= 0.5:
        said = [f"over the {duration_words(window_s - unrecorded_s)} recorded", *([part] if part else [])]
    else:
        said = [*([part] if part else []), f"over the last {duration_words(window_s)}"]
    return f"rate {rate} · ideal {ideal:,.0f}/min ({', '.join(said)})"


def short_stop_note(f: OeeFigures, short: bool = False) -> str:
    """Why A can read 100 % through a stop: "" when no short stop is in the figure's range, else
    "2 short stops < 60 s counted as speed loss" (they are in P, not in A; QA5 F2); `short`: "2 short
    stops in P", for a strip too narrow for the whole note (Q11-9)."""
    n = f.short_stops
    if not n:
        return ""
    stops = f"{n} short stop{'s' if n != 1 else ''}"
    return f"{stops} in P" if short else f"{stops} < {f.short_stop_s:g} s counted as speed loss"


# What A says while all it could count is a stop going on that may still turn out short.
PENDING_NOTE = "a stop going on, under {limit:g} s so far: downtime or speed loss not known yet"
PENDING_NOTE_SHORT = "a stop going on"


def availability_text(f: OeeFigures, short: bool = False) -> str:
    """A as every screen and report shows it: "100.0 %", with the short-stop note when there is one
    ("100.0 % (2 short stops < 60 s counted as speed loss)"); "—" with why while nothing is known
    yet (OeeFigures.pending_s). `short`: the notes' short wordings."""
    if f.availability is None and f.pending_s > 0:
        return f"{pct(None)} ({PENDING_NOTE_SHORT if short else PENDING_NOTE.format(limit=f.short_stop_s)})"
    note = short_stop_note(f, short)
    return pct(f.availability) + (f" ({note})" if note else "")


def quality_text(f: OeeFigures, short: bool = False) -> str:
    """Q with what it counts: "99.7 % (5 rejects, line counters)" (`short`: "(5 rejects)"). The
    camera's verdicts (visual QC) are another figure over other units: hmi.core.qc_figures.CAMERA_VS_LINE
    (QA5 F12)."""
    if f.rejects is None:
        return pct(f.quality)
    n = f.rejects
    return f"{pct(f.quality)} ({count(n)} reject{'s' if n != 1 else ''}{'' if short else ', line counters'})"


def oee_text(f: OeeFigures, short: bool = False) -> str:
    """ "OEE 48.1 %  A 53.6 %  P 90.1 %  Q 99.7 % (5 rejects, line counters)": the line's OEE the
    same on the status strip and the Production view, with the short-stop note on A. `short`: each
    note in its short wording, for a strip too narrow for the whole one: it still says what A, P
    and Q count ("P 100.0 % (…)" did not, Q11-9)."""
    a, p, q = availability_text(f, short), performance(f, short), quality_text(f, short)
    return f"OEE {pct(f.oee)}  A {a}  P {p}  Q {q}"
