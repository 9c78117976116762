"""The online fault predictor: the demo's bearing wear is predicted early; bad models and bad input
give clear advisories and the pipeline carries on."""

from __future__ import annotations

import logging
import math
import shutil
import threading

import numpy as np
import pytest

from connectors.sim.faults import load_schedule, make_fault
from hmi.core.batch_worker import BatchWorker
from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.events import EventKind, Severity
from hmi.core.quality import BAD_NOT_CONNECTED, BAD_SENSOR_FAILURE, BAD_WAITING_FOR_INITIAL_DATA
from hmi.core.samples import SampleBatch
from inference.fault.predictor import DEFAULT_CARD, FaultPredictor, pseudo_tag_names
from inference.fault.replay import sim_batches
from inference.fault.warning import WarningLogic
from inference.onnx_model import load_model

T0 = 1.8e9


@pytest.fixture(scope="module")
def config():
    return load_config(DEMO_CONFIG)


@pytest.fixture(scope="module")
def shipped():
    return load_model(DEFAULT_CARD)


def _replay(predictor, config, *, stop_when=None, **kw):
    advisories = []
    failed_at = None
    for batch, model in sim_batches(config, t0=T0, **kw):
        advisories += predictor.process(batch)
        if failed_at is None and int(model.fault_code("filler")) == 3:
            failed_at = T0 + model.t_real
        if stop_when is not None and stop_when(model):
            break
    return advisories, failed_at


def test_demo_bearing_wear_predicted_well_before_failure(config, shipped):
    pred = FaultPredictor(config, model=shipped, clock=lambda: T0)
    advisories, failed_at = _replay(
        pred, config, seed=1, faults=load_schedule(), duration_s=200.0, stop_when=lambda m: m.t_sim > 190
    )
    assert failed_at is not None, "the demo schedule's bearing should fail within 200 s"
    raised = [a for a in advisories if a.kind == "raised"]
    assert raised, [a.message for a in advisories]
    first = raised[0]
    assert first.machine == "filler"
    lead = failed_at - first.ts
    assert lead >= 60.0, f"warned only {lead:.0f} s before the failure"
    # Only the filler is predicted to fail (the capper's jam is not a failure to come).
    assert {a.machine for a in raised} == {"filler"}
    ev = first.to_event()
    assert ev.kind is EventKind.ADVISORY and ev.severity is Severity.WARNING
    assert ev.data["model"] == "fault_predictor" and ev.data["version"] == shipped.card.version
    assert ev.data["risk"] >= pred.threshold_on
    tops = [t["signal"] for t in ev.data["top_signals"]]
    assert tops and tops[0] in ("vibration", "motor_current")
    assert "Filler" in ev.message and "top signals" in ev.message
    st = pred.status()["filler"]
    assert st.advisory_active and st.model.startswith("fault_predictor")
    # Risk and RUL pseudo-tags for the trend pens.
    samples = pred.take_pseudo_samples()
    names = {n for _, n, _ in samples}
    assert names <= set(pseudo_tag_names(["filler", "capper", "labeller", "conveyor"]))
    risk = [v for _, n, v in samples if n == "filler.fault_risk"]
    assert max(risk) > 50.0 and min(risk) < 20.0
    assert pred.take_pseudo_samples() == []


def test_healthy_line_raises_nothing(config, shipped):
    pred = FaultPredictor(config, model=shipped, clock=lambda: T0)
    advisories, _ = _replay(pred, config, seed=5, duration_s=600.0, random_jams=True)
    assert [a for a in advisories if a.kind == "raised"] == []
    assert all(s.status == "ok" for s in pred.status().values())
    assert all(s.risk < pred.threshold_off for s in pred.status().values())


def test_missing_model_keeps_running_and_says_so(config, tmp_path):
    pred = FaultPredictor(config, tmp_path / "fault_predictor.card.json", clock=lambda: T0)
    assert not pred.available
    assert "fault_predictor" in pred.label and "missing" in pred.label
    advisories, _ = _replay(pred, config, seed=1, duration_s=5.0)
    assert [a.kind for a in advisories] == ["model_unavailable"]
    a = advisories[0]
    assert a.severity is Severity.ERROR and "HMI runs without it" in a.message
    assert a.to_event().kind is EventKind.ADVISORY
    assert all(s.status == "model unavailable" for s in pred.status().values())


def test_corrupt_model_named_in_the_advisory(config, tmp_path):
    shutil.copy(DEFAULT_CARD, tmp_path / DEFAULT_CARD.name)
    onnx = DEFAULT_CARD.with_name("fault_predictor.onnx")
    data = bytearray(onnx.read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / onnx.name).write_bytes(bytes(data))
    pred = FaultPredictor(config, tmp_path / DEFAULT_CARD.name)
    assert not pred.available
    (adv,) = pred.tick()
    assert adv.kind == "model_unavailable"
    assert "'fault_predictor'" in adv.message and "does not match its card" in adv.message


