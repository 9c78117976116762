"""Alarm definitions: implicit from tag limits, explicit [[alarms]] entries validated one by one."""

from __future__ import annotations

from typing import Any

import pytest

from hmi.core.alarms import AlarmKind, Priority, load_definitions
from hmi.core.alarms.cli import alarms_cli_main
from hmi.core.config import DEMO_CONFIG, parse_config
from tests.test_alarm_engine import make_config

GOOD = {
    "id": "capper.jam",
    "type": "discrete",
    "tag": "capper.fault_code",
    "value": "Jam",
    "priority": "medium",
}


def load(*alarms: dict[str, Any]):
    return load_definitions(make_config(list(alarms)))


def test_implicit_alarms_from_tag_limits():
    defs, problems = load()
    assert not problems
    by_id = {d.id: d for d in defs}
    assert set(by_id) == {"temp.hi", "temp.hihi", "level.lo", "level.lolo", "capper.temp.hi"}
    hihi = by_id["temp.hihi"]
    assert (hihi.kind, hihi.op, hihi.limit, hihi.priority, hihi.deadband, hihi.machine) == (
        AlarmKind.ANALOG,
        ">=",
        85.0,
        Priority.HIGH,
        1.0,
        "filler",
    )
    assert by_id["level.lo"].op == "<=" and by_id["level.lo"].priority == Priority.MEDIUM


@pytest.mark.parametrize(
    ("entry", "field", "words"),
    [
        ({"id": "x", "type": "discrete", "tag": "nope", "value": 1}, "tag", "'nope' is not a configured tag"),
        ({"id": "x", "type": "analog", "tag": "temp", "hi": 90, "hihi": 80}, "hihi", "inverted"),
        ({"id": "x", "type": "analog", "tag": "level", "lo": 5, "lolo": 8}, "lo", "inverted"),
        (
            {"id": "x", "type": "discrete", "tag": "capper.state", "value": 4, "priority": "critical"},
            "priority",
            "unknown priority 'critical'",
        ),
        (
            {"id": "x", "type": "discrete", "tag": "capper.state", "value": 4, "priority": 7},
            "priority",
            "1-4",
        ),
        (
            {"id": "x", "type": "discrete", "tag": "capper.state", "value": 4, "alarm_hi": 3},
            "alarm_hi",
            "unknown field",
        ),
        (
            {"id": "x", "type": "discrete", "tag": "capper.state", "value": "Broken"},
            "value",
            "not a number or a state of capper.state",
        ),
        ({"id": "x", "type": "discrete", "tag": "capper.state", "value": 9}, "value", "not a state"),
        (
            {"id": "x", "type": "discrete", "tag": "capper.state", "value": 4, "suppress_when": "nope != 2"},
            "suppress_when",
            "'nope' is not a configured tag",
        ),
        (
            {
                "id": "x",
                "type": "discrete",
                "tag": "capper.state",
                "value": 4,
                "suppress_when": "filler.state ~ 2",
            },
            "suppress_when",
            "TAG OP VALUE",
        ),
        (
            {"id": "x", "type": "discrete", "tag": "capper.state", "value": 4, "on_delay_s": -1},
            "on_delay_s",
            "at least 0",
        ),
        (
            {"id": "x", "type": "discrete", "tag": "capper.state", "value": 4, "latching": "yes"},
            "latching",
            "true or false",
        ),
        (
            {"id": "x", "type": "discrete", "tag": "capper.state", "value": 4, "message": "{valeu}"},
            "message",
            "unknown placeholder",
        ),
        (
            {"id": "x", "type": "discrete", "tag": "capper.state", "value": 4, "machine": "oven"},
            "machine",
            "not a configured machine",
        ),
        ({"id": "x", "type": "roc", "tag": "pressure"}, "rate", "required"),
        ({"id": "x", "type": "roc", "tag": "pressure", "rate": 1, "direction": "up"}, "direction", "rise"),
        ({"id": "x", "type": "limit", "tag": "temp"}, "type", "analog, discrete, roc, quality"),
        ({"type": "quality", "tag": "temp"}, "id", "required"),
    ],
)
def test_bad_entry_is_refused_naming_alarm_and_field_and_the_others_load(entry, field, words):
    defs, problems = load(GOOD, entry)
    assert len(problems) == 1, problems
    p = problems[0]
    assert p.field == field
    assert words in p.message
    text = str(p)
    assert f"field {field!r}" in text
    assert ("'x'" in text) if "id" in entry else "alarms[1]" in text
    ids = {d.id for d in defs}
    assert "capper.jam" in ids and "temp.hi" in ids  # everything else keeps working


