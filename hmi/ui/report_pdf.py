"""The shift report as a paginated PDF with selectable text: the report's Markdown laid out by Qt's
own text engine (QTextDocument) and printed through QPdfWriter, A4 portrait, page numbers in the footer,
with the stops' trend images (hmi.ui.report_snapshots) as document resources under the names the
Markdown gives them. The GUI's "Print…" paints the same document on a QPrinter (`print_report`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QUrl
from PySide6.QtGui import (
    QFont,
    QGuiApplication,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextBlock,
    QTextCursor,
    QTextDocument,
)

from hmi.ui.report_snapshots import DRAW_WIDTH

CSS = """
body { font-family: sans-serif; font-size: 9pt; color: #202020; }
h1 { font-size: 16pt; } h2 { font-size: 12pt; margin-top: 14px; }
table { border-collapse: collapse; } th, td { border: 1px solid #b0b0b0; padding: 2px 6px; }
th { background: #e4e4e4; }
"""


def report_document(markdown: str, images: Mapping[str, QImage] | None = None) -> QTextDocument:
    doc = QTextDocument()
    doc.setDefaultStyleSheet(CSS)
    doc.setDefaultFont(QFont("Sans Serif", 9))
    doc.setMarkdown(markdown)
    # setMarkdown builds tables without borders; re-set the HTML Qt generated so the CSS applies.
    # The snapshot images are drawn at twice their laid-out width, so they print sharp. (Resources
    # go in after the HTML: added before setMarkdown, Qt writes sizes of its own into the HTML.)
    html = doc.toHtml()
    for name, image in (images or {}).items():
        h = round(image.height() * DRAW_WIDTH / max(1, image.width()))
        html = html.replace(f'<img src="{name}"', f'<img width="{DRAW_WIDTH}" height="{h}" src="{name}"')
    doc.setHtml(html)
    for name, image in (images or {}).items():
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    return doc


A4_LAYOUT = QPageLayout(
    QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF(15, 15, 15, 18)
)


def write_pdf(
    markdown: str, out: Path | str, title: str = "Shift report", images: Mapping[str, QImage] | None = None
) -> int:
    """Write the PDF; returns the number of pages. Needs a QGuiApplication (offscreen is fine)."""
    if QGuiApplication.instance() is None:
        raise RuntimeError("write_pdf needs a QGuiApplication")
    writer = QPdfWriter(str(out))
    writer.setTitle(title)
    writer.setCreator("LineHMI")
    writer.setResolution(300)
    writer.setPageLayout(A4_LAYOUT)
    return paint_report(writer, report_document(markdown, images), title)


def print_report(
    printer: QPagedPaintDevice, markdown: str, title: str, images: Mapping[str, QImage] | None = None
) -> int:
    """The same document on a printer (QPrinter, set up by the print dialog); returns the pages."""
    return paint_report(printer, report_document(markdown, images), title)


OBJECT = "\ufffc"  # how an image sits in a block's text


def _keep_whole(doc: QTextDocument) -> list[tuple[float, float]]:
    """(top, bottom) of everything a page break must not cut, in layout coordinates: every block whole
    (a paragraph, a heading, a table cell, an image), each stop's caption together with the chart under
    it, and a heading together with what its section shows first (`_opening_bottom`): a heading alone
    at a page's foot says nothing, nor does it with only the line that leads into its table or chart
    (QA8's G25: "Trends around the longest stops" and its first line at the foot of page 1, the chart
    on page 2).

    Whole blocks, not lines: Qt draws a block that a page's top cuts from its line just above the clip
    (clipped out of sight, but its text is in the PDF, so a search finds it on the wrong page and the
    paragraph's text reads twice); at block edges nothing is drawn outside its page."""
    layout = doc.documentLayout()
    spans: list[tuple[float, float]] = []
    block = doc.begin()
    while block.isValid():
        rect = layout.blockBoundingRect(block)
        spans.append((rect.top(), rect.bottom()))
        prev = block.previous()
        if prev.isValid() and OBJECT in block.text() and prev.text().strip():
            spans.append((layout.blockBoundingRect(prev).top(), rect.bottom()))
        if block.blockFormat().headingLevel() > 0:
            spans.append((rect.top(), max(rect.bottom(), _opening_bottom(doc, block.next()))))
        block = block.next()
    return spans


def _kind(block: QTextBlock) -> str:
    """ "chart" (an image, or the caption right above one), "table" (a cell), "list" (an item), "text"."""
    after = block.next()
    if OBJECT in block.text() or (after.isValid() and OBJECT in after.text() and block.text().strip()):
        return "chart"
    if QTextCursor(block).currentTable() is not None:
        return "table"
    return "list" if block.textList() is not None else "text"


def _shown(block: QTextBlock) -> QTextBlock:
    """The first block from here that prints something (Markdown leaves empty blocks between)."""
    while block.isValid() and not block.text().strip():
        block = block.next()
    return block


def _opening_bottom(doc: QTextDocument, block: QTextBlock) -> float:
    """Where what a section shows first ends, for the section whose heading is just above `block`:
    its first table row, list item, or chart with its caption, with the one paragraph that leads into
    it ("The 5 longest of the period's stops …" above the first chart); else its first paragraph."""
    layout = doc.documentLayout()
    first = _shown(block)
    if not first.isValid() or first.blockFormat().headingLevel() > 0:
        return 0.0
    item = first
    if _kind(first) == "text":
        second = _shown(first.next())
        if second.isValid() and second.blockFormat().headingLevel() == 0 and _kind(second) != "text":
            item = second
    kind = _kind(item)
    if kind == "chart":
        image = item if OBJECT in item.text() else item.next()
        return layout.blockBoundingRect(image).bottom()
    if kind == "table":
        cursor = QTextCursor(item)
        table = cursor.currentTable()
        row = table.cellAt(cursor).row()
        return max(
            layout.blockBoundingRect(table.cellAt(row, c).lastCursorPosition().block()).bottom()
            for c in range(table.columns())
        )
    return layout.blockBoundingRect(item).bottom()


def page_cuts(spans: list[tuple[float, float]], total: float, page_h: float) -> list[tuple[float, float]]:
    """The pages as (top, bottom) of one continuous layout: each page ends at the start of the first
    span that would cross its foot, so no paragraph, image or caption-with-chart is cut or left out.

    Qt's own pagination was not used for this: a page-break policy on a caption made its paginated
    layout drop later paragraphs from the printed pages (pdftotext: 405 of 417 lines). Here every
    page is a clip of one unpaginated layout, so what is laid out is printed, and the pages join
    edge to edge. Only a span taller than a page is cut (at the page's foot)."""
    pages: list[tuple[float, float]] = []
    y = 0.0
    while y < total - 0.5:
        foot = y + page_h
        if foot >= total:
            pages.append((y, total))
            break
        cut = foot
        moved = True
        while moved:  # move the cut up to the top of any span it would cross (spans may overlap)
            moved = False
            for top, bottom in spans:
                if top < cut < bottom and top > y + 0.5:
                    cut, moved = top, True
        pages.append((y, cut))
        y = cut
    return pages or [(0.0, total)]


EDGE = 0.25  # layout px (96 dpi)


def paint_report(device: QPagedPaintDevice, doc: QTextDocument, title: str) -> int:
    """Lay the document out on the device's pages with a footer on each; returns the page count."""
    resolution = device.logicalDpiX()
    painter = QPainter()
    if not painter.begin(device):
        raise OSError(f"cannot start printing on {type(device).__name__} (is the output writable?)")
    try:
        page = device.pageLayout().paintRectPixels(resolution)
        # Lay the document out at a 96-dpi page width, then scale to the writer's resolution.
        scale = resolution / 96.0
        width, height = page.width() / scale, page.height() / scale
        footer = 24.0
        doc.setTextWidth(width)  # one continuous layout; the pages are cut from it (page_cuts)
        pages = page_cuts(_keep_whole(doc), doc.size().height(), height - footer)
        for n, (top, bottom) in enumerate(pages):
            if n:
                device.newPage()
            painter.save()
            painter.scale(scale, scale)
            painter.translate(0, -top)
            # Qt draws every block that touches the clip, edges included (and the clip only hides it:
            # the PDF still holds its text); a hair inside the cuts, the block above the page's top
            # and the one below its foot are not drawn at all, so each is in the text of one page only.
            doc.drawContents(painter, QRectF(0, top + EDGE, width, bottom - top - 2 * EDGE))
            painter.restore()
            painter.save()
            painter.scale(scale, scale)
            small = QFont("Sans Serif")
            small.setPixelSize(9)  # in the 96-dpi layout coordinates, like the document
            painter.setFont(small)
            painter.drawText(QPointF(0, height - 6), f"{title} — page {n + 1} of {len(pages)}")
            painter.restore()
    finally:
        painter.end()
    return len(pages)
