"""Find text that does not fit its widget: elided, wider than its rectangle, or cut off below.

A supervisor who reads "? BadWaitingForI…" or "Failure risk 10RUL 14 s" cannot trust the
screen, so the acceptance tier walks every visible widget of the main window and its dialogs
and fails on any clipped text (tests/ui/test_no_clipped_text.py). The check compares font
metrics with geometry, so it needs no screenshot and names the widget and the text.

What is checked, per visible widget:

- QLabel: plain or rich text, one line: the text's width against the label's contents rect;
  word-wrapped: the height the text needs at the label's width against its height. A label
  with a ``full_text()`` (one that shortens what it shows) is clipped when it shows less.
- buttons, check boxes, radio buttons, tool buttons: the style's size for the text (and icon)
  against the widget's size.
- combo boxes: the current text against the room left of the arrow.
- tab bars and group boxes: each tab's and the title's text against its rectangle.
- any widget that paints its own text and implements ``clipped_texts() -> list[str]`` (the
  band indicator, the connection indicator): what it reports.
- cut by a parent: the lines a label or button draws must lie wholly inside the height every parent
  up to the window shows (`visible_rect`): a line half under a scroll area's edge ("RUL > 10 min" at
  the overview's foot) or a strip squeezed below its text is clipped. Text wholly above or below
  (scrolled out of view) is not: it is reached by scrolling. Sideways, a text partly or wholly past
  the left or right edge of what its parents show is clipped: it is read only by scrolling a dock
  sideways ("Filters" at the alarm dock's right edge).
- tab bars: a tab under the bar's scroll arrows ("History" behind them) is clipped.
- item views (tables, lists): every cell in view and every header section (the style's size for its
  text, style-sheet font and padding included: `header_need`), with the delegate's size
  for its text against the cell's shown rectangle (word-wrapping views: the height). A column whose
  model says it elides by design (`ElidesByDesign`: long alarm messages) must put the full text in
  the cell's tooltip instead. Rows cut at the view's foot are the view's scrolling, not checked;
  a column cut at the right edge is clipped unless the table scrolls sideways by design
  (`scrolls_sideways`: the tag and pen tables) and can be scrolled there now, where only a cell too
  narrow for its text is. A wrapped cell is too narrow where one of its words is wider than the cell.

Line edits scroll. Hidden widgets and zero-size widgets are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from PySide6 import QtGui
from PySide6.QtCore import QModelIndex, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QListView,
    QPushButton,
    QRadioButton,
    QStyle,
    QStyleOptionButton,
    QStyleOptionComboBox,
    QStyleOptionHeader,
    QStyleOptionViewItem,
    QTabBar,
    QTableView,
    QToolButton,
    QWidget,
)

from hmi.core.units import plain

SLACK_PX = 1  # sub-pixel rounding of text widths


@runtime_checkable
class PaintsText(Protocol):
    """A widget that paints text itself says which of it did not fit at its current size."""

    def clipped_texts(self) -> list[str]: ...


@runtime_checkable
class ShortensText(Protocol):
    """A label that may show less than its text (an eliding label): `full_text()` is all of it."""

    def full_text(self) -> str: ...


@runtime_checkable
class ElidesByDesign(Protocol):
    """An item model whose column may elide its cells (a long alarm message in a table row): the
    cell's tooltip then holds all of the text, which is what the check asks of it."""

    def elides_by_design(self, column: int) -> bool: ...


SIDEWAYS = "scrollsSidewaysByDesign"  # a view's property: see `scrolls_sideways`


def scrolls_sideways(view: QWidget) -> None:
    """Mark a table whose columns are reached by scrolling it sideways on a narrow dock (the tag
    table's and the pen table's fixed columns): a column cut at its right edge is not clipped text
    there, a cell too narrow for its text still is. A scroll area so marked (the QC pane's strip of
    reject thumbnails) holds items that are reached by scrolling it sideways, not cut."""
    view.setProperty(SIDEWAYS, True)


