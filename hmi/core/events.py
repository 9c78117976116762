"""Journal events: everything that is not a sample (connection changes, machine
state changes, operator actions, config changes). Events are committed one by
one, immediately, because an operator action must be on disk before the screen
says it happened."""

from __future__ import annotations

import enum
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


class EventKind(enum.StrEnum):
    CONNECTION = "connection"  # connector state changes, with the reason
    MACHINE_STATE = "machine_state"  # a machine's state tag changed (running -> faulted ...)
    OPERATOR_ACTION = "operator_action"  # setpoint writes, acks...: who, what, result
    CONFIG = "config"  # config loaded/changed, bad-configured tags
    DATA_GAP = "data_gap"  # a stretch with no data for some tags (disconnection)
    SYSTEM = "system"  # start/stop of the app, journal rotation
    ALARM = "alarm"  # ISA-18.2 alarm state transitions (hmi.core.alarms)
    AUDIT = "audit"  # log-in/out, role changes, refused actions (who tried what)
    ADVISORY = "advisory"  # model predictions (fault risk, RUL): never alarms, never in alarm KPIs
    QC = "qc"  # visual quality-control verdicts on product images (defects, with the image path)
    PRODUCTION = "production"  # the production model's snapshot (hmi.core.production): files analysable alone


class Severity(enum.IntEnum):
    INFO = 0
    WARNING = 1
    ERROR = 2


@dataclass(frozen=True, slots=True)
class JournalEvent:
    kind: EventKind
    message: str
    source: str = ""  # tag, machine or component the event is about
    user: str = ""
    severity: Severity = Severity.INFO
    data: dict[str, Any] = field(default_factory=dict)
    ts: float = field(default_factory=time.time)


class EventReader(Protocol):
    """Reads events back in time order (hmi.core.journal.Journal, the alarm engine's MemoryJournal)."""

    def read_events(
        self,
        since: float | None = None,
        until: float | None = None,
        kinds: Iterable[EventKind | str] | None = None,
    ) -> Sequence[JournalEvent]: ...
