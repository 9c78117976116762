"""A cursor move in the review workspace is cheap: a drag reports one position per frame to what the
cursor drives (and its last position when it ends), the trend's curves are kept as pixels while the
trend shows history (a move repaints the cursor's strip from them)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QGraphicsItem

from hmi.core.review.source import ReviewSource
from hmi.ui.review_window import ReviewWindow
from tests.review_fixtures import reviewed_shift
from tests.test_review import T0, shift_journal
from widgets.timeline import FRAME_MS


@pytest.fixture
def window(qtbot, tmp_path):
    w = ReviewWindow(ReviewSource.open([shift_journal(tmp_path)]))
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def test_a_drag_reports_one_cursor_position_per_frame_and_its_last(qtbot, window):
    view = window.timeline_view
    seen: list[float] = []
    view.cursor_moved.connect(seen.append)
    line = view.cursor_line
    line.moving = True  # what pyqtgraph sets while the mouse drags the line
    for k in range(50):  # fifty mouse moves within one frame
        line.setValue(T0 + 100 + k)
    assert seen == []  # nothing recomputed yet: the frame has not ended
    qtbot.wait(3 * FRAME_MS)
    assert seen == [T0 + 149]  # the frame's last position, once
    line.setValue(T0 + 300)
    line.moving = False
    line.sigPositionChangeFinished.emit(line)  # the mouse is released
    assert seen == [T0 + 149, T0 + 300]
    assert window._cursor_t == T0 + 300
    view.set_cursor(T0 + 310)  # a click, a step, playback: reported at once
    assert seen[-1] == T0 + 310 and window._cursor_t == T0 + 310


def test_review_trend_keeps_its_curves_as_pixels(qtbot, tmp_path):
    """(A live trend draws them every frame: tests/ui/test_trend.py, test_live_follows_now...)"""
    window = ReviewWindow(ReviewSource.open([reviewed_shift(tmp_path)]))
    qtbot.addWidget(window)
    curves = [c for parts in window.trend._curves.values() for c in parts.values()]
    assert curves
    assert {c.cacheMode() for c in curves} == {QGraphicsItem.CacheMode.DeviceCoordinateCache}
