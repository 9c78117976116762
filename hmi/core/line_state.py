"""One operator state per line: the actions the stations of a line share, and what each becomes on a
station that did not make it.

Alarm *evaluation* stays on each station (each reads the PLC); what operators do about alarms and stops
(acknowledge with a comment, reset, shelve with an expiry, out of service, return to service, limit
changes, stop reasons) is made on one station and applied on every other through the plant database
(connectors/plant/line_sync.py). This module is the part that needs neither the database nor a thread:

- `LineAction`: one operator action as it travels (who, where, when it was made, its database order);
- `plan_alarm_action`: what an alarm action does on a station, given that station's alarm records. The
  rules (docs/plant.md "Conflicts"):

  - acknowledge: applies to an unacknowledged alarm that was active when the action was made (within
    `settle_s`: the stations read the PLC each on their own, a few hundred ms apart); an alarm already
    acknowledged records "already acknowledged by X at T"; one that activated again after the action
    was made is not acknowledged by it; one not (yet) active here is retried for `settle_s`;
  - shelve: its expiry counts from when it was made, so it ends at the same time on every station;
    one that expired before it arrived is recorded and not applied; it applies whatever the alarm's
    acknowledgement or activity (a shelve is about the coming time), except out of service;
  - reset, unshelve, out of service, return to service: applied where the alarm is in the state
    they act on, recorded as "nothing to do" elsewhere;
  - limit change: always applied, so the last one in database order is the limit everywhere;
  - an alarm this station does not have: recorded, never applied.
"""

from __future__ import annotations

import enum
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hmi.core.alarms.commands import AlarmCommand, AlarmRequest
from hmi.core.alarms.model import AlarmRecord, AlarmState
from hmi.core.audit import Origin
from hmi.core.users import Action, Role, User

C = AlarmCommand
S = AlarmState

# How long after an acknowledgement was made an alarm's activation on another station still counts as
# the one acknowledged: the stations read the PLC independently, and their clocks differ a little.
DEFAULT_SETTLE_S = 2.0


class ActionKind(enum.StrEnum):
    ALARM = "alarm"
    STOP = "stop"


@dataclass(frozen=True, slots=True)
class StopAction:
    """A stop reason, split or note (hmi.core.production.tracker.ProductionTracker.edit's arguments)."""

    action: str  # CLASSIFY | SPLIT | NOTE
    machine: str
    stop_start: float
    kw: Mapping[str, Any] = field(default_factory=dict)  # reason, at, reason_after, note


@dataclass(frozen=True, slots=True)
class LineAction:
    """One operator action of a line's shared state."""

    action_id: str  # made on the station: merging an action twice lands it once
    station: str
    made_at: float  # the station's clock when the operator made it
    user: str
    role: Role
    alarm: AlarmRequest | None = None
    stop: StopAction | None = None
    seq: int | None = None  # the line's database order (None: not in the database yet)
    offline: bool = False  # made while the station could not reach the database, merged later

    @classmethod
    def made(
        cls,
        station: str,
        user: User | None,
        *,
        alarm: AlarmRequest | None = None,
        stop: StopAction | None = None,
        now: float | None = None,
    ) -> LineAction:
        if (alarm is None) == (stop is None):
            raise ValueError("a line action is an alarm command or a stop edit")
        return cls(
            action_id=uuid.uuid4().hex,
            station=station,
            made_at=time.time() if now is None else now,
            user=user.name if user else "",
            role=user.role if user else Role.VIEWER,
            alarm=alarm,
            stop=stop,
        )

    @property
    def kind(self) -> ActionKind:
        return ActionKind.ALARM if self.alarm is not None else ActionKind.STOP

    @property
    def origin(self) -> Origin:
        return Origin(self.station, self.made_at, self.seq)

    def as_user(self) -> User | None:
        """The operator as the receiving station checks and audits them (the role they had there)."""
        return User(self.user, self.role) if self.user else None

    def targets(self) -> set[str]:
        """What it acts on: two actions with a common target are ordered against each other."""
        if self.alarm is not None:
            return {f"alarm:{i}" for i in self.alarm.ids}
        assert self.stop is not None
        return {f"stop:{self.stop.machine}@{self.stop.stop_start:.3f}"}

    def describe(self) -> str:
        if self.alarm is not None:
            return f"{self.alarm.command.value} {', '.join(self.alarm.ids)}"
        assert self.stop is not None
        return f"{self.stop.action} {self.stop.machine} stop"

    # --- as stored in the database (one JSON payload) ---------------------------------------
    def payload(self) -> dict[str, Any]:
        if self.alarm is not None:
            a = self.alarm
            return {
                "command": a.command.value,
                "ids": list(a.ids),
                "text": a.text,
                "duration_s": a.duration_s,
                "limit": a.limit,
            }
        assert self.stop is not None
        s = self.stop
        return {"action": s.action, "machine": s.machine, "stop_start": s.stop_start, "kw": dict(s.kw)}

    @classmethod
    def from_payload(
        cls,
        kind: str,
        payload: Mapping[str, Any],
        *,
        action_id: str,
        station: str,
        made_at: float,
        user: str,
        role: int,
        seq: int | None = None,
        offline: bool = False,
    ) -> LineAction:
        """Raises ValueError/KeyError for a payload this LineHMI cannot read (the caller records it)."""
        alarm = stop = None
        if ActionKind(kind) is ActionKind.ALARM:
            alarm = AlarmRequest(
                AlarmCommand(payload["command"]),
                tuple(str(i) for i in payload["ids"]),
                str(payload.get("text") or ""),
                _opt_float(payload.get("duration_s")),
                _opt_float(payload.get("limit")),
            )
        else:
            stop = StopAction(
                str(payload["action"]),
                str(payload["machine"]),
                float(payload["stop_start"]),
                dict(payload.get("kw") or {}),
            )
        return cls(action_id, station, made_at, user, Role(role), alarm, stop, seq, offline)


