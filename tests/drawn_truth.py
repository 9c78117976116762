"""The check behind "trends draw only what was recorded" (issue 10), for the property tests.

Given the vertices a curve draws (x, y; NaN = break, segments between consecutive finite
vertices, as pyqtgraph's ``connect="finite"`` strokes them) and the samples that were
recorded, it computes per pixel column:

- the drawn vertical extent: every segment clipped to the column (a vertical step, a
  horizontal hold, and also a slanted line, which is what an interpolated ramp would be);
- the allowed extent: min..max of the usable samples whose hold interval [t_i, t_i+1]
  touches the column (sample-and-hold: a value holds until the next sample of any quality;
  a bad or gap sample holds no drawable value).

Columns are closed intervals: a step exactly at a column boundary belongs to both sides,
as it does on the screen. `slack` widens each column on both sides by that many seconds,
for data whose bucket grid is not the checker's grid (rollup rows, a history read made for
a slightly different pixel width): an extreme may then be drawn up to `slack` from its time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from hmi.core.quality import (
    BACKFILLED,
    BAD_NOT_CONNECTED,
    BAD_SENSOR_FAILURE,
    GOOD,
    UNCERTAIN_LAST_USABLE_VALUE,
)
from hmi.core.trend_data import Points, style_points, usable_mask

T0 = 1_780_000_000.0


@dataclass(frozen=True)
class Columns:
    origin: float
    width: float
    n: int

    def edges(self, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.origin + j * self.width, self.origin + (j + 1) * self.width


def drawn_extent(x: np.ndarray, y: np.ndarray, cols: Columns) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) per column of what the polyline draws there; NaN where it draws nothing."""
    lo = np.full(cols.n, np.inf)
    hi = np.full(cols.n, -np.inf)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    fin = np.isfinite(x) & np.isfinite(y)
    seg = fin[:-1] & fin[1:]
    if len(x) < 2 or not seg.any():
        return np.full(cols.n, np.nan), np.full(cols.n, np.nan)
    i = np.flatnonzero(seg)
    x0, x1, y0, y1 = x[i], x[i + 1], y[i], y[i + 1]
    swap = x1 < x0
    x0, x1 = np.where(swap, x1, x0), np.where(swap, x0, x1)
    y0, y1 = np.where(swap, y1, y0), np.where(swap, y0, y1)
    # columns a segment touches (closed: a vertex on a boundary touches both)
    j0 = np.ceil((x0 - cols.origin) / cols.width - 1.0).astype(np.int64)
    j1 = np.floor((x1 - cols.origin) / cols.width).astype(np.int64)
    j0 = np.clip(j0, 0, cols.n)
    j1 = np.clip(j1, -1, cols.n - 1)
    k = np.maximum(j1 - j0 + 1, 0)
    if not k.any():
        return np.full(cols.n, np.nan), np.full(cols.n, np.nan)
    s = np.repeat(np.arange(len(x0)), k)
    j = np.repeat(j0, k) + (np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k))
    c0, c1 = cols.edges(j)
    a = np.maximum(x0[s], c0)
    b = np.minimum(x1[s], c1)
    dx = x1[s] - x0[s]
    with np.errstate(invalid="ignore", divide="ignore"):
        ya = np.where(dx > 0, y0[s] + (y1[s] - y0[s]) * (a - x0[s]) / dx, y0[s])
        yb = np.where(dx > 0, y0[s] + (y1[s] - y0[s]) * (b - x0[s]) / dx, y1[s])
    np.minimum.at(lo, j, np.minimum(ya, yb))
    np.maximum.at(hi, j, np.maximum(ya, yb))
    none = lo > hi
    lo[none] = np.nan
    hi[none] = np.nan
    return lo, hi


