"""Recent samples per tag in memory, for live trends (no Qt).

`LiveBuffers` is fed every drained `SampleBatch` (the GUI's 25 Hz tick) and keeps
the last `retention_s` seconds of every tag as sorted numpy columns. Trends read
slices without copying and learn about new data through plain callbacks.

- Appends are amortised O(1) per sample; arrays are never modified in place
  once a slice may have been handed out (growth and trimming allocate new
  arrays), so a reader's view stays valid.
- Samples that arrive out of order (a backfill from the server's history after a
  reconnect, or late notifications) are merged in time order; readers learn the
  earliest time that changed and recompute from there.
- The buffer covers [`covered_from(i)`, now]; everything older is the journal's
  (the historian joins the two at that instant, so nothing is drawn twice).

`LiveDecimator` keeps one pen's min/max buckets up to date incrementally: a
"body" of settled buckets that changes only every few bucket widths and a
small "tail" recomputed on every frame. That is what lets 100 pens at 10 Hz
redraw at 25 frames/s (bench/trends.py).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np

from hmi.core.samples import SampleBatch
from hmi.core.trend_data import Buckets, Points, bucket_index, bucketize

Listener = Callable[[np.ndarray], None]
_OO_KEEP = 64  # out-of-order inserts remembered per ring


class TagRing:
    """Sorted (ts, value, status) of one tag; [lo, hi) of the backing arrays is live."""

    __slots__ = ("_hi", "_lo", "_oo", "_s", "_ts", "_v", "trimmed_before", "version")

    def __init__(self, capacity: int = 256) -> None:
        self._ts = np.empty(capacity)
        self._v = np.empty(capacity)
        self._s = np.empty(capacity, dtype=np.uint32)
        self._lo = 0
        self._hi = 0
        self.version = 0
        self.trimmed_before = -math.inf
        # (version, earliest ts) of each out-of-order insert, newest last
        self._oo: list[tuple[int, float]] = []

    def __len__(self) -> int:
        return self._hi - self._lo

    @property
    def ts(self) -> np.ndarray:
        return self._ts[self._lo : self._hi]

    @property
    def value(self) -> np.ndarray:
        return self._v[self._lo : self._hi]

    @property
    def status(self) -> np.ndarray:
        return self._s[self._lo : self._hi]

    @property
    def last_ts(self) -> float:
        return float(self._ts[self._hi - 1]) if self._hi > self._lo else -math.inf

    def points(self, t0: float = -math.inf, t1: float = math.inf) -> Points:
        ts = self.ts
        i0 = 0 if t0 == -math.inf else int(np.searchsorted(ts, t0, side="left"))
        i1 = len(ts) if t1 == math.inf else int(np.searchsorted(ts, t1, side="left"))
        a, b = self._lo + i0, self._lo + i1
        return Points(self._ts[a:b], self._v[a:b], self._s[a:b])

    def changed_since(self, version: int) -> float:
        """Earliest ts touched by an out-of-order insert after `version` (inf if none)."""
        if len(self._oo) >= _OO_KEEP and version < self._oo[0][0]:
            return -math.inf  # older inserts were forgotten: the reader recomputes everything
        t = math.inf
        for ver, ts in reversed(self._oo):
            if ver <= version:
                break
            t = min(t, ts)
        return t

    def extend(self, ts: np.ndarray, value: np.ndarray, status: np.ndarray) -> None:
        """Add samples of this tag (sorted by ts)."""
        n = len(ts)
        if n == 0:
            return
        self.version += 1
        if self._hi == self._lo or ts[0] >= self._ts[self._hi - 1]:
            if self._hi + n > len(self._ts):
                self._realloc(len(self) + n)
            self._ts[self._hi : self._hi + n] = ts
            self._v[self._hi : self._hi + n] = value
            self._s[self._hi : self._hi + n] = status
            self._hi += n
            return
        # out of order: merge into fresh arrays (readers holding views keep the old ones)
        all_ts = np.concatenate([self.ts, ts])
        order = np.argsort(all_ts, kind="stable")
        m = len(all_ts)
        cap = max(256, 2 * m)
        new_ts, new_v, new_s = np.empty(cap), np.empty(cap), np.empty(cap, dtype=np.uint32)
        new_ts[:m] = all_ts[order]
        new_v[:m] = np.concatenate([self.value, value])[order]
        new_s[:m] = np.concatenate([self.status, status])[order]
        self._ts, self._v, self._s, self._lo, self._hi = new_ts, new_v, new_s, 0, m
        self._oo.append((self.version, float(ts[0])))
        del self._oo[:-_OO_KEEP]

    def trim_before(self, t: float) -> None:
        ts = self.ts
        k = int(np.searchsorted(ts, t, side="left"))
        self.trimmed_before = max(self.trimmed_before, t)
        if k == 0:
            return
        self._lo += k
        self.version += 1
        if self._lo > len(self._ts) // 2:  # compact into new arrays so old views stay intact
            self._realloc(len(self))

    def _realloc(self, need: int) -> None:
        cap = max(256, 2 * need)
        n = len(self)
        new_ts, new_v, new_s = np.empty(cap), np.empty(cap), np.empty(cap, dtype=np.uint32)
        new_ts[:n] = self.ts
        new_v[:n] = self.value
        new_s[:n] = self.status
        self._ts, self._v, self._s, self._lo, self._hi = new_ts, new_v, new_s, 0, n


class LiveBuffers:
    """The last `retention_s` seconds of every tag, fed with drained batches (GUI thread)."""

    def __init__(
        self,
        tag_names: Sequence[str],
        *,
        retention_s: float = 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.names = list(tag_names)
        self.index = {n: i for i, n in enumerate(self.names)}
        self.retention_s = float(retention_s)
        self._clock = clock
        self.started_at = clock()
        self._rings = [TagRing() for _ in self.names]
        self._listeners: list[Listener] = []
        self._next_trim = 0.0
        self.samples_in = 0
        self.samples_rejected = 0

    @classmethod
    def from_config(cls, config: object, **kw: object) -> LiveBuffers:
        return cls([t.name for t in config.tags], **kw)  # type: ignore[attr-defined, arg-type]

    def __len__(self) -> int:
        return len(self._rings)

    def ring(self, tag: int | str) -> TagRing:
        return self._rings[self.index[tag] if isinstance(tag, str) else tag]

    def covered_from(self, tag: int | str) -> float:
        """From this instant on the buffer has every sample of the tag it received."""
        return max(self.started_at, self.ring(tag).trimmed_before)

    def add_listener(self, cb: Listener) -> None:
        """`cb(changed_tag_indices)` after every apply that touched some tag (GUI thread)."""
        if cb not in self._listeners:
            self._listeners.append(cb)

    def remove_listener(self, cb: Listener) -> None:
        if cb in self._listeners:
            self._listeners.remove(cb)

    def apply(self, batch: SampleBatch) -> np.ndarray:
        """Add a batch; returns the indices of the tags that got samples."""
        n = len(batch)
        if n == 0:
            return np.empty(0, dtype=np.int32)
        idx = batch.tag_idx
        ok = (idx >= 0) & (idx < len(self._rings)) & np.isfinite(batch.source_ts)
        if not ok.all():
            self.samples_rejected += int((~ok).sum())
            batch = batch.take(ok)
            idx = batch.tag_idx
            if len(batch) == 0:
                return np.empty(0, dtype=np.int32)
        order = np.lexsort((batch.source_ts, idx))
        sidx = idx[order]
        starts = np.flatnonzero(np.r_[True, sidx[1:] != sidx[:-1]])
        ends = np.r_[starts[1:], len(sidx)]
        ts, v, s = batch.source_ts[order], batch.value[order], batch.status[order]
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            self._rings[int(sidx[a])].extend(ts[a:b], v[a:b], s[a:b])
        self.samples_in += len(batch)
        now = self._clock()
        if now >= self._next_trim:
            self._next_trim = now + 5.0
            horizon = now - self.retention_s
            for r in self._rings:
                if len(r) and r._ts[r._lo] < horizon:
                    r.trim_before(horizon)
        changed = sidx[starts].astype(np.int32)
        for cb in list(self._listeners):
            cb(changed)
        return changed


class LiveDecimator:
    """One pen's view of a ring: settled "body" points plus a small "tail", on a fixed grid.

    `width` > 0: min/max buckets of `width` seconds aligned to `origin` + multiples of `width`
    (absolute time: live, origin 0, so buckets never shift as the window scrolls; paused, the
    view's own pixel columns, like the journal's buckets). `width` == 0: raw points.
    The body ends at a bucket boundary at least `settle_s` before the newest sample and
    grows in steps of several buckets, so its drawing is rebuilt rarely.
    """

    def __init__(
        self,
        ring: TagRing,
        width: float,
        *,
        since: float = -math.inf,
        settle_buckets: int = 8,
        origin: float = 0.0,
    ) -> None:
        self.ring = ring
        self.width = float(width)
        self.origin = float(origin)
        self.since = since
        self._step = max(self.width, 0.5) * settle_buckets
        self._body_end = since  # body covers [since, body_end)
        self._body = Points.empty()
        self._body_buckets = Buckets.empty(self.width)
        self._version = -1
        self.body_version = 0

    @property
    def body(self) -> Points:
        return self._body

    @property
    def body_end(self) -> float:
        return self._body_end

    def update(self) -> bool:
        """Bring the body up to date with the ring; True if the body changed."""
        ring = self.ring
        if ring.version == self._version:
            return False
        changed_from = ring.changed_since(self._version) if self._version >= 0 else math.inf
        self._version = ring.version
        changed = False
        if changed_from < self._body_end:  # an old stretch was filled in: rebuild from there
            self._truncate(changed_from)
            changed = True
        last = ring.last_ts
        if last - self._body_end >= 2 * self._step:
            new_end = self._grid_floor(last - self._step)
            if new_end > self._body_end:
                self._extend(new_end)
                changed = True
        if changed:
            self.body_version += 1
        return changed

    def tail(self) -> Points:
        """Points from the end of the body to the newest sample, bucketed like the body."""
        p = self.ring.points(max(self._body_end, self.since))
        if self.width <= 0 or len(p) == 0:
            return p
        return bucketize(p.ts, p.value, p.status, self.width, self.origin).to_points()

    def _grid_floor(self, t: float) -> float:
        if self.width <= 0:
            return t
        return self.origin + float(bucket_index(np.array([t]), self.width, self.origin)[0]) * self.width

    def _extend(self, new_end: float) -> None:
        start = max(self._body_end, self.since)
        p = self.ring.points(start, new_end)
        if self.width > 0:
            b = bucketize(p.ts, p.value, p.status, self.width, self.origin)
            self._body_buckets = Buckets.concat([self._body_buckets, b], self.width)
            p = b.to_points()
        self._body = Points.concat([self._body, p])
        self._body_end = new_end

    def _truncate(self, t: float) -> None:
        cut = max(self._grid_floor(t), self.since) if math.isfinite(t) else self.since
        b = self._body
        i = int(np.searchsorted(b.ts, cut, side="left"))
        self._body = Points(b.ts[:i], b.value[:i], b.status[:i])
        j = int(np.searchsorted(self._body_buckets.t_first, cut, side="left"))
        self._body_buckets = self._body_buckets.take(slice(None, j))
        self._body_end = cut