def _opt_float(v: Any) -> float | None:
    return None if v is None else float(v)


@dataclass(frozen=True, slots=True)
class Note:
    """Part of an action that a station records but does not apply, and why."""

    target: str  # the alarm id, or "<machine> stop"
    action: Action
    why: str


@dataclass(frozen=True, slots=True)
class AlarmPlan:
    """What an alarm action does on one station."""

    request: AlarmRequest | None  # what to run through AlarmEngine.execute (None: nothing here)
    notes: tuple[Note, ...] = ()
    waiting: tuple[str, ...] = ()  # acknowledge: alarms not active here yet; ask again shortly


def _hms(t: float | None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t)) if t is not None else "?"


def plan_alarm_action(
    action: LineAction,
    records: Mapping[str, AlarmRecord],
    now: float,
    *,
    settle_s: float = DEFAULT_SETTLE_S,
    here: bool = False,
) -> AlarmPlan:
    """The rules of the module doc, for one alarm action on a station whose alarms are `records`.
    `here`: the action is being made on this station now (its request carries no origin)."""
    req = action.alarm
    assert req is not None
    cmd = req.command
    made = action.made_at
    apply: list[str] = []
    notes: list[Note] = []
    waiting: list[str] = []
    duration = req.duration_s

    def note(aid: str, why: str) -> None:
        notes.append(Note(aid, cmd.action, why))

    for aid in req.ids:
        r = records.get(aid)
        if r is None:
            note(aid, f"this station has no alarm {aid!r} (its line config differs)")
            continue
        match cmd:
            case C.ACKNOWLEDGE:
                activated_in_time = r.activated_at is not None and r.activated_at <= made + settle_s
                if r.state in (S.UNACKED, S.RTN_UNACKED):
                    if activated_in_time:
                        apply.append(aid)
                    else:
                        note(aid, f"it activated again at {_hms(r.activated_at)}, after this was made")
                elif r.state in (S.SHELVED, S.OUT_OF_SERVICE, S.SUPPRESSED):
                    note(aid, f"it is {r.state.label.lower()} here")
                elif activated_in_time and r.acked_at is not None:
                    who = r.acked_by or "someone"
                    note(aid, f"already acknowledged by {who} at {_hms(r.acked_at)}")
                elif now - made < settle_s:
                    waiting.append(aid)  # this station may not have seen it activate yet
                else:
                    note(aid, "it was not active here")
            case C.RESET:
                if r.state == S.LATCHED:
                    apply.append(aid)
                else:
                    note(aid, f"nothing to reset: it is {r.state.label.lower()} here")
            case C.SHELVE:
                assert duration is not None
                left = duration - (now - made)
                if left <= 0:
                    note(aid, f"the shelve made at {_hms(made)} expired at {_hms(made + duration)}")
                elif r.state == S.OUT_OF_SERVICE:
                    note(aid, "it is out of service here; return it to service first")
                else:
                    apply.append(aid)
            case C.UNSHELVE:
                if r.state == S.SHELVED:
                    apply.append(aid)
                else:
                    note(aid, f"it is not shelved here ({r.state.label.lower()})")
            case C.OUT_OF_SERVICE:
                if r.state == S.OUT_OF_SERVICE:
                    note(aid, "it is already out of service")
                else:
                    apply.append(aid)
            case C.RETURN_TO_SERVICE:
                if r.state == S.OUT_OF_SERVICE:
                    apply.append(aid)
                else:
                    note(aid, "it is not out of service here")
            case C.SET_LIMIT:
                apply.append(aid)  # the last change in database order is the limit everywhere
            case _:
                note(aid, f"{cmd.name} is not an engine operation")
    request = None
    if apply:
        if cmd == C.SHELVE:
            assert duration is not None
            duration = duration - max(0.0, now - made)  # the expiry counts from when it was made
        origin = None if here else action.origin
        request = AlarmRequest(cmd, tuple(apply), req.text, duration, req.limit, origin)
    return AlarmPlan(request, tuple(notes), tuple(waiting))
