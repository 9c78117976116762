"""AlarmRecords built field by field, for the Qt-free tests of the alarm list and the commands."""

from __future__ import annotations

from typing import Any

from hmi.core.alarms.model import AlarmKind, AlarmRecord, AlarmState, Priority


def record(
    alarm_id: str = "a",
    state: AlarmState = AlarmState.UNACKED,
    *,
    acked: bool = False,
    kind: AlarmKind = AlarmKind.ANALOG,
    priority: Priority = Priority.LOW,
    changed_at: float = 0.0,
    **kw: Any,
) -> AlarmRecord:
    fields: dict[str, Any] = dict(
        id=alarm_id, name=alarm_id.upper(), machine="m", tag="t", kind=kind, priority=priority,
        state=state, active=state in (AlarmState.UNACKED, AlarmState.ACKED), acked=acked, in_alarm=True,
        latched=state == AlarmState.LATCHED, shelved_until=None, shelved_by="", shelve_reason="",
        suppressed=state == AlarmState.SUPPRESSED, out_of_service=state == AlarmState.OUT_OF_SERVICE,
        first_out=False, first_out_of="", value=1.0, limit=2.0, activated_at=None, cleared_at=None,
        acked_at=None, acked_by="", message=f"{alarm_id} message", trigger_value=1.0, count=1, comment="",
        changed_at=changed_at,
    )  # fmt: skip
    fields.update(kw)
    return AlarmRecord(**fields)
