"""The status strip's line state follows the faceplates' machine states in the same update.

QA4 (1280x800 touch): the labeller's faceplate said "FAULTED · Overheat" while the strip still said
"LINE RUNNING · all machines running" for 1-4 s. The faceplates repaint from `LiveValues` in the
slot that applies each batch; the strip showed the tracker's analysis, recomputed every 2 s and
read once a second. Now the strip's state, holder and claim come from the same live values
(hmi.core.production.line_now.live_status), and the analysis may be behind (or ahead): here it is
built from a random prefix of the changes, and after every change delivered to the live values
the strip's text must agree with the states the faceplates read. No timer is involved.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.live_values import LiveValues
from hmi.core.production.holding import ALL_RUNNING
from hmi.core.production.line_now import live_status
from hmi.core.production.oee import ProductionAnalysis
from hmi.core.production.setup import OWN_STOP_CATS, Cat
from hmi.core.quality import BAD as BAD_STATUS
from hmi.core.quality import GOOD
from hmi.core.samples import SampleBatch
from tests.production_helpers import (
    BAD,
    CHANGEOVER,
    FAULTED,
    IDLE,
    RUNNING,
    STARTING,
    STOPPED,
    T0,
    demo_setup,
    machine,
)
from tests.test_line_claim import _named

SETUP = demo_setup()
CONFIG = load_config(DEMO_CONFIG)
IDS = SETUP.ids
VALUES = (STOPPED, STARTING, RUNNING, IDLE, FAULTED, CHANGEOVER, BAD)
FAULT_CODES = (0, 1, 2, 9)
START = 1800.0  # 06:30, the early shift (09:00-09:15 is a break: START_IN_BREAK)
START_IN_BREAK = 3 * 3600 + 60.0


def _deliver(live: LiveValues, mid: str, value: int, code: int, ts: float) -> np.ndarray:
    m = SETUP.machine(mid)
    idx = [live.index[m.state_tag], live.index[m.fault_tag]]
    vals = [np.nan if value == BAD else float(value), float(code)]
    status = [BAD_STATUS if value == BAD else GOOD, GOOD]  # a device Bad (a lost link keeps the last known)
    return live.apply(SampleBatch.from_columns(idx, [ts, ts], [ts, ts], [ts, ts], vals, status))


def _cat(value: int) -> Cat:
    return Cat.UNKNOWN if value == BAD else SETUP.machine(IDS[0]).state_cat[value]


def check_agrees(status, values: dict[str, int]) -> None:
    """The strip's state and claim against the states the faceplates show."""
    cats = {mid: _cat(v) for mid, v in values.items()}
    own = {mid for mid, c in cats.items() if c in OWN_STOP_CATS}
    text = status.claim
    assert (text == ALL_RUNNING) == all(c is Cat.RUNNING for c in cats.values()), (values, text)
    if own:
        assert status.state != "running", (values, status.state, text)
        assert status.holding_machine in own or cats.get(status.holding_machine) is Cat.UNKNOWN, (
            values,
            text,
        )
    if status.state == "running":
        assert not own and cats[SETUP.constraint] is Cat.RUNNING and cats[SETUP.output] is Cat.RUNNING
    for mid, c in cats.items():
        named = _named(text, mid)
        assert (named == []) == (c is Cat.RUNNING), (mid, values, text)


@settings(max_examples=150, deadline=None)
@given(
    st.tuples(*[st.sampled_from(VALUES)] * len(IDS)),
    st.lists(
        st.tuples(
            st.integers(0, len(IDS) - 1),
            st.sampled_from(VALUES),
            st.sampled_from(FAULT_CODES),
            st.floats(0.2, 90.0),
        ),
        min_size=1,
        max_size=12,
    ),
    st.integers(0, 12),
    st.sampled_from([START, START_IN_BREAK]),
)
def test_after_every_delivered_state_change_the_strip_agrees_with_the_faceplates(first, changes, seen, start):
    t = T0 + start
    history = {mid: [(start - 600.0, v)] for mid, v in zip(IDS, first, strict=True)}
    codes = {mid: [(start - 600.0, 0)] for mid in IDS}
    timeline = []
    for mi, v, code, gap in changes:
        t += gap
        timeline.append((t, IDS[mi], v, code))
    seen = min(seen, len(timeline))
    # The analysis: the changes up to `seen` (behind the faceplates, or ahead of them).
    t_an = (timeline[seen - 1][0] if seen else T0 + start) + 0.1
    for ts, mid, v, code in timeline[:seen]:
        history[mid].append((ts - T0, v))
        codes[mid].append((ts - T0, code))
    data = {mid: machine(history[mid], fault=machine(codes[mid]).state) for mid in IDS}
    analysed = ProductionAnalysis.build(SETUP, data, T0, t_an, live=True).status(t_an)
    live = LiveValues(CONFIG)
    values = dict(zip(IDS, first, strict=True))
    for mid in IDS:
        _deliver(live, mid, values[mid], 0, T0 + start - 600.0)
    for ts, mid, v, code in timeline:
        _deliver(live, mid, v, code, ts)
        values[mid] = v
        status = live_status(analysed, SETUP, live, ts)
        assert status is not None
        check_agrees(status, values)


def test_the_labeller_trip_is_on_the_strip_in_the_update_that_shows_it_on_the_faceplate():
    """QA4's sighting: the analysis (2 s old) has every machine running; the labeller's trip is
    delivered: the strip says the line is stopped, held by the labeller, with the PLC's reason."""
    now = T0 + START
    data = {mid: machine([(START - 600.0, RUNNING)]) for mid in IDS}
    analysed = ProductionAnalysis.build(SETUP, data, T0, now - 2.0, live=True).status(now - 2.0)
    assert analysed.state == "running"
    live = LiveValues(CONFIG)
    for mid in IDS:
        _deliver(live, mid, RUNNING, 0, now - 600.0)
    _deliver(live, "labeller", FAULTED, 2, now - 0.5)  # 2 = Overheat -> U-OVERHEAT
    status = live_status(analysed, SETUP, live, now)
    assert status.state == "stopped" and status.holding_machine == "labeller"
    assert status.claim.startswith("held by labeller: Over-temperature trip (U-OVERHEAT)"), status.claim
    assert status.since_s == 0.5
