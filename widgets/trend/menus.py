"""The trend's menus and dialogs: pen context menu, trend sets, custom range, export file choice.

Kept apart from the widget (the way pyqtgraph keeps `ViewBoxMenu` apart from
`ViewBox`): each function builds or runs one piece of UI and calls back into
the widget's public API, so the widget holds no menu code.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QInputDialog,
    QMenu,
    QMessageBox,
    QWidget,
)

from hmi.core.trend_sets import TrendSetError

if TYPE_CHECKING:
    from widgets.trend.widget import TrendWidget


class RangeDialog(QDialog):
    """Custom time range: two local date-times."""

    def __init__(self, t0: float, t1: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Trend time range")
        form = QFormLayout(self)
        self.start = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(t0)))
        self.end = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(t1)))
        for e in (self.start, self.end):
            e.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
            e.setCalendarPopup(True)
            e.setMinimumHeight(34)
        form.addRow("From", self.start)
        form.addRow("To", self.end)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def range(self) -> tuple[float, float]:
        return float(self.start.dateTime().toSecsSinceEpoch()), float(self.end.dateTime().toSecsSinceEpoch())


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
    name, ok = QInputDialog.getText(trend, "Save trend set", "Name of this set of pens:")
    if ok and name.strip():
        try:
            trend.save_set(name.strip())
        except (OSError, ValueError, RuntimeError, TrendSetError) as exc:
            QMessageBox.warning(trend, "Trend set not saved", f"{name.strip()!r} was not saved: {exc}")


def custom_range_dialog(trend: TrendWidget) -> None:
    t0, t1 = trend.x_range()
    dlg = RangeDialog(t0, t1, trend)
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
