"""A machine trip stops the line: it brings the alarm list forward on the line-side PC, whatever
priority the rationalised alarm set gives it (the demo's trips are medium, the default raise list
is urgent and high). Config and demo must agree: checked over every alarm the demo defines."""

from __future__ import annotations

from hmi.core.alarms.definitions import load_definitions
from hmi.core.config import DEMO_CONFIG, DisplayConfig, load_config


def test_every_demo_trip_alarm_brings_the_alarm_list_forward():
    cfg = load_config(DEMO_CONFIG)
    defs, problems = load_definitions(cfg)
    assert not problems
    trips = [d for d in defs if d.trip]
    assert {d.id for d in trips} >= {"filler.faulted", "capper.jam", "labeller.faulted", "conveyor.faulted"}
    assert any(int(d.priority) not in cfg.display.raise_alarm_list for d in trips)  # the case that was missed
    for d in defs:
        raises = cfg.display.raises_alarm_list(int(d.priority), d.trip)
        assert raises == (d.trip or int(d.priority) in cfg.display.raise_alarm_list), d.id
        if d.trip:
            assert raises, (
                f"{d.id} ({d.priority.name}) trips its machine but would not bring the list forward"
            )


def test_the_trip_rule_is_the_default_and_can_be_turned_off():
    assert DisplayConfig().raises_alarm_list(3, trip=True)
    assert not DisplayConfig().raises_alarm_list(3, trip=False)
    off = DisplayConfig(raise_alarm_list_on_trip=False)
    assert not off.raises_alarm_list(3, trip=True) and off.raises_alarm_list(2, trip=True)
