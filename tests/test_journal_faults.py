"""The journal under a failing disk: posted events are kept and retried, never dropped silently.

Faults are injected at the SQLite layer (a connection subclass whose write transactions fail
with the error SQLite gives for a full disk, a read-only file system or an I/O error, or whose
COMMIT hangs like a frozen file system) and, where this machine lets a test mount one, with a
real 1 MB tmpfs that runs full. Events are checked one by one.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.journal import Journal, JournalError
from tests.test_journal import batch, make_config

FAULTS = {
    "disk full": "database or disk is full",
    "read-only": "attempt to write a readonly database",
    "i/o error": "disk I/O error",
}
POSTED_KINDS = [EventKind.ALARM, EventKind.MACHINE_STATE, EventKind.QC, EventKind.CONNECTION]


class Disk:
    """What the injected connections see: an error for every write transaction, or a hung COMMIT."""

    def __init__(self) -> None:
        self.error: str | None = None
        self.flowing = threading.Event()
        self.flowing.set()

    def factory(self) -> type[sqlite3.Connection]:
        disk = self

        class FaultyConnection(sqlite3.Connection):
            def execute(self, sql: str, *args: object) -> sqlite3.Cursor:  # type: ignore[override]
                if sql.startswith("BEGIN") and disk.error:
                    raise sqlite3.OperationalError(disk.error)
                if sql == "COMMIT":
                    disk.flowing.wait(30)
                return super().execute(sql, *args)  # type: ignore[arg-type]

        return FaultyConnection


def ev(i: int, kind: EventKind = EventKind.ALARM) -> JournalEvent:
    return JournalEvent(kind, f"event {i}", source=f"src{i % 3}", data={"i": i}, ts=1000.0 + i)


def posted_rows(j: Journal) -> list[tuple[str, str, int]]:
    """(kind, message, i) of every non-journal event, in commit (id) order."""
    con = sqlite3.connect(j.path)
    try:
        rows = con.execute(
            "SELECT kind, message, json_extract(data, '$.i') FROM events ORDER BY id"
        ).fetchall()
    finally:
        con.close()
    return [r for r in rows if r[2] is not None]


@pytest.fixture
def disk() -> Disk:
    return Disk()


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_posted_events_survive_a_failing_disk_one_by_one(tmp_path, disk, fault):
    cfg = make_config(interval_ms=50)
    with Journal(cfg, tmp_path, connection_factory=disk.factory()) as j:
        j.post_event(ev(0))
        j.flush()
        disk.error = FAULTS[fault]
        expected = [ev(0)]
        for i in range(1, 40):
            e = ev(i, POSTED_KINDS[i % len(POSTED_KINDS)])
            j.post_event(e)
            expected.append(e)
            if i % 10 == 0:
                j.write_samples(batch([0, 1], 1000.0 + i, [1.0, 2.0]))
        # An operator action is still refused at once (nobody may be told it is recorded) ...
        with pytest.raises(JournalError, match=FAULTS[fault].split()[-1]):
            j.write_event(JournalEvent(EventKind.OPERATOR_ACTION, "ack", user="op"), timeout=5)
        with pytest.raises(JournalError):
            j.flush(timeout=5)
        st = j.stats
        assert st.events_queued >= 39 and st.events_lost == 0 and st.write_errors >= 1
        assert st.oldest_uncommitted_at is not None and st.oldest_uncommitted_at <= time.time()
        disk.error = None  # ... the disk works again: everything that waited is committed
        j.flush()
        got = posted_rows(j)
        st = j.stats
    assert [(k, m, i) for k, m, i in got] == [(e.kind.value, e.message, e.data["i"]) for e in expected]
    assert st.events_queued == 0 and st.events_lost == 0 and st.samples_committed == 6
    assert st.oldest_uncommitted_at is None


def test_bound_exceeded_loss_is_journaled_with_counts_and_kinds(tmp_path, disk):
    cfg = make_config(interval_ms=50)
    with Journal(cfg, tmp_path, connection_factory=disk.factory(), max_queued_events=5) as j:
        j.flush()
        disk.error = FAULTS["disk full"]
        kinds = [EventKind.ALARM, EventKind.ALARM, EventKind.QC, EventKind.MACHINE_STATE] * 2
        for i, k in enumerate(kinds):
            j.post_event(ev(i, k))
        time.sleep(0.1)
        assert j.stats.events_lost == 3
        disk.error = None
        j.flush()
        got = posted_rows(j)
        lost = [e for e in j.read_events(kinds=[EventKind.SYSTEM]) if e.data.get("event") == "events_lost"]
    assert [i for _, _, i in got] == [0, 1, 2, 3, 4]
    assert len(lost) == 1 and lost[0].severity is Severity.ERROR
    d = lost[0].data
    assert d["lost"] == 3 and d["by_kind"] == {"alarm": 1, "machine_state": 1, "qc": 1}
    assert d["first_ts"] == 1005.0 and d["last_ts"] == 1007.0 and lost[0].ts == 1005.0
    assert (
        d["sources"] == ["alarm:src2", "machine_state:src1", "qc:src0"]
        and "queue was full" in d["reasons"][0]
    )
    assert lost[0].message.startswith("journal lost 3 events (alarm 1, machine_state 1, qc 1) because")


def test_stalled_commit_keeps_events_queued_and_shows_their_age(tmp_path, disk):
    cfg = make_config(interval_ms=50)
    now = [5000.0]
    with Journal(cfg, tmp_path, connection_factory=disk.factory(), clock=lambda: now[0]) as j:
        j.flush()
        disk.flowing.clear()  # the next COMMIT hangs like a frozen file system
        try:
            for i in range(5):
                j.post_event(ev(i))
            now[0] += 7.0
            time.sleep(0.2)
            st = j.stats
            assert st.events_queued == 5 and st.oldest_uncommitted_at == 5000.0
        finally:
            disk.flowing.set()
        j.flush()
        assert [i for _, _, i in posted_rows(j)] == list(range(5))
        assert j.stats.events_queued == 0


def test_events_posted_after_close_are_counted_lost(tmp_path, caplog):
    cfg = make_config()
    j = Journal(cfg, tmp_path).open()
    j.close()
    j.post_event(ev(1))
    assert j.stats.events_lost == 1
    assert "closed" in caplog.text


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("post"), st.sampled_from(POSTED_KINDS)),
            st.tuples(st.just("fault"), st.sampled_from([None, *sorted(FAULTS)])),
            st.tuples(st.just("samples"), st.integers(1, 50)),
        ),
        max_size=40,
    )
)
def test_property_every_posted_event_is_committed_once_in_order(tmp_path_factory, ops):
    """Whatever the sequence of posts, samples and disk faults: once the disk works, every posted
    event is in the journal exactly once, in the order it was posted."""
    disk = Disk()
    cfg = make_config(interval_ms=20)
    posted: list[int] = []
    with Journal(cfg, tmp_path_factory.mktemp("j"), connection_factory=disk.factory()) as j:
        for n, (op, arg) in enumerate(ops):
            if op == "post":
                j.post_event(ev(n, arg))
                posted.append(n)
            elif op == "fault":
                disk.error = FAULTS[arg] if arg else None
            else:
                j.write_samples(batch(np.arange(arg) % 3, 1000.0 + n, np.ones(arg)))
        disk.error = None
        j.flush()
        got = [i for _, _, i in posted_rows(j)]
        assert j.stats.events_queued == 0 and j.stats.events_lost == 0
    assert got == posted


# --- a real full file system ------------------------------------------------------------------------


@contextlib.contextmanager
def small_tmpfs(where: Path, size: str = "1m") -> Iterator[Path]:
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    )
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_real_full_file_system_events_kept_then_committed(tmp_path):
    with small_tmpfs(tmp_path / "fs") as fs:
        cfg = make_config(interval_ms=50)
        with Journal(cfg, fs / "journal") as j:
            j.post_event(ev(0))
            j.flush()
            filler = fs / "filler"
            fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
            with contextlib.suppress(OSError):  # fill the file system to the last block
                while True:
                    os.write(fd, b"\0" * 4096)
            os.close(fd)
            posted = [0]
            for i in range(1, 200):
                j.post_event(
                    JournalEvent(EventKind.ALARM, f"event {i} " + "x" * 400, data={"i": i}, ts=1000.0 + i)
                )
                posted.append(i)
            deadline = time.monotonic() + 10
            while j.stats.write_errors == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert j.stats.write_errors >= 1 and j.stats.events_queued > 0
            assert "full" in (j.stats.last_error or "")
            filler.unlink()
            j.flush(timeout=20)
            got = [i for _, _, i in posted_rows(j)]
            assert j.stats.events_lost == 0
    assert got == posted


# --- health: queue depth, oldest age, disk free, stall warning -----------------------------------


def test_stall_is_reported_within_5_s_in_health_and_as_a_journal_event(tmp_path, disk):
    from hmi.core.journal_health import JournalWatch

    cfg = make_config(interval_ms=50)
    now = [5000.0]
    with Journal(cfg, tmp_path, connection_factory=disk.factory(), clock=lambda: now[0]) as j:
        watch = JournalWatch(j, stall_after_s=3.0, clock=lambda: now[0], disk_free=lambda p: 10**12)
        assert not watch.look().stalled
        j.flush()
        disk.flowing.clear()  # the file system freezes
        try:
            j.write_samples(batch([0, 1], now[0], [1.0, 2.0]))
            j.post_event(ev(1))
            seen = []
            for _ in range(5):  # one look a second, as the watch thread takes them
                now[0] += 1.0
                time.sleep(0.05)
                seen.append(watch.look())
            stalled_at = next(i + 1 for i, h in enumerate(seen) if h.stalled)
            h = seen[-1]
            assert stalled_at <= 5 and h.queued_samples == 2 and h.queued_events >= 1
            assert "STALLED" in h.line() and "queue 2 samples" in h.line() and "1000.0 GB free" in h.line()
        finally:
            disk.flowing.set()
        j.flush()
        assert not watch.look().stalled
        j.flush()  # the watch's own "writing again" event
        msgs = [e.message for e in j.read_events(kinds=[EventKind.SYSTEM])]
    assert any(m.startswith("journal stalled: nothing committed for") for m in msgs)
    assert any(m.startswith("journal writing again after a stall") for m in msgs)


def test_low_disk_is_warned_once_per_change_and_handed_to_the_guard(tmp_path):
    from hmi.core.journal_health import JournalWatch

    free = [10**10]
    guarded = []
    with Journal(make_config(), tmp_path) as j:
        watch = JournalWatch(
            j, warn_free_mb=2000, critical_free_mb=500, disk_free=lambda p: free[0], on_disk=guarded.append
        )
        watch._next_disk = 0.0
        assert watch.look().disk == "ok"
        for f, want in [(1.5e9, "low"), (1.4e9, "low"), (4e8, "critical"), (5e9, "ok")]:
            free[0] = int(f)
            watch._next_disk = 0.0
            assert watch.look().disk == want
        j.flush()
        msgs = [e.message for e in j.read_events(kinds=[EventKind.SYSTEM]) if e.data.get("event") == "disk"]
    assert len(msgs) == 3 and "low" in msgs[0] and "critical" in msgs[1] and "back to" in msgs[2]
    assert [h.disk for h in guarded] == ["low", "low", "critical"]
