"""Fault model inference: latency and throughput on ONNX Runtime (CPU) against scikit-learn's own predict.

    .venv/bin/python bench/inference_fault.py [--calls 2000] [--stream-s 600]

Measures, in one run (these machines are shared and noisy, so compare ratios):

1. the shipped model (resources/models/fault_predictor.onnx) through
   `LoadedModel.run` (the HMI's path: input checks included), one window and
   batches of 4 (the demo's four machines), 64 and 1024 windows;
2. the same-size model in scikit-learn and ONNX Runtime side by side: the
   shipped card's hyperparameters are fitted on a small simulated set (tree
   count and size set the cost, not the data), exported with our exporter,
   and both run on the same windows (the sklearn model predicts risk and RUL:
   two `predict` calls, as the ONNX graph computes both);
3. feature extraction (`window_features`) per window;
4. the whole online predictor on the demo line's sample stream (all demo tags
   at 10 Hz on change, predictions every 2 s): CPU seconds per second of
   stream = share of one core at time factor 1.

Targets (issue 5): <= 1 ms per window for the fault model; the demo's whole
inference load under half a core.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _lat(fn, calls: int) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    for _ in range(min(50, calls)):
        fn()
    ts = np.empty(calls)
    for i in range(calls):
        t = time.perf_counter()
        fn()
        ts[i] = time.perf_counter() - t
    return float(np.percentile(ts, 50) * 1e3), float(np.percentile(ts, 95) * 1e3), float(ts.sum())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calls", type=int, default=2000, help="timed calls per measurement")
    p.add_argument("--stream-s", type=float, default=600.0, help="seconds of demo stream for the CPU share")
    args = p.parse_args(argv)

    import sklearn.ensemble
    from threadpoolctl import threadpool_limits

    from inference.fault.features import WINDOW_S, window_features
    from inference.fault.predictor import DEFAULT_CARD, FaultPredictor
    from inference.onnx_model import load_model

    print(
        f"machine: {os.cpu_count()} cores, python {platform.python_version()}, "
        f"onnxruntime 1 intra-op thread, scikit-learn {sklearn.__version__} 1 thread; {args.calls} calls each"
    )
    model = load_model(DEFAULT_CARD, prefer="cpu", threads=1)
    print(f"shipped model: {model.label}, {model.path.stat().st_size / 1024:.0f} KiB")
    ref = np.asarray(model.card.extra["healthy_reference"]["*"], dtype=np.float32)
    rng = np.random.default_rng(0)

    def batch(n: int) -> np.ndarray:
        return (ref[None, :] * rng.uniform(0.8, 1.6, size=(n, ref.size))).astype(np.float32)

    rows: list[tuple[str, int, float, float, float]] = []  # (what, batch, p50 ms, p95 ms, windows/s)
    for n in (1, 4, 64, 1024):
        x = batch(n)
        calls = max(50, args.calls // max(1, n // 16))
        p50, p95, total = _lat(lambda x=x: model.run({"features": x}), calls)
        rows.append(("ORT shipped model (LoadedModel.run)", n, p50, p95, n * calls / total))

    # The same calls on the GPU where onnxruntime-gpu sees one (the `gpu` install profile).
    from inference.onnx_model import CUDA, available_providers

    if CUDA in available_providers():
        gpu = load_model(DEFAULT_CARD, prefer="cuda")
        print(f"GPU model: {gpu.label}")
        for n in (1, 4, 64, 1024) if gpu.provider == CUDA else ():
            x = batch(n)
            calls = max(50, args.calls // max(1, n // 16))
            p50, p95, total = _lat(lambda x=x: gpu.run({"features": x}), calls)
            rows.append(("ORT shipped model on CUDA", n, p50, p95, n * calls / total))
    else:
        print(f"no CUDA execution provider ({', '.join(available_providers())}): CPU figures only")

    # Same-size sklearn model vs its ONNX export.
    from inference.fault.export import export_fault_model
    from inference.fault.simdata import generate
    from inference.fault.train import QUICK, TrainSettings, _fit

    full = TrainSettings()
    settings = QUICK.__class__(
        **{**QUICK.__dict__, "max_iter": full.max_iter, "max_leaf_nodes": full.max_leaf_nodes}
    )
    ws, _ = generate("train", 10, settings.seed, 5, 1500.0)
    with threadpool_limits(1):
        clf, reg = _fit(settings, ws)
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        sess = ort.InferenceSession(
            export_fault_model(clf, reg, ref.size, settings.rul_max_s, settings.rul_log_offset),
            sess_options=opts,
            providers=["CPUExecutionProvider"],
        )
        for n in (1, 4, 64, 1024):
            x = batch(n)
            calls = max(30, args.calls // max(1, n // 4))
            p50, p95, total = _lat(lambda x=x: (clf.predict_proba(x), reg.predict(x)), calls)
            rows.append(("scikit-learn predict_proba + predict", n, p50, p95, n * calls / total))
            s50, s95, stotal = _lat(lambda x=x: sess.run(None, {"features": x}), calls)
            rows.append(("ORT same model (session.run)", n, s50, s95, n * calls / stotal))

    # Features.
    w = rng.normal(1.0, 0.05, size=(1024, 5, WINDOW_S))
    w[:, 0] = 2.0
    w[:, 1] *= 400.0
    for n in (1, 4, 64):
        xw = w[:n]
        calls = max(50, args.calls // max(1, n // 4))
        p50, p95, total = _lat(lambda xw=xw: window_features(xw, 400.0), calls)
        rows.append(("features (window_features)", n, p50, p95, n * calls / total))

    print()
    print("| what | batch | p50 ms | p95 ms | per window µs (p50) | windows/s |")
    print("|---|---|---|---|---|---|")
    for what, n, p50, p95, thr in rows:
        print(f"| {what} | {n} | {p50:.3f} | {p95:.3f} | {1000 * p50 / n:.1f} | {thr:,.0f} |")
    sk = {n: p50 for what, n, p50, _, _ in rows if what.startswith("scikit")}
    ox = {n: p50 for what, n, p50, _, _ in rows if what.startswith("ORT same")}
    print()
    print(
        "speed-up ORT vs scikit-learn (p50): "
        + ", ".join(f"batch {n}: {sk[n] / ox[n]:.0f}x" for n in sorted(sk) if n in ox)
    )

    # Whole online predictor on the demo stream.
    from connectors.sim.faults import load_schedule
    from hmi.core.config import DEMO_CONFIG, load_config
    from inference.fault.replay import sim_batches

    config = load_config(DEMO_CONFIG)
    batches = [b for b, _ in sim_batches(config, seed=1, faults=load_schedule(), duration_s=args.stream_s)]
    n_samples = sum(len(b) for b in batches)
    pred = FaultPredictor(config, model=model)
    t_cpu = time.process_time()
    t_wall = time.perf_counter()
    for b in batches:
        pred.process(b)
    cpu = time.process_time() - t_cpu
    wall = time.perf_counter() - t_wall
    print()
    print(
        f"online predictor on the demo stream: {args.stream_s:.0f} s of stream, {len(batches)} batches, "
        f"{n_samples:,} samples ({n_samples / args.stream_s:,.0f}/s), {pred.predictions} predictions x "
        f"{len(pred.machines)} machines"
    )
    print(
        f"  CPU {cpu:.3f} s (wall {wall:.3f} s) = {100 * cpu / args.stream_s:.2f} % of one core at time factor 1"
        f"; {1000 * cpu / max(1, pred.predictions):.2f} ms CPU per prediction round incl. ingest"
    )
    one = next(r for r in rows if r[0].startswith("ORT shipped") and r[1] == 1)
    feat1 = next(r for r in rows if r[0].startswith("features") and r[1] == 1)
    print()
    print(
        f"target <= 1 ms per window: {'met' if one[2] + feat1[2] <= 1.0 else 'NOT met'} (single window, "
        f"p50 model {one[2]:.3f} ms + features {feat1[2]:.3f} ms; p95 {one[3]:.3f} + {feat1[3]:.3f} ms); "
        "demo load under half a core: "
        f"{'met' if cpu / args.stream_s < 0.5 else 'NOT met'} (fault predictor alone)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
