"""Train, evaluate and export the fault predictor: `linehmi models train-fault`.

Pipeline (all seeded; the same seed gives the same ONNX file, byte for byte):

1. simulate run-to-failure histories (``simdata``): train / val splits under
   the training conditions, ``test_seen`` (held-out seeds) and
   ``test_unseen`` (held-out seeds *and* unseen conditions);
2. fit two scikit-learn HistGradientBoosting models on the training windows:
   a classifier for P(failure within ``horizon_s``) and a regressor for the
   remaining useful life, capped at ``rul_max_s``;
3. choose the warning threshold on ``val`` (event-level F1 where a detection
   needs >= 60 s of lead; ties go to the higher, quieter threshold);
4. evaluate the model and both baselines on the test splits (``evaluate``);
5. regenerate AI4I 2020 and report the same model family's F1 (``ai4i``);
6. export to ONNX (``export``), write the model card with all the metrics.

scikit-learn is imported lazily: this module is importable without the
``train`` extra (the HMI never calls it).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from connectors.sim.faults import MACHINES
from inference.fault.evaluate import EvalSettings, evaluate, event_metrics, format_regimes, format_table
from inference.fault.features import (
    FEATURE_NAMES,
    N_FEATURES,
    SIGNAL_GROUPS,
    SIGNALS,
    TRIP_TEMP_C,
    WINDOW_S,
)
from inference.fault.simdata import CONDITIONS, NOMINAL_SPEED, RunData, WindowSet, generate
from inference.model_card import ModelCard, TensorSpec, card_path_for, sha256_of

MODEL_NAME = "fault_predictor"
MODEL_VERSION = "1.0.0"
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "resources" / "models"


@dataclass(frozen=True)
class TrainSettings:
    seed: int = 0
    n_train: int = 120
    n_val: int = 30
    n_test_seen: int = 25
    n_test_unseen: int = 30
    n_soak: int = 5
    duration_s: float | None = None  # None: each condition set's own run length
    stride_train_s: int = 5
    stride_eval_s: int = 2
    horizon_s: float = 120.0
    rul_max_s: float = 600.0
    rul_log_offset: float = 10.0  # the regressor learns ln(RUL + offset)
    max_iter: int = 150
    max_leaf_nodes: int = 15
    learning_rate: float = 0.1
    l2_regularization: float = 1.0
    thresholds: tuple[float, ...] = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
    off_ratio: float = 0.6  # clear level = off_ratio * raise level
    confirm: int = 2
    clear_hold_s: float = 30.0
    predict_every_s: float = 2.0
    ai4i: bool = True
    quick: bool = False


QUICK = TrainSettings(
    n_train=8,
    n_val=3,
    n_test_seen=3,
    n_test_unseen=3,
    n_soak=0,
    duration_s=1500.0,
    max_iter=30,
    thresholds=(0.3, 0.5, 0.7),
    ai4i=False,
    quick=True,
)


@dataclass
class TrainResult:
    onnx_path: Path
    card_path: Path
    card: ModelCard
    metrics: dict[str, Any]
    table: str
    seconds: float
    models: tuple[Any, Any] = field(default=(None, None), repr=False)  # fitted (classifier, regressor)


def _bar(total: int, desc: str, enabled: bool, unit: str = "run") -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled, leave=True)


def _fit(settings: TrainSettings, ws: WindowSet, step: Any = None) -> tuple[Any, Any]:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    m = (ws.reason == 0) & ~ws.censored
    x = ws.x[m]
    y = ws.labels(settings.horizon_s)[m]
    r = np.minimum(ws.rul[m], settings.rul_max_s)
    if y.min() == y.max():
        raise RuntimeError(
            "the training windows hold only one class; generate more runs (is the run length "
            "long enough for the scheduled faults to fail?)"
        )
    common = dict(
        max_iter=settings.max_iter,
        max_leaf_nodes=settings.max_leaf_nodes,
        learning_rate=settings.learning_rate,
        l2_regularization=settings.l2_regularization,
        random_state=settings.seed,
        early_stopping=False,
    )
    clf = HistGradientBoostingClassifier(**common).fit(x, y)  # type: ignore[arg-type]
    if step is not None:
        step(1)
    reg = HistGradientBoostingRegressor(**common).fit(x, np.log(r + settings.rul_log_offset))  # type: ignore[arg-type]
    if step is not None:
        step(1)
    return clf, reg


def _choose_threshold(
    settings: TrainSettings, ws: WindowSet, runs: list[RunData], risk: np.ndarray
) -> tuple[float, dict[str, Any]]:
    valid = (ws.reason == 0) & ~ws.censored
    wv = ws.take(valid)
    rv = risk[valid]
    table = {}
    best: tuple[float, float] = (-1.0, 0.0)
    for th in settings.thresholds:
        s = _eval_settings(settings, th)
        m = event_metrics(wv, runs, rv, s.on, s.off, s)
        p, r60 = m["precision"], m["recall_lead_60s"]
        f1 = 2 * p * r60 / (p + r60) if (p + r60) > 0 and not math.isnan(p + r60) else 0.0
        table[f"{th:.2f}"] = {"precision": p, "recall_lead_60s": r60, "f1_lead_60s": f1}
        if f1 >= best[0]:
            best = (f1, th)
    return best[1], table


def _eval_settings(settings: TrainSettings, on: float) -> EvalSettings:
    return EvalSettings(
        settings.horizon_s,
        settings.rul_max_s,
        on,
        on * settings.off_ratio,
        settings.confirm,
        settings.clear_hold_s,
    )


def _healthy_reference(ws: WindowSet, rul_max: float) -> dict[str, list[float]]:
    """Median features of healthy running windows, per machine and overall ("*")."""
    m = (ws.reason == 0) & ~ws.censored & (ws.rul > rul_max)
    out = {"*": np.median(ws.x[m], axis=0).round(4).tolist()}
    for name in MACHINES:
        mm = m & (ws.machine == name)
        if mm.sum() >= 50:
            out[name] = np.median(ws.x[mm], axis=0).round(4).tolist()
    return out


def _clean(obj: Any) -> Any:
    """JSON-safe: NaN -> None, numpy scalars -> Python, 4 significant decimals."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else round(f, 4)
    return obj


