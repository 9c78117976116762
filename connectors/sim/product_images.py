"""Synthetic product images: a filled, capped, labelled bottle as the line camera sees it.

Shared by the simulator's camera (`connectors.sim.camera`) and the QC training
set (`inference.qc.dataset`), so the model is trained on exactly what the
camera sends. numpy only; one image is a few milliseconds at 192 x 192.

Every image varies the way a real inspection station does: bottle position
and size on the conveyor, fill level and label placement within tolerance,
lighting gain, colour and gradient, the specular highlight, sensor noise,
motion blur, dust on the background, bubbles in the liquid. Defects are then
drawn on top with their own random size and contrast; some are subtle on
purpose (a faint scratch, a 10 px under-fill), and several normal features
look like defects (the highlight like a scratch, dust and bubbles like
contamination), so the classifier has to learn the difference.

Every render also returns the defect's bounding box (pixels) as ground truth
for the localisation check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from hmi.core.qc_frame import CLASSES

DEFAULT_SIZE = 192
# Scratch geometry at 192 px (scaled with the image): length, width, contrast ranges.
# Lit to show scratches (as inspection lighting is set up to), still from faint to obvious: with
# 0.7-1.7 px and 0.16-0.42 contrast the net never told scratch from ok in a few minutes' training.
SCRATCH_LENGTH = (24.0, 64.0)
SCRATCH_WIDTH = (1.4, 2.8)
SCRATCH_CONTRAST = (0.28, 0.55)


@dataclass(frozen=True)
class Rendered:
    image: np.ndarray  # H x W x 3 uint8, RGB
    label: str  # one of CLASSES
    bbox: tuple[int, int, int, int] | None  # x0, y0, x1, y1 (pixels, inclusive-exclusive); None for ok
    info: dict[str, float] = field(default_factory=dict)  # nuisance parameters, for debugging


@lru_cache(maxsize=4)
def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    yy.setflags(write=False)
    xx.setflags(write=False)
    return yy, xx


def _smoothstep(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0.0, 1.0, dtype=np.float32)


def _blend(img: np.ndarray, alpha: np.ndarray, colour: np.ndarray | tuple[float, float, float]) -> None:
    """img = img * (1 - alpha) + colour * alpha, in place; colour is RGB or an H x W x 3 array."""
    a = alpha[..., None]
    img *= 1.0 - a
    img += a * np.asarray(colour, dtype=np.float32)


def _disc(
    img: np.ndarray,
    cx: float,
    cy: float,
    rx: float,
    ry: float,
    opacity: float,
    colour: tuple[float, float, float],
    rot: float = 0.0,
    within: np.ndarray | None = None,
) -> None:
    """Blend a small anti-aliased ellipse in place, touching only the pixels around it."""
    r = max(rx, ry) + 2.0
    h, w = img.shape[:2]
    y0, y1 = max(0, int(cy - r)), min(h, int(cy + r) + 2)
    x0, x1 = max(0, int(cx - r)), min(w, int(cx + r) + 2)
    if y0 >= y1 or x0 >= x1:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    c, s = math.cos(rot), math.sin(rot)
    ex = ((xx - cx) * c + (yy - cy) * s) / rx
    ey = (-(xx - cx) * s + (yy - cy) * c) / ry
    alpha = _smoothstep((1.0 - np.sqrt(ex * ex + ey * ey)) * min(rx, ry) + 0.5) * np.float32(opacity)
    if within is not None:
        alpha *= within[y0:y1, x0:x1]
    _blend(img[y0:y1, x0:x1], alpha, colour)


class _Bottle:
    """Geometry of one bottle in one image (pixels)."""

    def __init__(self, rng: np.random.Generator, size: int) -> None:
        k = size / DEFAULT_SIZE
        sc = rng.uniform(0.93, 1.05) * k
        self.k = k
        self.sc = sc
        self.cx = size / 2 + rng.uniform(-10.0, 10.0) * k
        self.yb = 178.0 * k + rng.uniform(-4.0, 3.0) * k  # bottom of the bottle (on the belt)
        self.body_hw = 30.0 * sc
        self.neck_hw = 10.5 * sc
        self.y_shoulder = self.yb - 100.0 * sc  # body ends, taper starts
        self.y_neck = self.yb - 124.0 * sc  # taper ends, neck starts
        self.y_top = self.yb - 150.0 * sc  # neck mouth
        self.cap_hw = 13.0 * sc
        self.cap_top = self.y_top - 15.0 * sc
        self.corner = 7.0 * sc

    def half_width(self, y: np.ndarray) -> np.ndarray:
        """Outer half width of the glass at row y (0 outside the bottle)."""
        t = np.clip((y - self.y_neck) / (self.y_shoulder - self.y_neck), 0.0, 1.0)
        # Smooth shoulder: cosine taper from neck to body.
        hw = self.neck_hw + (self.body_hw - self.neck_hw) * (0.5 - 0.5 * np.cos(np.pi * t))
        # Rounded bottom corners.
        dy = np.clip(y - (self.yb - self.corner), 0.0, None)
        hw = hw - (self.corner - np.sqrt(np.clip(self.corner**2 - dy**2, 0.0, None)))
        hw = np.where((y < self.y_top) | (y > self.yb), 0.0, hw)
        return hw.astype(np.float32)


def render(
    rng: np.random.Generator, label: str = "ok", size: int = DEFAULT_SIZE, *, mild: bool = False
) -> Rendered:
    """One camera image of a bottle with the given defect class ("ok" for a good one).

    `mild` keeps the nuisance variation small (used for the documentation figures only).
    """
    if label not in CLASSES:
        raise ValueError(f"unknown QC class {label!r}; expected one of {', '.join(CLASSES)}")
    S = int(size)
    gy, gx = _grid(S)
    b = _Bottle(rng, S)
    k, sc = b.k, b.sc
    info: dict[str, float] = {}

    # --- background: a diffuse grey panel, the conveyor belt below the bottle ----------------
    panel = np.float32(rng.uniform(0.50, 0.62))
    img = np.empty((S, S, 3), dtype=np.float32)
    vgrad = (panel * (1.0 + 0.10 * (gy[:, :1] / S - 0.5)))[..., None]
    img[:] = vgrad * np.array([0.97, 1.0, 1.03], dtype=np.float32)
    belt_top = b.yb - 3.0 * k
    rows = gy[:, 0]
    belt = _smoothstep(rows - belt_top)[:, None, None]
    belt_tex = (0.20 + 0.015 * np.sin(rows * 1.7 + rng.uniform(0, 6.28)))[:, None, None] + 0.01 * np.sin(
        gx[:1, :, None] * 0.31
    )
    img *= 1.0 - 0.95 * belt
    img += 0.95 * belt * belt_tex
    # Dust on the panel: looks like contamination but lies outside the bottle (drawn first).
    for _ in range(int(rng.integers(0, 4))):
        r = rng.uniform(0.8, 2.2) * k
        _disc(
            img, rng.uniform(0, S), rng.uniform(0, belt_top), r, r, rng.uniform(0.3, 0.7), (0.18, 0.17, 0.16)
        )

    # The bottle is drawn inside its own box: views into img, a third of the pixels.
    ry0, ry1 = max(0, int(b.cap_top - 3)), min(S, int(b.yb + 3))
    rx0, rx1 = max(0, int(b.cx - b.body_hw - 3)), min(S, int(b.cx + b.body_hw + 4))
    roi = img[ry0:ry1, rx0:rx1]
    yy, xx = gy[ry0:ry1, rx0:rx1], gx[ry0:ry1, rx0:rx1]

    # --- glass -------------------------------------------------------------------------------
    hw = b.half_width(yy)
    dxa = np.abs(xx - b.cx)
    glass = _smoothstep(hw - dxa + 0.5) * (hw > 0)
    u = np.clip(np.where(hw > 0, (xx - b.cx) / np.maximum(hw, 1e-3), 0.0), -1.0, 1.0).astype(np.float32)
    ring = np.sqrt(np.clip(1.0 - u * u, 0.0, 1.0))  # cylinder: 1 at the axis, 0 at the silhouette
    _blend(roi, glass * 0.22, (0.62, 0.70, 0.68))
    edge = np.exp(-(hw - dxa) / (2.2 * k)) * glass
    roi *= (1.0 - 0.45 * edge)[..., None]

    # --- liquid --------------------------------------------------------------------------------
    fill_nom = b.yb - 117.0 * sc
    fill = fill_nom + rng.uniform(-2.5, 2.5) * k
    if label == "underfill":
        fill = fill_nom + rng.uniform(11.0, 33.0) * k
    info["fill_px"] = float(fill - fill_nom)
    inner = _smoothstep(hw - 1.6 * k - dxa + 0.5) * (hw > 2.0 * k)
    liquid = inner * _smoothstep(yy - fill + 0.5) * _smoothstep(b.yb - 2.5 * k - yy)
    lc = np.array([0.80, 0.50, 0.13], dtype=np.float32) * np.float32(rng.uniform(0.94, 1.04))
    _blend(roi, liquid * 0.88, lc * (0.62 + 0.38 * ring)[..., None])
    meniscus = inner * np.exp(-(((yy - fill) / (0.9 * k)) ** 2))
    _blend(roi, meniscus * 0.55, (0.93, 0.80, 0.52))
    # Bubbles: bright, small; normal on a fast filler, not contamination.
    for _ in range(int(rng.integers(0, 5))):
        r = rng.uniform(0.7, 1.6) * k
        by = rng.uniform(fill + 3 * k, b.yb - 6 * k) - ry0
        bx = b.cx + rng.uniform(-0.8, 0.8) * b.body_hw - rx0
        _disc(roi, bx, by, r, r, 0.5, (0.98, 0.90, 0.70), within=liquid)

    # --- label ---------------------------------------------------------------------------------
    lab_h = 52.0 * sc
    lab_top = b.yb - 78.0 * sc + rng.uniform(-1.5, 1.5) * k
    tilt = math.radians(rng.uniform(-0.8, 0.8))
    if label == "misaligned_label":
        mode = rng.integers(0, 3)
        if mode in (0, 2):
            shift = rng.uniform(7.0, 16.0) * k * (1 if rng.random() < 0.5 else -1)
            lab_top += shift
            info["label_shift_px"] = float(shift)
        if mode in (1, 2):
            tilt = math.radians(rng.uniform(3.0, 8.0)) * (1 if rng.random() < 0.5 else -1)
        info["label_tilt_deg"] = math.degrees(tilt)
    ly = yy - (lab_top + math.tan(tilt) * (xx - b.cx))  # row inside the label
    in_lab = _smoothstep(ly + 0.5) * _smoothstep(lab_h - ly + 0.5) * _smoothstep(hw - 0.6 * k - dxa + 0.5)
    in_lab *= hw > 0
    lab_rgb = np.empty_like(roi)
    lab_rgb[:] = np.array([0.92, 0.89, 0.80], dtype=np.float32)
    band = ((ly > 0.16 * lab_h) & (ly < 0.36 * lab_h)).astype(np.float32)
    _blend(lab_rgb, band, (0.16, 0.36, 0.24))
    # "Text" lines and a barcode that turn with the bottle (their position along the label varies).
    lx = u + rng.uniform(-0.5, 0.5)
    text = (
        ((ly > 0.48 * lab_h) & (ly < 0.54 * lab_h) & (np.abs(lx) < 0.55))
        | ((ly > 0.60 * lab_h) & (ly < 0.65 * lab_h) & (np.abs(lx + 0.1) < 0.40))
    ).astype(np.float32)
    _blend(lab_rgb, text * 0.75, (0.25, 0.24, 0.22))
    bc = lx - 0.45
    bars = (np.sin(bc * 40.0) + 0.6 * np.sin(bc * 97.0) > 0.35) & (np.abs(bc) < 0.22)
    barcode = (bars & (ly > 0.72 * lab_h) & (ly < 0.92 * lab_h)).astype(np.float32)
    _blend(lab_rgb, barcode * 0.85, (0.10, 0.10, 0.10))
    lab_rgb *= (0.50 + 0.50 * ring)[..., None]
    _blend(roi, in_lab, lab_rgb)

    # --- neck finish and cap --------------------------------------------------------------------
    neck_rows = (yy > b.y_top) & (yy < b.y_top + 9 * sc)
    threads = neck_rows * (np.sin((yy - b.y_top) * 1.3) > 0.5) * glass
    roi *= (1.0 - 0.18 * threads)[..., None]
    if label != "missing_cap":
        cy0, cy1 = b.cap_top, b.y_top + 9.0 * sc
        corner = 3.0 * sc
        yc = np.clip(cy0 + corner - yy, 0.0, None)
        cap_hw = b.cap_hw - (corner - np.sqrt(np.clip(corner**2 - yc**2, 0.0, None)))
        cap = _smoothstep(cap_hw - dxa + 0.5) * _smoothstep(yy - cy0 + 0.5) * _smoothstep(cy1 - yy + 0.5)
        uc = np.clip((xx - b.cx) / b.cap_hw, -1.0, 1.0)
        knurl = 0.88 + 0.12 * (np.sin(xx * 2.1 / k) > 0)
        cap_shade = (0.45 + 0.55 * np.sqrt(np.clip(1 - uc * uc, 0, 1))) * knurl
        cap_col = np.array([0.20, 0.32, 0.58], dtype=np.float32) * np.float32(rng.uniform(0.92, 1.06))
        _blend(roi, cap, cap_col * cap_shade[..., None])
        lip = cap * np.exp(-(((yy - (cy1 - 2.5 * sc)) / (1.0 * k)) ** 2))
        roi *= (1.0 - 0.35 * lip)[..., None]
    else:
        # Open mouth: the rim is lighter, the inside of the neck dark.
        rim = glass * np.exp(-(((yy - b.y_top - 1.0 * k) / (1.2 * k)) ** 2))
        _blend(roi, rim * 0.6, (0.85, 0.88, 0.86))
        mouth = _smoothstep(b.neck_hw - 2.5 * k - dxa) * _smoothstep(yy - b.y_top - 1.5 * k) * neck_rows
        _blend(roi, mouth * 0.35, (0.15, 0.16, 0.16))

    # --- highlight (normal, looks a little like a scratch) ---------------------------------------
    u0 = rng.uniform(-0.62, -0.38)
    wspec = rng.uniform(0.05, 0.10)
    spec = np.exp(-(((u - u0) / wspec) ** 2)) * glass * rng.uniform(0.18, 0.42)
    spec *= 1.0 - 0.6 * in_lab
    roi += spec[..., None]

    # --- defects drawn on the product -------------------------------------------------------------
    bbox: tuple[float, float, float, float] | None = None
    if label == "scratch":
        bbox = _scratch(rng, roi, xx, yy, b, glass, in_lab, info)
    elif label == "contamination":
        bbox = _contamination(rng, roi, (rx0, ry0), b, fill, lab_top, lab_h, info)
    elif label == "missing_cap":
        bbox = (b.cx - b.cap_hw, b.cap_top, b.cx + b.cap_hw, b.y_top + 9.0 * sc)
    elif label == "underfill":
        hwf = float(b.half_width(np.array([fill], dtype=np.float32))[0])
        bbox = (b.cx - hwf, fill_nom - 2.0 * k, b.cx + hwf, fill + 2.0 * k)
    elif label == "misaligned_label":
        ends = [lab_top + math.tan(tilt) * (dx * b.body_hw) for dx in (-1.0, 1.0)]
        bbox = (b.cx - b.body_hw, min(ends), b.cx + b.body_hw, max(ends) + lab_h)

    # --- lighting and sensor -------------------------------------------------------------------
    gain = rng.uniform(0.80, 1.15) if not mild else rng.uniform(0.95, 1.05)
    tint = (1.0 + rng.uniform(-0.04, 0.04, size=3)).astype(np.float32)
    slope = rng.uniform(-0.25, 0.25) if not mild else 0.0
    cols = gx[0]
    light = (1.0 + slope * (cols / S - 0.5))[None, :] * (
        1.0 - 0.18 * ((cols[None, :] - S / 2) ** 2 + (rows[:, None] - S / 2) ** 2) / S**2
    )
    img *= (np.float32(gain) * light)[..., None] * tint
    if rng.random() < 0.35 and not mild:  # motion blur along the conveyor
        img = _hblur(img, int(rng.integers(2, 5)))
    sigma = rng.uniform(0.006, 0.02)
    img += rng.standard_normal(size=img.shape, dtype=np.float32) * np.float32(sigma)
    out = (np.clip(img, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)

    box = None
    if bbox is not None:
        x0, y0, x1, y1 = bbox
        box = (
            max(0, math.floor(x0)),
            max(0, math.floor(y0)),
            min(S, math.ceil(x1) + 1),
            min(S, math.ceil(y1) + 1),
        )
    return Rendered(out, label, box, info)


def _hblur(img: np.ndarray, n: int) -> np.ndarray:
    acc = img.copy()
    for s in range(1, n):
        acc[:, s:] += img[:, :-s]
        acc[:, :s] += img[:, :1]
    return acc / np.float32(n)


def _scratch(
    rng: np.random.Generator,
    img: np.ndarray,
    xx: np.ndarray,
    yy: np.ndarray,
    b: _Bottle,
    glass: np.ndarray,
    on_label: np.ndarray,
    info: dict[str, float],
) -> tuple[float, float, float, float]:
    k = b.k
    length = rng.uniform(*SCRATCH_LENGTH) * k
    ang = rng.uniform(0.0, math.pi)
    mx = b.cx + rng.uniform(-0.6, 0.6) * b.body_hw
    my = rng.uniform(b.y_shoulder + 8 * k, b.yb - 12 * k)
    hx, hy = 0.5 * length * math.cos(ang), 0.5 * length * math.sin(ang)
    x0, y0, x1, y1 = mx - hx, my - hy, mx + hx, my + hy
    vx, vy = x1 - x0, y1 - y0
    t = np.clip(((xx - x0) * vx + (yy - y0) * vy) / (vx * vx + vy * vy), 0.0, 1.0)
    d = np.hypot(xx - (x0 + t * vx), yy - (y0 + t * vy))
    width = rng.uniform(*SCRATCH_WIDTH) * k
    line = _smoothstep(width / 2 + 0.5 - d) * glass
    contrast = rng.uniform(*SCRATCH_CONTRAST)
    info["scratch_contrast"] = float(contrast)
    # Under the inspection lights a scratch in the PET scatters light (bright); where it crosses the
    # paper label it is a scuff (dark): a bright line on near-white paper would vanish in the clip.
    glass_part = line * (1.0 - on_label)
    if rng.random() < 0.8:
        img += (glass_part * contrast)[..., None]
    else:
        img *= (1.0 - glass_part * contrast)[..., None]
    img *= (1.0 - line * on_label * contrast * 1.2)[..., None]
    pad = width + 1.0
    return (min(x0, x1) - pad, min(y0, y1) - pad, max(x0, x1) + pad, max(y0, y1) + pad)


def _contamination(
    rng: np.random.Generator,
    roi: np.ndarray,
    origin: tuple[int, int],
    b: _Bottle,
    fill: float,
    lab_top: float,
    lab_h: float,
    info: dict[str, float],
) -> tuple[float, float, float, float]:
    k = b.k
    n = int(rng.integers(1, 4))
    info["particles"] = n
    boxes = []
    for _ in range(n):
        where = rng.random()
        if where < 0.45 and lab_top - fill > 8 * k:  # in the liquid above the label
            py = rng.uniform(fill + 3 * k, lab_top - 2 * k)
        elif where < 0.75:  # in the liquid below the label
            py = rng.uniform(lab_top + lab_h + 2 * k, b.yb - 5 * k)
        else:  # dirt on the label
            py = rng.uniform(lab_top + 3 * k, lab_top + lab_h - 3 * k)
        hw = float(b.half_width(np.array([py], dtype=np.float32))[0])
        px = b.cx + rng.uniform(-0.75, 0.75) * max(hw - 3 * k, 1.0)
        rx, ry = rng.uniform(1.3, 3.4) * k, rng.uniform(1.3, 3.4) * k
        rot = rng.uniform(0, math.pi)
        opacity = rng.uniform(0.65, 0.95)
        _disc(roi, px - origin[0], py - origin[1], rx, ry, opacity, (0.10, 0.08, 0.06), rot=rot)
        r = max(rx, ry) + 1.0
        boxes.append((px - r, py - r, px + r, py + r))
    return (
        min(x[0] for x in boxes),
        min(x[1] for x in boxes),
        max(x[2] for x in boxes),
        max(x[3] for x in boxes),
    )


def frame_rng(seed: int, index: int) -> np.random.Generator:
    """The generator for image `index` of a stream: any frame can be re-rendered on its own."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, int(index) & 0xFFFFFFFF, 0x51C])


def render_frame(seed: int, index: int, label: str, size: int = DEFAULT_SIZE) -> Rendered:
    return render(frame_rng(seed, index), label, size)