def _in_sideways_area(w: QWidget, root: QWidget) -> bool:
    p = w.parentWidget()
    while p is not None and p is not root:
        if bool(p.property(SIDEWAYS)):
            return True
        p = p.parentWidget()
    return False


@dataclass(frozen=True, slots=True)
class ClippedText:
    widget: str  # a path of object names / class names from the window down
    text: str
    needed: int  # px the text needs (width, or height for wrapped text)
    available: int  # px it has
    how: str  # "elided", "too wide", "too tall", "reported by the widget"

    def __str__(self) -> str:
        return f"{self.widget}: {self.text!r} {self.how} ({self.needed} px needed, {self.available} px available)"


def widget_path(w: QWidget) -> str:
    parts: list[str] = []
    cur: QWidget | None = w
    while cur is not None:
        parts.append(cur.objectName() or type(cur).__name__)
        cur = cur.parentWidget()
    return "/".join(reversed(parts))


def visible_rect(w: QWidget, root: QWidget) -> QRect:
    """`w`'s rectangle in `root` coordinates, cut by every parent's rectangle up to `root`."""
    rect = QRect(w.mapTo(root, QPoint(0, 0)), w.size())
    p = w.parentWidget()
    while p is not None:
        rect = rect.intersected(QRect(p.mapTo(root, QPoint(0, 0)), p.size()))
        if p is root:
            break
        p = p.parentWidget()
    return rect


def _visible_bands(w: QWidget, root: QWidget) -> QRect:
    """As `visible_rect`, but the x and y ranges cut separately: a widget wholly past a side keeps
    its vertical band (an empty QRect would say nothing about where it is)."""
    pos = w.mapTo(root, QPoint(0, 0))
    x0, y0, x1, y1 = pos.x(), pos.y(), pos.x() + w.width() - 1, pos.y() + w.height() - 1
    p = w.parentWidget()
    while p is not None:
        q = p.mapTo(root, QPoint(0, 0))
        x0, y0 = max(x0, q.x()), max(y0, q.y())
        x1, y1 = min(x1, q.x() + p.width() - 1), min(y1, q.y() + p.height() - 1)
        if p is root:
            break
        p = p.parentWidget()
    return QRect(QPoint(x0, y0), QPoint(x1, y1))  # may be "inverted" in x: nothing shown sideways


def _plain(text: str) -> str:
    # A mnemonic '&' is not drawn; '&&' is one '&'.
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def inside_item_view(w: QWidget) -> bool:
    """`w` is a cell editor or other child of a list/table view (the view's own matter)."""
    cur = w.parentWidget()
    while cur is not None:
        if isinstance(cur, QAbstractItemView):
            return True
        cur = cur.parentWidget()
    return False


def _label(w: QLabel) -> ClippedText | None:
    # What the label shows (QLabel's own text: a subclass may override text() to return more).
    text = QLabel.text(w)
    if isinstance(w, ShortensText):  # clipped when it shows less than all of its text
        want = w.full_text()
        if want and plain(text) != plain(want):  # a number joined to its unit is all of it (units)
            fm = QFontMetrics(w.font())
            return ClippedText(widget_path(w), want, fm.horizontalAdvance(want), w.width(), "elided")
        # It shows all of it: whether all of it fits is checked as for any label.
    if not text.strip() or (w.pixmap() is not None and not w.pixmap().isNull()):
        return None
    rect = w.contentsRect()
    avail_w = rect.width() - 2 * w.margin() - label_indent(w)
    rich = w.textFormat() == Qt.TextFormat.RichText or (
        w.textFormat() == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text)
    )
    if w.wordWrap():
        need_h = w.heightForWidth(w.width()) if w.width() > 0 else -1
        if need_h > w.height() + SLACK_PX:
            return ClippedText(widget_path(w), _short(text), need_h, w.height(), "too tall")
        if not rich:  # one unbreakable word can still be wider than the label
            fm = QFontMetrics(w.font())
            longest = max((fm.horizontalAdvance(word) for word in text.split()), default=0)
            if longest > avail_w + SLACK_PX:
                return ClippedText(widget_path(w), _short(text), longest, avail_w, "too wide")
        return None
    if rich:
        doc = QTextDocument()
        doc.setDefaultFont(w.font())
        doc.setDocumentMargin(0)
        doc.setHtml(text)
        need = int(doc.idealWidth() + 0.999)
    else:
        fm = QFontMetrics(w.font())
        need = max(fm.horizontalAdvance(line) for line in _plain(text).split("\n"))
    if need > avail_w + SLACK_PX:
        return ClippedText(widget_path(w), _short(text), need, avail_w, "too wide")
    return None


