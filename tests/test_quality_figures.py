"""Every quality figure says what it counts and over which window (QA5 F12, F29).

- The rolling camera defect rate names the images it really covers while its window fills ("last 28
  images (of a 200-image window)"), never the window it does not have yet.
- Q names the reject count it is made of (the machines' counters), and the camera's rejects are said
  not to be those wherever both are shown (status strip and Production tooltips, report, assistant).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.sim.product_images import render_frame
from hmi.core.production.oee import OeeFigures
from hmi.core.production.text import availability_text, oee_text, quality_text
from hmi.core.production.timecat import N_TIMECATS
from hmi.core.qc_figures import CAMERA_VS_LINE, rolling_rate_caption
from hmi.core.qc_frame import encode_png
from inference.qc.inspector import QcInspector
from tests.test_qc_inspector import FakeJournal, FakeModel, _frame


@given(seen=st.integers(0, 1000), window=st.integers(1, 1000))
def test_rolling_rate_caption_names_the_images_it_covers(seen, window):
    text = rolling_rate_caption(min(seen, window), window)
    (n,) = (int(x.replace(",", "")) for x in re.findall(r"last ([\d,]+) image", text))
    assert n == min(seen, window)
    if seen < window:
        assert f"of a {window:,}-image window" in text


@pytest.fixture(scope="module")
def png() -> bytes:
    return encode_png(render_frame(3, 1, "ok").image, {"seq": "1", "label": "ok"})


@pytest.mark.parametrize("k", [1, 19, 20, 28, 200, 230])
def test_the_inspectors_window_count_is_what_the_caption_says(tmp_path, png, k):
    """The pane's caption comes from the inspector's own count of images in the window."""
    insp = QcInspector(None, journal=FakeJournal(tmp_path), model=FakeModel(None), window=200)
    results = [insp.inspect(_frame(png, seq=i + 1)) for i in range(k)]
    last = results[-1]
    assert last.window_count == min(k, 200)
    assert f"last {min(k, 200)} image" in rolling_rate_caption(last.window_count, insp.window)


@given(
    good=st.integers(0, 100_000),
    rejects=st.integers(0, 5_000),
    short=st.integers(0, 9),
)
def test_q_and_a_say_what_they_count(good, rejects, short):
    times = (3000.0, 60.0 * short) + (0.0,) * (N_TIMECATS - 2)
    f = OeeFigures("line", 0.0, sum(times), times, good + rejects, good, rejects, 400.0, (), short, 60.0)
    q = quality_text(f)
    assert f"{rejects:,} reject" in q and "line counters" in q
    assert quality_text(f) in oee_text(f) and availability_text(f) in oee_text(f)
    assert ("short stop" in availability_text(f)) == (short > 0)


def test_the_relation_names_both_counts():
    assert (
        "camera" in CAMERA_VS_LINE.lower() and "reject counters" in CAMERA_VS_LINE and "Q" in CAMERA_VS_LINE
    )
