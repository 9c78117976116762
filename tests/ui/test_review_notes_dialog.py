"""The review's notes and stop reasons, as a reviewer enters them (qa7 G40-G42): a note names the
reviewer logged in (user and role), never the PC account as a line user; Enter in the stop reason
dialog's fields moves on, only the Save button saves; the stops offered are the production model's."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QPushButton

from hmi.core.review.journal_write import ReviewJournal, file_stops
from hmi.core.review.notes import NoteKind, notes_path
from hmi.core.review.source import ReviewSource
from hmi.core.review.stop_choices import StopChoice
from hmi.core.users import Role, User
from hmi.ui import review_window
from hmi.ui.review_notes_dialog import StopReasonDialog
from hmi.ui.review_window import ReviewWindow
from tests.helpers.qt_teardown import alive
from tests.review_fixtures import line_journal
from tests.test_review_stop_choices import T0

# The filler stops at T0 + 50 (Stopped, Starting) to T0 + 100, and at T0 + 150 (Faulted, Stopped) to T0 + 230.
FILLER = [2] * 5 + [0] * 3 + [1] * 2 + [2] * 5 + [4] * 6 + [0] * 2 + [2] * 10


@pytest.fixture
def line_review(qtbot, tmp_path):
    path = line_journal(tmp_path, T0, {"filler": FILLER})
    src = ReviewSource.open([path])
    window = ReviewWindow(
        src, journal=ReviewJournal.for_files([(f.path, f.t0, f.t1) for f in src.files], None)
    )
    qtbot.addWidget(window)
    yield window, path
    if alive(window):
        window.close()


def offered(window: ReviewWindow, monkeypatch, t: float) -> list[StopChoice]:
    seen: list[StopChoice] = []

    def look(dlg: StopReasonDialog) -> QDialog.DialogCode:
        seen.extend(dlg._stops)
        assert [dlg.stop_combo.itemText(k) for k in range(dlg.stop_combo.count())] == [
            s.label() for s in seen
        ]
        return QDialog.DialogCode.Rejected

    def no_stop(*args, **_kw) -> None:
        # A modal box would wait forever for a click (and block pytest-timeout's signal): fail instead.
        raise AssertionError(f"no stop offered at {t}: {args[2] if len(args) > 2 else args}")

    monkeypatch.setattr(StopReasonDialog, "exec", look)
    monkeypatch.setattr("hmi.ui.review_window.QMessageBox.information", no_stop)
    window.timeline_view.set_cursor(t)
    window.add_stop_reason()
    return seen


def test_the_stops_offered_are_the_production_models(line_review, monkeypatch):
    window, path = line_review
    stops = file_stops(path)  # the stops the Production view lists and the journal write classifies
    assert stops, "the fixture's journal has stops"
    for k in range(len(FILLER)):
        t = T0 + 10 * k + 5
        want = [(s.machine, s.start, s.end) for s in stops if s.start <= t < s.end]
        if not want:
            continue  # no stop: the reviewer is told so (tests/ui/test_review_window.py)
        assert [(c.machine, c.start, c.end) for c in offered(window, monkeypatch, t)] == want, t
    (choice,) = offered(window, monkeypatch, T0 + 95)  # Starting: still the stop from T0 + 50
    assert (choice.start, choice.end) == (T0 + 50, T0 + 100)


REVIEWERS = [None, *[User(f"rev-{r.label}", r) for r in Role], User("a.konstantinopoulou", Role.SUPERVISOR)]


@pytest.mark.parametrize("who", REVIEWERS, ids=lambda u: "nobody" if u is None else f"{u.name}")
def test_every_note_names_the_reviewer_logged_in(line_review, monkeypatch, who):
    window, path = line_review
    monkeypatch.setattr(review_window, "_pc_account", lambda: "root")
    monkeypatch.setattr(
        review_window.QInputDialog, "getMultiLineText", staticmethod(lambda *a: ("hot", True))
    )
    monkeypatch.setattr(review_window.QInputDialog, "getText", staticmethod(lambda *a: ("here", True)))

    def fill_in(dlg: StopReasonDialog) -> QDialog.DialogCode:
        dlg.reason_combo.setEditText("cooling water off")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(StopReasonDialog, "exec", fill_in)
    window.set_reviewer(who)
    window.timeline_view.set_cursor(T0 + 60)
    window.add_note()
    window.add_bookmark()
    window.add_stop_reason()
    want = "not logged in (PC account root)" if who is None else f"{who.name} ({who.role.label})"
    notes = window.notes.all()
    assert sorted(n.kind for n in notes) == sorted(NoteKind)  # every kind of note
    assert [window.notes_table.item(r, 4).text() for r in range(window.notes_table.rowCount())] == [want] * 3
    saved = json.loads(notes_path(path).read_text())
    assert [n["author"] for n in saved["notes"]] == [want] * 3


def test_enter_in_the_stop_reason_dialog_moves_on_and_only_save_saves(qtbot):
    stops = [StopChoice("filler", "Filler", T0 + 50, T0 + 100, "unclassified")]
    dlg = StopReasonDialog(
        stops, [("U-JAM", "Jam"), ("U-MATERIAL", "Material")], journal_as="sue (supervisor)"
    )
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    dlg.reason_combo.setFocus()
    QTest.keyClick(dlg.reason_combo, Qt.Key.Key_Down)  # picks the first reason of the list
    QTest.keyClick(dlg.focusWidget(), Qt.Key.Key_Return)
    assert dlg.isVisible() and dlg.result() == 0 and dlg.reason() == "U-JAM"
    assert dlg.focusWidget() is dlg.remark_edit  # on to the remark
    QTest.keyClicks(dlg.remark_edit, "seen on camera")
    QTest.keyClick(dlg.remark_edit, Qt.Key.Key_Enter)
    assert dlg.isVisible() and dlg.result() == 0
    assert dlg.focusWidget() is dlg.journal_box  # on to "Write to the journal"
    QTest.keyClick(dlg.journal_box, Qt.Key.Key_Space)
    QTest.keyClick(dlg.journal_box, Qt.Key.Key_Return)
    assert dlg.isVisible() and dlg.result() == 0 and dlg.to_journal()
    (save,) = [b for b in dlg.findChildren(QPushButton) if b.text().replace("&", "") == "Save"]
    save.setFocus()
    QTest.keyClick(save, Qt.Key.Key_Return)  # the explicit button: saved
    assert dlg.result() == QDialog.DialogCode.Accepted
    assert dlg.choice() == ("filler", T0 + 50, "U-JAM", "seen on camera")
