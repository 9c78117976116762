"""What a trend pen draws, as numpy columns (no Qt): points, min/max buckets, line styles.

One representation flows from every source to the screen: ``Points`` (time,
value, raw OPC UA status), sorted by time. Raw journal rows, the live ring
buffers and peak-preserving buckets all become ``Points``; ``style_points``
then turns them into the arrays a curve draws, with the quality rules of
docs/trends.md applied in one place:

- what is drawn is what was recorded: a value holds from its sample until the
  next one (sample-and-hold, as OPC UA on-change data means), drawn as a
  step; nothing is ever interpolated between two samples, so a machine that
  stopped at 0 A is flat at 0 A, not a ramp down from its last running value;
- a bad or non-finite value draws no line: the line of the previous value
  stops at the bad sample's time and starts again at the next usable one,
  so a gap is never drawn over;
- a segment that starts at an uncertain value is dashed;
- stretches (gap, bad, uncertain, backfilled) come back as time intervals for
  the status lane.

Buckets keep what a pixel column needs: count, bad/uncertain counts, min and
max of the usable values, first/last time, last value and status, the latest
bad status, OR-ed flags. Three points per bucket (min, max, then the last
value, at one x) draw the same picture as every sample at that zoom: the
column shows the recorded extremes and the line leaves the bucket at the
value that is held after it (never at the max, which may be long gone).
A bucket whose last sample is bad ends the line there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hmi.core.quality import (
    BACKFILL_BIT,
    BACKFILLED,
    GOOD,
    UNCERTAIN,
    is_backfilled,
    is_gap_status,
)
from hmi.core.quality import quality_array as severity  # 0 good, 1 uncertain, 2 bad, per sample

# The status bits and codes trends use (backfill marker, "no data" codes) are OPC UA facts:
# they live with the rest of them in hmi.core.quality. FLAG_MASK is the trends' own choice.
FLAG_MASK = BACKFILL_BIT  # the info bits that buckets and rollups OR together


# --- points -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Points:
    """Time-ordered (ts, value, status) columns; value NaN where there is none."""

    ts: np.ndarray
    value: np.ndarray
    status: np.ndarray

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    @classmethod
    def empty(cls) -> Points:
        return cls(np.empty(0), np.empty(0), np.empty(0, dtype=np.uint32))

    @classmethod
    def of(cls, ts: object, value: object, status: object) -> Points:
        t = np.asarray(ts, dtype=np.float64)
        v = np.asarray(value, dtype=np.float64)
        s = np.asarray(status, dtype=np.uint32)
        if not (t.shape == v.shape == s.shape) or t.ndim != 1:
            raise ValueError(
                f"Points columns must be 1-D and equal length, got {t.shape}, {v.shape}, {s.shape}"
            )
        return cls(t, v, s)

    @classmethod
    def concat(cls, parts: Sequence[Points], *, sort: bool = False) -> Points:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        if len(parts) == 1 and not sort:
            return parts[0]
        ts = np.concatenate([p.ts for p in parts])
        v = np.concatenate([p.value for p in parts])
        s = np.concatenate([p.status for p in parts])
        if sort:
            order = np.argsort(ts, kind="stable")
            ts, v, s = ts[order], v[order], s[order]
        return cls(ts, v, s)

    def between(self, t0: float, t1: float) -> Points:
        """Points with t0 <= ts < t1 (binary search: ts is sorted)."""
        i0 = int(np.searchsorted(self.ts, t0, side="left"))
        i1 = int(np.searchsorted(self.ts, t1, side="left"))
        return Points(self.ts[i0:i1], self.value[i0:i1], self.status[i0:i1])

    def with_bounds(self, t0: float, t1: float) -> Points:
        """The points in [t0, t1) plus the last one before t0 and the first at/after t1.

        Lines then run to the edges of the view instead of stopping at the first sample.
        """
        i0 = max(int(np.searchsorted(self.ts, t0, side="left")) - 1, 0)
        i1 = min(int(np.searchsorted(self.ts, t1, side="left")) + 1, len(self))
        return Points(self.ts[i0:i1], self.value[i0:i1], self.status[i0:i1])


def usable_mask(value: np.ndarray, status: np.ndarray) -> np.ndarray:
    """Values a line may be drawn through: finite and not of bad quality."""
    return np.isfinite(value) & (severity(status) < 2)


# --- buckets ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Buckets:
    """Aggregates of consecutive samples, one row per (time) bucket, sorted by time."""

    width: float
    t_first: np.ndarray
    t_last: np.ndarray
    n: np.ndarray
    n_bad: np.ndarray
    n_unc: np.ndarray
    vmin: np.ndarray
    vmax: np.ndarray
    v_last: np.ndarray
    s_last: np.ndarray
    s_bad: np.ndarray  # status of the latest bad sample, 0 if none
    flags: np.ndarray  # OR of FLAG_MASK bits

    def __len__(self) -> int:
        return int(self.t_first.shape[0])

    @property
    def samples(self) -> int:
        return int(self.n.sum())

    def take(self, rows: slice | np.ndarray) -> Buckets:
        """The same buckets restricted to `rows` (a slice, index or mask)."""
        return Buckets(self.width, *(getattr(self, f)[rows] for f in BUCKET_COLUMNS))

    @classmethod
    def empty(cls, width: float) -> Buckets:
        f = np.empty(0)
        i = np.empty(0, dtype=np.int64)
        u = np.empty(0, dtype=np.uint32)
        return cls(
            width, f, f.copy(), i, i.copy(), i.copy(), f.copy(), f.copy(), f.copy(), u, u.copy(), u.copy()
        )

    @classmethod
    def concat(cls, parts: Sequence[Buckets], width: float) -> Buckets:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty(width)
        cols = [np.concatenate([getattr(p, f) for p in parts]) for f in BUCKET_COLUMNS]
        return cls(width, *cols)

    def to_points(self) -> Points:
        return self.to_points_owned(None)[0]

    def to_points_owned(self, owner: np.ndarray | None) -> tuple[Points, np.ndarray]:
        """`to_points` for buckets of several pens at once: `owner` (per bucket, sorted) comes back
        per point, points sorted by (owner, time).

        Up to five points per bucket that draw it as the samples would at pixel scale.

        - a bad sample anywhere in a bucket: a NaN point just before the bucket (the line
          breaks: a gap smaller than a pixel stays visible). A bucket (or rollup row) does
          not say whether its bad samples came before its usable ones, so the value held
          before the bucket always ends there: held on, it could cross a bad stretch that
          opens the bucket (seen: a value 1 held over a Bad stretch into the column of the 0
          after it, in a bucket that also ended Bad);
        - usable values: (t, min), (t, max) and (t, last) at one x, or the single sample itself;
          drawn as steps, the line enters the bucket from the value held before it, spans the
          recorded extremes and leaves at the bucket's last value, which is what is held until
          the next sample;
        - a bucket whose last sample is bad: a NaN point right after its min and max, at
          their x (the line ends there: what was held between them and the bad sample is not
          known, so nothing is drawn for it); a bucket with no usable value: a NaN at its start.
        """
        n = len(self)
        if n == 0:
            return Points.empty(), np.empty(0, dtype=np.int64)
        has_val = np.isfinite(self.vmin)
        last_bad = ~usable_mask(self.v_last, self.s_last)
        single = has_val & (self.n - self.n_bad == 1)
        lead_bad = has_val & (self.n_bad > 0)
        k_lead = lead_bad.astype(np.int64)
        # min, max, and (when the last sample is usable) the last value, which the line holds
        k_val = np.where(has_val, np.where(single, 1, np.where(last_bad, 2, 3)), 0)
        k_tail = (last_bad | ~has_val).astype(np.int64)
        counts = k_lead + k_val + k_tail
        pos = np.concatenate(([0], np.cumsum(counts)[:-1]))
        total = int(counts.sum())
        ts = np.empty(total)
        v = np.empty(total)
        s = np.empty(total, dtype=np.uint32)
        good_status = np.where(self.n_unc > 0, UNCERTAIN, GOOD).astype(np.uint32)
        good_status |= np.where(self.flags & np.uint32(BACKFILL_BIT), BACKFILLED, 0).astype(np.uint32)
        # x of the bucket's points: middle of the samples' span, so it stays inside the bucket
        # (a single usable sample sits at t_last unless a bad sample came after it)
        tmid = np.where(single & ~last_bad, self.t_last, 0.5 * (self.t_first + self.t_last))
        eps = np.minimum(self.width * 1e-3, 1e-3)
        # lead bad point
        i = pos[lead_bad]
        ts[i] = self.t_first[lead_bad] - eps
        v[i] = np.nan
        s[i] = self.s_bad[lead_bad]
        # value points
        p1 = pos + k_lead
        hv = has_val
        ts[p1[hv]] = tmid[hv]
        # single sample: its own value; else min, max (and last)
        single_last = single & ~last_bad
        v[p1[hv]] = np.where(single_last[hv], self.v_last[hv], self.vmin[hv])
        s[p1[hv]] = np.where(single_last[hv], self.s_last[hv], good_status[hv])
        two = hv & ~single
        ts[p1[two] + 1] = tmid[two]
        v[p1[two] + 1] = self.vmax[two]
        s[p1[two] + 1] = good_status[two]
        three = two & ~last_bad
        ts[p1[three] + 2] = tmid[three]
        v[p1[three] + 2] = self.v_last[three]
        s[p1[three] + 2] = self.s_last[three]
        # tail bad point
        tb = k_tail.astype(bool)
        pt = pos[tb] + k_lead[tb] + k_val[tb]
        # At the values' own x: the last usable value of a bucket that ends Bad is not known (only
        # its min and max are), so nothing may be held after them. Held until the bad sample's
        # time, the max was drawn over time it did not hold, into the next column and, from a
        # rollup row, more than a rollup bucket late (a ramp's 35.0 drawn 14 s after its time).
        ts[pt] = np.where(has_val[tb], tmid[tb], self.t_first[tb])
        v[pt] = np.nan
        sb = np.where(self.s_bad[tb] != 0, self.s_bad[tb], self.s_last[tb])
        s[pt] = sb
        own = np.repeat(owner, counts) if owner is not None else np.zeros(total, dtype=np.int64)
        # t_first - eps can precede the previous bucket's points only by < eps; keep order stable
        if total > 1:
            d = np.diff(ts)
            if owner is not None:
                d = np.where(own[1:] != own[:-1], 0.0, d)
            if np.any(d < 0):
                order = np.lexsort((ts, own))
                ts, v, s, own = ts[order], v[order], s[order], own[order]
        return Points(ts, v, s), own

    def value_at(self, t: float) -> tuple[float, int, float, float, float]:
        """(last value, its status, time, min, max) of the bucket holding t, or of the one before."""
        if len(self) == 0:
            return (float("nan"), 0, float("nan"), float("nan"), float("nan"))
        i = int(np.searchsorted(self.t_first, t, side="right")) - 1
        if i < 0:
            return (float("nan"), 0, float("nan"), float("nan"), float("nan"))
        return (
            float(self.v_last[i]),
            int(self.s_last[i]),
            float(self.t_last[i]),
            float(self.vmin[i]),
            float(self.vmax[i]),
        )


BUCKET_COLUMNS = (
    "t_first",
    "t_last",
    "n",
    "n_bad",
    "n_unc",
    "vmin",
    "vmax",
    "v_last",
    "s_last",
    "s_bad",
    "flags",
)


def _group_starts(keys: np.ndarray) -> np.ndarray:
    """Start index of each run of equal consecutive keys."""
    if len(keys) == 0:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])


def aggregate(
    ts: np.ndarray, value: np.ndarray, status: np.ndarray, starts: np.ndarray, width: float
) -> Buckets:
    """Bucket rows given the start index of each group (rows sorted by time inside a group)."""
    n_rows = len(ts)
    if n_rows == 0 or len(starts) == 0:
        return Buckets.empty(width)
    status = status.astype(np.uint32, copy=False)
    sev = severity(status)
    usable = np.isfinite(value) & (sev < 2)
    bad = ~usable
    ends = np.r_[starts[1:], n_rows]
    n = (ends - starts).astype(np.int64)
    vv = np.where(usable, value, np.nan)
    with np.errstate(invalid="ignore"):
        vmin = np.fmin.reduceat(vv, starts)
        vmax = np.fmax.reduceat(vv, starts)
    n_bad = np.add.reduceat(bad.astype(np.int64), starts)
    n_unc = np.add.reduceat((usable & (sev == 1)).astype(np.int64), starts)
    last = ends - 1
    bad_idx = np.maximum.reduceat(np.where(bad, np.arange(n_rows), -1), starts)
    s_bad = np.where(bad_idx >= 0, status[np.maximum(bad_idx, 0)], 0).astype(np.uint32)
    flags = np.bitwise_or.reduceat(status & np.uint32(FLAG_MASK), starts).astype(np.uint32)
    return Buckets(
        width,
        ts[starts].astype(np.float64),
        ts[last].astype(np.float64),
        n,
        n_bad,
        n_unc,
        vmin,
        vmax,
        np.where(usable[last], value[last], np.nan),
        status[last],
        s_bad,
        flags,
    )


def bucket_index(ts: np.ndarray, width: float, origin: float = 0.0) -> np.ndarray:
    return np.floor((ts - origin) / width).astype(np.int64)


def bucketize(
    ts: np.ndarray, value: np.ndarray, status: np.ndarray, width: float, origin: float = 0.0
) -> Buckets:
    """Peak-preserving buckets of `width` seconds aligned to `origin` (ts sorted)."""
    if len(ts) == 0:
        return Buckets.empty(width)
    k = bucket_index(ts, width, origin)
    return aggregate(ts, value, status, _group_starts(k), width)


def regroup(b: Buckets, width: float, origin: float = 0.0) -> Buckets:
    """Merge finer buckets (sorted by time, e.g. rollup rows of several files) into `width`."""
    if len(b) == 0:
        return Buckets.empty(width)
    order = np.argsort(b.t_first, kind="stable")
    if np.any(order != np.arange(len(order))):
        b = b.take(order)
    starts = _group_starts(bucket_index(b.t_first, width, origin))
    ends = np.r_[starts[1:], len(b)]
    last = ends - 1
    idx = np.arange(len(b))
    bad_idx = np.maximum.reduceat(np.where(b.s_bad != 0, idx, -1), starts)
    with np.errstate(invalid="ignore"):
        vmin = np.fmin.reduceat(b.vmin, starts)
        vmax = np.fmax.reduceat(b.vmax, starts)
    return Buckets(
        width,
        b.t_first[starts],
        np.maximum.reduceat(b.t_last, starts),
        np.add.reduceat(b.n, starts),
        np.add.reduceat(b.n_bad, starts),
        np.add.reduceat(b.n_unc, starts),
        vmin,
        vmax,
        b.v_last[last],
        b.s_last[last],
        np.where(bad_idx >= 0, b.s_bad[np.maximum(bad_idx, 0)], 0).astype(np.uint32),
        np.bitwise_or.reduceat(b.flags, starts).astype(np.uint32),
    )


# --- styling ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Intervals:
    start: np.ndarray
    end: np.ndarray

    def __len__(self) -> int:
        return int(self.start.shape[0])

    @classmethod
    def empty(cls) -> Intervals:
        return cls(np.empty(0), np.empty(0))

    @classmethod
    def union(cls, parts: Sequence[Intervals]) -> Intervals:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        s = np.concatenate([p.start for p in parts])
        e = np.concatenate([p.end for p in parts])
        order = np.argsort(s, kind="stable")
        s, e = s[order], e[order]
        # merge overlapping: a new interval starts where start > running max of previous ends
        run_end = np.maximum.accumulate(e)
        new = np.r_[True, s[1:] > run_end[:-1]]
        starts = np.flatnonzero(new)
        return cls(s[starts], np.maximum.reduceat(e, starts))

    def total(self) -> float:
        return float(np.sum(self.end - self.start)) if len(self) else 0.0


@dataclass(frozen=True, slots=True)
class Styled:
    """Arrays for drawing one pen: NaN-separated polylines plus quality stretches."""

    solid_x: np.ndarray
    solid_y: np.ndarray
    dashed_x: np.ndarray
    dashed_y: np.ndarray
    gaps: Intervals  # no data reached us (disconnection, journal drop, app not running)
    bad: Intervals  # the device/server said bad, or the value is NaN/inf
    uncertain: Intervals
    backfilled: Intervals

    @classmethod
    def empty(cls) -> Styled:
        e = np.empty(0)
        ie = Intervals.empty()
        return cls(e, e.copy(), e.copy(), e.copy(), ie, ie, ie, ie)


def _runs_to_intervals(mask: np.ndarray, ts: np.ndarray, end_t: float | None) -> Intervals:
    """Each run of True in `mask` lasts from its first point to the point after it."""
    if not mask.any():
        return Intervals.empty()
    m = mask.astype(np.int8)
    d = np.diff(np.r_[0, m, 0])
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)  # index of the first point after the run
    last_t = ts[-1] if end_t is None else max(float(ts[-1]), end_t)
    end_ts = np.where(ends < len(ts), ts[np.minimum(ends, len(ts) - 1)], last_t)
    return Intervals(ts[starts].astype(np.float64), end_ts.astype(np.float64))


def _hold_polyline(seg: np.ndarray, ts: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sample-and-hold polylines for the segments i -> i+1 where seg[i]: (t_i, v_i) -> (t_i+1, v_i).

    Consecutive segments join with a vertical step at the next sample's time; a run of
    segments ends with a NaN (a break), so nothing is ever drawn between two samples
    except the value held from the first.
    """
    idx = np.flatnonzero(seg)
    if len(idx) == 0:
        return np.empty(0), np.empty(0)
    nxt = np.r_[seg[1:], False]
    run_end = nxt[idx] == 0  # this segment ends a run
    per = 2 + run_end.astype(np.int64)
    pos = np.concatenate(([0], np.cumsum(per)[:-1]))
    x = np.full(int(per.sum()), np.nan)
    y = np.full(int(per.sum()), np.nan)
    x[pos] = ts[idx]
    y[pos] = v[idx]
    x[pos + 1] = ts[idx + 1]
    y[pos + 1] = v[idx]
    return x, y


