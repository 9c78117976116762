"""`linehmi models train-qc`: train the visual QC classifier, export it to ONNX, evaluate the export.

    linehmi models train-qc                      # the shipped model: synthetic bottles ->
                                                 #   resources/models/qc_classifier.onnx + .card.json
    linehmi models train-qc --dataset elpv       # the real-data check (evaluation only) -> build/qc_elpv/

Everything is seeded (data, initialisation, shuffling, dropout) and torch runs
deterministic algorithms on a fixed number of threads, so the same command on
the same machine writes a byte-identical .onnx file. The metrics are measured
on the exported ONNX file through the HMI's own loader (`load_model`), on a
held-out test set, and written on the model card.

The elpv data set (CC-BY-NC-SA-4.0) may be used to evaluate, never to ship:
its model goes to build/qc_elpv/ and a path under resources/ is refused.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from connectors.sim.product_images import DEFAULT_SIZE
from inference.model_card import ModelCard, TensorSpec, card_path_for, sha256_of
from inference.qc import CLASSES
from inference.qc.dataset import ELPV_LICENCE, Dataset, elpv, synthetic
from inference.qc.heatmap import box_iou, peak_region, pointing_hit
from inference.qc.images import ASPECT, MAX_SIDE, MEAN, MIN_SIDE, STD, to_tensor

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"
DEFAULT_OUT = RESOURCES / "models"
ELPV_OUT = ROOT / "build" / "qc_elpv"
MODEL_NAME = "qc_classifier"
MODEL_VERSION = "1.0"
MAP_WEIGHT = 0.5  # defect-map loss next to the class loss
REJECT_BELOW_P_OK = 0.5  # verdict "defect" when P(ok) < 0.5, i.e. when any defect is more likely than not


@dataclass
class TrainResult:
    onnx_path: Path
    card_path: Path
    metrics: dict[str, Any]
    report: str  # the printed tables (markdown)
    seconds: dict[str, float] = field(default_factory=dict)


# --- arguments ------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="linehmi models train-qc",
        description="Train the visual QC classifier (torch), export it to ONNX and evaluate the export.",
    )
    p.add_argument("--dataset", choices=("synthetic", "elpv"), default="synthetic")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: resources/models)")
    p.add_argument("--name", default=None, help="model name (default qc_classifier / qc_elpv_eval)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--epochs", type=int, default=None, help="default 12 (synthetic), 30 (elpv)")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--size", type=int, default=None, help="model input px (default 192, the camera's)")
    p.add_argument("--camera-size", type=int, default=DEFAULT_SIZE, help="synthetic render size (px)")
    p.add_argument("--per-class", type=int, default=800, help="synthetic training images per class")
    p.add_argument("--val-per-class", type=int, default=100)
    p.add_argument("--test-per-class", type=int, default=300)
    p.add_argument("--threads", type=int, default=2, help="torch threads (fixed for reproducibility)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (logs, CI)")
    return p


def _within(path: Path, parent: Path) -> bool:
    try:
        path.resolve().relative_to(parent.resolve())
        return True
    except ValueError:
        return False


# --- training ---------------------------------------------------------------------------------------


def _bar(total: int, desc: str, enabled: bool, unit: str = "img") -> Any:
    from tqdm import tqdm

    # No monitor thread: it outlives the command (and the test suite counts leaked threads).
    tqdm.monitor_interval = 0
    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled, dynamic_ncols=True, leave=True)


def _augment(
    x: np.ndarray, rng: np.random.Generator, vflip: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flips and small shifts of a uint8 NHWC batch (numpy: the same stream whatever torch does).

    Returns the batch and which images were flipped left-right / upside-down (their boxes flip too).
    """
    x = x.copy()
    n = len(x)
    flip = rng.random(n) < 0.5
    x[flip] = x[flip, :, ::-1]
    vf = rng.random(n) < 0.5 if vflip else np.zeros(n, dtype=bool)
    x[vf] = x[vf, ::-1]
    shifts = rng.integers(-3, 4, size=(n, 2))
    for i in range(n):
        dy, dx = shifts[i]
        if dy or dx:  # a few px against 16 px cells: the boxes are not shifted
            x[i] = np.roll(x[i], (int(dy), int(dx)), axis=(0, 1))
    return x, flip, vf


