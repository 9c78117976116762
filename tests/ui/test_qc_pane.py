"""The QC pane: verdict, rejects strip (click to enlarge), defect rate, error and stale states.

Saves screenshots when LINEHMI_SHOTS names a folder:
`LINEHMI_SHOTS=/tmp/shots pytest tests/ui/test_qc_pane.py`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from connectors.sim.camera import CameraGenerator
from connectors.sim.product_images import render_frame
from hmi.core.qc_frame import encode_png
from hmi.core.runtime_api import ConnectionState
from inference.qc.inspector import DEFAULT_CARD, QcFrame, QcInspector, Verdict
from widgets.qc_pane import QcImageDialog, QcPane

from ..test_qc_inspector import FakeJournal, FakeModel

SHOTS = os.environ.get("LINEHMI_SHOTS")


def _save(widget, name: str) -> None:
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()  # let the layouts take the last texts before the grab
    img = widget.grab()
    assert not img.isNull() and img.width() > 300
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        img.save(str(Path(SHOTS) / f"{name}.png"))


def _frame(label: str, seq: int) -> QcFrame:
    return QcFrame(encode_png(render_frame(5, seq, label).image, {"label": label}), seq=seq, ts=time.time())


@pytest.fixture
def pane(qtbot, themed_app):
    p = QcPane()
    qtbot.addWidget(p)
    p.resize(860, 620)
    p.show()
    qtbot.waitExposed(p)
    return p


def test_pane_shows_reject_pass_and_error(qtbot, pane, tmp_path):
    model = FakeModel("missing_cap")
    insp = QcInspector(None, journal=FakeJournal(tmp_path), model=model)
    pane.add_results([insp.inspect(_frame("missing_cap", 1))])
    assert (
        pane.verdict_kind == "defect"
        and pane.verdict_text.startswith("REJECT")
        and "Missing cap" in pane.verdict_text
    )
    assert len(pane.rejects.results) == 1
    assert "Score 90%" in pane.score.text()

    model.defect = None
    pane.add_results([insp.inspect(_frame("ok", 2))])
    assert pane.verdict_kind == "pass" and pane.verdict_text == "PASS"
    assert len(pane.rejects.results) == 1  # passes do not enter the strip

    pane.add_results([insp.inspect(QcFrame(b"\x89PNG\r\n\x1a\n broken", seq=3))])
    assert pane.verdict_kind == "error" and pane.verdict_text == "NOT INSPECTED"
    assert "truncated or corrupt" in pane.image.message
    pane.set_status(insp.status)
    assert (
        "Since the QC started: inspected 2" in pane.counts.text() and "Not inspected 1" in pane.counts.text()
    )
    assert "rejected 1 (50.0 %)" in pane.counts.text()
    assert pane.model_label.text() == "fake_qc 0.1 on CPU"
    _save(pane, "qc_pane_error")


def test_clicking_a_reject_opens_it_large(qtbot, pane, tmp_path):
    insp = QcInspector(None, journal=FakeJournal(tmp_path), model=FakeModel("scratch"))
    pane.add_results([insp.inspect(_frame("scratch", i)) for i in range(1, 4)])
    assert [r.seq for r in pane.rejects.results] == [3, 2, 1]
    with qtbot.waitSignal(pane.reject_opened, timeout=2000) as sig:
        pane.rejects.click(1)
    assert sig.args[0].seq == 2
    dialogs = pane.findChildren(QcImageDialog)
    assert dialogs and dialogs[-1].qc_result.seq == 2 and dialogs[-1].view.has_image
    _save(dialogs[-1], "qc_reject_dialog")
    dialogs[-1].close()


def test_model_missing_and_camera_lost_are_shown(qtbot, pane, tmp_path):
    insp = QcInspector(tmp_path / "qc_classifier.card.json", journal=FakeJournal(tmp_path))
    insp.load()
    pane.set_status(insp.status)
    assert pane.banner.isVisible() and "QC model unavailable" in pane.banner.text()
    assert pane.model_label.text() == "no QC model"
    r = insp.inspect(_frame("ok", 1))
    pane.add_results([r])
    assert r.verdict is Verdict.ERROR and pane.verdict_text == "NOT INSPECTED" and pane.image.has_image
    _save(pane, "qc_pane_no_model")
    pane.set_camera_state(ConnectionState.RECONNECTING, "link lost")
    assert pane.image.message.startswith("Camera reconnecting")
    assert pane.rate_indicator.stale
    pane.set_camera_state(ConnectionState.CONNECTED)
    assert not pane.rate_indicator.stale and pane.image.message == ""


def test_pane_polls_a_live_inspector(qtbot, themed_app, tmp_path):
    """A fake camera stream through the real worker thread, the pane on its own timer."""
    insp = QcInspector(None, journal=FakeJournal(tmp_path), model=FakeModel(None), window=50).start()
    pane = QcPane(insp, poll_ms=50)
    qtbot.addWidget(pane)
    try:
        for i in range(1, 11):
            insp.submit(_frame("ok", i))
        qtbot.waitUntil(lambda: pane.latest is not None and pane.latest.seq == 10, timeout=10000)
        assert pane.verdict_text == "PASS" and len(pane.sparkline.values) == 10
    finally:
        insp.stop()


def test_screenshot_with_the_shipped_model(qtbot, themed_app, tmp_path):
    """The pane as an operator sees it: the shipped model on a simulated camera stream."""
    if not DEFAULT_CARD.exists():
        pytest.skip("no shipped QC model")
    insp = QcInspector(DEFAULT_CARD, journal=FakeJournal(tmp_path))
    insp.load()
    gen = CameraGenerator(seed=21, defect_rate=0.10)
    t0 = time.time() - 150
    results = []
    for k in range(1, 151):
        r = gen.frame(k)
        results.append(insp.inspect(QcFrame(gen.png(k, r, t0 + k), seq=k, ts=t0 + k)))
    pane = QcPane()
    qtbot.addWidget(pane)
    pane.resize(860, 620)
    pane.add_results(results)
    pane.set_status(insp.status)
    last_defect = [r for r in results if r.verdict is Verdict.DEFECT][-1]
    pane.show_result(last_defect)
    pane.show()
    qtbot.waitExposed(pane)
    assert pane.verdict_kind == "defect"
    _save(pane, "qc_pane")


@pytest.mark.slow
def test_live_camera_through_runtime_into_the_quality_dock(qtbot, themed_app, tmp_path, demo_config):
    """Simulator camera -> OPC UA ByteString -> runtime's CameraClient + QcInspector -> Quality dock."""
    import sqlite3

    from connectors.loop_thread import LoopThread
    from connectors.sim.server import SimSettings, SimulatedLineServer
    from hmi.app.runtime import LineRuntime
    from hmi.ui.main_window import MainWindow

    if demo_config.camera is None or not DEFAULT_CARD.exists():
        pytest.skip("the demo line has no camera or there is no shipped QC model")
    sim_loop = LoopThread("test-sim").start()
    sim = SimulatedLineServer(
        SimSettings(port=0, seed=5, time_factor=20.0, faults=[], camera_hz=6.0, camera_defect_rate=0.25),
        demo_config,
    )
    sim_loop.run(sim.start(), timeout=30)
    rt = LineRuntime(demo_config, journal_dir=tmp_path, endpoint=sim.endpoint).start()
    try:
        win = MainWindow(rt, demo_config, user="j.smith")
        qtbot.addWidget(win)
        win.resize(1600, 950)
        win.show()
        win.qc_dock.raise_()
        qtbot.waitUntil(lambda: rt.qc.status.inspected >= 12 and rt.qc.status.defects >= 1, timeout=40_000)
        qtbot.waitUntil(
            lambda: win.qc_pane.latest is not None and bool(win.qc_pane.rejects.results), timeout=5_000
        )
        assert win.qc_pane.model_label.text() == "qc_classifier 1.0 on CPU"
        _save(win, "qc_in_window")
        win.close()
    finally:
        rt.stop()
        sim_loop.run(sim.stop(), timeout=15)
        sim_loop.stop()
    db = sqlite3.connect(rt.journal.path)
    rows = db.execute("select data from events where kind = 'qc'").fetchall()
    assert rows and any('"image": "qc/' in r[0] for r in rows)
    assert any(p.suffix == ".png" for p in (tmp_path / "qc").rglob("*"))
    rate = db.execute(
        "select value, status_name from samples_readable where tag = ? order by source_ts",
        (demo_config.camera.rate_tag,),
    ).fetchall()
    assert rate  # the defect rate is journaled as a tag...
    # ...with no value while the window is too short to mean anything (no alarm on one early reject)
    # (BadNotConnected until the camera session is up, then BadWaitingForInitialData).
    first = next(r for r in rate if r[1] != "BadNotConnected")
    assert first[0] is None and first[1] == "BadWaitingForInitialData"
    alarms = db.execute("select message from events where kind = 'alarm' and message like 'QC%'").fetchall()
    assert len(rate) >= 20 or not alarms


