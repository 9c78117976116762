"""One stop definition in the review (qa7 G42): the stops "Stop reason…" offers at an instant are the
production model's stops there, the ones the Production view, the report and the journal write use,
never the timeline's single state bars ("Filler: Stopped 20:06:31 to 20:06:38" where Production said
20:06:31-20:06:43: a stop runs through Stopped, Faulted and Starting until Running)."""

from __future__ import annotations

import datetime as _dt
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.review.journal_write import ReviewJournal, file_stops
from hmi.core.review.source import ReviewSource
from hmi.core.review.stop_choices import no_stop_text, record_stops, stops_at
from hmi.core.review.timeline import build_timeline
from hmi.core.users import Role, User, UserStore
from tests.review_fixtures import LINE_MACHINES, LINE_STEP_S, line_journal

T0 = _dt.datetime(2026, 3, 2, 6, 0, tzinfo=_dt.UTC).timestamp()
STEPS = 90  # a quarter of an hour
SUE = User("sue", Role.SUPERVISOR)

# A machine's states: runs of a state, Running between stops most of the time.
runs = st.lists(
    st.tuples(st.sampled_from([2, 2, 0, 1, 3, 4, 5]), st.integers(1, 12)), min_size=1, max_size=12
)


def _expand(plan: list[tuple[int, int]]) -> list[int]:
    out = [2]  # running at the start of the record
    for state, n in plan:
        out += [state] * n
    return (out + [2] * STEPS)[:STEPS]


def review_stops(path: Path, instants: list[float]) -> dict[float, list[tuple[str, float, float]]]:
    src = ReviewSource.open([path])
    analysis, timeline = record_stops(src), build_timeline(src)
    return {t: [(c.machine, c.start, c.end) for c in stops_at(analysis, timeline, t)] for t in instants}


def production_stops(path: Path, instants: list[float]) -> dict[float, list[tuple[str, float, float]]]:
    """The journal write's stops (the production model over the file), those going on at each instant."""
    stops = file_stops(path)
    order = {m: k for k, m in enumerate(LINE_MACHINES)}
    return {
        t: sorted(
            ((s.machine, s.start, s.end) for s in stops if s.start <= t < s.end), key=lambda x: order[x[0]]
        )
        for t in instants
    }


@settings(max_examples=8, deadline=None)
@given(
    plans=st.fixed_dictionaries({m: runs for m in LINE_MACHINES[:3]}),
    at=st.lists(st.floats(0, 1), max_size=6),
)
def test_the_stops_offered_at_any_instant_are_the_production_models(plans, at):
    instants = [T0 + k * LINE_STEP_S + 5.0 for k in range(STEPS)] + [T0 + a * STEPS * LINE_STEP_S for a in at]
    with tempfile.TemporaryDirectory() as d:
        states = {m: _expand(p) for m, p in plans.items()}
        path = line_journal(Path(d), T0, states)
        review = review_stops(path, instants)
        assert review == production_stops(path, instants)
        # Not vacuous: a machine Stopped or Faulted for a whole step is a stop both sides list (once
        # the fixture's journal opened after its samples and neither side found any stop).
        stopped = {m: [k for k, v in enumerate(seq) if v in (0, 4)] for m, seq in states.items()}
        for m, steps in stopped.items():
            for k in steps:
                t = T0 + k * LINE_STEP_S + 5.0
                assert any(c[0] == m for c in review[t]), (m, k, review[t])


def test_a_stop_through_several_states_is_one_stop():
    """The walkthrough's filler: Stopped, then Starting, then Running; Faulted then Stopped."""
    states = [2] * 5 + [0] * 3 + [1] * 2 + [2] * 5 + [4] * 6 + [0] * 2 + [2] * 10
    with tempfile.TemporaryDirectory() as d:
        path = line_journal(Path(d), T0, {"filler": states})
        src = ReviewSource.open([path])
        timeline = build_timeline(src)
        (bar,) = stops_at(None, timeline, T0 + 55)  # what the review offered: the Stopped bar alone
        assert (bar.start, bar.end) == (T0 + 50, T0 + 80)
        (choice,) = stops_at(record_stops(src), timeline, T0 + 55)
        assert (choice.start, choice.end) == (T0 + 50, T0 + 100)
        (choice,) = stops_at(record_stops(src), build_timeline(src), T0 + 215)
        assert (choice.start, choice.end) == (T0 + 150, T0 + 230)
        assert "Filler: stop" in choice.label()


