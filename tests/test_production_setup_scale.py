"""The demo's time factor and the ideal rate: a line simulated at k x makes k times the units per wall
minute, so the ideal rate the OEE divides by is scaled with it, and the factor travels in the journaled
snapshot (a review of the file computes the same performance)."""

from __future__ import annotations

import pytest

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.production.setup import ProductionSetup


def test_time_scale_multiplies_the_ideal_rate_and_survives_the_snapshot():
    cfg = load_config(DEMO_CONFIG)
    real = ProductionSetup.from_config(cfg)
    fast = ProductionSetup.from_config(cfg, time_scale=5.0)
    assert real is not None and fast is not None
    for a, b in zip(real.machines, fast.machines, strict=True):
        assert b.ideal_rate == pytest.approx(5.0 * a.ideal_rate)
    assert fast.short_stop_s == pytest.approx(real.short_stop_s / 5.0)
    again = ProductionSetup.from_snapshot(fast.snapshot)
    assert [m.ideal_rate for m in again.machines] == [m.ideal_rate for m in fast.machines]
    old = {k: v for k, v in real.snapshot.items() if k != "time_scale"}  # a journal from before the field
    assert [m.ideal_rate for m in ProductionSetup.from_snapshot(old).machines] == [
        m.ideal_rate for m in real.machines
    ]
