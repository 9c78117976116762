"""Copying today's journal file while LineHMI writes it.

The tester copied "the file" (README) during the demo: the copy missed the last ~4 min, still in
the -wal. The writer now checkpoints every `journal.checkpoint_interval_s`, so a plain copy of the
.db alone lags by about that much; `linehmi journal copy` takes an exact copy at any moment.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from hmi.core.config import ConfigError, parse_config
from hmi.core.events import EventKind, JournalEvent
from hmi.core.journal import Journal
from hmi.journal_cli import copy_journal, journal_cli_main
from tests.test_journal import batch, make_config


def _config(checkpoint_s: float = 0.5):
    base = make_config(rotation="none", interval_ms=50)
    journal = base.journal.model_copy(update={"checkpoint_interval_s": checkpoint_s})
    return base.model_copy(update={"journal": journal})


class _Writer:
    """Samples every 20 ms until stopped: the demo's writer, small."""

    def __init__(self, j: Journal) -> None:
        self.j, self.stop = j, threading.Event()
        self.thread = threading.Thread(target=self._run, name="test-writer", daemon=True)

    def _run(self) -> None:
        k = 0
        while not self.stop.is_set():
            self.j.write_samples(batch([0, 1, 2], time.time(), np.array([2.0, k % 100, 40.0])))
            k += 1
            time.sleep(0.02)

    def __enter__(self) -> _Writer:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop.set()
        self.thread.join(5)


def _messages(db) -> list[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT message FROM events ORDER BY id")]
    except sqlite3.OperationalError:  # not even the schema made it into the .db yet
        return []
    finally:
        conn.close()


def test_plain_copy_of_the_db_holds_what_was_committed_a_checkpoint_interval_ago(tmp_path):
    (tmp_path / "live").mkdir()
    (tmp_path / "copies").mkdir()
    with Journal(_config(0.5), tmp_path / "live") as j, _Writer(j):
        time.sleep(0.3)
        j.write_event(JournalEvent(EventKind.SYSTEM, "marker: the shift so far"))
        # Old code: SQLite's auto-checkpoint waits for 4 MB of WAL; at this rate that is minutes.
        deadline = time.monotonic() + 20 * 0.5  # generous: the 2-core CI box is shared
        n = 0
        while True:
            n += 1
            copy = tmp_path / "copies" / f"copy{n}.db"
            shutil.copyfile(j.path, copy)  # the .db alone, as a person copies "the file"
            if "marker: the shift so far" in _messages(copy):
                break
            assert time.monotonic() < deadline, "the .db file still lacks an event committed 10 s ago"
            time.sleep(0.1)


def test_journal_copy_is_exact_while_the_writer_runs(tmp_path, capsys):
    (tmp_path / "live").mkdir()
    # A long checkpoint interval: the last events are only in the -wal when the copy is taken.
    with Journal(_config(3600.0), tmp_path / "live") as j, _Writer(j):
        for i in range(20):
            j.write_event(JournalEvent(EventKind.SYSTEM, f"event {i}"))
        src = j.path
        assert journal_cli_main(["copy", str(src), str(tmp_path / "copy.db")]) == 0
        assert "one self-contained file" in capsys.readouterr().out
        assert not (tmp_path / "copy.db-wal").exists()  # one file: all of it is in the .db
        copied = _messages(tmp_path / "copy.db")
        assert [m for m in copied if m.startswith("event ")] == [f"event {i}" for i in range(20)]
        # a second copy to the same name is refused, naming the file
        assert journal_cli_main(["copy", str(src), str(tmp_path / "copy.db")]) == 2
        assert "copy.db: already exists" in capsys.readouterr().err


def test_journal_copy_names_what_is_wrong(tmp_path):
    with pytest.raises(ValueError, match="no such journal file"):
        copy_journal(tmp_path / "missing.db", tmp_path / "out.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not SQLite" * 100)
    with pytest.raises(ValueError, match=r"junk\.db: not a readable SQLite journal"):
        copy_journal(junk, tmp_path / "out.db")
    assert not (tmp_path / "out.db").exists()


def test_journal_copy_into_a_folder_keeps_the_name_and_is_exact_while_the_writer_runs(tmp_path, capsys):
    """ACCEPTANCE step 10, "copy the shift's journal file to another folder": the destination is
    the folder (qa9 Q9-23: refused as "already exists" before)."""
    (tmp_path / "live").mkdir()
    copies = tmp_path / "copies"
    copies.mkdir()
    with Journal(_config(3600.0), tmp_path / "live") as j, _Writer(j):
        for i in range(20):
            j.write_event(JournalEvent(EventKind.SYSTEM, f"event {i}"))
        src = j.path
        for dst in (str(copies), f"{copies}{os.sep}"):  # with and without the trailing separator
            assert journal_cli_main(["copy", str(src), dst]) == 0, capsys.readouterr().err
            out = capsys.readouterr().out
            target = copies / src.name
            assert f"-> {target} (" in out  # it says where the copy went
            assert sorted(p.name for p in copies.iterdir()) == [src.name]  # one file, no -wal
            copied = _messages(target)
            assert [m for m in copied if m.startswith("event ")] == [f"event {i}" for i in range(20)]
            with sqlite3.connect(f"file:{target}?mode=ro", uri=True) as conn:
                assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            # into the same folder again: the file of that name is there, and it is kept
            before = target.read_bytes()
            assert journal_cli_main(["copy", str(src), dst]) == 2
            assert f"{target}: already exists" in capsys.readouterr().err
            assert target.read_bytes() == before
            target.unlink()


def _journal_file(folder: Path) -> Path:
    src = folder / "line1_2026-12-07.db"
    with sqlite3.connect(src) as conn:
        conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, message TEXT)")
        conn.execute("INSERT INTO events (message) VALUES ('the shift')")
    conn.close()
    return src


