"""The Alarm KPIs view shows every column and cell whole and says one length for its period (qa8).

qa8 at 1920x1080, 90 s into the demo: the assessment's Value column held "6.64, too short to judge
(2 min recorded; the average is judged from 1 h)" on one line, so the table scrolled sideways with
the value cut at its right and Verdict and Target out of view; the heading said "(90 s, 1 ten-minute
periods)" in the same line as "2 min recorded". Checked at the KPI dock's widths (wide, side by
side; narrow, one above the other) for a short period and an hours-long one: all four assessment
columns inside the table, no cell cut or too short for its wrapped text (widgets.text_fit), and the
heading's length the same words as the "recorded" note (hmi.core.alarms.figures.span_text).
"""

from __future__ import annotations

import re

import pytest

from hmi.core.alarms import figures
from widgets.kpi_view import KpiView
from widgets.text_fit import clipped_texts

from ..helpers.settle import settle
from ..test_alarm_kpi import tr, write_db

T = 1_800_000_000.0


def _events(span_s: float) -> list:
    out = [tr(T, "capper.jam", "activate", "unacknowledged", "medium")]
    out += [
        tr(T + k * span_s / 8, f"filler.a{k}.hi", "activate", "unacknowledged", "high") for k in range(1, 8)
    ]
    out.append(tr(T + span_s, "capper.jam", "acknowledge", "acknowledged", "medium", user="operator"))
    return out


@pytest.mark.parametrize("span_s", [90.0, 3 * 3600.0], ids=["90s", "3h"])
@pytest.mark.parametrize("width", [1230, 900, 700])
def test_every_kpi_column_is_in_view_and_whole(qtbot, themed_app, tmp_path, span_s, width):
    db = write_db(tmp_path / "line1.db", [(ts, str(k), s, d) for ts, k, s, d in _events(span_s)])
    view = KpiView(paths=lambda _start: [db])
    qtbot.addWidget(view)
    view.resize(width, 640)
    view.show()
    with qtbot.waitSignal(view.report_ready, timeout=10000):
        view.refresh()
    settle()
    table = view.assessment
    header = table.horizontalHeader()
    assert header.length() <= table.viewport().width() + 1, (
        f"the assessment is {header.length()} px wide in a {table.viewport().width()} px view: "
        "columns out of view"
    )
    found = [str(c) for c in clipped_texts(view) if "assessment" in c.widget or "QTableWidget" in c.widget]
    assert not found, "\n".join(found)
    r = view.report
    assert r is not None
    heading = view.summary_label.text()
    assert f"({figures.span_text(r.duration_s)}, {figures.periods_text(r.periods)})" in heading
    recorded = re.search(r"too short to judge \(([^)]*?) recorded", table.item(0, 1).text())
    if span_s < figures.AVERAGE_MIN_S:
        assert recorded is not None and recorded.group(1) == figures.span_text(r.duration_s)
