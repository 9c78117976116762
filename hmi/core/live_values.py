"""Latest value per tag, as columns, for the screens (Qt-free).

The GUI applies each drained SampleBatch here in one vectorised step and then
repaints only what changed; 2,000+ tags cost a few numpy operations per frame,
not one Python call per tag.
"""

from __future__ import annotations

import math
import time

import numpy as np

from hmi.core.config import LineConfig, TagConfig
from hmi.core.quality import BAD_WAITING_FOR_INITIAL_DATA, is_backfilled, is_gap_status, quality_array
from hmi.core.samples import SampleBatch
from hmi.core.text_samples import TextSample, display_text

# A value computed in the HMI (failure risk, QC defect rate) is published at its sampling
# interval while its source runs; this many intervals without one (and at least
# OVERDUE_MIN_S) and the value on screen is no longer the current one.
OVERDUE_INTERVALS = 5.0
OVERDUE_MIN_S = 5.0


def expected_refresh_s(tag: TagConfig) -> float:
    """How old a tag's latest value may be before it is overdue (stale); inf: never by age alone.

    A server tag is reported on change (OPC UA subscriptions send nothing for a value that did not
    change), so its age says nothing while the subscription lives: a lost connection marks it
    stale instead. A derived tag is recomputed here at its sampling interval.
    """
    if tag.source != "derived":
        return math.inf
    return max(OVERDUE_MIN_S, OVERDUE_INTERVALS * tag.sampling_ms / 1000.0)


