"""QA10 Q10-15: the camera's defect-rate alarms are judged only once the rolling window is full, and
say the window. Before, "QC defect rate Hi: 15.0 % (>= 15.0 %)" rose 22 s after a start from 3
rejects in 20 images and cleared a second later, with no window in its words.

Property over random reject sequences: the demo line's own alarms, fed by the real inspector,
never activate before the window holds RATE_WINDOW images, and every activation message names
the window in hmi.core.qc_figures' words.
"""

from __future__ import annotations

import numpy as np
import pytest

from connectors.sim.product_images import render_frame
from hmi.core.alarms import AlarmEngine, load_definitions
from hmi.core.alarms.persistence import MemoryJournal
from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.qc_figures import RATE_WINDOW, rate_window_words
from hmi.core.qc_frame import encode_png
from inference.qc.inspector import QcInspector
from tests.test_alarm_engine import Clock
from tests.test_qc_inspector import FakeModel, _frame

CONFIG = load_config(DEMO_CONFIG)
assert CONFIG.camera is not None
RATE_TAG = CONFIG.camera.rate_tag
DEFS, PROBLEMS = load_definitions(CONFIG)
RATE_IDS = {d.id for d in DEFS if d.tag == RATE_TAG}


@pytest.fixture(scope="module")
def png() -> bytes:
    return encode_png(render_frame(3, 1, "scratch").image, {"seq": "1", "label": "scratch"})


def test_the_demo_rate_alarms_say_their_window():
    assert not PROBLEMS and RATE_IDS, (PROBLEMS, RATE_IDS)
    for d in DEFS:
        if d.id in RATE_IDS:
            msg = d.format_message(d.limit)
            assert f"{d.limit:.1f} % {rate_window_words()} (" in msg, msg
            assert rate_window_words() == f"of the last {RATE_WINDOW} images"


@pytest.mark.parametrize("seed", range(4))
def test_rate_alarms_wait_for_a_full_window(png, seed):
    # Random reject sequences (a seeded generator: no shrinking, each image is a real inspection),
    # their share between 5 % and 40 %, some front-loaded: 3 rejects in the first 20 is the QA10 case.
    rng = np.random.default_rng(seed)
    n = RATE_WINDOW + int(rng.integers(1, 40))
    seq = list(rng.random(n) < rng.uniform(0.05, 0.4))
    seq[: int(rng.integers(3, 12))] = [True] * len(seq[: int(rng.integers(3, 12))])
    clock = Clock(1_750_000_000.0)
    engine = AlarmEngine(CONFIG, DEFS, MemoryJournal(), clock)
    index = CONFIG.tag_index()
    model = FakeModel(None)
    insp = QcInspector(None, model=model, rate_tag=index[RATE_TAG], on_batch=engine.process)
    for i, reject in enumerate(seq):
        clock.t = 1_750_000_000.0 + i + 1
        model.defect = "scratch" if reject else None
        insp.inspect(_frame(png, seq=i + 1, ts=clock.t))
        engine.tick(clock.t)
        fired = [r for r in engine.records() if r.id in RATE_IDS and r.activated_at is not None]
        if i + 1 < RATE_WINDOW:
            assert not fired, f"{[r.message for r in fired]} after {i + 1} images"
        for r in fired:
            assert rate_window_words() in r.message, r.message
