"""SIGTERM (systemd, `kill`, a logout) stops the window like closing it: the runtime stops, the journal
records the stop and leaves one self-contained file, so the .db alone can be copied for review."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_sigterm_closes_the_window_and_leaves_a_complete_journal(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LINEHMI_SOUND": "0", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hmi.cli", "demo", "--journal-dir", str(tmp_path), "--port", "48901"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob("line1_*.db")) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3.0)  # some samples and events journaled
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-2000:]
    (db,) = tmp_path.glob("line1_*.db")
    # everything is in the .db itself: no -wal, no -shm left (a reader of this process closed too)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(db.name)) == [db.name]
    con = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)  # the file alone, as copied
    messages = [m for (m,) in con.execute("SELECT message FROM events ORDER BY id")]
    assert messages[-1].startswith("LineHMI stopped") or any(
        m.startswith("LineHMI stopped") for m in messages
    )
    assert con.execute("SELECT count(*) FROM samples").fetchone()[0] > 0
