"""An age on screen counts up by itself (walkthrough D-6b: the QC defect rate said "25 s old" for
two minutes, because its owner never called `tick`). Every band indicator that is stale and shows
its age is repainted by the indicators' own age ticker, whoever owns it."""

from __future__ import annotations

import time

from hmi.core.config import TagConfig
from hmi.core.quality import GOOD
from widgets.band_indicator import BandIndicator


def _indicator(qtbot, themed_app, **kw) -> BandIndicator:
    tag = TagConfig(name="m.x", node_id="ns=2;s=m.x", unit="%", range=(0.0, 100.0), **kw)
    ind = BandIndicator(tag)
    qtbot.addWidget(ind)
    ind.resize(260, 40)
    ind.show()
    qtbot.waitExposed(ind)
    return ind


def test_a_stale_age_counts_up_with_nobody_ticking(qtbot, themed_app):
    ind = _indicator(qtbot, themed_app)
    ind.set_sample(6.0, GOOD, time.time() - 25.0)
    ind.set_stale(True)
    qtbot.waitUntil(lambda: ind.painted_age.endswith(" old"), timeout=2000)
    first = ind.painted_age
    qtbot.waitUntil(lambda: ind.painted_age != first, timeout=3000)  # 25 s old -> 26 s old
    assert ind.value_text() == "6.0 %"  # the last known value stays, greyed with its age


def test_a_current_indicator_shows_no_age(qtbot, themed_app):
    ind = _indicator(qtbot, themed_app)
    ind.set_sample(6.0, GOOD, time.time() - 25.0)
    ind.set_stale(True)
    qtbot.waitUntil(lambda: bool(ind.painted_age), timeout=2000)
    ind.set_stale(False)
    qtbot.waitUntil(lambda: ind.painted_age == "", timeout=2000)
