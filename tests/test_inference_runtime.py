"""ONNX model runtime: cards are checked, bad models and bad inputs give errors naming the model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from inference.model_card import ModelCard, ModelError, TensorSpec, card_path_for, read_card, sha256_of
from inference.onnx_model import CPU, load_model


def _tiny_model(tmp_path, name="tiny"):
    """A 4-feature logistic regression exported with skl2onnx: the real export path, small."""
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    clf = LogisticRegression().fit(x, y)
    onx = to_onnx(clf, x[:1], options={id(clf): {"zipmap": False}}, target_opset=17)
    path = tmp_path / f"{name}.onnx"
    path.write_bytes(onx.SerializeToString())
    card = ModelCard(
        name=name,
        version="0.0.1",
        file=path.name,
        sha256=sha256_of(path),
        task="test",
        inputs=[TensorSpec("X", ["batch", 4], "float32")],
        outputs=[
            TensorSpec("label", ["batch"], "int64"),
            TensorSpec("probabilities", ["batch", 2], "float32"),
        ],
        metrics={"train_accuracy": float(clf.score(x, y))},
    )
    card.save(card_path_for(path))
    return path, card


def test_round_trip_and_provider(tmp_path):
    path, _card = _tiny_model(tmp_path)
    model = load_model(card_path_for(path))
    assert model.provider == CPU and "on CPU" in model.label
    out = model.run({"X": np.array([[3, 3, 0, 0], [-3, -3, 0, 0]], dtype=np.float32)})
    assert out["label"].tolist() == [1, 0]
    assert out["probabilities"].shape == (2, 2)
    assert read_card(card_path_for(path)).metrics["train_accuracy"] > 0.9
    assert model.stats.calls >= 2  # warm-up + run


def test_missing_corrupt_and_tampered_files(tmp_path):
    path, card = _tiny_model(tmp_path)
    cp = card_path_for(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match=r"model 'tiny': tiny.onnx does not match its card"):
        load_model(cp)
    # A corrupt file whose card was (wrongly) updated: ORT refuses it, named.
    bad = dataclasses.replace(card, sha256=sha256_of(path))
    bad.save(cp)
    with pytest.raises(ModelError, match="not a loadable ONNX model"):
        load_model(cp)
    path.unlink()
    with pytest.raises(ModelError, match=r"model file .* is missing"):
        load_model(cp)
    cp.unlink()
    with pytest.raises(ModelError, match=r"model card .* is missing"):
        load_model(cp)


def test_card_that_does_not_match_the_graph(tmp_path):
    path, card = _tiny_model(tmp_path)
    dataclasses.replace(card, inputs=[TensorSpec("X", ["batch", 5], "float32")]).save(card_path_for(path))
    with pytest.raises(ModelError, match=r"input 'X' has shape \[None, 4\] in the file, \['batch', 5\]"):
        load_model(card_path_for(path))
    dataclasses.replace(card, inputs=[TensorSpec("X", ["batch", 4], "float64")]).save(card_path_for(path))
    with pytest.raises(ModelError, match="is float32 in the file, float64 on the card"):
        load_model(card_path_for(path))
    card_path_for(path).write_text("{not json")
    with pytest.raises(ModelError, match="unreadable"):
        load_model(card_path_for(path))


def test_bad_inputs_are_refused_by_name(tmp_path):
    path, _ = _tiny_model(tmp_path)
    model = load_model(card_path_for(path))
    with pytest.raises(ModelError, match="must be float32, got float64"):
        model.run({"X": np.zeros((1, 4))})
    with pytest.raises(ModelError, match=r"must have shape \['batch', 4\], got \[1, 3\]"):
        model.run({"X": np.zeros((1, 3), dtype=np.float32)})
    with pytest.raises(ModelError, match="holds 1 NaN/inf"):
        model.run({"X": np.array([[0, np.nan, 0, 0]], dtype=np.float32)})
    with pytest.raises(ModelError, match="inputs must be"):
        model.run({"Y": np.zeros((1, 4), dtype=np.float32)})
