"""Real-data check of the QC pipeline: train and evaluate on the elpv solar-cell data set.

    .venv/bin/python bench/qc_elpv.py [--epochs 30] [--size 192] [--seed 7]

Runs the same training code as the shipped model (`inference.qc.train`, i.e.
`linehmi models train-qc --dataset elpv`): the same network, optimiser,
schedule, ONNX export and evaluation of the exported file through the HMI's
loader; only the data and the input (1 x 192 x 192 grey) differ. Labels:
defective if the annotated defect probability >= 0.5, else functional. Split:
stratified by (probability, cell type), 25 % test, by seed (the package ships
no split). Reported against the published figures of Deitsch et al.,
"Automatic classification of defective photovoltaic module cells in
electroluminescence images", Solar Energy 185 (2019), arXiv:1807.02894:
CNN 88.42 %, SVM 82.44 %. A majority-class and a pixel logistic-regression
baseline are measured on the same split in the same run.

Licence: elpv-dataset is CC-BY-NC-SA-4.0. The model trained here is written
to build/qc_elpv/ (git-ignored) and is never shipped; the training script
refuses a path under resources/.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inference.qc import train as qc_train  # noqa: E402

PUBLISHED = [
    ("Deitsch et al. 2019, CNN (VGG-19 fine-tuned, augmented)", 0.8842),
    ("Deitsch et al. 2019, SVM (KAZE/VGG features)", 0.8244),
]


def pixel_baseline(seed: int) -> tuple[float, int]:
    """Logistic regression on 32 x 32 grey pixels, same split: a floor any CNN should clear."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from inference.qc.dataset import elpv

    train, test = elpv(seed, size=32)
    xs = [d.x.reshape(len(d), -1).astype(np.float32) / 255.0 for d in (train, test)]
    sc = StandardScaler().fit(xs[0])
    clf = LogisticRegression(C=0.01, max_iter=2000).fit(sc.transform(xs[0]), train.y)
    return float((clf.predict(sc.transform(xs[1])) == test.y).mean()), len(test)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--size", type=int, default=192)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "qc_elpv")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    targs = qc_train.build_parser().parse_args(
        [
            "--dataset", "elpv",
            "--out", str(args.out),
            "--epochs", str(args.epochs),
            "--size", str(args.size),
            "--seed", str(args.seed),
            "--threads", str(args.threads),
        ]
        + (["--no-progress"] if args.no_progress else [])
    )  # fmt: skip
    result = qc_train.run(targs)
    m = result.metrics
    base_acc, n_test = pixel_baseline(args.seed)
    print(result.report)
    print(f"split: {m['test_set']}")
    print()
    print("| model | test split | accuracy (defective = p >= 0.5) |")
    print("|---|---|---|")
    for name, acc in PUBLISHED:
        print(f"| {name} | theirs: 25 % of the cells, stratified | {acc:.2%} (published) |")
    print(f"| majority class (functional) | ours: {n_test} cells | {m['majority_baseline']:.2%} |")
    print(f"| logistic regression on 32x32 pixels | ours | {base_acc:.2%} |")
    print(
        f"| LineHMI QC net, {args.size}px grey, {args.epochs} epochs, trained here "
        f"({result.seconds['train']:.0f} s on {args.threads} threads) | ours | **{m['accuracy']:.2%}** |"
    )
    pc = m["per_class"]
    print()
    print(
        f"functional recall {pc['functional']['recall']:.3f}, defective recall {pc['defective']['recall']:.3f}, "
        f"defective precision {pc['defective']['precision']:.3f}; gap to the published CNN "
        f"{(m['accuracy'] - PUBLISHED[0][1]) * 100:+.1f} points"
    )
    print(f"model (evaluation only, not shipped): {result.onnx_path}")
    print(f"total {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
