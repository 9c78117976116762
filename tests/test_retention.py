"""Retention per kind and the disk guard: raw samples go first, rollups later, events and audit last
(or never); QC images by age and size; the guard sheds QC images first and never events."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest

from hmi.core.config import RetentionConfig
from hmi.core.events import EventKind, JournalEvent
from hmi.core.journal import Journal
from hmi.core.retention import RetentionJob
from hmi.core.sample_store import sample_count
from tests.test_journal import batch, make_config

TODAY = dt.date(2026, 11, 30)
AGES = [40, 10, 3, 1, 0]  # days before TODAY


def noon(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, 12).timestamp()


def count(path: Path, table: str) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def stored(path: Path) -> int:
    """Samples the file holds, raw rows and compacted chunks together."""
    con = sqlite3.connect(path)
    try:
        return sample_count(con)
    finally:
        con.close()


@pytest.fixture
def days(tmp_path) -> dict[int, Path]:
    """One journal file per age, each with 300 samples (and their rollups) and 2 events."""
    cfg = make_config(interval_ms=20)
    out = {}
    for age in AGES:
        t = noon(TODAY - dt.timedelta(days=age))
        with Journal(cfg, tmp_path, clock=lambda t=t: t) as j:
            n = 300
            j.write_samples(batch(np.arange(n) % 3, t + np.arange(n), np.arange(n, dtype=float)))
            j.write_event(JournalEvent(EventKind.ALARM, f"alarm {age}", ts=t))
            j.write_event(JournalEvent(EventKind.AUDIT, f"ack {age}", user="op", ts=t))
            j.flush()
            out[age] = j.path
    qc = tmp_path / "qc"
    for age in AGES:
        d = qc / (TODAY - dt.timedelta(days=age)).isoformat()
        d.mkdir(parents=True)
        for k in range(3):
            (d / f"1200{k:02d}_0000000{k}_scratch.png").write_bytes(b"x" * 1000)
    return out


def job(tmp_path, posted, free=lambda p: 10**12, forwarded_through=None, **policy) -> RetentionJob:
    return RetentionJob(
        tmp_path,
        "jt",
        RetentionConfig(**policy),
        post_event=posted.append,
        warn_free_bytes=2 * 10**9,
        critical_free_bytes=5 * 10**8,
        clock=lambda: noon(TODAY),
        disk_free=free,
        forwarded_through=forwarded_through,
    )


def test_each_kind_is_kept_for_its_own_time(tmp_path, days):
    posted: list[JournalEvent] = []
    r = job(tmp_path, posted, raw_days=5, rollup_days=30, qc_days=5).run_once()
    assert sorted(r.raw_files) == sorted(days[a].name for a in (40, 10)) and r.samples_removed == 600
    assert r.rollup_files == [days[40].name] and r.files_removed == []
    # the closed file still inside raw_days is compacted: its samples are all there, in chunks
    assert r.compacted_files == [days[3].name] and r.samples_compacted == 300
    assert count(days[3], "samples") == 0 and count(days[3], "sample_chunks") == 3
    for age, path in days.items():
        assert stored(path) == (0 if age in (40, 10) else 300), age
        assert (count(path, "sample_rollup") > 0) == (age != 40), age
        assert count(path, "events") >= 2, age  # events and audit: kept
    assert r.qc_images_removed == 6  # the two day folders older than 5 days
    assert [e.message for e in posted] == ["retention removed " + r.describe()]
    con = sqlite3.connect(days[10])
    assert con.execute("SELECT value FROM meta WHERE key = 'raw_samples_removed_at'").fetchone()
    con.close()
    assert job(tmp_path, posted, raw_days=5, rollup_days=30, qc_days=5).run_once().describe() == "nothing"


def test_a_compacted_file_keeps_its_rollup_packs_until_its_rollups_go(tmp_path, days):
    """The packs are a read copy of the rollups (hmi.core.rollup_pack): made at compaction, removed
    with the rollups."""
    job(tmp_path, [], raw_days=5, rollup_days=30).run_once()
    assert count(days[3], "rollup_packs") > 0 and count(days[1], "samples") == 300
    r = job(tmp_path, [], raw_days=2, rollup_days=2).run_once()
    assert days[3].name in r.rollup_files
    assert count(days[3], "sample_rollup") == 0 and count(days[3], "rollup_packs") == 0


def test_events_past_their_retention_take_the_whole_file(tmp_path, days):
    r = job(tmp_path, [], raw_days=5, rollup_days=30, events_days=35).run_once()
    assert r.files_removed == [days[40].name] and not days[40].exists()
    assert days[10].exists() and count(days[10], "events") >= 2


def test_qc_images_bounded_by_size_oldest_first(tmp_path, days):
    r = job(tmp_path, [], qc_max_gb=7e-6).run_once()  # 7,000 bytes: 7 of the 15 images stay
    left = sorted(p.parent.name for p in (tmp_path / "qc").rglob("*.png"))
    assert r.qc_images_removed == 8 and len(left) == 7
    assert left[0] == (TODAY - dt.timedelta(days=3)).isoformat()  # the oldest went first


def test_disk_guard_sheds_qc_images_first_then_raw_samples_never_events(tmp_path, days):
    posted: list[JournalEvent] = []

    def free(_p) -> int:  # each removed image frees "20 MB": 300 MB at best, below the 500 MB critical
        n = sum(1 for _ in (tmp_path / "qc").rglob("*.png"))
        return int(2e7 * (15 - n))

    g = job(tmp_path, posted, free=free, raw_days=5, rollup_days=30, qc_days=0)
    r = g.shed()
    assert r.qc_images_removed == 15  # 1. all images first (still below the warn threshold)
    # 2. raw samples past raw_days (40 and 10 days old); 3. still critical: the oldest closed day
    # that still has raw samples (3 days old) loses them, its rollups stay
    assert r.raw_files == [days[40].name, days[10].name, days[3].name]
    assert stored(days[3]) == 0 and count(days[3], "sample_rollup") > 0
    assert stored(days[1]) == 300 and stored(days[0]) == 300
    assert all(count(p, "events") >= 2 for p in days.values())
    assert (
        posted
        and posted[-1].message.startswith("disk space low")
        and "disk guard removed" in posted[-1].message
    )


def test_retention_never_blocks_the_writer(tmp_path, days):
    cfg = make_config(interval_ms=20)
    t = noon(TODAY)
    g = job(tmp_path, [], raw_days=2, rollup_days=2, qc_days=2)
    with Journal(cfg, tmp_path, clock=lambda: t) as j:
        th = threading.Thread(target=g.run_once)
        th.start()
        for k in range(20):  # keeps committing to today's file while old files are purged and vacuumed
            j.write_samples(batch([0, 1], t + 1000 + k, [float(k), float(k)]))
            j.write_event(JournalEvent(EventKind.ALARM, f"live {k}", ts=t + k))
        th.join(60)
        j.flush()
        assert j.stats.write_errors == 0
    assert days[0].name not in g.run_once().raw_files
    assert count(days[0], "samples") == 300 + 40


def _max_id(path: Path, table: str) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0])
    finally:
        con.close()


@pytest.fixture
def gated(tmp_path, days) -> tuple[RetentionJob, dict[str, dict[str, int]], list[int]]:
    """A retention job with [plant] configured over `days`: (job, what the forwarder has confirmed
    per file name, [the disk's free bytes]); nothing confirmed and a roomy disk to start with."""
    confirmed: dict[str, dict[str, int]] = {}
    free = [10**12]
    g = job(
        tmp_path,
        [],
        free=lambda p: free[0],
        forwarded_through=lambda p: confirmed.get(p.name, {}),
        raw_days=5,
        rollup_days=30,
        events_days=35,
    )
    return g, confirmed, free


def confirm(confirmed: dict[str, dict[str, int]], path: Path, short: int = 0) -> None:
    """The forwarder confirms every event of `path` and all but its last `short` samples."""
    confirmed[path.name] = {"events": _max_id(path, "events"), "samples": _max_id(path, "samples") - short}


def test_nothing_is_removed_before_the_plant_historian_has_it(days, gated):
    """With [plant], retention asks the forwarder first: a file not fully forwarded stays as it is,
    also under the disk guard (issue 17: the journal files are the forwarder's buffer)."""
    g, confirmed, free = gated
    r = g.run_once()
    assert sorted(r.held_for_plant) == sorted(days[a].name for a in (40, 10, 3))
    assert not r.raw_files and not r.files_removed and not r.rollup_files
    assert all(count(days[a], "samples") == 300 for a in (10, 3)) and days[40].exists()
    free[0] = 10**8  # below critical: the disk guard must not shed unforwarded raw samples either
    g.shed()
    assert all(count(days[a], "samples") == 300 for a in (10, 3))
    free[0] = 10**12
    # the forwarder confirms every row of the 10-day file, and all but the last sample of the 40-day one
    confirm(confirmed, days[10])
    confirm(confirmed, days[40], short=1)
    r = g.run_once()
    assert r.raw_files == [days[10].name] and r.held_for_plant == [days[40].name, days[3].name]
    assert days[40].exists() and count(days[10], "samples") == 0
    # no [plant] configured: the forwarder's answer is None and retention goes ahead
    g._forwarded_through = lambda p: None
    r = g.run_once()
    assert r.files_removed == [days[40].name]


def test_nothing_is_compacted_before_the_plant_historian_has_it(days, gated):
    """With [plant], retention asks the forwarder first: a file not fully forwarded is not compacted."""
    g, confirmed, _free = gated
    r = g.run_once()
    assert sorted(r.held_for_plant) == sorted(days[a].name for a in (40, 10, 3))
    assert not r.raw_files and not r.compacted_files and not r.files_removed
    assert all(stored(days[a]) == 300 for a in (10, 3)) and days[40].exists()
    # the forwarder confirms the 3-day file's rows, and all but the last sample of the 10-day file
    confirm(confirmed, days[3])
    confirm(confirmed, days[10], short=1)
    r = g.run_once()
    assert r.compacted_files == [days[3].name] and r.held_for_plant == [days[40].name, days[10].name]
    assert stored(days[10]) == 300 and count(days[3], "samples") == 0 and stored(days[3]) == 300
    # no [plant] configured: the forwarder's answer is None and retention goes ahead
    g._forwarded_through = lambda p: None
    r = g.run_once()
    assert r.files_removed == [days[40].name] and r.raw_files == [days[10].name]
