"""The historian interface the app reads history through (no Qt): trends, the review, the assistant.

Two backends answer it the same way (same buckets, same sample-and-hold truth rules, same gap
markers): `hmi.core.historian.Historian` over a line's SQLite journal files, and
`connectors.plant.historian.PlantHistorian` over the PostgreSQL plant historian. Whoever reads
history takes a `TrendHistory` and never asks which one it got.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from hmi.core.journal_text import TextRow
from hmi.core.trend_data import Buckets, Points

if TYPE_CHECKING:  # the SQLite historian reads its pens through `read_pen` below
    from hmi.core.historian import CancelFn, HistoryResult, ProgressFn


class TrendHistory(Protocol):
    def read(
        self,
        tags: Sequence[str],
        t0: float,
        t1: float,
        *,
        width_px: int = 1500,
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
    ) -> HistoryResult:
        """Drawable history of `tags` over [t0, t1): raw samples or min/max pixel buckets, with gaps."""
        ...

    def value_at(self, tag: str, t: float) -> tuple[float, int, float]:
        """(value, status, ts) of the last sample of `tag` at or before t; (nan, 0, nan) when none."""
        ...

    def values_at(self, tags: Sequence[str], t: float) -> dict[str, tuple[float, int, float]]:
        """`value_at` for several tags at once (the review's faceplates at each cursor move)."""
        ...

    def release(self) -> None:
        """Close the connections kept open for repeated reads on this thread (values_at); the history
        stays usable and reopens them when asked again."""
        ...

    def tag_info(self, names: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """The journal's tag rows (unit, ranges, limits) by name, for offline review."""
        ...

    def read_raw(
        self,
        tags: Sequence[str],
        t0: float,
        t1: float,
        *,
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
        max_rows: int = 20_000_000,
    ) -> dict[str, Points]:
        """Every sample of `tags` in [t0, t1) (CSV export)."""
        ...

    def read_text(
        self, tags: Sequence[str], t0: float, t1: float, *, max_rows: int = 1_000_000
    ) -> dict[str, list[TextRow]]:
        """Text values of `tags` in [t0, t1) by source time (text tags; exact 64-bit digits)."""
        ...


# --- one pen, one store: what both backends decide the same way ------------------------------------------


def read_window(t0: float, t1: float, width_px: int) -> tuple[int, float]:
    """The plot width (at least 16 px) and one pixel's seconds for a read of [t0, t1)."""
    if not (math.isfinite(t0) and math.isfinite(t1)) or t1 <= t0:
        raise ValueError(f"bad time range {t0!r} .. {t1!r}")
    width_px = max(16, int(width_px))
    return width_px, (t1 - t0) / width_px


class PenStore(Protocol):
    """One tag's samples in one store (a journal file, the plant historian's rows of a station)."""

    def count_at_most(self, t0: float, t1: float, limit: int) -> int:
        """Samples in [t0, t1), counting stops after `limit` + 1."""
        ...

    def bounds(self, t0: float, t1: float) -> tuple[Points, Points]:
        """The last sample before t0 and the first at or after t1 (empty where none)."""
        ...

    def raw(self, t0: float, t1: float) -> Points:
        """Every sample in [t0, t1), in order."""
        ...

    def rollup_levels(self) -> Sequence[int]:
        """The rollup levels (seconds) this store has complete for the read."""
        ...

    def rollup(self, level: int, t0: float, t1: float, w: float) -> Buckets:
        """Pixel buckets `w` wide regrouped from the rollup at `level`."""
        ...

    def group_buckets(self, t0: float, t1: float, w: float) -> Buckets:
        """Pixel buckets `w` wide computed from the samples themselves."""
        ...


def read_pen(
    store: PenStore, t0: float, t1: float, w: float, width_px: int, raw_factor: float
) -> tuple[Points, Buckets | None, int, str]:
    """One pen's drawable history from one store: raw samples when there are at most `raw_factor` per
    pixel (with the nearest sample on each side), else min/max pixel buckets from the coarsest rollup
    at most 1.5 pixels wide (its min and max land at most a pixel off, with a third as many rows as the
    next finer level), else buckets computed from the samples. The same choice for the journal files
    and the plant historian: (points, buckets, samples counted, source)."""
    raw_limit = int(raw_factor * width_px)
    n = store.count_at_most(t0, t1, raw_limit)
    before, after = store.bounds(t0, t1)
    if n <= raw_limit:
        return Points.concat([before, store.raw(t0, t1), after]), None, n, "raw"
    usable = [lv for lv in store.rollup_levels() if lv <= 1.5 * w]
    if usable:
        level = max(usable)
        b = store.rollup(level, t0, t1, w)
        source = f"rollup-{level}s"
    else:
        b = store.group_buckets(t0, t1, w)
        source = "sql-group"
    return Points.concat([before, after]), b, b.samples, source
