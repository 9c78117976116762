"""What a report's trend snapshot draws for one pen, Qt-free (hmi.ui.report_snapshots paints it).

The trend's own rules (hmi.core.trend_data.style_points): each value held until the next sample,
and the last one held to the record's end, never beyond it; the stretch of the drawn window outside
the record (before it starts, after it ends) is "no record", hatched and labelled (QA5 F24: the
labeller's speed and current stopped being drawn a few seconds into its stop although both stayed at
0 to the end of the record, and the time axes ran past the record's end unmarked).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hmi.core.trend_data import Intervals, Points, Styled, style_points

NO_RECORD = "no record"


@dataclass(frozen=True, slots=True)
class SnapshotPen:
    styled: Styled
    no_record: Intervals  # parts of the window outside the record


def outside_record(w0: float, w1: float, r0: float, r1: float) -> Intervals:
    """The parts of the window [w0, w1) before the record's start r0 or after its end r1."""
    parts = []
    if r0 > w0:
        parts.append((w0, min(w1, r0)))
    if r1 < w1:
        parts.append((max(w0, r1), w1))
    parts = [(a, b) for a, b in parts if b > a]
    if not parts:
        return Intervals.empty()
    return Intervals(np.array([a for a, _ in parts]), np.array([b for _, b in parts]))


def snapshot_pen(points: Points, w0: float, w1: float, r0: float, r1: float) -> SnapshotPen:
    """One pen of a snapshot over the window [w0, w1) of a record [r0, r1)."""
    return SnapshotPen(style_points(points, end_t=min(w1, r1)), outside_record(w0, w1, r0, r1))