def label_indent(w: QLabel) -> int:
    """The room QLabel leaves beside its text at its aligned side, as its paintEvent does: its
    indent; with none set and a frame (a style sheet's padding or border counts), half an "x" less
    its margin. The status bar's padded cells lost that much at their right: "Link connectec",
    "User Demo operator · operato" (qa8 Q4), measured without it as fitting exactly."""
    m = w.indent()
    if m < 0 and w.frameWidth() > 0:
        m = QFontMetrics(w.font()).horizontalAdvance("x") // 2 - w.margin()
    sided = bool(w.alignment() & (Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignRight))
    return max(0, m) if sided else 0


def _short(text: str, n: int = 120) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _button(w: QAbstractButton) -> ClippedText | None:
    text = _plain(w.text())
    if not text.strip():
        return None
    if isinstance(w, QToolButton) and w.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly:
        return None
    fm = QFontMetrics(w.font())
    text_w = fm.horizontalAdvance(text)
    if isinstance(w, QPushButton):
        opt = QStyleOptionButton()
        opt.initFrom(w)
        opt.text = w.text()
        opt.icon = w.icon()
        opt.iconSize = w.iconSize()
        icon_w = w.iconSize().width() + 4 if not w.icon().isNull() else 0
        content = QSize(text_w + icon_w, fm.height())
        need = w.style().sizeFromContents(QStyle.ContentsType.CT_PushButton, opt, content, w).width()
        # Styles pad push buttons generously; the text is clipped only past that padding's frame.
        frame = w.style().pixelMetric(QStyle.PixelMetric.PM_ButtonMargin, opt, w)
        need = min(need, text_w + icon_w + frame)
    elif isinstance(w, QCheckBox | QRadioButton):
        need = w.sizeHint().width()
    else:
        need = w.sizeHint().width() - 4  # tool buttons: the hint's padding is not needed for the text
    if need > w.width() + SLACK_PX:
        return ClippedText(widget_path(w), text, need, w.width(), "too wide")
    return None


def _combo(w: QComboBox) -> ClippedText | None:
    text = w.currentText()
    if not text.strip() or w.isEditable():
        return None
    opt = QStyleOptionComboBox()
    w.initStyleOption(opt)
    field = w.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox, opt, QStyle.SubControl.SC_ComboBoxEditField, w
    )
    icon_w = w.iconSize().width() + 4 if not w.itemIcon(w.currentIndex()).isNull() else 0
    need = QFontMetrics(w.font()).horizontalAdvance(text) + icon_w
    if need > field.width() + SLACK_PX:
        return ClippedText(widget_path(w), text, need, field.width(), "too wide")
    return None