@pytest.mark.parametrize("stale_after_s", [2.0, 10.0, 30.0])
def test_verdict_is_marked_stale_when_no_image_comes(qtbot, themed_app, tmp_path, stale_after_s):
    """The line stops, the camera sends nothing: the last verdict must not pass for the current one."""
    now = [1000.0]
    p = QcPane(stale_after_s=stale_after_s, clock=lambda: now[0])
    qtbot.addWidget(p)
    p.show()
    insp = QcInspector(None, journal=FakeJournal(tmp_path), model=FakeModel("missing_cap"))
    p.add_results([insp.inspect(_frame("missing_cap", 1))])
    for dt in (0.0, stale_after_s * 0.5, stale_after_s):  # up to the limit: current
        now[0] = 1000.0 + dt
        p.refresh()
        assert not p.verdict_stale and p.verdict_kind == "defect"
    now[0] = 1000.0 + stale_after_s + 0.1
    p.refresh()
    assert p.verdict_stale and p.verdict_kind == "stale" and p.verdict_text == "NO NEW IMAGE"
    assert "Last verdict: REJECT Missing cap" in p.score.text() and "image #1" in p.score.text()
    assert p.image.message.startswith("No new image for") and p.rate_indicator.stale
    # A new image: current again (the fake model rejects every bottle).
    now[0] += 1.0
    p.add_results([insp.inspect(_frame("missing_cap", 2))])
    p.refresh()
    assert not p.verdict_stale and p.verdict_kind == "defect" and not p.rate_indicator.stale
    assert "#2" in p.detail.text()