def test_nan_sensor_is_an_advisory_and_other_machines_continue(config, shipped):
    pred = FaultPredictor(config, model=shipped, clock=lambda: T0)
    dropout = make_fault("capper", "sensor_dropout", target="vibration", start=90, duration=40)
    advisories, _ = _replay(pred, config, seed=2, faults=[dropout], duration_s=200.0, random_jams=False)
    problems = [a for a in advisories if a.kind == "problem"]
    assert len(problems) == 1, [a.message for a in advisories]
    assert problems[0].machine == "capper" and "vibration reads bad/NaN" in problems[0].message
    assert problems[0].severity is Severity.WARNING
    assert [a.machine for a in advisories if a.kind == "resolved"] == ["capper"]
    assert pred.status()["filler"].status == "ok"
    assert pred.status()["capper"].status == "ok"


def test_model_that_throws_reports_once_and_recovers(config, shipped):
    pred = FaultPredictor(config, model=shipped, clock=lambda: T0)
    broken = threading.Event()
    real_run = shipped.run

    def flaky(feeds):
        if broken.is_set():
            raise RuntimeError("simulated runtime failure")
        return real_run(feeds)

    pred.model.run = flaky  # type: ignore[method-assign,union-attr]
    try:
        out = []
        for batch, model in sim_batches(config, seed=3, duration_s=150.0, t0=T0, random_jams=False):
            if model.t_sim > 60:
                broken.set()
            if model.t_sim > 110:
                broken.clear()
            out += pred.process(batch)
    finally:
        del pred.model.run  # type: ignore[union-attr]
    errors = [a for a in out if a.kind == "model_error"]
    assert len(errors) == 1, [a.message for a in out]
    assert errors[0].severity is Severity.ERROR and "simulated runtime failure" in errors[0].message
    assert "fault_predictor" in errors[0].message
    assert any(a.kind == "resolved" and a.machine == "" for a in out)
    assert pred.status()["filler"].status == "ok"


def test_nan_features_refused_by_the_model(shipped):
    from inference.model_card import ModelError

    x = np.zeros((1, shipped.card.inputs[0].shape[1]), dtype=np.float32)
    x[0, 3] = np.nan
    with pytest.raises(ModelError, match="NaN"):
        shipped.run({"features": x})


def test_feed_gap_is_not_held(config, shipped):
    pred = FaultPredictor(config, model=shipped, clock=lambda: T0)
    gen = sim_batches(config, seed=4, duration_s=400.0, t0=T0, random_jams=False)
    for batch, model in gen:
        pred.process(batch)
        if model.t_sim > 100:
            break
    assert pred.status()["filler"].status == "ok"
    for batch, model in gen:  # the connection drops for 200 s
        if model.t_sim > 300:
            pred.process(batch)
            break
    assert pred.status()["filler"].status == "data gap"
    for batch, model in gen:
        pred.process(batch)
        if model.t_sim > 320:
            break
    # After the gap the window is mostly unknown: no prediction until data refills it.
    assert pred.status()["filler"].status == "too little running data in the window"
    for batch, model in gen:
        pred.process(batch)
        if model.t_sim > 370:
            break
    assert pred.status()["filler"].status == "ok"


def test_no_data_on_tick(config, shipped):
    now = [T0]
    pred = FaultPredictor(config, model=shipped, clock=lambda: now[0])
    for batch, _ in sim_batches(config, seed=4, duration_s=60.0, t0=T0):
        pred.process(batch)
    now[0] += 60.0
    pred.tick()
    assert all(s.status == "no data" and math.isnan(s.risk) for s in pred.status().values())


def test_warning_logic_hysteresis():
    w = WarningLogic(0.6, 0.36, confirm=2, clear_hold_s=30)
    assert w.update(0, 0.7) is None  # one evaluation is not enough
    assert w.update(2, 0.5) is None
    assert w.update(4, 0.7) is None
    assert w.update(6, 0.65) == "raised"
    assert w.update(8, 0.5) is None  # between the levels: stays
    assert w.update(10, 0.3) is None
    assert w.update(20, 0.7) is None  # back above: the clear timer restarts
    assert w.update(22, 0.2) is None
    assert w.update(51, 0.2) is None
    assert w.update(52, 0.2) == "cleared"
    with pytest.raises(ValueError):
        WarningLogic(0.5, 0.5)