def train_fault(
    settings: TrainSettings = TrainSettings(),
    out_dir: Path | str = DEFAULT_OUT,
    *,
    progress: bool = True,
    log: Any = print,
) -> TrainResult:
    # Import scikit-learn before limiting threads: threadpoolctl only limits libraries
    # already loaded. One thread: these PCs are shared, and one thread is deterministic.
    import sklearn.ensemble
    from threadpoolctl import threadpool_limits

    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    d = settings.duration_s
    splits = (
        ("train", settings.n_train, settings.stride_train_s),
        ("val", settings.n_val, settings.stride_eval_s),
        ("test_seen", settings.n_test_seen, settings.stride_eval_s),
        ("test_unseen", settings.n_test_unseen, settings.stride_eval_s),
        ("soak", settings.n_soak, settings.stride_eval_s),
    )
    data: dict[str, tuple[WindowSet, list[RunData]]] = {}
    total = sum(n for _, n, _ in splits)
    with _bar(total, "simulating run-to-failure histories", progress) as bar:
        for split, n, stride in splits:
            if n == 0:
                continue
            bar.set_postfix_str(split)
            # The soak runs keep their own (long) length even in a shortened training.
            dur = None if split == "soak" else d
            data[split] = generate(split, n, settings.seed, stride, dur, progress=bar.update)
    with threadpool_limits(limits=1):
        with _bar(2, "fitting classifier + RUL regressor", progress, "model") as bar:
            clf, reg = _fit(settings, data["train"][0], bar.update)
        ws_val, runs_val = data["val"]
        threshold, sweep = _choose_threshold(settings, ws_val, runs_val, clf.predict_proba(ws_val.x)[:, 1])
        es = _eval_settings(settings, threshold)
        results: dict[str, dict[str, dict[str, Any]]] = {}
        for split in ("test_seen", "test_unseen", "soak"):
            if split not in data:
                continue
            ws, runs = data[split]
            rul_pred = np.exp(reg.predict(ws.x)) - settings.rul_log_offset
            results[split] = evaluate(ws, runs, clf.predict_proba(ws.x)[:, 1], rul_pred, es)
        ai4i_metrics: dict[str, Any] = {}
        if settings.ai4i:
            from inference.fault.ai4i import evaluate_f1

            with _bar(1, "AI4I 2020: regenerate + 5-fold F1", progress, "set") as bar:
                ai4i_metrics = evaluate_f1(settings.seed, max_iter=settings.max_iter)
                bar.update(1)

    from inference.fault.export import export_fault_model

    onnx_bytes = export_fault_model(clf, reg, N_FEATURES, settings.rul_max_s, settings.rul_log_offset)
    onnx_path = out_dir / f"{MODEL_NAME}.onnx"
    onnx_path.write_bytes(onnx_bytes)
    ws_train = data["train"][0]
    n_train_windows = int(((ws_train.reason == 0) & ~ws_train.censored).sum())
    metrics = {
        "threshold": threshold,
        "threshold_sweep_val": sweep,
        **{split: res for split, res in results.items()},
        "ai4i_2020": ai4i_metrics,
    }
    cond = {
        k: {"duration_s": settings.duration_s or CONDITIONS[k].duration_s}
        for k in ("train", "val", "test_seen", "test_unseen", "soak")
    }
    import sklearn

    card = ModelCard(
        name=MODEL_NAME,
        version=MODEL_VERSION + ("-quick" if settings.quick else ""),
        file=onnx_path.name,
        sha256=sha256_of(onnx_path),
        task="fault-prediction",
        inputs=[
            TensorSpec(
                "features",
                ["batch", N_FEATURES],
                "float32",
                description="engineered features of one machine's last window (running samples only)",
                normalisation={
                    "computed_by": "inference.fault.features.window_features",
                    "feature_names": list(FEATURE_NAMES),
                    "window_s": WINDOW_S,
                    "grid_s": 1.0,
                    "signals": list(SIGNALS),
                    "time": "process seconds (source timestamps x time_scale)",
                },
            )
        ],
        outputs=[
            TensorSpec("risk", ["batch", 1], "float32", f"P(failure within {settings.horizon_s:g} s)"),
            TensorSpec(
                "rul_s",
                ["batch", 1],
                "float32",
                f"remaining useful life, s, capped at {settings.rul_max_s:g}",
            ),
        ],
        training_data=(
            f"LineHMI simulator run-to-failure histories: {settings.n_train} training runs "
            f"({n_train_windows} windows), seeds from {settings.seed}; speed 300-450 bpm, hall 20-28 °C, "
            "bearing wear over 90-600 s and bearing overheat over 200-600 s of running; random jams, "
            "motor trips, sensor dropouts and operator speed changes/stops as nuisances. "
            "Threshold chosen on {n} validation runs; metrics on held-out seeds (test_seen) and held-out "
            "seeds under unseen conditions (test_unseen: 500 bpm, 33 °C, wear over 60-85 s or 700-1000 s; "
            "soak: the same conditions, 4 h runs without failures, for the false-alarm rate)."
        ).replace("{n}", str(settings.n_val)),
        metrics=_clean(metrics),
        framework=f"scikit-learn {sklearn.__version__} HistGradientBoosting -> ONNX (inference.fault.export)",
        created=_dt.date.today().isoformat(),
        extra=_clean(
            {
                "horizon_s": settings.horizon_s,
                "rul_max_s": settings.rul_max_s,
                "threshold_on": threshold,
                "threshold_off": round(threshold * settings.off_ratio, 4),
                "confirm": settings.confirm,
                "clear_hold_s": settings.clear_hold_s,
                "predict_every_s": settings.predict_every_s,
                "nominal_speed": NOMINAL_SPEED,
                "trip_temp_c": dict.fromkeys(MACHINES, TRIP_TEMP_C),
                "signal_groups": {k: list(v) for k, v in SIGNAL_GROUPS.items()},
                "healthy_reference": _healthy_reference(ws_train, settings.rul_max_s),
                "failure_modes": ["bearing_failure", "overheat (bearing)"],
                "predicts": "bearing failure",
                "train_settings": asdict(settings),
                "conditions": cond,
                "reproduce": "linehmi models train-fault"
                + (" --quick" if settings.quick else "")
                + f" --seed {settings.seed}",
            }
        ),
    )
    card_path = card_path_for(onnx_path)
    card.save(card_path)
    table = format_table(results)
    if any(m.get("by_regime") for per in results.values() for m in per.values()):
        table += "\n\n" + format_regimes({k: v for k, v in results.items() if k != "soak"})
    secs = time.perf_counter() - t0
    return TrainResult(onnx_path, card_path, card, metrics, table, secs, (clf, reg))


