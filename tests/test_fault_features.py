"""Window features: healthy vs wearing, speed invariance, and bad input giving a reason instead of NaN."""

from __future__ import annotations

import numpy as np

from connectors.sim.faults import make_fault
from inference.fault.features import (
    BAD_TEMP,
    BAD_VIB,
    FEATURE_NAMES,
    N_FEATURES,
    NOT_RUNNING,
    OK,
    S_STATE,
    S_TEMP,
    S_VIB,
    SIGNALS,
    TOO_LITTLE_DATA,
    WINDOW_S,
    window_features,
)
from inference.fault.simdata import RunData, Scenario, run_scenario, windows_of_run

F = {n: i for i, n in enumerate(FEATURE_NAMES)}


def _window(n: int = WINDOW_S, speed: float = 400.0, vib: float = 1.3, cur: float = 14.0) -> np.ndarray:
    rng = np.random.default_rng(0)
    w = np.empty((len(SIGNALS), n))
    w[0] = 2.0  # running
    w[1] = speed + rng.normal(0, 0.3, n)
    w[2] = cur * (1 + 0.01 * rng.normal(size=n))
    w[3] = 45.0 + 0.1 * rng.normal(size=n)
    w[4] = vib * np.exp(0.05 * rng.normal(size=n))
    return w


def test_healthy_window_is_valid_and_finite():
    wf = window_features(_window()[None], 400.0)
    assert wf.x.shape == (1, N_FEATURES) and wf.x.dtype == np.float32
    assert wf.reason.tolist() == [OK]
    assert np.isfinite(wf.x).all()
    assert abs(wf.x[0, F["vib_rise"]] - 1.0) < 0.15
    assert abs(wf.x[0, F["vib_slope_120"]]) < 0.1


def test_speed_normalisation_keeps_healthy_levels_close():
    # Healthy vibration per the simulator: 0.2 + 1.1 * speed fraction; at 300 and 500 bpm the
    # per-speed-fraction level must stay within ~10 % of the nominal one.
    levels = []
    for bpm in (300.0, 400.0, 500.0):
        s = bpm / 400.0
        wf = window_features(_window(speed=bpm, vib=0.25 + 1.1 * s)[None], 400.0)
        levels.append(float(wf.x[0, F["vib_10"]]))
    assert max(levels) / min(levels) < 1.12


def test_rising_vibration_shows_in_slope_and_rise():
    w = _window()
    w[S_VIB] = np.linspace(1.3, 3.0, WINDOW_S)
    wf = window_features(w[None], 400.0)
    assert wf.x[0, F["vib_slope_60"]] > 0.5  # mm/s per minute
    assert wf.x[0, F["vib_rise"]] > 1.8


def test_bad_input_gives_reasons_not_nan():
    good = _window()
    nan_vib = good.copy()
    nan_vib[S_VIB, -20:] = np.nan  # sensor reads Bad
    nan_temp = good.copy()
    nan_temp[S_TEMP, -15:] = np.nan
    stopped = good.copy()
    stopped[S_STATE, -3:] = 0.0
    short = good.copy()
    short[:, :-8] = np.nan  # just started: 8 s of history
    all_nan = np.full_like(good, np.nan)
    wf = window_features(np.stack([good, nan_vib, nan_temp, stopped, short, all_nan]), 400.0)
    assert wf.reason.tolist() == [OK, BAD_VIB, BAD_TEMP, NOT_RUNNING, TOO_LITTLE_DATA, NOT_RUNNING]
    assert np.isfinite(wf.x).all()  # rows without a prediction are zeros, never NaN
    assert (wf.x[1:] == 0).all()


def test_isolated_nan_samples_are_tolerated():
    w = _window()
    w[S_VIB, [10, 50, 100]] = np.nan  # a few dropped samples, not a dead sensor
    wf = window_features(w[None], 400.0)
    assert wf.reason.tolist() == [OK]
    assert np.isfinite(wf.x).all()


def test_bad_shape_is_refused():
    import pytest

    with pytest.raises(ValueError, match="windows must have shape"):
        window_features(np.zeros((2, 3, WINDOW_S)), 400.0)


def test_bearing_wear_run_labels_and_features():
    sc = Scenario(
        3,
        "test",
        700.0,
        400.0,
        24.0,
        (make_fault("filler", "bearing_wear", start=60, duration=300, repair="never"),),
    )
    run: RunData = run_scenario(sc)
    assert len(run.failures["filler"]) == 1
    tf = run.failures["filler"][0][0]
    assert 300 < tf < 520
    ws = windows_of_run(run, 0, 5)
    f = (ws.machine == "filler") & (ws.reason == OK)
    early = f & (ws.t < 100)
    late = f & (ws.rul < 60)
    assert early.any() and late.any()
    assert ws.x[late, F["vib_10"]].mean() > 2.5 * ws.x[early, F["vib_10"]].mean()
    assert (ws.labels(120)[late] == 1).all() and (ws.labels(120)[early] == 0).all()
    # The other machines never fail: infinite RUL.
    assert np.isinf(ws.rul[ws.machine == "capper"]).all()
