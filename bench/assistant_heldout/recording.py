"""The held-out recording: a fault schedule, a seed and people unlike the dev set's.

Dev set (bench/assistant.py): filler bearing wear, capper jam, conveyor vibration dropout, labeller
glue overheat, capper motor trip, filler jam; seed 1; one operator account; stand-ins for the fault
model and the visual QC.

Held-out: a capper bearing overheat, a conveyor motor trip that starves/blocks the whole line, a
fill-pressure sensor dropout, a labeller jam that blocks the capper, a filler motor trip; seed 7;
named people (an operator and a supervisor) acknowledging with comments, changing a setpoint,
shelving an alarm with a reason and resetting a latched fault; the real fault predictor and the
real visual-QC inspector (sim camera at 4 frames/s), no stand-ins.
"""

from __future__ import annotations

from typing import Any

from hmi.core.alarms.commands import AlarmCommand, AlarmRequest

SCHEDULE = """
[[faults]]
spec = "capper:overheat@15s/3m,repair=1m"
[[faults]]
spec = "conveyor:motor_trip@95s/1m"
[[faults]]
spec = "filler:sensor_dropout:fill_pressure@110s/2m"
[[faults]]
spec = "labeller:jam@140s/2m"
[[faults]]
spec = "filler:motor_trip@190s/1m"
"""

SEED = 7
SECONDS = 240.0
TIME_FACTOR = 5.0
CAMERA_HZ = 4.0

OPERATOR = ("m.keller", "operator", "Maria Keller")
SUPERVISOR = ("j.novak", "supervisor", "Jan Novak")

ACK_CAPPER_COMMENT = "capper bearing hot, maintenance called"
ACK_CONVEYOR_COMMENT = "belt motor breaker reset by electrician"
SHELVE_REASON = "fill pressure sensor being replaced"
RESET_COMMENT = "capper restarted after inspection"
SETPOINT = ("filler.speed_sp", 300.0)


def _user(rt: Any, who: tuple[str, str, str]) -> Any:
    name, role, display = who
    u = rt.users.get(name)
    if u is None:
        u = rt.users.add(name, role, "heldout-pass-" + name, display_name=display)
    return u


def _ack(machine: str, comment: str) -> Any:
    def act(rt: Any) -> None:
        ids = [r.id for r in rt.alarms.records() if r.machine == machine and not r.acked]
        if ids:
            req = AlarmRequest(AlarmCommand.ACKNOWLEDGE, tuple(ids), comment)
            rt.alarm_action(req, _user(rt, OPERATOR)).result(10)

    return act


def _write(rt: Any) -> None:
    tag, value = SETPOINT
    rt.write_value(tag, value, _user(rt, SUPERVISOR)).result(15)


def _shelve(rt: Any) -> None:
    recs = [r for r in rt.alarms.records() if r.state.value not in ("normal", "shelved")]
    recs.sort(key=lambda r: (r.machine != "filler", r.id))
    if recs:
        req = AlarmRequest(AlarmCommand.SHELVE, (recs[0].id,), SHELVE_REASON, 600.0)
        rt.alarm_action(req, _user(rt, SUPERVISOR)).result(10)


def _reset(rt: Any) -> None:
    ids = [r.id for r in rt.alarms.records() if r.machine == "capper" and r.state.value == "latched"]
    if ids:
        req = AlarmRequest(AlarmCommand.RESET, tuple(ids), RESET_COMMENT)
        rt.alarm_action(req, _user(rt, SUPERVISOR)).result(10)


PLAN: list[tuple[float, Any]] = [
    (2.0, lambda rt: (_user(rt, OPERATOR), _user(rt, SUPERVISOR))),
    (80.0, _ack("capper", ACK_CAPPER_COMMENT)),
    (118.0, _ack("conveyor", ACK_CONVEYOR_COMMENT)),
    (128.0, _write),
    (150.0, _shelve),
    (205.0, _reset),
]
