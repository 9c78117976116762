"""What a trend's pen table reads at an instant, as text (no Qt).

`CursorValue` is the value of one pen at one instant: the held sample (the last
one at or before it), or, over min/max buckets, the bucket's last value marked
inexact until the exact look-up is back. `readout_row` turns it into the
pen table's cells; `readout_instant` decides which instant the table shows, so
that a live trend never keeps showing a cursor that has scrolled away.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from hmi.core.quality import BAD_DATA_LOST, BAD_NO_DATA, is_backfilled, is_gap_status, status_name
from hmi.core.quality import quality_array as severity
from hmi.core.tag_info import TagInfo


@dataclass
class CursorValue:
    """What the cursor reads for one pen."""

    value: float
    status: int
    ts: float  # time of the sample the value comes from (NaN: none)
    exact: bool = True  # False: from a min/max bucket, an exact look-up is on its way
    vmin: float = math.nan
    vmax: float = math.nan


@dataclass(frozen=True, slots=True)
class ReadoutRow:
    """The pen table's cells of one pen: value text, quality text and level, sample time."""

    value: str
    quality: str
    level: int  # 0 good, 1 uncertain, 2 bad, 3 no data/connection
    when: str

    def cells(self) -> tuple[str, str, int, str]:
        return (self.value, self.quality, self.level, self.when)


def quality_text(status: int, ts: float) -> tuple[str, int]:
    """(text, level) for the pen table: 0 good, 1 uncertain, 2 bad, 3 no data/connection."""
    if not math.isfinite(ts):
        return "No data", 3
    sev = int(severity(np.array([status], dtype=np.uint32))[0])
    bf = " (backfilled)" if is_backfilled(status) else ""
    code = int(status) & 0xFFFF0000
    if sev >= 2:
        if code in (BAD_NO_DATA, BAD_DATA_LOST):
            return "No data (gap)", 3
        if bool(is_gap_status(np.array([status], dtype=np.uint32))[0]):
            return "No connection", 3
        return f"Bad: {status_name(status)}", 2
    if sev == 1:
        name = status_name(status)
        return ("Uncertain" if name == "Uncertain" else f"Uncertain: {name}") + bf, 1
    return "Good" + bf, 0


def format_value(info: TagInfo, v: float) -> str:
    """The tag's display rule (hmi.core.tag_info), the same as the tag table and the alarm messages."""
    return info.format(v)


def format_time(ts: float) -> str:
    if not math.isfinite(ts):
        return ""
    lt = time.localtime(ts)
    return time.strftime("%Y-%m-%d %H:%M:%S", lt) + f".{int((ts % 1) * 1000):03d}"


def readout_row(info: TagInfo, cv: CursorValue) -> ReadoutRow:
    q, level = quality_text(cv.status, cv.ts)
    text = format_value(info, cv.value) if level < 2 else "—"
    when = format_time(cv.ts)
    if not cv.exact:
        text = "≈" + text  # from a pixel's min/max bucket until the exact look-up is back
        if math.isfinite(cv.vmin) and math.isfinite(cv.vmax):
            when += f"\nthis pixel: {format_value(info, cv.vmin)} … {format_value(info, cv.vmax)}"
    return ReadoutRow(text, q, level, when)


@dataclass(frozen=True, slots=True)
class ReadoutInstant:
    """The instant the pen table reads and how its heading names it."""

    t: float
    at_cursor: bool
    heading: str


def readout_instant(
    *, live: bool, now: float, view: tuple[float, float], cursor_t: float | None
) -> ReadoutInstant:
    """The cursor's instant while the cursor is shown inside the view; else now (live) or the
    view's right edge (paused). A live view scrolls: a cursor left behind off the left edge
    would otherwise keep the table on values that are minutes old while the plot shows now.
    Never an instant after `now`: a paused view reaching past now (a range typed in) reads at now,
    and a cursor put past now is not a reading ("Value at" 44 s in the future, qa9 Q9-15)."""
    v0, v1 = view
    v1 = min(v1, now)
    if cursor_t is not None and math.isfinite(cursor_t) and v0 <= cursor_t <= v1:
        return ReadoutInstant(
            cursor_t, True, "Value at " + time.strftime("%H:%M:%S", time.localtime(cursor_t))
        )
    if live:
        return ReadoutInstant(now, False, "Value now")
    return ReadoutInstant(v1, False, "Value at " + time.strftime("%H:%M:%S", time.localtime(v1)))
