"""Every text the main window and its dialogs show meets WCAG AA (4.5:1) against what it is drawn on,
day and night (qa12 Q12-4: at night the Assistant's answer was light grey #B5B5B5 on a near-white box
#EBEBEB, 1.9:1, and the "Read larger" window the same: the answer's HTML kept the day fills of its
boxes and took the night text colour).

test_badge_contrast reads the colours from the style sheet rules; here they are read from the widgets
as they stand after the theme switch, which covers the style sheets widgets set on themselves and the
colours an HTML document carries:
- a label or a line edit: its text colour from its palette (the style sheet's `color` is polished into
  it), the background from the pixels the window drew under it (the most common colour in its rect);
- a text browser or edit: every run of text in its document, with its own colour (or the widget's
  text or link colour) on its own background, else its table cell's, else the widget's base;
- a table, tree or list: every cell shown, its foreground on its background (or the view's base and
  alternate base).
The window is the demo line with a fault (a full banner) at 1280x800 touch; the Assistant has answered a
question asked before the switch and one after it, and "Read larger" is open.
"""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtCore import QModelIndex, QRect, Qt
from PySide6.QtGui import QBrush, QImage, QPalette, QTextCursor, QTextDocument
from PySide6.QtWidgets import QAbstractItemView, QLabel, QLineEdit, QTextEdit, QWidget

from hmi.ui.window_layout import bring_forward
from widgets import palette

from ..helpers.settle import settle
from .test_assistant_in_view import window  # noqa: F401  (the fixture: demo fault, full banner)

MAX_ROWS = 60  # cells checked per view (a long list repeats its few row kinds)


def _hex(brush_or_colour) -> str:
    c = brush_or_colour.color() if isinstance(brush_or_colour, QBrush) else brush_or_colour
    return c.name().upper()


def _set(brush: QBrush) -> bool:
    return brush.style() != Qt.BrushStyle.NoBrush


def _shown(w: QWidget) -> bool:
    return w.isVisible() and not w.visibleRegion().isEmpty() and w.width() > 0 and w.height() > 0


def _drawn_under(w: QWidget, shot: QImage, root: QWidget) -> str:
    """The most common colour of the window's pixels in the widget's rect: what the text sits on."""
    at = QRect(w.mapTo(root, w.rect().topLeft()), w.size()).intersected(shot.rect())
    seen: Counter[int] = Counter()
    step = max(1, min(at.width(), at.height()) // 12)
    for y in range(at.top(), at.bottom() + 1, step):
        for x in range(at.left(), at.right() + 1, step):
            seen[shot.pixel(x, y) & 0xFFFFFF] += 1
    rgb = seen.most_common(1)[0][0]
    return f"#{rgb:06X}"


def _document_runs(name: str, edit: QTextEdit) -> list[tuple[str, str, str]]:
    """(what, text colour, background) of every run of text in the document."""
    pal = edit.viewport().palette()
    base = _hex(pal.color(QPalette.ColorRole.Base))
    doc: QTextDocument = edit.document()
    out = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            it += 1
            text = frag.text().strip().replace("\ufffc", "")
            if not text:
                continue
            fmt = frag.charFormat()
            if _set(fmt.foreground()):
                fg = _hex(fmt.foreground())
            elif fmt.isAnchor() and fmt.anchorHref():
                fg = _hex(pal.color(QPalette.ColorRole.Link))
            else:
                fg = _hex(pal.color(QPalette.ColorRole.Text))
            bg = base
            cursor = QTextCursor(doc)
            cursor.setPosition(frag.position())
            table = cursor.currentTable()
            if _set(block.blockFormat().background()):
                bg = _hex(block.blockFormat().background())
            elif table is not None and _set(table.cellAt(cursor).format().background()):
                bg = _hex(table.cellAt(cursor).format().background())
            elif table is not None and _set(table.format().background()):
                bg = _hex(table.format().background())
            if _set(fmt.background()):
                bg = _hex(fmt.background())
            out.append((f"{name} text {text[:40]!r}", fg, bg))
        block = block.next()
    return out


def _cells(name: str, view: QAbstractItemView) -> list[tuple[str, str, str]]:
    model = view.model()
    if model is None:
        return []
    pal = view.palette()
    out = []
    for row in range(min(model.rowCount(), MAX_ROWS)):
        for col in range(model.columnCount()):
            idx = model.index(row, col, QModelIndex())
            text = idx.data(Qt.ItemDataRole.DisplayRole)
            if text in (None, "") or (hasattr(view, "isColumnHidden") and view.isColumnHidden(col)):
                continue
            fg_b = idx.data(Qt.ItemDataRole.ForegroundRole)
            bg_b = idx.data(Qt.ItemDataRole.BackgroundRole)
            fg = _hex(fg_b) if fg_b is not None else _hex(pal.color(QPalette.ColorRole.Text))
            if bg_b is not None and (not isinstance(bg_b, QBrush) or _set(bg_b)):
                fills = [_hex(bg_b)]
            elif view.alternatingRowColors():
                fills = [
                    _hex(pal.color(QPalette.ColorRole.AlternateBase if row % 2 else QPalette.ColorRole.Base))
                ]
            else:
                fills = [_hex(pal.color(QPalette.ColorRole.Base))]
            out += [(f"{name} cell ({row},{col}) {str(text)[:30]!r}", fg, bg) for bg in fills]
    return out


def text_cases(root: QWidget) -> list[tuple[str, str, str]]:
    """(what, text colour, background) of every text shown in the window `root`."""
    shot = root.grab().toImage()
    out = []
    for w in [root, *root.findChildren(QWidget)]:
        if not _shown(w) or w.window() is not root:
            continue
        name = f"{type(w).__name__}#{w.objectName() or '?'}"
        if isinstance(w, QLabel) and w.text().strip() and w.pixmap().isNull():
            fg = _hex(w.palette().color(w.foregroundRole()))
            out.append((f"{name} {w.text()[:40]!r}", fg, _drawn_under(w, shot, root)))
        elif isinstance(w, QLineEdit) and w.text():
            pal = w.palette()
            fg, bg = pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base)
            out.append((f"{name} {w.text()[:40]!r}", _hex(fg), _hex(bg)))
        elif isinstance(w, QTextEdit):
            out += _document_runs(name, w)
        elif isinstance(w, QAbstractItemView):
            out += _cells(name, w)
    return out


