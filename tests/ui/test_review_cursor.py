"""A cursor move in the review workspace is cheap and exact: a drag moves the cursor line and what it
drives together, once per frame (and its last position when it ends), so every painted frame shows one
instant; the trend's curves are kept as pixels while the
trend shows history (a move repaints the cursor's strip from them)."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QGraphicsItem

from hmi.core.journal import Journal
from hmi.core.review.source import ReviewSource
from hmi.ui.review_window import ReviewWindow
from tests.helpers.qt_teardown import alive
from tests.review_fixtures import faceplate_config, reviewed_shift
from tests.test_journal import batch
from tests.test_review import T0, state
from widgets.timeline import FRAME_MS


@pytest.fixture
def window(qtbot, tmp_path):
    w = ReviewWindow(ReviewSource.open([reviewed_shift(tmp_path)]), compact=False)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    if alive(w):
        w.close()


class Frames(QObject):
    """What each painted frame of the timeline shows: the cursor line's instant and the instant of
    every readout the cursor drives (the window's tables and faceplates, the cursor text, the
    trend's cursor and the heading of its pen table's values)."""

    def __init__(self, window: ReviewWindow) -> None:
        super().__init__()
        self.window = window
        self.seen: list[tuple[float, float, float, str, str]] = []

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            w = self.window
            self.seen.append((w.timeline_view.cursor_time(), w._cursor_t, w.trend.cursor_time,
                              w.cursor_label.text(), w.trend.pen_table_model.value_heading))  # fmt: skip
        return False


def _x_of(view, t: float) -> QPoint:
    """The timeline viewport's pixel at instant t, in the middle of the lanes."""
    vb = view.plot.getViewBox()
    scene = vb.mapViewToScene(QPointF(t, 0.0))
    return view.plot.mapFromScene(scene)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_painted_frame_shows_the_line_and_the_readouts_at_one_instant(qtbot, window, seed):
    """A mouse drag over the timeline, at random speeds: no frame shows the cursor line at one instant
    and a readout at another (a drag moves the line and what it drives together, once per frame)."""
    view = window.timeline_view
    frames = Frames(window)
    view.plot.viewport().installEventFilter(frames)
    rng = np.random.default_rng(seed)
    vp = view.plot.viewport()
    start = _x_of(view, view.cursor_time())
    start.setY(vp.height() // 2)
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    x = start.x()
    for _ in range(40):
        x = int(np.clip(x + rng.integers(-40, 120), 5, vp.width() - 5))
        QTest.mouseMove(vp, QPoint(x, start.y()))
        if rng.random() < 0.5:
            qtbot.wait(int(rng.integers(0, 3 * FRAME_MS)))  # several moves in a frame, or one
        QApplication.processEvents()
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, start.y()))
    qtbot.wait(3 * FRAME_MS)
    released = window._cursor_t
    assert view.cursor_time() == released and view.pending_drag() is None  # the release, applied at once
    assert released > window.source.t0  # the drag did move the cursor
    moved = {f[0] for f in frames.seen}
    assert len(moved) > 3, frames.seen  # frames were painted along the drag
    for line_t, readout_t, trend_t, label, heading in frames.seen:
        assert line_t == readout_t == trend_t, (line_t, readout_t, trend_t)
        assert f"{dt.datetime.fromtimestamp(line_t):%H:%M:%S}" in label, (line_t, label)
        assert heading.endswith(time.strftime("%H:%M:%S", time.localtime(line_t))), (line_t, heading)


def test_a_drag_moves_the_cursor_once_per_frame_newest_position_first(qtbot, window):
    view = window.timeline_view
    seen: list[float] = []
    view.cursor_moved.connect(seen.append)
    t0 = window.source.t0
    for k in range(50):  # fifty mouse positions within one frame
        view.cursor_line._on_drag(t0 + 100 + k, False)
    assert seen == [] and view.cursor_time() == t0  # neither the line nor a readout has moved yet
    qtbot.waitUntil(lambda: seen != [], timeout=1000)
    assert seen == [t0 + 149] and view.cursor_time() == t0 + 149  # the newest, once: never a queue
    view.cursor_line._on_drag(t0 + 300, True)  # the mouse is released: applied at once
    assert seen == [t0 + 149, t0 + 300] and window._cursor_t == t0 + 300
    view.set_cursor(t0 + 310)  # a click, a step, playback: at once
    assert seen[-1] == t0 + 310 and window._cursor_t == t0 + 310


def test_review_trend_keeps_its_curves_as_pixels(qtbot, tmp_path):
    """(A live trend draws them every frame: tests/ui/test_trend.py, test_live_follows_now...)"""
    window = ReviewWindow(ReviewSource.open([reviewed_shift(tmp_path)]))
    qtbot.addWidget(window)
    curves = [c for parts in window.trend._curves.values() for c in parts.values()]
    assert curves
    assert {c.cacheMode() for c in curves} == {QGraphicsItem.CacheMode.DeviceCoordinateCache}