def allowed_extent(
    rec: Points, cols: Columns, *, end_t: float = math.inf, slack: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) per column of the usable recorded values held there; NaN where none is."""
    lo = np.full(cols.n, np.inf)
    hi = np.full(cols.n, -np.inf)
    n = len(rec)
    if n:
        ok = usable_mask(rec.value, rec.status)
        t_next = np.r_[rec.ts[1:], max(end_t, float(rec.ts[-1]))]
        i = np.flatnonzero(ok)
        h0, h1 = rec.ts[i], t_next[i]
        j0 = np.ceil((h0 - slack - cols.origin) / cols.width - 1.0)
        j1 = np.floor((np.minimum(h1, 1e300) + slack - cols.origin) / cols.width)
        j0 = np.clip(j0, 0, cols.n).astype(np.int64)
        j1 = np.clip(j1, -1, cols.n - 1).astype(np.int64)
        k = np.maximum(j1 - j0 + 1, 0)
        if k.any():
            s = np.repeat(i, k)
            j = np.repeat(j0, k) + (np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k))
            np.minimum.at(lo, j, rec.value[s])
            np.maximum.at(hi, j, rec.value[s])
    none = lo > hi
    lo[none] = np.nan
    hi[none] = np.nan
    return lo, hi


def recorded_extremes(rec: Points, cols: Columns) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) per column of the usable samples recorded inside it (what min/max must keep)."""
    ok = usable_mask(rec.value, rec.status)
    j = np.floor((rec.ts[ok] - cols.origin) / cols.width).astype(np.int64)
    v = rec.value[ok]
    inside = (j >= 0) & (j < cols.n)
    lo = np.full(cols.n, np.inf)
    hi = np.full(cols.n, -np.inf)
    np.minimum.at(lo, j[inside], v[inside])
    np.maximum.at(hi, j[inside], v[inside])
    none = lo > hi
    lo[none] = np.nan
    hi[none] = np.nan
    return lo, hi


def violations(
    x: np.ndarray,
    y: np.ndarray,
    rec: Points,
    cols: Columns,
    *,
    end_t: float = math.inf,
    slack: float = 0.0,
    tol: float = 1e-9,
) -> list[str]:
    """Columns where the drawing shows a value no held sample had; [] when it is truthful."""
    dlo, dhi = drawn_extent(x, y, cols)
    alo, ahi = allowed_extent(rec, cols, end_t=end_t, slack=slack)
    out: list[str] = []
    drawn = np.isfinite(dlo)
    for j in np.flatnonzero(drawn & ~np.isfinite(alo))[:5].tolist():
        c0 = cols.origin + j * cols.width
        out.append(
            f"column {j} [{c0:.3f}, {c0 + cols.width:.3f}]: drawn {dlo[j]:g}..{dhi[j]:g}, nothing held"
        )
    both = drawn & np.isfinite(alo)
    span = np.maximum(np.abs(alo), np.abs(ahi))
    bad = both & ((dlo < alo - tol * (1 + span)) | (dhi > ahi + tol * (1 + span)))
    for j in np.flatnonzero(bad)[:5].tolist():
        c0 = cols.origin + j * cols.width
        out.append(
            f"column {j} [{c0:.3f}, {c0 + cols.width:.3f}]: drawn {dlo[j]:g}..{dhi[j]:g},"
            f" recorded {alo[j]:g}..{ahi[j]:g}"
        )
    return out


def missing_extremes(
    x: np.ndarray, y: np.ndarray, rec: Points, cols: Columns, *, slack_cols: int = 0, tol: float = 1e-9
) -> list[str]:
    """Columns whose recorded min/max the drawing does not reach (within `slack_cols` columns)."""
    dlo, dhi = drawn_extent(x, y, cols)
    rlo, rhi = recorded_extremes(rec, cols)
    if slack_cols:
        k = 2 * slack_cols + 1
        pad_lo = np.r_[
            np.full(slack_cols, np.inf), np.nan_to_num(dlo, nan=np.inf), np.full(slack_cols, np.inf)
        ]
        pad_hi = np.r_[
            np.full(slack_cols, -np.inf), np.nan_to_num(dhi, nan=-np.inf), np.full(slack_cols, -np.inf)
        ]
        win_lo = np.lib.stride_tricks.sliding_window_view(pad_lo, k).min(axis=1)
        win_hi = np.lib.stride_tricks.sliding_window_view(pad_hi, k).max(axis=1)
        dlo, dhi = win_lo, win_hi
    out: list[str] = []
    have = np.isfinite(rlo)
    span = np.maximum(np.abs(rlo), np.abs(rhi))
    miss = have & ~(
        (np.nan_to_num(dlo, nan=np.inf) <= rlo + tol * (1 + span))
        & (np.nan_to_num(dhi, nan=-np.inf) >= rhi - tol * (1 + span))
    )
    for j in np.flatnonzero(miss)[:5].tolist():
        out.append(f"column {j}: recorded {rlo[j]:g}..{rhi[j]:g}, drawn {dlo[j]:g}..{dhi[j]:g}")
    return out