def box_masks(boxes: np.ndarray, grid: int, hflip: np.ndarray, vflip: np.ndarray) -> np.ndarray:
    """Target defect maps: 1 on the grid cells a true box touches, 0 elsewhere (and for ok images)."""
    n = len(boxes)
    out = np.zeros((n, grid, grid), dtype=np.float32)
    for i in range(n):
        b = boxes[i]
        if np.isnan(b[0]):
            continue
        x0, y0, x1, y1 = (float(v) for v in b)
        if hflip[i]:
            x0, x1 = 1.0 - x1, 1.0 - x0
        if vflip[i]:
            y0, y1 = 1.0 - y1, 1.0 - y0
        c0, c1 = int(np.floor(x0 * grid)), int(np.ceil(x1 * grid))
        r0, r1 = int(np.floor(y0 * grid)), int(np.ceil(y1 * grid))
        out[i, max(r0, 0) : max(r1, r0 + 1), max(c0, 0) : max(c1, c0 + 1)] = 1.0
    return out


def train_net(
    train: Dataset,
    val: Dataset | None,
    *,
    epochs: int,
    batch: int,
    lr: float,
    seed: int,
    threads: int,
    vflip: bool,
    progress: bool,
) -> Any:
    import torch
    from torch.nn import functional as F

    from inference.qc.net import DOWNSAMPLE, build_net

    torch.set_num_threads(max(1, threads))
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    in_ch = int(train.x.shape[3])
    grid = int(train.x.shape[1]) // DOWNSAMPLE
    # A defect map is trained where the data says where defects are (synthetic boxes); elpv has none.
    use_map = bool((~np.isnan(train.boxes[:, 0])).any())
    net = build_net(in_channels=in_ch, n_classes=len(train.classes))
    net.config["heatmap"] = "map" if use_map else "cam"
    steps = (len(train) + batch - 1) // batch
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps, pct_start=0.2)
    rng = np.random.default_rng([seed, 0x7A1])
    pos_weight = torch.tensor(2.0)
    bar = _bar(epochs * steps, "train", progress, unit="batch")
    try:
        for epoch in range(epochs):
            net.train()
            order = rng.permutation(len(train))
            seen = correct = 0
            loss_sum = 0.0
            for s in range(steps):
                idx = np.sort(order[s * batch : (s + 1) * batch])
                xa, hf, vf = _augment(train.x[idx], rng, vflip)
                xb = torch.from_numpy(to_tensor(list(xa)))
                yb = torch.from_numpy(train.y[idx])
                logits, seg = net(xb)
                loss = F.cross_entropy(logits, yb)
                if use_map:
                    target = torch.from_numpy(box_masks(train.boxes[idx], grid, hf, vf))
                    loss = loss + MAP_WEIGHT * F.binary_cross_entropy_with_logits(
                        seg, target, pos_weight=pos_weight
                    )
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                loss_sum += loss.item() * len(idx)
                correct += int((logits.argmax(1) == yb).sum())
                seen += len(idx)
                bar.update(1)
                bar.set_postfix(
                    epoch=f"{epoch + 1}/{epochs}", loss=f"{loss_sum / seen:.3f}", acc=f"{correct / seen:.3f}"
                )
            if val is not None and len(val):
                acc = float((_torch_predict(net, val.x).argmax(1) == val.y).mean())
                bar.set_postfix(
                    epoch=f"{epoch + 1}/{epochs}", loss=f"{loss_sum / seen:.3f}", val_acc=f"{acc:.3f}"
                )
                if not progress:
                    print(
                        f"epoch {epoch + 1}/{epochs}: loss {loss_sum / seen:.3f} "
                        f"train acc {correct / seen:.3f} val acc {acc:.3f}",
                        file=sys.stderr,
                    )
    finally:
        bar.close()
    return net.eval()


def _torch_predict(net: Any, x: np.ndarray, batch: int = 256) -> np.ndarray:
    import torch

    net.eval()
    out = []
    with torch.inference_mode():
        for s in range(0, len(x), batch):
            logits, _ = net(torch.from_numpy(to_tensor(list(x[s : s + batch]))))
            out.append(torch.softmax(logits, 1).numpy())
    return np.concatenate(out)


