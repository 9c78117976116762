"""The line at one instant of a review, for the overview faceplates during playback and scrubbing.

Each tag's value is what was recorded: its last sample at or before the instant (sample-and-hold, the
same Historian read as the trend cursor), with that sample's quality and time. An instant inside a
stretch with nothing recorded (link down, LineHMI not running: the timeline's gaps) is stale: the
faceplates show the last known values marked as such, never as if they were current. A tag with no
sample at all before the instant reads "no sample yet" (BadWaitingForInitialData, as at a live
start), never a Bad quality the journal does not hold (QA5 F27).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hmi.core.history_api import TrendHistory
from hmi.core.quality import BAD_WAITING_FOR_INITIAL_DATA
from hmi.core.review.alarm_picture import PictureRow
from hmi.core.review.timeline import Gap, Timeline
from hmi.core.samples import SampleBatch


@dataclass(frozen=True)
class LineInstant:
    t: float
    values: dict[str, tuple[float, int, float]]  # tag -> (value, status, source ts) as recorded
    gap: Gap | None  # the stretch with nothing recorded that holds t
    alarms: dict[str, list[PictureRow]]  # machine id -> its alarms not normal at t (the alarm picture)

    @property
    def stale(self) -> bool:
        return self.gap is not None

    def batch(self, index: dict[str, int]) -> SampleBatch:
        """The values as one sample batch for `LiveValues.apply` (the faceplates' own input); a tag
        never recorded before t has no sample yet, rather than keeping a value from another instant."""
        names = [n for n in self.values if n in index]
        idx = np.array([index[n] for n in names], dtype=np.int32)
        vals = np.array([self.values[n][0] for n in names], dtype=np.float64)
        status = np.array(
            [
                self.values[n][1] if math.isfinite(self.values[n][2]) else BAD_WAITING_FOR_INITIAL_DATA
                for n in names
            ],
            dtype=np.uint32,
        )
        ts = np.array([self.values[n][2] for n in names], dtype=np.float64)
        ts = np.where(np.isfinite(ts), ts, self.t)
        return SampleBatch.from_columns(idx, ts, ts, ts, vals, status)


class InstantReader:
    """Reads the line at an instant: a handful of indexed lookups per move, so scrubbing stays fast."""

    def __init__(self, historian: TrendHistory, timeline: Timeline, tags: Sequence[str]) -> None:
        self.historian = historian
        self.timeline = timeline
        self.tags = list(dict.fromkeys(tags))

    def at(self, t: float, alarms: Sequence[PictureRow] = (), also: Sequence[str] = ()) -> LineInstant:
        """`also`: more tags to read in the same lookups (the review trend's pens)."""
        by_machine: dict[str, list[PictureRow]] = {}
        for row in alarms:
            by_machine.setdefault(row.snapshot.machine, []).append(row)
        tags = list(dict.fromkeys([*self.tags, *also]))
        return LineInstant(t, self.historian.values_at(tags, t), self.timeline.gap_at(t), by_machine)

    def close(self) -> None:
        """Close the connections the reads keep open (on the calling thread)."""
        self.historian.release()
