"""The pen table beside the plot: show/hide, colour, value and quality at the cursor, unit, axis."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QPainter,
    QPaintEvent,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from hmi.core.units import quantity
from widgets import palette
from widgets.check_target import FingerCheckDelegate
from widgets.text_fit import scrolls_sideways

COLUMNS = ("Pen", "Value", "Quality", "Axis")
COL_PEN, COL_VALUE, COL_QUALITY, COL_AXIS = range(4)
PEN_MIN_PX = 120  # the pen name column: two or three short lines of a wrapped name

Index = QModelIndex | QPersistentModelIndex

# The roles as plain ints, looked up once: `data()` is called for every role of every painted cell,
# and an enum attribute and an `|` of two flags per call were a third of its cost.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_CHECK = int(Qt.ItemDataRole.CheckStateRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
# What a value change touches: the text, its tint, the tooltip's time (not the size-giving roles of
# the pen column: a new value never re-wraps a pen name).
VALUE_ROLES = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole,
               Qt.ItemDataRole.ToolTipRole]  # fmt: skip


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
    values_changed = Signal(list)  # the rows whose value or quality text changed (update_values)

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
        role = int(role)
        if role == _DISPLAY:
            if c == COL_VALUE:
                return quantity(r.value, r.unit) if r.value not in ("", "—") else r.value
            return (r.title, "", r.quality, r.axis)[c]
        if role == _CHECK:
            if c != COL_PEN:
                return None
            return Qt.CheckState.Checked if r.visible else Qt.CheckState.Unchecked
        if role == _DECORATION:
            if c != COL_PEN:
                return None
            key = (r.colour, r.visible)
            icon = self._icons.get(key)
            if icon is None:
                icon = self._icons[key] = _swatch(*key)
            return icon
        if role == _TOOLTIP:
            return f"{r.title}\n{r.tag}" + (f"\nvalue at {r.time}" if r.time else "")
        if role == _ALIGN:
            return _RIGHT if c == COL_VALUE else None
        if role == _FOREGROUND:
            if not r.visible or (c in (COL_VALUE, COL_QUALITY) and r.level >= 2):
                return QBrush(QColor(palette.TEXT_DIM))
            return None
        if role == _BACKGROUND and c in (COL_VALUE, COL_QUALITY) and r.level >= 2:
            # bad quality: hatching, not colour (ISA-101); no connection: the communication tint
            if r.level == 3:
                col = QColor(palette.COMM)
                col.setAlpha(45)
                return QBrush(col)
            return QBrush(QColor(palette.HATCH_LIGHT), Qt.BrushStyle.BDiagPattern)
        if role == _FONT and c == COL_PEN and r.tag == self.selected:
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
        """tag -> (value text, quality text, level, time text). Each changed cell is reported alone,
        so the view repaints those cells, not the whole table (a cursor move changes every value)."""
        changed = []
        for k, r in enumerate(self.rows):
            v = values.get(r.tag)
            if v is None or (r.value, r.quality, r.level, r.time) == v:
                continue
            cols = [COL_VALUE] if (r.value, r.level, r.time) != (v[0], v[2], v[3]) else []
            if (r.quality, r.level) != (v[1], v[2]):
                cols.append(COL_QUALITY)
            r.value, r.quality, r.level, r.time = v
            changed.append(k)
            for c in cols:
                cell = self.index(k, c)
                self.dataChanged.emit(cell, cell, VALUE_ROLES)
        if changed:
            self.values_changed.emit(changed)

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
        # The show/hide box is toggled by a tap on the cell's leading square, not on the 13 px box
        # alone (a tap 18 px off selected the row at touch: qa12 Q12-11; widgets.check_target).
        self.setItemDelegate(FingerCheckDelegate(self))
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
        # Sizes are set here, not by Qt on every change (ResizeToContents measured every cell of the
        # table at each cursor move: two thirds of the review workspace's cost of a move). A row's
        # height follows its wrapped pen name (`_fit_rows`, when names, their width or the bold
        # selection change); the value, quality and axis columns fit their texts on a new pen list
        # and grow, never shrink, when a longer text comes (`_grow_columns`): a scrub does not make
        # the columns jitter, and nothing is ever cut.
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._fitted_default = -1  # the default row height the rows were last fitted with
        h = self.horizontalHeader()
        # The rest of the width, but never under PEN_MIN_PX (the table scrolls sideways instead):
        # a stretched column beside three sized to their contents shrank to a few pixels.
        h.setSectionResizeMode(COL_PEN, QHeaderView.ResizeMode.Interactive)
        h.sectionResized.connect(self._on_section_resized)
        scrolls_sideways(self)  # so its value, quality and axis columns are reached on a narrow dock
        for c in (COL_VALUE, COL_QUALITY, COL_AXIS):
            h.setSectionResizeMode(c, QHeaderView.ResizeMode.Fixed)
        h.setHighlightSections(False)
        h.setMinimumSectionSize(40)
        self._widest: dict[int, int] = {}  # column -> the widest text (px) its width was fitted to
        self._natural: dict[int, int] = {}  # column -> its width on one line (before a narrow fit)
        self._fitting = False
        self.setColumnWidth(COL_PEN, 170)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.selectionModel().currentRowChanged.connect(self._on_current)
        model.modelReset.connect(self._after_reset)
        model.dataChanged.connect(self._on_data_changed)
        model.values_changed.connect(lambda rows: self._grow_columns([COL_VALUE, COL_QUALITY], rows))
        model.headerDataChanged.connect(lambda *_: self._grow_columns([COL_VALUE], range(0), heading=True))

    def _after_reset(self) -> None:
        self._fit_columns()
        self._fit_pen_column()
        self._fit_rows()
        sel = self.model().selected  # type: ignore[attr-defined]
        row = self.model().row_of(sel)  # type: ignore[attr-defined]
        if row >= 0:
            self.selectRow(row)

    def _on_data_changed(
        self, top_left: QModelIndex, bottom_right: QModelIndex, _roles: object = None
    ) -> None:
        if top_left.column() <= COL_PEN:  # a name, its visibility or its bold (selected) font
            self._fit_rows()
        cols = [
            c for c in (COL_VALUE, COL_QUALITY, COL_AXIS) if top_left.column() <= c <= bottom_right.column()
        ]
        if cols:
            self._grow_columns(cols, range(top_left.row(), bottom_right.row() + 1))

    def _text_px(self, row: int, col: int) -> int:
        text = self.model().data(self.model().index(row, col))
        return self.fontMetrics().horizontalAdvance(str(text or ""))

    def _cell_need(self, row: int, col: int, wrap_at: int | None = None) -> int:
        """The width a cell takes as the style draws it (its margins included): its text on one line,
        or wrapped at `wrap_at` px, where a word wider than that gives the width (a word never breaks).
        Measured for every row, shown or not: Qt's fit to contents measures only the rows in view,
        and a table behind its tab has none (the Axis fitted to its heading alone, 48 px, cut
        "Capper" of "Capper fault code" at 1280 touch, Q11-7)."""
        index = self.model().index(row, col)
        opt = QStyleOptionViewItem()
        self.initViewItemOption(opt)
        if wrap_at is not None:
            opt.rect = QRect(0, 0, wrap_at, 1 << 16)
        return self.itemDelegateForIndex(index).sizeHint(opt, index).width()

    def _column_need(self, col: int, rows: Iterable[int], wrap_at: int | None = None) -> int:
        """The widest of these cells (see `_cell_need`) and the column's heading."""
        return max(
            [self.horizontalHeader().sectionSizeHint(col), *(self._cell_need(r, col, wrap_at) for r in rows)]
        )

    def _fit_columns(self) -> None:
        """Value, quality and axis columns to their texts now (a new pen list: they may shrink)."""
        rows = range(self.model().rowCount())
        for c in (COL_VALUE, COL_QUALITY, COL_AXIS):
            self._widest[c] = max((self._text_px(r, c) for r in rows), default=0)
            self._natural[c] = self._column_need(c, rows)
            self.setColumnWidth(c, self._natural[c])
        self.updateGeometry()  # the room every column needs changed (minimumSizeHint)

    def _grow_columns(self, cols: list[int], rows: Iterable[int], heading: bool = False) -> None:
        """Widen a column when one of these cells (or its new heading) holds a text wider than any
        it was fitted to: the column is measured again with them (`_column_need`); it never shrinks."""
        header = self.horizontalHeader()
        rows = list(rows)
        for c in cols:
            need = max((self._text_px(r, c) for r in rows), default=0)
            if need > self._widest.get(c, 0):
                self._widest[c] = need
            elif not heading or header.sectionSizeHint(c) <= header.sectionSize(c):
                continue
            before = self._natural.get(c, header.sectionSize(c))
            self._fitting = True  # measured on one line first; the narrow fit comes after
            try:
                self._natural[c] = max(before, self._column_need(c, rows))
                self.setColumnWidth(c, self._natural[c])
            finally:
                self._fitting = False
            self.updateGeometry()
            self._fit_pen_column()

    def _fit_rows(self) -> None:
        self._fitted_default = self.verticalHeader().defaultSectionSize()
        self.resizeRowsToContents()

    def paintEvent(self, event: QPaintEvent) -> None:
        # The touch profile sets a taller default row (hmi/ui/touch.py); Qt gives no signal of it and
        # leaves the rows as they are: fit them to it before they are drawn.
        if self.verticalHeader().defaultSectionSize() != self._fitted_default:
            self._fit_rows()
        super().paintEvent(event)

    def _on_current(self, cur: QModelIndex, _prev: QModelIndex) -> None:
        if cur.isValid():
            self.pen_selected.emit(self.model().rows[cur.row()].tag)  # type: ignore[attr-defined]

    def _on_section_resized(self, section: int, _old: int, _new: int) -> None:
        if section == COL_PEN:
            self._fit_rows()  # the names wrap at the new width
        else:
            self._fit_pen_column()

    def pen_column_minimum(self) -> int:
        """The pen column's least width: PEN_MIN_PX, and the longest word of any pen name whole
        beside its check box and colour swatch (bold: the selected pen's). A name wraps between its
        words, never inside one ("Filler bearing temperatu" at 1920x1080, qa7 G10)."""
        bold = QFont(self.font())
        bold.setBold(True)
        fm = QFontMetrics(bold)
        words = [w for r in self.model().rows for w in r.title.split()]  # type: ignore[attr-defined]
        widest = max((fm.horizontalAdvance(w) for w in words), default=0)
        style = self.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1
        check = style.pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth, None, self)
        decoration = check + self.iconSize().width() + 6 * margin + 8
        return max(PEN_MIN_PX, widest + decoration)

    def _least_width(self, c: int) -> int:
        """The narrowest column `c` (the Axis) goes: its longest word whole, with the cell's margins,
        and its heading whole."""
        return self._column_need(c, range(self.model().rowCount()), wrap_at=1)

    def _fit_pen_column(self) -> None:
        """The pen column takes the rest of the width, never under its minimum. Where the table is
        narrower than all four columns, the Axis wraps its words first ("Filler state" on two
        lines) rather than the table scrolling sideways with the axis cut at its edge ("Filler
        sta", qa7/qa8 G10); value and quality stay on one line. Only a table too narrow even then
        scrolls sideways."""
        if self._fitting:
            return
        self._fitting = True
        try:
            h = self.horizontalHeader()
            room = self.viewport().width()
            pen_min = self.pen_column_minimum()
            widths = {c: self._natural.get(c, h.sectionSize(c)) for c in (COL_VALUE, COL_QUALITY, COL_AXIS)}
            over = pen_min + sum(widths.values()) - room
            if over > 0:  # the axis is set with the pen list: a wrapped one never changes its row's
                # height during a scrub, as a quality ("No connection") or a value would
                widths[COL_AXIS] -= max(0, min(over, widths[COL_AXIS] - self._least_width(COL_AXIS)))
            wrapped = False
            for c, w in widths.items():
                if h.sectionSize(c) != w:
                    self.setColumnWidth(c, w)
                    wrapped = True
            self.setColumnWidth(COL_PEN, max(pen_min, room - sum(widths.values())))
            if wrapped:
                self._fit_rows()  # an axis or quality on two lines makes its row taller
        finally:
            self._fitting = False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_pen_column()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # the touch profile's larger font: measure again
            self._fit_columns()
            self._fit_rows()

    def sizeHintForRow(self, row: int) -> int:
        # never lower than the row size asked for (the touch profile's 40 px): rows fit their names
        return max(super().sizeHintForRow(row), self.verticalHeader().defaultSectionSize())

    def sizeHint(self) -> QSize:
        return QSize(max(360, self.minimumSizeHint().width()), 200)

    def minimumSizeHint(self) -> QSize:
        """Room for every column, none reached by scrolling sideways: the pen column at its least,
        value and quality on one line, the axis at its least (wrapped), the frame and a vertical
        scroll bar. The splitter beside the plot gives it that (qa9: the review's "Axis" column at
        1920x1080 was reached only by scrolling the table sideways)."""
        h = self.horizontalHeader()
        columns = self.pen_column_minimum() + self._least_width(COL_AXIS)
        columns += sum(self._natural.get(c, h.sectionSize(c)) for c in (COL_VALUE, COL_QUALITY))
        chrome = 2 * self.frameWidth() + self.verticalScrollBar().sizeHint().width()
        return QSize(columns + chrome, super().minimumSizeHint().height())
