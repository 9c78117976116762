"""After the shift: review source, timeline, alarm picture at an instant and the shift report, all from
journal files opened read-only (Qt-free), plus the read-only guarantee on the file's bytes."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hmi.core.alarms.event_codec import AlarmSnapshot, TransitionCause, transition_data
from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.journal import Journal
from hmi.core.review.alarm_picture import AlarmPicture
from hmi.core.review.report import build_report, to_markdown
from hmi.core.review.source import ReviewError, ReviewSource
from hmi.core.review.timeline import build_timeline
from tests.test_journal import batch, make_config

ROOT = Path(__file__).resolve().parents[1]
T0 = 1_765_000_000.0  # 2025-12-06


def state(ts: float, machine: str, to: str, fault: str = "") -> JournalEvent:
    return JournalEvent(EventKind.MACHINE_STATE, f"{machine}: -> {to}", source=machine, ts=ts,
                        data={"state": to, "fault": fault})  # fmt: skip


def alarm(ts: float, action: str, *, active: bool, acked: bool, user: str = "", value: float | None = None):
    snap = AlarmSnapshot(alarm="m.temp.hi", name="Machine temperature Hi", tag="m.temp", machine="m",
                         priority="high", priority_level=2, state="x", active=active, acked=acked,
                         activated_at=T0 + 100, trigger_value=71.234)  # fmt: skip
    data = transition_data(snap, action=action, from_state="", to_state="", annunciated=action == "activate",
                           value=value, value_ts=ts, user=user)  # fmt: skip
    return JournalEvent(EventKind.ALARM, f"Machine temperature Hi: {action}", source="m.temp.hi", ts=ts,
                        user=user, severity=Severity.WARNING, data=data)  # fmt: skip


def shift_journal(directory: Path, t0: float = T0, line: str = "jt") -> Path:
    """Ten minutes of a machine: running, an alarm at +100 s acknowledged at +130 s, a fault from +200 s
    to +260 s, a QC reject, a setpoint change; samples every second."""
    cfg = make_config(line=line)
    with Journal(cfg, directory, clock=lambda: t0) as j:
        t = t0 + np.arange(600.0)
        j.write_samples(
            batch(np.zeros(600, dtype=int), t, np.where((t >= t0 + 200) & (t < t0 + 260), 4.0, 2.0))
        )
        j.write_samples(batch(np.ones(600, dtype=int), t, 300.0 + np.zeros(600)))
        j.write_events([
            state(t0, "m", "Running"),
            alarm(t0 + 100, "activate", active=True, acked=False, value=71.234),
            alarm(t0 + 130, "acknowledge", active=True, acked=True, user="olga"),
            state(t0 + 200, "m", "Faulted", "Overheat"),
            state(t0 + 260, "m", "Running"),
            alarm(t0 + 270, "clear", active=False, acked=True),
            JournalEvent(EventKind.QC, "QC reject #7: scratch (91%)", source="camera", ts=t0 + 300,
                         severity=Severity.WARNING, data={"class": "scratch", "image": "qc/x.png"}),
            JournalEvent(EventKind.OPERATOR_ACTION, "m.speed setpoint 300 -> 320: written", user="olga",
                         ts=t0 + 400, data={"action": "write", "tag": "m.speed"}),
            JournalEvent(EventKind.AUDIT, "olga (operator): login - ok", user="olga", ts=t0 + 5,
                         data={"action": "login", "result": "ok"}),
        ])  # fmt: skip
        j.flush()
        path = j.path
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_review_reads_everything_from_the_file_and_never_writes(tmp_path):
    path = shift_journal(tmp_path)
    copy = tmp_path / "copy" / path.name
    copy.parent.mkdir()
    shutil.copy(path, copy)
    before = digest(copy)
    src = ReviewSource.open([copy])
    assert src.config is not None and [m.id for m in src.config.machines] == ["m"]
    tl = build_timeline(src)
    report = to_markdown(build_report(src, src.t0, src.t1 + 1, "test"))
    AlarmPicture(tl.events).at(T0 + 120)
    assert digest(copy) == before
    assert sorted(p.name for p in copy.parent.iterdir()) == [copy.name]  # no -wal/-shm left beside it
    assert "Overheat" in report


def test_timeline_bars_and_markers(tmp_path):
    src = ReviewSource.open([shift_journal(tmp_path)])
    tl = build_timeline(src)
    bars = [(b.state, round(b.t0 - T0), round(b.t1 - T0), b.abnormal) for b in tl.bars]
    assert bars[:3] == [
        ("Running", 0, 200, False),
        ("Faulted", 200, 260, True),
        ("Running", 260, bars[2][2], False),
    ]
    lanes = {m.lane for m in tl.markers}
    assert {"alarms", "qc", "operator"} <= lanes
    nxt = tl.next_marker_after(T0 + 101)
    assert nxt is not None and round(nxt.t - T0) == 130
    assert tl.state_at("m", T0 + 230).state == "Faulted"


@pytest.mark.parametrize(
    ("at", "expected"),
    [(50, []), (110, ["Unacknowledged"]), (150, ["Acknowledged"]), (300, [])],
)
def test_alarm_picture_at_an_instant(tmp_path, at, expected):
    src = ReviewSource.open([shift_journal(tmp_path)])
    rows = AlarmPicture(src.events()).at(T0 + at)
    assert [r.status for r in rows] == expected
    if rows:
        assert rows[0].snapshot.trigger_value == pytest.approx(71.234)


def test_report_figures_match_the_journal(tmp_path):
    path = shift_journal(tmp_path)
    src = ReviewSource.open([path])
    r = build_report(src, T0, T0 + 600, "ten minutes")
    assert r.state_time["m"]["Faulted"] == pytest.approx(60.0)
    assert r.state_time["m"]["Running"] == pytest.approx(540.0, abs=1.0)
    assert [(s.reason, round(s.duration_s)) for s in r.stops] == [("Overheat", 60)]
    assert r.alarm_kpis.annunciated == 1 and r.alarm_kpis.acks == 1
    assert r.users == ["olga"] and r.qc_rejects == {"scratch": 1}
    assert [u for _, u, _ in r.actions] == ["olga"]
    md = to_markdown(r)
    assert "| M | 9:00 |" not in md and "Overheat | 1 | 1:00 |" in md
    # No production model in this journal: no OEE invented, and the report says why.
    assert r.production is None and any("no production figures" in p for p in r.problems)
    assert "OEE" not in md


def test_report_lists_every_operator_change_to_what_the_alarms_show(tmp_path):
    """Shelving, out of service and limit changes (and their undoing) are actions of note; the
    report once missed limit changes because it spelled the cause 'limit_change'."""
    changes = [
        TransitionCause.SHELVE,
        TransitionCause.UNSHELVE,
        TransitionCause.OUT_OF_SERVICE,
        TransitionCause.RETURN_TO_SERVICE,
        TransitionCause.LIMIT_CHANGED,
    ]
    cfg = make_config(line="jt")
    with Journal(cfg, tmp_path, clock=lambda: T0) as j:
        notes = [
            alarm(T0 + 10 * (k + 1), c.value, active=True, acked=True, user="kai")
            for k, c in enumerate(changes)
        ]
        j.write_events(
            [*notes, alarm(T0 + 100, TransitionCause.ACKNOWLEDGE.value, active=True, acked=True, user="kai")]
        )
        j.flush()
        path = j.path
    r = build_report(ReviewSource.open([path]), T0, T0 + 600, "changes")
    assert [ts for ts, user, _ in r.actions if user == "kai"] == [
        T0 + 10 * (k + 1) for k in range(len(changes))
    ]


def test_bad_files_are_named_and_left_out(tmp_path):
    good = shift_journal(tmp_path / "a")
    other = shift_journal(tmp_path / "b", line="other")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).execute("CREATE TABLE x (y)").connection.close()
    src = ReviewSource.open([good, other, junk, empty, tmp_path / "missing.db"])
    assert src.paths == [good]
    text = "\n".join(src.problems)
    assert "junk.db" in text and "not a readable SQLite database" in text
    assert "line 'other'" in text and "missing.db: not found" in text and "empty.db" in text
    with pytest.raises(ReviewError, match="nothing to review"):
        ReviewSource.open([junk])


def test_a_directory_with_missing_days_says_so(tmp_path):
    shift_journal(tmp_path, T0)
    shift_journal(tmp_path, T0 + 3 * 86_400)
    src = ReviewSource.open([tmp_path])
    assert len(src.files) == 2
    assert any("no journal for" in p for p in src.problems)


def test_report_cli_writes_pdf_and_markdown(tmp_path):
    path = shift_journal(tmp_path)
    before = digest(path)
    out = subprocess.run(
        [sys.executable, "-m", "hmi.cli", "report", "--db", str(path), "--pdf", str(tmp_path / "r.pdf"),
         "--markdown", str(tmp_path / "r.md")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"
    assert "Overheat" in (tmp_path / "r.md").read_text()
    assert digest(path) == before
    bad = subprocess.run([sys.executable, "-m", "hmi.cli", "report", "--db", str(tmp_path / "nope.db")],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert bad.returncode == 2 and "nope.db: not found" in bad.stderr


def test_alarm_picture_replay_points_give_the_same_picture_as_a_full_replay(tmp_path):
    """The stored replay points are an optimisation only: at every instant the picture equals the one
    rebuilt from all alarm events up to it."""
    src = ReviewSource.open([shift_journal(tmp_path)])
    events = src.events()

    class EveryTwo(AlarmPicture):
        STRIDE = 2

    fast, full = EveryTwo(events), AlarmPicture(events)
    full.STRIDE = 10**9  # one replay from the start
    for t in sorted({e.ts for e in events} | {e.ts + 0.5 for e in events}):
        assert [(r.snapshot, r.since) for r in fast.at(t)] == [(r.snapshot, r.since) for r in full.at(t)]
