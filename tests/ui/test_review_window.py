"""The review workspace on a shift's journal: timeline, cursor shared with the alarm picture, the
machines' states and the trend, event browser filters, playback and step-to-next-event; read-only."""

from __future__ import annotations

import hashlib

import pytest

from hmi.core.review.source import ReviewSource
from hmi.ui.review_window import ReviewWindow
from tests.test_review import T0, shift_journal


@pytest.fixture
def review(qtbot, tmp_path):
    path = shift_journal(tmp_path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    names = sorted(p.name for p in tmp_path.iterdir())
    window = ReviewWindow(ReviewSource.open([path]))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    yield window
    if alive(window):
        window.close()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == names  # no -wal/-shm beside the evidence


def cells(table, col):
    """The column's texts as the table shows them (a QTableWidget or a view of a model)."""
    model = table.model()
    return [model.index(r, col).data() for r in range(model.rowCount())]


def test_cursor_drives_alarm_picture_and_machine_states(review):
    review.timeline_view.set_cursor(T0 + 110)
    assert cells(review.picture_table, 2) == ["Unacknowledged"]
    # A snapshot without a message: the value that raised it at the tag's display precision (qa11 Q11-2).
    assert cells(review.picture_table, 4) == ["value 71.2\u00a0°C"]
    assert cells(review.state_table, 1) == ["Running"]
    review.timeline_view.set_cursor(T0 + 230)
    assert cells(review.state_table, 1) == ["Faulted (Overheat)"]
    assert cells(review.picture_table, 2) == ["Acknowledged"]
    assert review.trend.cursor_time == pytest.approx(T0 + 230)


def test_next_and_previous_event_and_the_event_browser(review):
    review.timeline_view.set_cursor(T0 + 101)
    review.step_next()
    assert review.timeline_view.cursor_time() == pytest.approx(T0 + 130)
    review.step_previous()
    assert review.timeline_view.cursor_time() == pytest.approx(T0 + 100)
    review.filter_edit.setText("scratch")
    assert cells(review.events_table, 4) == ["QC reject #7: scratch (91%)"]
    review._on_event_row(0, 0)
    assert review.timeline_view.cursor_time() == pytest.approx(T0 + 300)


def test_playback_moves_the_cursor_and_pauses(qtbot, review):
    review.timeline_view.set_cursor(T0)
    review.speed_combo.setCurrentIndex(4)  # 60x
    review.toggle_play()
    qtbot.waitUntil(lambda: review.timeline_view.cursor_time() > T0 + 5, timeout=5000)
    review.toggle_play()
    t = review.timeline_view.cursor_time()
    qtbot.wait(300)
    assert review.timeline_view.cursor_time() == t


# --- the line at the cursor, playback controls, printing, review notes --------------------------------
import random  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402

from PySide6.QtGui import QFontMetrics  # noqa: E402
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo  # noqa: E402
from PySide6.QtWidgets import QAbstractButton, QLabel, QMessageBox, QStyle  # noqa: E402

from hmi.core.review.notes import NoteKind, notes_path  # noqa: E402
from hmi.core.review.record import shift_at  # noqa: E402
from hmi.ui import review_window  # noqa: E402
from tests.helpers.qt_teardown import alive  # noqa: E402
from tests.review_fixtures import OFF, STOP, reviewed_shift  # noqa: E402
from widgets.formatting import format_value  # noqa: E402


@pytest.fixture
def shift_review(qtbot, tmp_path):
    path = reviewed_shift(tmp_path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    window = ReviewWindow(ReviewSource.open([path]), compact=False)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    yield window, path
    if alive(window):
        window.close()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_faceplates_show_the_recorded_instant(shift_review):
    window, _path = shift_review
    fp = window.overview.faceplates["m"]
    speed, temp = fp.indicators["m.speed"], fp.indicators["m.temp"]

    def shown(ind, v):  # the faceplate's own display rule for a recorded value
        return f"{format_value(ind.tag, v)} {ind.tag.unit}"

    assert not fp.setpoint_button.isVisible()  # a review writes nothing
    window.timeline_view.set_cursor(STOP[0] + 31)  # held: the sample at +30 s (every 2 s)
    assert fp.state_text == "FAULTED" and fp.state_kind == "fault"
    assert speed.value_text() == shown(speed, 0.0)
    assert temp.value_text() == shown(temp, 40 + (STOP[0] + 30 - T0) / 20)
    window.timeline_view.set_cursor(T0 + 110)  # the temperature alarm is up, unacknowledged
    assert fp.state_text == "Running" and speed.value_text() == shown(speed, 300.0)
    assert fp.alarm_label.text() == "Alarm: Machine temperature Hi (Unacknowledged)"
    assert fp.alarm_label.property("kind") == "alarm" and fp.stale_label.text() == ""
    window.timeline_view.set_cursor(OFF[0] + 20)  # LineHMI was not running: last values, marked
    assert fp.state_label.text().endswith("(last known)") and fp.indicators["m.speed"].stale
    assert fp.stale_label.text().startswith("Nothing recorded here · last values")
    assert "nothing recorded: LineHMI was not running" in window.cursor_label.text()
    window.timeline_view.set_cursor(OFF[1] + 10)
    assert not fp.indicators["m.speed"].stale and fp.stale_label.text() == ""


def test_every_playback_control_says_the_playback_state(shift_review):
    """Random sequences of clicks, speed changes, ticks and steps: the play button (text and icon),
    the cursor line and the trend's mode tag always agree with whether the shift is playing."""
    window, _path = shift_review
    pause_icon = window.style().standardIcon(QStyle.StandardPixmap.SP_MediaPause).pixmap(16).toImage()
    play_icon = window.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay).pixmap(16).toImage()
    for seed in range(6):
        rng = random.Random(seed)
        for _ in range(25):
            what = rng.choice(["click", "speed", "tick", "next", "end"])
            if what == "click":
                window.play_button.click()
            elif what == "speed":
                window.speed_combo.setCurrentIndex(rng.randrange(window.speed_combo.count()))
            elif what == "tick":
                window._on_play_tick()
            elif what == "next":
                window.step_next()
            else:
                window.timeline_view.set_cursor(window.timeline.t1 - 1)
                window._on_play_tick()
            pb = window.playback
            playing = window._play.isActive()
            assert pb.playing == playing
            state = f"playing {pb.speed}x" if playing else "paused"
            assert window.play_button.text() == ("Pause" if playing else "Play")
            assert window.play_button.icon().pixmap(16).toImage() == (pause_icon if playing else play_icon)
            assert window.trend.mode_text() == f"REVIEW {state}"
            assert f"· {state}" in window.cursor_label.text()
            assert window.speed_combo.currentText() == f"{pb.speed}x"


def test_no_review_control_shows_a_missing_glyph(shift_review):
    """Every button and label text of the workspace is drawable in its own font (the old pause
    button's '⏸' was not, and showed as an empty box)."""
    window, _path = shift_review
    for _state in ("paused", "playing"):
        for w in window.findChildren(QAbstractButton) + window.findChildren(QLabel):
            fm = QFontMetrics(w.font())
            missing = [c for c in w.text() if not c.isspace() and not fm.inFontUcs4(ord(c))]
            assert not missing, f"{type(w).__name__} {w.text()!r}: no glyph for {missing}"
        window.toggle_play()
    window.toggle_play()


def test_print_goes_to_a_printer_with_the_report_and_its_stop_trends(shift_review, tmp_path):
    window, _path = shift_review
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    assert window.print_to(printer) >= 1
    assert out.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext") and shutil.which("pdfimages"):
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
        assert "Shift report: Review test line" in text and "Trends around the longest stops" in text
        assert shift_at(window.source, window._cursor_t)[2] in text  # the shift at the cursor
        images = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True)
        assert len(images.stdout.strip().splitlines()) >= 3  # header, rule, one stop's image


