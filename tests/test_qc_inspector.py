"""QcInspector: verdicts, defects journaled with their image, bad input and failing models reported, the
pipeline always going on, the defect-rate pseudo-tag."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest

from connectors.sim.product_images import render_frame
from hmi.core.events import EventKind, Severity
from hmi.core.qc_frame import encode_png
from hmi.core.quality import BAD, BAD_NOT_CONNECTED, BAD_WAITING_FOR_INITIAL_DATA, GOOD
from inference.qc import CLASSES
from inference.qc.inspector import QcFrame, QcInspector, Verdict


class FakeJournal:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.events = []

    def write_event(self, ev) -> int:
        self.events.append(ev)
        return len(self.events)


class FakeModel:
    """Says "scratch" for frames whose mean is odd-ish, else ok; or raises, when told to."""

    label = "fake_qc 0.1 on CPU"
    name = "fake_qc"

    def __init__(self, defect: str | None = "scratch", fail: Exception | None = None) -> None:
        self.defect = defect
        self.fail = fail
        self.calls = 0
        self.batches: list[int] = []

    def run(self, feeds):
        self.calls += 1
        x = feeds["image"]
        assert x.dtype == np.float32 and x.shape[1] == 3 and x.shape[2] == x.shape[3]
        self.batches.append(len(x))
        if self.fail is not None:
            raise self.fail
        n = len(x)
        p = np.zeros((n, len(CLASSES)), np.float32)
        if self.defect is None:
            p[:, 0] = 0.97
            p[:, 1:] = 0.03 / (len(CLASSES) - 1)
        else:
            k = CLASSES.index(self.defect)
            p[:, 0] = 0.05
            p[:, k] = 0.9
            p[:, [i for i in range(1, len(CLASSES)) if i != k]] = 0.05 / (len(CLASSES) - 2)
        hm = np.zeros((n, 12, 12), np.float32)
        hm[:, 3, 8] = 1.0
        hm[:, 4, 8] = 0.7
        return {"probabilities": p, "heatmap": hm}


@pytest.fixture(scope="module")
def png() -> bytes:
    return encode_png(render_frame(3, 1, "scratch").image, {"seq": "1", "label": "scratch"})


def _frame(data, seq=1, **kw) -> QcFrame:
    return QcFrame(data, seq=seq, ts=kw.pop("ts", 1_750_000_000.0 + seq), **kw)


def test_defect_is_journaled_with_its_image_next_to_the_journal(tmp_path, png):
    journal = FakeJournal(tmp_path)
    insp = QcInspector(None, journal=journal, model=FakeModel("scratch"))
    r = insp.inspect(_frame(png, seq=41))
    assert r.verdict is Verdict.DEFECT and r.label == "scratch"
    assert r.score == pytest.approx(0.9) and r.p_defect == pytest.approx(0.95)
    assert r.region == (8 / 12, 3 / 12, 9 / 12, 5 / 12)  # the hot blob, not the whole map
    assert r.ground_truth == "scratch"  # read from the PNG's own metadata
    assert r.image is not None and r.image.shape == (192, 192, 3)
    [ev] = journal.events
    assert ev.kind == EventKind.QC and ev.severity == Severity.WARNING
    assert ev.message == "QC reject #41: scratch (90%)"
    rel = ev.data["image"]
    assert not Path(rel).is_absolute() and rel.startswith("qc/")
    saved = tmp_path / rel
    assert saved.is_file() and saved.read_bytes() == png  # the evidence as received, not re-encoded
    assert r.image_path == saved and r.event_id == 1
    assert ev.data["class"] == "scratch" and ev.data["model"] == "fake_qc 0.1 on CPU"


def test_pass_is_not_journaled_and_rate_counts_it(tmp_path, png):
    journal = FakeJournal(tmp_path)
    insp = QcInspector(None, journal=journal, model=FakeModel(None), window=10)
    results = [insp.inspect(_frame(png, seq=i)) for i in range(1, 6)]
    assert all(r.verdict is Verdict.OK and r.label == "ok" for r in results)
    assert journal.events == [] and not (tmp_path / "qc").exists()
    assert results[-1].defect_rate == 0.0 and results[-1].window_count == 5


@pytest.mark.parametrize(
    ("data", "reason", "text"),
    [
        (b"", "empty", "empty image"),
        (None, "empty", "empty image"),
        ("truncate", "truncated", "truncated or corrupt"),
        ("grey", "wrong_channels", "1 channel"),
        ("wide", "wrong_size", "aspect"),
        (b"\x00\x01not an image", "not_an_image", "not an image"),
    ],
)
def test_bad_images_give_an_error_and_the_next_frame_is_inspected(tmp_path, png, data, reason, text):
    import io

    from PIL import Image

    if data == "truncate":
        data = png[: len(png) // 3]
    elif data == "grey":
        buf = io.BytesIO()
        Image.fromarray(render_frame(1, 1, "ok").image).convert("L").save(buf, format="PNG")
        data = buf.getvalue()
    elif data == "wide":
        data = encode_png(np.zeros((64, 256, 3), np.uint8))
    journal = FakeJournal(tmp_path)
    model = FakeModel("scratch")
    insp = QcInspector(None, journal=journal, model=model)
    bad = insp.inspect(_frame(data, seq=7))
    assert bad.verdict is Verdict.ERROR and bad.error_reason == reason and text in bad.error
    assert math.isnan(bad.score) and bad.label == ""
    [ev] = journal.events
    assert ev.kind == EventKind.QC and ev.severity == Severity.ERROR
    assert ev.message.startswith("QC image #7 not inspected:") and text in ev.message
    if data:  # the bad bytes are kept for diagnosis
        assert (tmp_path / ev.data["image"]).read_bytes() == bytes(data)
    good = insp.inspect(_frame(png, seq=8))
    assert good.verdict is Verdict.DEFECT  # the pipeline went on
    assert insp.status.errors == 1 and insp.status.inspected == 1


def test_repeated_errors_are_journaled_once_a_minute_with_a_count(tmp_path):
    journal = FakeJournal(tmp_path)
    insp = QcInspector(None, journal=journal, model=FakeModel())
    for i in range(5):
        assert insp.inspect(_frame(b"", seq=i)).verdict is Verdict.ERROR
    assert len(journal.events) == 1
    insp._error_marks["empty"] = (time.monotonic() - 61, insp._error_marks["empty"][1])
    insp.inspect(_frame(b"", seq=9))
    assert len(journal.events) == 2
    assert "(4 more since the last report)" in journal.events[1].message
    assert journal.events[1].data["suppressed_since_last"] == 4


def test_a_model_that_throws_is_an_error_per_frame_not_a_crash(tmp_path, png):
    journal = FakeJournal(tmp_path)
    model = FakeModel(fail=RuntimeError("ORT: bad alloc"))
    insp = QcInspector(None, journal=journal, model=model)
    rs = insp.inspect_many([_frame(png, seq=1), _frame(b"", seq=2), _frame(png, seq=3)])
    assert [r.error_reason for r in rs] == ["model", "empty", "model"]
    assert "QC model failed: ORT: bad alloc" in rs[0].error
    assert rs[0].image is not None  # still shown
    assert {e.data["error"] for e in journal.events} == {"model", "empty"}
    model.fail = None
    assert insp.inspect(_frame(png, seq=4)).verdict is Verdict.DEFECT


def test_model_with_wrong_output_shape_is_refused(tmp_path, png):
    class Wrong(FakeModel):
        def run(self, feeds):
            return {
                "probabilities": np.zeros((1, 3), np.float32),
                "heatmap": np.zeros((1, 12, 12), np.float32),
            }

    r = QcInspector(None, model=Wrong()).inspect(_frame(png))
    assert r.verdict is Verdict.ERROR and "expected [1, 6]" in r.error


def test_missing_model_shows_images_reports_once_and_sets_the_tag_bad(tmp_path, png):
    journal = FakeJournal(tmp_path)
    batches = []
    insp = QcInspector(tmp_path / "nope.card.json", journal=journal, rate_tag=5, on_batch=batches.append)
    insp.load()
    st = insp.status
    assert st.state == "no model" and "model card" in st.model_error and "is missing" in st.model_error
    assert st.model_label == ""
    r = insp.inspect(_frame(png))
    assert r.verdict is Verdict.ERROR and r.error_reason == "no_model" and r.image is not None
    assert r.error.startswith("QC model unavailable: model 'nope'")
    kinds = [e.data.get("error") for e in journal.events]
    assert kinds == ["no_model", "no_model"]  # the load failure, then the first refused frame
    assert batches and batches[0].status[0] == BAD and math.isnan(batches[0].value[0])


def test_defect_rate_is_a_tag_with_no_value_until_the_window_fills(tmp_path, png):
    batches = []
    model = FakeModel(None)
    insp = QcInspector(None, model=model, window=20, min_count=4, rate_tag=17, on_batch=batches.append)
    model.defect = "underfill"
    insp.inspect(_frame(png, seq=0))  # one reject first: 100 %, which must not reach the alarms
    model.defect = None
    for i in range(1, 4):
        insp.inspect(_frame(png, seq=i))
    vals = [(int(b.tag_idx[0]), float(b.value[0]), int(b.status[0])) for b in batches]
    assert all(tag == 17 and math.isnan(v) and st == BAD_WAITING_FOR_INITIAL_DATA for tag, v, st in vals[:3])
    assert vals[3] == (17, 25.0, GOOD)
    assert batches[3].source_ts[0] == pytest.approx(1_750_000_003.0)
    insp.mark_stale()
    assert batches[-1].status[0] == BAD_NOT_CONNECTED


def test_worker_thread_batches_and_stops_cleanly(tmp_path, png):
    model = FakeModel("contamination")
    journal = FakeJournal(tmp_path)
    seen = []
    insp = QcInspector(None, journal=journal, model=model, on_result=seen.append, max_batch=4).start()
    try:
        for i in range(12):
            assert insp.submit(_frame(png, seq=i))
        deadline = time.monotonic() + 20
        while len(seen) < 12 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        insp.stop()
    results = insp.poll()
    assert [r.seq for r in results] == list(range(12))
    assert all(r.label == "contamination" for r in results)
    assert max(model.batches) <= 4 and sum(model.batches) == 12
    assert len(journal.events) == 12 and insp.status.state == "stopped"


def test_full_queue_drops_and_counts(png):
    insp = QcInspector(None, model=FakeModel(), max_pending=2)  # not started: nothing drains
    assert insp.submit(_frame(png, seq=1)) and insp.submit(_frame(png, seq=2))
    assert not insp.submit(_frame(png, seq=3))
    assert insp.status.dropped == 1


def test_bad_quality_sample_is_not_classified(png):
    r = QcInspector(None, model=FakeModel()).inspect(_frame(png, status=0x808A0000))
    assert r.verdict is Verdict.ERROR and r.error_reason == "bad_quality" and "0x808A0000" in r.error


def test_array_frames_are_accepted(png):
    img = render_frame(1, 2, "ok").image
    r = QcInspector(None, model=FakeModel(None)).inspect(_frame(img))
    assert r.verdict is Verdict.OK and r.image.shape == img.shape


def test_camera_link_state_reaches_status_and_the_rate_tag():
    from hmi.core.runtime_api import ConnectionState

    batches = []
    insp = QcInspector(None, model=FakeModel(None), rate_tag=3, on_batch=batches.append)
    insp.set_source_state(ConnectionState.RECONNECTING, "camera: link lost")
    st = insp.status
    assert st.source_state == ConnectionState.RECONNECTING and st.source_detail == "camera: link lost"
    assert batches[-1].status[0] == BAD_NOT_CONNECTED
    insp.set_source_state(ConnectionState.CONNECTED, "camera: reconnected")
    assert insp.status.source_state == ConnectionState.CONNECTED and len(batches) == 1
