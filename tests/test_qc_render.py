"""Synthetic camera images: deterministic per (seed, frame), every class renders, the camera's defect mix."""

from __future__ import annotations

import numpy as np
import pytest

from connectors.sim.camera import CameraGenerator, line_bias
from connectors.sim.model import LineModel
from connectors.sim.product_images import frame_rng, render, render_frame
from hmi.core.qc_frame import png_text
from inference.qc import CLASSES, DEFECTS
from inference.qc.images import decode


@pytest.mark.parametrize("label", CLASSES)
def test_every_class_renders_with_a_box_inside_the_image(label):
    r = render_frame(11, 3, label)
    assert r.image.shape == (192, 192, 3) and r.image.dtype == np.uint8
    assert r.label == label
    if label == "ok":
        assert r.bbox is None
    else:
        x0, y0, x1, y1 = r.bbox
        assert 0 <= x0 < x1 <= 192 and 0 <= y0 < y1 <= 192
    # Not a blank frame: a bottle, a belt, noise.
    assert r.image.std() > 20


def test_same_seed_and_frame_give_the_same_image_and_others_differ():
    a = render_frame(5, 42, "scratch").image
    b = render_frame(5, 42, "scratch").image
    c = render_frame(5, 43, "scratch").image
    d = render_frame(6, 42, "scratch").image
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c) and not np.array_equal(a, d)
    # Frames do not depend on what was rendered before (a stream can be replayed from any frame).
    render(frame_rng(5, 41), "ok")
    assert np.array_equal(render_frame(5, 42, "scratch").image, a)


def test_unknown_class_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown QC class 'dent'"):
        render(np.random.default_rng(0), "dent")


def test_camera_generator_is_deterministic_and_hits_its_defect_rate():
    gen = CameraGenerator(seed=9, defect_rate=0.10)
    labels = [gen.label_for(i) for i in range(4000)]
    assert labels == [CameraGenerator(seed=9, defect_rate=0.10).label_for(i) for i in range(4000)]
    rate = np.mean([lab != "ok" for lab in labels])
    assert 0.085 < rate < 0.115
    assert set(labels) == {"ok", *DEFECTS}
    assert all(
        lab == "ok" for lab in (CameraGenerator(seed=9, defect_rate=0.0).label_for(i) for i in range(500))
    )


def test_line_state_raises_the_matching_defect():
    model = LineModel(seed=1)
    healthy = line_bias(model)
    assert all(v == 0 for v in healthy.values())
    model.fill_pressure = 1.6  # low fill pressure: the filler under-fills
    biased = line_bias(model)
    assert biased["underfill"] == pytest.approx(0.5)
    gen = CameraGenerator(seed=2, defect_rate=0.02)
    n_under = sum(gen.label_for(i, biased) == "underfill" for i in range(2000))
    assert 900 < n_under < 1100


def test_png_frame_carries_its_metadata():
    gen = CameraGenerator(seed=4)
    r = gen.frame(17)
    data = gen.png(17, r, 1700000000.25)
    assert data[:4] == b"\x89PNG"
    meta = png_text(data)
    assert meta["seq"] == "17" and meta["label"] == r.label and meta["ts"].startswith("1700000000.25")
    assert np.array_equal(decode(data), r.image)  # lossless


def test_bad_camera_settings_are_refused():
    with pytest.raises(ValueError, match=r"defect rate must be 0\.\.1"):
        CameraGenerator(defect_rate=1.5)
    with pytest.raises(ValueError, match="unknown defect kinds"):
        CameraGenerator(weights={"dent": 1.0})
