"""The historian interface the app reads history through (no Qt): trends, the review, the assistant.

Two backends answer it the same way (same buckets, same sample-and-hold truth rules, same gap
markers): `hmi.core.historian.Historian` over a line's SQLite journal files, and
`connectors.plant.historian.PlantHistorian` over the PostgreSQL plant historian. Whoever reads
history takes a `TrendHistory` and never asks which one it got.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from hmi.core.historian import CancelFn, HistoryResult, ProgressFn
from hmi.core.journal_text import TextRow
from hmi.core.trend_data import Points


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
