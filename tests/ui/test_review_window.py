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
    window = ReviewWindow(ReviewSource.open([path]))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    yield window
    window.close()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def cells(table, col):
    return [table.item(r, col).text() for r in range(table.rowCount())]


def test_cursor_drives_alarm_picture_and_machine_states(review):
    review.timeline_view.set_cursor(T0 + 110)
    assert cells(review.picture_table, 2) == ["Unacknowledged"]
    assert cells(review.picture_table, 4) == ["value 71.234"]
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
