"""`linehmi ask` end to end on a constructed journal (no model)."""

from __future__ import annotations

import json

import pytest

from inference.assistant.ask_cli import ask_cli_main

from .test_assistant_journal import build_journal


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return build_journal(tmp_path_factory.mktemp("cli"))


def test_ask_prints_answer_and_sources(db, capsys):
    assert ask_cli_main(["why did the capper stop?", "--db", str(db), "--no-model"]) == 0
    out = capsys.readouterr().out
    # Plant language: the alarm's message, not its id; sources as plain references (no app links).
    assert "Jam" in out and "Capper faulted" in out and "Sources:" in out
    assert "linehmi://" not in out and "capper.faulted" not in out


def test_ask_json(db, capsys):
    assert (
        ask_cli_main(
            ["which alarms are unacknowledged on the filler?", "--db", str(db), "--json", "--no-model"]
        )
        == 0
    )
    d = json.loads(capsys.readouterr().out)
    assert d["tool_calls"][0]["tool"] == "alarms" and d["answered_by"] == "tools"
    assert {a["alarm"] for a in d["results"][0]["facts"]["alarms"]} == {
        "filler.faulted",
        "filler.vibration.hi",
    }


def test_ask_handover_markdown(db, tmp_path, capsys):
    md = tmp_path / "handover.md"
    assert (
        ask_cli_main(["draft my shift handover", "--db", str(db), "--no-model", "--markdown", str(md)]) == 0
    )
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Shift handover") and "## Stops and causes" in text


def test_ask_without_a_model_says_why(db, tmp_path, capsys):
    assert (
        ask_cli_main(
            ["is the filler running?", "--db", str(db), "--model", "--model-dir", str(tmp_path / "none")]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "no language model" in out and "prepare-assistant" in out


def test_ask_bad_files(tmp_path, capsys):
    assert ask_cli_main(["x", "--db", str(tmp_path / "missing.db")]) == 2
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"garbage" * 100)
    assert ask_cli_main(["x", "--db", str(bad)]) == 2
    assert "linehmi ask" in capsys.readouterr().err


def test_ask_takes_a_journal_directory_like_review_and_report(db, tmp_path, capsys):
    # qa8 Q2: "journal file DIR: not found: left out" for an existing directory. A directory is read as
    # its *.db files (journal_read.journal_paths, the function review and report read one with).
    question = ["why did the capper stop?", "--no-model"]
    assert ask_cli_main([*question, "--db", str(db)]) == 0
    by_file = capsys.readouterr()
    assert ask_cli_main([*question, "--db", str(db.parent)]) == 0
    by_dir = capsys.readouterr()
    assert by_dir.out == by_file.out and "not found" not in by_dir.err
    # A folder without journal files is named, with what was expected in it.
    empty = tmp_path / "empty"
    empty.mkdir()
    assert ask_cli_main(["x", "--db", str(empty)]) == 2
    err = capsys.readouterr().err
    assert str(empty) in err and "no journal files (*.db) in this folder" in err