class LiveValues:
    def __init__(self, config: LineConfig) -> None:
        self.config = config
        n = len(config.tags)
        self.names = [t.name for t in config.tags]
        self.index = config.tag_index()
        self.value = np.full(n, np.nan)
        self.status = np.full(n, BAD_WAITING_FOR_INITIAL_DATA, dtype=np.uint32)
        self.source_ts = np.full(n, np.nan)
        self.received_ts = np.full(n, np.nan)
        # Bumped per tag on every change so views can repaint only changed rows.
        self.version = np.zeros(n, dtype=np.int64)
        # When no data reached us (the link went: a "no connection" status, not the device's
        # own Bad), the value shown stays the last one known, and this says since when it is
        # only that (NaN while the tag is current). Screens then show "last known at HH:MM:SS".
        self.lost_at = np.full(n, np.nan)
        self._generation = 0
        # Tags the server refused (node id unknown, ...): name -> (status, message).
        self.problems: dict[str, tuple[int, str]] = {}
        self.expected_refresh_s = np.array([expected_refresh_s(t) for t in config.tags])
        # Fed recorded instants (a review's cursor): ages are the record's, not overdue now.
        self.replay = False
        # Text as shown: a text tag's value, or the exact digits of a 64-bit integer beyond 2^53
        # (only while it belongs to the number shown: same source time). None: show the number.
        self.text: list[str | None] = [None] * n
        self.is_text = np.array([t.data_type == "text" for t in config.tags], dtype=bool)

    def __len__(self) -> int:
        return len(self.names)

    def apply(self, batch: SampleBatch, *, recorded: bool = False) -> np.ndarray:
        """Apply a batch; returns the indices of the tags that changed. `recorded`: the batch is a
        recorded instant (a review's cursor), where history filled in after a reconnect counts."""
        self.replay = self.replay or recorded
        backfilled = np.asarray(is_backfilled(batch.status))
        if backfilled.any() and not recorded:  # history filled in after a reconnect is not the current value
            batch = batch.take(~backfilled)
        if not len(batch):
            return np.empty(0, dtype=np.int32)
        # Last write wins per tag: samples in a batch are in arrival order.
        idx = batch.tag_idx
        order = np.argsort(idx, kind="stable")
        sorted_idx = idx[order]
        last = np.r_[sorted_idx[1:] != sorted_idx[:-1], True]
        rows = order[last]
        changed = idx[rows]
        # No data reached us (the link went): the tag's last usable value stays, as last known
        # since the first such sample. A real sample ends that.
        gap = np.asarray(is_gap_status(batch.status[rows]), dtype=bool)
        lost = changed[gap]
        # Only what was had can be lost: a tag whose every sample so far said "waiting for
        # initial data" or "no connection" is being connected, not lost (the review of a record's
        # first instant said "Link lost: last known at 13:42:48" while the link was being set up).
        had = (
            np.isfinite(self.source_ts[lost])
            & ~np.asarray(is_gap_status(self.status[lost]), dtype=bool)
            & ((self.status[lost] & np.uint32(0xFFFF0000)) != np.uint32(BAD_WAITING_FOR_INITIAL_DATA))
        ) | np.isfinite(self.lost_at[lost])
        self.lost_at[lost[had]] = np.fmin(self.lost_at[lost[had]], batch.received_ts[rows[gap]][had])
        self.lost_at[changed[~gap]] = np.nan
        keep = np.zeros(len(rows), dtype=bool)
        keep[gap] = np.isfinite(self.value[lost]) & (quality_array(self.status[lost]) < 2)
        rows, tags = rows[~keep], changed[~keep]
        self.value[tags] = batch.value[rows]
        self.status[tags] = batch.status[rows]
        self.source_ts[tags] = batch.source_ts[rows]
        self.received_ts[tags] = batch.received_ts[rows]
        for i in tags.tolist():  # exact digits belong to the number they came with
            self.text[i] = None
        tags = changed  # a kept (last known) value changed too: it now says since when
        self._generation += 1
        self.version[tags] = self._generation
        return tags

    def apply_text(self, texts: list[TextSample]) -> np.ndarray:
        """Apply text values (after the batch of the same poll); returns the tags that changed."""
        changed: list[int] = []
        for s in texts:
            i = s.tag_idx
            if not 0 <= i < len(self.names) or is_backfilled(s.status):
                continue
            if self.is_text[i]:  # the text is the value: time and quality come with it
                self.status[i] = s.status
                self.source_ts[i] = s.source_ts
                self.received_ts[i] = s.received_ts
            elif s.source_ts != self.source_ts[i]:
                continue  # exact digits of a number that is no longer the latest
            self.text[i] = None if s.text is None else display_text(s.text, s.full_bytes)
            changed.append(i)
        if not changed:
            return np.empty(0, dtype=np.int32)
        idx = np.unique(np.asarray(changed, dtype=np.int32))
        self._generation += 1
        self.version[idx] = self._generation
        return idx

    def quality(self) -> np.ndarray:
        return quality_array(self.status)

    def age(self, now: float | None = None) -> np.ndarray:
        """Seconds since the source timestamp (NaN if never received)."""
        return (time.time() if now is None else now) - self.source_ts

    def overdue(self, now: float | None = None) -> np.ndarray:
        """Per tag: its latest value arrived longer ago than its expected refresh (see above)."""
        t = time.time() if now is None else now
        with np.errstate(invalid="ignore"):
            return (t - self.received_ts) > self.expected_refresh_s

    def stale(self, now: float | None = None) -> np.ndarray:
        """Per tag: the value shown is not the current one: the link went (`lost_at`) or it is past
        its expected refresh (`overdue`). The one rule every "now" value on screen is marked by (the
        faceplates, the alarm list's Value now, the tag table; QA5 F15: the alarm list showed the QC
        rate plain while the Quality pane said "1 min 23 s old")."""
        lost = np.isfinite(self.lost_at)
        return lost if self.replay else self.overdue(now) | lost

    def stale_age_s(self, i: int, now: float | None = None) -> float | None:
        """How old tag i's shown value is when it is stale by `stale` (seconds since it arrived), else
        None: what a stale mark says ("1 min 23 s old")."""
        t = time.time() if now is None else now
        if not self.stale(t)[i]:
            return None
        got = float(self.received_ts[i])
        return max(0.0, t - got) if got == got else None

    def last_known_at(self, i: int) -> float | None:
        """When tag i's shown value became only the last known one (the link went), or None."""
        t = float(self.lost_at[i])
        return t if t == t else None

    def get(self, name: str) -> tuple[float, int, float]:
        i = self.index[name]
        return float(self.value[i]), int(self.status[i]), float(self.source_ts[i])