def _low(cases: list[tuple[str, str, str]]) -> list[str]:
    return sorted(
        {
            f"{what}: {fg} on {bg} = {palette.contrast(fg, bg):.2f}:1"
            for what, fg, bg in cases
            if palette.contrast(fg, bg) < palette.AA_CONTRAST
        }
    )


@pytest.mark.parametrize("theme", ["day", "night"])
def test_every_text_of_the_window_and_the_reader_meets_aa(window, qtbot, theme):  # noqa: F811
    _rt, win = window((1280, 800), True)
    bring_forward(win.assistant_dock)
    pane = win.assistant_pane
    low: list[str] = []
    try:
        # One answer before the switch (its HTML made in the day theme), one after it.
        assert pane.ask("which alarms are standing?")
        qtbot.waitUntil(lambda: not pane.busy, timeout=120000)  # a loaded machine answers slowly
        win.set_night(theme == "night")
        settle()
        low += [
            f"before a new answer: {line}" for line in _low(text_cases(win)) if "assistantHistory" in line
        ]
        assert pane.ask("anything unacknowledged right now?")
        qtbot.waitUntil(lambda: not pane.busy, timeout=120000)
        assert all(e.answer is not None for e in pane.entries()), [e.error for e in pane.entries()]
        settle()
        cases = text_cases(win)
        assert any(c[0].startswith("_Conversation#assistantHistory text") for c in cases), (
            "no answer in the pane"
        )
        reader = pane.open_reader()
        settle()
        shown = text_cases(reader)
        assert any(c[0].startswith("QTextBrowser#assistantHistory text") for c in shown), (
            "no text in the reader"
        )
        low += _low(cases) + [f"Read larger: {line}" for line in _low(shown)]
        assert not low, f"{theme}: {len(low)} text(s) below {palette.AA_CONTRAST}:1\n" + "\n".join(low)
    finally:
        win.set_night(False)


def test_the_night_mapping_keeps_aa_for_every_text_grey_on_every_fill():
    """Every day text grey on every day fill (palette.NIGHT_TEXT_MAX, NIGHT_FILL_MIN) that meets AA by day
    meets it at night too (white is never mapped: it is the text on alarm colours)."""
    low = []
    for fg in range(palette.NIGHT_TEXT_MAX + 1):
        for bg in range(palette.NIGHT_FILL_MIN, 0xFF):
            day = ("#" + f"{fg:02X}" * 3, "#" + f"{bg:02X}" * 3)
            if palette.contrast(*day) >= palette.AA_CONTRAST:
                night = tuple(palette.night_grey(c) for c in day)
                if palette.contrast(*night) < palette.AA_CONTRAST:
                    low.append(f"{day} -> {night}: {palette.contrast(*night):.2f}:1")
    assert not low, f"{len(low)} pair(s): " + "; ".join(low[:10])


def test_the_check_finds_grey_on_grey(qtbot, themed_app):
    """The check sees a label's own colours and an HTML box's colours: grey on grey fails."""
    w = QWidget()
    qtbot.addWidget(w)
    w.setStyleSheet("QWidget { background: #EBEBEB; } QLabel { color: #B5B5B5; }")
    QLabel("dim", w)
    edit = QTextEdit(w)
    edit.setGeometry(0, 30, 200, 100)
    edit.setHtml("<table><tr><td style='background:#EBEBEB; color:#B5B5B5;'>answer</td></tr></table>")
    w.resize(220, 140)
    w.show()
    qtbot.waitExposed(w)
    low = _low(text_cases(w))
    assert any("'dim'" in line for line in low), low
    assert any("'answer'" in line for line in low), low
