"""The record's end is described from the journal's own facts (qa7 G38).

A `linehmi journal copy` taken while LineHMI ran ends with no "journal closed" mark; the assistant,
the report and `production summary` (one home: journal_io.gap_flags) said "nothing recorded after
20:18:08 (LineHMI stopped)". Only a gap that begins at a "journal closed" mark began with LineHMI
stopping; any other end of the record says it has no stop mark.
"""

from __future__ import annotations

import math
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.events import EventKind, JournalEvent
from hmi.core.journal import Journal
from hmi.core.production.journal_io import (
    closed_marks,
    gap_flags,
    observation_gaps,
    shift_summary,
    snapshot_event,
)
from hmi.core.production.setup import ProductionSetup
from hmi.core.record_gaps import CLOSED, OPENED, RECORD_ENDS_OPEN
from hmi.journal_cli import copy_journal
from tests.production_helpers import demo_setup
from tests.test_journal import batch
from tests.test_report_record_end import SHIFT_END, SHIFT_START, _utc_config

STOPPED = "(LineHMI stopped)"


class _Marks:
    """An EventSource holding only system marks."""

    def __init__(self, marks: list[tuple[float, str]]) -> None:
        self._events = [JournalEvent(EventKind.SYSTEM, what, ts=ts) for ts, what in marks]

    def read_events(self, since=None, until=None, kinds=None, limit=None):
        return list(self._events)


# A session: it ran `length` s, then closed cleanly or not (crash, or the copy was taken then).
SESSIONS = st.lists(st.tuples(st.floats(30, 3000), st.floats(5, 3000), st.booleans()), min_size=1, max_size=5)


@settings(max_examples=100, deadline=None)
@given(sessions=SESSIONS)
def test_only_a_journal_closed_mark_is_said_to_be_linehmi_stopping(sessions):
    setup = demo_setup()
    t = SHIFT_START
    marks: list[tuple[float, str]] = []
    ends: list[tuple[float, bool]] = []  # each session's last evidence, closed cleanly or not
    for pause, length, clean in sessions:
        t += pause
        marks.append((t, OPENED))
        t += length
        if clean:
            marks.append((t, CLOSED))
        ends.append((t, clean))
    record_end = ends[-1][0]
    src = _Marks(marks)

    def last_before(x: float) -> float | None:
        before = [e for e, _c in ends if e < x]
        return max(before) if before else None

    gaps = observation_gaps(
        [src], open_end=math.inf, record_end=record_end, last_before=last_before, from_start=True
    )
    flags = gap_flags(setup, gaps, SHIFT_START, max(SHIFT_END, record_end + 1), closed_marks([src]))
    trailing = [f for f in flags if f.startswith("nothing recorded after")]
    assert len(trailing) == 1, flags
    assert (STOPPED in trailing[0]) == ends[-1][1], (trailing, ends[-1])
    assert (RECORD_ENDS_OPEN in trailing[0]) != ends[-1][1]
    for f in flags:
        if STOPPED in f:  # the stop named is a "journal closed" mark of the record
            hh = f.split("after ", 1)[1][:8]
            closed = [ts for ts, what in marks if what == CLOSED]
            assert any(f"{setup.calendar.to_local(ts):%H:%M:%S}" == hh for ts in closed), (f, marks)


def _journal(directory: Path) -> tuple[Journal, Path]:
    cfg = _utc_config()
    clock = [SHIFT_START]
    idx = cfg.tag_index()
    j = Journal(cfg, directory, clock=lambda: clock[0])
    j.__enter__()
    j.write_event(snapshot_event(ProductionSetup.from_config(cfg), SHIFT_START))
    for k in range(30):
        vals = {"filler.state": 2.0, "filler.good_count": 60.0 * k, "filler.reject_count": 0.0}
        j.write_samples(batch([idx[n] for n in vals], SHIFT_START + 10.0 * k, list(vals.values())))
    j.flush()
    clock[0] = SHIFT_START + 290.0
    return j, j.path


def test_a_copy_taken_while_linehmi_runs_does_not_say_it_stopped(tmp_path):
    directory = tmp_path / "live"
    directory.mkdir()
    j, path = _journal(directory)
    try:
        copy = tmp_path / "copy.db"
        copy_journal(path, copy)  # `linehmi journal copy` while LineHMI writes the file
    finally:
        j.__exit__(None, None, None)
    of_copy = " ".join(shift_summary(copy, SHIFT_START + 1).flags)
    of_closed = " ".join(shift_summary(path, SHIFT_START + 1).flags)
    assert STOPPED not in of_copy and RECORD_ENDS_OPEN in of_copy, of_copy
    assert STOPPED in of_closed and RECORD_ENDS_OPEN not in of_closed, of_closed
