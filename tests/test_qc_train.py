"""Train -> export -> load -> predict, tiny and fast; the elpv licence guard; no torch at run time."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from connectors.sim.product_images import render_frame
from hmi.core.qc_frame import encode_png
from inference.model_card import read_card, sha256_of
from inference.onnx_model import load_model
from inference.qc import CLASSES
from inference.qc.inspector import QcFrame, QcInspector, Verdict
from inference.qc.train import main

ROOT = Path(__file__).resolve().parents[1]
TINY = [
    "--per-class", "10", "--val-per-class", "2", "--test-per-class", "5",
    "--epochs", "2", "--size", "64", "--camera-size", "64", "--no-progress", "--threads", "1",
]  # fmt: skip


def test_tiny_train_export_load_predict_round_trip(tmp_path, capsys):
    t0 = time.perf_counter()
    assert main(["--out", str(tmp_path), *TINY]) == 0
    out = capsys.readouterr().out
    assert "held-out synthetic test set" in out and "| class | precision | recall |" in out
    onnx, card_path = tmp_path / "qc_classifier.onnx", tmp_path / "qc_classifier.card.json"
    card = read_card(card_path)
    assert card.sha256 == sha256_of(onnx) and card.task == "visual-qc"
    assert card.inputs[0].shape == ["batch", 3, 64, 64] and card.outputs[1].shape == ["batch", 4, 4]
    assert card.extra["classes"] == list(CLASSES)
    assert set(card.metrics["per_class"]) == set(CLASSES) and card.metrics["n_test"] == 30
    assert card.metrics["onnx_vs_torch_max_abs_diff"] < 1e-4  # the export computes what torch computes
    assert f"accuracy {card.metrics['accuracy']:.4f}" in out
    assert (tmp_path / "qc_classifier.pt").is_file()  # torch weights for the latency bench, next to it

    model = load_model(card_path, prefer="cpu")
    insp = QcInspector(None, model=model)
    assert insp.input_size == 64
    frame = QcFrame(encode_png(render_frame(1, 2, "missing_cap", size=64).image), seq=1)
    r = insp.inspect(frame)
    assert r.verdict in (Verdict.OK, Verdict.DEFECT)
    assert sum(r.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert r.heatmap.shape == (4, 4) and np.nanmax(r.heatmap) <= 1.0 + 1e-6
    assert time.perf_counter() - t0 < 30


def test_same_seed_gives_the_same_model_file(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["--out", str(a), *TINY]) == 0
    assert main(["--out", str(b), *TINY]) == 0
    assert sha256_of(a / "qc_classifier.onnx") == sha256_of(b / "qc_classifier.onnx")


def test_elpv_model_is_never_written_under_resources():
    with pytest.raises(SystemExit, match="refusing to write an elpv-trained model under"):
        main(["--dataset", "elpv", "--out", str(ROOT / "resources" / "models")])


def test_shipped_model_matches_its_card_and_is_small():
    card_path = ROOT / "resources" / "models" / "qc_classifier.card.json"
    if not card_path.exists():
        pytest.skip("no shipped QC model yet (linehmi models train-qc)")
    card = json.loads(card_path.read_text())
    onnx = card_path.parent / card["file"]
    assert onnx.stat().st_size < 2 * 1024 * 1024
    assert card["metrics"]["accuracy"] > 0.9 and "synthetic" in card["training_data"]
    model = load_model(card_path, prefer="cpu")
    r = QcInspector(None, model=model).inspect(QcFrame(encode_png(render_frame(99, 1, "missing_cap").image)))
    assert r.verdict is Verdict.DEFECT and r.label == "missing_cap"


def test_run_time_modules_do_not_import_torch():
    code = (
        "import sys\n"
        "import inference.qc.inspector, inference.qc.images, inference.qc.heatmap, inference.qc.net\n"
        "import inference.qc.train, inference.qc.dataset, connectors.camera_client, connectors.sim.camera\n"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