def test_print_without_a_printer_says_so_and_offers_the_pdf(shift_review, monkeypatch):
    window, _path = shift_review
    asked, saved = [], []
    monkeypatch.setattr(QPrinterInfo, "availablePrinterNames", staticmethod(lambda: []))
    monkeypatch.setattr(
        QMessageBox,
        "question",
        staticmethod(lambda *a: asked.append(a[2]) or QMessageBox.StandardButton.Save),
    )
    monkeypatch.setattr(window, "save_report", lambda: saved.append(True))
    window.print_report()
    assert asked == [review_window.NO_PRINTER] and "No printer is installed" in asked[0] and saved == [True]


def test_review_notes_leave_the_journal_unchanged_and_come_back(qtbot, shift_review, monkeypatch):
    window, path = shift_review
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    window.timeline_view.set_cursor(T0 + 150)
    monkeypatch.setattr(
        review_window.QInputDialog, "getMultiLineText", staticmethod(lambda *a: ("hot", True))
    )
    monkeypatch.setattr(review_window.QInputDialog, "getText", staticmethod(lambda *a: ("see here", True)))
    window.add_note()
    window.add_bookmark()
    window.timeline_view.set_cursor(STOP[0] + 10)
    window._add(NoteKind.STOP_REASON, "seen on camera", machine="m", reason="U-OVERHEAT", t=STOP[0])
    assert window.notes_table.rowCount() == 3 and len(window.timeline_view.notes_shown()) == 3
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert notes_path(path).exists()
    again = ReviewWindow(ReviewSource.open([path]), compact=True)
    qtbot.addWidget(again)
    shown = again.timeline_view.notes_shown()
    assert [(n.kind, n.t, n.text, n.reason) for n in shown] == [
        (NoteKind.NOTE, T0 + 150, "hot", ""),
        (NoteKind.BOOKMARK, T0 + 150, "see here", ""),
        (NoteKind.STOP_REASON, STOP[0], "seen on camera", "U-OVERHEAT"),
    ]
    again._on_note_row(2, 0)
    assert again.timeline_view.cursor_time() == pytest.approx(shown[2].t)
    again.close()


