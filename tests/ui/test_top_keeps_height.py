"""The top of the window keeps its height.

The line status strip keeps one height whatever it says (qa5 F14): it wrapped between one, two
and three lines as its figures changed, moving every control below it, and a tap on the touch
screen landed on what had moved there. Over generated line states (every machine's random state
history, link lost or not, figures as long as they come), at a control-room and a line-side
width: the strip's height is the same for every state, and every field fits inside it, whole."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from hmi.core.alarms.model import AlarmState, Priority
from hmi.core.production.oee import RATE_WINDOW_S, ProductionAnalysis
from tests.helpers.alarm_records import record
from tests.production_helpers import T0
from tests.test_production_core import random_line
from widgets.production_strip import LineStatusStrip

WIDTHS = (1920, 1280)
_HEIGHTS: dict[int, set[int]] = {w: set() for w in WIDTHS}  # every height seen, per width

# Figures as long as they come: a 5-digit rate, a 6-digit count, every "unknown" part, a long reason.
_LONG = st.fixed_dictionaries(
    {
        "holder": st.text(alphabet="abcdefghij -:·", min_size=0, max_size=90),
        "rate": st.sampled_from(
            ["rate —/min · ideal 400/min", "rate 12,345/min · ideal 12,000/min (last 1 min: 00:59 unknown)"]
        ),
        "good": st.sampled_from(
            ["good 0 of 0 · due now 0", "good 999,999 of 1,153,000 · due 177,000 in the 479 min seen"]
        ),
        "oee": st.sampled_from(
            [
                "OEE —",
                "OEE 100.0 %  A 100.0 %  P 100.0 %  Q 100.0 %  · night shift so far (7 h 59 min unknown)",
                # qa6 N5, the 1280 px touch demo's: wider than the strip on a row of its own
                "OEE 94.2 %  A 100.0 % (1 short stop < 15 s counted as speed loss)  P 94.5 %  Q 99.6 % "
                "(12 rejects, line counters)  · late shift so far (line state unknown for 5 h 45 min)",
            ]
        ),
    }
)


def _host(strip: LineStatusStrip, width: int) -> QWidget:
    """The strip at the top of a page with room to spare: its height is its own choice."""
    host = QWidget()
    lay = QVBoxLayout(host)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(strip)
    lay.addStretch(1)
    host.resize(width, 400)
    host.show()
    return host


def _check(strip: LineStatusStrip, width: int) -> None:
    QApplication.processEvents()
    _HEIGHTS[width].add(strip.height())
    assert len(_HEIGHTS[width]) == 1, f"at {width} px the strip took heights {sorted(_HEIGHTS[width])}"
    for w in strip.fields:
        if w.text():
            g = w.geometry()
            assert g.bottom() < strip.height() and g.top() >= 0, (width, w.text(), g, strip.height())
            assert g.height() >= w.sizeHint().height() - 1, (width, w.text(), g)
            # nor cut at the strip's right edge (qa6 N5: "… line counters) · late shi" at 1280 px):
            # a field wider than its row is shortened, its whole text in its tooltip
            need = w.fontMetrics().horizontalAdvance(w.text())
            assert g.right() < strip.width() and need <= w.contentsRect().width() + 1, (width, w.text(), g)
            whole = strip.full_text_of(w)
            assert w.text() == whole or whole in w.toolTip(), (width, w.text(), whole, w.toolTip())


_STRIPS: dict[int, tuple[LineStatusStrip, QWidget]] = {}


def _strip(width: int) -> LineStatusStrip:
    """One strip per width for every example (the heights are compared across examples)."""
    if width not in _STRIPS:
        strip = LineStatusStrip()
        _STRIPS[width] = (strip, _host(strip, width))
    return _STRIPS[width][0]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(line=random_line(), at=st.floats(0.05, 1.0), lost=st.booleans(), long=_LONG)
def test_the_strip_keeps_one_height_for_every_state(themed_app, line, at, lost, long):
    setup, data, span = line
    now = T0 + max(RATE_WINDOW_S + 1.0, span * at)
    status = ProductionAnalysis.build(setup, data, T0, now, live=True).status(now)
    for width in WIDTHS:
        strip = _strip(width)
        strip.set_last_known(None)
        strip.set_status(None, "waiting for the first production figures")
        _check(strip, width)
        strip.set_status(status)
        strip.set_last_known(now - 10 if lost else None)
        _check(strip, width)
        for label, key in (
            (strip.holder, "holder"),
            (strip.rate, "rate"),
            (strip.good, "good"),
            (strip.oee, "oee"),
        ):
            strip.set_field(label, long[key])
        strip._arrange()
        _check(strip, width)


_BANNERS: dict[tuple[int, bool, int], tuple[object, QWidget]] = {}
_BANNER_HEIGHTS: dict[tuple[int, bool, int], int] = {}


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    alarms=st.lists(
        st.tuples(st.sampled_from(list(Priority)), st.sampled_from([AlarmState.UNACKED, AlarmState.ACKED])),
        max_size=9,
    )
)
def test_the_alarm_banners_counts_read_one_way(themed_app, demo_config, alarms):
    """Below the strip, the banner's counts, desk and touch (compact) rows, at both widths, with
    three rows (a control-room screen) and two (a line-side one). Its height is one for every set
    of alarms, none included (qa6 N7: the first alarm grew it from 84 to 133 px at 1280 touch)."""
    from widgets.alarm_banner import AlarmBanner
    from widgets.alarm_store import AlarmStore, BlinkClock

    records = [
        record(f"a{i}", state, acked=state == AlarmState.ACKED, priority=prio, activated_at=1000.0 + i)
        for i, (prio, state) in enumerate(alarms)
    ]
    for width in WIDTHS:
        for compact, rows in ((False, 3), (False, 2), (True, 3), (True, 2)):
            key = (width, compact, rows)
            if key not in _BANNERS:
                store = AlarmStore()
                banner = AlarmBanner(store, BlinkClock(), demo_config)
                banner.set_compact(compact)
                banner.set_rows(rows)
                _BANNERS[key] = (store, _host(banner, width))
                QApplication.processEvents()
                _BANNER_HEIGHTS[key] = banner.height()  # calm: no alarm yet
            store, host = _BANNERS[key]
            store.seed(records)
            QApplication.processEvents()
            banner = host.layout().itemAt(0).widget()
            assert banner.height() == _BANNER_HEIGHTS[key], (key, banner.height(), _BANNER_HEIGHTS[key])
            assert len(banner.shown_ids()) <= rows
            for row in banner.rows:  # every row it shows is whole inside it
                if row.isVisible():
                    top = row.mapTo(banner, row.rect().topLeft()).y()
                    assert top >= 0 and top + row.height() <= banner.height(), (key, top, row.height())
            # Its counts read one way (qa5 F28: "Unacknowledged 4 + 1 more in the list" read as 5).
            unacked = sum(1 for _p, s in alarms if s is AlarmState.UNACKED)
            text = banner.totals_label.text()
            assert f"Unacknowledged {unacked}" in text and "+" not in text, text
            notes = re.findall(r"(\d+) of (\d+) shown at left", text + "\n" + banner.hidden_label.text())
            assert len(notes) == (1 if unacked > len(banner.shown_ids()) else 0), (text, notes)
            for shown, total in notes:
                assert (int(shown), int(total)) == (len(banner.shown_ids()), unacked), text
