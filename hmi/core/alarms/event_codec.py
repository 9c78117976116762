"""Alarm events in the journal: the one module that writes and reads their `data`.

Every alarm transition is journaled as an ALARM event whose data is the alarm's
full snapshot plus what happened (``event = "transition"``); a checkpoint event
(``event = "checkpoint"``) holds the snapshots of every alarm that was not normal
at that time. The state of the alarms at any moment is therefore "the last
checkpoint, then the later transitions" (`latest_snapshots`).

Writers: the alarm engine (`AlarmSnapshot.to_data`, `transition_data`, `checkpoint_data`).
Readers: the engine's restart (`AlarmSnapshot.from_data`), alarm KPIs, the alarm
History view, the assistant's catalog and tools (`transition_of`,
`checkpoint_of`, `latest_snapshots`, `transitions`). The format is documented
in docs/alarms.md; a journal written by an older version reads with defaults
for the fields it lacks.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Protocol

from hmi.core.events import EventKind

TRANSITION = "transition"
CHECKPOINT = "checkpoint"


class TransitionCause(enum.StrEnum):
    """What made an alarm change state: a transition's `action` in the journal.

    The operator's causes are the engine operations of `commands.AlarmCommand` as the journal
    has always named them (note: out of service is "out_of_service", the limit change
    "limit_changed"); the others are the process and the engine's timers."""

    ACTIVATE = "activate"
    CLEAR = "clear"
    SUPPRESS = "suppress"  # suppressed by design (a condition in the config)
    UNSUPPRESS = "unsuppress"
    SHELVE_EXPIRED = "shelve_expired"
    ACKNOWLEDGE = "acknowledge"
    RESET = "reset"
    SHELVE = "shelve"
    UNSHELVE = "unshelve"
    OUT_OF_SERVICE = "out_of_service"
    RETURN_TO_SERVICE = "return_to_service"
    LIMIT_CHANGED = "limit_changed"


class AlarmEventLike(Protocol):
    """A journal event as stored or as written (hmi.core.events.JournalEvent, journal_read.StoredEvent)."""

    @property
    def ts(self) -> float: ...

    @property
    def kind(self) -> str: ...  # EventKind is a StrEnum

    @property
    def data(self) -> Any: ...


def _json_safe(v: float | None) -> float | None:
    """NaN/inf are not JSON; SQLite's json functions refuse them. Stored as null."""
    if v is None or not math.isfinite(v):
        return None
    return v


def _opt_float(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) else None


def _str(v: Any) -> str:
    return str(v) if v else ""


@dataclass(slots=True)
class AlarmCondition:
    """One alarm's condition: what the engine keeps at run time (its `_Rt` adds only its timers)
    and what every journaled transition carries (`AlarmSnapshot` adds the definition). The one
    list of these fields; a field added here is journaled, restored and shown."""

    active: bool = False
    acked: bool = True
    in_alarm: bool = False  # the raw process condition
    latched: bool = False
    shelved_until: float | None = None
    shelved_by: str = ""
    shelve_reason: str = ""
    suppressed: bool = False
    out_of_service: bool = False
    oos_by: str = ""
    oos_reason: str = ""
    # Why it is suppressed by design (its holding conditions, or the higher level of its tag that
    # stands): the Suppressed view's reason, journaled so a review and a restart read the same.
    suppress_reason: str = ""
    first_out: bool = False
    first_out_of: str = ""
    activated_at: float | None = None
    cleared_at: float | None = None
    acked_at: float | None = None
    acked_by: str = ""
    count: int = 0
    trigger_value: float | None = None  # the value that raised it (None: unknown)
    message: str = ""  # made at the activation (trigger value, limit, action); "" in older journals
    # When the alarm entered the state it is in (acknowledged at, returned to normal at, shelved
    # at...): the "since" every screen shows. None in older journals (their readers take the row's
    # time); the activation time read as "Acked since 20:09:18" for an ack at 20:11:01 (qa7 G3).
    state_since: float | None = None

    def condition(self) -> dict[str, Any]:
        """The condition's fields by name (to copy one alarm's condition into another holder)."""
        return {f.name: getattr(self, f.name) for f in fields(AlarmCondition)}


