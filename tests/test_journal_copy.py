"""Copying today's journal file while LineHMI writes it.

The tester copied "the file" (README) during the demo: the copy missed the last ~4 min, still in
the -wal. The writer now checkpoints every `journal.checkpoint_interval_s`, so a plain copy of the
.db alone lags by about that much; `linehmi journal copy` takes an exact copy at any moment.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time

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


def test_checkpoint_interval_is_bounded_in_the_config():
    good = make_config().model_dump()
    assert good["journal"]["checkpoint_interval_s"] == 5.0
    with pytest.raises(ConfigError, match=r"checkpoint_interval_s.*must be >= 0\.5"):
        parse_config(
            '[line]\nid = "x"\nname = "x"\n[server]\nendpoint = "opc.tcp://h:1/"\n'
            "[journal]\ncheckpoint_interval_s = 0\n"
            '[[machines]]\nid = "m"\nname = "M"\n[[tags]]\nname = "m.a"\nnode_id = "ns=2;s=a"\nmachine = "m"\n'
        )
