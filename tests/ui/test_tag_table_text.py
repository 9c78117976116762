"""The tag table shows a text tag's text and a 64-bit integer's exact digits (never elided)."""

from __future__ import annotations

import numpy as np

from hmi.core.config import parse_config
from hmi.core.live_values import LiveValues
from hmi.core.quality import BAD_NOT_CONNECTED, GOOD
from hmi.core.samples import SampleBatch
from hmi.core.text_samples import TextSample
from tests.opcua_servers import line_config_text
from widgets.tag_table import COL_QUALITY, COL_VALUE, TagTable

TAGS = (
    '[[tags]]\nname = "recipe"\nnode_id = "ns=2;s=R"\ndata_type = "text"\n'
    '[[tags]]\nname = "count"\nnode_id = "ns=2;s=C"\ndata_type = "int"\n'
)


def test_text_and_exact_digits_in_the_tag_table(qtbot):
    cfg = parse_config(line_config_text(4840, tags=TAGS), "t.toml")
    live = LiveValues(cfg)
    table = TagTable(live)
    qtbot.addWidget(table)
    table.resize(1280, 400)
    table.show()
    i = cfg.tag_index()
    big = 2**64 - 1
    t = 1000.0
    changed = live.apply(SampleBatch.from_columns([i["count"]], [t], [t], [t], [float(big)], [GOOD]))
    changed = np.union1d(changed, live.apply_text([
        TextSample(i["count"], t, t, t, str(big), GOOD),
        TextSample(i["recipe"], t, t, t, "Größe 4", GOOD),
    ]))  # fmt: skip
    table.on_samples_applied(changed)
    table.flush()
    m = table.model

    def cell(tag, col):
        return m.data(m.index(m.row_of(i[tag]), col))

    assert cell("recipe", COL_VALUE) == "Größe 4" and cell("recipe", COL_QUALITY) == "Good"
    assert cell("count", COL_VALUE) == str(big)  # exact, not 1.8e19
    need = table.fontMetrics().horizontalAdvance(str(big))
    assert table.view.columnWidth(COL_VALUE) > need  # shown whole, never elided
    # a later number without exact digits replaces them; the link dropping marks the text bad
    live.apply(SampleBatch.from_columns([i["count"]], [t + 1], [t + 1], [t + 1], [5.0], [GOOD]))
    live.apply_text([TextSample(i["recipe"], t + 1, t + 1, t + 1, None, BAD_NOT_CONNECTED)])
    assert cell("count", COL_VALUE) == "5" and cell("recipe", COL_VALUE) == "? BAD"