def test_each_rate_says_what_it_counts(qtbot, pane, tmp_path):
    insp = QcInspector(None, journal=FakeJournal(tmp_path), model=FakeModel("ok"))
    pane.add_results([insp.inspect(_frame("ok", k)) for k in range(25)])
    pane.set_status(insp.status)
    # 25 images in: the caption says 25, not the window's 200 (QA5 F29), and, as the tag, no rate
    # until the window is full (QA10 Q10-15: its alarms are judged only then; qc_figures.RATE_MIN_COUNT).
    assert pane.rate_caption.text() == "Camera defect rate, last 25 images (of a 200-image window)"
    assert pane.rate_indicator.toolTip() == "25 of 200 images needed for a defect rate"
    assert pane.counts.text().startswith("Since the QC started: inspected 25")
    pane.add_results([insp.inspect(_frame("ok", k)) for k in range(25, 200)])
    assert pane.rate_caption.text() == "Camera defect rate, last 200 images"
    assert "of the last 200 inspected images" in pane.rate_indicator.toolTip()


def test_the_rate_keeps_its_last_known_value_when_the_camera_goes(qtbot, pane, tmp_path):
    """Walkthrough: during a link outage the defect rate said "? no connection" while every other
    value on screen kept its last known value, greyed with its age (3aef750). It keeps its value too."""
    insp = QcInspector(None, journal=FakeJournal(tmp_path), model=FakeModel("ok"))
    pane.add_results([insp.inspect(_frame("ok", k)) for k in range(200)])  # a full window: a rate
    before = pane.rate_indicator.value_text()
    assert before == "0.0 %"
    for state in (ConnectionState.RECONNECTING, ConnectionState.DISCONNECTED):
        pane.set_camera_state(state, "link lost")
        assert pane.rate_indicator.stale and pane.rate_indicator.value_text() == before
    pane.set_camera_state(ConnectionState.CONNECTED)
    assert not pane.rate_indicator.stale and pane.rate_indicator.value_text() == before


def test_a_fresh_pane_without_a_rate_says_no_connection(qtbot, pane):
    pane.set_camera_state(ConnectionState.DISCONNECTED, "link lost")
    assert pane.rate_indicator.value_text().startswith("? ")  # nothing known: nothing to keep
