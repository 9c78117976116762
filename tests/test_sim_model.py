"""The simulated line's physics (connectors.sim.model) and fault specs, without OPC UA."""

from __future__ import annotations

import math

import numpy as np
import pytest

from connectors.sim.faults import (
    DEMO_SCHEDULE,
    FaultKind,
    FaultSpecError,
    load_schedule,
    parse_duration,
    parse_fault_spec,
    parse_schedule,
)
from connectors.sim.model import FaultCode, LineModel, LineParams, MachineState, simulate, tag_names
from hmi.core.config import DEMO_CONFIG, load_config

S = MachineState


def run(model: LineModel, seconds: float, dt: float = 0.5, every=None) -> list[dict[str, float]]:
    out = []
    for _ in range(round(seconds / dt)):
        model.step(dt)
        v = model.values()
        v["t"] = model.t_sim
        out.append(v)
    return out


def running_model(**kw) -> LineModel:
    m = LineModel(kw.pop("seed", 3), random_jams=False, **kw)
    run(m, 25)
    assert all(m.state(x) is S.RUNNING for x in ("filler", "capper", "labeller", "conveyor"))
    return m


# --- model ----------------------------------------------------------------------------------


def test_model_serves_every_demo_tag():
    cfg = load_config(DEMO_CONFIG)
    assert sorted(tag_names()) == sorted(t.name for t in cfg.tags if t.source == "opcua")


def test_same_seed_same_series_and_different_seed_differs():
    faults = [parse_fault_spec("filler:bearing_wear@20s/3m"), parse_fault_spec("capper:jam@60s/20s")]
    a = simulate(7, 300, faults=faults)
    b = simulate(7, 300, faults=faults)
    c = simulate(8, 300, faults=faults)
    assert set(a) == set(b)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert not np.array_equal(a["filler.vibration"], c["filler.vibration"])


def test_startup_sequence_downstream_first():
    m = LineModel(1, random_jams=False)
    seen: dict[str, list[int]] = {x: [] for x in ("filler", "capper", "labeller", "conveyor")}
    first_start = {}
    for v in run(m, 20, dt=0.25):
        for x in seen:
            st = int(v[f"{x}.state"])
            if not seen[x] or seen[x][-1] != st:
                seen[x].append(st)
                if st == S.STARTING:
                    first_start[x] = v["t"]
    for x, states in seen.items():
        assert states == [S.STOPPED, S.STARTING, S.RUNNING], (x, states)
    assert first_start["conveyor"] < first_start["labeller"] < first_start["capper"] < first_start["filler"]


def test_setpoint_tracking_has_lag_and_ramp_limit():
    m = running_model()
    m.set_setpoint("filler.speed_sp", 300.0)
    series = run(m, 12, dt=0.1)
    speed = np.array([v["filler.speed"] for v in series])
    t = np.array([v["t"] for v in series]) - series[0]["t"] + 0.1
    # Not instantaneous: 1 s after the change it has moved, but by no more than the ramp allows.
    at1 = speed[np.searchsorted(t, 1.0)]
    assert 330 < at1 < 398
    # Ramp-limited: 60 bpm/s (plus measurement noise).
    assert np.max(np.abs(np.diff(speed))) / 0.1 < 60 * 1.05 + 10
    # Settles on the setpoint.
    assert abs(speed[-10:].mean() - 300.0) < 1.5
    assert m.values()["filler.speed_sp"] == 300.0
    # Fill pressure tracks its setpoint too (first-order lag).
    m.set_setpoint("filler.fill_pressure_sp", 2.0)
    p = [v["filler.fill_pressure"] for v in run(m, 15, dt=0.5)]
    assert p[0] > 2.15 and abs(np.mean(p[-6:]) - 2.0 + 0.06) < 0.06


def test_speed_setpoint_zero_stops_and_nonzero_restarts():
    m = running_model()
    m.set_setpoint("conveyor.speed_sp", 0.0)
    assert m.state("conveyor") is S.STOPPED
    run(m, 10)
    # Everything sits on the conveyor: no transport, the machines go Idle.
    assert [m.state(x) for x in ("filler", "capper", "labeller")] == [S.IDLE] * 3
    assert m.values()["conveyor.speed"] == 0.0
    m.set_setpoint("conveyor.speed_sp", 30.0)
    run(m, 12)
    assert all(m.state(x) is S.RUNNING for x in ("filler", "capper", "labeller", "conveyor"))


