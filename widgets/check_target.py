"""A check box drawn by an item view's delegate, as a finger's target: the one rule for every view.

Qt toggles an item's check only on a release inside the indicator the style draws (13 px in Fusion);
a tap 18 px off it selected the row and left the pen shown (trend pen table at 1280x800 touch, qa12
Q12-11). The target here is the cell's leading square, as wide as the row is high (40 px at touch,
where rows are 40 px high; a wrapped row's taller square is wider still) and never narrower than
the indicator with its margins: the indicator and the colour swatch beside it toggle; the rest of
the cell (the name) still selects. A view with checkable items uses `FingerCheckDelegate`;
widgets.touch_reach.small_check_targets checks every such cell by tapping it.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

Index = QModelIndex | QPersistentModelIndex

_MOUSE = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick)


def indicator_rect(opt: QStyleOptionViewItem, widget: QWidget | None) -> QRect:
    """Where the style draws the check indicator of a cell (`opt` as the delegate fills it)."""
    style = widget.style() if widget is not None else None
    if style is None:
        return QRect()
    return style.subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, opt, widget)


def check_hit_rect(opt: QStyleOptionViewItem, widget: QWidget | None) -> QRect:
    """The part of a checkable cell (`opt.rect`) where a tap toggles its check: the whole height of
    the cell, from its leading edge a square of the row's height or the indicator and its leading
    margin twice over, whichever is wider (never wider than the cell)."""
    cell = QRect(opt.rect)
    ind = indicator_rect(opt, widget)
    rtl = opt.direction == Qt.LayoutDirection.RightToLeft
    lead = (cell.right() - ind.right()) if rtl else (ind.left() - cell.left())
    side = min(cell.width(), max(cell.height(), 2 * max(lead, 0) + ind.width()))
    left = cell.right() - side + 1 if rtl else cell.left()
    return QRect(left, cell.top(), side, cell.height())


class FingerCheckDelegate(QStyledItemDelegate):
    """The styled delegate, with a checkable cell toggled by a tap anywhere in `check_hit_rect`
    (Qt's own: inside the drawn indicator only). As Qt does, a press or double click there is taken
    (it does not select the row) and the release toggles."""

    def editorEvent(
        self, event: QEvent, model: QAbstractItemModel, option: QStyleOptionViewItem, index: Index
    ) -> bool:
        flags = index.flags()
        if (
            event.type() in _MOUSE
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
            and flags & Qt.ItemFlag.ItemIsUserCheckable
            and flags & Qt.ItemFlag.ItemIsEnabled
        ):
            opt = QStyleOptionViewItem(option)
            self.initStyleOption(opt, index)
            widget = option.widget  # type: ignore[attr-defined]
            if check_hit_rect(opt, widget).contains(event.position().toPoint()):
                if event.type() != QEvent.Type.MouseButtonRelease:
                    return True
                on = index.data(Qt.ItemDataRole.CheckStateRole) in (Qt.CheckState.Checked, 2)
                new = Qt.CheckState.Unchecked if on else Qt.CheckState.Checked
                return model.setData(index, new, Qt.ItemDataRole.CheckStateRole)
        return super().editorEvent(event, model, option, index)
