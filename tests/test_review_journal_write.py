"""A stop reason from the review into the journal: only by a user whose role may classify stops, only
through the Production view's audited path (the same audit row, read back by the Production figures),
only into a file no program is writing; otherwise nothing is written."""

from __future__ import annotations

import datetime as _dt
import hashlib
import sqlite3

import pytest

from hmi.core.audit import Auditor
from hmi.core.events import EventKind, JournalEvent
from hmi.core.journal import Journal
from hmi.core.journal_read import open_journal_readonly
from hmi.core.production.journal_io import shift_summary
from hmi.core.production.setup import ProductionSetup
from hmi.core.production.tracker import ProductionTracker
from hmi.core.review.journal_write import (
    JournalBusy,
    write_classification,
    writer_activity,
)
from hmi.core.review.source import ReviewSource
from hmi.core.review.timeline import build_timeline
from hmi.core.users import PermissionDenied, Role, User
from tests.test_production_journal import _utc_config, run_capper_stop

T0 = _dt.datetime(2026, 3, 2, 6, 0, tzinfo=_dt.UTC).timestamp()
SUE = User("sue", Role.SUPERVISOR)


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def closed_shift(tmp_path):
    """A closed journal: half an hour with the capper's unclassified stop from T0 + 600 to T0 + 900."""
    cfg = _utc_config()
    clock = [T0 - 1.0]  # opened before its samples (the record starts there), closed after them
    journal = Journal(cfg, tmp_path, clock=lambda: clock[0]).open()
    clock[0] = T0 + 1800
    try:
        tracker = ProductionTracker(ProductionSetup.from_config(cfg), cfg.tag_index(), journal, Auditor(journal),
                                    clock=lambda: T0 + 1800)  # fmt: skip
        tracker.start()
        run_capper_stop(cfg, journal, tracker, T0)
        journal.write_events([  # what the runtime journals from the state tags: the timeline's bars
            JournalEvent(EventKind.MACHINE_STATE, f"capper: -> {st}", source="capper", ts=T0 + dt_,
                         data={"state": st, "fault": "9" if st == "Faulted" else ""})
            for dt_, st in ((0, "Running"), (600, "Faulted"), (900, "Running"))
        ])  # fmt: skip
        journal.flush()
        path = journal.path
    finally:
        journal.close()
    return cfg, path


def capper_stops(path):
    return [
        (s.reason, s.classified_by, s.start)
        for s in shift_summary(path, T0 + 1).stops
        if s.machine == "capper"
    ]


def test_a_supervisor_classifies_through_the_audited_path(closed_shift):
    _cfg, path = closed_shift
    folder = sorted(p.name for p in path.parent.iterdir())
    span = ReviewSource.open([path]).files[0].t1
    assert capper_stops(path) == [("", "", T0 + 600)]
    stop, _rows = write_classification(path, SUE, "capper", T0 + 700, "U-MATERIAL")
    assert stop.start == T0 + 600
    assert capper_stops(path) == [("U-MATERIAL", "sue", T0 + 600)]  # the Production figures read it
    with open_journal_readonly(path) as r:
        (row,) = [
            e for e in r.read_events(kinds=[EventKind.AUDIT]) if e.data.get("action") == "classify_stop"
        ]
    assert row.user == "sue" and row.data["result"] == "ok" and row.data["station"] == "review"
    assert "reason U-MATERIAL (was unclassified)" in row.message
    assert sorted(p.name for p in path.parent.iterdir()) == folder  # the writer's -wal/-shm went with it
    assert ReviewSource.open([path]).files[0].t1 == span  # the audit row's real time does not stretch it


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OPERATOR])
def test_a_role_that_may_not_classify_writes_nothing(closed_shift, role):
    _cfg, path = closed_shift
    before = sha(path)
    with pytest.raises(PermissionDenied, match="supervisor"):
        write_classification(path, User("vic", role), "capper", T0 + 700, "U-MATERIAL")
    assert sha(path) == before


def test_nothing_is_written_without_a_stop_or_with_a_reason_outside_the_tree(closed_shift):
    _cfg, path = closed_shift
    before = sha(path)
    with pytest.raises(ValueError, match="no stop of 'capper'"):
        write_classification(path, SUE, "capper", T0 + 100, "U-MATERIAL")
    with pytest.raises(ValueError, match="not in the reason tree"):
        write_classification(path, SUE, "capper", T0 + 700, "U-NOPE")
    assert sha(path) == before


def test_a_file_a_linehmi_is_writing_is_refused(closed_shift):
    cfg, path = closed_shift
    with Journal(cfg, path.parent, clock=lambda: T0 + 1900) as live:  # the station opens the file again
        assert live.path == path
        live.write_events([JournalEvent(EventKind.OPERATOR_ACTION, "still running", ts=T0 + 1900)])
        live.flush()
        assert "being written by a running LineHMI" in (writer_activity(path) or "")
        with pytest.raises(JournalBusy, match="Production view"):
            write_classification(path, SUE, "capper", T0 + 700, "U-MATERIAL")
        # the reason given is that one also where the instant holds no stop (qa9 Q9-24: "has no stop
        # of 'filler' at that instant" for a file a LineHMI was writing)
        for t in (T0 + 100, T0 + 700, T0 + 5000):
            with pytest.raises(JournalBusy, match="being written by a running LineHMI"):
                write_classification(path, SUE, "capper", t, "U-MATERIAL")
    assert capper_stops(path) == [("", "", T0 + 600)]


def test_a_file_not_closed_by_its_writer_is_refused(closed_shift):
    """No side files, but the last marker is "journal opened": its LineHMI may run on another PC."""
    _cfg, path = closed_shift
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO events (ts, kind, source, user, severity, message, data) VALUES (?, 'system', "
                 "'journal', '', 0, 'journal opened', NULL)", (T0 + 2000,))  # fmt: skip
    conn.commit()
    conn.close()
    before = sha(path)
    with pytest.raises(JournalBusy, match="not closed"):
        write_classification(path, SUE, "capper", T0 + 700, "U-MATERIAL")
    assert sha(path) == before


@pytest.mark.parametrize("note", ["", "pallet of caps late"])
def test_the_open_timeline_takes_the_rows_written_as_a_reopened_one_reads_them(closed_shift, note):
    """The review's timeline, read before the write, with the written audit rows added, equals the
    timeline of the files read again: the stop's mark on the capper's lane at the stop's start, the
    event list and the markers (a classification and, with a remark, a note on the stop)."""
    _cfg, path = closed_shift
    before = build_timeline(ReviewSource.open([path]))
    assert before.stop_marks == []
    stop, written = write_classification(path, SUE, "capper", T0 + 700, "U-MATERIAL", note=note)
    assert [e.data["action"] for e in written] == ["classify_stop"] + (["note_stop"] if note else [])
    before.add_events(written)
    reread = build_timeline(ReviewSource.open([path]))
    assert before.events == reread.events and before.markers == reread.markers
    assert before.stop_marks == reread.stop_marks
    assert [(m.machine, m.t) for m in reread.stop_marks] == [("capper", stop.start)] * len(written)
    assert "reason U-MATERIAL" in reread.stop_marks[0].text and "sue" in reread.stop_marks[0].text
