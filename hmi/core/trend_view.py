"""The state of one trend view, without Qt: pens, time span, live/paused, what each pen draws.

`TrendView` is what `widgets.trend.TrendWidget` shows (napari's split between a
model and its Qt layer): the pens and their axes, the span and live mode, the
history each pen has loaded, and, per frame, the arrays each pen's curves
draw. The widget owns the plot items and hands them exactly these arrays, so
tests can check what is drawn without a display (tests/test_trend_view.py).

What a frame does (live, 25 Hz): the x range snaps to whole bucket widths (one
pixel), so the view steps one pixel every `span/width` seconds and otherwise
stands still; each pen's settled buckets ("body") are rebuilt every few buckets
and only the newest few buckets ("tail") on every frame.

Where a pen's data come from: before `join(pen)` (the instant the live buffer
starts holding every sample of the tag) the journal's history, from it on the
buffer; both hold the same samples, so the cut draws nothing twice and misses
nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hmi.core.historian import HistoryResult, PenHistory, write_csv
from hmi.core.history_api import TrendHistory
from hmi.core.live_buffer import LiveBuffers, LiveDecimator
from hmi.core.tag_info import TagInfo
from hmi.core.trend_data import (
    Intervals,
    Points,
    Styled,
    aggregate,
    bucket_index,
    hold_xy,
    style_points,
    value_at,
)
from hmi.core.trend_readout import CursorValue, ReadoutRow, readout_row
from hmi.core.trend_sets import PenSpec, TrendSet, assign_axes

PRESETS: tuple[tuple[str, float], ...] = (
    ("5 min", 300.0),
    ("1 h", 3600.0),
    ("8 h", 28800.0),
    ("24 h", 86400.0),
)
MIN_SPAN_S = 5.0
MAX_SPAN_S = 31 * 86400.0
MODES = ("overlay", "stacked")
_BODY_STEP_BUCKETS = 8

# A palette index per pen; the colours themselves are the widget's (style.pen_colour).
ColourFor = Callable[[int], str]


@dataclass
class PenState:
    """One pen: its tag, look, axis, loaded history and what it draws now."""

    tag: str
    idx: int  # index in the live buffers, -1 if the tag is not live
    info: TagInfo
    colour: str
    axis: str = ""
    axis_override: str | None = None
    visible: bool = True
    dec: LiveDecimator | None = None
    hist: PenHistory | None = None
    hist_range: tuple[float, float, float] = (math.nan, math.nan, math.nan)  # t0, t1, bucket width
    hist_version: int = 0
    body_key: tuple[Any, ...] = ()
    body: Styled = field(default_factory=Styled.empty)
    body_last: Points = field(default_factory=Points.empty)
    tail: Styled = field(default_factory=Styled.empty)
    tail_shown: bool = False
    exact: dict[float, tuple[float, int, float]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AxisSpec:
    """One Y axis group: key, title, range (None: automatic) and state names (state axes)."""

    key: str
    title: str
    y_range: tuple[float, float] | None
    states: dict[int, str]

    def as_tuple(self) -> tuple[str, str, tuple[float, float] | None, dict[int, str]]:
        return (self.key, self.title, self.y_range, self.states)


@dataclass
class Frame:
    """What one frame changed: pens whose body or tail arrays are new, tails to clear."""

    bodies: list[PenState] = field(default_factory=list)
    tails: list[PenState] = field(default_factory=list)
    cleared_tails: list[PenState] = field(default_factory=list)
    lanes_due: bool = False
    width_changed: bool = False


@dataclass(frozen=True, slots=True)
class HistoryRequest:
    t0: float
    t1: float
    tags: list[str]
    width_px: int


@dataclass(frozen=True, slots=True)
class ExportPlan:
    """What a CSV export reads: the journal before each pen's join, the buffer from it on."""

    t0: float
    t1: float
    tags: list[str]
    units: dict[str, str]
    joins: dict[str, float]
    ring_parts: dict[str, Points]  # taken on the caller's (GUI) thread: the worker never reads buffers
    # the buffer's sample holding at t0, for pens the buffer covers from before t0 (same thread)
    ring_held: dict[str, tuple[float, int, float]] = field(default_factory=dict)


