"""Text tags in the review workspace: the text in force at the cursor, read-only, truncation said."""

from __future__ import annotations

import hashlib

import numpy as np

from hmi.core.config import parse_config
from hmi.core.journal import Journal
from hmi.core.quality import BAD_NOT_CONNECTED, GOOD
from hmi.core.review.source import ReviewSource
from hmi.core.samples import SampleBatch
from hmi.core.text_samples import TextSample
from hmi.ui.review_window import ReviewWindow
from tests.opcua_servers import line_config_text

T0 = 1_780_000_000.0
TAGS = '[[tags]]\nname = "recipe"\nnode_id = "ns=2;s=Recipe"\ndata_type = "text"\n'


def test_review_shows_the_text_at_the_cursor(qtbot, tmp_path):
    cfg = parse_config(line_config_text(4840, tags=TAGS), "t.toml")
    r = cfg.tag_index()["recipe"]
    with Journal(cfg, tmp_path, clock=lambda: T0) as j:
        t = T0 + np.arange(300.0)
        j.write_samples(SampleBatch.from_columns(np.zeros(300, int), t, t, t, np.ones(300), np.zeros(300)))
        j.write_text_samples([
            TextSample(r, T0 + 10, np.nan, T0 + 10, "Größe 4", GOOD),
            TextSample(r, T0 + 100, np.nan, T0 + 100, "Größe 5" + "x" * 10, GOOD, 5000),
            TextSample(r, T0 + 200, np.nan, T0 + 200, None, BAD_NOT_CONNECTED),
        ])  # fmt: skip
        j.flush()
        path = j.path
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    win = ReviewWindow(ReviewSource.open([path]))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    assert win.tabs.tabText(win.tabs.count() - 1) == "Text tags at the cursor"

    def row():
        return [win.text_table.item(0, c).text() for c in range(4)]

    win.timeline_view.set_cursor(T0 + 5)
    assert row()[:2] == ["recipe", "no data"]
    win.timeline_view.set_cursor(T0 + 50)
    assert row()[1:3] == ["Größe 4", "Good"]
    win.timeline_view.set_cursor(T0 + 150)
    assert row()[1].startswith("Größe 5") and "truncated: 5000 bytes" in row()[1]
    win.timeline_view.set_cursor(T0 + 250)
    assert row()[2] == "Bad"
    win.close()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