def test_stop_reason_dialog_saves_to_the_notes_and_needs_a_stop(shift_review, monkeypatch):
    window, _path = shift_review
    told = []
    monkeypatch.setattr(review_window.QMessageBox, "information", staticmethod(lambda *a: told.append(a[2])))
    window.timeline_view.set_cursor(T0 + 50)  # running: nothing to give a reason for
    window.add_stop_reason()
    assert told and "No machine is stopped at the cursor" in told[0]

    def fill_in(dialog):
        assert dialog.stop_combo.count() == 1 and "Faulted" in dialog.stop_combo.itemText(0)
        dialog._accept()  # no reason yet: refused with a message, the dialog stays
        assert dialog.error_label.text() and dialog.result() == 0
        dialog.reason_combo.setEditText("cooling water off")
        dialog.remark_edit.setText("seen on site")
        dialog._accept()
        return dialog.result()

    monkeypatch.setattr(review_window.StopReasonDialog, "exec", fill_in)
    window.timeline_view.set_cursor(STOP[0] + 20)
    buttons = {b.text(): b for b in window.findChildren(QAbstractButton)}
    buttons["Stop reason…"].click()
    (note,) = window.notes.all()
    assert (note.kind, note.t, note.machine, note.reason, note.text) == (
        NoteKind.STOP_REASON, STOP[0], "m", "cooling water off", "seen on site"
    )  # fmt: skip
    window.notes_table.selectRow(0)
    window._on_note_row(0, 0)
    buttons["Delete note"].click()
    assert window.notes.all() == [] and window.notes_table.rowCount() == 0


def test_every_file_left_out_is_said_in_full(qtbot, tmp_path):
    """Walkthrough: two unreadable files beside a good one; the status bar cut the second one's
    message off at the window's edge. Each problem is on its own line, whole, at 1280x800."""
    from widgets.text_fit import clipped_texts

    good = shift_journal(tmp_path)
    bad1 = tmp_path / "line1_2026-12-05.db"
    bad1.write_bytes(bytes(range(256)) * 64)
    bad2 = tmp_path / "line1_2026-12-04.db"
    bad2.write_bytes(b"SQLite format 3\x00" + b"\x00" * 8192)
    source = ReviewSource.open([good, bad1, bad2])
    assert len(source.problems) >= 2
    window = ReviewWindow(source)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)
    shown = window.problems_label.text()
    assert window.problems_label.isVisible()
    for p in source.problems:
        assert p in shown
    assert "problems listed above" in window.statusBar().currentMessage()
    assert clipped_texts(window) == []
    window.close()


@pytest.mark.parametrize(
    ("size", "compact", "rows"), [((1920, 1080), False, 8), ((1280, 800), True, 5), ((1280, 800), False, 5)]
)
def test_the_event_browser_shows_a_useful_number_of_rows(qtbot, tmp_path, size, compact, rows):
    """qa5 F23: the event browser was 3 rows high at both sizes."""
    path = shift_journal(tmp_path)
    window = ReviewWindow(ReviewSource.open([path]), compact=compact)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(100)
    table = window.events_table
    shown = table.viewport().height() / table.verticalHeader().defaultSectionSize()
    assert shown >= rows, f"{shown:.1f} rows at {size}"
    # The faceplates and the trend keep their room too.
    assert (window.overview.height() >= 150 and window.trend.isVisible()) or compact
    window.close()


def test_before_a_tags_first_sample_every_faceplate_says_no_sample_yet(qtbot, tmp_path):
    """QA5 F27: the review opened at the record's first instant with "? bad" / "? BadNoData" for tags
    whose first (Good) sample came a second later. A tag with no sample yet reads "no sample yet",
    never a Bad quality the journal does not hold; every faceplate, every value."""
    window = ReviewWindow(
        ReviewSource.open([reviewed_shift(tmp_path, first_sample_after=1.5)]), compact=False
    )
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    t0 = window.timeline_view.timeline.t0
    for t in (t0, t0 + 1.0):
        window.timeline_view.set_cursor(t)
        window.show_instant(t, [])  # the cursor may already stand there
        for fp in window.overview.faceplates.values():
            texts = fp.shown_texts()
            assert not any("bad" in x.lower() for x in texts), (t - t0, texts)
            assert fp.state_text == "no sample yet", fp.state_text
            assert all(ind.value_text() == "no sample yet" for ind in fp.indicators.values()), texts
    window.close()