def predict_onnx(model: Any, x: np.ndarray, batch: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and heatmaps of a LoadedModel over a uint8 NHWC array."""
    probs, maps = [], []
    for s in range(0, len(x), batch):
        out = model.run({"image": to_tensor(list(x[s : s + batch]))})
        probs.append(out["probabilities"])
        maps.append(out["heatmap"])
    return np.concatenate(probs), np.concatenate(maps)


# --- metrics -------------------------------------------------------------------------------------------


def classification_metrics(y: np.ndarray, pred: np.ndarray, classes: tuple[str, ...]) -> dict[str, Any]:
    k = len(classes)
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (y, pred), 1)
    per: dict[str, dict[str, float]] = {}
    for i, c in enumerate(classes):
        tp = cm[i, i]
        prec = tp / cm[:, i].sum() if cm[:, i].sum() else 0.0
        rec = tp / cm[i, :].sum() if cm[i, :].sum() else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[c] = {
            "precision": round(float(prec), 4),
            "recall": round(float(rec), 4),
            "f1": round(float(f1), 4),
            "support": int(cm[i, :].sum()),
        }
    return {
        "accuracy": round(float(np.trace(cm) / cm.sum()), 4),
        "per_class": per,
        "confusion": cm.tolist(),
        "n_test": int(cm.sum()),
    }


def qc_metrics(test: Dataset, probs: np.ndarray, maps: np.ndarray) -> dict[str, Any]:
    """Multi-class figures plus what the line cares about: false rejects, escapes, localisation."""
    reject = probs[:, 0] < REJECT_BELOW_P_OK
    pred = np.where(reject, 1 + probs[:, 1:].argmax(1), 0)
    m = classification_metrics(test.y, pred, test.classes)
    ok = test.y == 0
    m["false_reject_rate"] = round(float(reject[ok].mean()), 4) if ok.any() else None
    m["escape_rate"] = round(float((~reject[~ok]).mean()), 4) if (~ok).any() else None
    m["defect_detection_accuracy"] = round(float((reject == ~ok).mean()), 4)
    loc: dict[str, dict[str, float]] = {}
    for c in range(1, len(test.classes)):
        sel = np.flatnonzero((test.y == c) & reject & ~np.isnan(test.boxes[:, 0]))
        if not len(sel):
            continue
        hits = [pointing_hit(maps[i], test.boxes[i]) for i in sel]
        ious = []
        for i in sel:
            region = peak_region(maps[i])
            ious.append(box_iou(region, test.boxes[i]) if region is not None else 0.0)
        loc[test.classes[c]] = {
            "pointing_hit_rate": round(float(np.mean(hits)), 4),
            "mean_iou": round(float(np.mean(ious)), 4),
            "n": len(sel),
        }
    m["localisation"] = loc
    return m


def binary_metrics(test: Dataset, probs: np.ndarray) -> dict[str, Any]:
    pred = (probs[:, 1] >= 0.5).astype(np.int64)
    m = classification_metrics(test.y, pred, test.classes)
    if test.groups is not None:
        by: dict[str, dict[str, float]] = {}
        for g in sorted(set(test.groups.tolist())):
            sel = test.groups == g
            by[g] = {"accuracy": round(float((pred[sel] == test.y[sel]).mean()), 4), "n": int(sel.sum())}
        m["by_group"] = by
    m["majority_baseline"] = round(float(max((test.y == 0).mean(), (test.y == 1).mean())), 4)
    return m


def format_report(m: dict[str, Any], classes: tuple[str, ...], title: str) -> str:
    lines = [f"## {title}", "", f"accuracy {m['accuracy']:.4f} on {m['n_test']} held-out images", ""]
    lines += ["| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for c in classes:
        r = m["per_class"][c]
        lines.append(f"| {c} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['support']} |")
    lines += ["", "confusion (rows: true, columns: predicted)", ""]
    short = [c[:10] for c in classes]
    lines.append("| true \\ pred | " + " | ".join(short) + " |")
    lines.append("|---" * (len(classes) + 1) + "|")
    for c, row in zip(short, m["confusion"], strict=True):
        lines.append(f"| {c} | " + " | ".join(str(v) for v in row) + " |")
    if "false_reject_rate" in m:
        lines += [
            "",
            f"ok vs defect: false reject rate {m['false_reject_rate']:.4f}, "
            f"escape rate {m['escape_rate']:.4f}, accuracy {m['defect_detection_accuracy']:.4f}",
        ]
    if m.get("localisation"):
        lines += [
            "",
            "| defect | heatmap peak on the defect | IoU of peak region vs true box | n |",
            "|---|---|---|---|",
        ]
        for c, r in m["localisation"].items():
            lines.append(f"| {c} | {r['pointing_hit_rate']:.3f} | {r['mean_iou']:.3f} | {r['n']} |")
    if "by_group" in m:
        lines += ["", "| elpv probability / type | accuracy | n |", "|---|---|---|"]
        for g, r in m["by_group"].items():
            lines.append(f"| {g} | {r['accuracy']:.3f} | {r['n']} |")
        lines += ["", f"majority-class baseline {m['majority_baseline']:.4f}"]
    return "\n".join(lines) + "\n"


# --- the command ----------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> TrainResult:
    import torch

    from inference.onnx_model import load_model
    from inference.qc.net import DOWNSAMPLE, export_onnx

    is_elpv = args.dataset == "elpv"
    out: Path = args.out if args.out is not None else (ELPV_OUT if is_elpv else DEFAULT_OUT)
    if is_elpv and _within(out, RESOURCES):
        raise SystemExit(
            f"refusing to write an elpv-trained model under {RESOURCES}: {ELPV_LICENCE}. Use --out elsewhere."
        )
    name = args.name or ("qc_elpv_eval" if is_elpv else MODEL_NAME)
    size = args.size or 192
    if size % DOWNSAMPLE:
        raise SystemExit(
            f"--size must be a multiple of {DOWNSAMPLE} (the net downsamples {DOWNSAMPLE}x), got {size}"
        )
    epochs = args.epochs or (30 if is_elpv else 12)
    progress = not args.no_progress
    seconds: dict[str, float] = {}

    t0 = time.perf_counter()
    if is_elpv:
        bar = _bar(2624, "load elpv", progress)
        train, test = elpv(args.seed, size=size, progress=bar.update)
        bar.close()
        val = None
    else:
        n_total = (args.per_class + args.val_per_class + args.test_per_class) * len(CLASSES)
        bar = _bar(n_total, "render", progress)
        kw = {"size": size, "camera_size": args.camera_size, "progress": bar.update}
        train = synthetic(args.per_class, args.seed, "train", **kw)  # type: ignore[arg-type]
        val = synthetic(args.val_per_class, args.seed, "val", **kw)  # type: ignore[arg-type]
        test = synthetic(args.test_per_class, args.seed, "test", **kw)  # type: ignore[arg-type]
        bar.close()
    seconds["data"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    net = train_net(
        train,
        val,
        epochs=epochs,
        batch=args.batch,
        lr=args.lr,
        seed=args.seed,
        threads=args.threads,
        vflip=is_elpv,
        progress=progress,
    )
    seconds["train"] = time.perf_counter() - t0

    out.mkdir(parents=True, exist_ok=True)
    onnx_path = out / f"{name}.onnx"
    heatmap = str(net.config.get("heatmap", "map"))
    export_onnx(net, str(onnx_path), size, heatmap=heatmap)
    # The torch weights are for the latency comparison only (bench/inference_qc.py): never shipped.
    pt_dir = ROOT / "build" / "qc" if _within(out, RESOURCES) else out
    pt_dir.mkdir(parents=True, exist_ok=True)
    torch.save(
        {"state_dict": net.state_dict(), "config": net.config, "size": size, "heatmap": heatmap},
        pt_dir / f"{name}.pt",
    )

    in_ch = int(train.x.shape[3])
    grid = size // DOWNSAMPLE
    card = ModelCard(
        name=name,
        version=MODEL_VERSION,
        file=onnx_path.name,
        sha256=sha256_of(onnx_path),
        task="visual-qc" if not is_elpv else "visual-qc-evaluation",
        inputs=[
            TensorSpec(
                "image",
                ["batch", in_ch, size, size],
                "float32",
                "camera image, RGB, NCHW" if in_ch == 3 else "grey image, NCHW",
                {
                    "resize": f"Pillow BOX filter to {size}x{size} (inference.qc.images.resize)",
                    "scale": "pixel / 255",
                    "mean": MEAN,
                    "std": STD,
                    "formula": "(pixel / 255 - mean) / std",
                },
            )
        ],
        outputs=[
            TensorSpec("probabilities", ["batch", len(train.classes)], "float32", "softmax over classes"),
            TensorSpec(
                "heatmap",
                ["batch", grid, grid],
                "float32",
                "defect probability per cell (sigmoid of the defect-map head)"
                if heatmap == "map"
                else "class activation map of the most probable defect class, 0..1 per image",
            ),
        ],
        training_data=(
            train.description if is_elpv else f"{train.description}; {val.description if val else ''}"
        )
        + (
            "; " + ELPV_LICENCE
            if is_elpv
            else "; synthetic only (connectors.sim.product_images), no real images"
        ),
        framework=f"torch {torch.__version__} -> ONNX opset 17 (torch.onnx.export, TorchScript exporter)",
        created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        extra={
            "classes": list(train.classes),
            "reject_rule": (
                "defect if probabilities[ok] < 0.5; class = most probable defect"
                if not is_elpv
                else "defective if probabilities[defective] >= 0.5"
            ),
            "reject_below_p_ok": REJECT_BELOW_P_OK,
            "camera_size": args.camera_size if not is_elpv else 300,
            "input_policy": {
                "channels": "RGB (RGBA: alpha dropped; palette expanded); grey/16-bit/CMYK refused",
                "size": f"{MIN_SIDE}..{MAX_SIDE} px a side, aspect {ASPECT[0]}..{ASPECT[1]}, resized to {size}",
            },
            "training": {
                "command": "linehmi models train-qc" + (" --dataset elpv" if is_elpv else ""),
                "seed": args.seed,
                "epochs": epochs,
                "batch": args.batch,
                "lr": args.lr,
                "threads": args.threads,
                "n_train": len(train),
                "seconds": {k: round(v, 1) for k, v in seconds.items()},
                "machine": f"{platform.machine()}, python {platform.python_version()}",
            },
        },
    )
    card_path = card_path_for(onnx_path)
    card.save(card_path)

    # Measure the file that ships, through the loader the HMI uses.
    t0 = time.perf_counter()
    model = load_model(card_path, prefer="cpu", threads=args.threads)
    probs, maps = predict_onnx(model, test.x)
    if is_elpv:
        metrics = binary_metrics(test, probs)
        title = f"{name}: elpv test split (defective = probability >= 0.5)"
    else:
        metrics = qc_metrics(test, probs, maps)
        metrics["val_accuracy"] = round(float((predict_onnx(model, val.x)[0].argmax(1) == val.y).mean()), 4)  # type: ignore[union-attr]
        title = f"{name}: held-out synthetic test set"
    torch_probs = _torch_predict(net, test.x[:256])
    metrics["onnx_vs_torch_max_abs_diff"] = float(np.abs(torch_probs - probs[:256]).max())
    metrics["test_set"] = test.description
    seconds["evaluate"] = time.perf_counter() - t0
    card.extra["training"]["seconds"] = {k: round(v, 1) for k, v in seconds.items()}
    from dataclasses import replace

    card = replace(card, metrics=metrics)
    card.save(card_path)
    report = format_report(metrics, test.classes, title)
    return TrainResult(onnx_path, card_path, metrics, report, seconds)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    t0 = time.perf_counter()
    result = run(args)
    print(result.report)
    print(
        f"wrote {result.onnx_path} ({result.onnx_path.stat().st_size / 1024:.0f} kB, "
        f"sha256 {sha256_of(result.onnx_path)[:16]}…) and {result.card_path.name}"
    )
    secs = ", ".join(f"{k} {v:.0f} s" for k, v in result.seconds.items())
    print(f"time: {secs}; total {time.perf_counter() - t0:.0f} s")
    print("metrics (as on the card): " + json.dumps({k: result.metrics[k] for k in ("accuracy", "n_test")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