@dataclass(slots=True, kw_only=True)
class AlarmSnapshot(AlarmCondition):
    """Everything needed to rebuild one alarm's state (what every transition carries): the
    condition plus what the definition said when it was written."""

    alarm: str
    name: str = ""
    tag: str = ""
    machine: str = ""
    kind: str = ""  # AlarmKind value
    level: str = ""  # analog: hihi/hi/lo/lolo ("" otherwise, and in older journals)
    priority: str = ""  # Priority name, lower case ("urgent" ... "advisory")
    priority_level: int = 0  # Priority value (1 = most urgent)
    advisory: bool = False  # a model advisory: never part of the operator's alarm load
    limit: float | None = None
    state: str = "normal"  # AlarmState value

    @property
    def is_advisory(self) -> bool:
        return self.advisory or self.priority == "advisory"

    def to_data(self) -> dict[str, Any]:
        d = asdict(self)
        d["limit"] = _json_safe(self.limit)
        d["trigger_value"] = _json_safe(self.trigger_value)
        return d

    @classmethod
    def from_data(cls, d: Mapping[str, Any]) -> AlarmSnapshot:
        """Tolerant: missing or mistyped fields take their defaults (old journals, hand-edited rows)."""
        active = bool(d.get("active", False))
        return cls(
            alarm=str(d.get("alarm", "")),
            name=_str(d.get("name")) or str(d.get("alarm", "")),
            tag=_str(d.get("tag")),
            machine=_str(d.get("machine")),
            kind=_str(d.get("kind")),
            level=_str(d.get("level")),
            priority=_str(d.get("priority")).lower(),
            priority_level=int(d.get("priority_level") or 0),
            advisory=bool(d.get("advisory", False)),
            limit=_opt_float(d.get("limit")),
            state=_str(d.get("state")) or "normal",
            active=active,
            acked=bool(d.get("acked", True)),
            in_alarm=bool(d.get("in_alarm", active)),
            latched=bool(d.get("latched", False)),
            shelved_until=_opt_float(d.get("shelved_until")),
            shelved_by=_str(d.get("shelved_by")),
            shelve_reason=_str(d.get("shelve_reason")),
            suppressed=bool(d.get("suppressed", False)),
            out_of_service=bool(d.get("out_of_service", False)),
            oos_by=_str(d.get("oos_by")),
            oos_reason=_str(d.get("oos_reason")),
            suppress_reason=_str(d.get("suppress_reason")),
            first_out=bool(d.get("first_out", False)),
            first_out_of=_str(d.get("first_out_of")),
            activated_at=_opt_float(d.get("activated_at")),
            cleared_at=_opt_float(d.get("cleared_at")),
            acked_at=_opt_float(d.get("acked_at")),
            acked_by=_str(d.get("acked_by")),
            count=int(d.get("count") or 0),
            trigger_value=_opt_float(d.get("trigger_value")),
            message=_str(d.get("message")),
            state_since=_opt_float(d.get("state_since")),
        )


def raised_value(snapshot: AlarmSnapshot) -> float | None:
    """The value the alarm was raised with: its trigger value, frozen when it activated (after an
    on-delay, the furthest past the limit during the delay) and carried by every later transition of
    that activation. The value its message, the banner and the alarm list quote, and the only value
    any answer or report states for an alarm. None: not known (older journals, a NaN trigger).

    Never `AlarmTransition.value` (the tag's value when the engine acted, seconds after the trigger
    after an on-delay) nor a sample read again around the event: qa11 Q11-2, the assistant's first-out
    said 6.23 mm/s (the sample after the event) for the 6.40 mm/s of the alarm list."""
    v = snapshot.trigger_value
    return v if v is not None and math.isfinite(v) else None


@dataclass(frozen=True, slots=True)
class AlarmTransition:
    """One journaled transition: the snapshot after it, and what happened."""

    snapshot: AlarmSnapshot
    ts: float
    action: str  # a TransitionCause value (kept as text: a newer version may add causes)
    from_state: str  # AlarmState value ("" when unknown)
    to_state: str
    annunciated: bool  # raised to the operator (an activation that is not an advisory)
    # The tag's value when the engine made the transition; NOT the alarm's value (`raised_value`).
    value: float | None
    value_ts: float | None
    user: str
    comment: str
    reason: str
    data: Mapping[str, Any]  # the event's whole data (extra fields: old/new limit, ...)

    @property
    def alarm(self) -> str:
        return self.snapshot.alarm

    @property
    def note(self) -> str:
        """The operator's words: the reason, else the comment."""
        return self.reason or self.comment


