"""From the model's coarse defect heatmap (12 x 12 for a 96 px input) to a box an operator can read."""

from __future__ import annotations

import numpy as np

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the image width/height


def peak_region(heatmap: np.ndarray, threshold: float = 0.5) -> Box | None:
    """Bounding box of the connected cells >= threshold x max around the hottest cell.

    Only the blob that holds the peak: a second, weaker blob elsewhere does not
    stretch the box across the bottle. None for an empty (all-zero) map.
    """
    hm = np.asarray(heatmap, dtype=np.float32)
    if hm.ndim != 2 or hm.size == 0 or not np.isfinite(hm).all():
        return None
    peak = float(hm.max())
    if peak <= 0.0:
        return None
    mask = hm >= threshold * peak
    seed = np.unravel_index(int(np.argmax(hm)), hm.shape)
    region = np.zeros_like(mask)
    region[seed] = True
    # Grow the seed inside the mask (4-connected); the grid is tiny, a few iterations.
    while True:
        grown = region.copy()
        grown[1:, :] |= region[:-1, :]
        grown[:-1, :] |= region[1:, :]
        grown[:, 1:] |= region[:, :-1]
        grown[:, :-1] |= region[:, 1:]
        grown &= mask
        if np.array_equal(grown, region):
            break
        region = grown
    rows = np.flatnonzero(region.any(axis=1))
    cols = np.flatnonzero(region.any(axis=0))
    h, w = hm.shape
    return (cols[0] / w, rows[0] / h, (cols[-1] + 1) / w, (rows[-1] + 1) / h)


def peak_point(heatmap: np.ndarray) -> tuple[float, float]:
    """Centre of the hottest cell, as fractions (x, y)."""
    hm = np.asarray(heatmap)
    r, c = np.unravel_index(int(np.argmax(hm)), hm.shape)
    return ((c + 0.5) / hm.shape[1], (r + 0.5) / hm.shape[0])


def pointing_hit(heatmap: np.ndarray, box: Box | np.ndarray, tolerance_cells: float = 1.0) -> bool:
    """The pointing game (Zhang et al. 2016): is the heatmap's peak on the true defect?

    The box is widened by `tolerance_cells` grid cells, the resolution of the map.
    """
    x, y = peak_point(heatmap)
    h, w = np.asarray(heatmap).shape
    tx, ty = tolerance_cells / w, tolerance_cells / h
    x0, y0, x1, y1 = (float(v) for v in box)
    return x0 - tx <= x <= x1 + tx and y0 - ty <= y <= y1 + ty


def box_iou(a: Box, b: Box | np.ndarray) -> float:
    ax0, ay0, ax1, ay1 = a
    bx0, by0, bx1, by1 = (float(v) for v in b)
    iw = max(0.0, min(ax1, bx1) - max(ax0, bx0))
    ih = max(0.0, min(ay1, by1) - max(ay0, by0))
    inter = iw * ih
    union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
    return inter / union if union > 0 else 0.0
