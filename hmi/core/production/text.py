"""How production figures read, in the CLI, the screens and the reports alike (one home)."""

from __future__ import annotations


def pct(x: float | None) -> str:
    """A ratio as a percentage with one decimal, or "—" when there was nothing to divide by."""
    return "—" if x is None else f"{x * 100:.1f} %"


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


def unknown_part(unknown_s: float, window_s: float) -> str:
    """What a figure over a window says of the time in it with the line's state unknown (state tag
    Bad, link lost, LineHMI not running): "" when none; else how much of the window it was, so a
    rate or an OEE is never read as if it covered the whole window (walkthrough: "rate 314/min ·
    OEE 45.0 %" beside LINE UNKNOWN during a link outage)."""
    if unknown_s < 0.5:
        return ""
    if unknown_s >= window_s - 0.5:
        return "state unknown"
    return f"{clock_duration(unknown_s)} unknown"