def transition_data(
    snapshot: AlarmSnapshot,
    *,
    action: str,
    from_state: str,
    to_state: str,
    annunciated: bool,
    value: float | None,
    value_ts: float | None,
    user: str = "",
    comment: str = "",
    reason: str = "",
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The data of a transition event (the engine writes it; `transition_of` reads it back)."""
    data = snapshot.to_data()
    data.update(
        event=TRANSITION,
        action=str(action),  # plain text in the journal, whatever enum the writer used
        annunciated=annunciated,
        value=_json_safe(value),
        value_ts=_json_safe(value_ts),
        user=user,
        comment=comment,
        reason=reason,
        **{"from": from_state, "to": to_state},
    )
    if extra:
        data.update(extra)
    return data


def checkpoint_data(snapshots: Iterable[AlarmSnapshot]) -> dict[str, Any]:
    """The data of a checkpoint event: every alarm that is not normal."""
    return {"event": CHECKPOINT, "alarms": [s.to_data() for s in snapshots]}


def _alarm_data(ev: AlarmEventLike) -> Mapping[str, Any] | None:
    if str(ev.kind) != EventKind.ALARM.value:
        return None
    data = ev.data
    return data if isinstance(data, Mapping) else None


def transition_of(ev: AlarmEventLike) -> AlarmTransition | None:
    """The transition an ALARM event records, or None (a checkpoint, another kind, a broken row)."""
    d = _alarm_data(ev)
    if d is None or d.get("event") != TRANSITION or "alarm" not in d:
        return None
    value = d.get("value")
    return AlarmTransition(
        snapshot=AlarmSnapshot.from_data(d),
        ts=float(ev.ts),
        action=_str(d.get("action")),
        from_state=_str(d.get("from")),
        to_state=_str(d.get("to")) or _str(d.get("state")),
        annunciated=bool(d.get("annunciated")),
        value=_opt_float(value),
        value_ts=_opt_float(d.get("value_ts")),
        user=_str(d.get("user")),
        comment=_str(d.get("comment")),
        reason=_str(d.get("reason")),
        data=d,
    )


def transition_brief(ev: AlarmEventLike) -> tuple[str, str, str, str] | None:
    """(alarm id, alarm name, action, user) of a transition event, without decoding its snapshot: for
    lists of thousands of transitions (the review timeline), where `transition_of` costs too much."""
    d = _alarm_data(ev)
    if d is None or d.get("event") != TRANSITION or "alarm" not in d:
        return None
    return _str(d.get("alarm")), _str(d.get("name")), _str(d.get("action")), _str(d.get("user"))


def checkpoint_of(ev: AlarmEventLike) -> list[AlarmSnapshot] | None:
    """The snapshots an ALARM checkpoint event holds, or None when it is not a checkpoint."""
    d = _alarm_data(ev)
    if d is None or d.get("event") != CHECKPOINT:
        return None
    alarms = d.get("alarms")
    if not isinstance(alarms, list):
        return []
    return [AlarmSnapshot.from_data(s) for s in alarms if isinstance(s, Mapping) and "alarm" in s]


def transitions(events: Iterable[AlarmEventLike]) -> list[AlarmTransition]:
    """The transitions among `events`, in the order given."""
    return [t for t in (transition_of(ev) for ev in events) if t is not None]


def latest_snapshots(
    events: Iterable[AlarmEventLike], start: Mapping[str, tuple[dict[str, Any], float]] | None = None
) -> dict[str, tuple[dict[str, Any], float]]:
    """alarm id -> (snapshot data, ts) as of the last of the given events (any order in, time order
    applied): the last checkpoint, then the later transitions. The data is the event's own dict
    (a transition's has its action, user and reason too): decode it with `AlarmSnapshot.from_data`.
    `start`: the result for the events before these (a replay resumed from a stored point)."""
    snaps: dict[str, tuple[dict[str, Any], float]] = dict(start) if start else {}
    for ev in sorted(events, key=lambda e: e.ts):
        d = _alarm_data(ev)
        if d is None:
            continue
        if d.get("event") == CHECKPOINT:
            alarms = d.get("alarms")
            snaps = {
                str(s["alarm"]): (dict(s), float(ev.ts))
                for s in (alarms if isinstance(alarms, list) else [])
                if isinstance(s, Mapping) and "alarm" in s
            }
        elif d.get("event") == TRANSITION and "alarm" in d:
            snaps[str(d["alarm"])] = (dict(d), float(ev.ts))
    return snaps