def test_predictor_thread_runs_and_stops(config, shipped):
    got: list = []
    pred = FaultPredictor(config, model=shipped, clock=lambda: T0)
    th = BatchWorker(
        "linehmi-advisories", lambda b: got.extend(pred.process(b)), lambda: got.extend(pred.tick())
    )
    th.start()
    for batch, _ in sim_batches(config, seed=1, duration_s=60.0, t0=T0):
        th.submit(batch)
    th.stop()
    assert not any(t.name == "linehmi-advisories" for t in threading.enumerate())
    assert [a.kind for a in got][:1] == ["model_loaded"]
    assert pred.predictions > 0


def test_pseudo_batch_maps_known_tags(config, shipped):
    pred = FaultPredictor(config, model=shipped, clock=lambda: T0)
    for batch, _ in sim_batches(config, seed=1, duration_s=60.0, t0=T0):
        pred.process(batch)
    b = pred.pseudo_batch({"filler.fault_risk": 7})
    assert len(b) > 0 and set(b.tag_idx.tolist()) == {7}
    assert np.all((b.value >= 0) & (b.value <= 100))


def test_time_scale_follows_a_faster_simulator(config, shipped):
    """At --time-factor 10 the process runs 10x faster than the source timestamps: time_scale=10."""
    pred = FaultPredictor(config, model=shipped, time_scale=10.0, clock=lambda: T0)
    advisories, failed_at = _replay(
        pred,
        config,
        seed=1,
        faults=load_schedule(),
        duration_s=40.0,  # fault start times are wall-clock: wear starts at 15 s = 150 process s
        dt_s=0.1,
        time_factor=10.0,
    )
    assert failed_at is not None
    raised = [a for a in advisories if a.kind == "raised"]
    assert raised and raised[0].machine == "filler"
    # 60 process seconds = 6 wall seconds at time factor 10.
    assert failed_at - raised[0].ts >= 6.0


def _status_first_seconds(batches, config, tag, status, seconds):
    """The simulated feed with `tag` reading `status` (value NaN) for its first `seconds`."""
    i = config.tag_index()[tag]
    for batch, model in batches:
        rows = (batch.tag_idx == i) & (batch.source_ts < T0 + seconds)
        if rows.any():
            st = batch.status.copy()
            val = batch.value.copy()
            st[rows], val[rows] = status, np.nan
            batch = SampleBatch.from_columns(
                batch.tag_idx, batch.source_ts, batch.server_ts, batch.received_ts, val, st
            )
        yield batch, model


@pytest.mark.parametrize(
    ("status", "warned"),
    [(BAD_WAITING_FOR_INITIAL_DATA, False), (BAD_NOT_CONNECTED, False), (BAD_SENSOR_FAILURE, True)],
)
def test_a_sensor_warning_needs_a_real_bad_sample_not_waiting_for_initial_data(
    config, shipped, status, warned
):
    """The tester saw "Conveyor: no fault prediction, speed reads bad/NaN" right after start while
    the machines were connected: the server's "waiting for initial data" was read as a bad sensor.
    Only a real sample that is bad (here BadSensorFailure) warns."""
    pred = FaultPredictor(config, model=shipped, clock=lambda: T0)
    feed = _status_first_seconds(
        sim_batches(config, t0=T0, seed=3, duration_s=150.0, random_jams=False),
        config,
        "conveyor.speed",
        status,
        40.0,
    )
    advisories = [a for batch, _m in feed for a in pred.process(batch)]
    problems = [a.message for a in advisories if a.kind == "problem" and a.machine == "conveyor"]
    if warned:
        assert problems == ["Conveyor: no fault prediction, speed reads bad/NaN"], problems
    else:
        assert problems == [], problems
    assert pred.status()["conveyor"].status == "ok"


def test_a_missing_model_file_is_logged_and_names_the_command_that_trains_it(config, tmp_path, caplog):
    """D-13a: the README promises a message in the log, on screen and in the journal; the log had
    none, and the hint said "`linehmi models ...`" instead of the command."""
    shutil.copy(DEFAULT_CARD, tmp_path / DEFAULT_CARD.name)  # the card without its .onnx file
    with caplog.at_level(logging.ERROR, logger="inference.fault.predictor"):
        pred = FaultPredictor(config, tmp_path / DEFAULT_CARD.name, clock=lambda: T0)
    assert not pred.available
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("fault prediction unavailable" in m and "`linehmi models train-fault`" in m for m in logged)
    advisories, _ = _replay(pred, config, seed=1, duration_s=5.0)
    assert "`linehmi models train-fault`" in advisories[0].message


