"""A read-only viewer for the SOPs and troubleshooting guides, opened at a section."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from widgets import palette


class ProcedureViewer(QDialog):
    def __init__(self, index: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.setWindowTitle("Procedure")
        self.resize(720, 640)
        lay = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold; font-size: 11pt;")
        self.meta = QLabel()
        self.meta.setStyleSheet(f"color: {palette.TEXT_DIM};")
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        self.text.setStyleSheet(f"background: {palette.PANEL}; border: 1px solid {palette.PANEL_BORDER};")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay.addWidget(self.title)
        lay.addWidget(self.meta)
        lay.addWidget(self.text, 1)
        lay.addWidget(buttons)
        self.current: tuple[str, str] = ("", "")

    def show_section(self, doc: str, anchor: str) -> bool:
        """Load `doc` and scroll to the section with `anchor`; False if the document is unknown."""
        sections = [s for s in self.index.sections if s.doc == doc]
        if not sections:
            self.title.setText(doc)
            self.text.setPlainText(f"The document {doc} is not installed.")
            return False
        first = sections[0]
        self.title.setText(first.title)
        self.meta.setText(f"{first.doc_id} · revision {first.revision or 'n/a'} · {doc}")
        md = []
        for s in sections:
            if s.heading and s.heading != first.title:
                md.append(f"## {s.heading}\n")
            md.append(s.body + "\n")
        self.text.setMarkdown("\n".join(md))
        self.current = (doc, anchor)
        target = next((s for s in sections if s.anchor == anchor), None)
        if target is not None and target.heading != first.title:
            found = self.text.document().find(target.heading, 0, QTextDocument.FindFlag.FindCaseSensitively)
            if not found.isNull():
                cur = QTextCursor(found)
                self.text.setTextCursor(cur)
                self.text.ensureCursorVisible()
                sb = self.text.verticalScrollBar()
                rect = self.text.cursorRect(cur)
                sb.setValue(sb.value() + rect.top())
        else:
            self.text.verticalScrollBar().setValue(0)
        return True