@settings(max_examples=6, deadline=None)
@given(
    first=st.fixed_dictionaries({m: st.sampled_from([0, 4, 2, 3, 1]) for m in LINE_MACHINES}),
    held=st.integers(1, 6),
    opened_after=st.floats(0.5, 25.0),
)
def test_before_the_recording_began_a_machine_shown_stopped_is_offered_its_stop(first, held, opened_after):
    """qa8: at the record's start (the first readings, stamped with the server's time a moment before
    "journal opened") the faceplates said "Stopped" and "Stop reason…" said no machine was stopped.
    At any instant before the opening, a machine the review shows Stopped or Faulted that is still
    stopped when recording begins is offered the stop the production figures begin there; no machine
    shown running is offered one; and where none is offered, the message says recording had not begun
    (not that no machine was stopped)."""
    states = {m: [v] * held + [2] * (STEPS - held) for m, v in first.items()}
    with tempfile.TemporaryDirectory() as d:
        path = line_journal(Path(d), T0, states, opened_after=opened_after)
        src = ReviewSource.open([path])
        timeline, analysis = build_timeline(src), record_stops(src)
        opened = T0 + opened_after
        assert src.t0 < opened
        at_opening = {m: bar.state for m, _n in timeline.machines if (bar := timeline.state_at(m, opened))}
        for t in [src.t0, (src.t0 + opened) / 2, opened - 0.01]:
            offered = {c.machine: c for c in stops_at(analysis, timeline, t)}
            shown = {m: bar.state for m, _n in timeline.machines if (bar := timeline.state_at(m, t))}
            stopped = {
                m for m, s in shown.items() if s in ("Stopped", "Faulted") and at_opening.get(m) != "Running"
            }
            assert stopped <= offered.keys(), (t - T0, shown, at_opening, offered)
            assert all(shown.get(m) not in ("Running", None) for m in offered), (t - T0, shown, offered)
            assert all(c.start >= opened for c in offered.values())  # the stop as the figures list it
            if not offered:
                assert "did not record stops then" in no_stop_text(analysis, t)


@settings(max_examples=4, deadline=None)
@given(
    first=st.fixed_dictionaries({m: st.sampled_from([0, 4, 2]) for m in LINE_MACHINES[:3]}),
    held=st.integers(2, 6),  # stopped past the opening: a continued stop is offered
    opened_after=st.floats(0.5, 9.0),
    at=st.lists(st.floats(0, 1), min_size=1, max_size=4),
)
def test_every_stop_offered_is_one_the_journal_write_finds(first, held, opened_after, at):
    """qa9 Q9-24: at the record's start "Stop reason…" offered "Filler: stop 00:44:38 to 00:44:48"
    and "Write to the journal" answered "no stop of 'filler' at that instant": the write looked for a
    stop going on at the cursor, which was before the stop the dialog offered (a stop continued from
    before the recording began). Any stop offered at any instant is classified by the write path."""
    states = {m: [v] * held + [2] * (STEPS - held) for m, v in first.items()}
    with tempfile.TemporaryDirectory() as d:
        path = line_journal(Path(d), T0, states, opened_after=opened_after)
        src = ReviewSource.open([path])
        timeline, analysis = build_timeline(src), record_stops(src)
        journal = ReviewJournal(((path, src.t0, src.t1),), UserStore(Path(d) / "users.json"))
        instants = [src.t0, T0 + opened_after - 0.01] + [src.t0 + a * (src.t1 - src.t0) for a in at]
        offered = {(c.machine, c.start): c for t in instants for c in stops_at(analysis, timeline, t)}
        for choice in offered.values():
            written, stop, rows = journal.classify(SUE, choice, "U-MATERIAL")
            assert written == path and (stop.machine, stop.start) == (choice.machine, choice.start)
            assert rows
