"""Scoring fault warnings and RUL on held-out runs: the model against two baselines.

Definitions (docs/fault_prediction.md has the reasoning):

- A *warning* is an episode of ``WarningLogic`` (raise .. clear) over a
  machine's evaluations (every ``stride`` seconds while it runs).
- A warning is *true* if the machine fails while it is active or within
  ``useful_s`` (10 min) of its raise; otherwise it is a *false alarm*.
- A failure is *detected* if a true warning was raised before it; its *lead
  time* is failure time minus the earliest such raise.
- precision = true warnings / warnings; recall = detected / failures;
  false alarms per machine-day = false warnings / monitored machine-days
  (every machine, the whole run, running or not).
- RUL RMSE: over evaluations within ``rul_max`` of a failure (true RUL <
  rul_max), predictions clipped to [0, rul_max].

Baselines, evaluated on the same windows with the same warning logic:

- *fixed vibration limit*: raw vibration (mean of the last 5 running s) at or
  above ISO 10816 zone C, 4.5 mm/s; clears below 4.05 mm/s. No RUL.
- *trend persistence*: the last 60 s vibration trend is assumed to persist;
  RUL = time for the raw vibration to reach zone D (7.1 mm/s) at that slope
  (0 if already there, rul_max if not rising); warns when RUL <= horizon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from connectors.sim.faults import FaultKind
from inference.fault.simdata import RunData, WindowSet
from inference.fault.warning import WarningLogic

ISO_ZONE_C = 4.5  # mm/s, ISO 10816 class II zone B/C boundary: "restricted operation"
ISO_ZONE_D = 7.1  # mm/s, zone C/D: "damage"


@dataclass(frozen=True)
class EvalSettings:
    horizon_s: float
    rul_max_s: float
    on: float
    off: float
    confirm: int = 2
    clear_hold_s: float = 30.0
    useful_s: float = 600.0
    machines_per_run: int = 4


def trend_rul(vib_raw_5: np.ndarray, slope_per_s: np.ndarray, rul_max: float) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(slope_per_s > 1e-6, (ISO_ZONE_D - vib_raw_5) / slope_per_s, rul_max)
    r = np.where(vib_raw_5 >= ISO_ZONE_D, 0.0, r)
    return np.clip(np.nan_to_num(r, nan=rul_max), 0.0, rul_max)


def warning_episodes(t: np.ndarray, score: np.ndarray, logic: WarningLogic) -> list[tuple[float, float]]:
    """(raise, clear) per episode; clear = inf when still active at the end."""
    logic.reset()
    out: list[tuple[float, float]] = []
    for ti, s in zip(t.tolist(), score.tolist(), strict=True):
        ev = logic.update(ti, s)
        if ev == "raised":
            out.append((ti, math.inf))
        elif ev == "cleared":
            out[-1] = (out[-1][0], ti)
    return out


def _regime(run: RunData, machine: str, mode: str, tf: float) -> str:
    """E.g. "bearing_failure, fast <100 s": the failure mode and how fast it developed (as scheduled)."""

    def started(kind: FaultKind) -> list[float]:
        return [
            f.duration_s
            for f in run.scenario.faults
            if f.machine == machine and f.kind is kind and f.start_s <= tf
        ]

    label = mode
    d = started(FaultKind.BEARING_WEAR if mode == "bearing_failure" else FaultKind.OVERHEAT)
    if not d and mode == "overheat":
        # A worn bearing heats up: in a hot hall at high speed it trips on temperature first.
        d = started(FaultKind.BEARING_WEAR)
        label = "overheat from bearing wear"
    if not d:
        return f"{label} (no scheduled fault)"
    speed = "fast <100 s" if d[-1] < 100 else ("slow >600 s" if d[-1] > 600 else "100-600 s")
    return f"{label}, {speed}"


def score_events(
    episodes: list[tuple[float, float]], failures: list[tuple[float, str]], useful_s: float
) -> tuple[int, int, list[tuple[str, float | None]]]:
    """(true warnings, false warnings, [(mode, lead or None)] per failure)."""
    true_w = 0
    false_w = 0
    first_raise: dict[int, float] = {}
    for tr, tc in episodes:
        hit = [k for k, (tf, _) in enumerate(failures) if tf >= tr and (tf <= tr + useful_s or tf <= tc)]
        if hit:
            true_w += 1
            k = hit[0]
            first_raise[k] = min(first_raise.get(k, math.inf), tr)
        else:
            false_w += 1
    per_failure: list[tuple[str, float | None]] = []
    for k, (tf, mode) in enumerate(failures):
        per_failure.append((mode, tf - first_raise[k] if k in first_raise else None))
    return true_w, false_w, per_failure


def _group_keys(ws: WindowSet) -> np.ndarray:
    _, inv = np.unique(np.char.add(ws.run.astype(str), ws.machine), return_inverse=True)
    return inv


def event_metrics(
    ws: WindowSet,
    runs: list[RunData],
    score: np.ndarray,
    on: float,
    off: float,
    s: EvalSettings,
) -> dict[str, Any]:
    valid = ws.reason == 0
    keys = _group_keys(ws)
    true_w = false_w = 0
    leads: list[float] = []
    per_mode: dict[str, list[int]] = {}
    regime_leads: dict[str, list[float | None]] = {}
    n_fail = 0
    for g in np.unique(keys):
        rows = np.flatnonzero((keys == g) & valid)
        sel = np.flatnonzero(keys == g)
        run = runs[int(ws.run[sel[0]])]
        machine = str(ws.machine[sel[0]])
        failures = run.failures.get(machine, [])
        if rows.size:
            order = rows[np.argsort(ws.t[rows], kind="stable")]
            eps = warning_episodes(
                ws.t[order], score[order], WarningLogic(on, off, s.confirm, s.clear_hold_s)
            )
        else:
            eps = []
        tw, fw, per = score_events(eps, failures, s.useful_s)
        true_w += tw
        false_w += fw
        for (tf, _), (mode, lead) in zip(failures, per, strict=True):
            n_fail += 1
            d = per_mode.setdefault(mode, [0, 0])
            d[1] += 1
            regime_leads.setdefault(_regime(run, machine, mode, tf), []).append(lead)
            if lead is not None:
                d[0] += 1
                leads.append(lead)
    machine_days = sum(r.t[-1] - r.t[0] + 1.0 for r in runs) * s.machines_per_run / 86400.0
    n_w = true_w + false_w
    leads_arr = np.array(leads)
    return {
        "warnings": n_w,
        "failures": n_fail,
        "precision": true_w / n_w if n_w else float("nan"),
        "recall": len(leads) / n_fail if n_fail else float("nan"),
        "recall_lead_60s": float((leads_arr >= 60).sum() / n_fail) if n_fail else float("nan"),
        "median_lead_s": float(np.median(leads_arr)) if leads else float("nan"),
        "false_alarms_per_machine_day": false_w / machine_days,
        "machine_days": machine_days,
        "recall_by_mode": {m: d[0] / d[1] for m, d in sorted(per_mode.items())},
        "by_regime": {
            k: {
                "failures": len(v),
                "recall": sum(x is not None for x in v) / len(v),
                "median_lead_s": float(np.median([x for x in v if x is not None]))
                if any(x is not None for x in v)
                else float("nan"),
            }
            for k, v in sorted(regime_leads.items())
        },
    }


def window_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    tp = float(((pred == 1) & (y == 1)).sum())
    fp = float(((pred == 1) & (y == 0)).sum())
    fn = float(((pred == 0) & (y == 1)).sum())
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * p * r / (p + r) if p + r and not math.isnan(p + r) else float("nan")
    return {"window_precision": p, "window_recall": r, "window_f1": f1}


def rul_rmse(true_rul: np.ndarray, pred: np.ndarray, rul_max: float) -> float:
    m = np.isfinite(true_rul) & (true_rul < rul_max)
    if not m.any():
        return float("nan")
    d = np.clip(pred[m], 0, rul_max) - true_rul[m]
    return float(np.sqrt(np.mean(d * d)))


def evaluate(
    ws: WindowSet, runs: list[RunData], risk: np.ndarray, rul_pred: np.ndarray, s: EvalSettings
) -> dict[str, dict[str, Any]]:
    """Metrics for the model and both baselines on one evaluation set (risk/rul_pred per row of ws)."""
    valid = (ws.reason == 0) & ~ws.censored
    ws_v = ws.take(valid)
    y = ws_v.labels(s.horizon_s)
    risk = risk[valid]
    rul_pred = rul_pred[valid]
    out: dict[str, dict[str, Any]] = {}

    m = event_metrics(ws_v, runs, risk, s.on, s.off, s)
    m.update(window_metrics(y, (risk >= s.on).astype(np.int64)))
    m["rul_rmse_s"] = rul_rmse(ws_v.rul, rul_pred, s.rul_max_s)
    out["model"] = m

    limit_score = np.nan_to_num(ws_v.vib_raw_5, nan=0.0) / ISO_ZONE_C
    m = event_metrics(ws_v, runs, limit_score, 1.0, 0.9, s)
    m.update(window_metrics(y, (limit_score >= 1.0).astype(np.int64)))
    m["rul_rmse_s"] = float("nan")
    out["fixed_vibration_limit"] = m

    trul = trend_rul(ws_v.vib_raw_5, ws_v.vib_raw_slope_60, s.rul_max_s)
    trend_score = s.horizon_s / np.maximum(trul, 1e-3)
    m = event_metrics(ws_v, runs, trend_score, 1.0, 0.8, s)
    m.update(window_metrics(y, (trend_score >= 1.0).astype(np.int64)))
    m["rul_rmse_s"] = rul_rmse(ws_v.rul, trul, s.rul_max_s)
    out["trend_persistence"] = m
    for v in out.values():
        v["windows"] = int(valid.sum())
        v["positive_windows"] = int(y.sum())
    return out


def format_regimes(results: dict[str, dict[str, dict[str, Any]]]) -> str:
    """Markdown table: recall and median lead per failure mode and wear speed, per method."""
    lines = [
        "| set | failure mode, development time | failures | "
        + " | ".join(f"{m} recall / median lead s" for m in next(iter(results.values())))
        + " |"
    ]
    lines.append("|" + "---|" * (3 + len(next(iter(results.values())))))
    for split, per in results.items():
        regimes = sorted({k for m in per.values() for k in m.get("by_regime", {})})
        for rg in regimes:
            cells = []
            n = 0
            for m in per.values():
                r = m["by_regime"].get(rg)
                if r is None:
                    cells.append("n/a")
                    continue
                n = r["failures"]
                lead = r["median_lead_s"]
                cells.append(f"{r['recall']:.2f} / {'-' if math.isnan(lead) else f'{lead:.0f}'}")
            lines.append(f"| {split} | {rg} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_table(results: dict[str, dict[str, dict[str, Any]]]) -> str:
    """Markdown table: one row per (evaluation set, method)."""
    head = (
        "| set | method | precision | recall | recall lead>=60s | median lead s | false alarms /machine-day "
        "| RUL RMSE s | window P | window R |"
    )
    lines = [head, "|" + "---|" * 10]

    def f(x: Any, nd: int = 2) -> str:
        return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{nd}f}"

    for split, per in results.items():
        for method, m in per.items():
            lines.append(
                f"| {split} | {method} | {f(m['precision'])} | {f(m['recall'])} | {f(m['recall_lead_60s'])} "
                f"| {f(m['median_lead_s'], 0)} | {f(m['false_alarms_per_machine_day'], 2)} "
                f"| {f(m['rul_rmse_s'], 0)} | {f(m['window_precision'])} | {f(m['window_recall'])} |"
            )
    return "\n".join(lines)
