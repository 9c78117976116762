"""The values that cross from the running line to the screens (plain Python, no Qt).

The services themselves (what a screen may call) are Protocols in `hmi.ui.services`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from hmi.core.alarms.model import AlarmRecord
from hmi.core.events import JournalEvent
from hmi.core.samples import SampleBatch
from hmi.core.text_samples import TextSample


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


@dataclass(frozen=True, slots=True)
class ServerGrant:
    """What the OPC UA server granted for one tag's monitored item (it may revise the request)."""

    sampling_ms: float
    queue_size: int
    publishing_ms: float  # of the subscription the tag is in


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
    # Text values (text tags; exact digits of integers beyond 2^53), oldest first, applied after `batch`.
    texts: list[TextSample] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class WriteResult:
    tag: str
    value: float
    ok: bool
    status: int  # OPC UA StatusCode of the write (0 = Good)
    message: str  # for the operator: "written", or why not
    event_id: int | None = None  # journal row of the operator action
