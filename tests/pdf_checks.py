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


def check_report_pdf(pdf: Path, doc, title: str = "Shift report") -> int:
    """Assert the two rules on a written PDF of `doc`; returns the number of stop charts checked."""
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
    return len(captions)
