"""The report's "Flags on these figures" names every server link outage inside the period (qa8: a
19 s outage showed as "not recorded" in each machine's time per state, while the flags named only
the time before LineHMI started and after it stopped). The outages are the runtime's `data_gap`
events of all tags (hmi.core.record_gaps.link_down, the same stretches the review's state lanes
leave blank); a backfill note is not an outage."""

from __future__ import annotations

import datetime as _dt
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.events import EventKind, JournalEvent
from hmi.core.review.report import build_report, to_markdown
from hmi.core.review.source import ReviewSource
from tests.review_fixtures import LINE_STEP_S, line_journal, link_outage

T0 = _dt.datetime(2026, 3, 2, 6, 0, tzinfo=_dt.UTC).timestamp()
STEPS = 60  # ten minutes


def _hms(t: float) -> str:
    return _dt.datetime.fromtimestamp(t, _dt.UTC).strftime("%H:%M:%S")


def _backfill(a: float, b: float) -> JournalEvent:
    return JournalEvent(EventKind.DATA_GAP, "backfilled 10 samples for 10 tags from server history",
                        source="opc.tcp://plc", ts=b, data={"start": a, "end": b, "backfilled": 10})  # fmt: skip


@settings(max_examples=6, deadline=None)
@given(
    outages=st.lists(
        st.tuples(st.floats(15, STEPS * LINE_STEP_S - 80), st.floats(2, 70)),
        min_size=1,
        max_size=3,
        unique_by=lambda o: round(o[0]),
    ),
    period=st.tuples(st.floats(0, 0.5), st.floats(0.5, 1.0)),
)
def test_every_link_outage_in_the_period_is_flagged(outages, period):
    spans = [(T0 + round(a), T0 + round(a) + round(d)) for a, d in outages]
    events = [link_outage(a, b) for a, b in spans] + [_backfill(a, b) for a, b in spans]
    with tempfile.TemporaryDirectory() as tmp:
        path = line_journal(Path(tmp), T0, {"filler": [2] * STEPS}, extra=events)
        source = ReviewSource.open([path])
        t0 = source.t0 + period[0] * (source.t1 - source.t0)
        t1 = source.t0 + period[1] * (source.t1 - source.t0) + 1.0
        md = to_markdown(build_report(source, t0, t1, "shift"))
    flags = next((line for line in md.splitlines() if line.startswith("Flags on these figures")), "")
    inside = sorted({(a, b) for a, b in spans if a < t1 and b > t0})
    named = [f"server link down {_hms(a)}-{_hms(b)}" for a, b in inside]
    assert flags.count("server link down") == len(inside), (flags, inside)
    assert all(n in flags for n in named), (flags, named)
    # in time order, with the record's own start/stop flags
    assert [flags.index(n) for n in named] == sorted(flags.index(n) for n in named)
