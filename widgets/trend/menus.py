"""The trend's menus and dialogs: pen context menu, trend sets, custom range, export file choice.

Kept apart from the widget (the way pyqtgraph keeps `ViewBoxMenu` apart from
`ViewBox`): each function builds or runs one piece of UI and calls back into
the widget's public API, so the widget holds no menu code.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hmi.core.shift_calendar import ShiftCalendar
from hmi.core.trend_sets import TrendSetError
from hmi.core.trend_view import MAX_SPAN_S
from widgets.dialog_fit import fit_height
from widgets.number_pad import NumberPad
from widgets.text_dialog import TextDialog
from widgets.time_entry import TimeEntry
from widgets.wrapping_label import WrappingLabel

if TYPE_CHECKING:
    from widgets.trend.widget import TrendWidget


# The range dialog's quick choices: (label, seconds back from now); the shifts come from the calendar.
QUICK_SPANS: tuple[tuple[str, float], ...] = (("Last 15 min", 900.0), ("Last hour", 3600.0))


class RangeDialog(QDialog):
    """Custom time range: two local date-times, or a quick choice (the last 15 min, the last hour,
    this shift, the shift before). Touch: a number pad types the times (qa10 Q10-24: the From/To
    fields took typed text only and the calendar's days were 19x35 px)."""

    def __init__(
        self,
        t0: float,
        t1: float,
        parent: QWidget | None = None,
        *,
        touch: bool = False,
        shifts: ShiftCalendar | None = None,
        now: float | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("trendRangeDialog")
        self.setWindowTitle("Trend time range")
        self._now = time.time() if now is None else now
        self._shifts = shifts
        lay = QVBoxLayout(self)
        quick = QHBoxLayout()
        self.quick_buttons: dict[str, QPushButton] = {}
        for label, back in QUICK_SPANS:
            self._quick(quick, label, partial(self._last, back))
        if shifts is not None:
            self._quick(quick, "This shift", lambda: self._shift(0))
            self._quick(quick, "Shift before", lambda: self._shift(1))
        lay.addLayout(quick)
        form = QFormLayout()
        # The days to pick from: the trend's longest span back from today.
        earliest = self._now - MAX_SPAN_S
        self.start = TimeEntry(t0, earliest=earliest, latest=self._now, now=self._now)
        self.end = TimeEntry(t1, earliest=earliest, latest=self._now, now=self._now)
        form.addRow("From", self.start)
        form.addRow("To", self.end)
        lay.addLayout(form)
        self.pad: NumberPad | None = None
        if touch:  # no keyboard at the line: the pad types into the time field last tapped
            self.pad = NumberPad(self.start.time, decimals=False, signed=False, enter_text="OK")
            self.pad.follow_focus()
            self.pad.entered.connect(self._on_ok)
            lay.addWidget(self.pad)
        self.message = WrappingLabel(lines=2, elide=True)
        self.message.setObjectName("validationMessage")
        lay.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        for e in (self.start, self.end):
            e.time.textChanged.connect(self._update_ok)
            e.day.currentIndexChanged.connect(self._update_ok)
        self._update_ok()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        fit_height(self)  # a wrapped heading or message must not cut the buttons below it

    def _quick(self, row: QHBoxLayout, label: str, bounds: Callable[[], tuple[float, float]]) -> None:
        b = QPushButton(label)
        b.setAutoDefault(False)
        b.clicked.connect(lambda _c=False: self.set_range(*bounds()))
        row.addWidget(b)
        self.quick_buttons[label] = b

    def _last(self, seconds: float) -> tuple[float, float]:
        return self._now - seconds, self._now

    def _shift(self, back: int) -> tuple[float, float]:
        """The running shift (`back` 0) or the one `back` shifts before it; a running one ends now."""
        assert self._shifts is not None
        _s, a, b = self._shifts.shift_at(self._now)
        for _ in range(back):
            _s, a, b = self._shifts.shift_at(a - 1.0)
        return a, min(b, self._now)

    def set_range(self, t0: float, t1: float) -> None:
        self.start.set_value(t0)
        self.end.set_value(t1)

    def problem(self) -> str:
        """Why OK cannot show the range ("" when it can)."""
        for name, e in (("From", self.start), ("To", self.end)):
            if why := e.problem():
                return f"{name}: {why}"
        t0, t1 = self.range()
        if t1 <= t0:
            return "To must be later than From"
        return ""

    def _update_ok(self) -> None:
        why = self.problem()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not why)
        self.message.setText(why)

    def _on_ok(self) -> None:
        if not self.problem():
            self.accept()

    def range(self) -> tuple[float, float]:
        t0, t1 = self.start.value(), self.end.value()
        return (math.nan if t0 is None else t0), (math.nan if t1 is None else t1)


def pen_menu(trend: TrendWidget, tag: str) -> QMenu:
    """Context menu of one pen in the pen table: move to an axis, own axis, automatic, remove."""
    menu = QMenu(trend)
    axis_menu = menu.addMenu("Move to axis")
    current = trend.axis_of(tag)
    for g in trend.canvas.ordered_groups():
        a = QAction(g.title, axis_menu)
        a.setCheckable(True)
        a.setChecked(g.key == current)
        a.triggered.connect(lambda _=False, k=g.key: trend.set_pen_axis(tag, k))
        axis_menu.addAction(a)
    axis_menu.addSeparator()
    axis_menu.addAction("Own axis", lambda: trend.set_pen_axis(tag, f"own:{tag}"))
    axis_menu.addAction("Automatic", lambda: trend.set_pen_axis(tag, None))
    menu.addAction("Remove pen", lambda: trend.remove_pen(tag))
    return menu


def show_pen_menu(trend: TrendWidget, pos: QPoint) -> None:
    idx = trend.pen_table.indexAt(pos)
    if not idx.isValid():
        return
    tag = trend.pen_table_model.rows[idx.row()].tag
    pen_menu(trend, tag).exec(trend.pen_table.viewport().mapToGlobal(pos))


def fill_sets_menu(menu: QMenu, trend: TrendWidget) -> None:
    """The "Sets" menu: save the pens as a named set, open one, delete one."""
    menu.clear()
    store = trend.trend_sets
    if store is None:
        a = menu.addAction("(no settings file)")
        a.setEnabled(False)
        return
    menu.addAction("Save pens as…", lambda: save_set_dialog(trend))
    names = trend.set_names()
    if names:
        menu.addSeparator()
    for n in names:
        menu.addAction(n, partial(trend.load_set, n))
    if names:
        dm = menu.addMenu("Delete")
        for n in names:
            dm.addAction(n, partial(store.delete, trend.user, n))


def save_set_dialog(trend: TrendWidget) -> None:
    # Touch: the on-screen keyboard types the name (qa10 Q10-24: a plain field and no keys).
    dlg = TextDialog(
        "Save trend set", "Name of this set of pens:", trend, keyboard=trend.touch, ok_text="Save"
    )
    if dlg.exec() != QDialog.DialogCode.Accepted:
        return
    name = dlg.text()
    try:
        trend.save_set(name)
    except (OSError, ValueError, RuntimeError, TrendSetError) as exc:
        QMessageBox.warning(trend, "Trend set not saved", f"{name!r} was not saved: {exc}")


def custom_range_dialog(trend: TrendWidget) -> None:
    t0, t1 = trend.x_range()
    shifts = ShiftCalendar.from_config(trend.config) if trend.config is not None else ShiftCalendar.default()
    dlg = RangeDialog(t0, t1, trend, touch=trend.touch, shifts=shifts, now=trend.now())
    if dlg.exec() == QDialog.DialogCode.Accepted:
        trend.set_range(*dlg.range())


def export_csv_dialog(trend: TrendWidget) -> None:
    path, _ = QFileDialog.getSaveFileName(trend, "Export visible range", "trend.csv", "CSV (*.csv)")
    if path:
        trend.export_csv(path)


def export_png_dialog(trend: TrendWidget) -> None:
    path, _ = QFileDialog.getSaveFileName(trend, "Save chart", "trend.png", "PNG image (*.png)")
    if path:
        trend.export_png(path)
