"""The shift report's PDF (issue 10/14): the trend charts keep their time labels inside the image (QA3
saw "13:44:0" cut at a chart's right edge); a stop's caption is printed on the page of its chart (it was
at the foot of one page with the chart on the next); and no paragraph is lost by the pagination (the
first fix, a page-break policy on the caption, made Qt drop later paragraphs: 405 of 417 lines)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.ui.report_snapshots import LEFT, RIGHT, WIDTH, tick_label_left


@given(x=st.floats(LEFT, WIDTH - RIGHT), text_w=st.floats(20, 200))
def test_a_time_label_stays_inside_the_chart(x, text_w):
    left = tick_label_left(x, text_w)
    assert left >= 0 and left + text_w <= WIDTH


# --- pagination: no text lost, a stop's caption on the page of its chart ---------------------------

WORDS = [
    "filler",
    "capper",
    "stopped",
    "running",
    "alarm",
    "acknowledged",
    "reject",
    "downtime",
    "bearing",
    "temperature",
    "the",
    "of",
    "a",
]


def _image(n: int):
    from PySide6.QtGui import QColor, QImage

    img = QImage(1280, 516, QImage.Format.Format_RGB32)
    img.fill(QColor.fromHsv((n * 47) % 360, 120, 220))  # each chart its own image
    return img


def _markdown(fillers: list[int], table_rows: int, seed: int, lead_in: bool) -> tuple[str, dict]:
    """The report's shape: headings, a table (with a lead-in paragraph or none), paragraphs, then the
    trends section as the report writes it (its heading, one paragraph leading in, then captions each
    followed by its chart), with `fillers[0]` paragraphs of random length before that section and
    `fillers[k]` before caption k + 1, so headings and captions slide over page feet."""
    import random

    rnd = random.Random(seed)

    def para() -> str:
        return " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(4, 90))) + "."

    lines = ["# Shift report", "", para(), "", "## Stops", ""]
    if lead_in:
        lines += [para(), ""]
    lines += ["| from | to | machine | reason |", "|---|---|---|---|"]
    lines += [f"| 11:{i:02d}:00 | 11:{i:02d}:30 | Filler {i} | {para()[:40]} |" for i in range(table_rows)]
    lines += [""] + [f"{para()}\n" for _ in range(fillers[0])]
    lines += ["## Trends around the longest stops", "", para(), ""]
    images = {}
    for k, n in enumerate(fillers):
        if k:
            lines += [f"{para()}\n" for _ in range(n)]
        name = f"stop{k + 1}.png"
        images[name] = _image(k)
        lines += ["", f"**{k + 1}. Filler**: stopped 11:{k:02d}:00 to 11:{k:02d}:40 ({para()[:60]})", ""]
        lines += [f"![Filler around the stop]({name})", ""]
    lines += ["## Alarms", "", para()]
    return "\n".join(lines), images


@settings(max_examples=12, deadline=None)
@given(
    fillers=st.lists(st.integers(0, 14), min_size=2, max_size=7),
    table_rows=st.integers(0, 40),
    seed=st.integers(0, 10_000),
    lead_in=st.booleans(),
)
def test_every_paragraph_is_printed_and_each_caption_stays_with_its_chart(
    qapp, tmp_path_factory, fillers, table_rows, seed, lead_in
):
    """Also: a heading is never the last thing on its page; it is printed with what its section shows
    first (a lead-in paragraph alone is not enough: QA8's G25, the trends heading and its first line at
    the foot of page 1, the chart on page 2)."""
    from hmi.ui.report_pdf import report_document, write_pdf
    from tests.pdf_checks import check_report_pdf, need_poppler

    need_poppler()
    md, images = _markdown(fillers, table_rows, seed, lead_in)
    pdf = tmp_path_factory.mktemp("pdf") / "r.pdf"
    pages = write_pdf(md, pdf, images=images)
    assert pages >= 1
    assert check_report_pdf(pdf, report_document(md, images)) == len(fillers)


def test_page_cuts_never_cross_a_span_shorter_than_a_page():
    from hmi.ui.report_pdf import page_cuts

    spans = [(130.0, 170.0), (165.0, 180.0), (250.0, 320.0), (330.0, 560.0)]  # the last is taller than a page
    pages = page_cuts(spans, 600.0, 150.0)
    assert pages == [(0.0, 130.0), (130.0, 250.0), (250.0, 330.0), (330.0, 480.0), (480.0, 600.0)]
    assert all(b > a for a, b in pages) and pages[-1][1] == 600.0
    assert all(p[1] == q[0] for p, q in itertools.pairwise(pages))  # edge to edge: nothing skipped
    for top, bottom in spans[:3]:
        assert any(a <= top and bottom <= b for a, b in pages), (top, bottom, pages)


def test_a_real_reports_pdf_keeps_every_paragraph_and_its_chart_captions(qapp, tmp_path):
    """The same rules on a report built from a journal, as `linehmi report --pdf` writes it."""
    from hmi.core.review.record import tag_infos
    from hmi.core.review.report import build_report, to_markdown
    from hmi.core.review.source import ReviewSource
    from hmi.ui.report_pdf import report_document, write_pdf
    from hmi.ui.report_snapshots import render_snapshots
    from tests.pdf_checks import check_report_pdf, need_poppler
    from tests.review_fixtures import reviewed_shift

    need_poppler()
    source = ReviewSource.open([reviewed_shift(tmp_path / "j")])
    report = build_report(source, source.t0, source.t1 + 1, "shift")
    images = render_snapshots(report, source.historian(), tag_infos(source))
    md = to_markdown(report)
    pdf = tmp_path / "r.pdf"
    write_pdf(md, pdf, title="report", images=images)
    assert check_report_pdf(pdf, report_document(md, images), title="report") == len(report.snapshots) >= 1