def test_dragging_the_trend_cursor_moves_the_shared_cursor(window):
    """The trend's own cursor line is draggable: the workspace follows it (faceplates, tables, the
    timeline's line), so the trend never shows another instant than the rest."""
    line = window.trend.canvas.cursor_lines()[0]
    t = window.source.t0 + 123.0
    line.setValue(t)  # what pyqtgraph does while the mouse drags the trend's cursor line
    assert window._cursor_t == t and window.timeline_view.cursor_time() == t and window.trend.cursor_time == t
    assert f"{dt.datetime.fromtimestamp(t):%H:%M:%S}" in window.cursor_label.text()
    line.setValue(window.source.t1 + 500.0)  # past the record's end: the shared cursor stops there
    assert window._cursor_t == window.source.t1 == window.trend.cursor_time == line.value()


def test_the_trend_readouts_at_the_cursor_are_exact_and_the_faceplates_values(qtbot, tmp_path):
    """Three hours at 1 Hz: the trend draws a pixel's min/max buckets, yet at every cursor position its
    pen table shows the recorded value at the cursor (no "≈" bucket value waiting for a look-up), the
    same value the faceplate shows, in the same frame."""
    cfg = faceplate_config()
    with Journal(cfg, tmp_path, clock=lambda: T0) as j:
        t = T0 + np.arange(0.0, 3 * 3600.0)
        rng = np.random.default_rng(3)
        j.write_samples(batch(np.zeros(len(t), dtype=int), t, np.full(len(t), 2.0)))
        j.write_samples(batch(np.ones(len(t), dtype=int), t, 300.0 + rng.normal(0, 20, len(t))))
        j.write_samples(batch(np.full(len(t), 2), t, 40.0 + rng.normal(0, 5, len(t))))
        j.write_events([state(T0, "m", "Running")])
        j.flush()
    window = ReviewWindow(ReviewSource.open([tmp_path]), compact=False)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.trend.wait_idle(30.0)
    qtbot.wait(50)
    speed = window.overview.faceplates["m"].indicators["m.speed"]
    model = window.trend.pen_table_model
    for k in range(1, 40):
        window.timeline_view.set_cursor(T0 + k * 271.3)
        row = model.rows[model.row_of("m.speed")]
        assert not row.value.startswith("≈"), (k, row.value)
        assert speed.value_text() == f"{row.value} bpm", (k, row.value, speed.value_text())
    window.close()


class Passes(QObject):
    """The window's paint passes (one UpdateRequest each) and, in each, the instant the header's
    cursor text, the trend's cursor label and the timeline's line were painted at (F22)."""

    def __init__(self, window: ReviewWindow) -> None:
        super().__init__()
        self.window = window
        self.passes: list[list[tuple[str, str]]] = [[]]
        window.installEventFilter(self)
        window.cursor_label.installEventFilter(self)
        window.trend.canvas.viewport().installEventFilter(self)
        window.timeline_view.plot.viewport().installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        w = self.window
        if event.type() == QEvent.Type.UpdateRequest and obj is w:
            self.passes.append([])
        elif event.type() == QEvent.Type.Paint:
            if obj is w.cursor_label:
                self.passes[-1].append(
                    ("header", w.cursor_label.text().split()[2])
                )  # "Cursor DATE HH:MM:SS · …"
            elif obj is w.trend.canvas.viewport():
                self.passes[-1].append(("trend", w.trend.canvas.cursor_lines()[0].label.toPlainText()))
            elif obj is w.timeline_view.plot.viewport():
                t = w.timeline_view.cursor_time()
                self.passes[-1].append(("timeline", f"{dt.datetime.fromtimestamp(t):%H:%M:%S}"))
        return False


@pytest.mark.parametrize("speed", [5, 30, 60])
def test_in_playback_every_paint_pass_shows_the_trend_cursor_at_the_headers_instant(qtbot, window, speed):
    """F22: in playback the header's cursor text, the trend's cursor (its time label) and the timeline's
    line are painted in the same pass: when a pass paints the header at an instant, the trend and the
    timeline it leaves on screen show that instant too. (Before, the trend's graphics scene marked its
    view dirty from a queued call after the pass, so each pass painted the header one tick ahead of the
    trend: 17:05:40 against 17:05:37 at 30x.)"""
    from hmi.core.review.playback import PLAYBACK_SPEEDS

    window.speed_combo.setCurrentIndex(PLAYBACK_SPEEDS.index(speed))
    window.timeline_view.set_cursor(window.timeline.t0 + 600)
    qtbot.wait(200)
    passes = Passes(window)
    window.trend.canvas.viewport().update()  # what each shows before the first tick
    window.timeline_view.plot.viewport().update()
    qtbot.wait(100)
    window.toggle_play()
    qtbot.wait(1200)
    window.toggle_play()
    on_screen: dict[str, str] = {}
    checked = 0
    for painted in passes.passes:
        on_screen.update(painted)
        if any(what == "header" for what, _ in painted):
            checked += 1
            assert on_screen.get("trend") == on_screen["header"], (passes.passes, on_screen)
            assert on_screen.get("timeline") == on_screen["header"], (passes.passes[:8], on_screen)
    assert checked >= 5  # the playback moved the cursor and the header was painted at each tick
