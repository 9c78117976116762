"""ISA-18.2 alarm engine: every state transition, timers with an injected clock, first-out,
re-annunciation policy, restart restore, role refusals; no Qt, no files."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from hmi.core.alarms import AlarmEngine, AlarmState, Priority, load_definitions
from hmi.core.alarms.persistence import MemoryJournal
from hmi.core.config import LineConfig
from hmi.core.events import EventKind
from hmi.core.quality import BAD_COMMUNICATION_ERROR, GOOD
from hmi.core.samples import SampleBatch
from hmi.core.users import PermissionDenied, Role, User

S = AlarmState
OPERATOR = User("olga", Role.OPERATOR)
SUPERVISOR = User("sam", Role.SUPERVISOR)
VIEWER = User("vic", Role.VIEWER)

STATES = {"0": "Stopped", "1": "Starting", "2": "Running", "3": "Idle", "4": "Faulted"}
FAULTS = {"0": "None", "1": "Jam"}


def make_config(alarms: list[dict[str, Any]] | None = None, extra_tags: list[dict[str, Any]] | None = None):
    tags: list[dict[str, Any]] = [
        {
            "name": "temp",
            "node_id": "ns=2;s=T",
            "machine": "filler",
            "unit": "°C",
            "alarms": {"hi": 70, "hihi": 85},
            "deadband": 1.0,
        },
        {
            "name": "level",
            "node_id": "ns=2;s=L",
            "machine": "filler",
            "alarms": {"lo": 20, "lolo": 10},
            "deadband": 0.5,
        },
        {"name": "pressure", "node_id": "ns=2;s=P", "machine": "filler", "unit": "bar"},
        {
            "name": "filler.state",
            "node_id": "ns=2;s=FS",
            "machine": "filler",
            "data_type": "enum",
            "states": STATES,
        },
        {
            "name": "capper.state",
            "node_id": "ns=2;s=CS",
            "machine": "capper",
            "data_type": "enum",
            "states": STATES,
        },
        {
            "name": "capper.fault_code",
            "node_id": "ns=2;s=CF",
            "machine": "capper",
            "data_type": "enum",
            "states": FAULTS,
        },
        {"name": "capper.temp", "node_id": "ns=2;s=CT", "machine": "capper", "alarms": {"hi": 70}},
        *(extra_tags or []),
    ]
    return LineConfig.model_validate(
        {
            "line": {"id": "t", "name": "Test line"},
            "server": {"endpoint": "opc.tcp://127.0.0.1:4840/"},
            "machines": [{"id": "filler", "name": "Filler"}, {"id": "capper", "name": "Capper"}],
            "tags": tags,
            "alarms": alarms or [],
        }
    )


class Clock:
    def __init__(self, t: float = 1_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


class Rig:
    """An engine on a fake journal and a fake clock, fed one sample at a time."""

    def __init__(
        self,
        alarms: list[dict[str, Any]] | None = None,
        journal: MemoryJournal | None = None,
        **engine_kw: Any,
    ):
        self.config = make_config(alarms)
        defs, problems = load_definitions(self.config)
        assert not problems, problems
        self.clock = Clock()
        self.journal = journal or MemoryJournal()
        self.engine = AlarmEngine(self.config, defs, self.journal, self.clock, **engine_kw)
        self.index = self.config.tag_index()
        self.changes: list[list[Any]] = []
        self.engine.alarms_changed.connect(self.changes.append)

    def feed(self, values: dict[str, float], status: int = GOOD) -> None:
        names = list(values)
        n = len(names)
        t = self.clock.t
        self.engine.process(
            SampleBatch.from_columns(
                [self.index[k] for k in names],
                [t] * n,
                [t] * n,
                [t] * n,
                [values[k] for k in names],
                [status] * n,
            )
        )

    def advance(self, s: float) -> None:
        self.clock.t += s
        self.engine.tick()

    def state(self, aid: str) -> AlarmState:
        return self.engine.record(aid).state

    def alarm_events(self, aid: str | None = None) -> list[dict[str, Any]]:
        return [
            e.data
            for e in self.journal.of_kind(EventKind.ALARM)
            if e.data.get("event") == "transition" and (aid is None or e.data["alarm"] == aid)
        ]


STARVED = {
    "id": "capper.starved",
    "type": "discrete",
    "tag": "capper.state",
    "value": "Idle",
    "priority": "low",
    "suppress_when": "filler.state != Running",
}
FAULTED = {
    "id": "filler.faulted",
    "type": "discrete",
    "tag": "filler.state",
    "value": 4,
    "priority": "high",
    "latching": True,
}
JAM = {
    "id": "capper.jam",
    "type": "discrete",
    "tag": "capper.fault_code",
    "value": "Jam",
    "priority": "medium",
}
ROC = {
    "id": "pressure.rise",
    "type": "roc",
    "tag": "pressure",
    "rate": 1.0,
    "window_s": 2.0,
    "direction": "rise",
}
QUAL = {"id": "pressure.bad", "type": "quality", "tag": "pressure", "on_delay_s": 5}


def temp_with(**kw: Any) -> dict[str, Any]:
    return {"id": "temp", "type": "analog", "tag": "temp", "hi": 70, "deadband": 1.0, **kw}


# Each case: (alarm entries, alarm id, steps). A step is (action, argument, expected state after it).
#   ("v", {tag: value}) feed good values      ("bad", tag)   feed a Bad NaN sample
#   ("t", seconds) advance the clock and tick  ("ack"|"reset"|"unshelve"|"oos"|"rts", None)
#   ("shelve", seconds)
CASES: dict[str, tuple[list[dict[str, Any]], str, list[tuple[str, Any, AlarmState]]]] = {
    "normal-unack-ack-normal": (
        [],
        "temp.hi",
        [
            ("v", {"temp": 50}, S.NORMAL),
            ("v", {"temp": 75}, S.UNACKED),
            ("ack", None, S.ACKED),
            ("v", {"temp": 60}, S.NORMAL),
        ],
    ),
    "unack-rtn_unack-ack-normal": (
        [],
        "temp.hi",
        [("v", {"temp": 75}, S.UNACKED), ("v", {"temp": 60}, S.RTN_UNACKED), ("ack", None, S.NORMAL)],
    ),
    "rtn_unack-reactivates": (
        [],
        "temp.hi",
        [("v", {"temp": 75}, S.UNACKED), ("v", {"temp": 60}, S.RTN_UNACKED), ("v", {"temp": 76}, S.UNACKED)],
    ),
    "hihi-and-hi-independent": (
        [],
        "temp.hihi",
        [("v", {"temp": 75}, S.NORMAL), ("v", {"temp": 90}, S.UNACKED), ("v", {"temp": 80}, S.RTN_UNACKED)],
    ),
    "deadband-high": (
        [],
        "temp.hi",
        [
            ("v", {"temp": 70}, S.UNACKED),
            ("v", {"temp": 69.5}, S.UNACKED),
            ("v", {"temp": 69.1}, S.UNACKED),
            ("v", {"temp": 68.9}, S.RTN_UNACKED),
        ],
    ),
    "deadband-low": (
        [],
        "level.lo",
        [
            ("v", {"level": 25}, S.NORMAL),
            ("v", {"level": 19}, S.UNACKED),
            ("v", {"level": 20.3}, S.UNACKED),
            ("v", {"level": 20.6}, S.RTN_UNACKED),
            ("v", {"level": 20}, S.UNACKED),
        ],
    ),
    "bad-value-holds": (
        [],
        "temp.hi",
        [
            ("v", {"temp": 75}, S.UNACKED),
            ("bad", "temp", S.UNACKED),
            ("v", {"temp": 60}, S.RTN_UNACKED),
            ("bad", "temp", S.RTN_UNACKED),
        ],
    ),
    "on-delay": (
        [temp_with(on_delay_s=5)],
        "temp.hi",
        [("v", {"temp": 75}, S.NORMAL), ("t", 3, S.NORMAL), ("t", 2.5, S.UNACKED)],
    ),
    "on-delay-short-excursion": (
        [temp_with(on_delay_s=5)],
        "temp.hi",
        [
            ("v", {"temp": 75}, S.NORMAL),
            ("t", 2, S.NORMAL),
            ("v", {"temp": 60}, S.NORMAL),
            ("t", 10, S.NORMAL),
        ],
    ),
    "off-delay": (
        [temp_with(off_delay_s=5)],
        "temp.hi",
        [
            ("v", {"temp": 75}, S.UNACKED),
            ("v", {"temp": 60}, S.UNACKED),
            ("t", 3, S.UNACKED),
            ("v", {"temp": 75}, S.UNACKED),
            ("v", {"temp": 60}, S.UNACKED),
            ("t", 4, S.UNACKED),
            ("t", 1.5, S.RTN_UNACKED),
        ],
    ),
    "latching-acked": (
        [FAULTED],
        "filler.faulted",
        [
            ("v", {"filler.state": 2}, S.NORMAL),
            ("v", {"filler.state": 4}, S.UNACKED),
            ("ack", None, S.ACKED),
            ("v", {"filler.state": 0}, S.LATCHED),
            ("ack", None, S.LATCHED),
            ("reset", None, S.NORMAL),
        ],
    ),
    "latching-unacked": (
        [FAULTED],
        "filler.faulted",
        [
            ("v", {"filler.state": 4}, S.UNACKED),
            ("reset", None, S.UNACKED),
            ("v", {"filler.state": 0}, S.LATCHED),
            ("ack", None, S.LATCHED),
            ("v", {"filler.state": 4}, S.UNACKED),
            ("v", {"filler.state": 2}, S.LATCHED),
            ("reset", None, S.NORMAL),
        ],
    ),
    "discrete-state-label": (
        [JAM],
        "capper.jam",
        [
            ("v", {"capper.fault_code": 0}, S.NORMAL),
            ("v", {"capper.fault_code": 1}, S.UNACKED),
            ("v", {"capper.fault_code": 0}, S.RTN_UNACKED),
            ("ack", None, S.NORMAL),
        ],
    ),
    "shelve-expiry-still-active": (
        [],
        "temp.hi",
        [
            ("v", {"temp": 75}, S.UNACKED),
            ("shelve", 60, S.SHELVED),
            ("v", {"temp": 60}, S.SHELVED),
            ("v", {"temp": 80}, S.SHELVED),
            ("t", 59, S.SHELVED),
            ("t", 2, S.UNACKED),
        ],
    ),
    # Shelving never acknowledges: an alarm shelved unacknowledged comes back waiting for its ack.
    "shelve-expiry-still-needs-ack": (
        [],
        "temp.hi",
        [
            ("v", {"temp": 75}, S.UNACKED),
            ("shelve", 60, S.SHELVED),
            ("v", {"temp": 60}, S.SHELVED),
            ("t", 61, S.RTN_UNACKED),
            ("ack", None, S.NORMAL),
        ],
    ),
    "shelve-expiry-quiet-normal": (
        [],
        "temp.hi",
        [
            ("v", {"temp": 75}, S.UNACKED),
            ("ack", None, S.ACKED),
            ("shelve", 60, S.SHELVED),
            ("v", {"temp": 60}, S.SHELVED),
            ("t", 61, S.NORMAL),
        ],
    ),
    "unshelve": (
        [],
        "temp.hi",
        [
            ("v", {"temp": 75}, S.UNACKED),
            ("ack", None, S.ACKED),
            ("shelve", 600, S.SHELVED),
            ("unshelve", None, S.UNACKED),
        ],
    ),
    "suppressed-by-design": (
        [STARVED],
        "capper.starved",
        [
            ("v", {"filler.state": 2, "capper.state": 2}, S.NORMAL),
            ("v", {"capper.state": 3}, S.UNACKED),
            # Suppression by design waits for the acknowledgement; then it hides the alarm.
            ("v", {"filler.state": 0}, S.UNACKED),
            ("ack", None, S.SUPPRESSED),
            ("v", {"capper.state": 2}, S.SUPPRESSED),
            ("v", {"capper.state": 3}, S.SUPPRESSED),
            # Released once the filler has run for the release hold (5 s by default).
            ("v", {"filler.state": 2}, S.SUPPRESSED),
            ("t", 4.9, S.SUPPRESSED),
            ("t", 0.1, S.UNACKED),
        ],
    ),
    "suppression-ends-quietly": (
        [STARVED],
        "capper.starved",
        [
            ("v", {"filler.state": 0, "capper.state": 3}, S.SUPPRESSED),
            ("v", {"filler.state": 2, "capper.state": 2}, S.SUPPRESSED),
            ("t", 5, S.NORMAL),
        ],
    ),
    "suppression-flicker-holds": (
        [STARVED],
        "capper.starved",
        [
            ("v", {"filler.state": 0, "capper.state": 3}, S.SUPPRESSED),
            ("v", {"filler.state": 2}, S.SUPPRESSED),
            ("t", 3, S.SUPPRESSED),
            ("v", {"filler.state": 0}, S.SUPPRESSED),  # back before the hold ended: one suppression
            ("v", {"filler.state": 2}, S.SUPPRESSED),
            ("t", 4, S.SUPPRESSED),
            ("t", 1, S.UNACKED),  # 5 s running without a break: released, still idle
        ],
    ),
    "suppression-released-unacked-not-reannunciated-meanwhile": (
        [STARVED],
        "capper.starved",
        [
            ("v", {"filler.state": 2, "capper.state": 3}, S.UNACKED),
            ("v", {"filler.state": 0}, S.UNACKED),  # waits for its acknowledgement
            ("v", {"capper.state": 2}, S.RTN_UNACKED),
            ("v", {"capper.state": 3}, S.RTN_UNACKED),  # suppressed: not annunciated again
            ("v", {"filler.state": 2}, S.RTN_UNACKED),
            ("t", 5, S.UNACKED),  # released while still idle: annunciated again
        ],
    ),
    "out-of-service": (
        [],
        "temp.hi",
        [
            ("v", {"temp": 75}, S.UNACKED),
            ("oos", None, S.OUT_OF_SERVICE),
            ("v", {"temp": 60}, S.OUT_OF_SERVICE),
            ("v", {"temp": 80}, S.OUT_OF_SERVICE),  # above Hi, below HiHi (which would hide the Hi)
            ("ack", None, S.OUT_OF_SERVICE),
            ("rts", None, S.UNACKED),
            ("ack", None, S.ACKED),
        ],
    ),
    "out-of-service-returns-normal": (
        [],
        "temp.hi",
        [
            ("v", {"temp": 75}, S.UNACKED),
            ("oos", None, S.OUT_OF_SERVICE),
            ("v", {"temp": 60}, S.OUT_OF_SERVICE),
            ("rts", None, S.RTN_UNACKED),  # out of service never acknowledged it
        ],
    ),
    "rate-of-change": (
        [ROC],
        "pressure.rise",
        [
            ("v", {"pressure": 10}, S.NORMAL),
            ("t", 1, S.NORMAL),
            ("v", {"pressure": 10.5}, S.NORMAL),
            ("t", 1, S.NORMAL),
            ("v", {"pressure": 11}, S.NORMAL),
            ("t", 1, S.NORMAL),
            ("v", {"pressure": 14}, S.UNACKED),
            ("t", 1, S.UNACKED),
            ("v", {"pressure": 14}, S.UNACKED),
            ("t", 1, S.UNACKED),
            ("v", {"pressure": 14}, S.RTN_UNACKED),
        ],
    ),
    "rate-of-change-step-after-flat": (
        [ROC],
        "pressure.rise",
        [("v", {"pressure": 10}, S.NORMAL), ("t", 30, S.NORMAL), ("v", {"pressure": 12.5}, S.UNACKED)],
    ),
    "bad-quality": (
        [QUAL],
        "pressure.bad",
        [
            ("v", {"pressure": 5}, S.NORMAL),
            ("bad", "pressure", S.NORMAL),
            ("t", 4, S.NORMAL),
            ("t", 1.5, S.UNACKED),
            ("v", {"pressure": 5}, S.RTN_UNACKED),
            ("ack", None, S.NORMAL),
        ],
    ),
    "bad-quality-blip-no-alarm": (
        [QUAL],
        "pressure.bad",
        [
            ("bad", "pressure", S.NORMAL),
            ("t", 2, S.NORMAL),
            ("v", {"pressure": 5}, S.NORMAL),
            ("t", 10, S.NORMAL),
        ],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_state_machine(name: str) -> None:
    alarms, aid, steps = CASES[name]
    rig = Rig(alarms)
    for n, (action, arg, want) in enumerate(steps):
        if action == "v":
            rig.feed(arg)
        elif action == "bad":
            rig.feed({arg: math.nan}, status=BAD_COMMUNICATION_ERROR)
        elif action == "t":
            rig.advance(arg)
        elif action == "ack":
            rig.engine.acknowledge(aid, OPERATOR, "seen")
        elif action == "reset":
            rig.engine.reset(aid, OPERATOR)
        elif action == "shelve":
            rig.engine.shelve(aid, SUPERVISOR, arg, "sensor being replaced")
        elif action == "unshelve":
            rig.engine.unshelve(aid, OPERATOR)
        elif action == "oos":
            rig.engine.set_out_of_service(aid, SUPERVISOR, "maintenance")
        elif action == "rts":
            rig.engine.return_to_service(aid, SUPERVISOR)
        else:
            raise AssertionError(action)
        got = rig.state(aid)
        assert got == want, f"{name} step {n} {action} {arg}: {got} != {want}"
    # Every journaled transition names its states and the alarm, and from/to chain up.
    prev = "normal"
    for d in rig.alarm_events(aid):
        assert d["from"] == prev, d
        prev = d["to"]
    assert prev == rig.state(aid).value


def test_transition_events_carry_the_details():
    rig = Rig()
    rig.feed({"temp": 75.5})
    rig.clock.t += 12
    rig.engine.acknowledge(["temp.hi"], OPERATOR, "checking the bearing")
    act, ack = rig.alarm_events("temp.hi")
    assert act["action"] == "activate" and act["from"] == "normal" and act["to"] == "unacknowledged"
    assert act["value"] == 75.5 and act["limit"] == 70 and act["priority"] == "medium"
    assert act["annunciated"] is True and act["first_out"] is False  # no trip: no first-out
    assert act["message"] == "temp Hi: 76 °C (>= 70 °C)" and act["trigger_value"] == 75.5
    assert (
        ack["action"] == "acknowledge" and ack["user"] == "olga" and ack["comment"] == "checking the bearing"
    )
    assert ack["acked_at"] - act["activated_at"] == pytest.approx(12)
    ev = next(e for e in rig.journal.of_kind(EventKind.ALARM) if e.source == "temp.hi")
    assert "Hi" in ev.message and ev.ts == act["activated_at"]
    # The UI was told, with immutable records.
    flat = [r for batch in rig.changes for r in batch]
    assert [r.state for r in flat] == [S.UNACKED, S.ACKED]
    assert flat[1].acked_by == "olga" and flat[1].message.startswith("temp Hi")


def test_multiple_samples_per_tag_in_one_batch_are_evaluated_in_order():
    rig = Rig()
    i = rig.index["temp"]
    t = rig.clock.t
    # 75 then 60 then 50 in one batch: the alarm fires and returns to normal (not missed).
    rig.engine.process(
        SampleBatch.from_columns([i, i, i], [t] * 3, [t] * 3, [t, t + 0.1, t + 0.2], [75, 60, 50], [GOOD] * 3)
    )
    assert rig.state("temp.hi") == S.RTN_UNACKED
    assert [d["action"] for d in rig.alarm_events("temp.hi")] == ["activate", "clear"]


def test_vectorised_engine_matches_sample_by_sample():
    rng = np.random.default_rng(7)
    a, b = Rig(), Rig()
    names = ["temp", "level"]
    idx = [a.index[n] for n in names]
    for step in range(200):
        k = int(rng.integers(1, 6))
        tags = rng.choice(idx, size=k)
        vals = np.where(tags == idx[0], rng.normal(70, 8, k), rng.normal(20, 6, k))
        t = 1e6 + step + np.arange(k) * 0.01
        a.engine.process(SampleBatch.from_columns(tags, t, t, t, vals, np.zeros(k)))
        for j in range(k):
            b.engine.process(
                SampleBatch.from_columns(
                    tags[j : j + 1], t[j : j + 1], t[j : j + 1], t[j : j + 1], vals[j : j + 1], [0]
                )
            )
    ra = {r.id: (r.state, r.count) for r in a.engine.records(include_normal=True)}
    rb = {r.id: (r.state, r.count) for r in b.engine.records(include_normal=True)}
    assert ra == rb
    assert sum(c for _, c in ra.values()) > 10


TRIP = dict(
    FAULTED, trip=True, name="Filler tripped", message="Filler tripped", action="reset after the repair"
)
JAM_TRIP = dict(JAM, trip=True, name="Capper jam", message="Capper jam", action="clear the chute")


def test_first_out_is_the_first_alarm_of_the_machine_within_the_lookback_before_its_trip():
    rig = Rig([TRIP, JAM_TRIP], first_out_lookback_s=60.0)
    rig.feed({"level": 5})  # filler alarms 80 s before the trip: outside the look-back
    rig.clock.t += 1
    rig.feed({"level": 30})
    rig.clock.t += 79
    rig.feed({"temp": 75.04})  # 19 s before the trip: the first-out
    rig.clock.t += 15
    rig.feed({"temp": 90})
    rig.clock.t += 4
    rig.feed({"filler.state": 4})  # the trip
    rig.clock.t += 0.5
    rig.feed({"capper.fault_code": 1})  # another machine trips with nothing before it
    recs = {r.id: r for r in rig.engine.records()}
    assert sorted(r.id for r in recs.values() if r.first_out) == ["capper.jam", "temp.hi"]
    assert recs["filler.faulted"].first_out_of == "temp.hi"
    assert recs["temp.hihi"].first_out_of == "temp.hi"
    assert not recs["level.lolo"].first_out and recs["level.lolo"].first_out_of == ""
    # The trip alarm names its first-out, with the value that triggered it, and keeps its action.
    assert recs["filler.faulted"].message == (
        "Filler tripped (first-out: temp Hi 75 °C, 19 s before) — reset after the repair"
    )
    assert recs["capper.jam"].first_out_of == "capper.jam"  # its own first-out
    assert recs["capper.jam"].message == "Capper jam — clear the chute"
    act = {d["alarm"]: d for d in rig.alarm_events() if d["action"] == "activate"}
    assert act["filler.faulted"]["first_out_of"] == "temp.hi"
    assert "first-out: temp Hi" in act["filler.faulted"]["message"]


@pytest.mark.parametrize("lookback", [5.0, 30.0, 120.0])
def test_first_out_lookback_is_configurable(lookback):
    cfg_rig = Rig([TRIP], first_out_lookback_s=lookback)
    cfg_rig.feed({"temp": 75})
    cfg_rig.clock.t += 20
    cfg_rig.feed({"filler.state": 4})
    trip = cfg_rig.engine.record("filler.faulted")
    assert trip.first_out_of == ("temp.hi" if lookback >= 20 else "filler.faulted")


def test_first_out_lookback_comes_from_the_config():
    cfg = make_config([TRIP])
    assert AlarmEngine(cfg, load_definitions(cfg)[0], MemoryJournal()).first_out_lookback_s == 60.0
    cfg = cfg.model_copy(
        update={"alarm_settings": cfg.alarm_settings.model_copy(update={"first_out_lookback_s": 5})}
    )
    assert AlarmEngine(cfg, load_definitions(cfg)[0], MemoryJournal()).first_out_lookback_s == 5.0


def test_shelves_expiring_together_are_reannunciated_gradually_most_important_first():
    alarms = [
        {
            "id": f"q{k}",
            "type": "discrete",
            "tag": "capper.state",
            "value": 4,
            "priority": "urgent" if k == 7 else "low",
        }
        for k in range(10)
    ]
    rig = Rig(alarms, reentry_burst=3, reentry_rate_per_s=0.5)
    rig.feed({"capper.state": 4})
    rig.engine.acknowledge([f"q{k}" for k in range(10)], OPERATOR)  # else they return waiting for it
    for k in range(10):
        rig.engine.shelve(f"q{k}", SUPERVISOR, 60, "known problem, fitter on the way")
    assert rig.engine.summary().shelved == 10
    rig.advance(61)
    unacked = {r.id for r in rig.engine.records() if r.state == S.UNACKED}
    assert len(unacked) == 3 and "q7" in unacked  # the urgent one first
    waiting = [r for r in rig.engine.records(include_normal=True) if r.state == S.NORMAL and r.in_alarm]
    assert len(waiting) == 7  # quietly normal while they wait for their turn
    rig.advance(2)  # 0.5/s -> one more
    assert sum(1 for r in rig.engine.records() if r.state == S.UNACKED) == 4
    rig.feed({"capper.state": 2})  # condition gone: the waiting ones are never annunciated
    rig.advance(60)
    summary = rig.engine.summary()
    assert summary.total_active == 0 and summary.rtn_unacked == 4
    reann = [d for d in rig.alarm_events() if d["action"] == "activate" and d["reentry"]]
    assert len(reann) == 4 and all(d["annunciated"] for d in reann)


def test_shelving_needs_a_reason_and_a_sane_duration():
    rig = Rig()
    with pytest.raises(ValueError, match="reason"):
        rig.engine.shelve("temp.hi", SUPERVISOR, 60, "  ")
    with pytest.raises(ValueError, match="duration"):
        rig.engine.shelve("temp.hi", SUPERVISOR, 48 * 3600, "long weekend")
    with pytest.raises(ValueError, match="reason"):
        rig.engine.set_out_of_service("temp.hi", SUPERVISOR, "")
    with pytest.raises(KeyError, match="no alarm"):
        rig.engine.acknowledge(["nope"], OPERATOR)


def test_role_refusals_are_audited_and_change_nothing():
    rig = Rig()
    rig.feed({"temp": 75})
    with pytest.raises(PermissionDenied, match="needs supervisor") as info:
        rig.engine.shelve("temp.hi", OPERATOR, 60, "nuisance")
    assert "olga" in str(info.value)
    with pytest.raises(PermissionDenied, match="needs operator"):
        rig.engine.acknowledge("temp.hi", VIEWER)
    with pytest.raises(PermissionDenied, match="nobody is logged in"):
        rig.engine.acknowledge("temp.hi", None)
    with pytest.raises(PermissionDenied):
        rig.engine.set_out_of_service("temp.hi", OPERATOR, "maintenance")
    assert rig.state("temp.hi") == S.UNACKED
    audit = rig.journal.of_kind(EventKind.AUDIT)
    assert [(e.user, e.data["action"], e.data["result"]) for e in audit] == [
        ("olga", "shelve", "refused"),
        ("vic", "acknowledge", "refused"),
        ("", "acknowledge", "refused"),
        ("olga", "out_of_service", "refused"),
    ]
    assert audit[0].source == "temp.hi" and audit[0].data["required_role"] == "supervisor"
    # Allowed actions are audited before the state change is journaled.
    rig.engine.shelve("temp.hi", SUPERVISOR, 60, "nuisance")
    kinds = [(e.kind, e.data.get("action")) for e in rig.journal.events[-2:]]
    assert kinds == [(EventKind.AUDIT, "shelve"), (EventKind.ALARM, "shelve")]
    assert rig.journal.events[-2].data["result"] == "ok"


def test_restart_restores_states_from_the_journal():
    journal = MemoryJournal()
    first = Rig([FAULTED], journal=journal)
    first.feed({"temp": 75, "level": 15, "filler.state": 4})
    first.engine.acknowledge("level.lo", OPERATOR)
    first.engine.shelve("filler.faulted", SUPERVISOR, 600, "trip being investigated")
    first.engine.set_out_of_service("temp.hihi", SUPERVISOR, "probe replaced")
    before = {r.id: r for r in first.engine.records()}

    second = Rig([FAULTED], journal=journal)
    second.clock.t = first.clock.t + 120  # two minutes of downtime
    assert second.engine.restore() == len(before)
    after = {r.id: r for r in second.engine.records()}
    assert set(after) == set(before)
    for aid, r in before.items():
        a = after[aid]
        assert (a.state, a.active, a.acked, a.shelved_until, a.activated_at, a.count) == (
            r.state,
            r.active,
            r.acked,
            r.shelved_until,
            r.activated_at,
            r.count,
        ), aid
    assert after["temp.hi"].state == S.UNACKED
    assert after["filler.faulted"].shelved_until == first.clock.t + 600
    assert second.changes and {r.id for r in second.changes[0]} == set(before)
    # Fresh data continues the story: the value is normal now -> returned to normal, still unacknowledged.
    second.feed({"temp": 50})
    assert second.state("temp.hi") == S.RTN_UNACKED
    # The shelve keeps its expiry; the trip is still there afterwards -> re-annunciated.
    second.advance(600 - 120 - 1)
    assert second.state("filler.faulted") == S.SHELVED
    second.advance(2)
    assert second.state("filler.faulted") == S.UNACKED

    # A third start restores from the newest checkpoint plus the later transitions.
    second.engine.checkpoint()
    third = Rig([FAULTED], journal=journal)
    third.clock.t = second.clock.t + 5
    third.engine.restore()
    assert {r.id: r.state for r in third.engine.records()} == {r.id: r.state for r in second.engine.records()}


def test_listener_errors_do_not_break_the_engine():
    rig = Rig()

    def boom(records: list[Any]) -> None:
        raise RuntimeError("listener bug")

    rig.engine.alarms_changed.connect(boom)
    rig.feed({"temp": 75})
    assert rig.state("temp.hi") == S.UNACKED
    rig.engine.alarms_changed.disconnect(boom)


def test_journal_failure_keeps_alarm_states():
    class Broken(MemoryJournal):
        def write_events(self, evs: Any) -> list[int]:
            raise OSError("disk full")

    rig = Rig(journal=Broken())
    rig.feed({"temp": 75})
    assert rig.state("temp.hi") == S.UNACKED and rig.engine.journal_errors == 1


def test_summary_counts_per_priority_for_the_banner():
    rig = Rig([FAULTED, STARVED])
    rig.feed({"temp": 90, "level": 15, "filler.state": 4, "capper.state": 3})
    rig.engine.acknowledge(["level.lo"], OPERATOR)
    s = rig.engine.summary()
    # temp 90: temp.hihi annunciated, temp.hi suppressed under it (one situation, one alarm)
    assert s.active[Priority.HIGH] == 2 and s.active[Priority.MEDIUM] == 1
    assert s.unacked[Priority.MEDIUM] == 0 and s.unacked[Priority.HIGH] == 2
    assert s.suppressed == 2  # capper idle while the filler is faulted; temp.hi under temp.hihi
    assert s.highest_unacked == Priority.HIGH and s.total_unacked == 2
    # The alarm list: most important first.
    assert [r.priority for r in rig.engine.records()][:2] == [Priority.HIGH, Priority.HIGH]


def test_changing_a_limit_needs_an_engineer_and_reevaluates_at_once():
    rig = Rig()
    engineer = User("erin", Role.ENGINEER)
    rig.feed({"temp": 75})
    with pytest.raises(PermissionDenied, match="needs engineer"):
        rig.engine.set_limit("temp.hi", SUPERVISOR, 80, "new bearing")
    with pytest.raises(ValueError, match="inverted"):
        rig.engine.set_limit("temp.hi", engineer, 90, "new bearing")
    with pytest.raises(ValueError, match="reason"):
        rig.engine.set_limit("temp.hi", engineer, 80, "")
    rig.engine.set_limit("temp.hi", engineer, 80, "new bearing rated hotter")
    assert rig.engine.definition("temp.hi").limit == 80
    assert rig.state("temp.hi") == S.RTN_UNACKED  # 75 is below the new limit
    changed = next(d for d in rig.alarm_events("temp.hi") if d["action"] == "limit_changed")
    assert (changed["old_limit"], changed["new_limit"], changed["user"]) == (70, 80, "erin")
    audit = rig.journal.of_kind(EventKind.AUDIT)[-1].data
    assert (audit["action"], audit["old_limit"], audit["new_limit"]) == ("change_limits", 70, 80)
    rig.feed({"temp": 79})
    assert rig.state("temp.hi") == S.RTN_UNACKED
    rig.feed({"temp": 81})
    assert rig.state("temp.hi") == S.UNACKED


def test_on_change_returns_an_unsubscribe():
    rig = Rig()
    got: list[Any] = []
    off = rig.engine.on_change(got.append)
    rig.feed({"temp": 75})
    off()
    rig.feed({"temp": 60})
    assert len(got) == 1 and got[0][0].id == "temp.hi"


def test_a_tag_with_many_alarms_uses_the_general_gather():
    alarms = [
        {"id": f"ge{k}", "type": "discrete", "tag": "capper.state", "op": ">=", "value": k} for k in range(10)
    ]
    rig = Rig(alarms)
    assert rig.engine._eval._v_tag_pos is None  # more than 8 alarms on one tag
    rig.feed({"capper.state": 3, "temp": 75})
    active = sorted(r.id for r in rig.engine.records() if r.active)
    assert active == ["ge0", "ge1", "ge2", "ge3", "temp.hi"]
    rig.feed({"capper.state": 1})
    assert sorted(r.id for r in rig.engine.records() if r.state == S.RTN_UNACKED) == ["ge2", "ge3"]
