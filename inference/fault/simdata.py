"""Run-to-failure histories from the line simulator, and the labelled windows cut from them.

A *scenario* is one simulated run of the whole line (four machines) with its
operating conditions (line speed, hall temperature, operator speed changes
and stops) and its scheduled faults (bearing wear and bearing overheat run to
failure; jams, motor trips and sensor dropouts as nuisances). Scenario sets
are drawn from named *condition sets*, so the evaluation can use seeds and
conditions the model never saw:

- ``train`` / ``val``: line speed 300-450 bpm, hall 20-28 °C, bearing wear
  over 90-600 s of running time, overheat over 200-600 s;
- ``test_seen``: held-out seeds, the training conditions;
- ``test_unseen``: held-out seeds, line speed 500 bpm, hall 33 °C, bearing
  wear over 60-85 s or 700-1000 s, overheat over 150-190 s or 650-900 s;
- ``soak``: held-out seeds, the unseen conditions, four-hour runs with the
  nuisances only and no failure: what the false-alarm rate rests on.

Everything is seeded: the same (split, index, base seed) gives the same run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from connectors.sim.faults import MACHINES, FaultKind, FaultSpec, make_fault
from connectors.sim.model import FaultCode, LineModel, LineParams
from inference.fault.features import SIGNALS, WINDOW_S, window_features

NOMINAL_SPEED = {"filler": 400.0, "capper": 400.0, "labeller": 400.0, "conveyor": 30.0}
BOTTLE_MACHINES = ("filler", "capper", "labeller")

# Failure modes the model predicts (fault codes of the simulator).
FAILURE_CODES = {int(FaultCode.BEARING_FAILURE): "bearing_failure", int(FaultCode.OVERHEAT): "overheat"}


@dataclass(frozen=True)
class Conditions:
    name: str
    speed_bpm: Callable[[np.random.Generator], float]
    ambient: Callable[[np.random.Generator], float]
    wear_s: Callable[[np.random.Generator], float]
    overheat_s: Callable[[np.random.Generator], float]
    duration_s: float
    failures: bool = True


def _u(a: float, b: float) -> Callable[[np.random.Generator], float]:
    return lambda r: float(r.uniform(a, b))


def _either(
    a: Callable[[np.random.Generator], float], b: Callable[[np.random.Generator], float]
) -> Callable[[np.random.Generator], float]:
    return lambda r: a(r) if r.random() < 0.5 else b(r)


CONDITIONS: dict[str, Conditions] = {
    "train": Conditions("train", _u(300, 450), _u(20, 28), _u(90, 600), _u(200, 600), 2700.0),
    "val": Conditions("val", _u(300, 450), _u(20, 28), _u(90, 600), _u(200, 600), 2700.0),
    "test_seen": Conditions("test_seen", _u(300, 450), _u(20, 28), _u(90, 600), _u(200, 600), 3600.0),
    "test_unseen": Conditions(
        "test_unseen",
        lambda r: 500.0,
        lambda r: 33.0,
        _either(_u(60, 85), _u(700, 1000)),
        _either(_u(150, 190), _u(650, 900)),
        3600.0,
    ),
    "soak": Conditions(
        "soak", lambda r: 500.0, lambda r: 33.0, _u(600, 600), _u(600, 600), 4 * 3600.0, failures=False
    ),
}
# Seeds never overlap between splits: split k uses base + offset + index.
_SPLIT_OFFSET = {"train": 0, "val": 100_000, "test_seen": 200_000, "test_unseen": 300_000, "soak": 400_000}


@dataclass(frozen=True)
class Scenario:
    seed: int
    split: str
    duration_s: float
    speed_bpm: float
    ambient: float
    faults: tuple[FaultSpec, ...]
    # (time s, bottle-machine speed setpoint bpm; 0 = operator stop)
    speed_changes: tuple[tuple[float, float], ...] = ()

    def describe(self) -> str:
        f = "; ".join(str(x) for x in self.faults) or "no faults"
        return f"{self.split} seed {self.seed}: {self.speed_bpm:.0f} bpm, {self.ambient:.1f} °C, {f}"


def make_scenario(split: str, index: int, base_seed: int = 0, duration_s: float | None = None) -> Scenario:
    cond = CONDITIONS[split]
    seed = base_seed + _SPLIT_OFFSET[split] + index
    r = np.random.default_rng([seed, 7])
    dur = float(duration_s if duration_s is not None else cond.duration_s)
    speed = cond.speed_bpm(r)
    ambient = cond.ambient(r)
    faults: list[FaultSpec] = []
    machines = list(MACHINES)
    r.shuffle(machines)
    n_wear = int(r.choice([0, 1, 1, 2])) if cond.failures else 0
    used = 0
    for m in machines[:n_wear]:
        d = cond.wear_s(r)
        # Leave room to fail inside the run: running time is ~80 % of wall time on a busy line.
        latest = max(60.0, dur - 1.6 * d - 240.0)
        # A quarter of the bearings are already wearing when the line starts (a restart with a bad
        # bearing, as in the demo): no healthy stretch in the window to compare with.
        start = float(r.uniform(0.0, 20.0)) if r.random() < 0.25 else float(r.uniform(60.0, latest))
        faults.append(
            make_fault(m, "bearing_wear", start=start, duration=d, repair=float(r.uniform(120, 400)))
        )
        used += 1
    if r.random() < 0.35 and used < len(machines) and cond.failures:
        m = machines[used]
        d = cond.overheat_s(r)
        start = float(r.uniform(60.0, max(60.0, dur - 1.6 * d - 240.0)))
        faults.append(make_fault(m, "overheat", start=start, duration=d, repair=float(r.uniform(120, 400))))
    # Nuisances: things that look abnormal and are not a coming failure.
    if r.random() < 0.3:
        m = str(r.choice(MACHINES))
        faults.append(
            make_fault(
                m, "motor_trip", start=float(r.uniform(30, dur - 200)), duration=float(r.uniform(30, 120))
            )
        )
    if r.random() < 0.3:
        m = str(r.choice(MACHINES))
        sig = str(r.choice(["vibration", "motor_current", "bearing_temp", "speed"]))
        faults.append(
            make_fault(
                m,
                "sensor_dropout",
                target=sig,
                start=float(r.uniform(30, dur - 200)),
                duration=float(r.uniform(20, 90)),
            )
        )
    changes: list[tuple[float, float]] = []
    for _ in range(int(r.integers(0, 4))):
        t = float(r.uniform(120, dur - 60))
        if r.random() < 0.25:
            stop_for = float(r.uniform(60, 240))
            changes += [(t, 0.0), (t + stop_for, speed)]
        else:
            lo, hi = (0.9 * speed, 1.05 * speed) if speed > 450.0 else (300.0, 450.0)
            changes.append((t, float(r.uniform(lo, hi))))
    changes.sort()
    return Scenario(seed, split, dur, speed, ambient, tuple(faults), tuple(changes))


def conveyor_speed(bottle_bpm: float) -> float:
    # The conveyor must carry the bottles: capacity = speed / pitch (0.06 m per bottle), plus margin.
    return NOMINAL_SPEED["conveyor"] * bottle_bpm / NOMINAL_SPEED["filler"] * 1.05


def _set_line_speed(model: LineModel, bpm: float) -> None:
    for m in BOTTLE_MACHINES:
        model.set_setpoint(f"{m}.speed_sp", bpm)
    if bpm > 0:
        model.set_setpoint("conveyor.speed_sp", conveyor_speed(bpm))


@dataclass
class RunData:
    """One scenario on a 1 s grid: ``signals[machine]`` is (len(SIGNALS), T), ``fault_code[machine]`` (T,)."""

    scenario: Scenario
    t: np.ndarray
    signals: dict[str, np.ndarray]
    fault_code: dict[str, np.ndarray]
    failures: dict[str, list[tuple[float, str]]] = field(default_factory=dict)  # machine -> [(t, mode)]
    # machine -> times after which a started fault had not failed by the end of the run (censored)
    censored_from: dict[str, float] = field(default_factory=dict)


def run_scenario(sc: Scenario) -> RunData:
    params = replace(LineParams(), ambient=sc.ambient)
    model = LineModel(sc.seed, faults=sc.faults, params=params, random_jams=True)
    _set_line_speed(model, sc.speed_bpm)
    n = round(sc.duration_s)
    tags = [f"{m}.{s}" for m in MACHINES for s in SIGNALS]
    out = np.empty((len(tags), n))
    codes = np.empty((len(MACHINES), n), dtype=np.int8)
    t = np.empty(n)
    changes = list(sc.speed_changes)
    for k in range(n):
        while changes and changes[0][0] <= model.t_sim:
            _set_line_speed(model, changes.pop(0)[1])
        model.step(1.0)
        v = model.values()
        out[:, k] = [v[name] for name in tags]
        for j, m in enumerate(MACHINES):
            codes[j, k] = int(model.fault_code(m))
        t[k] = model.t_sim
    ns = len(SIGNALS)
    signals = {m: out[j * ns : (j + 1) * ns] for j, m in enumerate(MACHINES)}
    fault_code = {m: codes[j] for j, m in enumerate(MACHINES)}
    run = RunData(sc, t, signals, fault_code)
    for m in MACHINES:
        fc = fault_code[m].astype(np.int64)
        prev = np.concatenate([[0], fc[:-1]])
        fails = [
            (float(t[i]), FAILURE_CODES[int(fc[i])])
            for i in np.flatnonzero((fc != prev) & np.isin(fc, list(FAILURE_CODES)))
        ]
        run.failures[m] = fails
        for f in sc.faults:
            doomed = f.machine == m and f.kind in (FaultKind.BEARING_WEAR, FaultKind.OVERHEAT)
            if doomed and not any(tf >= f.start_s for tf, _ in fails):
                run.censored_from[m] = min(run.censored_from.get(m, math.inf), f.start_s)
    return run


@dataclass
class WindowSet:
    """Labelled windows of many runs (one row per machine per evaluation time)."""

    x: np.ndarray  # (N, F) float32
    reason: np.ndarray  # (N,) int8
    rul: np.ndarray  # (N,) true remaining time to the next failure, s (inf = none in the run)
    censored: np.ndarray  # (N,) bool: a started fault had not failed by the end of the run
    run: np.ndarray  # (N,) int32 run index
    machine: np.ndarray  # (N,) <U8
    t: np.ndarray  # (N,) window end time, s
    vib_raw_5: np.ndarray
    vib_raw_slope_60: np.ndarray
    mode: np.ndarray  # (N,) failure mode of the next failure ("" if none)

    def labels(self, horizon_s: float) -> np.ndarray:
        return (self.rul <= horizon_s).astype(np.int64)

    def take(self, mask: np.ndarray) -> WindowSet:
        return WindowSet(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))

    @staticmethod
    def concat(sets: list[WindowSet]) -> WindowSet:
        return WindowSet(
            *(np.concatenate([getattr(s, f) for s in sets]) for f in WindowSet.__dataclass_fields__)
        )


def windows_of_run(run: RunData, run_index: int, stride_s: int) -> WindowSet:
    t = run.t
    n = t.shape[0]
    # Windows end from the first seconds on, padded with NaN before the start, exactly as the
    # online predictor sees a line that has just started (its history is NaN-filled).
    ends = np.arange(0, n, stride_s)
    pad = WINDOW_S - 1
    parts = []
    for m in MACHINES:
        sig = np.concatenate([np.full((len(SIGNALS), pad), np.nan), run.signals[m]], axis=1)
        view = np.lib.stride_tricks.sliding_window_view(sig, WINDOW_S, axis=1)  # (S, n, W)
        win = np.ascontiguousarray(view[:, ends, :].transpose(1, 0, 2))
        wf = window_features(win, NOMINAL_SPEED[m])
        te = t[ends]
        fails = run.failures.get(m, [])
        ftimes = np.array([f[0] for f in fails] + [np.inf])
        fmodes = np.array([f[1] for f in fails] + [""])
        nxt = np.searchsorted(ftimes, te, side="right")
        rul = ftimes[nxt] - te
        cens = np.zeros(te.shape, dtype=bool)
        if m in run.censored_from:
            cens = (te >= run.censored_from[m] - 1000.0) & ~np.isfinite(rul)
        parts.append(
            WindowSet(
                wf.x,
                wf.reason,
                rul,
                cens,
                np.full(te.shape, run_index, dtype=np.int32),
                np.full(te.shape, m, dtype="<U8"),
                te,
                wf.vib_raw_5,
                wf.vib_raw_slope_60,
                fmodes[nxt],
            )
        )
    return WindowSet.concat(parts)


def generate(
    split: str,
    n_runs: int,
    base_seed: int = 0,
    stride_s: int = 5,
    duration_s: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[WindowSet, list[RunData]]:
    runs: list[RunData] = []
    sets: list[WindowSet] = []
    for i in range(n_runs):
        run = run_scenario(make_scenario(split, i, base_seed, duration_s))
        runs.append(run)
        sets.append(windows_of_run(run, i, stride_s))
        if progress is not None:
            progress(1)
    return WindowSet.concat(sets), runs
