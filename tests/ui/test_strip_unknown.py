"""Every figure on the line status strip says when its window holds time with the line's state
unknown (walkthrough: "rate 314/min … OEE 45.0 %" beside LINE UNKNOWN during a link outage, as if
those figures covered the whole window). Over random state sequences of every machine, with Bad
state samples, at random instants: the rate (last minute) and the OEE (shift so far) name the
unknown part exactly when there is one, and the rate shows no number when its whole window is
unknown."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.production.oee import LINE, RATE_WINDOW_S, ProductionAnalysis
from hmi.core.production.timecat import TimeCat
from tests.production_helpers import T0
from tests.test_production_core import random_line
from widgets.production_strip import LineStatusStrip


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(line=random_line(), at=st.floats(0.05, 1.0))
def test_figures_over_unknown_time_say_so(qtbot, themed_app, line, at):
    setup, data, span = line
    now = T0 + max(RATE_WINDOW_S + 1.0, span * at)
    status = ProductionAnalysis.build(setup, data, T0, now, live=True).status(now)
    an = ProductionAnalysis.build(setup, data, T0, now, live=True)
    strip = LineStatusStrip()
    qtbot.addWidget(strip)
    strip.set_status(status)
    rate_unknown = an.oee(LINE, now - RATE_WINDOW_S, now).time(TimeCat.UNKNOWN)
    assert status.rate_unknown_s == rate_unknown
    # (what each field says in full: a strip too narrow for it shows a shorter wording, the whole
    # text in its tooltip, see test_top_keeps_height)
    rate_text, oee = strip.full_text_of(strip.rate), strip.full_text_of(strip.oee)
    assert ("unknown" in rate_text) == (rate_unknown >= 0.5), (rate_unknown, rate_text)
    if rate_unknown >= RATE_WINDOW_S - 0.5:
        assert not re.search(r"rate \d", rate_text), rate_text
    shift_unknown = status.shift.time(TimeCat.UNKNOWN)
    assert ("unknown" in oee) == (shift_unknown >= 0.5), (shift_unknown, oee)
    for w in (strip.rate, strip.oee):
        assert w.text() == strip.full_text_of(w) or strip.full_text_of(w) in w.toolTip()


def test_long_figures_take_a_third_row_rather_than_being_cut(qtbot, themed_app):
    """At 1280 px the demo's strip cut "… late shift so far (57:32 unknown" at the window's edge:
    with the second row too wide, the OEE takes a row of its own."""
    from PySide6.QtWidgets import QApplication

    strip = LineStatusStrip()
    qtbot.addWidget(strip)
    for label, text in (
        (strip.state, "LINE RUNNING"),
        (strip.holder, "all machines running"),
        (strip.since, "running for 00:20"),
        (strip.rate, "rate 131/min · ideal 400/min (last 1 min: 00:26 unknown)"),
        (strip.good, "good 145 of 153,000 · due now 19,756"),
        (strip.oee, "OEE 96.0 %  A 100.0 %  P 96.0 %  Q 100.0 %  · late shift so far (57:32 unknown)"),
    ):
        label.setText(text)
    for width in (1920, 1252, 1000, 700):
        strip.resize(width, 120)
        strip.show()
        QApplication.processEvents()
        strip._arrange()
        QApplication.processEvents()
        for w in strip.fields:
            assert w.width() >= w.sizeHint().width() - 1 or w.sizeHint().width() > width - 28, (
                width,
                w.text(),
                w.width(),
            )
    assert strip.row_starts == (0, 3, 5)  # at 700 px: three rows
