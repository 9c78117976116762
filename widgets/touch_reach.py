"""Can a finger reach every control of a window? The check behind the touch profile's tests.

Three defect classes seen on a line-side PC (1280x800, touch): a control cut off by its parent
(the PIN pad's "0" key below the Switch-user dialog's visible part), a text field with no
on-screen keyboard (the first log-in's "Choose a new password": no way to type without a
hardware keyboard), and controls lying over each other (the banner's two Ack buttons in rows
too short for them, night theme, qa9 Q9-19). `unreachable(root, min_px)` lists every visible
control that is smaller than `min_px` or not wholly inside the visible rectangles of all its
parents; `inputs_without_keys` lists every editable line edit that no visible on-screen keyboard
or number pad types into; `controls_not_whole(root)` lists every control of a window cut by a
parent that does not scroll, or over another control. `small_check_targets(root, min_px)` taps the
check box an item view's delegate draws in each checkable cell (not a widget: the checks above
never saw the trend pen table's 13 px boxes, qa12 Q12-11).
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QEvent, QModelIndex, QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QScrollBar,
    QStyle,
    QStyleOptionSlider,
    QStyleOptionViewItem,
    QTabBar,
    QToolButton,
    QWidget,
)

from widgets.check_target import indicator_rect
from widgets.number_pad import NumberPad
from widgets.text_fit import inside_item_view, visible_rect, widget_path
from widgets.text_keyboard import TextKeyboard

TARGETS = (QAbstractButton, QComboBox, QLineEdit, QAbstractSpinBox)


def unreachable(root: QWidget, min_px: int) -> list[str]:
    """Visible controls of `root` smaller than `min_px` or cut off by a parent."""
    out: list[str] = []
    for w in root.findChildren(QWidget):
        if not isinstance(w, TARGETS) or not w.isVisibleTo(root) or not w.isVisible():
            continue
        if inside_item_view(w) or isinstance(w.parentWidget(), QScrollBar):
            continue  # cell editors and a scroll bar's own parts are the view's matter
        full = QRect(w.mapTo(root, QPoint(0, 0)), w.size())
        seen = visible_rect(w, root)
        if w.width() < min_px or w.height() < min_px:
            out.append(f"{widget_path(w)} {w.width()}x{w.height()} px < {min_px} px")
        if seen != full:
            out.append(
                f"{widget_path(w)}: {full.height() - seen.height()} px x {full.width() - seen.width()} px cut off"
            )
    return out


def _is_control(w: QWidget, root: QWidget) -> bool:
    """A visible control of `root`'s window that is ours to place (not a cell editor, not a scroll
    bar's or a tab bar's own part)."""
    return (
        isinstance(w, TARGETS)
        and w.isVisible()
        and w.isVisibleTo(root)
        and w.window() is root.window()
        and not inside_item_view(w)
        and not isinstance(w.parentWidget(), QScrollBar | QTabBar)
        and not w.objectName().startswith("qt_")  # Qt's own: a dock's title-bar buttons when it has none
    )


def _within_parents(w: QWidget, root: QWidget) -> QRect:
    """`w`'s rectangle in `root` coordinates cut by its parents up to the nearest scrolling viewport
    (what lies past a viewport's edge is scrolled, not cut: tests/ui/test_no_row_cut_at_foot.py)."""
    rect = QRect(w.mapTo(root, QPoint(0, 0)), w.size())
    p = w.parentWidget()
    while p is not None:
        area = p.parentWidget()
        if isinstance(area, QAbstractScrollArea) and area.viewport() is p:
            break
        rect = rect.intersected(QRect(p.mapTo(root, QPoint(0, 0)), p.size()))
        if p is root:
            break
        p = p.parentWidget()
    return rect


def controls_not_whole(root: QWidget) -> list[str]:
    """Visible controls of `root` a finger cannot hit whole: cut by a parent that does not scroll
    (an Ack button 40 px high in a banner row laid out 32 px high), or lying over another control
    (the next row's Ack over its foot: a tap there hits either)."""
    controls = [w for w in root.findChildren(QWidget) if _is_control(w, root)]
    out: list[str] = []
    for w in controls:
        full = QRect(w.mapTo(root, QPoint(0, 0)), w.size())
        kept = _within_parents(w, root)
        if kept != full:
            out.append(
                f"{widget_path(w)} {_label(w)}: {w.width()}x{w.height()} px, "
                f"{kept.width()}x{kept.height()} px of it inside its parents"
            )
    shown = {id(w): visible_rect(w, root) for w in controls}
    for i, a in enumerate(controls):
        for b in controls[i + 1 :]:
            if a.isAncestorOf(b) or b.isAncestorOf(a):
                continue  # a line edit's clear button, a combo box's editor: parts of one control
            both = shown[id(a)].intersected(shown[id(b)])
            if not both.isEmpty():
                out.append(
                    f"{widget_path(a)} {_label(a)} and {widget_path(b)} {_label(b)} overlap by "
                    f"{both.width()}x{both.height()} px"
                )
    return out


def _label(w: QWidget) -> str:
    text = w.property("text")
    return repr(text) if text else ""


def _arrow_rects(bar: QScrollBar) -> list[QRect]:
    opt = QStyleOptionSlider()
    opt.initFrom(bar)
    opt.orientation = bar.orientation()
    opt.minimum, opt.maximum = bar.minimum(), bar.maximum()
    opt.sliderPosition = opt.sliderValue = bar.value()
    opt.singleStep, opt.pageStep = bar.singleStep(), bar.pageStep()
    opt.upsideDown = bar.invertedAppearance()
    opt.subControls = QStyle.SubControl.SC_All
    style = bar.style()
    return [
        style.subControlRect(QStyle.ComplexControl.CC_ScrollBar, opt, sc, bar)
        for sc in (QStyle.SubControl.SC_ScrollBarSubLine, QStyle.SubControl.SC_ScrollBarAddLine)
    ]


def small_scroll_arrows(root: QWidget, min_px: int) -> list[str]:
    """Visible scroll bars of `root` thinner than `min_px` or with a step arrow shorter than it along
    the bar (the overview's arrows were 14 px in the touch profile), and tab bars' scroll buttons
    smaller than `min_px` (the dock and view tab bars get them when their tabs do not fit)."""
    out: list[str] = []
    for w in root.findChildren(QWidget):
        if not w.isVisible() or w.window() is not root.window():
            continue
        if isinstance(w, QScrollBar):
            vertical = w.orientation() == Qt.Orientation.Vertical
            thick = w.width() if vertical else w.height()
            if thick < min_px:
                out.append(f"{widget_path(w)}: {thick} px thick < {min_px} px")
            for r in _arrow_rects(w):
                along = r.height() if vertical else r.width()
                if r.isValid() and along < min_px:
                    out.append(f"{widget_path(w)}: step arrow {r.width()}x{r.height()} px < {min_px} px")
        elif (
            isinstance(w, QToolButton)
            and isinstance(w.parentWidget(), QTabBar)
            and (w.width() < min_px or w.height() < min_px)
        ):
            out.append(f"{widget_path(w)}: tab scroll button {w.width()}x{w.height()} px < {min_px} px")
    return out


def _types_into(pad: NumberPad, e: QLineEdit) -> bool:
    """The pad types into `e`: its target, or any field of its window when it follows the focus."""
    return pad.target is e or (pad.follows_focus and pad.window() is e.window())


def inputs_without_keys(root: QWidget) -> list[str]:
    """Editable, visible line edits (a spin box's editor too) that no visible on-screen keyboard or
    pad can type into."""
    keyboards = [k for k in root.findChildren(TextKeyboard) if k.isVisible()]
    pads = [p for p in root.findChildren(NumberPad) if p.isVisible()]
    out = []
    for e in root.findChildren(QLineEdit):
        if not e.isVisible() or e.isReadOnly() or not e.isEnabled() or inside_item_view(e):
            continue
        if isinstance(e.parentWidget(), QComboBox):
            continue  # a combo box is picked by taps
        # A spin box's or date-time field's own editor counts: its step arrows are a mouse's size and
        # a date is not reached by steps (the trend's Range... From/To took typed text only, Q10-24).
        if any(k.window() is e.window() for k in keyboards) or any(_types_into(p, e) for p in pads):
            continue
        out.append(widget_path(e))
    return out


CLOSE_ROLES = (QDialogButtonBox.ButtonRole.RejectRole, QDialogButtonBox.ButtonRole.AcceptRole)
CLOSE_WORDS = ("Close", "Cancel", "OK", "Hide")


def close_buttons(window: QWidget) -> list[QAbstractButton]:
    """The visible, enabled buttons of a top-level `window` that close it: a button box's Close, OK
    or Cancel, or a button that says so (the manual's Close, the reader's). A line-side PC has no
    window manager (no title bar, no x): without one of these a window stays over the faceplates
    (qa10 Q10-16, Help > Diagnostics). The ones that leave things as they were (Cancel, Close) first."""
    out: list[tuple[int, QAbstractButton]] = []
    for b in window.findChildren(QAbstractButton):
        if b.window() is not window or not b.isVisible() or not b.isEnabled():
            continue
        box = b.parentWidget()
        role = box.buttonRole(b) if isinstance(box, QDialogButtonBox) else None
        if role in CLOSE_ROLES or b.text().replace("&", "") in CLOSE_WORDS:
            out.append((0 if role != QDialogButtonBox.ButtonRole.AcceptRole else 1, b))
    return [b for _, b in sorted(out, key=lambda rb: rb[0])]


def repeated_labels(window: QWidget) -> list[str]:
    """Rows of `window`'s forms whose value repeats the row's name ("Tags | Tags 50": Help >
    Diagnostics, qa10 Q10-16): the value names itself, so the name is noise that halves the room."""
    out: list[str] = []
    for form in window.findChildren(QFormLayout):
        for row in range(form.rowCount()):
            name = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            value = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            name_w = name.widget() if name is not None else None
            value_w = value.widget() if value is not None else None
            if not isinstance(name_w, QLabel) or not isinstance(value_w, QLabel):
                continue
            said = name_w.text().replace("&", "").strip().rstrip(":").strip().casefold()
            if said and value_w.text().strip().casefold().startswith(said):
                out.append(f"{widget_path(value_w)}: {name_w.text()!r} | {value_w.text()!r}")
    return out


def _indices(view: QAbstractItemView, parent: QModelIndex) -> Iterator[QModelIndex]:
    model = view.model()
    for r in range(model.rowCount(parent)):
        for c in range(model.columnCount(parent)):
            index = model.index(r, c, parent)
            yield index
            if c == 0 and model.rowCount(index) > 0:
                yield from _indices(view, index)


def checkable_cells(root: QWidget) -> list[tuple[QAbstractItemView, QModelIndex]]:
    """Every checkable, enabled cell in view in a visible item view (table, tree, list) of `root`'s
    window: a cell scrolled out of the viewport, or under a collapsed branch, is not a target now."""
    out = []
    for view in root.findChildren(QAbstractItemView):
        if view.model() is None or not view.isVisible() or view.window() is not root.window():
            continue
        port = view.viewport().rect()
        for index in _indices(view, QModelIndex()):
            flags = index.flags()
            if not (flags & Qt.ItemFlag.ItemIsUserCheckable and flags & Qt.ItemFlag.ItemIsEnabled):
                continue
            if view.visualRect(index).intersects(port):
                out.append((view, index))
    return out


def _option(view: QAbstractItemView, index: QModelIndex) -> QStyleOptionViewItem:
    """The option the view hands its delegate for `index` (as QAbstractItemView's mouse events do)."""
    opt = QStyleOptionViewItem()
    view.initViewItemOption(opt)
    opt.rect = view.visualRect(index)
    return opt


def _tap_toggles(view: QAbstractItemView, index: QModelIndex, at: QPoint) -> bool:
    """A tap (press, release) at `at` (viewport coordinates), as the view passes it to the cell's
    delegate, toggles the cell's check; the check is put back after."""
    role = Qt.ItemDataRole.CheckStateRole
    before = index.data(role)
    delegate = view.itemDelegateForIndex(index)
    glob = QPointF(view.viewport().mapToGlobal(at))
    for kind, buttons in (
        (QEvent.Type.MouseButtonPress, Qt.MouseButton.LeftButton),
        (QEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton),
    ):
        event = QMouseEvent(
            kind, QPointF(at), glob, Qt.MouseButton.LeftButton, buttons, Qt.KeyboardModifier.NoModifier
        )
        delegate.editorEvent(event, view.model(), _option(view, index), index)
    toggled = index.data(role) != before
    if toggled:
        view.model().setData(index, before, role)
    return toggled


def _run(
    view: QAbstractItemView, index: QModelIndex, centre: QPoint, step: QPoint, cell: QRect, need: int
) -> int:
    """How many pixels in a row through `centre` along `step` (both ways, inside `cell`) a tap toggles
    the check at, counted up to `need`."""
    if not _tap_toggles(view, index, centre):
        return 0
    run = 1
    for sign in (1, -1):
        p = centre + step * sign
        while run < need and cell.contains(p) and _tap_toggles(view, index, p):
            run += 1
            p += step * sign
    return run


def small_check_targets(root: QWidget, min_px: int) -> list[str]:
    """Checkable cells of `root`'s item views whose check a tap toggles in less than `min_px` x
    `min_px`: tapped through the cell's delegate at every pixel along the row and the column through
    the drawn indicator's centre (Qt's own delegate toggles inside its 13 px indicator only)."""
    out: list[str] = []
    for view, index in checkable_cells(root):
        opt = _option(view, index)
        view.itemDelegateForIndex(index).initStyleOption(opt, index)  # type: ignore[attr-defined]
        ind = indicator_rect(opt, view)
        cell = view.visualRect(index)
        centre = ind.center() if ind.isValid() else cell.center()
        wide = _run(view, index, centre, QPoint(1, 0), cell, min_px)
        high = _run(view, index, centre, QPoint(0, 1), cell, min_px)
        if wide < min_px or high < min_px:
            out.append(
                f"{widget_path(view)} row {index.row()} column {index.column()} "
                f"{index.data(Qt.ItemDataRole.DisplayRole)!r}: a tap toggles its check in {wide}x{high} px "
                f"(indicator {ind.width()}x{ind.height()} px, cell {cell.width()}x{cell.height()} px) < {min_px} px"
            )
    return out
