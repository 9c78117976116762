"""The shift timeline: one time axis, a lane of state bars per machine, marker lanes for alarms, operator
actions, QC, advisories and connection, a lane for the reviewer's own notes (the review notes file, not
the journal), gaps hatched, and a shared cursor.

ISA-101: machine states in greys (running darkest, stopped lightest), colour only for abnormal states
(faulted) and for alarm markers. Zoom with the wheel (time only), drag to pan; click a marker to select
its event; click or drag the cursor to move it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QElapsedTimer, QPointF, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QVBoxLayout, QWidget

from hmi.core.review.notes import NoteKind, ReviewNote
from hmi.core.review.timeline import LANES, Marker, StateBar, Timeline
from widgets.scene_frame import covered_rect
from widgets.timeline_bars import StateBarsItem

STATE_GREYS = {"Running": "#5c5c5c", "Starting": "#8a8a8a", "Idle": "#a8a8a8", "Stopped": "#c8c8c8"}
ABNORMAL = "#d9534f"  # the alarm red, used only for abnormal states and alarm markers
MARKER_COLOURS = {
    "alarms": "#d9534f",
    "operator": "#303030",
    "qc": "#6a6a6a",
    "advisory": "#6a6a6a",
    "connection": "#303030",
}
LANE_TITLES = {
    "alarms": "Alarms",
    "operator": "Operator",
    "qc": "QC rejects",
    "advisory": "Advisories",
    "connection": "Link / gaps",
}
NOTES_TITLE = "Review notes"
NOTE_SYMBOLS = {NoteKind.NOTE: "s", NoteKind.BOOKMARK: "t1", NoteKind.STOP_REASON: "star"}
FRAME_MS = 16  # a drag moves the cursor at most once per screen frame (60 Hz)


def bar_colour(bar: StateBar) -> str:
    """A state bar's fill: grey by state, the alarm red only when abnormal (ISA-101)."""
    return ABNORMAL if bar.abnormal else STATE_GREYS.get(bar.state, "#b4b4b4")


class CursorLine(pg.InfiniteLine):
    """The shared cursor. A mouse drag does not move the line itself: it hands the position under
    the mouse to `on_drag(x, finished)`, and the owner moves the line and everything the cursor
    drives together, once per frame. So no frame ever shows the line at one instant and the
    readouts (tables, faceplates, trend values) at another."""

    def __init__(self, on_drag: Callable[[float, bool], None], **kw: Any) -> None:
        super().__init__(**kw)
        self._on_drag = on_drag

    def mouseDragEvent(self, ev: Any) -> None:
        if not self.movable or ev.button() != Qt.MouseButton.LeftButton:
            return
        if ev.isStart():
            self.moving = True
            self.cursorOffset = self.pos() - self.mapToParent(ev.buttonDownPos())
        ev.accept()
        if not self.moving:
            return
        x = float((self.cursorOffset + self.mapToParent(ev.pos())).x())
        if ev.isFinish():
            self.moving = False
        self._on_drag(x, ev.isFinish())


