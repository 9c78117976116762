"""The shift report PDF keeps each stop's caption on the page of its chart, and the charts' time
labels inside the image (issue 10: QA3 printed stop 4's caption at the foot of page 2 with its
chart on page 3, and "13:44:0" cut at a chart's right edge)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QSizeF
from PySide6.QtGui import QColor, QImage

from hmi.ui.report_pdf import OBJECT, keep_captions_with_images, report_document
from hmi.ui.report_snapshots import LEFT, RIGHT, WIDTH, tick_label_left


def _pages_of_captions(doc) -> list[tuple[int, int]]:
    """(caption's first page, chart's last page) of every chart."""
    page_h = doc.pageSize().height()
    layout = doc.documentLayout()
    out = []
    block = doc.begin()
    while block.isValid():
        if OBJECT in block.text():
            prev = block.previous()
            out.append(
                (
                    int(layout.blockBoundingRect(prev).top() // page_h),
                    int((layout.blockBoundingRect(block).bottom() - 1) // page_h),
                )
            )
        block = block.next()
    return out


@settings(max_examples=25, deadline=None)
@given(
    lead=st.integers(0, 60),
    charts=st.lists(st.integers(120, 520), min_size=1, max_size=5),
)
def test_a_caption_stays_on_the_page_of_its_chart(qapp, lead, charts):
    lines = [f"Line {k} of the report before the trends." for k in range(lead)]
    images = {}
    for k, h in enumerate(charts):
        name = f"stop{k}.png"
        img = QImage(1280, h, QImage.Format.Format_RGB32)
        img.fill(QColor("#ffffff"))
        images[name] = img
        lines += ["", f"**{k + 1}. Filler**: stopped 13:42:48 to 13:43:00 (0:12), reason unclassified; drawn "
                  "13:41:48 to 13:44:00: filler.speed, filler.motor_current.", "", f"![stop {k}]({name})"]  # fmt: skip
    doc = report_document("\n\n".join(lines), images)
    doc.setPageSize(QSizeF(700, 990))
    keep_captions_with_images(doc)
    pages = _pages_of_captions(doc)
    assert len(pages) == len(charts)
    assert all(first == last for first, last in pages), pages


@given(x=st.floats(LEFT, WIDTH - RIGHT), text_w=st.floats(20, 200))
def test_a_time_label_stays_inside_the_chart(x, text_w):
    left = tick_label_left(x, text_w)
    assert left >= 0 and left + text_w <= WIDTH
