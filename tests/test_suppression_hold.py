"""Suppression by design does not chatter (qa7 G9): over random condition sequences, the
suppression of an alarm follows its condition through an on-delay and a release hold, is
journaled once per real change, and a suppressed alarm is never annunciated.

The qa7 journal had 8 suppress/unsuppress pairs of the filler motor current in 6 s while the
vibration wandered around its 4.5 mm/s suppression limit."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.alarms import AlarmEngine, load_definitions
from hmi.core.alarms.event_codec import TransitionCause as TC
from hmi.core.alarms.persistence import MemoryJournal
from hmi.core.config import LineConfig
from hmi.core.events import EventKind
from hmi.core.quality import GOOD
from hmi.core.samples import SampleBatch
from hmi.core.users import Role, User

OPERATOR = User("olga", Role.OPERATOR)
SUPPRESS_AT = 4.5  # filler.vibration >= 4.5 suppresses the motor current alarm (the demo's rule)


def _config(entry: dict[str, Any], settings_: dict[str, Any] | None = None) -> LineConfig:
    return LineConfig.model_validate(
        {
            "line": {"id": "t", "name": "Test line"},
            "server": {"endpoint": "opc.tcp://127.0.0.1:4840/"},
            "machines": [{"id": "filler", "name": "Filler"}],
            "tags": [
                {"name": "filler.vibration", "node_id": "ns=2;s=V", "machine": "filler", "unit": "mm/s"},
                {"name": "filler.motor_current", "node_id": "ns=2;s=I", "machine": "filler", "unit": "A"},
            ],
            "alarms": [entry],
            **({"alarm_settings": settings_} if settings_ else {}),
        }
    )


class Rig:
    def __init__(self, entry: dict[str, Any], settings_: dict[str, Any] | None = None) -> None:
        self.config = _config(entry, settings_)
        defs, problems = load_definitions(self.config)
        assert not problems, problems
        self.t = 1_000_000.0
        self.journal = MemoryJournal()
        self.engine = AlarmEngine(self.config, defs, self.journal, lambda: self.t)
        self.index = self.config.tag_index()

    def feed(self, values: dict[str, float]) -> None:
        names = list(values)
        n = len(names)
        self.engine.process(
            SampleBatch.from_columns(
                [self.index[k] for k in names],
                [self.t] * n,
                [self.t] * n,
                [self.t] * n,
                [values[k] for k in names],
                [GOOD] * n,
            )
        )

    def transitions(self) -> list[tuple[float, str, dict[str, Any]]]:
        return [
            (e.ts, str(e.data["action"]), e.data)
            for e in self.journal.of_kind(EventKind.ALARM)
            if e.data.get("event") == "transition"
        ]


def _entry(delay: float | None, release: float | None) -> dict[str, Any]:
    e: dict[str, Any] = {
        "id": "filler.motor_current",
        "type": "analog",
        "tag": "filler.motor_current",
        "hi": 26.0,
        "deadband": 0.5,
        "suppress_when": f"filler.vibration >= {SUPPRESS_AT}",
        # No machine: a condition on the alarm's own machine would keep a standing first alarm
        # of that machine as a trip's cause (engine `_trip_cause`), a rule of its own.
        "machine": "",
    }
    if delay is not None:
        e["suppress_delay_s"] = delay
    if release is not None:
        e["suppress_release_s"] = release
    return e


# One step: wait dt, then maybe a vibration sample, maybe a current sample, maybe an acknowledgement.
STEP = st.tuples(
    st.sampled_from([0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 7.0]),
    st.one_of(st.none(), st.floats(3.5, 5.5)),
    st.one_of(st.none(), st.floats(20.0, 32.0)),
    st.booleans(),
)


def _held(samples: list[tuple[float, bool]], a: float, b: float, want: bool) -> bool:
    """The condition (sample-and-hold of the vibration samples) was `want` over all of [a, b)
    (a sample at b itself may come after a transition at b, in the same instant)."""
    eps = 1e-6  # the engine's due times are sums of floats
    before = [c for ts, c in samples if ts <= a + eps]
    if not before or before[-1] != want:
        return False
    return all(c == want for ts, c in samples if a + eps < ts < b - eps)


@settings(max_examples=150, deadline=None)
@given(
    steps=st.lists(STEP, min_size=5, max_size=60),
    delay=st.sampled_from([None, 0.0, 1.0]),
    release=st.sampled_from([None, 2.0, 5.0]),
)
def test_suppression_follows_its_condition_through_its_hold_and_never_chatters(steps, delay, release):
    rig = Rig(_entry(delay, release))
    hold = 5.0 if release is None else release  # the line default ([alarm_settings])
    on_delay = 0.0 if delay is None else delay
    samples: list[tuple[float, bool]] = []  # (time, condition) as fed
    rig.feed({"filler.vibration": 3.0, "filler.motor_current": 20.0})
    samples.append((rig.t, False))
    for dt, vib, cur, ack in steps:
        rig.t += dt
        rig.engine.tick()
        values = {}
        if vib is not None:
            values["filler.vibration"] = vib
            samples.append((rig.t, vib >= SUPPRESS_AT))
        if cur is not None:
            values["filler.motor_current"] = cur
        if values:
            rig.feed(values)
        if ack:
            rig.engine.acknowledge("filler.motor_current.hi", OPERATOR)
        rec = rig.engine.record("filler.motor_current.hi")
        # A suppressed, acknowledged alarm is hidden: never on the list as active.
        if rec.suppressed and rec.acked:
            assert not rec.active and rec.state.value == "suppressed", rec
        # Every real change is followed: a condition that held its time is applied by now.
        since = max((ts for ts, _c in samples if ts <= rig.t), default=rig.t)
        cond = samples[-1][1]
        if cond and _held(samples, rig.t - on_delay, rig.t, True) and rig.t - since >= on_delay:
            assert rec.suppressed, f"condition true for {on_delay} s at {rig.t}, not suppressed"
        if not cond and _held(samples, rig.t - hold, rig.t, False):
            assert not rec.suppressed, f"condition false for {hold} s at {rig.t}, still suppressed"

    suppressed = False
    last: dict[str, float] = {}
    for ts, action, data in rig.transitions():
        if action == TC.SUPPRESS:
            assert not suppressed, "suppressed twice without a release"
            # Journaled only for a real change: the condition held for its on-delay.
            assert _held(samples, ts - on_delay, ts, True), f"suppress at {ts} without its condition"
            suppressed = True
        elif action == TC.UNSUPPRESS:
            assert suppressed, "released without a suppression"
            assert _held(samples, ts - hold, ts, False), f"released at {ts} before {hold} s without it"
            suppressed = False
        elif action == TC.ACTIVATE:
            # A suppressed alarm is never annunciated (also one kept on the list for its ack).
            assert not suppressed and not data.get("suppressed"), f"annunciated at {ts} while suppressed"
        # At most one suppress/unsuppress pair per hold: the same transition again only after it.
        if action in (TC.SUPPRESS, TC.UNSUPPRESS):
            if action in last:
                assert ts - last[action] >= hold - 1e-6, f"{action} again {ts - last[action]:.2f} s later"
            last[action] = ts


def test_the_qa7_vibration_around_its_limit_is_one_suppression():
    """qa7 G9: the vibration crossing 4.5 mm/s back and forth for 6 s, then settling above."""
    rig = Rig(_entry(None, None))
    rig.feed({"filler.vibration": 4.0, "filler.motor_current": 24.0})
    for k in range(24):  # every 0.25 s, alternating sides of the limit
        rig.t += 0.25
        rig.engine.tick()
        rig.feed({"filler.vibration": 4.6 if k % 2 == 0 else 4.4, "filler.motor_current": 27.0})
    rig.t += 0.25
    rig.feed({"filler.vibration": 5.2})
    kinds = [a for _ts, a, _d in rig.transitions() if a in (TC.SUPPRESS, TC.UNSUPPRESS)]
    assert kinds == [TC.SUPPRESS]


def test_the_release_hold_is_set_line_wide_and_per_alarm():
    line = Rig(_entry(None, None), {"suppress_release_s": 2.0})
    own = Rig(_entry(None, 8.0), {"suppress_release_s": 2.0})
    for rig in (line, own):
        rig.feed({"filler.vibration": 5.0, "filler.motor_current": 20.0})
        rig.t += 1.0
        rig.feed({"filler.vibration": 4.0})
        rig.t += 2.5
        rig.engine.tick()
    assert not line.engine.record("filler.motor_current.hi").suppressed
    assert own.engine.record("filler.motor_current.hi").suppressed
    released = [d for _ts, a, d in line.transitions() if a == TC.UNSUPPRESS]
    assert [d["reason"] for d in released] == [f"no longer filler.vibration >= {SUPPRESS_AT:g} for 2 s"]


def test_a_hold_without_a_condition_is_refused_by_name():
    entry = _entry(None, 3.0)
    del entry["suppress_when"]
    _defs, problems = load_definitions(_config(entry))
    assert [(p.alarm, p.field) for p in problems] == [("filler.motor_current", "suppress_release_s")]