class TrendView:
    """Pens, time and drawing state of one trend (plain Python; the widget renders it)."""

    def __init__(
        self,
        infos: dict[str, TagInfo],
        live: LiveBuffers | None,
        *,
        has_history: bool,
        lookup_info: Callable[[str], TagInfo | None] | None = None,
        span_s: float = 3600.0,
    ) -> None:
        self.infos = dict(infos)
        self.live = live
        self.has_history = has_history
        self._lookup_info = lookup_info
        self.index: dict[str, int] = live.index if live is not None else {}
        self.pens: dict[str, PenState] = {}
        self.selected = ""
        self.span = clamp_span(span_s)
        self.live_mode = live is not None
        self.mode = "overlay"
        self.w = 0.0  # bucket width (s per pixel) the curves are built for
        # where the buckets' grid starts: live, 0 (absolute multiples of w); paused, the view's
        # left edge, so the buffer's buckets are the same pixel columns as the journal's
        self.origin = 0.0
        self.dirty: set[int] = set()
        self.all_dirty = True
        self.lanes_due = True
        self.stretches: dict[str, Intervals] = {
            "gap": Intervals.empty(),
            "bad": Intervals.empty(),
            "backfilled": Intervals.empty(),
        }

    # --- pens -------------------------------------------------------------------------------------
    def tag_info(self, tag: str) -> TagInfo:
        info = self.infos.get(tag)
        if info is None and self._lookup_info is not None:
            info = self._lookup_info(tag)
        if info is None:
            info = TagInfo(tag)
        self.infos[tag] = info
        return info

    def known_tag(self, tag: str) -> bool:
        return tag in self.infos or tag in self.index

    def can_add(self, tag: str) -> bool:
        """A tag of the line, or (with a journal) any tag the journal may hold; never a text tag
        (its values are text: the tag table, the review and the CSV export show them)."""
        if self.known_tag(tag) and self.tag_info(tag).data_type == "text":
            return False
        return self.known_tag(tag) or self.has_history

    def add_pen(
        self, tag: str, colour: str, *, axis: str | None = None, visible: bool = True
    ) -> PenState | None:
        """The new pen, or None when it is already there or unknown (see `can_add`)."""
        if tag in self.pens or not self.can_add(tag):
            return None
        pen = PenState(
            tag, self.index.get(tag, -1), self.tag_info(tag), colour, axis_override=axis, visible=visible
        )
        self.pens[tag] = pen
        if not self.selected:
            self.selected = tag
        self.invalidate(pen)
        return pen

    def remove_pen(self, tag: str) -> PenState | None:
        pen = self.pens.pop(tag, None)
        if pen is not None and self.selected == tag:
            self.selected = next(iter(self.pens), "")
        return pen

    def set_visible(self, tag: str, on: bool) -> bool:
        """True if the pen's visibility changed."""
        pen = self.pens.get(tag)
        if pen is None or pen.visible == on:
            return False
        pen.visible = on
        self.invalidate(pen)
        self.lanes_due = True
        return True

    def select(self, tag: str) -> bool:
        if tag not in self.pens:
            return False
        self.selected = tag
        return True

    def visible_pens(self) -> Iterator[PenState]:
        return (p for p in self.pens.values() if p.visible)

    def invalidate(self, pen: PenState) -> None:
        pen.body_key = ()
        pen.dec = None
        self.all_dirty = True

    # --- axes -------------------------------------------------------------------------------------
    def axis_specs(self) -> list[AxisSpec]:
        """Assign every pen its axis (automatic or overridden) and describe the axis groups."""
        pens = list(self.pens.values())
        overrides = {p.tag: p.axis_override for p in pens if p.axis_override}
        keys = assign_axes([p.info for p in pens], overrides)
        specs: dict[str, AxisSpec] = {}
        for p in pens:
            key = keys[p.tag]
            p.axis = key
            title, rng, states = axis_look(p.info)
            have = specs.get(key)
            if have is not None:
                if have.y_range is not None and rng is not None:
                    rng = (min(have.y_range[0], rng[0]), max(have.y_range[1], rng[1]))
                elif have.y_range is None:
                    rng = None
                specs[key] = AxisSpec(key, have.title, rng, {**have.states, **states})
            else:
                specs[key] = AxisSpec(key, title, rng, states)
        self.lanes_due = True
        return list(specs.values())

    def pens_per_axis(self) -> dict[str, list[PenState]]:
        out: dict[str, list[PenState]] = {}
        for p in self.pens.values():
            out.setdefault(p.axis, []).append(p)
        return out

    def band_pen(self) -> PenState | None:
        """The pen whose normal band and alarm zones are shown: the selected one, if analog."""
        pen = self.pens.get(self.selected)
        if pen is None or not pen.visible or pen.info.is_step:
            return None
        return pen

    # --- time -------------------------------------------------------------------------------------
    def set_mode(self, mode: str) -> bool:
        if mode not in MODES:
            raise ValueError(f"mode must be 'overlay' or 'stacked', not {mode!r}")
        if mode == self.mode:
            return False
        self.mode = mode
        self.lanes_due = True
        return True

    def live_range(self, now: float, plot_px: int) -> tuple[float, float]:
        """The live view: the right edge snapped to the bucket grid, so it moves a pixel at a time."""
        w = self.span / plot_px
        right = (math.floor(now / w) + 1.0) * w
        return right - self.span, right

    def join(self, pen: PenState) -> float:
        """Before this instant the pen's data come from the journal, from it on from the buffer."""
        if self.live is None or pen.idx < 0:
            return math.inf
        if not self.has_history:
            return -math.inf  # nothing older to read: the buffer shows all it has
        return self.live.covered_from(pen.idx)

    # --- frames -----------------------------------------------------------------------------------
    def frame(self, v0: float, v1: float, plot_px: int, now: float, *, rebuild: bool) -> Frame:
        """Bring every visible pen up to date with the buffers and the loaded history."""
        fr = Frame()
        w = (v1 - v0) / plot_px
        origin = 0.0 if self.live_mode else v0
        if not math.isclose(w, self.w, rel_tol=1e-3) or not _same_grid(origin, self.origin, w):
            self.w = w
            self.origin = origin
            for pen in self.pens.values():
                pen.dec = None
                pen.body_key = ()
            rebuild = True
            fr.width_changed = True
        dirty = self.dirty
        self.dirty = set()
        tails: list[PenState] = []
        for pen in self.pens.values():
            if not pen.visible:
                continue
            if rebuild or self.all_dirty or pen.idx in dirty:
                if self._update_body(pen, v0, v1):
                    fr.bodies.append(pen)
                if pen.dec is not None:
                    tails.append(pen)
                elif pen.tail_shown:
                    pen.tail = Styled.empty()
                    pen.tail_shown = False
                    fr.cleared_tails.append(pen)
        if tails:
            # Paused or not, the live buffer is known up to now (a lost link arrives as a Bad
            # sample, which ends the hold): the last value holds to now, as the pen table reads it.
            self._update_tails(tails, now)
            fr.tails = tails
        self.all_dirty = False
        fr.lanes_due = bool(fr.bodies) or self.lanes_due
        return fr

    def _update_body(self, pen: PenState, v0: float, v1: float) -> bool:
        """Rebuild a pen's body if its history or settled buckets changed; True if it did."""
        join = self.join(pen)
        span = v1 - v0
        dec = pen.dec
        if self.live is not None and pen.idx >= 0 and v1 > join:
            since = max(join, v0 - 0.5 * span)
            if dec is None or dec.since > since + 0.25 * span or dec.since < since - 2.0 * span:
                ring = self.live.ring(pen.idx)
                dec = pen.dec = LiveDecimator(
                    ring, self.w, since=since, settle_buckets=_BODY_STEP_BUCKETS, origin=self.origin
                )
            dec.update()
        elif dec is not None:
            dec = pen.dec = None
        key = (pen.hist_version, id(dec), dec.body_version if dec is not None else -1)
        if key == pen.body_key:
            return False
        parts = []
        hist_pts = pen.hist.points if pen.hist is not None else Points.empty()
        if len(hist_pts):
            cut = min(dec.since if dec is not None else math.inf, join)
            parts.append(hist_pts.between(-math.inf, cut) if math.isfinite(cut) else hist_pts)
        if dec is not None:
            # The buffer's last sample before the decimated stretch (off the left edge): its
            # value holds into the view until the first sample there. Without it the line
            # would enter holding an older value from the journal.
            lead = dec.ring.points(join, dec.since)
            parts.append(Points(lead.ts[-1:], lead.value[-1:], lead.status[-1:]))
            parts.append(dec.body)
        body = Points.concat(parts)
        pen.body = style_points(body)
        pen.body_last = Points(body.ts[-1:], body.value[-1:], body.status[-1:])
        pen.body_key = key
        pen.tail_shown = False
        return True

    def _update_tails(self, pens: list[PenState], end_t: float | None) -> None:
        """The newest buckets of several pens in one vectorised pass (a live frame's main cost)."""
        w = self.w
        ts_l, v_l, s_l, own_l = [], [], [], []
        for k, pen in enumerate(pens):
            dec = pen.dec
            assert dec is not None
            p = dec.ring.points(max(dec.body_end, dec.since))
            if len(p):
                ts_l.append(p.ts)
                v_l.append(p.value)
                s_l.append(p.status)
                own_l.append(np.full(len(p), k, dtype=np.int64))
        if ts_l:
            ts = np.concatenate(ts_l)
            v = np.concatenate(v_l)
            st = np.concatenate(s_l)
            own = np.concatenate(own_l)
            kb = bucket_index(ts, w, self.origin)
            starts = np.flatnonzero(np.r_[True, (own[1:] != own[:-1]) | (kb[1:] != kb[:-1])])
            pts, pown = aggregate(ts, v, st, starts, w).to_points_owned(own[starts])
            bounds = np.searchsorted(pown, np.arange(len(pens) + 1), side="left")
        else:
            pts, bounds = Points.empty(), np.zeros(len(pens) + 1, dtype=np.int64)
        for k, pen in enumerate(pens):
            a, b = int(bounds[k]), int(bounds[k + 1])
            tail = Points(pts.ts[a:b], pts.value[a:b], pts.status[a:b])
            pen.tail = _style_tail(Points.concat([pen.body_last, tail]), end_t)
            pen.tail_shown = True
            if len(pen.tail.gaps) or len(pen.tail.bad) or len(pen.tail.backfilled):
                self.lanes_due = True

    def update_lanes(self) -> dict[str, Intervals]:
        """The union of the visible pens' gap / bad / backfilled stretches (the status lane)."""
        self.lanes_due = False
        vis = list(self.visible_pens())
        self.stretches = {
            "gap": Intervals.union(
                [x for p in vis for x in (p.body.gaps, p.tail.gaps, self._before_first_sample(p))]
            ),
            "bad": Intervals.union([x for p in vis for x in (p.body.bad, p.tail.bad)]),
            "backfilled": Intervals.union([x for p in vis for x in (p.body.backfilled, p.tail.backfilled)]),
        }
        return self.stretches

    @staticmethod
    def _before_first_sample(pen: PenState) -> Intervals:
        """The loaded range's stretch before the pen's first recorded sample (before recording
        started, or before the tag's first value): no record, shaded like any gap (QA5 F10: the 8 h
        view drew the hours before LineHMI ran blank, unmarked, next to a shaded 3 s gap)."""
        h0, h1, _w = pen.hist_range
        if not math.isfinite(h0):
            return Intervals.empty()  # no history read: the live buffer alone says nothing of before
        xs = [
            a
            for part in (pen.body, pen.tail)
            for a in (part.solid_x, part.dashed_x, part.gaps.start, part.bad.start, part.uncertain.start)
            if len(a)
        ]
        both = np.concatenate(xs) if xs else np.empty(0)
        both = both[np.isfinite(both)]
        first = float(both.min()) if len(both) else h1  # nothing recorded: the whole range
        if first <= h0:
            return Intervals.empty()
        return Intervals(np.array([h0]), np.array([first]))

    # --- cursor and readouts ----------------------------------------------------------------------
    def value_at(self, pen: PenState, t: float) -> CursorValue:
        """The pen's held sample at t: exact from the buffer or raw history, else the bucket's
        last value marked inexact (with the pixel's min/max) until the exact look-up is back."""
        join = self.join(pen)
        if self.live is not None and pen.idx >= 0 and t >= join:
            ring = self.live.ring(pen.idx)
            v, s, ts = value_at(ring.points(), t)
            if math.isfinite(ts) or not (pen.hist is not None and len(pen.hist.points)):
                return CursorValue(v, s, ts)
        cached = pen.exact.get(t)
        if cached is not None:
            return CursorValue(*cached)
        h = pen.hist
        if h is None:
            return CursorValue(math.nan, 0, math.nan, exact=not self.has_history)
        if h.buckets is not None and len(h.buckets):
            bv, bs, bts, vmin, vmax = h.buckets.value_at(t)
            # a bound point (before the loaded range) is exact
            pv, ps, pts = value_at(h.points, t)
            if math.isfinite(pts) and (not math.isfinite(bts) or pts >= bts):
                return CursorValue(pv, ps, pts, exact=False)
            return CursorValue(bv, bs, bts, exact=False, vmin=vmin, vmax=vmax)
        v, s, ts = value_at(h.points, t)
        return CursorValue(v, s, ts)

    def values_at(self, t: float) -> dict[str, CursorValue]:
        return {tag: self.value_at(pen, t) for tag, pen in self.pens.items()}

    def readout_rows(self, vals: dict[str, CursorValue]) -> dict[str, ReadoutRow]:
        return {tag: readout_row(self.pens[tag].info, cv) for tag, cv in vals.items() if tag in self.pens}

    def inexact_tags(self, t: float) -> list[str]:
        return [tag for tag, cv in self.values_at(t).items() if not cv.exact]

    def apply_exact(self, t: float, vals: dict[str, tuple[float, int, float]]) -> None:
        for tag, v in vals.items():
            pen = self.pens.get(tag)
            if pen is not None:
                if len(pen.exact) > 64:
                    pen.exact.clear()
                pen.exact[t] = v

    # --- history ----------------------------------------------------------------------------------
    def history_needed(self, v0: float, v1: float, plot_px: int) -> HistoryRequest | None:
        """The journal read the view needs (None if the loaded history covers it)."""
        if not self.has_history or not self.pens:
            return None
        span = v1 - v0
        w = span / plot_px
        need: list[str] = []
        end = -math.inf
        for pen in self.visible_pens():
            stop = min(v1, self.join(pen))
            if stop <= v0:
                continue  # the buffer covers the whole view
            h0, h1, hw = pen.hist_range
            # covered, and on this view's pixel grid (same width, whole columns apart): buckets
            # of another grid would show a sample's extreme in its neighbour's column. A pan or
            # a resize thus reads again (on the worker, after the user pauses).
            off = (v0 - h0) / w if math.isfinite(h0) else math.nan
            covered = (
                math.isfinite(h0)
                and h0 <= v0 + 0.5 * w
                and h1 >= stop - 0.5 * w
                and abs(hw / w - 1.0) < 1e-6
                and abs(off - round(off)) < 1e-3
            )
            if not covered:
                need.append(pen.tag)
                end = max(end, stop)
        if not need:
            return None
        # load a margin on each side so small pans need no new read; whole pixel columns from
        # half a window before v0, so the history's buckets are the view's pixel columns
        # (a column shows the extremes of the samples in it, not of its neighbour's)
        margin_px = plot_px // 2
        t0 = v0 - margin_px * w
        t1 = min(end + 0.5 * span, max(self.join(self.pens[t]) for t in need))
        if not math.isfinite(t1):
            t1 = v1 + 0.5 * span
        n_px = max(16, math.ceil((t1 - t0) / w - 1e-9))
        return HistoryRequest(t0, t0 + n_px * w, need, n_px)

    def apply_history(self, res: HistoryResult) -> int:
        """Take a loaded history; returns the samples it stands for."""
        for tag, ph in res.pens.items():
            pen = self.pens.get(tag)
            if pen is None:
                continue
            pen.hist = ph
            pen.hist_range = (res.t0, res.t1, res.bucket_s)
            pen.hist_version += 1
            pen.exact.clear()
        self.lanes_due = True
        return sum(p.n_samples for p in res.pens.values())

    # --- trend sets and export --------------------------------------------------------------------
    def current_set(self, name: str, default_colour: ColourFor) -> TrendSet:
        pens = tuple(
            PenSpec(p.tag, p.axis_override, p.visible, p.colour if p.colour != default_colour(i) else None)
            for i, p in enumerate(self.pens.values())
        )
        return TrendSet(name, pens, self.mode, self.span)

    def export_plan(self, t0: float, t1: float) -> ExportPlan:
        tags = [p.tag for p in self.visible_pens()]
        units = {p.tag: p.info.unit for p in self.pens.values()}
        ring_parts: dict[str, Points] = {}
        ring_held: dict[str, tuple[float, int, float]] = {}
        joins: dict[str, float] = {}
        for tag in tags:
            pen = self.pens[tag]
            join = self.join(pen)
            joins[tag] = join
            if self.live is not None and pen.idx >= 0 and t1 > join:
                ring = self.live.ring(pen.idx)
                ring_parts[tag] = ring.points(max(t0, join), t1)
                if t0 >= join:
                    ring_held[tag] = value_at(ring.points(join, t0), t0)
        return ExportPlan(t0, t1, tags, units, joins, ring_parts, ring_held)


