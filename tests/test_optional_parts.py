"""Nothing optional blocks the core, and config values that make no sense are refused.

The named cases from the field (issue 16); the classes they belong to are fuzzed in
tests/test_fuzz_inputs.py.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from hmi.app.runtime import LineRuntime
from hmi.cli import main as cli_main
from hmi.core.config import DEMO_CONFIG, ConfigError, parse_config
from hmi.core.users import UserStore, UserStoreError
from inference.fault.predictor import FaultPredictor
from inference.model_card import ModelError, read_card
from tests.opcua_fixtures import free_port, small_config

MODELS = Path(__file__).resolve().parents[1] / "resources" / "models"
DEMO = DEMO_CONFIG.read_text(encoding="utf-8")
RECONNECT = re.search(r"^reconnect_max_delay_s = .*$", DEMO, re.M).group(0)  # whatever the demo uses


def refused(old: str, new: str) -> str:
    assert old in DEMO
    with pytest.raises(ConfigError) as err:
        parse_config(DEMO.replace(old, new, 1), "line.toml")
    return str(err.value)


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        (
            "alarms = { hi = 26, hihi = 30,",
            "alarms = { hi = nan, hihi = 30,",
            "alarms.hi': must be a finite",
        ),
        ("deadband = 0.5", "deadband = inf", "deadband': must be a finite number"),
        ("timeout_s = 4", "timeout_s = 0", "timeout_s': must be > 0 and <= 600 s, got 0"),
        (RECONNECT, "reconnect_max_delay_s = -5", "reconnect_max_delay_s': must be > 0"),
        ("sampling_ms = 500", 'sampling_ms = "500"', "sampling_ms': must be a number, got str '500'"),
        ("deadband = 0.5", "deadband = true", "deadband': must be a number, got bool True"),
        ("alarms = { hi = 26, hihi = 30,", "alarms = { hi = 31, hihi = 30,", "limits out of order"),
        ("timeout_s = 4", "timeout_s = " + "[" * 3000 + "]" * 3000, "nested more than 32 levels"),
    ],
)
def test_config_values_that_make_no_sense_are_refused_with_line_and_field(old, new, expect):
    msg = refused(old, new)
    assert msg.startswith("line.toml:") and expect in msg
    if "nested" not in expect:
        assert "line " in msg and "field '" in msg


def test_check_config_also_checks_alarms(tmp_path, capsys):
    bad = tmp_path / "line.toml"
    bad.write_text(DEMO + '\n[[alarms]]\nid = "x"\ntype = "analog"\ntag = "filler.speed"\nhi = "high"\n')
    assert cli_main(["check-config", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "refused: " in out and "hi" in out
    assert cli_main(["check-config", str(DEMO_CONFIG)]) == 0


def bad_card(tmp_path: Path, **extra: object) -> Path:
    for f in ("fault_predictor.onnx", "fault_predictor.card.json"):
        shutil.copy(MODELS / f, tmp_path / f)
    card = tmp_path / "fault_predictor.card.json"
    doc = json.loads(card.read_text())
    doc["extra"].update(extra)
    card.write_text(json.dumps(doc))
    return card


def test_bad_card_field_disables_the_model_with_a_message_models_list_says_the_same(tmp_path, capsys):
    card = bad_card(tmp_path, horizon_s="two minutes")
    with pytest.raises(ModelError) as err:
        read_card(card)
    msg = str(err.value)
    assert str(card) in msg and "extra.horizon_s" in msg and "two minutes" in msg
    fp = FaultPredictor(parse_config(DEMO), card_path=card)  # the runtime: no traceback
    assert not fp.available and "extra.horizon_s" in fp.problem
    assert cli_main(["models", "list", "--dir", str(tmp_path)]) == 1
    assert "extra.horizon_s" in capsys.readouterr().out  # one validator


@pytest.mark.parametrize(
    "content",
    ['{"users": {"bob": ', '{"users": ' + "[" * 100_000 + "]" * 100_000 + "}", '"just a string"'],
    ids=["truncated", "deep", "wrong-type"],
)
def test_unreadable_users_file_leaves_no_users_and_is_never_overwritten(tmp_path, content):
    path = tmp_path / "users.json"
    path.write_text(content)
    store = UserStore(path)
    assert store.users() == [] and store.problem and str(path) in store.problem
    with pytest.raises(UserStoreError, match="fix or move it away"):
        store.add("ann", "operator", "password1")
    assert path.read_text() == content


def test_bad_user_entry_refuses_that_user_only_and_is_kept(tmp_path):
    path = tmp_path / "users.json"
    store = UserStore(path)
    store.add("ann", "operator", "password1")
    doc = json.loads(path.read_text())
    doc["users"]["bob"] = "supervisor"  # a string, not an entry
    doc["users"]["cid"] = {"role": "boss", "password": "x"}
    path.write_text(json.dumps(doc))
    store = UserStore(path)
    assert [u.name for u in store.users()] == ["ann"]
    assert len(store.entry_problems) == 2 and "'bob'" in store.entry_problems[0]
    store.add("dan", "viewer", "password2")
    assert set(json.loads(path.read_text())["users"]) == {"ann", "bob", "cid", "dan"}


def test_logger_keeps_logging_with_a_broken_users_file(tmp_path):
    (tmp_path / "users.json").write_text('{"users": {"bob": ')
    cfg = small_config(free_port(), journal_dir=tmp_path)  # no server: the logger still starts
    rt = LineRuntime(cfg).start()
    try:
        rt.journal.flush()
        con = sqlite3.connect(rt.journal.path)
        rows = con.execute("SELECT message FROM events WHERE kind = 'config' AND source = 'users'").fetchall()
        con.close()
    finally:
        rt.stop()
    assert rows and "users.json: unreadable" in rows[0][0]


def test_journal_of_a_newer_schema_is_read_with_a_warning(tmp_path, caplog):
    from hmi.core.journal import Journal
    from hmi.core.journal_read import open_journal_readonly

    with Journal(small_config(free_port(), journal_dir=tmp_path)) as j:
        path = j.path
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.execute("INSERT INTO events (ts, kind, message, data) VALUES ('noon', 'alarm', 7, '[1, 2]')")
    con.commit()
    con.close()
    with open_journal_readonly(path) as r:
        assert r.warnings and "newer LineHMI (schema 99" in r.warnings[0] and str(path) in r.warnings[0]
        evs = r.read_events()
    assert "schema 99" in caplog.text
    odd = [e for e in evs if e.message == "7"]
    assert odd and odd[0].data == {"value": [1, 2]} and odd[0].ts != odd[0].ts  # NaN time, no traceback
