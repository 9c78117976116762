"""Tiny train -> export -> load -> predict round trip, exporter exactness, determinism, the CLI."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from inference.fault.features import N_FEATURES
from inference.fault.train import QUICK, train_fault
from inference.model_card import read_card
from inference.onnx_model import CPU, load_model

pytest.importorskip("sklearn")

TINY = dataclasses.replace(
    QUICK, n_train=6, n_val=2, n_test_seen=1, n_test_unseen=1, duration_s=1000.0, max_iter=20
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("models")
    return train_fault(TINY, out, progress=False)


def test_round_trip_train_export_load_predict(tiny):
    card = read_card(tiny.card_path)
    assert card.name == "fault_predictor" and card.task == "fault-prediction"
    assert card.inputs[0].shape == ["batch", N_FEATURES]
    assert "threshold" in card.metrics and "test_unseen" in card.metrics
    assert card.extra["horizon_s"] == TINY.horizon_s
    assert set(card.extra["healthy_reference"]) >= {"*"}
    model = load_model(tiny.card_path)
    assert model.provider == CPU and model.label.endswith("on CPU")
    clf, reg = tiny.models
    rng = np.random.default_rng(0)
    ref = np.asarray(card.extra["healthy_reference"]["*"], dtype=np.float32)
    x = (ref[None, :] * rng.uniform(0.5, 2.0, size=(64, N_FEATURES))).astype(np.float32)
    out = model.run({"features": x})
    assert out["risk"].shape == (64, 1) and out["rul_s"].shape == (64, 1)
    np.testing.assert_allclose(out["risk"][:, 0], clf.predict_proba(x)[:, 1], atol=1e-5)
    want_rul = np.clip(np.exp(reg.predict(x)) - TINY.rul_log_offset, 0, TINY.rul_max_s)
    np.testing.assert_allclose(out["rul_s"][:, 0], want_rul, rtol=1e-4, atol=0.05)


def test_exporter_matches_sklearn_exactly_on_thresholds():
    """Inputs sitting exactly on split thresholds must go the same way as in scikit-learn."""
    import onnxruntime as ort
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    from inference.fault.export import export_fault_model

    rng = np.random.default_rng(1)
    x = rng.normal(size=(3000, 5)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] ** 2 > 0.8).astype(int)
    r = np.log(np.clip(300 + 200 * x[:, 2], 0, 600) + 10)
    clf = HistGradientBoostingClassifier(max_iter=15, random_state=0, early_stopping=False).fit(x, y)
    reg = HistGradientBoostingRegressor(max_iter=15, random_state=0, early_stopping=False).fit(x, r)
    sess = ort.InferenceSession(export_fault_model(clf, reg, 5, 600.0, 10.0), providers=[CPU])
    # Probe values at every threshold of the first tree, as float32.
    nodes = clf._predictors[0][0].nodes
    probes = x[:200].copy()
    for k, node in enumerate(nodes[~nodes["is_leaf"].astype(bool)]):
        probes[k % 200, int(node["feature_idx"])] = np.float32(node["num_threshold"])
    risk, rul = sess.run(None, {"features": probes})
    np.testing.assert_allclose(risk[:, 0], clf.predict_proba(probes)[:, 1], atol=1e-6)
    np.testing.assert_allclose(
        rul[:, 0], np.clip(np.exp(reg.predict(probes)) - 10.0, 0, 600), rtol=1e-4, atol=0.05
    )


def test_same_seed_same_model(tiny, tmp_path):
    again = train_fault(TINY, tmp_path, progress=False)
    assert again.card.sha256 == tiny.card.sha256
    assert again.onnx_path.read_bytes() == tiny.onnx_path.read_bytes()


def test_card_metrics_are_json_and_complete(tiny):
    raw = json.loads(tiny.card_path.read_text())
    for method in ("model", "fixed_vibration_limit", "trend_persistence"):
        m = raw["metrics"]["test_unseen"][method]
        for k in ("precision", "recall", "median_lead_s", "false_alarms_per_machine_day", "rul_rmse_s"):
            assert k in m


def test_models_cli_train_quick_and_list(tmp_path, capsys):
    from inference.models_cli import models_cli_main

    assert models_cli_main(["train-fault", "--quick", "--out", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "fixed_vibration_limit" in out and "trend_persistence" in out and "threshold" in out
    assert models_cli_main(["list", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "fault_predictor" in out and "sha256 ok" in out and "on CPU" in out
    # A tampered model file is reported by name, and list fails.
    onnx = tmp_path / "fault_predictor.onnx"
    onnx.write_bytes(onnx.read_bytes()[:-10] + b"0123456789")
    assert models_cli_main(["list", "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "MISMATCH" in out and "does not match its card" in out


def test_models_cli_train_qc_hook(capsys, monkeypatch):
    import inference.models_cli as cli

    monkeypatch.setattr(cli, "_trainer", lambda module, what: f"{what} is not available ({module})")
    assert cli.models_cli_main(["train-qc", "--help"]) == 2
    assert "inference.qc.train" in capsys.readouterr().out