def _tabs(w: QTabBar) -> Iterable[ClippedText]:
    fm = QFontMetrics(w.font())
    # Scroll arrows (the bar has more tabs than room) cover the tabs under them: a tab is whole
    # only where no arrow is, so "History" behind the arrows is as clipped as an elided one.
    arrows = [b for b in w.findChildren(QToolButton) if b.isVisible() and b.parentWidget() is w]
    free = QRect(0, 0, w.width(), w.height())
    if arrows:
        free.setRight(min(b.x() for b in arrows) - 1)
    for i in range(w.count()):
        if not w.isTabVisible(i):
            continue
        text = _plain(w.tabText(i))
        if not text:
            continue
        rect = w.tabRect(i)
        need = fm.horizontalAdvance(text) + 8
        button = w.tabButton(i, QTabBar.ButtonPosition.RightSide)
        if button is not None and button.isVisible():
            need += button.width()
        if need > rect.width() + SLACK_PX:
            yield ClippedText(f"{widget_path(w)}[{i}]", text, need, rect.width(), "too wide")
        else:
            shown = max(0, min(rect.right(), free.right()) - max(rect.left(), free.left()) + 1)
            if shown + SLACK_PX < need:
                yield ClippedText(f"{widget_path(w)}[{i}]", text, need, shown, "behind the tab scroll arrows")


def _group(w: QGroupBox) -> ClippedText | None:
    text = _plain(w.title())
    if not text:
        return None
    need = QFontMetrics(w.font()).horizontalAdvance(text) + 12
    if need > w.width() + SLACK_PX:
        return ClippedText(widget_path(w), text, need, w.width(), "too wide")
    return None


