"""Line config: the demo file loads; bad files are refused naming file, line and field."""

from __future__ import annotations

import pytest

from hmi.core.config import DEMO_CONFIG, ConfigError, load_config, parse_config


def test_demo_config_loads():
    cfg = load_config(DEMO_CONFIG)
    assert cfg.line.id == "line1"
    assert {m.id for m in cfg.machines} == {"filler", "capper", "labeller", "conveyor"}
    assert len(cfg.tags) >= 40
    assert cfg.tag("filler.vibration").alarms.hihi == 7.1
    for m in cfg.machines:
        assert cfg.tag(m.state_tag).data_type == "enum"
        assert cfg.tag(m.setpoint_tag).writable


def _demo_text_with(old: str, new: str) -> str:
    text = DEMO_CONFIG.read_text()
    assert old in text
    return text.replace(old, new, 1)


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "line.toml")
    return str(info.value)


def test_wrong_field_type_names_file_line_and_field():
    text = _demo_text_with("sampling_ms = 500", 'sampling_ms = "fast"')
    lineno = text.splitlines().index('sampling_ms = "fast"') + 1
    msg = _error(text)
    assert msg.startswith("line.toml:")
    assert f"line {lineno}," in msg
    assert "sampling_ms" in msg and "tags[" in msg
    assert "must be a number" in msg and "got str" in msg


def test_malformed_toml_names_line():
    msg = _error("[line]\nid = 'x'\nname = \n")
    assert "line.toml" in msg and "not valid TOML" in msg and "line 3" in msg


def test_unknown_key_is_refused():
    text = _demo_text_with('unit = "bpm"', 'unit = "bpm"\nalarm_hi = 5')
    assert "alarm_hi" in _error(text) and "Extra inputs" in _error(text)


def test_inverted_alarm_limits_and_bad_band():
    assert "limits out of order" in _error(_demo_text_with("hi = 70, hihi = 85", "hi = 90, hihi = 85"))
    assert "outside range" in _error(_demo_text_with("normal = [25, 60]", "normal = [25, 160]"))


def test_bad_endpoint_and_node_id():
    assert "opc.tcp://" in _error(_demo_text_with('endpoint = "opc.tcp://', 'endpoint = "http://'))
    assert "ns=2;s=" in _error(
        _demo_text_with('node_id = "nsu=urn:linehmi:sim;s=Filler.State"', 'node_id = "Filler"')
    )


def test_cross_references_are_checked():
    msg = _error(_demo_text_with('state_tag = "filler.state"', 'state_tag = "filler.stat"'))
    assert "filler.stat" in msg and "not a configured tag" in msg
    text = DEMO_CONFIG.read_text() + '\n[[tags]]\nname = "filler.state"\nnode_id = "ns=2;s=X"\n'
    assert "duplicate tag names: filler.state" in _error(text)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")
