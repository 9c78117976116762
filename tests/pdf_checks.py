"""What a printed report must keep, read back from the PDF with poppler (pdftotext, pdfimages): every
paragraph and table cell of the document is in the PDF's text, and each stop's caption is on the page
of its chart. Shared by the PDF layout property and the report CLI test."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

OBJECT = "\ufffc"  # how an image sits in a text block
_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}


def need_poppler() -> None:
    if not (shutil.which("pdftotext") and shutil.which("pdfimages")):
        pytest.skip("poppler-utils (pdftotext, pdfimages) are not installed")


def norm(text: str) -> str:
    for lig, plain in _LIGATURES.items():
        text = text.replace(lig, plain)
    return re.sub(r"\s+", " ", text.replace(OBJECT, " ")).strip()


def pdf_pages_text(pdf: Path, title: str) -> list[str]:
    """Each page's text without its footer ("<title> — page N of M")."""
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    footer = re.compile(re.escape(norm(title)) + r" — page \d+ of \d+")
    return [footer.sub(" ", norm(p)) for p in out.split("\f")]


def pdf_image_pages(pdf: Path) -> list[int]:
    """The page (0-based) of each image drawn, in drawing order."""
    out = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [r.split() for r in out.splitlines()[2:] if r.strip()]
    return [int(r[0]) - 1 for r in rows if r[2] == "image"]


def blocks_and_captions(doc) -> tuple[list[str], list[str]]:  # doc: QTextDocument
    """Every non-empty text block (paragraphs, headings, list items, table cells) and the captions:
    the blocks right above an image."""
    texts, captions = [], []
    block = doc.begin()
    while block.isValid():
        t = norm(block.text())
        if t:
            texts.append(t)
        prev = block.previous()
        if OBJECT in block.text() and prev.isValid() and norm(prev.text()):
            captions.append(norm(prev.text()))
        block = block.next()
    return texts, captions


def _shown_first(block):
    """What a section opening at `block` (the block after its heading) shows first, as (kind, block):
    "chart" (a caption with its chart, or a chart), "table", "list" or "text". A section that opens
    with one paragraph leading into a table, a list or a chart ("The 5 longest stops, …" above the
    first chart) shows that table, list or chart: a heading printed with only that lead-in at a page's
    foot is the heading QA8 saw stranded (G25)."""
    from PySide6.QtGui import QTextCursor

    def kind(b) -> str:
        if OBJECT in b.text() or (b.next().isValid() and OBJECT in b.next().text() and norm(b.text())):
            return "chart"
        if QTextCursor(b).currentTable() is not None:
            return "table"
        return "list" if b.textList() is not None else "text"

    def next_shown(b):
        while b.isValid() and not norm(b.text()) and OBJECT not in b.text():
            b = b.next()
        return b

    first = next_shown(block)
    if not first.isValid() or first.blockFormat().headingLevel() > 0:
        return None
    if kind(first) == "text":
        second = next_shown(first.next())
        if second.isValid() and second.blockFormat().headingLevel() == 0 and kind(second) != "text":
            return kind(second), second
    return kind(first), first


def headings_with_their_content(doc) -> list[tuple[str, str, list[str] | int]]:
    """(heading, kind, what its page must show): the texts of a table's first row or of a block, or
    for a chart its index among the document's images."""
    from PySide6.QtGui import QTextCursor

    out: list[tuple[str, str, list[str] | int]] = []
    block = doc.begin()
    while block.isValid():
        if block.blockFormat().headingLevel() > 0 and (shown := _shown_first(block.next())) is not None:
            what, b = shown
            if what == "chart":
                target: list[str] | int = _image_index(doc, b)
            elif what == "table":
                table = QTextCursor(b).currentTable()
                row = table.cellAt(QTextCursor(b)).row()
                target = [norm(table.cellAt(row, c).firstCursorPosition().block().text())
                          for c in range(table.columns())]  # fmt: skip
                target = [t for t in target if t]
            else:
                target = [norm(b.text())]
            out.append((norm(block.text()), what, target))
        block = block.next()
    return out


def _image_index(doc, block) -> int:
    """The index among the document's images of the chart at `block` (or under the caption at it)."""
    if OBJECT not in block.text():
        block = block.next()
    n, b = 0, doc.begin()
    while b.isValid() and b != block:
        n += b.text().count(OBJECT)
        b = b.next()
    return n


def check_report_pdf(pdf: Path, doc, title: str = "Shift report") -> int:
    """Assert the three rules on a written PDF of `doc`; returns the number of stop charts checked."""
    # Compared without white space: a line may break where the text has none (after "/" in a path).
    pages = [p.replace(" ", "") for p in pdf_pages_text(pdf, title)]
    whole = "".join(pages)
    texts, captions = blocks_and_captions(doc)
    missing = [t for t in texts if t.replace(" ", "") not in whole]
    assert not missing, (
        f"{len(missing)} of {len(texts)} paragraphs not in the PDF's text, first: {missing[:3]}"
    )
    image_pages = pdf_image_pages(pdf)
    assert len(image_pages) == len(captions), (image_pages, captions)
    for caption, page in zip(captions, image_pages, strict=True):
        on = [n for n, p in enumerate(pages) if caption.replace(" ", "") in p]
        assert on == [page], (
            f"caption on page(s) {[n + 1 for n in on]}, its chart on page {page + 1}: {caption[:60]}"
        )
    # A heading never ends a page: it is printed on the page of what its section shows first.
    at = 0  # headings are found in order: a heading's words may also stand in the text above it
    for heading, what, target in headings_with_their_content(doc):
        h = heading.replace(" ", "")
        at = whole.index(h, at) + len(h)
        n_h = _page_of(pages, at - 1)
        if isinstance(target, int):
            assert image_pages[target] == n_h, (
                f"heading {heading!r} at the foot of page {n_h + 1}, its first chart on page "
                f"{image_pages[target] + 1}"
            )
        else:
            rest = whole[at : _offset(pages, n_h + 1)]  # the heading's page, after the heading
            missing_here = [t for t in target if t.replace(" ", "") not in rest]
            assert not missing_here, (
                f"heading {heading!r} at the foot of page {n_h + 1} without its first {what}: "
                f"{missing_here[:3]} on a later page"
            )
    return len(captions)


def _offset(pages: list[str], n: int) -> int:
    return sum(len(p) for p in pages[:n])


def _page_of(pages: list[str], offset: int) -> int:
    """The page of a character offset into the pages' joined text."""
    for n, p in enumerate(pages):
        if offset < len(p):
            return n
        offset -= len(p)
    return len(pages) - 1