@pytest.mark.parametrize("card", sorted(DEFAULT_CARD.parent.glob("*.card.json")), ids=lambda p: p.name)
def test_every_shipped_model_names_a_real_training_command(card, tmp_path):
    from inference.model_card import read_card, train_command
    from inference.models_cli import models_cli_main
    from inference.onnx_model import ModelError, load_model

    shutil.copy(card, tmp_path / card.name)
    with pytest.raises(ModelError) as exc:
        load_model(tmp_path / card.name)
    cmd = train_command(read_card(card))
    assert f"`{cmd}`" in str(exc.value) and "..." not in str(exc.value)
    with pytest.raises(SystemExit) as done:  # the named sub-command exists (its --help exits 0)
        models_cli_main([*cmd.split()[2:], "--help"])
    assert done.value.code == 0


@pytest.mark.parametrize("seed", [1, 3])
def test_a_standing_advisory_always_shows_the_prediction_behind_it(config, shipped, seed):
    """QA5 F6: the filler's ADVISORY box read "risk — RUL —" right after "failure predicted, risk
    90 %" was journaled (the machine then idled: too little running data). Whatever the line does
    (jams, the demo's bearing failure), at every step a standing advisory carries a risk and a RUL,
    no newer than now, and its status says why no newer prediction came."""
    pred = FaultPredictor(config, model=shipped, clock=lambda: T0)
    seen_active = 0
    for batch, model in sim_batches(config, t0=T0, seed=seed, faults=load_schedule(), duration_s=260.0):
        pred.process(batch)
        for st in pred.status().values():
            if st.advisory_active:
                seen_active += 1
                assert not math.isnan(st.risk) and not math.isnan(st.rul_s), st
                assert st.ts <= T0 + model.t_real + 1.0
                assert st.status == "ok" or st.status  # why there is no newer one
    assert seen_active, "the demo's bearing failure raises an advisory: else this test says nothing"


@pytest.mark.parametrize(("seed", "time_factor"), [(1, 1.0), (3, 4.0)])
def test_a_tripped_machine_reads_as_tripped_and_starts_afresh_after_its_restart(
    config, shipped, seed, time_factor
):
    """qa9 Q9-1: after the demo's bearing trip the filler read "Bearing failure risk 100% / ADVISORY
    RUL 16 s" for minutes, and still after it ran again. Through the trip, the repair and the restart,
    after every batch: a machine that is not running (the simulator's own state) reads as such, with
    its state and since when, and never a countdown; after the restart the standing advisory is
    cleared (journaled), the readout waits, and the first figure again comes from running data after
    the restart."""
    from connectors.sim.model import MachineState
    from inference.fault.readout_text import readout

    pred = FaultPredictor(config, model=shipped, clock=lambda: T0, time_scale=time_factor)
    tripped_at = restarted_at = None
    raised = cleared_after_restart = waited = False
    fresh_after_restart = None
    for batch, model in sim_batches(
        config, t0=T0, seed=seed, faults=load_schedule(), duration_s=460.0 / time_factor,
        time_factor=time_factor, random_jams=False,
    ):  # fmt: skip
        now = T0 + model.t_real
        for a in pred.process(batch):
            raised |= a.kind == "raised" and a.machine == "filler"
            if a.kind == "cleared" and a.machine == "filler" and tripped_at is not None:
                cleared_after_restart = True
                assert "restarted at" in a.message and "after faulted" in a.message, a.message
        state = model.state("filler")
        if state == MachineState.FAULTED and tripped_at is None:
            tripped_at = now
        if tripped_at is not None and restarted_at is None and state == MachineState.RUNNING:
            restarted_at = now
        st = pred.status()["filler"]
        r = readout(st, now)
        if state != MachineState.RUNNING:
            label = config.tag("filler.state").state_label(int(state))
            assert st.machine_state == label, (model.t_sim, st)
            assert r.down.startswith(f"{label} at ") and r.life == "—", (model.t_sim, r)
            assert "RUL" not in r.rul_line and (r.risk == "—" or r.old), (model.t_sim, r)
        if restarted_at is not None and fresh_after_restart is None:
            if st.status == "ok":
                fresh_after_restart = st.ts
                assert st.ts > restarted_at, (st, restarted_at)
            elif state == MachineState.RUNNING:
                assert r.life == "—" and not st.advisory_active, (model.t_sim, st, r)
                waited |= r.note == "waiting for data"
    assert raised and tripped_at is not None and restarted_at is not None, (raised, tripped_at, restarted_at)
    assert cleared_after_restart, "the advisory standing at the trip is cleared at the restart"
    assert waited and fresh_after_restart is not None, (waited, fresh_after_restart)
    # "Enough new data": the model's sensor and data checks need 20 s of running in the last 60.
    assert fresh_after_restart - restarted_at >= 20.0 / time_factor - 1.0
