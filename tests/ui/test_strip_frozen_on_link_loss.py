"""While the link is lost the strip stays at what was known when it went (qa7 G27).

The greyed strip kept counting: "running for 00:18" at 20:29:10, "running for 00:22" at 20:29:15,
and "good 101 of 149 due" -> "of 156". The production analysis goes on with the clock while no
sample arrives; the strip now keeps the status it showed when the link went, with its time
figures said as of that instant ("running for 05:00 at 20:29:05, last known"), and takes the
newest status when the link is back. Property over random line histories, link-loss instants and
status updates during the loss: no text of the strip changes while the link is lost.
"""

from __future__ import annotations

import re
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.production.oee import ProductionAnalysis
from tests.production_helpers import FAULTED, IDLE, RUNNING, STOPPED, T0, counting, demo_setup, machine
from widgets.production_strip import LineStatusStrip

SETUP = demo_setup()
START = 1800.0  # 06:30


def _statuses(changes: list[tuple[float, int]], times: list[float]):
    """The tracker's statuses at `times` (seconds after 06:00) of a line whose filler takes `changes`."""
    end = max(times) + 1.0
    data = {}
    for mid in SETUP.ids:
        hist = [(0.0, RUNNING), *changes] if mid == "filler" else [(0.0, RUNNING)]
        run = [(0.0, end)]
        counters = counting(run, 300.0, 50, end, mid, step=5.0) if mid in ("capper", "labeller") else None
        data[mid] = machine(hist, counters=counters)
    return [ProductionAnalysis.build(SETUP, data, T0, T0 + t, live=True).status(T0 + t) for t in times]


def _texts(strip: LineStatusStrip) -> list[str]:
    return [strip.state.text(), *(strip.full_text_of(w) for w in strip.fields[1:])]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changes=st.lists(
        st.tuples(st.floats(START - 900, START + 200), st.sampled_from([STOPPED, FAULTED, IDLE, RUNNING])),
        max_size=3,
    ).map(sorted),
    before=st.integers(1, 3),
    during=st.lists(st.floats(0.5, 30.0), min_size=1, max_size=4),
)
def test_nothing_on_the_strip_grows_while_the_link_is_lost(qtbot, themed_app, changes, before, during):
    times = [START + 2.0 * k for k in range(before)]
    lost_at = times[-1] + 0.7
    later = [lost_at + sum(during[: k + 1]) for k in range(len(during))]
    statuses = _statuses(changes, [*times, *later])
    strip = LineStatusStrip()
    qtbot.addWidget(strip)
    strip.resize(1920, strip.height())
    for s in statuses[:before]:
        strip.set_status(s)
    strip.set_last_known(T0 + lost_at)
    frozen = _texts(strip)
    shown = statuses[before - 1]
    stamp = time.strftime("%H:%M:%S", time.localtime(shown.at))
    assert strip.full_text_of(strip.since).endswith(f" at {stamp}, last known"), frozen
    assert frozen[0].startswith("LINK LOST · last known at")
    for s in statuses[before:]:  # the analysis goes on with the clock; nothing new was observed
        strip.set_status(s)
        strip.set_last_known(T0 + lost_at)  # the window repeats it on every refresh
        assert _texts(strip) == frozen
    # Every figure of the frozen strip is the last status's, not a later one's.
    fresh = LineStatusStrip()
    qtbot.addWidget(fresh)
    fresh.resize(1920, fresh.height())
    fresh.set_status(shown)
    for mine, theirs in zip(frozen[1:], _texts(fresh)[1:], strict=True):
        assert mine.startswith(theirs), (mine, theirs)
    # Back: the newest status, without "last known".
    strip.set_last_known(None)
    fresh.set_status(statuses[-1])
    assert _texts(strip) == _texts(fresh)
    assert not any(re.search("last known", t) for t in _texts(strip))
