"""A scroll area that never shows a row cut at its foot.

A scroll area's edge falls wherever its height puts it: through "RUL > 10 min" at the overview's
foot, through a dock's "REJECT  Misaligned label" or the alarm list's role line (issue 10: QA4
saw all three), through the alarm pane's action buttons at 1280x800 and the overview's Setpoint…
buttons at 1920x1080, or through a value's bar after a tap on the overview's scroll arrows (qa8
G20: a button's text was whole, so only lines of text were looked at, not what they sit in).
`WholeLinesScrollArea` moves the bottom of its viewport up to just above any row the edge would
cut (a bottom viewport margin: the strip under it is empty background), and follows scrolling,
resizing and its content's layout. What is under the edge is reached by scrolling, whole.

A row (`row_rect`) is a label's lines, or the whole of a control (button, combo box, field, bar)
or of any other widget that draws itself with no widgets inside (a value's bar and label). A list
or text view inside scrolls its own rows; containers (a faceplate's frame) are not rows.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QTableView,
    QWidget,
)

from widgets.text_fit import text_rect

MAX_SHARE = 0.5  # never hide more than this share of the viewport (a row taller than that is cut)


class WholeLinesScrollArea(QScrollArea):
    # The strip under the foot changed (px): a window that sizes the pane can make it 0 by giving
    # the pane the height down to its foot (hmi.ui.review_window: no empty band under the cards).
    margin_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bottom_margin = 0
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.fit_edge)
        self.verticalScrollBar().valueChanged.connect(self._schedule)
        self.verticalScrollBar().rangeChanged.connect(self._schedule)

    def setWidget(self, widget: QWidget) -> None:
        super().setWidget(widget)
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.widget() and event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest):
            self._schedule()
        return super().eventFilter(obj, event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._schedule()

    def _schedule(self, *_args) -> None:
        self._pending.start()

    def bottom_margin(self) -> int:
        return self._bottom_margin

    def _text_bands(self, inner: QWidget) -> list[tuple[int, int]]:
        bands = []
        for w in rows_of(inner):
            r = row_rect(w)
            top = w.mapTo(inner, QPoint(0, r.top())).y()
            bands.append((top, top + r.height()))
        return bands

    def fit_edge(self) -> None:
        """Set the bottom margin so the viewport's foot cuts no row."""
        if self.widget() is None:
            return
        full = self.full_height()
        top_shown = self.verticalScrollBar().value()
        margin = top_shown + full - self.foot_for(top_shown, full)
        if margin != self._bottom_margin:
            self._bottom_margin = margin
            self.setViewportMargins(0, 0, 0, margin)
            self.margin_changed.emit(margin)

    def full_height(self) -> int:
        """The viewport's height with no margin under it (under a sideways scroll bar)."""
        hbar = self.horizontalScrollBar()
        return self.contentsRect().height() - (hbar.height() if hbar.isVisible() else 0)

    def foot_for(self, top_shown: int, full: int) -> int:
        """Where the foot goes (content coordinates) in a viewport `full` px high showing the content
        from `top_shown` down: above every row its edge would cut, by at most MAX_SHARE of it."""
        inner = self.widget()
        edge = top_shown + full
        if inner is None:
            return edge
        lowest = top_shown + full - full * MAX_SHARE  # the edge never goes above this
        # A row the edge could only clear by hiding more than MAX_SHARE of the pane (a camera
        # image) is cut whatever the edge does; the rows beside and under it are still kept whole.
        bands = [b for b in self._text_bands(inner) if b[0] >= lowest]
        moved = True
        while moved:
            moved = False
            for top, bottom in bands:
                if top < edge < bottom:
                    edge, moved = top, True
        return edge


def _inside_a_view(w: QWidget, inner: QWidget) -> bool:
    """`w` is, or lies in, a list, table or text view within `inner` (it scrolls its own rows)."""
    p: QWidget | None = w
    while p is not None and p is not inner:
        if isinstance(p, QAbstractScrollArea):
            return True
        p = p.parentWidget()
    return False


def row_rect(w: QWidget) -> QRect:
    """The part of `w` (its own coordinates) that is one row and must be shown whole or not at
    all: a label's lines, the whole of anything else (empty: `w` is no row)."""
    if isinstance(w, QLabel):
        return text_rect(w)
    if isinstance(w, QAbstractButton | QComboBox | QLineEdit | QAbstractSpinBox):
        return QRect(0, 0, w.width(), w.height())
    if w.findChild(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly) is not None:
        return QRect()  # a container: its rows are its children
    return QRect(0, 0, w.width(), w.height())


def rows_of(inner: QWidget) -> list[QWidget]:
    """The widgets of `inner` shown as rows (`row_rect` not empty), outside the views in it."""
    out = []
    for w in inner.findChildren(QWidget):
        if not w.isVisibleTo(inner) or _inside_a_view(w, inner) or row_rect(w).isEmpty():
            continue
        out.append(w)
    return out


def row_cut_at_foot(view: QTableView) -> str:
    """The row of `view` that its viewport's foot cuts ('' when none): partly above the foot,
    partly below it, as the view shows it now."""
    port = view.viewport()
    foot = port.height()
    row = view.rowAt(foot - 1)
    if row < 0:
        return ""
    top = view.rowViewportPosition(row)
    bottom = top + view.rowHeight(row)  # exclusive
    if top < foot < bottom:
        return f"row {row} y {top}..{bottom} in a viewport {foot} px high"
    return ""


class WholeRows(QWidget):
    """Holds a table and shows it with whole rows only: the table is made as high as the whole rows
    that fit (with its header, frame and a sideways scroll bar), and the strip under it is empty
    background, not half a row (qa9 Q9-10: the review's event browser at 1280x800 showed its last
    row cut at the foot). It follows resizing, scrolling and the rows' changes; with every row in
    view, or a row taller than half the room, the table takes the whole height."""

    def __init__(self, view: QTableView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        view.setParent(self)
        view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)  # the top row whole
        view.installEventFilter(self)
        view.verticalScrollBar().valueChanged.connect(self._schedule)
        view.verticalScrollBar().rangeChanged.connect(self._schedule)
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.place)
        self.setSizePolicy(view.sizePolicy())

    def sizeHint(self):  # type: ignore[no-untyped-def]
        return self.view.sizeHint()

    def minimumSizeHint(self):  # type: ignore[no-untyped-def]
        return self.view.minimumSizeHint()

    def _schedule(self, *_args) -> None:
        self._pending.start()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.view and event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Show):
            self._schedule()
        return super().eventFilter(obj, event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.place()

    def place(self) -> None:
        v = self.view
        full = self.height()
        chrome = v.height() - v.viewport().height()  # header, frame, a sideways scroll bar
        room = full - chrome
        model = v.model()
        rows = model.rowCount() if model is not None else 0
        used = 0
        for r in range(max(0, v.rowAt(0)), rows):
            h = v.rowHeight(r)
            if used + h > room:
                break
            used += h
        else:
            if v.verticalScrollBar().value() == 0:
                used = room  # every row fits: nothing is cut
            else:
                # Scrolled to the end: Qt puts the last row at the foot, so the view is as high as
                # the whole rows from the end up (the top row was cut in half there: qa11).
                used = 0
                for r in range(rows - 1, -1, -1):
                    if used + v.rowHeight(r) > room:
                        break
                    used += v.rowHeight(r)
        height = full if room - used > room * MAX_SHARE else chrome + used
        if v.geometry() != QRect(0, 0, self.width(), height):
            v.setGeometry(0, 0, self.width(), height)
