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

Item views (tables, lists) are not checked: their cells elide by design and show the full
text in the tooltip. Line edits scroll. Hidden widgets and zero-size widgets are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from PySide6 import QtGui
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QPushButton,
    QRadioButton,
    QStyle,
    QStyleOptionButton,
    QStyleOptionComboBox,
    QTabBar,
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
    margin = 2 * w.margin() + max(0, w.indent()) if w.indent() > 0 else 2 * w.margin()
    avail_w = rect.width() - margin
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
    for i in range(w.count()):
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


def _group(w: QGroupBox) -> ClippedText | None:
    text = _plain(w.title())
    if not text:
        return None
    need = QFontMetrics(w.font()).horizontalAdvance(text) + 12
    if need > w.width() + SLACK_PX:
        return ClippedText(widget_path(w), text, need, w.width(), "too wide")
    return None


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
    if found is not None:
        out.append(found)
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
