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
