"""The pen table beside the plot: show/hide, colour, value and quality at the cursor, unit, axis."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPixmap, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from hmi.core.units import quantity
from widgets import palette
from widgets.text_fit import scrolls_sideways

COLUMNS = ("Pen", "Value", "Quality", "Axis")
COL_PEN, COL_VALUE, COL_QUALITY, COL_AXIS = range(4)
PEN_MIN_PX = 120  # the pen name column: two or three short lines of a wrapped name

Index = QModelIndex | QPersistentModelIndex


@dataclass
class PenRow:
    tag: str
    title: str
    colour: str
    visible: bool = True
    value: str = ""
    unit: str = ""
    quality: str = ""
    level: int = 0  # 0 good, 1 uncertain, 2 bad, 3 no data/connection
    axis: str = ""
    time: str = ""


def _swatch(colour: str, visible: bool) -> QIcon:
    pm = QPixmap(22, 12)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    c = QColor(colour)
    if not visible:
        c.setAlpha(70)
    p.fillRect(1, 4, 20, 4, c)
    p.end()
    return QIcon(pm)


class PenTableModel(QAbstractTableModel):
    visibility_toggled = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[PenRow] = []
        self._icons: dict[tuple[str, bool], QIcon] = {}
        self._bold = QFont()
        self._bold.setBold(True)
        self.selected = ""
        # which instant the Value column shows ("Value now", "Value at 10:42:13"): a cursor
        # reading must never pass for the current value
        self.value_heading = COLUMNS[COL_VALUE]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.value_heading if section == COL_VALUE else COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == COL_PEN:
            f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        c = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                r.title,
                quantity(r.value, r.unit) if r.value not in ("", "—") else r.value,
                r.quality,
                r.axis,
            )[c]
        if role == Qt.ItemDataRole.CheckStateRole and c == COL_PEN:
            return Qt.CheckState.Checked if r.visible else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole and c == COL_PEN:
            key = (r.colour, r.visible)
            icon = self._icons.get(key)
            if icon is None:
                icon = self._icons[key] = _swatch(*key)
            return icon
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{r.title}\n{r.tag}" + (f"\nvalue at {r.time}" if r.time else "")
        if role == Qt.ItemDataRole.TextAlignmentRole and c == COL_VALUE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and (
            not r.visible or (c in (COL_VALUE, COL_QUALITY) and r.level >= 2)
        ):
            return QBrush(QColor(palette.TEXT_DIM))
        if role == Qt.ItemDataRole.BackgroundRole and c in (COL_VALUE, COL_QUALITY) and r.level >= 2:
            # bad quality: hatching, not colour (ISA-101); no connection: the communication tint
            if r.level == 3:
                col = QColor(palette.COMM)
                col.setAlpha(45)
                return QBrush(col)
            return QBrush(QColor(palette.HATCH_LIGHT), Qt.BrushStyle.BDiagPattern)
        if role == Qt.ItemDataRole.FontRole and r.tag == self.selected and c == COL_PEN:
            return self._bold
        return None

    def setData(self, index: Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role == Qt.ItemDataRole.CheckStateRole and index.column() == COL_PEN:
            r = self.rows[index.row()]
            on = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
            if on != r.visible:
                r.visible = on
                self.dataChanged.emit(index, self.index(index.row(), len(COLUMNS) - 1))
                self.visibility_toggled.emit(r.tag, on)
            return True
        return False

    def set_rows(self, rows: list[PenRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def row_of(self, tag: str) -> int:
        for i, r in enumerate(self.rows):
            if r.tag == tag:
                return i
        return -1

    def update_values(self, values: dict[str, tuple[str, str, int, str]]) -> None:
        """tag -> (value text, quality text, level, time text); repaints the two columns."""
        changed = False
        for r in self.rows:
            v = values.get(r.tag)
            if v is None:
                continue
            if (r.value, r.quality, r.level, r.time) != v:
                r.value, r.quality, r.level, r.time = v
                changed = True
        if changed and self.rows:
            self.dataChanged.emit(self.index(0, COL_VALUE), self.index(len(self.rows) - 1, COL_QUALITY))

    def set_value_heading(self, text: str) -> None:
        if text != self.value_heading:
            self.value_heading = text
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, COL_VALUE, COL_VALUE)

    def set_selected(self, tag: str) -> None:
        self.selected = tag
        if self.rows:
            self.dataChanged.emit(self.index(0, COL_PEN), self.index(len(self.rows) - 1, COL_PEN))


class PenTable(QTableView):
    pen_selected = Signal(str)

    def __init__(self, model: PenTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setObjectName("trendPenTable")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(24)  # touch: rows easy to hit
        self.setIconSize(QSize(22, 12))
        # Pen names of one machine share their start or their end ("Capper cap torque" / "Capper cap
        # torque setpoint", "Filler motor current" / "Capper motor current"): no way of cutting them
        # keeps every pair apart at every width, so a name wraps onto as many lines as it needs
        # (the row grows) and is never cut; the tooltip has it too, with the tag.
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        h = self.horizontalHeader()
        # The rest of the width, but never under PEN_MIN_PX (the table scrolls sideways instead):
        # a stretched column beside three sized to their contents shrank to a few pixels.
        h.setSectionResizeMode(COL_PEN, QHeaderView.ResizeMode.Interactive)
        h.sectionResized.connect(self._on_section_resized)
        scrolls_sideways(self)  # so its value, quality and axis columns are reached on a narrow dock
        for c in (COL_VALUE, COL_QUALITY, COL_AXIS):
            h.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        h.setHighlightSections(False)
        h.setMinimumSectionSize(40)
        self.setColumnWidth(COL_PEN, 170)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.selectionModel().currentRowChanged.connect(self._on_current)
        model.modelReset.connect(self._after_reset)

    def _after_reset(self) -> None:
        sel = self.model().selected  # type: ignore[attr-defined]
        row = self.model().row_of(sel)  # type: ignore[attr-defined]
        if row >= 0:
            self.selectRow(row)

    def _on_current(self, cur: QModelIndex, _prev: QModelIndex) -> None:
        if cur.isValid():
            self.pen_selected.emit(self.model().rows[cur.row()].tag)  # type: ignore[attr-defined]

    def _on_section_resized(self, section: int, _old: int, _new: int) -> None:
        if section != COL_PEN:
            self._fit_pen_column()

    def _fit_pen_column(self) -> None:
        h = self.horizontalHeader()
        others = sum(h.sectionSize(c) for c in (COL_VALUE, COL_QUALITY, COL_AXIS))
        self.setColumnWidth(COL_PEN, max(PEN_MIN_PX, self.viewport().width() - others))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_pen_column()

    def sizeHintForRow(self, row: int) -> int:
        # never lower than the row size asked for (the touch profile's 40 px): rows fit their names
        return max(super().sizeHintForRow(row), self.verticalHeader().defaultSectionSize())

    def sizeHint(self) -> QSize:
        return QSize(360, 200)
