"""Review playback without Qt: the line at an instant (what the faceplates show), stretches with nothing
recorded, the playback state and its labels, the review notes file, and the report's stop snapshots."""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.historian import Historian
from hmi.core.quality import BAD_WAITING_FOR_INITIAL_DATA, status_short
from hmi.core.review.alarm_picture import AlarmPicture
from hmi.core.review.instant import InstantReader
from hmi.core.review.notes import NoteKind, NotesError, notes_path
from hmi.core.review.playback import PLAYBACK_SPEEDS, Playback
from hmi.core.review.report import SNAPSHOT_STOPS, StopSnapshot, build_report, to_markdown
from hmi.core.review.source import ReviewSource
from hmi.core.review.timeline import build_timeline
from tests.review_fixtures import OFF, STOP, reviewed_shift, speed_at, temp_at
from tests.test_review import T0, shift_journal


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def shift(tmp_path_factory):
    path = reviewed_shift(tmp_path_factory.mktemp("shift"))
    source = ReviewSource.open([path])
    return path, source, build_timeline(source)


# --- the line at an instant -------------------------------------------------------------------------
@settings(deadline=None)
@given(offset=st.floats(min_value=-5.0, max_value=605.0, allow_nan=False))
def test_instant_values_are_the_last_recorded_samples(shift, offset):
    """For any instant: each faceplate tag reads its last sample at or before it (sample-and-hold,
    never interpolated), a tag with no sample yet reads "no sample yet", and the instant is stale exactly
    when it lies where LineHMI recorded nothing."""
    _path, source, timeline = shift
    t = T0 + offset
    reader = InstantReader(source.historian(), timeline, ["m.state", "m.speed", "m.temp"])
    inst = reader.at(t)
    recorded = np.r_[np.arange(T0, OFF[0], 2.0), np.arange(OFF[1], T0 + 600.0, 2.0)]
    before = recorded[recorded <= t]
    if len(before) == 0:
        assert all(math.isnan(v[2]) for v in inst.values.values())
        b = inst.batch({"m.state": 0, "m.speed": 1, "m.temp": 2})
        # QA5 F27: "no sample yet", never a Bad quality the journal does not hold ("? bad").
        assert set(b.status.tolist()) == {BAD_WAITING_FOR_INITIAL_DATA}
        assert {status_short(int(s)) for s in b.status} == {"no sample yet"}
    else:
        last = float(before[-1])
        assert inst.values["m.speed"][:3:2] == (speed_at(last), last)
        assert inst.values["m.temp"][0] == pytest.approx(temp_at(last))
        assert inst.values["m.state"][0] == (4.0 if STOP[0] <= last < STOP[1] else 2.0)
    assert inst.stale == (OFF[0] <= t < OFF[1])


def test_instant_carries_the_alarms_of_each_machine(shift):
    _path, source, timeline = shift
    picture = AlarmPicture(timeline.events)
    reader = InstantReader(source.historian(), timeline, ["m.temp"])
    at_110 = reader.at(T0 + 110, picture.at(T0 + 110))
    assert [r.status for r in at_110.alarms["m"]] == ["Unacknowledged"]
    assert reader.at(T0 + 50, picture.at(T0 + 50)).alarms == {}


def test_historian_values_at_is_the_last_raw_sample(shift):
    """values_at (one lookup per tag at the cursor) against every raw sample read in one go."""
    _path, source, _tl = shift
    h: Historian = source.historian()
    raw = h.read_raw(["m.speed", "m.temp"], T0 - 10, T0 + 700)
    for t in (T0 - 1, T0, T0 + 1, T0 + 201, T0 + 350, T0 + 599, T0 + 650):
        got = h.values_at(["m.speed", "m.temp", "nope"], t)
        for tag, pts in raw.items():
            k = int(np.searchsorted(pts.ts, t, side="right")) - 1
            want = (float(pts.value[k]), int(pts.status[k]), float(pts.ts[k])) if k >= 0 else None
            assert got[tag] == want if want else math.isnan(got[tag][2])
        assert math.isnan(got["nope"][0]) and math.isnan(got["nope"][2])


def test_timeline_marks_where_lineHMI_was_not_running(shift):
    _path, source, timeline = shift
    assert source.not_recording() == [OFF]
    gap = timeline.gap_at(OFF[0] + 10)
    assert gap is not None and "not running" in gap.text
    assert timeline.gap_at(OFF[0] - 1) is None and timeline.gap_at(OFF[1]) is None


