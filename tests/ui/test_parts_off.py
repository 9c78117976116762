"""A missing model file is said on screen, naming the file and what to do, and the rest runs (qa5
F26: with fault_predictor.onnx missing the faceplates showed only "Failure risk —", the reason only
in an elided Events row). At both sizes and in both profiles, the notice is in view above the
faceplates, whole, and the faceplates keep updating."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hmi.ui.main_window import MainWindow
from inference.fault.predictor import DEFAULT_CARD, FaultPredictor

from .fakes import OPERATOR

SHOTS = os.environ.get("LINEHMI_SHOTS")


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)], ids=["1920x1080", "1280x800"])
def test_a_missing_fault_model_is_said_above_the_faceplates(
    qtbot, themed_app, make_runtime, demo_config, tmp_path, size, profile
):
    shutil.copy(DEFAULT_CARD, tmp_path / DEFAULT_CARD.name)  # the card without its .onnx file
    rt = make_runtime(demo_config)
    rt.fault = FaultPredictor(demo_config, tmp_path / DEFAULT_CARD.name)
    win = MainWindow(rt, demo_config, user=OPERATOR, touch=profile)
    qtbot.addWidget(win)
    win.window_layout.forget()
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.parts_off_label.isVisible(), timeout=5000)
    qtbot.wait(200)  # laid out with the notice
    text = win.parts_off_label.text()
    assert "fault_predictor.onnx" in text and "missing" in text, text
    assert "`linehmi models train-fault`" in text and "Everything else runs" in text, text
    label = win.parts_off_label
    assert label.visibleRegion().boundingRect().size() == label.size()  # whole, in view
    assert label.height() >= label.heightForWidth(label.width())  # every wrapped line shown
    top = label.mapTo(win, label.rect().topLeft()).y()
    fp_top = win.overview.mapTo(win, win.overview.rect().topLeft()).y()
    assert top < fp_top, "above the faceplates"
    speed = win.overview.faceplates["filler"].indicators["filler.speed"]
    first = speed.value_text()
    qtbot.waitUntil(lambda: speed.value_text() != first, timeout=5000)  # the rest keeps running
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        win.grab().save(str(Path(SHOTS) / f"missing_model_{size[0]}_{'touch' if profile else 'desk'}.png"))
    win.allow_close()
