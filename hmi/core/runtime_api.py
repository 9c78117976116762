"""What a screen needs from the running line, as plain Python (no Qt).

`hmi.core.runtime.LineRuntime` implements this over OPC UA + the journal;
tests and the UI can use any object with the same shape.
"""

from __future__ import annotations

import concurrent.futures
import enum
from dataclasses import dataclass, field
from typing import Protocol

from hmi.core.alarms.model import AlarmRecord
from hmi.core.config import LineConfig
from hmi.core.events import JournalEvent
from hmi.core.samples import SampleBatch


class ConnectionState(enum.StrEnum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"


@dataclass(frozen=True, slots=True)
class TagProblem:
    """A configured tag the server refused (unknown node id, wrong type...)."""

    tag: str
    status: int  # OPC UA StatusCode from the server
    message: str


@dataclass(slots=True)
class LiveUpdate:
    """Everything that happened since the last poll, drained in one go."""

    batch: SampleBatch
    events: list[JournalEvent] = field(default_factory=list)
    state: ConnectionState = ConnectionState.DISCONNECTED
    state_detail: str = ""  # e.g. "server went away at 10:42:03; retrying every 5 s"
    problems: list[TagProblem] = field(default_factory=list)  # new problems since last poll
    dropped_batches: int = 0  # GUI fell behind and older batches were coalesced
    alarms: list[AlarmRecord] = field(default_factory=list)  # alarm records that changed, oldest first


@dataclass(frozen=True, slots=True)
class WriteResult:
    tag: str
    value: float
    ok: bool
    status: int  # OPC UA StatusCode of the write (0 = Good)
    message: str  # for the operator: "written", or why not
    event_id: int | None = None  # journal row of the operator action


class LineRuntimeApi(Protocol):
    config: LineConfig

    @property
    def state(self) -> ConnectionState: ...

    def poll(self) -> LiveUpdate:
        """Non-blocking; called from the GUI timer (20-30 Hz)."""
        ...

    def write_value(self, tag: str, value: float, user: str) -> concurrent.futures.Future[WriteResult]:
        """Validate, journal the request, write over OPC UA, journal the outcome.

        Never blocks: the future completes on the I/O thread. Validation
        errors (range, type, not writable) complete it with ok=False.
        """
        ...

    def stop(self) -> None: ...