def test_counters_follow_throughput_and_rejects_rise_with_low_fill_pressure():
    m = running_model()
    g0 = m.values()["filler.good_count"]
    run(m, 60, dt=1.0)
    made = m.values()["filler.good_count"] - g0
    assert 380 < made < 420  # 400 bpm for one minute
    base_rej = m.values()["filler.reject_count"]
    m.set_setpoint("filler.fill_pressure_sp", 1.5)  # underfilled bottles
    run(m, 20, dt=1.0)
    v0 = m.values()
    run(m, 60, dt=1.0)
    v1 = m.values()
    good, rej = (
        v1["filler.good_count"] - v0["filler.good_count"],
        v1["filler.reject_count"] - v0["filler.reject_count"],
    )
    assert base_rej < 10
    assert rej / (good + rej) > 0.2


def test_bearing_wear_raises_vibration_and_temperature_then_fails():
    m = LineModel(5, faults=[parse_fault_spec("filler:bearing_wear@10s/4m,repair=never")], random_jams=False)
    series = run(m, 300, dt=1.0)
    vib = np.array([v["filler.vibration"] for v in series])
    temp = np.array([v["filler.bearing_temp"] for v in series])
    cur = np.array([v["filler.motor_current"] for v in series])
    state = np.array([v["filler.state"] for v in series])
    code = np.array([v["filler.fault_code"] for v in series])
    fail = int(np.argmax(code == FaultCode.BEARING_FAILURE))
    assert fail > 0, "the bearing never failed"
    assert 250 <= series[fail]["t"] <= 270  # 4 min of running after the 10 s start (+ start-up)
    assert state[fail] == S.FAULTED and state[-1] == S.FAULTED and code[-1] == FaultCode.BEARING_FAILURE
    healthy = vib[20:60].mean()
    assert healthy < 2.8  # ISO 10816 zone A/B
    assert vib[fail - 5 : fail].max() > 7.1  # zone D near failure
    # Slow at first, then accelerating: the last quarter climbs far more than the first.
    life = fail - 15
    q1 = vib[15 + life // 4] - vib[15]
    q4 = vib[fail - 2] - vib[fail - 2 - life // 4]
    assert q4 > 4 * max(q1, 0.2)
    assert temp[fail - 1] > temp[30] + 15
    assert cur[fail - 1] > cur[30] * 1.5
    # Stopped: speed and current go to zero, the bearing cools down.
    assert series[-1]["filler.speed"] == 0.0 and series[-1]["filler.motor_current"] == 0.0
    assert temp[-1] < temp[fail]


def test_bearing_failure_is_repaired_when_asked():
    m = LineModel(5, faults=[parse_fault_spec("filler:bearing_wear@0s/1m,repair=2m")], random_jams=False)
    run(m, 70, dt=1.0)
    assert m.fault_code("filler") is FaultCode.BEARING_FAILURE
    run(m, 150, dt=1.0)
    assert m.state("filler") is S.RUNNING and m.fault_code("filler") is FaultCode.NONE
    assert m.values()["filler.vibration"] < 2.8


def test_jam_stops_the_machine_couples_the_line_and_clears():
    m = LineModel(2, faults=[parse_fault_spec("capper:jam@30s/40s")], random_jams=False)
    run(m, 31)
    assert m.state("capper") is S.FAULTED and m.fault_code("capper") is FaultCode.JAM
    run(m, 3)
    assert m.values()["capper.speed"] < 1.0
    run(m, 30)  # the buffers fill up / drain
    assert m.state("filler") is S.IDLE  # blocked by the full buffer in front of the capper
    assert m.state("labeller") is S.IDLE  # starved
    run(m, 30)  # jam cleared at 70 s, restart sequence
    assert m.fault_code("capper") is FaultCode.NONE
    assert all(m.state(x) is S.RUNNING for x in ("filler", "capper", "labeller")), [
        m.state(x) for x in ("filler", "capper", "labeller")
    ]
    texts = [e.text for e in m.events if e.machine == "capper"]
    assert any("jam" in t for t in texts) and "jam cleared" in texts


def test_random_jams_are_poisson_and_seeded():
    params = LineParams()
    from dataclasses import replace

    machines = dict(params.machines)
    machines["capper"] = replace(machines["capper"], jam_rate_per_h=30.0)
    params = replace(params, machines=machines)

    def jams(seed: int) -> list[float]:
        m = LineModel(seed, params=params)
        run(m, 1800, dt=1.0)
        return [round(e.t_sim, 1) for e in m.events if e.machine == "capper" and "jam (random)" in e.text]

    a, b = jams(11), jams(11)
    assert a == b
    assert 4 <= len(a) <= 25  # ~15 expected in 30 min of running at 30/h, minus the downtime
    assert jams(12) != a


def test_sensor_dropout_gives_bad_value_then_recovers():
    m = LineModel(
        4, faults=[parse_fault_spec("conveyor:sensor_dropout:vibration@10s/20s")], random_jams=False
    )
    run(m, 12)
    assert "conveyor.vibration" in m.bad_tags()
    assert math.isnan(m.values()["conveyor.vibration"])
    assert m.fault_code("conveyor") is FaultCode.SENSOR_FAULT
    assert m.state("conveyor") is S.RUNNING  # a sensor fault is a warning, the conveyor keeps going
    run(m, 20)
    assert not m.bad_tags()
    assert m.values()["conveyor.vibration"] > 0.3
    assert m.fault_code("conveyor") is FaultCode.NONE


def test_glue_overheat_trips_the_labeller_and_raises_rejects():
    m = LineModel(
        6, faults=[parse_fault_spec("labeller:overheat:glue@10s/3m,repair=never")], random_jams=False
    )
    series = run(m, 240, dt=1.0)
    glue = np.array([v["labeller.glue_temp"] for v in series])
    trip = int(np.argmax([v["labeller.fault_code"] == FaultCode.OVERHEAT for v in series]))
    assert trip > 0
    assert 150 <= series[trip]["t"] <= 230
    assert glue[trip - 1] > 185
    assert series[-1]["labeller.state"] == S.FAULTED
    assert series[trip]["labeller.reject_count"] > series[60]["labeller.reject_count"] + 10


def test_bearing_overheat_and_motor_trip():
    m = LineModel(
        6,
        faults=[parse_fault_spec("capper:overheat@0s/2m"), parse_fault_spec("filler:motor_trip@20s/30s")],
        random_jams=False,
    )
    run(m, 21)
    assert m.fault_code("filler") is FaultCode.MOTOR_TRIP and m.values()["filler.motor_current"] == 0.0
    run(m, 40)
    assert m.fault_code("filler") is FaultCode.NONE and m.state("filler") in (S.STARTING, S.RUNNING)
    series = run(m, 200, dt=1.0)
    assert any(v["capper.fault_code"] == FaultCode.OVERHEAT for v in series)
    assert max(v["capper.bearing_temp"] for v in series) > 90


def test_time_factor_scales_wall_clock_fault_start():
    # START is wall-clock: at time factor 10 a fault "at 5 s" begins at 50 simulated seconds.
    m = LineModel(1, time_factor=10, faults=[parse_fault_spec("capper:jam@5s/1m")], random_jams=False)
    m.advance(4.9)
    assert m.fault_code("capper") is FaultCode.NONE
    m.advance(0.2)
    assert m.fault_code("capper") is FaultCode.JAM


# --- fault specs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "machine", "kind", "start", "duration", "target"),
    [
        ("filler:bearing_wear@30s/10m", "filler", FaultKind.BEARING_WEAR, 30, 600, ""),
        ("capper:jam@1m30s/20s", "capper", FaultKind.JAM, 90, 20, ""),
        ("labeller:overheat:glue@4m/3m", "labeller", FaultKind.OVERHEAT, 240, 180, "glue"),
        ("filler:overheat", "filler", FaultKind.OVERHEAT, 0, 300, "bearing"),
        (
            "Conveyor:Sensor_Dropout:Vibration@500ms/1.5m",
            "conveyor",
            FaultKind.SENSOR_DROPOUT,
            0.5,
            90,
            "vibration",
        ),
        (" filler : motor_trip @ 5m / 2m ", "filler", FaultKind.MOTOR_TRIP, 300, 120, ""),
    ],
)
def test_fault_spec_parses(text, machine, kind, start, duration, target):
    f = parse_fault_spec(text)
    assert (f.machine, f.kind, f.start_s, f.duration_s, f.target) == (machine, kind, start, duration, target)
    assert parse_fault_spec(str(f)) == f  # str() is a valid spec again


def test_fault_spec_repair_option():
    assert parse_fault_spec("filler:bearing_wear@0s/1m,repair=5m").repair_s == 300
    assert parse_fault_spec("filler:bearing_wear@0s/1m,repair=never").repair_s is None
    assert parse_fault_spec("filler:bearing_wear@0s/1m").repair_s == 1800


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("filler", "expected MACHINE:KIND"),
        ("fridge:jam@1s/1s", "unknown machine 'fridge'; expected one of filler, capper, labeller, conveyor"),
        ("filler:explode@1s", "unknown fault kind 'explode'; expected one of bearing_wear"),
        ("filler:jam@soon/1s", "start time: expected a time like 30s"),
        ("filler:jam@1s/0s", "must be greater than zero"),
        ("filler:jam@1s/-3s", "duration (how long the jam lasts before it is cleared): expected a time"),
        ("filler:overheat:glue@1s", "filler cannot overheat 'glue'"),
        ("capper:sensor_dropout@1s/1s", "sensor_dropout needs the signal as TARGET"),
        ("capper:sensor_dropout:glue_temp@1s/1s", "capper has no sensor 'glue_temp'"),
        ("capper:jam:motor@1s", "jam takes no TARGET"),
        ("capper:jam@1s/5s,repair=1m", "'repair' applies only to"),
        ("capper:bearing_wear@1s/5s,fix=1m", "unknown option 'fix=1m'"),
    ],
)
def test_bad_fault_spec_names_the_spec_and_what_was_expected(text, needle):
    with pytest.raises(FaultSpecError) as err:
        parse_fault_spec(text)
    msg = str(err.value)
    assert f"bad fault spec {text!r}" in msg
    assert needle in msg