class TimelineWidget(QWidget):
    cursor_moved = Signal(float)  # POSIX seconds
    marker_clicked = Signal(int)  # journal event id
    note_clicked = Signal(str)  # review note id

    def __init__(self, timeline: Timeline, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeline = timeline
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.plot.setBackground("#e6e6e6")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        vb = self.plot.getViewBox()
        vb.setMouseEnabled(x=True, y=False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)
        self.lane_names = [name for _, name in timeline.machines] + [LANE_TITLES[lane] for lane in LANES]
        self.lane_names.append(NOTES_TITLE)
        n = len(self.lane_names)
        left = self.plot.getAxis("left")
        left.setTicks([[(n - 1 - k, name) for k, name in enumerate(self.lane_names)]])
        left.setWidth(96)
        self._lane_y = {m: n - 1 - k for k, (m, _) in enumerate(timeline.machines)}
        self._lane_y.update({lane: n - 1 - len(timeline.machines) - k for k, lane in enumerate(LANES)})
        self._draw_bars()
        self._draw_gaps(n)
        self._markers: list[Marker] = []
        self._draw_markers()
        self._notes: list[ReviewNote] = []
        self._notes_y = 0.0  # the last lane
        self._notes_item = pg.ScatterPlotItem(size=13, pen=pg.mkPen("#1f1f1f"), brush=pg.mkBrush("#ffffff"),
                                              hoverable=True, tip=None)  # fmt: skip
        self._notes_item.sigClicked.connect(self._on_note)
        self.plot.addItem(self._notes_item)
        self.cursor_line = CursorLine(
            self._on_drag,
            pos=timeline.t0,
            angle=90,
            movable=True,
            pen=pg.mkPen("#1f1f1f", width=2),
            hoverPen=pg.mkPen("#000000", width=4),  # not pyqtgraph's red: red is for alarms only
        )
        # A drag moves the line and reports it to what the cursor drives (tables, faceplates, trend
        # readouts) in the same step, at most once per frame: the newest position under the mouse
        # wins (never a queue), and the release position is applied at once. set_cursor (clicks,
        # playback, steps) moves and reports at once. Either way the paint that follows shows the
        # line and every readout at one instant.
        self._frame = QTimer(self)
        self._frame.setSingleShot(True)
        self._frame.timeout.connect(self._apply_drag)
        self._since_move = QElapsedTimer()
        self._dragged_to: float | None = None
        self._reported = float("nan")
        self._line_px = QRect()  # the viewport's pixels under the cursor line when last reported
        self.cursor_line.sigPositionChanged.connect(lambda _line: self._report_cursor())
        self.plot.addItem(self.cursor_line)
        vb.setLimits(xMin=timeline.t0 - 60, xMax=timeline.t1 + 60, minXRange=5.0)
        self.plot.setXRange(timeline.t0, timeline.t1, padding=0.01)
        self.plot.setYRange(-0.6, n - 0.4, padding=0)
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        self.setMinimumHeight(14 * n + 40)

    # --- drawing -------------------------------------------------------------------------------
    def _draw_bars(self) -> None:
        """All machine lanes' state bars as one item (a week has ~10,000 bars: one item each made every
        repaint of a strip of the timeline search and draw a scene of 10,000)."""
        self._bars_shown = self.timeline.bars
        self.bars_item = StateBarsItem(self.timeline.bars, self._lane_y, bar_colour)
        self.plot.addItem(self.bars_item)

    def _draw_gaps(self, n: int) -> None:
        for gap in self.timeline.gaps:
            item = QGraphicsRectItem(gap.t0, -0.5, gap.t1 - gap.t0, n)
            item.setBrush(QBrush(QColor("#7a7a7a"), Qt.BrushStyle.BDiagPattern))
            item.setPen(QPen(Qt.PenStyle.NoPen))
            item.setToolTip(f"no data: {gap.text}")
            self.plot.addItem(item)

    def _draw_markers(self) -> None:
        """One scatter item per marker lane, and one for the stop marks on the machine lanes; their
        points are set by `show_events` (again when the timeline takes new events)."""
        self._marker_items: dict[str, pg.ScatterPlotItem] = {}
        for lane in LANES:
            scatter = pg.ScatterPlotItem(size=11, symbol="d" if lane == "alarms" else "o",
                                         brush=pg.mkBrush(MARKER_COLOURS[lane]), pen=pg.mkPen("#1f1f1f"),
                                         hoverable=True, tip=None)  # fmt: skip
            scatter.sigClicked.connect(self._on_marker)
            # Kept as pixels until the view is zoomed or panned: a cursor move repaints the line's old
            # and new strips from them (pyqtgraph draws every point of a scatter in each paint).
            scatter.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self.plot.addItem(scatter)
            self._marker_items[lane] = scatter
        # A stop's reason (an audited classification, split or note in the journal) on its machine's
        # lane at the stop's start: dark, as it is part of the record (a review note's star is white).
        self._stop_item = pg.ScatterPlotItem(size=12, symbol="t1", brush=pg.mkBrush("#303030"),
                                             pen=pg.mkPen("#ffffff"), hoverable=True, tip=None)  # fmt: skip
        self._stop_item.sigClicked.connect(self._on_marker)
        self._stop_item.setZValue(5)  # over the state bars
        self.plot.addItem(self._stop_item)
        self.show_events()

    def show_events(self) -> None:
        """Draw the timeline's bars, markers and stop marks as they are now (after `Timeline.add_events`)."""
        if self.timeline.bars is not self._bars_shown:
            self._bars_shown = self.timeline.bars
            self.bars_item.set_bars(self.timeline.bars, self._lane_y, bar_colour)
        self._markers = list(self.timeline.markers)
        for lane, scatter in self._marker_items.items():
            ms = [m for m in self._markers if m.lane == lane]
            y = np.full(len(ms), self._lane_y[lane], dtype=float)
            scatter.setData(x=np.array([m.t for m in ms], dtype=float), y=y, data=[m.event_id for m in ms])
        marks = [m for m in self.timeline.stop_marks if m.machine in self._lane_y]
        self._stop_item.setData(x=np.array([m.t for m in marks], dtype=float),
                                y=np.array([self._lane_y[m.machine] + 0.3 for m in marks], dtype=float),
                                data=[m.event_id for m in marks])  # fmt: skip
        self._stop_item.setToolTip("\n".join(m.text for m in marks[-20:]))

    def stop_marks_shown(self) -> list[tuple[str, float]]:
        """(machine, time) of each stop mark drawn: what the reviewer sees, for tests."""
        x, y = self._stop_item.getData()
        lanes = {v: k for k, v in self._lane_y.items()}
        return [(lanes[round(float(b) - 0.3)], float(a)) for a, b in zip(x, y, strict=True)]

    def set_notes(self, notes: list[ReviewNote]) -> None:
        """Show the reviewer's notes in their lane (white: they are not journal events)."""
        self._notes = list(notes)
        self._notes_item.setData(
            x=np.array([n.t for n in notes], dtype=float),
            y=np.full(len(notes), self._notes_y, dtype=float),
            symbol=[NOTE_SYMBOLS[n.kind] for n in notes],
            data=[n.id for n in notes],
        )
        self._notes_item.setToolTip("\n".join(n.title() for n in notes[:20]))

    def notes_shown(self) -> list[ReviewNote]:
        return list(self._notes)

    # --- interaction -----------------------------------------------------------------------------
    def _on_note(self, _item: object, points: list[object]) -> None:
        if points:
            note_id = str(points[0].data())  # type: ignore[attr-defined]
            note = next((n for n in self._notes if n.id == note_id), None)
            if note is not None:
                self.set_cursor(note.t)
            self.note_clicked.emit(note_id)

    def _on_marker(self, _item: object, points: list[object]) -> None:
        if points:
            event_id = int(points[0].data())  # type: ignore[attr-defined]
            ev = self.timeline.event(event_id)
            if ev is not None:
                self.set_cursor(ev.ts)
            self.marker_clicked.emit(event_id)

    def _on_click(self, ev: object) -> None:
        if getattr(ev, "isAccepted", lambda: False)():
            return  # a marker took it
        pos = ev.scenePos()  # type: ignore[attr-defined]
        vb = self.plot.getViewBox()
        if vb.sceneBoundingRect().contains(pos):
            self.set_cursor(float(vb.mapSceneToView(QPointF(pos)).x()))

    def _on_drag(self, x: float, finished: bool) -> None:
        self._dragged_to = x
        if finished:
            self._apply_drag()
        elif not self._frame.isActive():  # the first position of a frame waits for the frame's end
            done = self._since_move.elapsed() if self._since_move.isValid() else FRAME_MS
            self._frame.start(max(0, FRAME_MS - done))

    def _apply_drag(self) -> None:
        self._frame.stop()
        if self._dragged_to is not None:
            t, self._dragged_to = self._dragged_to, None
            self.set_cursor(t)

    def _report_cursor(self) -> None:
        t = float(self.cursor_line.value())
        if t != self._reported:
            self._reported = t
            self._since_move.start()
            # The line's old and new pixels are dirty before what follows the cursor is set: the
            # window's next paint shows the line with the readouts (widgets/scene_frame.py).
            line_px = covered_rect(self.plot, [self.cursor_line])
            self.plot.viewport().update(self._line_px | line_px)
            self._line_px = line_px
            self.cursor_moved.emit(t)

    def set_cursor(self, t: float) -> None:
        t = min(max(t, self.timeline.t0), self.timeline.t1)
        if abs(float(self.cursor_line.value()) - t) > 1e-6:
            self.cursor_line.setValue(t)  # emits cursor_moved through sigPositionChanged

    def pending_drag(self) -> float | None:
        """Where a drag has the mouse now, not yet applied (None: no drag pending)."""
        return self._dragged_to

    def cursor_time(self) -> float:
        return float(self.cursor_line.value())

    def show_range(self, t0: float, t1: float) -> None:
        self.plot.setXRange(t0, t1, padding=0)
