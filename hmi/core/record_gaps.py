"""Where a record has no recording: the one rule for production states, the review's timeline and
the alarm KPIs' window; and where the server link was down inside a record (`link_down`).

LineHMI journals "journal opened" when it starts and "journal closed" when it stops. From a "closed"
to the next "opened" nothing was recorded. A crash (or a kill) leaves no "closed": the next start in
the same file only says "opened" again. That stretch was once read as recorded, so the machines'
last states were held through the time the HMI was dead (the record showed them running), and
the alarm rate per 10 min divided by time nobody recorded. Here an "opened" after an "opened" is a
crash: nothing was recorded from the last evidence before it (the newest commit, sample or event)
to the new "opened".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from hmi.core.events import EventKind

OPENED, CLOSED = "journal opened", "journal closed"
# What a record that ends with no "journal closed" is said to end with: LineHMI had not stopped
# when the file was copied (`linehmi journal copy` of a running journal), or it stopped uncleanly.
# The journal alone cannot tell the two apart, so neither is claimed (qa7 G38: a copy taken while
# LineHMI ran was said to end with "LineHMI stopped").
RECORD_ENDS_OPEN = (
    "the record ends there with no stop mark: a copy taken while LineHMI ran, or it did not stop cleanly"
)
MIN_GAP_S = 1.0  # a restart within a second is not a gap worth a figure


def recording_gaps(
    marks: Iterable[tuple[float, str]], last_before: Callable[[float], float | None] | None = None
) -> tuple[list[tuple[float, float]], float | None]:
    """(gaps inside the record, the start of a trailing one: a "closed" with no later "opened").
    `marks`: (ts, OPENED | CLOSED); `last_before(t)`: the record's last evidence before t (None:
    crash gaps are not looked for, e.g. a source that keeps no commit times)."""
    gaps: list[tuple[float, float]] = []
    closed: float | None = None
    opened = False
    for ts, what in sorted(marks):
        if what == CLOSED:
            closed, opened = ts, False
            continue
        if closed is not None:
            if ts - closed > MIN_GAP_S:
                gaps.append((closed, ts))
        elif opened and last_before is not None:  # opened again, never closed: it crashed
            end = last_before(ts)
            if end is not None and ts - end > MIN_GAP_S:
                gaps.append((end, ts))
        closed, opened = None, True
    return gaps, closed


def file_last_before(conns: Sequence[sqlite3.Connection]) -> Callable[[float], float | None]:
    """A journal file's last evidence before t: its newest commit (the commit time and the newest
    sample it held) or event (audit rows are not evidence of the line: a stop classified in a
    review days later)."""

    def last(t: float) -> float | None:
        best: float | None = None
        for c in conns:
            rows = [
                c.execute("SELECT max(ts) FROM events WHERE kind != 'audit' AND ts < ?", (t,)).fetchone(),
                c.execute(
                    "SELECT max(committed_at), max(last_source_ts) FROM commits WHERE committed_at < ?", (t,)
                ).fetchone(),
            ]
            for row in rows:
                for v in row:
                    if isinstance(v, int | float) and v < t:
                        best = float(v) if best is None else max(best, float(v))
        return best

    return last


class _Event(Protocol):
    @property
    def kind(self) -> EventKind | str: ...
    @property
    def data(self) -> Mapping[str, Any]: ...


def link_down(events: Iterable[_Event]) -> list[tuple[float, float]]:
    """Where the server link was down for every tag inside the record, sorted: the runtime journals
    each outage once the link is back, as a `data_gap` of "all" tags from the loss to the reconnect.
    Nothing was read from the server then (a backfill note, a `data_gap` without "all", only says
    what the server's history filled in afterwards). The review's state lanes leave these stretches
    blank; the production figures leave them out and say so (hmi.core.production.journal_io)."""
    spans = set()
    for ev in events:
        d = ev.data
        a, b = d.get("start"), d.get("end")
        if ev.kind != EventKind.DATA_GAP or d.get("tags") != "all":
            continue
        if isinstance(a, int | float) and isinstance(b, int | float) and b > a:
            spans.add((float(a), float(b)))
    return sorted(spans)


def overlap_s(gaps: Iterable[tuple[float, float]], a: float, b: float) -> float:
    """Seconds of [a, b) inside the gaps (which do not overlap each other)."""
    return sum(max(0.0, min(b, y) - max(a, x)) for x, y in gaps)
