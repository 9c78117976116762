"""The shift report as a paginated PDF with selectable text: the report's Markdown laid out by Qt's
own text engine (QTextDocument) and printed through QPdfWriter, A4 portrait, page numbers in the footer.
Also the GUI's print path (QPrinter takes the same document)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF
from PySide6.QtGui import QFont, QGuiApplication, QPageLayout, QPageSize, QPainter, QPdfWriter, QTextDocument

CSS = """
body { font-family: sans-serif; font-size: 9pt; color: #202020; }
h1 { font-size: 16pt; } h2 { font-size: 12pt; margin-top: 14px; }
table { border-collapse: collapse; } th, td { border: 1px solid #b0b0b0; padding: 2px 6px; }
th { background: #e4e4e4; }
"""


def report_document(markdown: str) -> QTextDocument:
    doc = QTextDocument()
    doc.setDefaultStyleSheet(CSS)
    doc.setDefaultFont(QFont("Sans Serif", 9))
    doc.setMarkdown(markdown)
    # setMarkdown builds tables without borders; re-set the HTML Qt generated so the CSS applies.
    doc.setHtml(doc.toHtml())
    return doc


def write_pdf(markdown: str, out: Path | str, title: str = "Shift report") -> int:
    """Write the PDF; returns the number of pages. Needs a QGuiApplication (offscreen is fine)."""
    if QGuiApplication.instance() is None:
        raise RuntimeError("write_pdf needs a QGuiApplication")
    writer = QPdfWriter(str(out))
    writer.setTitle(title)
    writer.setCreator("LineHMI")
    writer.setResolution(300)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF(15, 15, 15, 18)
        )
    )
    doc = report_document(markdown)
    painter = QPainter(writer)
    try:
        page = writer.pageLayout().paintRectPixels(writer.resolution())
        # Lay the document out at a 96-dpi page width, then scale to the writer's resolution.
        scale = writer.resolution() / 96.0
        width, height = page.width() / scale, page.height() / scale
        footer = 24.0
        doc.setPageSize(QSizeF(width, height - footer))
        pages = doc.pageCount()
        for n in range(pages):
            if n:
                writer.newPage()
            painter.save()
            painter.scale(scale, scale)
            painter.translate(0, -n * (height - footer))
            clip = QRectF(0, n * (height - footer), width, height - footer)
            doc.drawContents(painter, clip)
            painter.restore()
            painter.save()
            painter.scale(scale, scale)
            small = QFont("Sans Serif")
            small.setPixelSize(9)  # in the 96-dpi layout coordinates, like the document
            painter.setFont(small)
            painter.drawText(QPointF(0, height - 6), f"{title} — page {n + 1} of {pages}")
            painter.restore()
    finally:
        painter.end()
    return pages