# --- playback state and its labels -------------------------------------------------------------------
ACTIONS = st.lists(
    st.one_of(
        st.just(("toggle", 0)),
        st.just(("pause", 0)),
        st.tuples(st.just("speed"), st.sampled_from(PLAYBACK_SPEEDS)),
        st.tuples(st.just("tick"), st.integers(min_value=1, max_value=50)),
    ),
    max_size=30,
)


@settings(deadline=None)
@given(ACTIONS)
def test_playback_labels_always_say_the_state(actions):
    """Whatever the sequence of clicks and ticks: the button names what a click does (Pause while
    playing, Play while paused), the state text says the state, and the cursor never passes the end."""
    pb = Playback()
    t, t_end = 0.0, 600.0
    for what, arg in actions:
        if what == "toggle":
            pb.toggle()
        elif what == "pause":
            pb.pause()
        elif what == "speed":
            pb.set_speed(arg)
        else:
            was = pb.playing
            t2 = pb.advance(t, arg / 10.0, t_end)
            assert t2 == pytest.approx(min(t + pb.speed * arg / 10.0, t_end) if was else t)
            t = t2
        assert pb.button_text == ("Pause" if pb.playing else "Play")
        assert pb.button_icon == ("pause" if pb.playing else "play")
        assert pb.state_text == (f"playing {pb.speed}x" if pb.playing else "paused")
        assert t <= t_end
    with pytest.raises(ValueError, match="expected one of"):
        pb.set_speed(7)


# --- the review notes file ---------------------------------------------------------------------------
def test_notes_go_next_to_the_journal_and_come_back(tmp_path):
    path = shift_journal(tmp_path)
    before = digest(path)
    source = ReviewSource.open([path])
    notes = source.open_notes()
    a = notes.add(NoteKind.NOTE, T0 + 210, "temperature rose before the trip", author="eva")
    notes.add(NoteKind.BOOKMARK, T0 + 100, "first alarm", author="eva")
    notes.add(NoteKind.STOP_REASON, T0 + 200, "", machine="m", reason="U-OVERHEAT", author="eva")
    with pytest.raises(ValueError, match="needs the machine and the reason"):
        notes.add(NoteKind.STOP_REASON, T0 + 200, "x", machine="m", reason=" ")
    assert digest(path) == before  # the evidence is untouched
    assert notes_path(path).exists() and notes_path(path).name == path.name + ".review.json"
    again = ReviewSource.open([path]).open_notes()
    assert [(n.kind, n.t, n.text, n.reason) for n in again.all()] == [
        (NoteKind.BOOKMARK, T0 + 100, "first alarm", ""),
        (NoteKind.STOP_REASON, T0 + 200, "", "U-OVERHEAT"),
        (NoteKind.NOTE, T0 + 210, "temperature rose before the trip", ""),
    ]
    again.remove(a.id)
    assert len(ReviewSource.open([path]).open_notes().all()) == 2
    assert digest(path) == before


def test_a_note_goes_to_the_file_of_its_day(tmp_path):
    day1 = shift_journal(tmp_path, T0)
    day2 = shift_journal(tmp_path, T0 + 86_400)
    notes = ReviewSource.open([tmp_path]).open_notes()
    notes.add(NoteKind.NOTE, T0 + 86_400 + 50, "second day")
    notes.add(NoteKind.NOTE, T0 + 5_000, "after the first file's end: nearest file")
    assert [n["text"] for n in json.loads(notes_path(day2).read_text())["notes"]] == ["second day"]
    assert len(json.loads(notes_path(day1).read_text())["notes"]) == 1
    # The second day reviewed alone shows its own notes only.
    assert [n.text for n in ReviewSource.open([day2]).open_notes().all()] == ["second day"]


def test_an_unreadable_notes_file_is_named_and_never_written_over(tmp_path):
    path = shift_journal(tmp_path)
    notes_path(path).write_text("{ not json", encoding="utf-8")
    notes = ReviewSource.open([path]).open_notes()
    assert any(str(notes_path(path)) in p and "unreadable" in p for p in notes.problems)
    with pytest.raises(NotesError, match="not written over"):
        notes.add(NoteKind.NOTE, T0 + 1, "x")
    assert notes_path(path).read_text(encoding="utf-8") == "{ not json"


@pytest.fixture(scope="module")
def plain_journal(tmp_path_factory):
    return shift_journal(tmp_path_factory.mktemp("notes"))


