"""Evaluation code paths: warning episodes, event scoring, both baselines, the AI4I regeneration."""

from __future__ import annotations

import math

import numpy as np
import pytest

from connectors.sim.faults import make_fault
from inference.fault import ai4i
from inference.fault.evaluate import (
    ISO_ZONE_D,
    EvalSettings,
    evaluate,
    format_regimes,
    format_table,
    score_events,
    trend_rul,
    warning_episodes,
)
from inference.fault.simdata import Scenario, make_scenario, run_scenario, windows_of_run
from inference.fault.warning import WarningLogic


def test_trend_rul_extrapolates_to_zone_d():
    v = np.array([3.1, 3.1, 8.0, 2.0, np.nan])
    slope = np.array([0.1, 0.0, 0.1, -0.05, 0.1])  # mm/s per s
    r = trend_rul(v, slope, 600.0)
    assert r[0] == pytest.approx((ISO_ZONE_D - 3.1) / 0.1)
    assert r[1] == 600.0  # not rising: persists, no failure in sight
    assert r[2] == 0.0  # already in zone D
    assert r[3] == 600.0
    assert r[4] == 600.0  # unknown level: no claim


def test_episodes_and_event_scoring():
    t = np.arange(0, 400, 2.0)
    score = np.where((t >= 100) & (t < 140), 0.9, 0.1)  # a false alarm early...
    score = np.where(t >= 300, 0.9, score)  # ...and a true warning before the failure at 390
    eps = warning_episodes(t, score, WarningLogic(0.5, 0.3, 2, 30))
    assert eps[0] == (102.0, 170.0) and eps[1][0] == 302.0 and math.isinf(eps[1][1])
    true_w, false_w, per = score_events(eps, [(390.0, "bearing_failure")], useful_s=200.0)
    assert (true_w, false_w) == (1, 1)
    assert per == [("bearing_failure", 88.0)]
    # A failure nobody warned about.
    assert score_events([], [(50.0, "overheat")], 600.0) == (0, 0, [("overheat", None)])


def test_evaluate_model_and_baselines_on_a_simulated_run():
    sc = Scenario(
        11,
        "test",
        900.0,
        400.0,
        24.0,
        (make_fault("capper", "bearing_wear", start=100, duration=400, repair=200),),
    )
    run = run_scenario(sc)
    assert run.failures["capper"]
    ws = windows_of_run(run, 0, 2)
    # An oracle "model": risk 1 within the horizon, exact RUL.
    risk = (ws.rul <= 120).astype(float)
    rul = np.minimum(ws.rul, 600.0)
    s = EvalSettings(120.0, 600.0, 0.5, 0.3)
    res = evaluate(ws, [run], risk, rul, s)
    assert set(res) == {"model", "fixed_vibration_limit", "trend_persistence"}
    m = res["model"]
    assert m["recall"] == 1.0 and m["precision"] == 1.0 and m["rul_rmse_s"] < 1.0
    assert 100.0 <= m["median_lead_s"] <= 125.0
    lim = res["fixed_vibration_limit"]
    assert lim["recall"] == 1.0 and 0 < lim["median_lead_s"] < m["median_lead_s"]
    assert math.isnan(lim["rul_rmse_s"])
    tr = res["trend_persistence"]
    assert tr["failures"] == 1 and tr["rul_rmse_s"] > 0
    assert m["machine_days"] == pytest.approx(4 * 900 / 86400, rel=0.01)
    assert m["by_regime"] == {
        "bearing_failure, 100-600 s": {"failures": 1, "recall": 1.0, "median_lead_s": m["median_lead_s"]}
    }
    table = format_table({"test": res})
    assert "| test | model |" in table and "trend_persistence" in table
    assert "bearing_failure, 100-600 s" in format_regimes({"test": res})


def test_scenarios_are_seeded_and_splits_differ():
    a = make_scenario("train", 3)
    assert a == make_scenario("train", 3)
    assert a.seed != make_scenario("val", 3).seed
    unseen = make_scenario("test_unseen", 0)
    assert unseen.speed_bpm == 500.0 and unseen.ambient == 33.0
    for f in unseen.faults:
        if f.kind.value == "bearing_wear":
            assert f.duration_s < 90 or f.duration_s > 600
    soak = make_scenario("soak", 0)
    assert not [f for f in soak.faults if f.kind.value in ("bearing_wear", "overheat")]


def test_ai4i_regenerated_at_published_rates():
    d = ai4i.generate(0)
    n = d["failure"].size
    assert n == 10_000
    q = {k: float((d["type"] == k).mean()) for k in "LMH"}
    assert abs(q["L"] - 0.5) < 0.03 and abs(q["M"] - 0.3) < 0.03 and abs(q["H"] - 0.2) < 0.03
    assert abs(d["air_temperature_k"].mean() - 300.0) < 0.1 and abs(d["air_temperature_k"].std() - 2.0) < 0.1
    dt = d["process_temperature_k"] - d["air_temperature_k"]
    assert abs(dt.mean() - 10.0) < 0.1 and abs(dt.std() - 1.0) < 0.1
    assert abs(d["torque_nm"].mean() - 40.0) < 0.5 and (d["torque_nm"] > 0).all()
    assert 1450 < d["rotational_speed_rpm"].mean() < 1650
    assert d["tool_wear_min"].max() <= 253
    rate = d["failure"].mean()
    assert 0.025 < rate < 0.045, rate  # published 3.39 %
    published = ai4i.PUBLISHED_COUNTS
    counts = {m: int(d[m].sum()) for m in ai4i.MODES}
    for m in ("TWF", "PWF", "OSF"):
        assert published[m] / 2.5 < counts[m] < published[m] * 2.5, (m, counts)
    assert 0 < counts["HDF"] < 3 * published["HDF"]
    assert counts["RNF"] < 30
    # The rules hold row by row.
    omega = d["rotational_speed_rpm"] * 2 * np.pi / 60
    power = d["torque_nm"] * omega
    assert np.array_equal(d["PWF"], (power < 3500) | (power > 9000))
    assert np.array_equal(d["HDF"], (dt < 8.6) & (d["rotational_speed_rpm"] < 1380))
    limit = np.select([d["type"] == "L", d["type"] == "M"], [11_000, 12_000], 13_000)
    assert np.array_equal(d["OSF"], d["tool_wear_min"] * d["torque_nm"] > limit)
    assert np.array_equal(d["failure"], d["TWF"] | d["HDF"] | d["PWF"] | d["OSF"] | d["RNF"])


def test_ai4i_same_seed_same_data():
    a, b = ai4i.generate(7), ai4i.generate(7)
    assert all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.slow
def test_ai4i_f1_of_the_model_family():
    pytest.importorskip("sklearn")
    import sklearn.ensemble  # noqa: F401  (load OpenMP before limiting threads)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        m = ai4i.evaluate_f1(0, folds=3, max_iter=60)
    assert m["f1_engineered"] > 0.7 and m["f1_raw"] > 0.5
