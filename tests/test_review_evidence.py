"""A review leaves the evidence folder as it found it: no -wal/-shm beside a closed file, a corrupt
file or a file a crashed writer left with its WAL, and nothing new beside a file a LineHMI is writing
now (whose own side files SQLite requires every reader to share: hmi.core.readonly_db)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from hmi.core.events import EventKind, JournalEvent
from hmi.core.journal import Journal
from hmi.core.readonly_db import connect_readonly, may_have_live_writer, side_files
from hmi.core.review.alarm_picture import AlarmPicture
from hmi.core.review.instant import InstantReader
from hmi.core.review.report import build_report, to_markdown
from hmi.core.review.source import ReviewError, ReviewSource
from hmi.core.review.timeline import build_timeline
from tests.test_journal import batch, make_config
from tests.test_review import T0, shift_journal


def listing(folder: Path) -> dict[str, str]:
    """Every file of the folder with its sha256 (side files included)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def review_session(paths: list[Path]) -> str:
    """What the review workspace and `linehmi report` read: timeline, alarm picture, the faceplates'
    values at instants, trend history, alarm KPIs, production, the report."""
    src = ReviewSource.open(paths)
    tl = build_timeline(src)
    AlarmPicture(tl.events).at(T0 + 120)
    hist = src.historian()
    reader = InstantReader(hist, tl, ["m.speed", "m.temp"])
    for t in (T0 + 10, T0 + 300, T0 + 590):
        reader.at(t)
    hist.read(["m.speed"], src.t0, src.t1, width_px=300)
    reader.close()
    src.alarm_kpis(src.t0, src.t1 + 1)
    return to_markdown(build_report(src, src.t0, src.t1 + 1, "evidence"))


def test_closed_file_is_opened_immutable_and_nothing_appears_beside_it(tmp_path):
    path = shift_journal(tmp_path)
    assert side_files(path) == []  # the writer closed it: checkpointed, side files removed
    before = listing(tmp_path)
    assert "Overheat" in review_session([path])
    assert listing(tmp_path) == before


def test_corrupt_and_foreign_files_leave_no_side_files(tmp_path):
    good = shift_journal(tmp_path / "ev")
    folder = good.parent
    data = good.read_bytes()
    (folder / "truncated.db").write_bytes(data[: len(data) // 3])
    (folder / "garbage.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    (folder / "text.db").write_text("not a journal")
    before = listing(folder)
    src = ReviewSource.open([folder])
    problems = "\n".join(src.problems)
    assert "garbage.db" in problems and "text.db" in problems
    review_session([folder])
    with pytest.raises(ReviewError):
        ReviewSource.open([folder / "garbage.db", folder / "text.db"])
    assert listing(folder) == before


def test_file_with_a_live_writer_is_read_through_its_own_side_files_and_nothing_new(tmp_path):
    """While a LineHMI writes the file (WAL mode: -wal and -shm exist), a review reads its latest
    commits through the writer's own wal-index and creates nothing; the writer's files stay."""
    cfg = make_config()
    with Journal(cfg, tmp_path, clock=lambda: T0) as j:
        t = T0 + np.arange(60.0)
        j.write_samples(batch(np.ones(60, dtype=int), t, 300.0 + t - T0))
        j.write_events(
            [JournalEvent(EventKind.OPERATOR_ACTION, "written while reviewed", user="olga", ts=T0 + 30)]
        )
        j.flush()
        path = j.path
        assert may_have_live_writer(path)
        names = sorted(p.name for p in tmp_path.iterdir())
        src = ReviewSource.open([path])
        assert any(e.message == "written while reviewed" for e in src.events())  # in the WAL, read
        assert src.historian().values_at(["m.speed"], T0 + 59)["m.speed"][0] == 359.0
        review_session([path])
        assert sorted(p.name for p in tmp_path.iterdir()) == names


def test_crashed_writers_wal_is_read_from_a_private_copy(tmp_path):
    """A -wal without its -shm (copied from a station that crashed): reading it in place would make
    SQLite create the -shm; the review reads a private copy instead, with the WAL's commits."""
    live = tmp_path / "live"
    live.mkdir()
    with Journal(make_config(), live, clock=lambda: T0) as j:
        j.write_samples(batch(np.ones(10, dtype=int), T0 + np.arange(10.0), np.full(10, 7.0)))
        j.write_events([JournalEvent(EventKind.OPERATOR_ACTION, "only in the WAL", ts=T0 + 5)])
        j.flush()
        evidence = tmp_path / "evidence"
        evidence.mkdir()
        shutil.copy(j.path, evidence / j.path.name)
        shutil.copy(j.path.with_name(j.path.name + "-wal"), evidence / (j.path.name + "-wal"))
    before = listing(evidence)
    src = ReviewSource.open([evidence])
    assert any(e.message == "only in the WAL" for e in src.events())
    conn = connect_readonly(evidence / j.path.name)
    assert conn.execute("SELECT count(*) FROM samples").fetchone()[0] == 10
    conn.close()
    assert listing(evidence) == before