def test_explicit_analog_replaces_the_tags_implicit_alarms():
    defs, problems = load(
        {"id": "temp", "type": "analog", "tag": "temp", "priority": {"hihi": "urgent"}, "on_delay_s": 5}
    )
    assert not problems
    by_id = {d.id: d for d in defs if d.tag == "temp"}
    assert set(by_id) == {"temp.hi", "temp.hihi"}  # limits taken from the tag
    assert by_id["temp.hihi"].priority == Priority.URGENT and by_id["temp.hi"].priority == Priority.MEDIUM
    assert by_id["temp.hi"].on_delay_s == 5 and not by_id["temp.hi"].implicit
    # A refused override leaves the implicit alarms in place (a typo must not remove an alarm).
    defs, problems = load({"id": "temp", "type": "analog", "tag": "temp", "priority": "critical"})
    assert problems and {d.id for d in defs if d.tag == "temp"} == {"temp.hi", "temp.hihi"}
    assert all(d.implicit for d in defs if d.tag == "temp")
    # enabled = false switches a tag's limit alarms off.
    defs, problems = load({"id": "temp", "type": "analog", "tag": "temp", "enabled": False})
    assert not problems and not [d for d in defs if d.tag == "temp"]


def test_duplicate_ids_are_refused():
    defs, problems = load(GOOD, dict(GOOD, value=0))
    assert [(p.alarm, p.field) for p in problems] == [("capper.jam", "id")]
    assert sum(d.id == "capper.jam" for d in defs) == 1


def test_conditions_accept_state_labels_and_tables():
    defs, problems = load(
        dict(GOOD, suppress_when="filler.state != Running"),
        {
            "id": "y",
            "type": "discrete",
            "tag": "capper.state",
            "value": 4,
            "suppress_when": {"tag": "filler.state", "op": "<", "value": 2},
        },
    )
    assert not problems
    c = {d.id: d.suppress_when for d in defs}
    assert [(x.op, x.value) for x in c["capper.jam"]] == [("!=", 2.0)]
    assert c["y"][0].test(1) and not c["y"][0].test(2)


def test_suppression_takes_a_list_of_conditions():
    defs, problems = load(dict(GOOD, suppress_when=["filler.state != Running", "capper.state == Faulted"]))
    assert not problems
    (jam,) = [d for d in defs if d.id == "capper.jam"]
    assert [str(c) for c in jam.suppress_when] == ["filler.state != Running", "capper.state == Faulted"]
    _defs, problems = load(dict(GOOD, suppress_when=["filler.state != Running", "nope == 1"]))
    assert [(p.alarm, p.field) for p in problems] == [("capper.jam", "suppress_when")]


def test_demo_line_alarms_load_without_problems():
    cfg = parse_config(DEMO_CONFIG.read_text(), "demo")
    defs, problems = load_definitions(cfg)
    assert not problems, [str(p) for p in problems]
    kinds = {d.kind for d in defs}
    assert kinds == set(AlarmKind)
    assert any(d.suppress_when for d in defs)
    assert {"filler.faulted", "capper.jam", "filler.fill_pressure.falling", "filler.bearing_temp.hihi"} <= {
        d.id for d in defs
    }


def test_check_cli(tmp_path, capsys):
    good = tmp_path / "line.toml"
    good.write_text(DEMO_CONFIG.read_text())
    assert alarms_cli_main(["check", "--config", str(good)]) == 0
    assert "analog" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text(
        DEMO_CONFIG.read_text() + '\n[[alarms]]\nid = "z"\ntype = "discrete"\ntag = "filler.state"\n'
        'value = 4\npriority = "critical"\n'
    )
    assert alarms_cli_main(["check", "--config", str(bad)]) == 1
    assert "alarm 'z', field 'priority'" in capsys.readouterr().out
