"""Synthetic line data for the production tests: state changes and counter samples by hand."""

from __future__ import annotations

import datetime as _dt

import numpy as np

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.production.counters import counter_track
from hmi.core.production.setup import ProductionSetup
from hmi.core.production.timeline import MachineData, StateSeries

# Demo state values (resources/demo_line.toml)
STOPPED, STARTING, RUNNING, IDLE, FAULTED, CHANGEOVER = 0, 1, 2, 3, 4, 5
BAD = -1  # marks a Bad-quality sample in `states()`
UTC = _dt.UTC
# 2026-03-02 06:00 UTC: the early shift of a Monday (calendar in UTC for the tests)
T0 = _dt.datetime(2026, 3, 2, 6, 0, tzinfo=UTC).timestamp()


def demo_setup(**production_overrides: object) -> ProductionSetup:
    cfg = load_config(DEMO_CONFIG)
    snap = ProductionSetup.from_config(cfg).snapshot  # type: ignore[union-attr]
    snap = {**snap, "shifts": {**snap["shifts"], "timezone": "UTC"}}
    snap["production"] = {**snap["production"], **production_overrides}
    return ProductionSetup.from_snapshot(snap)


def states(changes: list[tuple[float, int]]) -> StateSeries:
    """[(seconds after T0, state or BAD)] -> a state series."""
    ts = np.array([T0 + t for t, _ in changes], dtype=float)
    v = np.array([np.nan if s == BAD else float(s) for _, s in changes])
    ok = np.array([s != BAD for _, s in changes])
    return StateSeries(ts, v, ok)


def faults(changes: list[tuple[float, int]]) -> StateSeries:
    return states(changes)


def counting(
    running: list[tuple[float, float]],
    rate_per_min: float,
    reject_every: int,
    end: float,
    tag: str,
    step: float = 1.0,
) -> tuple:
    """Good and reject counter tracks sampled every `step` s: units made at `rate_per_min` while in
    one of the `running` windows (seconds after T0); every `reject_every`-th unit is a reject."""
    t = np.arange(0.0, end + step, step)
    made = np.zeros_like(t)
    for a, b in running:
        made += np.clip(np.minimum(t, b) - a, 0, None) * rate_per_min / 60.0
    total = np.floor(made)
    rej = np.floor(total / reject_every) if reject_every else np.zeros_like(total)
    ok = np.ones(t.shape, dtype=bool)
    return (
        counter_track(f"{tag}.good_count", T0 + t, total - rej, ok),
        counter_track(f"{tag}.reject_count", T0 + t, rej, ok),
    )


def machine(changes: list[tuple[float, int]], fault=None, counters=None) -> MachineData:
    good, rej = counters if counters else (None, None)
    return MachineData(states(changes), fault or StateSeries.empty(), None, good, rej)
