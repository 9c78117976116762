"""Exactly once across reconnects and restarts: a sample, a machine state or a camera frame already
journaled is not journaled again, however often the logger is restarted."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from hmi.app.runtime import LineRuntime
from hmi.core.events import EventKind, JournalEvent
from hmi.core.journal import Journal
from hmi.core.quality import BAD_NOT_CONNECTED, BAD_WAITING_FOR_INITIAL_DATA, GOOD
from hmi.core.runtime_api import ConnectionState
from hmi.core.samples import SampleBatch
from inference.qc.inspector import QcFrame, QcInspector
from tests.opcua_fixtures import NS_URI, TinyServer, free_port, small_config
from tests.test_journal import batch, make_config
from tests.test_qc_inspector import FakeJournal, FakeModel, png  # noqa: F401  (png is a fixture)

RESTARTS = 4


def rows(path, sql: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def duplicate_samples(path) -> list[tuple]:
    return rows(
        path,
        "SELECT tag_id, source_ts, value, status, count(*) FROM samples"
        f" WHERE status != {BAD_NOT_CONNECTED} GROUP BY 1, 2, 3, 4 HAVING count(*) > 1",
    )


def test_reread_after_reconnect_and_restart_is_not_journaled_again(tmp_path):
    cfg = make_config(interval_ms=20)
    current = {0: (100.0, 2.0), 1: (100.0, 50.0), 2: (100.0, 30.0)}  # tag -> (source time, value)

    def reread() -> SampleBatch:  # what a read after (re)connecting returns: each tag's current value
        return SampleBatch.concat([batch([i], ts, [v]) for i, (ts, v) in current.items()])

    for restart in range(RESTARTS):
        with Journal(cfg, tmp_path) as j:
            j.write_samples(reread())  # the read at start-up
            j.flush()
            # a reconnect: the link-down marker, then the read that makes every tag current again
            marker = batch([0, 1, 2], 200.0 + restart, [np.nan] * 3, status=[BAD_NOT_CONNECTED] * 3)
            j.write_samples(marker)
            j.flush()
            j.write_samples(reread())
            current[1] = (300.0 + restart, 51.0 + restart)  # a real change
            j.write_samples(batch([1], current[1][0], [current[1][1]]))
            j.flush()
            st = j.stats
        assert st.samples_duplicate == (3 if restart == 0 else 6), f"restart {restart}"
    assert duplicate_samples(j.path) == []
    n = rows(j.path, f"SELECT count(*) FROM samples WHERE status != {BAD_NOT_CONNECTED}")[0][0]
    assert n == 3 + RESTARTS  # the first reading of each tag once, and each real change


def test_repeats_inside_one_batch_are_what_the_source_sent(tmp_path):
    cfg = make_config(interval_ms=20)
    with Journal(cfg, tmp_path) as j:
        j.write_samples(SampleBatch.concat([batch([0, 0], 1.0, [1.0, 1.0])]))
        j.flush()
        assert j.stats.samples_committed == 2 and j.stats.samples_duplicate == 0


@pytest.fixture
def server():
    srv = TinyServer(free_port()).start()
    yield srv
    srv.close()


def wait_for(pred, timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout}s")


def test_repeated_restarts_journal_state_and_unchanged_values_once(tmp_path, server):
    cfg = small_config(server.port, journal_dir=tmp_path)
    for _ in range(RESTARTS):
        rt = LineRuntime(cfg, gui_feed=False).start()
        try:
            wait_for(lambda rt=rt: rt.state == ConnectionState.CONNECTED)
            wait_for(lambda rt=rt: rt.samples_in > 5, 30)
        finally:
            rt.stop()
    assert not [t.name for t in threading.enumerate() if t.name.startswith("linehmi")]
    path = rt.journal.path
    states = rows(path, "SELECT message FROM events WHERE kind = 'machine_state'")
    assert states == [("Machine 1: (first reading) -> Running",)]
    assert duplicate_samples(path) == []
    # The setpoint never changes: one row, however many restarts read it.
    sp = rows(path, "SELECT count(*) FROM samples_readable WHERE tag = 'm1.speed_sp'")[0][0]
    assert sp == 1
    started = rows(path, "SELECT count(*) FROM events WHERE message LIKE 'LineHMI started%'")[0][0]
    assert started == RESTARTS


def test_camera_frame_resent_at_reconnect_or_restart_is_inspected_once(tmp_path, png):  # noqa: F811
    journal = FakeJournal(tmp_path)
    taken: dict[str, float] = {}
    inspected = 0
    for _restart in range(RESTARTS):
        insp = QcInspector(None, journal=journal, model=FakeModel("scratch"))
        for source, ts in taken.items():
            insp.resume_after(source, ts)
        insp.start()
        for _reconnect in range(3):  # every connect delivers the camera's current frame again
            insp.submit(QcFrame(png, seq=7, ts=1000.0, source="cam"))
        insp.submit(QcFrame(png, seq=8 + _restart, ts=1001.0 + _restart, source="cam"))
        insp.stop()
        inspected += insp.inspected
        taken = insp.taken_until()
    assert inspected == 1 + RESTARTS
    rejects = [e for e in journal.events if e.kind == EventKind.QC and "reject" in e.message]
    assert [e.data["seq"] for e in rejects] == [7, 8, 9, 10, 11][: 1 + RESTARTS]


def test_runtime_resumes_qc_after_the_last_journaled_frame(tmp_path):
    text = small_config(free_port(), journal_dir=tmp_path).model_dump()
    text["camera"] = {"node_id": f"nsu={NS_URI};s=Camera.Image", "rate_tag": "qc.defect_rate"}
    text["tags"].append({"name": "qc.defect_rate", "source": "derived", "unit": "%"})
    from hmi.core.config import LineConfig

    cfg = LineConfig.model_validate(text)
    with Journal(cfg, tmp_path) as j:
        t = time.time() - 60
        j.write_event(JournalEvent(EventKind.QC, "QC reject #7", source="cam", data={"seq": 7}, ts=t))
        j.write_event(JournalEvent(EventKind.QC, "QC reject #6", source="cam", data={"seq": 6}, ts=t - 1))
    rt = LineRuntime(cfg, gui_feed=False)
    rt._restore_qc_position()
    assert rt.qc is not None and rt.qc.taken_until() == {"cam": t}
    rt.journal.close()


KILLS = 2  # each start costs seconds of imports and model loading; two kills show a restart after a restart
ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo_line.toml"
PER_FRAME = (GOOD, BAD_WAITING_FOR_INITIAL_DATA)  # defect-rate samples an inspected frame leaves


def _ro_rows(directory: Path, sql: str) -> list[tuple]:
    out: list[tuple] = []
    for p in sorted(directory.glob("line1_*.db")):
        con = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
        try:
            out += con.execute(sql).fetchall()
        except sqlite3.OperationalError:  # being created
            pass
        finally:
            con.close()
    return out


def _frames_journaled(directory: Path) -> int:
    per_frame = ", ".join(repr(f"0x{s:08X}") for s in PER_FRAME)
    sql = f"SELECT 1 FROM samples_readable WHERE tag = 'qc.defect_rate' AND status_code IN ({per_frame})"
    return len(_ro_rows(directory, sql))


def test_sigkill_and_restarts_against_the_simulator_journal_frames_and_samples_once(tmp_path):
    """The logger SIGKILLed again and again while the simulator (a separate process, like a PLC)
    keeps running: every camera frame's verdict and every sample is journaled once."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hmi.cli",
            "sim",
            "--port",
            str(port),
            "--camera-hz",
            "8",
            "--no-history",
            "--camera-defect-rate",
            "0.3",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    run = [
        sys.executable,
        "-m",
        "hmi.cli",
        "run",
        "--config",
        str(DEMO),
        "--headless",
        "--journal-dir",
        str(tmp_path),
        "--endpoint",
        f"opc.tcp://127.0.0.1:{port}/linehmi/",
    ]
    try:
        for kill in range(KILLS + 1):
            before = _frames_journaled(tmp_path)
            p = subprocess.Popen(run, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_for(lambda b=before: _frames_journaled(tmp_path) >= b + 3, 90)
            finally:
                if kill < KILLS:
                    p.send_signal(signal.SIGKILL)  # between an inspection and its commit, sometimes
                else:
                    p.send_signal(signal.SIGTERM)
                p.wait(30)
    finally:
        sim.terminate()
        sim.wait(30)
    per_frame = ", ".join(repr(f"0x{s:08X}") for s in PER_FRAME)
    frames = _ro_rows(
        tmp_path,
        "SELECT source_ts, count(*) FROM samples_readable WHERE tag = 'qc.defect_rate'"
        f" AND status_code IN ({per_frame}) GROUP BY source_ts HAVING count(*) > 1",
    )
    assert frames == [], "camera frames inspected and journaled twice"
    rejects = _ro_rows(
        tmp_path,
        "SELECT json_extract(data, '$.seq'), ts, count(*) FROM events WHERE kind = 'qc' AND message LIKE 'QC reject%'"
        " GROUP BY 1, 2 HAVING count(*) > 1",
    )
    assert rejects == []
    dups = _ro_rows(
        tmp_path,
        "SELECT tag_id, source_ts, value, status, count(*) FROM samples"
        f" WHERE status != {BAD_NOT_CONNECTED} GROUP BY 1, 2, 3, 4 HAVING count(*) > 1",
    )
    assert dups == []
    started = _ro_rows(tmp_path, "SELECT 1 FROM events WHERE message LIKE 'LineHMI started%'")
    assert len(started) == KILLS + 1


def test_a_restart_after_midnight_does_not_journal_the_last_samples_again(tmp_path):
    """The new day's file is empty at a restart just after midnight: the unchanged tags' re-read
    repeats the last samples of the previous day's file and must not be journaled again."""
    cfg = make_config(interval_ms=20)
    evening = dt.datetime(2026, 3, 28, 23, 59, 30).timestamp()
    current = {0: (evening - 5, 2.0), 1: (evening - 1, 50.0), 2: (evening - 300, 30.0)}

    def reread() -> SampleBatch:
        return SampleBatch.concat([batch([i], ts, [v]) for i, (ts, v) in current.items()])

    now = [evening]
    for restart in range(RESTARTS):  # 23:59:30, then 00:00:30, 00:01:30... of the next day
        with Journal(cfg, tmp_path, clock=lambda: now[0]) as j:
            j.write_samples(reread())
            j.flush()
            if restart == 2:  # a real change on the new day is journaled, once
                current[1] = (now[0] + 1, 51.0)
                j.write_samples(batch([1], current[1][0], [current[1][1]]))
                j.flush()
            st = j.stats
        assert st.samples_duplicate == (0 if restart == 0 else 3), f"restart {restart}"
        now[0] += 60.0
    days = sorted(tmp_path.glob("jt_*.db"))
    assert [p.name for p in days] == ["jt_2026-03-28.db", "jt_2026-03-29.db"]
    assert rows(days[0], "SELECT count(*) FROM samples")[0][0] == 3
    assert rows(days[1], "SELECT tag_id, value FROM samples") == [(2, 51.0)]


def test_a_repeat_in_a_later_batch_of_the_same_commit_is_not_journaled_again(tmp_path):
    """After a restart the read at connect and the subscription's first notification both carry a
    tag's current sample; when the value changed while LineHMI was down the first is new, and the
    second, often committed with it, is the same sample again (found by the SIGKILL test)."""
    cfg = make_config(interval_ms=10_000)  # one commit for everything below
    with Journal(cfg, tmp_path) as j:
        j.write_samples(batch([0, 1], 100.0, [1.0, 5.0]))
        j.flush()
        j.write_samples(batch([0, 1, 2], 200.0, [2.0, 5.0, 7.0]))  # the read at connect
        j.write_samples(batch([0, 1, 2], 200.0, [2.0, 5.0, 7.0]))  # the subscription's first values
        j.write_samples(batch([0], 200.0, [2.5]))  # same time, another value: not a repeat
        j.flush()
        assert j.stats.samples_duplicate == 3
    got = rows(j.path, "SELECT tag_id, source_ts, value FROM samples ORDER BY id")
    assert got == [
        (1, 100.0, 1.0),
        (2, 100.0, 5.0),
        (1, 200.0, 2.0),
        (2, 200.0, 5.0),
        (3, 200.0, 7.0),
        (1, 200.0, 2.5),
    ]
