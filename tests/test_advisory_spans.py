"""The report's "Model advisories" give each advisory its end (qa7 G26: a failure advisory cleared at
20:13:16 and a prediction back at 20:10:52 read as open at the end of the shift): over random
sequences of the predictor's advisory events, every start is listed once with the first end of the
same machine and kind after it, or "still open at the record end"."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hmi.core.events import EventKind, Severity
from hmi.core.journal_read import StoredEvent
from hmi.core.review.advisory_spans import ENDS, advisory_spans
from hmi.core.review.report import span_line

T0 = 1_765_000_000.0
MACHINES = ("filler", "conveyor")


def advisory(i: int, ts: float, machine: str, kind: str) -> StoredEvent:
    start = kind in ENDS
    return StoredEvent(
        kind=EventKind.ADVISORY,
        message=f"{machine}: {kind} #{i}",
        source=machine,
        user="",
        severity=Severity.WARNING if start else Severity.INFO,
        data={"advisory": kind, "machine": machine},
        ts=ts,
        id=i,
    )


steps = st.lists(
    st.tuples(
        st.floats(0.5, 120.0),
        st.sampled_from(MACHINES),
        st.sampled_from(["raised", "cleared", "problem", "resolved"]),
    ),
    max_size=25,
)


@given(steps)
def test_every_advisory_shows_its_end_or_that_it_was_open_at_the_record_end(seq):
    events, t = [], T0
    for i, (dt_, machine, kind) in enumerate(seq, 1):
        t += dt_
        events.append(advisory(i, t, machine, kind))
    spans = advisory_spans(reversed(events))  # any order in
    starts = [s for s in spans if s.start is not None]
    # The model: per (machine, family) one advisory open at a time; a start while one is open replaces it.
    expected = []
    open_: dict[tuple[str, str], StoredEvent] = {}
    for e in events:
        kind = e.data["advisory"]
        fam = kind if kind in ENDS else next(k for k, v in ENDS.items() if v == kind)
        key = (e.source, fam)
        if kind in ENDS:
            if key in open_:
                expected.append((open_[key].ts, open_[key].message, e.ts))
            open_[key] = e
        elif key in open_:
            start = open_.pop(key)
            expected.append((start.ts, start.message, e.ts))
    got = sorted((s.start, s.end) for s in starts)
    want = sorted(
        [(a, c) for a, _b, c in expected] + [(e.ts, None) for e in open_.values()],
        key=lambda x: (x[0], x[1] or 0),
    )
    assert got == sorted(want, key=lambda x: (x[0], x[1] or 0))
    assert len(starts) == sum(1 for e in events if e.data["advisory"] in ENDS)  # every start once
    for s in spans:
        line = span_line(s)
        assert ("ended " in line) != (s.end is None) and ("still open at the record end" in line) == (
            s.end is None
        )


def test_qa7_filler_and_conveyor_end():
    events = [
        advisory(1, T0, "filler", "raised"),
        advisory(2, T0 + 158, "conveyor", "problem"),
        advisory(3, T0 + 202, "conveyor", "resolved"),
        advisory(4, T0 + 346, "filler", "cleared"),
        advisory(5, T0 + 400, "filler", "raised"),
    ]
    lines = [span_line(s) for s in advisory_spans(events)]
    assert lines[0].endswith("ended " + lines[0].split("ended ")[1]) and "filler: cleared #4" in lines[0]
    assert "conveyor: resolved #3" in lines[1]
    assert lines[2].endswith("still open at the record end")