def text_rect(w: QWidget) -> QRect:
    """Where `w` draws its text, in its own coordinates: a label's lines at its vertical alignment,
    a button's line in its middle; the whole widget for anything else."""
    whole = QRect(0, 0, w.width(), w.height())
    fm = QFontMetrics(w.font())
    if isinstance(w, QLabel):
        text = QLabel.text(w)
        if not text.strip():
            return QRect()
        rect = w.contentsRect()
        if w.wordWrap() and w.width() > 0:
            need = w.heightForWidth(w.width()) - (w.height() - rect.height())
        else:
            need = fm.height() * (1 + _plain(text).count("\n"))
        need = min(need, rect.height())
        align = w.alignment()
        if align & Qt.AlignmentFlag.AlignTop:
            top = rect.top()
        elif align & Qt.AlignmentFlag.AlignBottom:
            top = rect.bottom() + 1 - need
        else:
            top = rect.top() + (rect.height() - need) // 2
        return QRect(rect.left(), top, rect.width(), need)
    if isinstance(w, QAbstractButton | QComboBox):
        need = min(w.height(), fm.height())
        return QRect(0, (w.height() - need) // 2, w.width(), need)
    return whole


def _text_span(w: QWidget, local: QRect) -> tuple[int, int]:
    """The x range (left, right) `w`'s text takes inside `local`: a one-line label's text at its
    alignment, not the empty room beside it (a wrapped label and a button: all of `local`)."""
    if not isinstance(w, QLabel) or w.wordWrap():
        return local.left(), local.right()
    text = QLabel.text(w)
    fm = QFontMetrics(w.font())
    need = min(local.width(), max(fm.horizontalAdvance(line) for line in _plain(text).split("\n")))
    align = w.alignment()
    if align & Qt.AlignmentFlag.AlignRight:
        left = local.right() + 1 - need
    elif align & Qt.AlignmentFlag.AlignHCenter:
        left = local.left() + (local.width() - need) // 2
    else:
        left = local.left()
    return left, left + need - 1


def cut_by_parent(w: QWidget) -> ClippedText | None:
    """`w`'s lines are cut at an edge of what its parents show: at the top or foot partly shown,
    partly not (wholly above or below is scrolled away, not cut), or at a side: a text partly or
    wholly past the left or right edge of a scroll area or dock that shows its band is read only by
    scrolling sideways ("Filters" cut at the alarm dock's right edge, qa6), which a line-side
    screen without a mouse wheel does not invite."""
    root = w.window()
    if w is root:
        return None
    local = text_rect(w)
    if local.isEmpty():
        return None
    text = local.translated(w.mapTo(root, QPoint(0, 0)))
    seen = _visible_bands(w, root)
    top, bottom = max(text.top(), seen.top()), min(text.bottom(), seen.bottom())
    if bottom < top:
        return None  # scrolled out of view above or below: reached by scrolling, whole
    if not (seen.top() <= text.top() and text.bottom() <= seen.bottom()):
        shown = bottom - top + 1
        return ClippedText(
            widget_path(w), _short(_plain(_shown_text(w))), text.height(), shown, "cut by a parent"
        )
    if _in_sideways_area(w, root):
        return None  # a strip that scrolls sideways by design
    left, right = _text_span(w, local)
    offset = w.mapTo(root, QPoint(0, 0)).x()
    left, right = left + offset, right + offset
    if seen.left() <= left and right <= seen.right():
        return None
    shown = max(0, min(right, seen.right()) - max(left, seen.left()) + 1)
    return ClippedText(
        widget_path(w), _short(_plain(_shown_text(w))), right - left + 1, shown, "cut at a side by a parent"
    )


def _shown_text(w: QWidget) -> str:
    if isinstance(w, QLabel):
        return QLabel.text(w)
    if isinstance(w, QAbstractButton):
        return w.text()
    if isinstance(w, QComboBox):
        return w.currentText()
    return type(w).__name__


def _cell_text(index: QModelIndex) -> str:
    value = index.data(Qt.ItemDataRole.DisplayRole)
    return "" if value is None else str(value)


def _tooltip_plain(index: QModelIndex) -> str:
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    if not tip:
        return ""
    tip = str(tip)
    if QtGui.Qt.mightBeRichText(tip):
        doc = QTextDocument()
        doc.setHtml(tip)
        tip = doc.toPlainText()
    return " ".join(tip.split())


def _item_view(view: QAbstractItemView) -> Iterable[ClippedText]:
    """Every cell in view and every header section of a list or table (see the module docstring)."""
    model = view.model()
    if model is None:
        return
    port = view.viewport()
    shown_area = QRect(0, 0, port.width(), port.height())
    by_design = model if isinstance(model, ElidesByDesign) else None
    wraps = isinstance(view, QTableView | QListView) and view.wordWrap()
    sideways = bool(view.property(SIDEWAYS))
    # Past the edge is "reached by scrolling" only where the view does scroll sideways there.
    bar = view.horizontalScrollBar()
    reachable = (
        sideways
        and bar.maximum() > 0
        and view.horizontalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    )
    path = widget_path(view)
    first = max(0, view.indexAt(QPoint(1, 1)).row())
    rows, cols = model.rowCount(), model.columnCount()
    for r in range(first, rows):
        if view.visualRect(model.index(r, 0)).top() > shown_area.bottom():
            break  # rows below the view's foot (a table's rows run top to bottom)
        for c in range(cols):
            index = model.index(r, c)
            rect = view.visualRect(index)
            if rect.isEmpty() or not rect.intersects(shown_area):
                continue
            if rect.top() < 0 or rect.bottom() > shown_area.bottom():
                continue  # a row cut at the view's edge: scrolled, not clipped
            text = _cell_text(index)
            if not text.strip():
                continue
            opt = QStyleOptionViewItem()
            view.initViewItemOption(opt)  # type: ignore[attr-defined]
            opt.rect = rect
            delegate = view.itemDelegateForIndex(index)
            hint = delegate.sizeHint(opt, index)
            seen = rect.intersected(shown_area)
            where = f"{path}[{r},{c}]"
            if wraps and hint.height() > rect.height() + SLACK_PX:
                yield ClippedText(where, _short(text), hint.height(), rect.height(), "too tall")
                continue
            # Wrapped at the cell's width, the hint is still wider than the cell where one word is:
            # a word never breaks, it is cut ("Capper" of the pen table's Axis at 1280 touch, Q11-7).
            need_w = hint.width()
            if need_w <= seen.width() + SLACK_PX:
                continue
            if by_design is not None and by_design.elides_by_design(c):
                if " ".join(text.split()) in _tooltip_plain(index):
                    continue
                yield ClippedText(where, _short(text), need_w, seen.width(), "elided, not in its tooltip")
                continue
            if seen != rect and reachable and need_w <= rect.width() + SLACK_PX:
                continue  # whole in its column, the column partly past the edge: scroll to it
            how = "elided" if seen == rect else "cut by the view's edge"
            yield ClippedText(where, _short(text), need_w, seen.width(), how)
    if isinstance(view, QTableView) and view.horizontalHeader().isVisible():
        yield from _header(view.horizontalHeader(), path, sideways)


def _header(header: QHeaderView, path: str, sideways: bool) -> Iterable[ClippedText]:
    model = header.model()
    if model is None:
        return
    width = header.viewport().width()
    for section in range(header.count()):
        if header.isSectionHidden(section):
            continue
        x, size = header.sectionViewportPosition(section), header.sectionSize(section)
        if size <= 0 or x + size <= 0 or x >= width:
            continue
        text = model.headerData(section, header.orientation(), Qt.ItemDataRole.DisplayRole)
        if not text:
            continue
        text = str(text)
        need = header_need(header, section, text)
        shown = min(x + size, width) - max(x, 0)
        if sideways and shown < size and need <= size + SLACK_PX:
            continue  # whole in its section, the section partly past the edge: scroll to it
        if need > shown + SLACK_PX:
            how = "too wide" if shown == size else "cut by the view's edge"
            yield ClippedText(f"{path}/header[{section}]", text, need, shown, how)


def header_need(header: QHeaderView, section: int, text: str) -> int:
    """The width a header section needs for `text`, as the style draws it: its font (a style
    sheet's bold), its padding and border, the sort arrow on the sorted section. Measured with the
    header's plain font metrics and a fixed margin, "Comment" and "Count" passed while their bold
    text was cut on both sides (qa6)."""
    style = header.style()
    opt = QStyleOptionHeader()
    opt.initFrom(header)
    opt.section = section
    opt.text = text
    opt.orientation = header.orientation()
    opt.textAlignment = header.defaultAlignment()
    need = style.sizeFromContents(QStyle.ContentsType.CT_HeaderSection, opt, QSize(), header).width()
    if header.isSortIndicatorShown() and header.sortIndicatorSection() == section:
        need += style.pixelMetric(QStyle.PixelMetric.PM_HeaderMarkSize, None, header)
    return need


def check_widget(w: QWidget) -> list[ClippedText]:
    """The clipped texts of one widget (not its children)."""
    out: list[ClippedText] = []
    if isinstance(w, PaintsText):
        out += [
            ClippedText(widget_path(w), t, 0, w.width(), "reported by the widget") for t in w.clipped_texts()
        ]
    found: ClippedText | None = None
    if isinstance(w, QLabel):
        found = _label(w)
    elif isinstance(w, QAbstractButton):
        found = _button(w)
    elif isinstance(w, QComboBox):
        found = _combo(w)
    elif isinstance(w, QGroupBox):
        found = _group(w)
    elif isinstance(w, QTabBar):
        out += list(_tabs(w))
    elif isinstance(w, QAbstractItemView):
        out += list(_item_view(w))
    if found is not None:
        out.append(found)
    elif isinstance(w, QLabel | QAbstractButton | QComboBox):
        cut = cut_by_parent(w)
        if cut is not None:
            out.append(cut)
    return out


def clipped_texts(root: QWidget) -> list[ClippedText]:
    """Every clipped text in `root` and its visible descendants."""
    out: list[ClippedText] = []
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        if not w.isVisible() or w.width() <= 0 or w.height() <= 0 or not w.isVisibleTo(root.window()):
            continue
        if inside_item_view(w):
            continue  # cell editors and the like: the view's own business
        if w is not root and w.window() is not root.window():
            continue  # another top-level window (a dialog): checked on its own
        out += check_widget(w)
    return out
