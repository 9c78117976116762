"""The SQLite journal: schema, round trips, durability of events, rotation, errors, crash safety."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from hmi.core import quality
from hmi.core.config import LineConfig, parse_config
from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.journal import Journal, JournalError, journal_files, open_journal_readonly
from hmi.core.samples import SampleBatch

ROOT = Path(__file__).resolve().parents[1]
HELPER = ROOT / "tests" / "helpers" / "journal_writer_proc.py"


def make_config(
    tags: list[str] | None = None, *, rotation: str = "daily", interval_ms: float = 50, line: str = "jt"
) -> LineConfig:
    tags = tags if tags is not None else ["m.state", "m.speed", "m.temp"]
    text = f"""
[line]
id = "{line}"
name = "Journal test line"
[server]
endpoint = "opc.tcp://127.0.0.1:4840/"
[journal]
rotation = "{rotation}"
commit_interval_ms = {interval_ms}
[[machines]]
id = "m"
name = "Machine"
"""
    for name in tags:
        text += f'[[tags]]\nname = "{name}"\nnode_id = "ns=2;s={name}"\nmachine = "m"\n'
        if name.endswith("state"):
            text += 'data_type = "enum"\nstates = { "0" = "Stopped", "2" = "Running" }\n'
        else:
            text += 'unit = "°C"\nrange = [0, 100]\nnormal = [20, 60]\nalarms = { hi = 70, hihi = 80 }\n'
    return parse_config(text)


def batch(tag_idx, ts, value, status=None, server_ts=None) -> SampleBatch:
    tag_idx = np.asarray(tag_idx)
    n = len(tag_idx)
    ts = np.broadcast_to(np.asarray(ts, dtype=float), (n,))
    return SampleBatch.from_columns(
        tag_idx,
        ts,
        np.full(n, np.nan) if server_ts is None else server_ts,
        ts + 0.01,
        value,
        np.zeros(n) if status is None else status,
    )


@pytest.fixture
def cfg() -> LineConfig:
    return make_config()


# --- schema -------------------------------------------------------------------------------------


def test_schema_views_and_meta_readable_without_the_app(tmp_path, cfg):
    t = 1_700_000_000.25
    with Journal(cfg, tmp_path) as j:
        j.write_samples(
            batch(
                [0, 1, 2, 1],
                [t, t, t, t + 0.1],
                [2.0, 55.5, np.nan, 56.0],
                status=[quality.GOOD, quality.UNCERTAIN_LAST_USABLE_VALUE, quality.BAD_SENSOR_FAILURE, 0],
            )
        )
        j.write_event(JournalEvent(EventKind.CONFIG, "limits changed", source="m.temp", user="eve", ts=t))
        j.flush()
        path = j.path
    assert path.name == f"jt_{dt.date.fromtimestamp(time.time()).isoformat()}.db"
    # A plain sqlite3 connection: what sqlite-utils and Datasette see.
    con = sqlite3.connect(path)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    views = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='view'")}
    assert {"meta", "tags", "samples", "events", "commits", "status_codes"} <= tables
    assert {"samples_readable", "events_readable", "commits_readable"} <= views
    meta = dict(con.execute("SELECT key, value FROM meta"))
    assert meta["schema_version"] == "1" and meta["line_id"] == "jt" and meta["app_version"]
    assert meta["created"]
    tag = con.execute(
        "SELECT unit, range_lo, range_hi, normal_lo, normal_hi, alarm_hi, alarm_hihi, alarm_lo, node_id"
        " FROM tags WHERE name='m.temp'"
    ).fetchone()
    assert tag == ("°C", 0.0, 100.0, 20.0, 60.0, 70.0, 80.0, None, "ns=2;s=m.temp")
    index_cols = [r[2] for r in con.execute("PRAGMA index_info('idx_samples_tag_ts')")]
    assert index_cols == ["tag_id", "source_ts"]
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    rows = con.execute(
        "SELECT tag, source_time, value, state, quality, status_name FROM samples_readable ORDER BY id"
    ).fetchall()
    assert rows == [
        ("m.state", "2023-11-14T22:13:20.250Z", 2.0, "Running", "Good", "Good"),
        ("m.speed", "2023-11-14T22:13:20.250Z", 55.5, None, "Uncertain", "UncertainLastUsableValue"),
        ("m.temp", "2023-11-14T22:13:20.250Z", None, None, "Bad", "BadSensorFailure"),
        ("m.speed", "2023-11-14T22:13:20.350Z", 56.0, None, "Good", "Good"),
    ]
    ev = con.execute(
        "SELECT time, kind, severity, source, user, message FROM events_readable WHERE kind='config'"
    )
    assert ev.fetchall() == [
        ("2023-11-14T22:13:20.250Z", "config", "info", "m.temp", "eve", "limits changed")
    ]
    assert con.execute("SELECT n_samples, first_sample_id, last_sample_id FROM commits").fetchall() == [
        (4, 1, 4)
    ]
    con.close()


def test_sqlite_utils_cli_reads_the_file(tmp_path, cfg):
    with Journal(cfg, tmp_path) as j:
        j.write_samples(batch([0, 1], 1_700_000_000.0, [0.0, 42.0]))
        j.flush()
    cli = Path(sys.executable).with_name("sqlite-utils")
    if not cli.exists():
        pytest.skip("sqlite-utils CLI not installed next to the interpreter")
    out = subprocess.run(
        [str(cli), "rows", str(j.path), "samples_readable", "-c", "tag", "-c", "value", "-c", "quality"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert json.loads(out.stdout) == [
        {"tag": "m.state", "value": 0.0, "quality": "Good"},
        {"tag": "m.speed", "value": 42.0, "quality": "Good"},
    ]


# --- round trips ----------------------------------------------------------------------------------


def test_batch_round_trip_keeps_nan_status_and_order(tmp_path, cfg):
    rng = np.random.default_rng(1)
    t0 = 1_700_000_000.0
    batches = []
    with Journal(cfg, tmp_path) as j:
        for k in range(20):
            n = 30
            idx = rng.integers(0, 3, n)
            ts = t0 + k + np.sort(rng.random(n))
            val = rng.normal(50, 5, n)
            val[::7] = np.nan
            status = np.where(rng.random(n) < 0.2, quality.BAD_NOT_CONNECTED, quality.GOOD)
            server = np.where(rng.random(n) < 0.5, ts + 0.001, np.nan)
            b = batch(idx, ts, val, status=status, server_ts=server)
            batches.append(b)
            j.write_samples(b)
        j.flush()
        st = j.stats
        assert st.samples_committed == 600 and st.batches_committed == 20 and st.queue_depth == 0
        got = j.read_samples(["m.speed", "m.temp", "nope"], t0, t0 + 100)
    allb = SampleBatch.concat(batches)
    for i, name in enumerate(["m.state", "m.speed", "m.temp"]):
        if name == "m.state":
            continue
        sel = allb.take(allb.tag_idx == i)
        order = np.argsort(sel.source_ts, kind="stable")
        s = got[name]
        np.testing.assert_array_equal(s.source_ts, sel.source_ts[order])
        np.testing.assert_array_equal(s.value, sel.value[order])  # NaN == NaN here
        np.testing.assert_array_equal(s.server_ts, sel.server_ts[order])
        np.testing.assert_array_equal(s.received_ts, sel.received_ts[order])
        assert s.status.dtype == np.uint32
        np.testing.assert_array_equal(s.status, sel.status[order])
    assert len(got["nope"]) == 0
    # Half-open range: t1 excluded.
    with open_journal_readonly(j.path) as r:
        part = r.read_samples("m.speed", t0 + 3, t0 + 5)["m.speed"]
        assert len(part) and part.source_ts.min() >= t0 + 3 and part.source_ts.max() < t0 + 5


def test_unknown_tag_index_is_rejected_and_counted(tmp_path, cfg):
    with Journal(cfg, tmp_path) as j:
        j.write_samples(batch([0, 7, -1, 2], 1_700_000_000.0, [1.0, 2.0, 3.0, 4.0]))
        j.flush()
        assert j.stats.samples_committed == 2
        assert j.stats.samples_rejected == 2


def test_samples_committed_at_most_every_interval(tmp_path):
    cfg = make_config(interval_ms=100)
    with Journal(cfg, tmp_path) as j:
        t_start = time.monotonic()
        for k in range(60):
            j.write_samples(batch([0, 1, 2], 1_700_000_000.0 + k, [1.0, 2.0, 3.0]))
            time.sleep(0.01)
        elapsed = time.monotonic() - t_start
        j.flush()
        st = j.stats
    assert st.samples_committed == 180
    assert st.commits <= elapsed / 0.1 + 2  # +1 for the first immediate commit, +1 for the flush


# --- events ---------------------------------------------------------------------------------------


def test_event_is_on_disk_when_write_event_returns(tmp_path, cfg):
    with Journal(cfg, tmp_path) as j:
        results: list[tuple[int, int]] = []

        def act(n: int) -> None:
            for i in range(10):
                ev = JournalEvent(
                    EventKind.OPERATOR_ACTION,
                    f"setpoint {n}/{i}",
                    source="m.speed",
                    user=f"op{n}",
                    severity=Severity.WARNING,
                    data={"value": 1.5 * i, "bad": float("nan"), "arr": np.arange(2)},
                )
                rid = j.write_event(ev)
                # A second connection, opened now, must already see it: committed, not queued.
                con = sqlite3.connect(f"file:{j.path}?mode=ro", uri=True)
                row = con.execute(
                    "SELECT message, user, severity, data FROM events WHERE id=?", (rid,)
                ).fetchone()
                con.close()
                assert (
                    row is not None and row[0] == f"setpoint {n}/{i}" and row[1] == f"op{n}" and row[2] == 1
                )
                assert json.loads(row[3]) == {"value": 1.5 * i, "bad": None, "arr": [0, 1]}
                results.append((n, rid))

        threads = [threading.Thread(target=act, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len({rid for _, rid in results}) == 30
        assert j.stats.events_committed >= 31  # + the SYSTEM 'opened' event


def test_write_events_commits_a_flood_in_one_transaction(tmp_path, cfg):
    t = 1_700_000_000.0
    evs = [
        JournalEvent(EventKind.ALARM, f"alarm {i}", source="m.temp", data={"i": i}, ts=t + i)
        for i in range(50)
    ]
    with Journal(cfg, tmp_path) as j:
        ids = j.write_events(evs)
        assert j.write_events([]) == []
        assert ids == list(range(ids[0], ids[0] + 50))
        back = j.read_events(kinds=[EventKind.ALARM])
    assert [e.id for e in back] == ids and back[7].kind is EventKind.ALARM and back[7].data == {"i": 7}
    assert len({e.committed_at for e in back}) == 1  # one transaction


def test_read_events_filters_and_system_events(tmp_path, cfg):
    t = 1_700_000_000.0
    with Journal(cfg, tmp_path) as j:
        for i, kind in enumerate([EventKind.CONNECTION, EventKind.MACHINE_STATE, EventKind.OPERATOR_ACTION]):
            j.write_event(JournalEvent(kind, f"e{i}", ts=t + i))
        got = j.read_events(t, t + 2)
        assert [e.message for e in got] == ["e0", "e1"]
        assert [e.message for e in j.read_events(kinds=[EventKind.OPERATOR_ACTION])] == ["e2"]
        assert got[0].kind is EventKind.CONNECTION and got[0].id > 0 and got[0].committed_at
    with open_journal_readonly(j.path) as r:
        system = [e.message for e in r.read_events(kinds=["system"])]
    assert system == ["journal opened", "journal closed"]


# --- files, rotation ---------------------------------------------------------------------------------


@pytest.fixture
def berlin_tz():
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Berlin"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_daily_rotation_at_local_midnight(tmp_path, cfg, berlin_tz):
    before = dt.datetime(2026, 3, 28, 23, 59, 59).timestamp()  # local (Berlin) time
    now = [before]
    with Journal(cfg, tmp_path, clock=lambda: now[0]) as j:
        first = j.path
        assert first.name == "jt_2026-03-28.db"
        j.write_samples(batch([0, 1, 2], before, [0.0, 1.0, 2.0]))
        j.flush()
        now[0] = before + 2.0  # 00:00:01 on the 29th
        j.write_samples(batch([1, 2], before + 1.5, [3.0, 4.0]))
        j.flush()
        assert j.path.name == "jt_2026-03-29.db"
        assert j.stats.rotations == 1
        rid = j.write_event(JournalEvent(EventKind.OPERATOR_ACTION, "after midnight", ts=now[0]))
        both = j.read_samples(["m.speed", "m.temp"], before - 10, before + 10)
    assert [d.isoformat() for d, _ in journal_files(tmp_path, "jt")] == ["2026-03-28", "2026-03-29"]
    assert list(both["m.speed"].value) == [1.0, 3.0] and list(both["m.temp"].value) == [2.0, 4.0]
    with open_journal_readonly(first) as r:
        msgs = [e.message for e in r.read_events()]
        assert msgs[-1] == "journal rotated: continues in the next file"
        assert len(r.read_samples("m.temp")["m.temp"]) == 1
    with open_journal_readonly(tmp_path / "jt_2026-03-29.db") as r:
        evs = r.read_events()
        assert [e.message for e in evs] == ["journal rotated", "after midnight", "journal closed"]
        assert evs[0].data["previous_file"] == str(first)
        assert rid == evs[1].id
        assert r.meta()["file_date"] == "2026-03-29"
        assert r.tag_ids() == {"m.state": 1, "m.speed": 2, "m.temp": 3}


def test_rotation_none_uses_one_file(tmp_path):
    now = [1_700_000_000.0]
    with Journal(make_config(rotation="none"), tmp_path, clock=lambda: now[0]) as j:
        j.write_samples(batch([0], now[0], [1.0]))
        j.flush()
        now[0] += 3 * 86400
        j.write_samples(batch([0], now[0], [2.0]))
        j.flush()
        assert j.path == tmp_path / "jt.db" and j.stats.rotations == 0
    assert [p.name for _, p in journal_files(tmp_path, "jt")] == ["jt.db"]


def test_reopen_same_day_adds_new_tags_and_keeps_ids(tmp_path):
    with Journal(make_config(["a", "b"], rotation="none"), tmp_path) as j:
        j.write_samples(batch([0, 1], 1.0, [10.0, 20.0]))
    with Journal(make_config(["c", "b", "a"], rotation="none"), tmp_path) as j:
        j.write_samples(batch([0, 1, 2], 2.0, [30.0, 21.0, 11.0]))  # indexes of the new config
        j.flush()
        got = j.read_samples(["a", "b", "c"])
    assert list(got["a"].value) == [10.0, 11.0]
    assert list(got["b"].value) == [20.0, 21.0]
    assert list(got["c"].value) == [30.0]
    with open_journal_readonly(j.path) as r:
        assert r.tag_ids() == {"a": 1, "b": 2, "c": 3}
        opened = [e for e in r.read_events(kinds=["system"]) if e.message == "journal opened"]
        assert opened[1].data["tags_added"] == ["c"]


def test_file_of_another_line_is_refused(tmp_path):
    with Journal(make_config(rotation="none", line="jt"), tmp_path) as j:
        pass
    os.rename(j.path, tmp_path / "other.db")
    with pytest.raises(JournalError, match=r"other\.db: belongs to line 'jt'"):
        Journal(make_config(rotation="none", line="other"), tmp_path).open()


# --- threads, queue bound ---------------------------------------------------------------------------------


def test_close_flushes_and_leaves_no_thread(tmp_path, cfg):
    j = Journal(cfg, tmp_path).open()
    assert any(t.name == "linehmi-journal" for t in threading.enumerate())
    j.write_samples(batch([0, 1, 2], 1.0, [1.0, 2.0, 3.0]))
    j.close()
    j.close()  # idempotent
    assert not any(t.name == "linehmi-journal" for t in threading.enumerate())
    assert j.stats.samples_committed == 3
    with pytest.raises(JournalError, match="closed"):
        j.write_event(JournalEvent(EventKind.OPERATOR_ACTION, "too late"))
    j.write_samples(batch([0], 2.0, [1.0]))  # never raises from the I/O loop: counted instead
    assert j.stats.samples_dropped == 1


def test_full_queue_drops_newest_and_journals_a_gap(tmp_path):
    cfg = make_config(interval_ms=10_000)  # the writer will not commit again on its own during the test
    with Journal(cfg, tmp_path, max_queued_samples=100) as j:
        j.write_samples(batch([0] * 10, 1.0, np.ones(10)))
        deadline = time.monotonic() + 5
        while j.stats.samples_committed < 10 and time.monotonic() < deadline:  # first one: at once
            time.sleep(0.01)
        for k in range(20):
            j.write_samples(batch([1] * 10, 10.0 + k, np.ones(10)))
        st = j.stats
        assert st.queue_depth == 100 and st.samples_dropped == 100 and st.batches_dropped == 10
        j.flush()
        gaps = j.read_events(kinds=[EventKind.DATA_GAP])
    assert j.stats.samples_committed == 110
    assert len(gaps) == 1 and gaps[0].severity is Severity.WARNING
    assert gaps[0].data["samples"] == 100 and gaps[0].data["tags"] == ["m.speed"]
    assert gaps[0].data["first_ts"] == 20.0 and gaps[0].data["last_ts"] == 29.0


# --- errors ---------------------------------------------------------------------------------------


def test_unwritable_directory_gives_clear_error_naming_the_file(tmp_path, cfg):
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("x")
    j = Journal(cfg, blocker / "journal")
    with pytest.raises(JournalError) as err:
        j.open()
    msg = str(err.value)
    assert str(blocker / "journal") in msg and "jt_" in msg and "cannot create directory" in msg
    assert not j.is_open and not any(t.name == "linehmi-journal" for t in threading.enumerate())


def test_removed_file_is_detected_and_a_new_one_started(tmp_path, cfg):
    errors: list[str] = []
    with Journal(cfg, tmp_path, on_error=errors.append) as j:
        j.write_event(JournalEvent(EventKind.OPERATOR_ACTION, "before"))
        os.unlink(j.path)
        rid = j.write_event(JournalEvent(EventKind.OPERATOR_ACTION, "after"))
        st = j.stats
        assert st.write_errors >= 1 and st.reopens == 1
        assert st.last_error and str(j.path) in st.last_error and "removed" in st.last_error
        assert errors and str(j.path) in errors[0]
        con = sqlite3.connect(j.path)
        msgs = [r[0] for r in con.execute("SELECT message FROM events ORDER BY id")]
        con.close()
    assert msgs[0].startswith("journal reopened: journal file") and "removed" in msgs[0]
    assert msgs[1] == "after" and rid == 2
    # The removed file's WAL is set aside, not replayed into the new file.
    assert len(list(tmp_path.glob("*.db-wal.orphan-*"))) == 1


def test_disk_full_is_reported_samples_kept_and_retried(tmp_path, cfg):
    with Journal(cfg, tmp_path) as j:
        j.flush()
        conn = j._conn
        assert conn is not None
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count={pages}")  # the writer is idle: this 'fills the disk'
        n = 20_000
        j.write_samples(batch(np.arange(n) % 3, 1.0 + np.arange(n), np.ones(n)))
        with pytest.raises(JournalError) as err:
            j.flush()
        assert str(j.path) in str(err.value) and "full" in str(err.value)
        assert j.stats.queue_depth == n and j.stats.write_errors >= 1
        j.flush()  # the writer reopens the file (the limit is gone with the old connection) and retries
        assert j.stats.samples_committed == n and j.stats.queue_depth == 0
        reopened = [e for e in j.read_events(kinds=["system"]) if e.message.startswith("journal reopened")]
        assert reopened and "full" in reopened[0].data["after_error"]


def test_readonly_open_refuses_writes_and_non_journal_files(tmp_path, cfg):
    with Journal(cfg, tmp_path) as j:
        pass
    with open_journal_readonly(j.path) as r, pytest.raises(sqlite3.OperationalError, match="readonly"):
        r.conn.execute("DELETE FROM events")
    other = tmp_path / "x.db"
    sqlite3.connect(other).execute("CREATE TABLE t(x)").connection.close()
    with pytest.raises(JournalError, match=r"x\.db: not a LineHMI journal"):
        open_journal_readonly(other)
    with pytest.raises(JournalError, match="not found"):
        open_journal_readonly(tmp_path / "missing.db")


# --- crash safety ---------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("run", range(2))
def test_sigkill_mid_stream_loses_nothing_committed(tmp_path, run):
    proc = subprocess.Popen(
        [sys.executable, str(HELPER), str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    lines: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("READY"):
                ready.set()

    reader = threading.Thread(target=pump)
    reader.start()
    try:
        assert ready.wait(30), (
            f"writer did not start: {proc.stderr.read() if proc.poll() is not None else ''}"
        )
        time.sleep(random.uniform(0.3, 1.0))
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        reader.join(10)
        assert proc.stderr is not None
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    complete = [ln.split() for ln in lines if ln.endswith("\n")]
    batches = {int(p[1]): int(p[2]) for p in complete if p[0] == "B"}
    events = {int(p[1]): int(p[2]) for p in complete if p[0] == "E"}
    assert len(batches) >= 5, "killed before anything was committed"

    path = tmp_path / "crash.db"
    con = sqlite3.connect(path)  # a read-write open recovers the WAL, as the next app start would
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    counts = dict(con.execute("SELECT CAST(value AS INTEGER), count(*) FROM samples GROUP BY 1"))
    for k, n in batches.items():
        assert counts.get(k) == n, f"batch {k} reported committed with {n} samples, file has {counts.get(k)}"
    # Every commit is whole: its bookkeeping row and its samples went in together, nothing else did.
    commits = con.execute("SELECT first_sample_id, last_sample_id, n_samples FROM commits").fetchall()
    for first, last, n in commits:
        assert last - first + 1 == n
    total = con.execute("SELECT count(*) FROM samples").fetchone()[0]
    assert total == sum(n for _, _, n in commits)
    for rid, k in events.items():
        row = con.execute("SELECT data FROM events WHERE id=?", (rid,)).fetchone()
        assert row is not None and json.loads(row[0]) == {"k": k}
    con.close()
    # The next start carries on in the same file.
    cfg = make_config(rotation="none", line="crash")
    with Journal(cfg, tmp_path) as j:
        assert j.path == path
