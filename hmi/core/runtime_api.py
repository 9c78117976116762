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
    # When the link to the server was lost (None while connected, and before the first connection):
    # the one instant of the outage, which every screen names ("last known at", "for 12 s").
    link_lost_at: float | None = None


@dataclass(frozen=True, slots=True)
class WriteResult:
    tag: str
    value: float
    ok: bool
    status: int  # OPC UA StatusCode of the write (0 = Good)
    message: str  # for the operator: "written", or why not
    event_id: int | None = None  # journal row of the operator action


@dataclass(frozen=True, slots=True)
class LineLinkStatus:
    """The line's shared operator state as this station has it (connectors/plant/line_sync.py)."""

    online: bool | None  # None: not connected yet
    pending: int  # actions made here while offline, not merged into the line's state yet
    problem: str = ""  # why it is offline

    def text(self) -> str:
        if self.online is None:
            return "plant link connecting" + (
                f" — actions kept locally ({self.pending})" if self.pending else ""
            )
        if self.online:
            return "plant link up — line state shared"
        return f"plant link offline — actions kept locally ({self.pending})"


@dataclass(frozen=True, slots=True)
class PlantStatus:
    """What the status bar shows of the plant historian: the forwarding backlog and the shared state."""

    reachable: bool | None  # the forwarder's view of the database (None: not tried yet)
    backlog_rows: int | None  # journal rows not yet confirmed by PostgreSQL (None: unknown yet)
    backlog_age_s: float | None  # age of the oldest sample not yet forwarded
    link: LineLinkStatus | None  # None: the operator state is not shared
    problem: str = ""

    @property
    def abnormal(self) -> bool:
        return self.reachable is False or (self.link is not None and self.link.online is False)

    def text(self) -> str:
        if self.backlog_rows is None:
            fwd = "historian connecting" if self.reachable is None else "historian unreachable"
        else:
            fwd = "historian unreachable, " if self.reachable is False else ""
            fwd += f"backlog {self.backlog_rows:,} rows"
            if self.backlog_age_s:
                fwd += f", oldest {_age(self.backlog_age_s)}"
        return f"plant {fwd}" if self.link is None else f"{self.link.text()} · {fwd}"


def _age(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"
