"""Help ▸ Operator manual (F1) shows the docs inside the app (qa7 G30: handing the .md to the desktop
did nothing on a PC without a Markdown viewer): the manual renders, links between docs open in the
same browser and Back returns, every doc link resolves, the Close button is a finger's target, touch
drag-scrolls it, and a manual that cannot be shown is named in a message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QMainWindow, QMessageBox, QScroller

from hmi.ui import manual_dialog
from hmi.ui.manual_dialog import MANUAL_NAME, docs_dir, open_manual
from hmi.ui.touch import TOUCH_TARGET_PX, TouchProfile
from tests.helpers.qt_teardown import alive

DOCS = docs_dir()
LINK = re.compile(r"\]\(([^)#\s]+\.md)(#[^)]*)?\)")


@pytest.fixture
def manual(qtbot):
    win = QMainWindow()
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    dlg = open_manual(win)
    assert dlg is not None
    yield dlg
    if alive(dlg):
        dlg.close()


def anchor_rect(dlg, href: str):
    doc = dlg.browser.document()
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.charFormat().isAnchor() and frag.charFormat().anchorHref() == href:
                cur = QTextCursor(doc)
                cur.setPosition(frag.position() + 1)
                dlg.browser.setTextCursor(cur)
                dlg.browser.ensureCursorVisible()
                return dlg.browser.cursorRect(cur)
            it += 1
        block = block.next()
    raise AssertionError(f"no link to {href}")


def test_the_manual_opens_inside_the_app_and_its_links_work(manual, qtbot):
    assert manual.isVisible()
    assert Path(manual.browser.source().toLocalFile()).name == MANUAL_NAME
    assert "The screen" in manual.browser.toPlainText()
    assert manual.close_button.height() >= TOUCH_TARGET_PX and manual.back_button.height() >= TOUCH_TARGET_PX
    rect = anchor_rect(manual, "alarms.md")
    qtbot.mouseClick(manual.browser.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: Path(manual.browser.source().toLocalFile()).name == "alarms.md", timeout=3000)
    assert "Alarm management" in manual.windowTitle()
    assert manual.contents.currentItem().text().startswith("Alarm management")
    assert manual.back_button.isEnabled()
    qtbot.mouseClick(manual.back_button, Qt.MouseButton.LeftButton)
    assert Path(manual.browser.source().toLocalFile()).name == MANUAL_NAME
    manual.contents.setCurrentRow(manual.contents.count() - 1)
    manual._on_contents(manual.contents.currentItem())
    assert Path(manual.browser.source().toLocalFile()).name != MANUAL_NAME


@pytest.mark.parametrize("doc", sorted(p.name for p in DOCS.glob("*.md")))
def test_every_link_between_docs_resolves_and_renders(doc, manual):
    for target, _anchor in LINK.findall((DOCS / doc).read_text(encoding="utf-8")):
        if "://" in target:
            continue
        path = (DOCS / doc).parent / target
        assert path.is_file(), f"{doc} links to {target}, which is not in {DOCS}"
        assert manual.show_doc(path) == ""
        assert manual.browser.toPlainText().strip()


def test_touch_drags_the_manual(qtbot, qapp):
    win = QMainWindow()
    qtbot.addWidget(win)
    profile = TouchProfile(qapp)
    profile.set_enabled(True, win)
    try:
        win.resize(1280, 800)
        win.show()
        dlg = open_manual(win)
        assert dlg is not None
        qtbot.waitUntil(lambda: QScroller.hasScroller(dlg.browser.viewport()), timeout=2000)
        assert dlg.close_button.height() >= TOUCH_TARGET_PX
        dlg.close()
    finally:
        profile.set_enabled(False, win)


def test_a_manual_that_cannot_be_shown_is_named(qtbot, tmp_path, monkeypatch):
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: said.append(text))
    monkeypatch.setattr(manual_dialog, "docs_dir", lambda: tmp_path)
    assert open_manual(None) is None
    assert said and str(tmp_path / MANUAL_NAME) in said[0] and "not there" in said[0]
    (tmp_path / MANUAL_NAME).write_bytes(b"\xff\xfe\x00bad")
    assert open_manual(None) is None
    assert str(tmp_path / MANUAL_NAME) in said[1] and "cannot be read" in said[1]
