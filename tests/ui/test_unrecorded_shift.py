"""The Production view says "not recorded" for a shift LineHMI never saw (qa7 G35; the rule's
property over random recorded stretches is tests/test_unrecorded_figures.py)."""

from __future__ import annotations

import datetime as _dt

from hmi.core.production.oee import ProductionAnalysis
from hmi.core.production.text import NOT_RECORDED
from tests.production_helpers import T0
from tests.test_unrecorded_figures import SETUP, H, _analysis
from widgets.production_view import ProductionView


def test_the_production_view_says_not_recorded_for_a_shift_linehmi_never_saw(qtbot, themed_app):
    # LineHMI ran from 14:10 only: the early shift (06:00-14:00) was never recorded.
    analysis, _gaps = _analysis([(8 * H + 600.0, 8 * H + 1800.0)])
    analysis = ProductionAnalysis.build(
        SETUP, analysis.data, T0, T0 + 8 * H + 1800.0, [], gaps=analysis.timeline.gaps
    )
    view = ProductionView(lambda ts: _dt.datetime.fromtimestamp(ts, _dt.UTC))
    qtbot.addWidget(view)
    view.set_analysis(analysis)
    view.shift_box.setCurrentIndex(1)  # Previous shift
    assert "not recorded (LineHMI not running)" in view.title.text(), view.title.text()
    assert "good" not in view.title.text()
    for table in (view.machines, view.hours):
        for r in range(table.rowCount()):
            for c in range(1, table.columnCount()):
                item = table.item(r, c)
                assert item is None or item.text() in ("", NOT_RECORDED), (r, c, item.text())
    assert view.pareto.empty_text == "nothing recorded in this shift"
    view.shift_box.setCurrentIndex(0)  # This shift: 20 of 30 min recorded, and it says so
    assert "20 min of 30 min recorded" in view.title.text(), view.title.text()
    assert view.machines.item(0, 7).text().endswith("min")