def write_export(
    path: Path,
    plan: ExportPlan,
    hist: TrendHistory | None,
    progress: Callable[[float, str], None],
    cancelled: Callable[[], bool],
) -> tuple[str, int]:
    """Write the CSV of an export plan (runs on a worker): the journal before each pen's join,
    the buffer slices the plan took from it on; written to a temporary file, then renamed."""
    series: dict[str, Points] = {}
    if hist is not None:
        for tag in plan.tags:
            end = min(plan.t1, plan.joins[tag])
            if end > plan.t0:
                series[tag] = hist.read_raw([tag], plan.t0, end, cancel=cancelled)[tag]
            progress(0.5 * (len(series) / max(1, len(plan.tags))), "reading the journal")
    for tag, pts in plan.ring_parts.items():
        series[tag] = Points.concat([series.get(tag, Points.empty()), pts], sort=True)
    for tag in plan.tags:
        series.setdefault(tag, Points.empty())
    # exact digits of 64-bit integers beyond 2^53 (the journal's text table) replace the rounded floats
    texts = hist.read_text(plan.tags, plan.t0, plan.t1) if hist is not None else None
    # the value holding at the window's start (sample and hold, as the trend draws it): from the
    # buffer where it covers t0, else from the journal
    held = dict(plan.ring_held)
    from_journal = [t for t in plan.tags if t not in held]
    if hist is not None and from_journal:
        held.update(hist.values_at(from_journal, plan.t0))
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        rows = write_csv(f, series, plan.units, cancel=cancelled, texts=texts, held=held, start=plan.t0)
    tmp.replace(path)
    progress(1.0, "written")
    return str(path), rows


