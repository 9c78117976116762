"""Line overview: one faceplate per machine in flow order, wrapping to the width.

Four faceplates sit in one row on a 1920 px control-room screen and still
fit a 1280 px line-side PC; narrower windows wrap to 2x2 (then one column),
with a vertical scroll bar if the height runs out.

`keep_essentials_in_view()` (the main window): the overview's minimum height is what shows every
faceplate of the first row down to its state and main value, so a dock area that takes the room
in an upset (a full alarm banner on a 1280x800 touch screen) cannot squeeze it to a strip of
titles. It follows the faceplates' layout: a long state that wraps makes the head, and so the
minimum, taller. Faceplates wrapped onto further rows (windows narrower than four faceplates)
are reached by scrolling.

The faceplates of a row line up (`align_heads`): the rows under each head start at the same height
on every faceplate of the row, whatever its head holds (a state on two lines, the review's alarm
line). The pane's foot keeps every row whole (WholeLinesScrollArea); it finds the gap between two
rows only where the faceplates' rows are level: 16 px apart, their rows overlapped all the way
down and the foot went up by half the pane (qa10 Q10-5).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QWidget

from hmi.core.alarms.tag_badges import TagBadge
from hmi.core.config import LineConfig
from hmi.core.live_values import LiveValues
from hmi.core.users import User
from widgets.faceplate import Faceplate
from widgets.whole_lines import WholeLinesScrollArea

FACEPLATE_MIN_WIDTH = 280
SPACING = 10


class LineOverview(WholeLinesScrollArea):
    """(Its foot never cuts a faceplate's line: "RUL > 10 min" was cut there at 1920 px.)"""

    _keep_essentials = False  # a class default: the scroll area filters events from its __init__ on

    setpoint_requested = Signal(str)  # machine id
    trend_requested = Signal(str)  # tag name

    def __init__(
        self,
        config: LineConfig,
        parent: QWidget | None = None,
        *,
        review: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`review`: the faceplates show a recorded instant (see widgets.faceplate), `clock` its time."""
        super().__init__(parent)
        self._keep_essentials = False  # first: QScrollArea filters its widget's events from setWidget on
        self.setObjectName("lineOverview")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        inner.setObjectName("lineOverviewInner")
        index = config.tag_index()
        self._align = QTimer(self)
        self._align.setSingleShot(True)
        self._align.setInterval(0)
        self._align.timeout.connect(self.align_heads)
        # Review: each grid row's head keeps the tallest it has had at this width (_head_floor), so
        # the rows under it stay put while the cursor moves (an alarm line wrapping at one instant
        # and not at the next moved them by 16 px, and with them the pane's foot: qa11 Q11-3).
        self._keep_heads = review
        self._head_floor: dict[int, int] = {}
        self.faceplates: dict[str, Faceplate] = {}
        self._grid = QGridLayout(inner)
        self._grid.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
        self._grid.setSpacing(SPACING)
        for m in config.machines:
            fp = Faceplate(m, config, index, inner, review=review, clock=clock)
            fp.setMinimumWidth(FACEPLATE_MIN_WIDTH)
            fp.setpoint_requested.connect(self.setpoint_requested)
            fp.trend_requested.connect(self.trend_requested)
            self.faceplates[m.id] = fp
            fp.installEventFilter(self)  # its head's height (align_heads)
        self.setWidget(inner)
        self._inner = inner
        self._columns = 0
        self._relayout(max(1, len(self.faceplates)))

    def keep_essentials_in_view(self) -> None:
        """From now on the minimum height shows each first-row faceplate's state and main value."""
        self._keep_essentials = True
        self._watch_essentials()
        self._follow_essentials()

    def _watch_essentials(self) -> None:
        for fp in self.faceplates.values():
            # Any of these moving or resizing (a wrapped state, a re-wrapped grid) moves the bottom line.
            for w in (fp, *self._essentials(fp)):
                w.removeEventFilter(self)  # once each
                w.installEventFilter(self)

    def essentials_height(self) -> int:
        """The viewport height down to the lowest bottom of a first-row faceplate's state badge and
        main value, compact its whole summary (widgets.faceplate: the values that want a look and
        the failure risk), and a little room under it (the scroll area has no frame)."""
        bottoms = [0]
        for n, fp in enumerate(self.faceplates.values()):
            if n >= max(1, self._columns):
                break
            for w in self._essentials(fp):
                bottoms.append(w.mapTo(self._inner, QPoint(0, w.height())).y())
        return max(bottoms) + SPACING // 2

    @staticmethod
    def _essentials(fp: Faceplate) -> list[QWidget]:
        if fp.compact:
            return [fp.state_label, fp.summary]
        return [w for w in (fp.state_label, fp.main_value) if w is not None]

    def set_compact(self, compact: bool) -> None:
        """Each faceplate's summary on top (widgets.faceplate.Faceplate.set_compact)."""
        for fp in self.faceplates.values():
            fp.set_compact(compact)
        if self._keep_essentials:
            self._watch_essentials()
            self._follow_essentials()

    @property
    def compact(self) -> bool:
        return any(fp.compact for fp in self.faceplates.values())

    def _follow_essentials(self) -> None:
        h = self.essentials_height()
        if h != self.minimumHeight():
            self.setMinimumHeight(h)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if self._keep_essentials and event.type() in (QEvent.Type.Move, QEvent.Type.Resize):
            self._follow_essentials()
        if isinstance(obj, Faceplate) and event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Resize):
            self._align.start()  # after the faceplate's own layout has run
        return super().eventFilter(obj, event)

    def rows(self) -> list[list[Faceplate]]:
        """The faceplates of each row of the grid, left to right."""
        fps = list(self.faceplates.values())
        cols = max(1, self._columns)
        return [fps[k : k + cols] for k in range(0, len(fps), cols)]

    def align_heads(self) -> None:
        """Every faceplate of a row gets the head of the row's tallest (a pad above its rule); in a
        review, at least the tallest the row's head has had at this width."""
        for n, row in enumerate(self.rows()):
            heads = [fp.head_height() for fp in row]
            top = max(heads)
            if self._keep_heads:
                top = self._head_floor[n] = max(top, self._head_floor.get(n, 0))
            for fp, h in zip(row, heads, strict=True):
                fp.set_head_pad(top - h)

    def whole_height(self) -> int:
        """The height that shows every faceplate whole, without scrolling, at the pane's width."""
        inner = self._inner
        width = self.width() - 2 * self.frameWidth()  # no scroll bar where it all fits
        h = inner.heightForWidth(width) if inner.hasHeightForWidth() else -1
        return max(h, inner.minimumSizeHint().height()) + 2 * self.frameWidth()

    def scroll_to_top(self) -> None:
        """Back to the faceplates' heads (names and states): the main window calls it when the
        operator is done with what they scrolled down for (the setpoint dialog closed; another
        user). A pane left scrolled down to a Setpoint… button hid every machine's name and state on
        every tab (qa11 Q11-6). Not when a dock comes forward by itself (an alarm brings its list):
        the faceplate the operator is about to tap would move under the finger."""
        self.verticalScrollBar().setValue(0)

    def set_user(self, user: User | None) -> None:
        for fp in self.faceplates.values():
            fp.set_user(user)

    @property
    def columns(self) -> int:
        return self._columns

    def _relayout(self, columns: int) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        self._head_floor.clear()  # other rows
        for fp in self.faceplates.values():
            self._grid.removeWidget(fp)
        for n, fp in enumerate(self.faceplates.values()):
            self._grid.addWidget(fp, n // columns, n % columns)
        for c in range(max(self._grid.columnCount(), columns)):
            self._grid.setColumnStretch(c, 1 if c < columns else 0)
        self._align.start()  # other neighbours

    def resizeEvent(self, event) -> None:
        if event.size().width() != event.oldSize().width():
            self._head_floor.clear()  # the texts wrap anew
        n = max(1, len(self.faceplates))
        width = self.viewport().width() if self.viewport() else event.size().width()
        fit = max(1, (width - SPACING) // (FACEPLATE_MIN_WIDTH + SPACING))
        cols = min(n, fit)
        if cols < n:  # balance rows: 4 machines -> 2x2 rather than 3+1
            rows = -(-n // cols)
            cols = -(-n // rows)
        self._relayout(cols)
        super().resizeEvent(event)

    def refresh(self, live: LiveValues) -> None:
        for fp in self.faceplates.values():
            fp.refresh(live)

    @property
    def tags(self) -> list[str]:
        """Every tag the faceplates show, each once."""
        return list(dict.fromkeys(t for fp in self.faceplates.values() for t in fp.tags))

    def set_tag_alarms(self, badges: Mapping[str, TagBadge]) -> None:
        """The faceplates' value badges from the alarm model (hmi.core.alarms.tag_badges)."""
        for fp in self.faceplates.values():
            fp.set_tag_alarms(badges)

    def set_stale(self, stale: bool, since: float | None = None) -> None:
        for fp in self.faceplates.values():
            fp.set_stale(stale, since)

    def tick(self) -> None:
        for fp in self.faceplates.values():
            fp.tick()
