"""Rolling-window features for fault prediction, shared by training and the online predictor.

A window is the last ``WINDOW_S`` seconds of one machine's signals on a 1 s
grid in *process time* (see docs/fault_prediction.md, "Time"): state, speed,
motor current, bearing temperature and vibration RMS, oldest sample first.
The same code turns a batch of windows into features for the training set and
for the HMI, so the model never sees features computed two different ways.

Design choices (measured on the simulator, explained in the docs):

- Only *running* samples count (state Running and speed >= half nominal): a
  stopped or idle machine says nothing about its bearing, and start-up
  transients look like wear.
- Vibration and current are divided by the speed fraction (speed / nominal),
  which makes their healthy levels nearly independent of the line speed, so a
  model trained at 300-450 bpm still reads a machine running at 500 bpm.
- Trends (slopes per minute) and rises over the window's own floor carry the
  *rate* of degradation, which is what separates "wearing fast, fails in two
  minutes" from "slightly rough, fine for hours".
- Temperature enters as its slopes and as the *time to reach the thermal
  trip* at the current rise (capped at an hour), not as an absolute level:
  there is no ambient tag, and a first model that used the absolute level
  raised false alarms on healthy machines in a hotter hall (33 °C, unseen in
  training), because high temperatures only ever meant "overheating" there.

Everything is vectorised over a batch of windows (B, W): the HMI evaluates all
machines in one call, training evaluates thousands.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WINDOW_S = 120  # seconds of history per prediction, 1 s grid
SIGNALS = ("state", "speed", "motor_current", "bearing_temp", "vibration")
S_STATE, S_SPEED, S_CURRENT, S_TEMP, S_VIB = range(len(SIGNALS))
RUNNING = 2  # MachineState.RUNNING in the simulator and the demo line's state enum
MIN_SPEED_FRACTION = 0.5
TRIP_TEMP_C = 95.0  # the simulator's bearing over-temperature protection; per machine in the card
TIME_TO_TRIP_CAP_S = 3600.0

FEATURE_NAMES = (
    "speed_frac",  # 0  mean speed / nominal, last 10 s
    "vib_10",  # 1  vibration per speed fraction (mm/s), mean of the last 10 s
    "vib_60",  # 2
    "vib_120",  # 3
    "vib_floor",  # 4  lowest 10-s block mean in the window
    "vib_rise",  # 5  vib_10 / vib_floor
    "vib_slope_60",  # 6  mm/s per minute over the last 60 s
    "vib_slope_120",  # 7
    "vib_logslope_120",  # 8  d ln(vib)/dt per minute: the exponential growth rate of wear
    "vib_noise_30",  # 9  std/mean of the last 30 s
    "cur_10",  # 10 motor current per speed fraction (A)
    "cur_floor",  # 11
    "cur_rise",  # 12
    "cur_slope_60",  # 13 A per minute
    "cur_slope_120",  # 14
    "temp_time_to_trip",  # 15 s until the bearing temperature reaches the trip at its current rise (capped)
    "temp_slope_60",  # 16 K per minute
    "temp_slope_120",  # 17
    "temp_delta_120",  # 18 last 10 s minus first 10 s of the window (K)
    "run_frac_120",  # 19 fraction of the window the machine was running
)
N_FEATURES = len(FEATURE_NAMES)

# Which features each measured signal drives: used for "top contributing signals".
SIGNAL_GROUPS: dict[str, tuple[int, ...]] = {
    "vibration": (1, 2, 3, 4, 5, 6, 7, 8, 9),
    "motor_current": (10, 11, 12, 13, 14),
    "bearing_temp": (15, 16, 17, 18),
    "speed": (0, 19),
}

# Why a window gives no prediction (the HMI shows the text).
OK = 0
NOT_RUNNING = 1
BAD_SPEED = 2
BAD_CURRENT = 3
BAD_TEMP = 4
BAD_VIB = 5
TOO_LITTLE_DATA = 6
WAITING = 7  # set by the predictor: a signal has not had REASON_WINDOW_S of real samples yet
REASON_WINDOW_S = 10  # the reasons are checked on the window's last 10 s
REASONS = {
    OK: "ok",
    NOT_RUNNING: "machine not running",
    BAD_SPEED: "speed reads bad/NaN",
    BAD_CURRENT: "motor_current reads bad/NaN",
    BAD_TEMP: "bearing_temp reads bad/NaN",
    BAD_VIB: "vibration reads bad/NaN",
    TOO_LITTLE_DATA: "too little running data in the window",
    WAITING: "waiting for the first values",
}
# Which signal each sensor reason is about.
REASON_SIGNAL = {BAD_SPEED: S_SPEED, BAD_CURRENT: S_CURRENT, BAD_TEMP: S_TEMP, BAD_VIB: S_VIB}
SENSOR_REASONS = frozenset({BAD_SPEED, BAD_CURRENT, BAD_TEMP, BAD_VIB})


@dataclass(frozen=True)
class WindowFeatures:
    x: np.ndarray  # (B, N_FEATURES) float32; rows with reason != OK hold zeros
    reason: np.ndarray  # (B,) int8, OK or why there is no prediction
    vib_raw_5: np.ndarray  # (B,) raw vibration (mm/s), mean of the last 5 running seconds (baselines)
    vib_raw_slope_60: np.ndarray  # (B,) raw vibration slope, mm/s per second, last 60 s (baselines)

    @property
    def valid(self) -> np.ndarray:
        return self.reason == OK


def _mmean(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    n = m.sum(axis=1)
    s = np.where(m, x, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, s / np.maximum(n, 1), np.nan)


def _mslope(y: np.ndarray, m: np.ndarray, min_n: int = 10) -> np.ndarray:
    """Least-squares slope of y against the sample index (1 s apart), masked; 0 where too few points."""
    t = np.arange(y.shape[1], dtype=np.float64)[None, :]
    w = m.astype(np.float64)
    n = w.sum(axis=1)
    nn = np.maximum(n, 1.0)
    tm = (w * t).sum(axis=1) / nn
    yz = np.where(m, y, 0.0)
    ym = yz.sum(axis=1) / nn
    dt = (t - tm[:, None]) * w
    sxx = (dt * dt).sum(axis=1)
    sxy = (dt * (yz - ym[:, None])).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where((n >= min_n) & (sxx > 0), sxy / np.where(sxx > 0, sxx, 1.0), 0.0)
    return slope


def _block_floor(x: np.ndarray, m: np.ndarray, block: int = 10, min_n: int = 5) -> np.ndarray:
    b, w = x.shape
    k = w // block
    xs = np.where(m, x, 0.0)[:, w - k * block :].reshape(b, k, block)
    ms = m[:, w - k * block :].reshape(b, k, block)
    n = ms.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(n >= min_n, xs.sum(axis=2) / np.maximum(n, 1), np.inf)
    return means.min(axis=1)


def window_features(
    windows: np.ndarray, nominal_speed: np.ndarray | float, trip_temp: np.ndarray | float = TRIP_TEMP_C
) -> WindowFeatures:
    """Features for a batch of windows.

    ``windows``: (B, len(SIGNALS), W) float64 with W >= WINDOW_S, oldest sample first, NaN for
    missing or bad values; only the last WINDOW_S samples are used.
    ``nominal_speed``: scalar or (B,) nominal speed of each window's machine.
    ``trip_temp``: scalar or (B,) bearing temperature at which the machine's protection trips (°C).
    """
    w = np.asarray(windows, dtype=np.float64)
    if w.ndim != 3 or w.shape[1] != len(SIGNALS) or w.shape[2] < WINDOW_S:
        raise ValueError(f"windows must have shape (B, {len(SIGNALS)}, >= {WINDOW_S}), got {w.shape}")
    w = w[:, :, -WINDOW_S:]
    b = w.shape[0]
    nominal = np.broadcast_to(np.asarray(nominal_speed, dtype=np.float64), (b,))
    trip = np.broadcast_to(np.asarray(trip_temp, dtype=np.float64), (b,))
    state, speed, cur, temp, vib = (w[:, i, :] for i in range(len(SIGNALS)))
    with np.errstate(invalid="ignore", divide="ignore"):
        s = speed / nominal[:, None]
    fin_speed, fin_cur, fin_temp, fin_vib = (np.isfinite(a) for a in (speed, cur, temp, vib))
    in_state = state == RUNNING
    run = in_state & fin_speed & fin_cur & fin_vib & (np.where(fin_speed, s, 0.0) >= MIN_SPEED_FRACTION)

    # Why not: the first applicable reason, checked on the last 10 s.
    reason = np.zeros(b, dtype=np.int8)
    last = slice(WINDOW_S - REASON_WINDOW_S, WINDOW_S)
    n_run10 = run[:, last].sum(axis=1)
    n_run60 = run[:, WINDOW_S - 60 :].sum(axis=1)
    running_now = in_state[:, -1]
    checks = (
        (~running_now, NOT_RUNNING),
        ((~fin_speed[:, last]).sum(axis=1) > 5, BAD_SPEED),
        ((~fin_vib[:, last]).sum(axis=1) > 5, BAD_VIB),
        ((~fin_cur[:, last]).sum(axis=1) > 5, BAD_CURRENT),
        (fin_temp[:, last].sum(axis=1) < 3, BAD_TEMP),
        ((n_run10 < 5) | (n_run60 < 20), TOO_LITTLE_DATA),
    )
    for cond, code in checks:
        reason = np.where((reason == OK) & cond, code, reason).astype(np.int8)

    with np.errstate(invalid="ignore", divide="ignore"):
        sz = np.where(run, s, 1.0)
        v = np.where(run, vib / sz, 0.0)
        c = np.where(run, cur / sz, 0.0)
        logv = np.log(np.maximum(v, 1e-3))
    m10 = np.zeros_like(run)
    m10[:, last] = run[:, last]
    m30 = np.zeros_like(run)
    m30[:, WINDOW_S - 30 :] = run[:, WINDOW_S - 30 :]
    m60 = np.zeros_like(run)
    m60[:, WINDOW_S - 60 :] = run[:, WINDOW_S - 60 :]
    t10 = np.zeros_like(run)
    t10[:, last] = fin_temp[:, last]
    tfirst = np.zeros_like(run)
    tfirst[:, :10] = fin_temp[:, :10]
    tempz = np.where(fin_temp, temp, 0.0)

    f = np.zeros((b, N_FEATURES), dtype=np.float64)
    f[:, 0] = _mmean(sz, m10)
    f[:, 1] = _mmean(v, m10)
    f[:, 2] = _mmean(v, m60)
    f[:, 3] = _mmean(v, run)
    floor_v = _block_floor(v, run)
    f[:, 4] = np.where(np.isfinite(floor_v), floor_v, f[:, 3])
    f[:, 6] = _mslope(v, m60) * 60.0
    f[:, 7] = _mslope(v, run) * 60.0
    f[:, 8] = _mslope(logv, run) * 60.0
    mean30 = _mmean(v, m30)
    var30 = _mmean((v - np.nan_to_num(mean30)[:, None]) ** 2, m30)
    f[:, 10] = _mmean(c, m10)
    floor_c = _block_floor(c, run)
    f[:, 11] = np.where(np.isfinite(floor_c), floor_c, _mmean(c, run))
    f[:, 13] = _mslope(c, m60) * 60.0
    f[:, 14] = _mslope(c, run) * 60.0
    temp_now = _mmean(tempz, t10)
    f[:, 16] = _mslope(tempz, fin_temp & (np.arange(WINDOW_S) >= WINDOW_S - 60)[None, :]) * 60.0
    f[:, 17] = _mslope(tempz, fin_temp) * 60.0
    rise = np.maximum(f[:, 16], f[:, 17]) / 60.0  # K/s
    with np.errstate(invalid="ignore", divide="ignore"):
        ttt = np.where(rise > 1e-3, (trip - temp_now) / np.maximum(rise, 1e-3), TIME_TO_TRIP_CAP_S)
    f[:, 15] = np.clip(ttt, 0.0, TIME_TO_TRIP_CAP_S)
    f[:, 15] = np.where(np.isfinite(temp_now), f[:, 15], np.nan)
    f[:, 18] = temp_now - _mmean(tempz, tfirst)
    f[:, 19] = run.sum(axis=1) / WINDOW_S
    with np.errstate(invalid="ignore", divide="ignore"):
        f[:, 5] = f[:, 1] / f[:, 4]
        f[:, 9] = np.sqrt(var30) / mean30
        f[:, 12] = f[:, 10] / f[:, 11]
    # temp_delta needs the first 10 s too; without them there is no delta to speak of.
    f[:, 18] = np.where(np.isfinite(f[:, 18]), f[:, 18], 0.0)

    bad = ~np.isfinite(f).all(axis=1)
    reason = np.where((reason == OK) & bad, TOO_LITTLE_DATA, reason).astype(np.int8)
    f[reason != OK] = 0.0

    m5 = np.zeros_like(run)
    m5[:, WINDOW_S - 5 :] = run[:, WINDOW_S - 5 :]
    vib_raw_5 = _mmean(np.where(fin_vib, vib, 0.0), m5)
    vib_raw_slope = _mslope(np.where(fin_vib, vib, 0.0), m60)
    return WindowFeatures(f.astype(np.float32), reason, vib_raw_5, vib_raw_slope)


def reason_text(code: int) -> str:
    return REASONS.get(int(code), f"unknown reason {code}")
