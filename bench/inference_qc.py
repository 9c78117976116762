"""QC model latency and throughput on CPU: ONNX Runtime (what the HMI runs) vs torch (the training framework).

    .venv/bin/python bench/inference_qc.py [--runs 300] [--threads 1 2] [--batches 1 8 32]

Both run the same network with the same weights (build/qc/qc_classifier.pt,
written by `linehmi models train-qc`; random weights with a note if absent:
latency does not depend on the weights' values) and compute the same two
outputs (probabilities and the CAM heatmap), in the same process, alternating
per measurement so machine noise hits both. Per image: p50/p95 of single-image
calls, and throughput of batched calls. "end to end" is what the inspector
does per camera frame: PNG decode + checks + resize + normalise + model +
heatmap box (QcInspector.inspect, no journal).

Target (issue 5): <= 20 ms per image on the 2-core CPU at the chosen input (3 x 192 x 192, the
camera's own resolution).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors.sim.camera import CameraGenerator  # noqa: E402
from inference.onnx_model import load_model  # noqa: E402
from inference.qc.images import decode, resize, to_tensor  # noqa: E402
from inference.qc.inspector import DEFAULT_CARD, QcFrame, QcInspector  # noqa: E402

TARGET_MS = 20.0


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs), q))


def time_calls(fn, n: int, warm: int = 10) -> list[float]:
    for _ in range(warm):
        fn()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--card", type=Path, default=DEFAULT_CARD)
    ap.add_argument("--weights", type=Path, default=ROOT / "build" / "qc" / "qc_classifier.pt")
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--batches", type=int, nargs="+", default=[8, 32])
    args = ap.parse_args(argv)

    import torch

    from inference.qc.net import DOWNSAMPLE, build_net, export_module, load_net

    gen = CameraGenerator(seed=5, defect_rate=0.3)
    frames = [gen.png(k, gen.frame(k), time.time()) for k in range(1, 65)]
    size = None
    if args.weights.exists():
        net, size = load_net(str(args.weights))
        weights_note = f"trained weights from {args.weights.relative_to(ROOT)}"
    else:
        net = build_net()
        weights_note = "random weights (no build/qc/qc_classifier.pt: run `linehmi models train-qc`)"
    tmod = export_module(net, str(net.config.get("heatmap", "map"))).eval()

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, python {platform.python_version()}, "
        f"onnxruntime {__import__('onnxruntime').__version__}, torch {torch.__version__}"
    )
    print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())} (shared machine)")
    print(f"torch model: {weights_note}")
    rows = []
    agree = None
    for threads in args.threads:
        torch.set_num_threads(threads)
        model = load_model(args.card, prefer="cpu", threads=threads)
        size = size or int(model.card.inputs[0].shape[2])
        smalls = [resize(decode(f), size) for f in frames]
        x1 = to_tensor(smalls[0])
        tx1 = torch.from_numpy(x1)
        insp = QcInspector(None, model=model)
        if agree is None and args.weights.exists():
            xb = to_tensor(smalls[:32])
            with torch.inference_mode():
                tp, th = tmod(torch.from_numpy(xb))
            op = model.run({"image": xb})
            agree = (
                float(np.abs(tp.numpy() - op["probabilities"]).max()),
                float(np.abs(th.numpy() - op["heatmap"]).max()),
            )

        def ort1(model=model, x1=x1) -> None:
            model.run({"image": x1})

        def torch1(tx1=tx1) -> None:
            with torch.inference_mode():
                tmod(tx1)

        counter = iter(range(10**9))

        def e2e(insp=insp, counter=counter) -> None:
            k = next(counter) % len(frames)
            insp.inspect(QcFrame(frames[k], seq=k))

        # Alternate the two frameworks in chunks so drift in machine load hits both.
        o, t = [], []
        for _ in range(5):
            o += time_calls(ort1, args.runs // 5)
            t += time_calls(torch1, args.runs // 5)
        e = time_calls(e2e, args.runs)
        rows.append((threads, "ONNX Runtime", 1, o))
        rows.append((threads, "torch", 1, t))
        rows.append((threads, "ONNX Runtime, end to end", 1, e))
        for b in args.batches:
            xb = to_tensor([smalls[i % len(smalls)] for i in range(b)])
            txb = torch.from_numpy(xb)
            n = max(10, args.runs // b)

            def ortb(xb=xb, model=model) -> None:
                model.run({"image": xb})

            def torchb(txb=txb) -> None:
                with torch.inference_mode():
                    tmod(txb)

            ob, tb = [], []
            for _ in range(2):
                ob += time_calls(ortb, n // 2, warm=3)
                tb += time_calls(torchb, n // 2, warm=3)
            rows.append((threads, "ONNX Runtime", b, ob))
            rows.append((threads, "torch", b, tb))

    # The same calls on the GPU where onnxruntime-gpu sees one (the `gpu` install profile).
    from inference.onnx_model import CUDA, available_providers

    if CUDA in available_providers():
        gpu = load_model(args.card, prefer="cuda")
        print(f"GPU model: {gpu.label}")
        if gpu.provider == CUDA:
            for b in [1, *args.batches]:
                xb = to_tensor([smalls[i % len(smalls)] for i in range(b)])
                rows.append(
                    ("GPU", "ONNX Runtime CUDA", b, time_calls(lambda xb=xb: gpu.run({"image": xb}), 50))
                )
    else:
        print(f"no CUDA execution provider ({', '.join(available_providers())}): CPU figures only")

    print()
    g = size // DOWNSAMPLE
    print(
        f"QC model 3x{size}x{size} -> probabilities + {g}x{g} heatmap; {args.runs} single calls, "
        f"batched calls per batch size; ms per image"
    )
    print()
    print("| threads | runtime | batch | p50 ms/img | p95 ms/img | images/s | torch / ONNX (p50) |")
    print("|---|---|---|---|---|---|---|")
    by = {(th, rt, b): xs for th, rt, b, xs in rows}
    for th, rt, b, xs in rows:
        p50, p95 = pct(xs, 50) / b, pct(xs, 95) / b
        ips = 1000.0 * b / statistics.mean(xs)
        ratio = ""
        if rt == "torch":
            ratio = f"{pct(xs, 50) / pct(by[(th, 'ONNX Runtime', b)], 50):.1f}x"
        print(f"| {th} | {rt} | {b} | {p50:.2f} | {p95:.2f} | {ips:,.0f} | {ratio} |")
    worst = max(pct(xs, 95) / b for th, rt, b, xs in rows if rt.startswith("ONNX"))
    print()
    print(
        f"target <= {TARGET_MS:.0f} ms per image: worst ONNX p95 {worst:.2f} ms/img -> "
        f"{'met' if worst <= TARGET_MS else 'NOT met'}"
    )
    if agree is not None:
        print(f"torch vs ONNX on 32 images: max |dp| {agree[0]:.2e}, max |dheatmap| {agree[1]:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