def test_parse_duration():
    assert parse_duration("2m30s") == 150
    assert parse_duration("1.5h") == 5400
    assert parse_duration("250ms") == 0.25
    assert parse_duration(12) == 12
    with pytest.raises(FaultSpecError, match="expected a time"):
        parse_duration("ten seconds")


def test_demo_schedule_loads_and_shows_a_failure_early():
    faults = load_schedule()
    assert load_schedule(DEMO_SCHEDULE) == faults
    wear = [f for f in faults if f.kind is FaultKind.BEARING_WEAR and f.machine == "filler"]
    assert wear and wear[0].start_s + wear[0].duration_s <= 180
    assert any(f.kind is FaultKind.JAM and f.machine == "capper" for f in faults)
    # The demo story at time factor 1: vibration alarm, then the bearing fails, within about 3 minutes.
    m = LineModel(1, faults=faults, random_jams=False)
    series = run(m, 200, dt=1.0)
    t_hi = next(v["t"] for v in series if v["filler.vibration"] > 4.5)
    t_fail = next(v["t"] for v in series if v["filler.fault_code"] == FaultCode.BEARING_FAILURE)
    assert 60 < t_hi < t_fail < 195
    assert any(v["capper.fault_code"] == FaultCode.JAM for v in series)


def test_schedule_errors_name_file_and_entry(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('[[faults]]\nspec = "filler:jam@1s/2s"\n[[faults]]\nmachine = "capper"\nkind = "jamm"\n')
    with pytest.raises(FaultSpecError, match=r"s\.toml: \[\[faults\]\] entry 2: unknown fault kind 'jamm'"):
        load_schedule(p)
    with pytest.raises(FaultSpecError, match="unknown key"):
        parse_schedule('[[faults]]\nmachine = "capper"\nkind = "jam"\nwhen = "1s"\n', "x.toml")
    with pytest.raises(FaultSpecError, match="cannot read"):
        load_schedule(tmp_path / "missing.toml")
    ok = parse_schedule('[[faults]]\nmachine = "capper"\nkind = "jam"\nat = "1m"\nduration = 20\n')
    assert ok[0].start_s == 60 and ok[0].duration_s == 20