def drawn_at(x: np.ndarray, y: np.ndarray, t: float, width: float) -> tuple[float, float]:
    """The drawn extent in the pixel column of `width` centred on t (where a cursor at t reads)."""
    lo, hi = drawn_extent(x, y, Columns(t - 0.5 * width, width, 1))
    return float(lo[0]), float(hi[0])


# --- recorded signals -------------------------------------------------------------------------


@st.composite
def recorded_signals(draw, max_segments: int = 8, spacing=(0.2, 1.0, 3.0, 10.0, 40.0)) -> Points:
    """Steps, ramps, a machine stop (one 0.0 sample then silence), link gaps, bad and
    uncertain stretches and backfilled runs, with sample spacings from well under to well
    over a pixel column."""
    t = T0 + draw(st.floats(0.0, 50.0))
    ts: list[float] = []
    vs: list[float] = []
    ss: list[int] = []
    level = draw(st.floats(-20.0, 40.0))
    for _ in range(draw(st.integers(1, max_segments))):
        kind = draw(st.sampled_from(["step", "ramp", "stop", "gap", "bad", "uncertain", "backfilled"]))
        k = draw(st.integers(1, 30))
        dt = draw(st.sampled_from(spacing))
        if kind == "stop":
            ts.append(t)
            vs.append(0.0)
            ss.append(GOOD)
            t += draw(st.floats(5.0, 600.0))  # nothing recorded while it stands
            continue
        if kind == "gap":
            ts.append(t)
            vs.append(math.nan)
            ss.append(BAD_NOT_CONNECTED)
            t += draw(st.floats(1.0, 300.0))
            continue
        target = draw(st.floats(-20.0, 40.0))
        for i in range(k):
            if kind == "ramp":
                v = level + (target - level) * (i + 1) / k
            elif kind == "bad":
                v = draw(st.sampled_from([math.nan, 1e6, -1e6, math.inf]))
            else:
                v = target
            ts.append(t)
            vs.append(v)
            ss.append(
                {
                    "bad": BAD_SENSOR_FAILURE,
                    "uncertain": UNCERTAIN_LAST_USABLE_VALUE,
                    "backfilled": BACKFILLED,
                }.get(kind, GOOD)
            )
            t += dt
        if kind in ("step", "ramp", "uncertain", "backfilled"):
            level = target
    return Points.of(ts, vs, ss)


def curve_xy(p: Points, end_t: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """What the widget hands to its two curves (solid and dashed), as one polyline set."""
    s = style_points(p, end_t=end_t)
    return np.r_[s.solid_x, np.nan, s.dashed_x], np.r_[s.solid_y, np.nan, s.dashed_y]


def stop_after_running(t_trip: float) -> Points:
    """The filler's motor current: 27.8 A at 1 Hz, the bearing trip (one 0.0 sample), three
    minutes of nothing (the machine stands, the value does not change), then a restart."""
    run = np.arange(t_trip - 600.0, t_trip, 1.0)
    ts = np.r_[run, t_trip, t_trip + 180.0 + np.arange(0.0, 120.0, 1.0)]
    vals = np.r_[27.8 + 0.05 * np.sin(run), 0.0, np.linspace(3.0, 27.5, 120)]
    return Points.of(ts, vals, np.zeros(len(ts), dtype=np.uint32))
