"""Data sets for the QC classifier: synthetic bottles (shipped model) and elpv solar cells (evaluation only).

Synthetic: every image is `render(default_rng([seed, split, i]), CLASSES[i % 6])`
at the camera's resolution, then resized exactly as the inspector resizes
camera frames, so training and run time see the same pixels. Classes are
balanced in every split; the splits use different seed streams, so no image
is in two splits.

elpv (`elpv-dataset` package, CC-BY-NC-SA-4.0): 2,624 electroluminescence
images of solar cells, 300 x 300 grey, each with a defect probability of 0,
1/3, 2/3 or 1 and a cell type (mono/poly). Used only to check that the same
pipeline learns on real images; never shipped, never written under
resources/. Split: stratified by (probability, type), 25 % test, by seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from connectors.sim.product_images import DEFAULT_SIZE, render
from inference.qc import CLASSES
from inference.qc.images import resize

SPLITS = {"train": 0, "val": 1, "test": 2}
ELPV_CLASSES: tuple[str, ...] = ("functional", "defective")
ELPV_LICENCE = (
    "CC-BY-NC-SA-4.0 (elpv-dataset): evaluation only; neither the data nor a model trained on it ships"
)


@dataclass
class Dataset:
    x: np.ndarray  # N x H x W x C uint8, already at the model's input size
    y: np.ndarray  # N int64 class indices
    boxes: np.ndarray  # N x 4 float32 (x0, y0, x1, y1) as fractions of the image; NaN when no box
    classes: tuple[str, ...]
    description: str
    groups: np.ndarray | None = None  # elpv: the original probability and type, for the report

    def __len__(self) -> int:
        return int(self.y.shape[0])


Progress = Callable[[int], object]  # called with the number of images just done


def synthetic(
    n_per_class: int,
    seed: int,
    split: str,
    *,
    size: int = 96,
    camera_size: int = DEFAULT_SIZE,
    progress: Progress | None = None,
) -> Dataset:
    n = n_per_class * len(CLASSES)
    x = np.empty((n, size, size, 3), dtype=np.uint8)
    y = np.empty(n, dtype=np.int64)
    boxes = np.full((n, 4), np.nan, dtype=np.float32)
    sid = SPLITS[split]
    for i in range(n):
        c = i % len(CLASSES)
        r = render(np.random.default_rng([seed, sid, i]), CLASSES[c], camera_size)
        x[i] = resize(r.image, size)
        y[i] = c
        if r.bbox is not None:
            boxes[i] = np.array(r.bbox, dtype=np.float32) / camera_size
        if progress is not None and (i % 50 == 49 or i == n - 1):
            progress(50 if i % 50 == 49 else (i % 50) + 1)
    desc = (
        f"synthetic bottles, {split}: {n_per_class} per class x {len(CLASSES)} classes, "
        f"rendered {camera_size} px -> {size} px, seed {seed}"
    )
    return Dataset(x, y, boxes, CLASSES, desc)


def elpv(
    seed: int, *, size: int = 128, test_fraction: float = 0.25, progress: Progress | None = None
) -> tuple[Dataset, Dataset]:
    """(train, test) from the elpv-dataset package; label: defective if probability >= 0.5."""
    try:
        from elpv_dataset.utils import load_dataset
    except ImportError:  # pragma: no cover - depends on the environment
        raise SystemExit(
            "the elpv check needs the `elpv-dataset` package (pip install elpv-dataset); "
            "it is an evaluation-only data set and is not a LineHMI dependency"
        ) from None
    images, probs, types = load_dataset()
    n = len(probs)
    y = (probs >= 0.5).astype(np.int64)
    # Stratified by (probability, type): 8 strata, each split 75/25 with the seed.
    rng = np.random.default_rng([seed, 0xE1])
    test = np.zeros(n, dtype=bool)
    for key in sorted(set(zip(np.round(probs * 3).astype(int).tolist(), types.tolist(), strict=True))):
        idx = np.flatnonzero((np.round(probs * 3).astype(int) == key[0]) & (types == key[1]))
        idx = rng.permutation(idx)
        test[idx[: round(len(idx) * test_fraction)]] = True
    x = np.empty((n, size, size, 1), dtype=np.uint8)
    for i in range(n):
        x[i] = resize(images[i][..., None], size)
        if progress is not None and (i % 100 == 99 or i == n - 1):
            progress(100 if i % 100 == 99 else (i % 100) + 1)
    boxes = np.full((n, 4), np.nan, dtype=np.float32)
    groups = np.array([f"p={p:.2f} {t}" for p, t in zip(probs, types, strict=True)])

    def part(mask: np.ndarray, name: str) -> Dataset:
        return Dataset(
            x[mask],
            y[mask],
            boxes[mask],
            ELPV_CLASSES,
            f"elpv-dataset {name}: {int(mask.sum())} cells, {size} px grey, "
            f"stratified by (probability, type), {test_fraction:.0%} test, seed {seed}",
            groups[mask],
        )

    return part(~test, "train"), part(test, "test")