@pytest.mark.parametrize(
    ("dst", "expected"),
    [
        # (destination relative to the test folder, the message: the thing named, what was expected)
        ("out/existing.db", r"/out/existing\.db: already exists \(the copy goes to a new file"),
        ("missing/x.db", r"/missing: no such folder \(expected an existing folder to write x\.db in\)"),
        (
            "missing/",
            r"/missing: no such folder \(expected an existing folder to copy line1_2026-12-07\.db into\)",
        ),
        ("out/existing.db/x.db", r"/out/existing\.db: not a folder \(expected an existing folder"),
        ("out/sub", r"/out/sub/line1_2026-12-07\.db: a folder of that name is already there"),
    ],
)
def test_journal_copy_refuses_a_destination_naming_it_and_what_was_expected(tmp_path, capsys, dst, expected):
    src = _journal_file(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "existing.db").write_bytes(b"someone's file")
    (tmp_path / "out" / "sub" / src.name).mkdir(parents=True)  # a folder with the journal's name
    listing = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert journal_cli_main(["copy", str(src), str(tmp_path / dst) + ("/" if dst.endswith("/") else "")]) == 2
    err = capsys.readouterr().err
    assert re.search(expected, err), err
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == listing  # nothing written
    assert (tmp_path / "out" / "existing.db").read_bytes() == b"someone's file"


def _copy_as_unprivileged(src: Path, dst: Path) -> str:
    """copy_journal's error text, run as a user the folder's mode applies to: root ignores a
    folder's write bit, so as root the copy runs in a child process that drops to `nobody`."""
    if os.geteuid() != 0:
        with pytest.raises(ValueError) as exc:
            copy_journal(src, dst)
        return str(exc.value)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no pytest machinery, only the copy and its message
        code = 1
        try:
            os.close(read_end)
            os.setgid(65534)
            os.setuid(65534)
            try:
                copy_journal(src, dst)
                message = "copied"
            except ValueError as exc:
                message = str(exc)
            os.write(write_end, message.encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as f:
        message = f.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return message


def test_journal_copy_into_a_read_only_folder_names_the_folder():
    # Not tmp_path: its parents are private to the user running the tests, and the copy may run as
    # another user (above).
    root = Path(tempfile.mkdtemp(prefix="journal-copy-"))
    try:
        root.chmod(0o755)
        src = _journal_file(root)
        src.chmod(0o644)
        read_only = root / "usb"
        read_only.mkdir()
        read_only.chmod(0o555)
        for dst in (read_only, read_only / "shift.db"):
            message = _copy_as_unprivileged(src, dst)
            assert message.startswith(f"{read_only}: cannot write a new file here ("), message
            assert "expected a folder you may write to" in message
            assert list(read_only.iterdir()) == []
    finally:
        (root / "usb").chmod(0o755)
        shutil.rmtree(root)


def test_checkpoint_interval_is_bounded_in_the_config():
    good = make_config().model_dump()
    assert good["journal"]["checkpoint_interval_s"] == 5.0
    with pytest.raises(ConfigError, match=r"checkpoint_interval_s.*must be >= 0\.5"):
        parse_config(
            '[line]\nid = "x"\nname = "x"\n[server]\nendpoint = "opc.tcp://h:1/"\n'
            "[journal]\ncheckpoint_interval_s = 0\n"
            '[[machines]]\nid = "m"\nname = "M"\n[[tags]]\nname = "m.a"\nnode_id = "ns=2;s=a"\nmachine = "m"\n'
        )