def _same_grid(a: float, b: float, w: float) -> bool:
    """Whether origins a and b start the same grid of w-wide columns (within 0.1 % of one)."""
    if w <= 0:
        return True
    off = ((a - b) / w) % 1.0
    return min(off, 1.0 - off) < 1e-3


def clamp_span(seconds: float) -> float:
    return float(min(max(seconds, MIN_SPAN_S), MAX_SPAN_S))


def window_around(t_center: float, span_s: float, now: float) -> tuple[float, float]:
    """The paused view opened around an instant (an alarm, an event): `span_s` centred on it, but
    never past `now` (then the span ends at now). Centred on a trip 44 s ago, the view once ended
    4 min in the future and the pen table read "Value at" that instant (qa9 Q9-15)."""
    span = clamp_span(span_s)
    t1 = min(t_center + span / 2, now)
    return t1 - span, t1


def axis_look(info: TagInfo) -> tuple[str, tuple[float, float] | None, dict[int, str]]:
    """(title, Y range, state names) of the axis a tag goes on."""
    if info.data_type == "bool":
        states = dict(info.states) if info.states else {0: "Off", 1: "On"}
        return "on/off", (0.0, 1.0), states
    if info.data_type == "enum":
        states = dict(info.states) or {0: "0", 1: "1"}
        lo, hi = min(states), max(states)
        return info.title, (float(lo), float(hi)), states
    return info.unit or "(no unit)", info.range, {}


def _style_tail(p: Points, end_t: float | None) -> Styled:
    """style_points with a fast path for the common tail: all values usable and good."""
    n = len(p)
    if n == 0:
        return Styled.empty()
    if n > 64 or np.any(p.status) or not np.all(np.isfinite(p.value)):
        return style_points(p, end_t=end_t)
    x, y = hold_xy(p.ts, p.value, end_t)
    e = np.empty(0)
    ie = Intervals.empty()
    return Styled(x, y, e, e.copy(), ie, ie, ie, ie)


__all__ = [
    "MAX_SPAN_S",
    "MIN_SPAN_S",
    "PRESETS",
    "AxisSpec",
    "ExportPlan",
    "Frame",
    "HistoryRequest",
    "PenState",
    "TrendView",
    "axis_look",
    "clamp_span",
    "write_export",
]
