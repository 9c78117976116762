"""What an OPC UA connector tells the application besides samples and its state.

Refusals (an untrusted or changed server certificate, bad credentials, no
matching endpoint), warnings the engineer must see (a password sent
unencrypted because the config allows it, sampling revised by the server, a
namespace table that changed) travel as one typed notice each; the runtime
journals them and shows them. One notice per cause: the connector does not
repeat a notice while the cause stays the same.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class NoticeKind(enum.StrEnum):
    CERTIFICATE_UNTRUSTED = "certificate_untrusted"
    CERTIFICATE_CHANGED = "certificate_changed"
    OWN_CERTIFICATE = "own_certificate"  # created or renewed
    NO_MATCHING_ENDPOINT = "no_matching_endpoint"
    BAD_CREDENTIALS = "bad_credentials"
    INSECURE_PASSWORD = "insecure_password"
    SERVER_LIMITS = "server_limits"
    REVISED_INTERVALS = "revised_intervals"
    NAMESPACES_CHANGED = "namespaces_changed"
    TIMESTAMPS = "timestamps"  # null timestamps, clock skew


class NoticeLevel(enum.IntEnum):
    INFO = 0
    WARNING = 1
    ERROR = 2  # the connection is refused until a person acts


@dataclass(frozen=True, slots=True)
class ConnectorNotice:
    kind: NoticeKind
    level: NoticeLevel
    message: str  # for the engineer: names the thing, the cause and what to do
    data: dict[str, Any] = field(default_factory=dict)


# Notices about what the server granted (journaled as CONFIG); the others concern the
# connection itself (journaled as CONNECTION).
CONFIG_NOTICES = frozenset(
    {NoticeKind.SERVER_LIMITS, NoticeKind.REVISED_INTERVALS, NoticeKind.NAMESPACES_CHANGED}
)