def hold_xy(ts: np.ndarray, v: np.ndarray, end_t: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The step polyline of samples that are all usable and of one style (the live tail's
    fast path): each value held until the next sample, the last one until `end_t`."""
    n = len(ts)
    if n == 0:
        return np.empty(0), np.empty(0)
    if end_t is not None and end_t > ts[-1]:
        ts = np.r_[ts, end_t]
        v = np.r_[v, v[-1]]
        n += 1
    if n < 2:
        return np.empty(0), np.empty(0)  # one sample and no time after it: no segment yet
    # t0 t1 t1 t2 t2 ... t(n-1) / v0 v0 v1 v1 ... v(n-2): the riser at each sample's time
    return np.repeat(ts, 2)[1:-1].astype(np.float64), np.repeat(v, 2)[:-2].astype(np.float64)


def style_points(p: Points, *, end_t: float | None = None) -> Styled:
    """Turn points into drawable step polylines and quality stretches (rules in the module doc).

    `end_t`: hold the last usable value to this time (live view: the value holds until now).
    """
    n = len(p)
    if n == 0:
        return Styled.empty()
    ts, v, st = p.ts, p.value, p.status
    if end_t is not None and end_t > ts[-1] and usable_mask(v[-1:], st[-1:])[0]:
        ts = np.r_[ts, end_t]
        v = np.r_[v, v[-1]]
        st = np.r_[st, st[-1]]
        n += 1
    sev = severity(st)
    usable = np.isfinite(v) & (sev < 2)
    # segment i -> i+1 exists when point i is usable; its style is point i's quality
    has_next = np.r_[np.ones(n - 1, dtype=bool), False]
    seg_ok = usable & has_next
    sx, sy = _hold_polyline(seg_ok & (sev == 0), ts, v)
    dx, dy = _hold_polyline(seg_ok & (sev == 1), ts, v)
    bad = ~usable
    gap = bad & is_gap_status(st)
    real_n = len(p)
    ts_i = ts[:real_n]
    gaps = _runs_to_intervals(gap[:real_n], ts_i, end_t)
    bads = _runs_to_intervals((bad & ~gap)[:real_n], ts_i, end_t)
    unc = _runs_to_intervals((usable & (sev == 1))[:real_n], ts_i, end_t)
    bf = _runs_to_intervals(np.asarray(is_backfilled(st[:real_n])), ts_i, end_t)
    return Styled(sx, sy, dx, dy, gaps, bads, unc, bf)


def value_at(p: Points, t: float) -> tuple[float, int, float]:
    """(value, status, sample time) of the last point at or before t; NaN/0/NaN if none."""
    i = int(np.searchsorted(p.ts, t, side="right")) - 1
    if i < 0:
        return float("nan"), 0, float("nan")
    return float(p.value[i]), int(p.status[i]), float(p.ts[i])
