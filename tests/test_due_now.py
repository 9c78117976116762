"""D-7b: "due now" counts only the shift time this station knows the line's state for.

Started 5 h into a shift, the strip said "good 61 of 147,900 · due now 107,100": the good count
starts with the station, the due share was pro-rated over hours nobody saw.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.production.oee import LINE, ProductionAnalysis
from hmi.core.production.timeline import TimeCat
from tests.production_helpers import RUNNING, T0, demo_setup, machine

H = 3600.0


@settings(max_examples=25, deadline=None)
@given(start=st.integers(0, 6 * 3600), seen=st.integers(60, 2 * 3600))
def test_nothing_is_due_for_time_nobody_saw(start, seen):
    setup = demo_setup()
    now = T0 + min(start + seen, 8 * H - 1)
    data = {m: machine([(start, RUNNING)]) for m in setup.ids}
    an = ProductionAnalysis.build(setup, data, T0, now, live=True)  # from the shift's start, as the app
    status = an.status(now)
    unknown = an.oee(LINE, status.shift_start, now).time(TimeCat.UNKNOWN)
    assert status.unknown_s == pytest.approx(unknown)
    _, due_all, _ = an.shift_target(status.shift_start, status.shift_end, now)
    _, due_known, _ = an.shift_target(status.shift_start, status.shift_end, now, unknown)
    assert status.target_so_far == pytest.approx(due_known)
    assert unknown <= start + 1e-6  # unknown until the station started (breaks aside)
    if unknown > 60:
        assert status.target_so_far < due_all
