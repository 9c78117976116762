"""The time categories of ISO 22400-2 a second of a machine (or of the line) falls in."""

from __future__ import annotations

import enum


class TimeCat(enum.IntEnum):
    RUNNING = 0
    SHORT_STOP = 1  # in actual production time: a speed loss
    UNPLANNED = 2
    CHANGEOVER = 3
    PLANNED_STOP = 4
    PLANNED_BREAK = 5
    BLOCKED = 6  # waiting for a downstream machine: that machine's loss
    STARVED = 7  # waiting for an upstream machine: that machine's loss
    IDLE = 8  # waiting, no stop found that explains it (flagged)
    UNKNOWN = 9  # state tag Bad or missing: its own category, never guessed

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    TimeCat.RUNNING: "running",
    TimeCat.SHORT_STOP: "short stops",
    TimeCat.UNPLANNED: "unplanned downtime",
    TimeCat.CHANGEOVER: "changeover",
    TimeCat.PLANNED_STOP: "planned stops",
    TimeCat.PLANNED_BREAK: "planned breaks",
    TimeCat.BLOCKED: "blocked",
    TimeCat.STARVED: "starved",
    TimeCat.IDLE: "idle, cause not found",
    TimeCat.UNKNOWN: "state unknown",
}
N_TIMECATS = len(TimeCat)
# ISO 22400-2: planned busy time and actual production time, per machine. Blocked/starved time
# is not in a machine's own planned busy time: it is the loss of the machine that caused it,
# and it is counted there in the line's figures.
PBT_CATS = (TimeCat.RUNNING, TimeCat.SHORT_STOP, TimeCat.UNPLANNED, TimeCat.CHANGEOVER)
APT_CATS = (TimeCat.RUNNING, TimeCat.SHORT_STOP)
# Downtime: planned busy time lost to stops (ISO 22400-2: PBT - APT). Planned stops and breaks are
# outside planned busy time, and short stops are a speed loss: neither is downtime. The one list
# every downtime figure and the downtime Pareto use.
DOWNTIME_CATS = (TimeCat.UNPLANNED, TimeCat.CHANGEOVER)
