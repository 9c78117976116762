"""The review's stop reason: to the review notes unless a reviewer logged in with a role that may
classify stops ticks "Write to the journal"; then one audited classification in the file, read back by
the Production figures; the journal's bytes are unchanged by everything else."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from hmi.core.review.journal_write import ReviewJournal
from hmi.core.review.record import shift_at
from hmi.core.review.report import build_report, to_markdown
from hmi.core.review.source import ReviewSource
from hmi.core.users import UserStore
from hmi.ui.review_notes_dialog import ReviewLoginDialog, StopReasonDialog
from hmi.ui.review_window import ReviewWindow
from tests.test_review_journal_write import T0, capper_stops, closed_shift, sha  # noqa: F401 (fixture)


@pytest.fixture
def review(qtbot, closed_shift):  # noqa: F811
    _cfg, path = closed_shift
    users = UserStore.in_directory(path.parent)
    users.add("sue", "supervisor", "sue-pass-1")
    users.add("olga", "operator", "olga-pass-1")
    src = ReviewSource.open([path])
    journal = ReviewJournal.for_files([(f.path, f.t0, f.t1) for f in src.files], None)
    assert journal is not None
    window = ReviewWindow(src, journal=journal)
    qtbot.addWidget(window)
    window.timeline_view.set_cursor(T0 + 700)  # in the capper's stop
    yield window, path
    window.close()


def answer_dialog(monkeypatch, tick: bool) -> dict[str, object]:
    seen: dict[str, object] = {}

    def fake_exec(dlg: StopReasonDialog) -> QDialog.DialogCode:
        seen["offered"] = dlg.journal_box.isEnabled()
        seen["why"] = dlg.journal_box.toolTip()
        dlg.reason_combo.setCurrentIndex(dlg.reason_combo.findData("U-MATERIAL"))
        dlg.remark_edit.setText("pallet of caps late")
        dlg.journal_box.setChecked(tick)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(StopReasonDialog, "exec", fake_exec)
    return seen


def test_without_a_log_in_or_the_role_the_reason_goes_to_the_notes(review, monkeypatch):
    window, path = review
    before = sha(path)
    seen = answer_dialog(monkeypatch, tick=True)
    window.add_stop_reason()
    assert seen["offered"] is False and "Log in" in str(seen["why"])
    window.set_reviewer(window.journal.users.authenticate("olga", "olga-pass-1"))
    window.add_stop_reason()
    assert seen["offered"] is False and "needs supervisor" in str(seen["why"])
    assert [n.reason for n in window.notes.all()] == ["U-MATERIAL", "U-MATERIAL"]
    assert sha(path) == before and capper_stops(path) == [("", "", T0 + 600)]


@pytest.mark.parametrize("secret", ["dora-first-1", "3333"], ids=["password", "pin"])
def test_a_password_that_must_be_changed_first_is_no_way_in(review, monkeypatch, secret):
    """The line's HMI makes a first log-in (the demo's passwords, a reset one) choose a new password;
    the review, which does not edit the users file, refuses it and says where to change it (qa9 Q9-28:
    the demo password 'supervisor-demo' logged in here without the change), with the PIN as well
    (the demo's PIN 3333 logged in a supervisor who never changed the first password)."""
    window, _path = review
    window.journal.users.add("dora", "supervisor", "dora-first-1", must_change=True)
    window.journal.users.set_pin("dora", "3333")
    answers = iter([("dora", secret)])
    codes = iter([QDialog.DialogCode.Accepted, QDialog.DialogCode.Rejected])
    said: list[str] = []
    monkeypatch.setattr(
        ReviewLoginDialog, "exec", lambda dlg: (said.append(dlg.error_label.text()), next(codes))[1]
    )
    monkeypatch.setattr(ReviewLoginDialog, "credentials", lambda dlg: next(answers))
    window.log_in()
    assert window.reviewer is None
    assert "must choose a new password" in said[-1] and "line's LineHMI" in said[-1]


def test_a_supervisor_logs_in_and_writes_through_the_audited_path(review, monkeypatch):
    window, path = review
    answers = iter([("sue", "wrong"), ("sue", "sue-pass-1")])
    monkeypatch.setattr(ReviewLoginDialog, "exec", lambda dlg: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(ReviewLoginDialog, "credentials", lambda dlg: next(answers))
    window.log_in()  # a wrong password first: asked again
    assert window.reviewer is not None and window.reviewer.name == "sue"
    assert "may write stop reasons to the journal" in window.reviewer_label.text()
    seen = answer_dialog(monkeypatch, tick=False)
    window.add_stop_reason()  # offered, not chosen: the notes
    assert seen["offered"] is True and len(window.notes.all()) == 1
    before = sha(path)
    answer_dialog(monkeypatch, tick=True)
    window.add_stop_reason()
    assert sha(path) != before and len(window.notes.all()) == 1
    assert capper_stops(path) == [("U-MATERIAL", "sue", T0 + 600)]
    assert "classified U-MATERIAL by sue (audited)" in window.statusBar().currentMessage()
    report, _images = window._report()  # the report's production figures read the classification
    assert report.production is not None
    assert [(s.reason, s.classified_by) for s in report.production.stops if s.machine == "capper"] == [
        ("U-MATERIAL", "sue")
    ]


def test_a_file_being_written_is_refused_and_the_reason_can_go_to_the_notes(review, monkeypatch):
    window, path = review
    window.set_reviewer(window.journal.users.authenticate("sue", "sue-pass-1"))
    wal = path.with_name(path.name + "-wal")
    wal.write_bytes(b"")  # a LineHMI has the file open (its -wal and -shm beside it)
    path.with_name(path.name + "-shm").write_bytes(b"")
    told: list[str] = []

    def warning(_parent, _title, text, *_a):
        told.append(text)
        return QMessageBox.StandardButton.Save

    monkeypatch.setattr(QMessageBox, "warning", warning)
    answer_dialog(monkeypatch, tick=True)
    before = sha(path)
    window.add_stop_reason()
    assert "being written by a running LineHMI" in told[0] and "review notes instead" in told[0]
    assert sha(path) == before and [n.reason for n in window.notes.all()] == ["U-MATERIAL"]


def test_a_reason_written_shows_on_the_open_timeline_at_once(review, monkeypatch):
    """No reopening: the stop's mark appears on the capper's lane at the stop's start, the audit row
    in the event list, and the report (on the window's timeline) equals the report from the files."""
    window, path = review
    window.set_reviewer(window.journal.users.authenticate("sue", "sue-pass-1"))
    assert window.timeline_view.stop_marks_shown() == []
    answer_dialog(monkeypatch, tick=True)
    window.add_stop_reason()
    assert window.timeline_view.stop_marks_shown() == [("capper", T0 + 600)] * 2  # the reason and the remark
    model = window.events_table.model()
    shown = [model.index(r, 4).data() for r in range(model.rowCount())]
    assert any("sue (supervisor)" in m and "reason U-MATERIAL" in m for m in shown), shown
    t0, t1, title = shift_at(window.source, window._cursor_t)
    from_files = build_report(ReviewSource.open([path]), t0, t1, title)
    assert to_markdown(window._report()[0]) == to_markdown(from_files)
    answer_dialog(monkeypatch, tick=False)
    window.add_stop_reason()  # to the review notes: its star in the notes lane, at once
    assert [n.reason for n in window.timeline_view.notes_shown()] == ["U-MATERIAL"]
