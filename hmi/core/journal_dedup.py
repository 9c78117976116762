"""Exactly-once samples: a sample the journal already holds is not journaled again.

After a reconnect the connector reads every tag once to make it current, and a
new subscription sends each item's current value too; after a restart the
same happens against a file that already holds those values. A tag that has
not changed comes back with the *same* source timestamp, value and status as
the sample already journaled: one duplicate row per tag per reconnect.

`LastSamples` remembers, per configured tag, the last real sample journaled
(source timestamp, value, status; seeded from the file when it is opened, and for tags that
file has no sample of yet, from the newest earlier file: a restart just after midnight) and
marks the first real sample of each tag in a batch as a duplicate when all
three equal that remembered sample, or the last real sample of the tag in an
earlier batch of the same commit. Repeats inside one batch are left alone:
they are what the source sent, not something already journaled.
The `BadNotConnected` markers the connector writes when the link drops are
never duplicates and do not count as "previous": the re-read after them is
compared with the last value before the drop. Memory: three arrays of one
number per configured tag.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import numpy as np

from hmi.core.quality import BAD_NOT_CONNECTED
from hmi.core.sample_store import Only, read_tag
from hmi.core.samples import SampleBatch


class LastSamples:
    def __init__(self, n_tags: int) -> None:
        self.ts = np.full(n_tags, np.nan)
        self.value = np.full(n_tags, np.nan)
        self.status = np.full(n_tags, -1, dtype=np.int64)

    def resize(self, n_tags: int) -> None:
        """Tags added to the config keep the others' memory (a reopen with a longer tag list)."""
        n = self.ts.shape[0]
        if n_tags > n:
            self.ts = np.concatenate([self.ts, np.full(n_tags - n, np.nan)])
            self.value = np.concatenate([self.value, np.full(n_tags - n, np.nan)])
            self.status = np.concatenate([self.status, np.full(n_tags - n, -1, dtype=np.int64)])

    def seed(self, conn: sqlite3.Connection, tag_ids: np.ndarray) -> None:
        """The last real sample of each tag (config index -> tag id in this file, -1: not in it) whose
        last sample is not known yet. Called with the file being opened, then with the newest earlier
        file for tags that file has nothing of (a restart across midnight, or after days off)."""
        self.resize(len(tag_ids))
        for i, tid in enumerate(tag_ids.tolist()):
            if tid < 0 or not np.isnan(self.ts[i]):
                continue
            last = read_tag(conn, tid, newest_first=True, limit=1, only=Only.REAL)
            if len(last):
                self.ts[i] = last.source_ts[0]
                self.value[i] = last.value[0]
                self.status[i] = int(last.status[0])

    def unknown(self) -> np.ndarray:
        """Config indexes of the tags whose last journaled sample is not known."""
        return np.flatnonzero(np.isnan(self.ts))

    def duplicates(self, batches: Sequence[SampleBatch]) -> np.ndarray:
        """Mask over the batches concatenated: the samples that repeat the last real sample of their
        tag exactly, as journaled or as sent in an earlier batch of the same commit (the read at
        connect and the subscription's first notification often land in one commit: after a
        restart the second would otherwise be journaled again). Memory changes only in `advance`."""
        work = LastSamples(0)
        work.ts, work.value, work.status = self.ts.copy(), self.value.copy(), self.status.copy()
        masks = [np.zeros(0, dtype=bool)]
        for b in batches:
            masks.append(work._repeats(b))
            work.advance(b)
        return np.concatenate(masks)

    def _repeats(self, b: SampleBatch) -> np.ndarray:
        dup = np.zeros(len(b), dtype=bool)
        real = np.flatnonzero(b.status != BAD_NOT_CONNECTED)
        if not len(real):
            return dup
        tags, first_pos = np.unique(b.tag_idx[real], return_index=True)
        pick = real[first_pos]  # the first real sample of each tag in the batch
        v, prev_v = b.value[pick], self.value[tags]
        same_v = (v == prev_v) | (np.isnan(v) & np.isnan(prev_v))
        dup[pick] = (b.source_ts[pick] == self.ts[tags]) & same_v & (b.status[pick] == self.status[tags])
        return dup

    def advance(self, b: SampleBatch) -> None:
        """Remember the last real sample of each tag in `b` (call once `b` is committed)."""
        real = np.flatnonzero(b.status != BAD_NOT_CONNECTED)
        if not len(real):
            return
        order = real[np.argsort(b.tag_idx[real], kind="stable")]
        tags = b.tag_idx[order]
        last = np.ones(len(order), dtype=bool)
        last[:-1] = tags[:-1] != tags[1:]
        pick, t = order[last], tags[last]
        self.ts[t] = b.source_ts[pick]
        self.value[t] = b.value[pick]
        self.status[t] = b.status[pick].astype(np.int64)