@settings(deadline=None, max_examples=40)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([NoteKind.NOTE, NoteKind.BOOKMARK]), st.floats(0, 600), st.text(min_size=1)
        ),
        max_size=8,
    )
)
def test_notes_round_trip_any_text(plain_journal, entries):
    path = plain_journal
    notes_path(path).unlink(missing_ok=True)
    notes = ReviewSource.open([path]).open_notes()
    kept = []
    for kind, dt_, text in entries:
        if not text.strip():
            with pytest.raises(ValueError):
                notes.add(kind, T0 + dt_, text)
            continue
        kept.append((kind, T0 + dt_, text.strip()))
        notes.add(kind, T0 + dt_, text)
    back = ReviewSource.open([path]).open_notes().all()
    assert sorted((n.kind, n.t, n.text) for n in back) == sorted(kept)


# --- stop snapshots in the report --------------------------------------------------------------------
@settings(deadline=None)
@given(st.lists(st.floats(min_value=1.0, max_value=3600.0), min_size=0, max_size=12))
def test_snapshots_are_the_longest_stops(durations):
    """The report draws the SNAPSHOT_STOPS longest stops, longest first, each window holding its stop."""
    from hmi.core.review import report as rep

    class Src:  # the parts of a ReviewSource _snapshots reads
        config = None

    stops = [
        rep.Stop("m", T0 + 10_000 * k, T0 + 10_000 * k + d, "Faulted", "jam") for k, d in enumerate(durations)
    ]
    r = rep.ShiftReport("L", "t", T0, T0 + 1e6, [], [], {}, {"m": "M"}, stops, None, [], [])  # type: ignore[arg-type]
    from tests.review_fixtures import faceplate_config

    Src.config = faceplate_config()
    snaps, n = rep._snapshots(Src(), r)  # type: ignore[arg-type]
    assert n == len(durations)
    want = sorted(durations, reverse=True)[:SNAPSHOT_STOPS]
    assert [s.t1 - s.t0 for s in snaps] == pytest.approx(want)
    assert [s.rank for s in snaps] == list(range(1, len(want) + 1))
    for s in snaps:
        w0, w1 = s.window
        assert w0 < s.t0 < s.t1 < w1 and s.pens == ("m.speed", "m.temp")


def test_report_markdown_names_the_snapshot_images(shift):
    _path, source, _tl = shift
    r = build_report(source, source.t0, source.t1 + 1, "shift")
    assert [(s.machine, s.t0, s.t1) for s in r.snapshots] == [("m", *STOP)]
    assert r.snapshots[0] == StopSnapshot(1, "m", *STOP, "Overheat", ("m.speed", "m.temp"), "stop1_m.png")
    md = to_markdown(r, image_prefix="early_")
    assert "## Trends around the longest stops" in md and "](early_stop1_m.png)" in md
    assert "](" not in to_markdown(r, images=False).split("## Trends around")[1].split("## Alarms")[0]


def test_report_cli_puts_the_stop_trends_next_to_the_markdown_and_in_the_pdf(tmp_path):
    import shutil
    import subprocess
    import sys

    from tests.test_review import ROOT

    path = reviewed_shift(tmp_path / "j")
    before = digest(path)
    out = subprocess.run(
        [sys.executable, "-m", "hmi.cli", "report", "--db", str(path), "--pdf", str(tmp_path / "r.pdf"),
         "--markdown", str(tmp_path / "early.md")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    md = (tmp_path / "early.md").read_text()
    assert "![Machine around the stop at" in md and "](early_stop1_m.png)" in md
    assert (tmp_path / "early_stop1_m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert digest(path) == before
    if shutil.which("pdftotext"):  # the text around the images stays text
        text = subprocess.run(
            ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True
        ).stdout
        assert "Trends around the longest stops" in text and "1. Machine: stopped" in text


def test_values_at_keeps_few_connections_and_answers_the_same(shift):
    """The connections kept for the cursor are bounded and closing them changes no answer."""
    _path, source, _tl = shift
    h = source.historian()
    first = h.values_at(["m.speed", "m.temp"], T0 + 123)
    assert len(h._kept.conns) == 1 <= h.KEPT_CONNECTIONS
    h.release()
    assert not hasattr(h._kept, "conns")
    assert h.values_at(["m.speed", "m.temp"], T0 + 123) == first


def test_the_review_historian_reads_only_the_files_of_the_range(tmp_path):
    day1 = shift_journal(tmp_path, T0)
    day2 = shift_journal(tmp_path, T0 + 86_400)
    h = ReviewSource.open([tmp_path]).historian()
    assert h._existing(T0 + 100, T0 + 200) == [day1]
    assert h._existing(T0 + 86_400 + 10, T0 + 86_400 + 11) == [day2]
    assert h._existing(T0 + 86_400 + 10 - 86_400, T0 + 86_400 + 11) == [day1, day2]  # values_at's look-back
    assert h.values_at(["m.speed"], T0 + 86_400 + 50)["m.speed"][2] == pytest.approx(T0 + 86_400 + 50)
