"""Latest value per tag, as columns, for the screens (Qt-free).

The GUI applies each drained SampleBatch here in one vectorised step and then
repaints only what changed; 2,000+ tags cost a few numpy operations per frame,
not one Python call per tag.
"""

from __future__ import annotations

import time

import numpy as np

from hmi.core.config import LineConfig
from hmi.core.quality import BAD_WAITING_FOR_INITIAL_DATA, is_backfilled, quality_array
from hmi.core.samples import SampleBatch


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
        self._generation = 0
        # Tags the server refused (node id unknown, ...): name -> (status, message).
        self.problems: dict[str, tuple[int, str]] = {}

    def __len__(self) -> int:
        return len(self.names)

    def apply(self, batch: SampleBatch) -> np.ndarray:
        """Apply a batch; returns the indices of the tags that changed."""
        backfilled = np.asarray(is_backfilled(batch.status))
        if backfilled.any():  # history filled in after a reconnect is not the current value
            batch = batch.take(~backfilled)
        if not len(batch):
            return np.empty(0, dtype=np.int32)
        # Last write wins per tag: samples in a batch are in arrival order.
        idx = batch.tag_idx
        order = np.argsort(idx, kind="stable")
        sorted_idx = idx[order]
        last = np.r_[sorted_idx[1:] != sorted_idx[:-1], True]
        rows = order[last]
        tags = idx[rows]
        self.value[tags] = batch.value[rows]
        self.status[tags] = batch.status[rows]
        self.source_ts[tags] = batch.source_ts[rows]
        self.received_ts[tags] = batch.received_ts[rows]
        self._generation += 1
        self.version[tags] = self._generation
        return tags

    def quality(self) -> np.ndarray:
        return quality_array(self.status)

    def age(self, now: float | None = None) -> np.ndarray:
        """Seconds since the source timestamp (NaN if never received)."""
        return (time.time() if now is None else now) - self.source_ts

    def get(self, name: str) -> tuple[float, int, float]:
        i = self.index[name]
        return float(self.value[i]), int(self.status[i]), float(self.source_ts[i])