def summary(result: TrainResult) -> str:
    m = result.metrics
    lines = [
        f"model: {result.onnx_path} ({result.onnx_path.stat().st_size / 1024:.0f} KiB), "
        f"card: {result.card_path}",
        f"sha256: {result.card.sha256}",
        f"threshold (chosen on validation): raise at {m['threshold']:.2f}, "
        f"clear below {result.card.extra['threshold_off']:.2f}",
        "",
        result.table,
    ]
    ai = m.get("ai4i_2020") or {}
    if ai:
        lines += [
            "",
            f"AI4I 2020 (regenerated, {ai['rows']} rows, {ai['failures']} failures = "
            f"{100 * ai['failure_rate']:.2f} %; per mode {json.dumps(ai['counts'])}):",
            f"  HistGradientBoosting, 5-fold: F1 {ai['f1_raw']:.3f} on the raw columns, "
            f"{ai['f1_engineered']:.3f} with power / temperature difference / strain",
        ]
    lines.append(f"\ndone in {result.seconds:.0f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`linehmi models train-fault [--quick] [--out DIR] [--seed N]`."""
    import argparse

    p = argparse.ArgumentParser(
        prog="linehmi models train-fault",
        description="Train the fault predictor on simulated run-to-failure histories, evaluate it "
        "against two baselines, export it to ONNX with its model card.",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="a tiny run for smoke tests (seconds; poor model). Writes to build/models-quick unless --out",
    )
    p.add_argument("--out", type=Path, default=None, help=f"output folder (default {DEFAULT_OUT})")
    p.add_argument("--seed", type=int, default=0, help="base seed for the simulated runs and the trees")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    settings = replace(QUICK if args.quick else TrainSettings(), seed=args.seed)
    out = args.out or (Path("build/models-quick") if args.quick else DEFAULT_OUT)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("train-fault needs the training extra: pip install 'linehmi[train]'")
        return 2
    result = train_fault(settings, out, progress=not args.no_progress)
    print(summary(result))
    return 0
