"""Questions about a moment or an episode in the record, never answered with the value now (qa9 Q9-6):

- a value at or just before an event ("what was the filler vibration just before it tripped?"): the
  sample in force an instant before the trip, the machine named anywhere in the question ("it");
- the first time a signal reached its alarm limit within the period ("when did the filler vibration
  first go over its limit?"): the first sample at or beyond each limit, or that it never did;
- how long a named machine was stopped by a named kind of stop ("how long was the capper jammed?",
  "... faulted?"): the stops of that kind (the Production view's Stops table) and their total.

Properties over random signals and trip times, and wordings composed from their parts."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.production.journal_io import analyse_journal
from hmi.core.production.setup import ProductionSetup
from inference.assistant.assistant import Assistant
from inference.assistant.tools.fmt import fmt_duration
from tests.helpers.assistant_journals import RUNNING, SPAN, T0, journal_of, tools_of

# No shrinking: each example builds a journal, and a failure shrank for 5 min; the failing draw is shown as is.
NOSHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
FAULTED = 4.0
SIGNAL = "filler.vibration"


def _state_ev(ts: float, machine: str, state: str, fault: str = "") -> JournalEvent:
    return JournalEvent(
        EventKind.MACHINE_STATE,
        f"{machine.capitalize()}: -> {state}" + (f" ({fault})" if fault else ""),
        source=machine,
        severity=Severity.WARNING if state == "Faulted" else Severity.INFO,
        data={"state": state, "fault": fault},
        ts=ts,
    )


# A signal: (seconds after T0, value) samples, and the filler's trip some time after them.
_signal = st.lists(
    st.tuples(st.floats(5, SPAN - 300), st.floats(0, 12).map(lambda v: round(v, 2))),
    min_size=1,
    max_size=25,
    unique_by=lambda s: round(s[0], 2),
)


def _trip_journal(d: Path, samples: list[tuple[float, float]], trip: float, with_trip_sample: bool) -> Path:
    rows = [("filler.state", T0 + 1, RUNNING), ("filler.state", T0 + trip, FAULTED)]
    rows += [(SIGNAL, T0 + t, v) for t, v in samples]
    if with_trip_sample:  # a sample written with the trip itself (the motor current's 0 A)
        rows.append((SIGNAL, T0 + trip, 0.0))
    events = [
        _state_ev(T0 + 1, "filler", "Running"),
        _state_ev(T0 + trip, "filler", "Faulted", "Bearing failure"),
    ]
    return journal_of(d, rows, events)


_JUST = st.sampled_from(["just before", "right before", "immediately before", "shortly before"])
_WHAT = st.sampled_from(
    [
        "what was the filler vibration {just} it tripped{end}",
        "filler vibration {just} the filler tripped{end}",
        "what was the vibration of the filler {just} it faulted{end}",
        "tell me the filler vibration {just} it stopped{end}",
    ]
)
_END = st.sampled_from(["", "?", " ?"])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NOSHRINK)
@given(_signal, st.floats(1, 200), st.booleans(), _WHAT, _JUST, _END)
def test_a_value_just_before_a_trip_is_the_sample_in_force_an_instant_before(
    samples, after, with_trip_sample, frame, just, end
):
    trip = max(t for t, _ in samples) + after
    question = frame.format(just=just, end=end)
    with tempfile.TemporaryDirectory() as d:
        tools = tools_of(_trip_journal(Path(d), samples, trip, with_trip_sample))
        ans = Assistant(tools).answer(question)
    want = max(samples)[1]  # the last sample before the trip (not the trip's own 0.0)
    assert [c.name for c in ans.tool_calls] == ["current_value"], (question, ans.text)
    (fact,) = ans.results[0].facts["values"]
    assert fact["value"] == want, (question, ans.text, samples)
    # The moment asked: an instant before the trip, never now.
    assert ans.tool_calls[0].args["at"] < T0 + trip <= ans.tool_calls[0].args["at"] + 1e-3, ans.tool_calls


_CROSS = st.sampled_from(
    [
        "when did the filler vibration first go over its limit{end}",
        "when did filler vibration first exceed its alarm limit{end}",
        "what time did the filler vibration first cross its limit{end}",
        "when was the filler vibration first above the alarm limit{end}",
        "first time the filler vibration went past its threshold{end}",
    ]
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NOSHRINK)
@given(_signal, _CROSS, _END)
def test_the_first_crossing_of_each_alarm_limit_is_the_first_sample_beyond_it(samples, frame, end):
    question = frame.format(end=end)
    with tempfile.TemporaryDirectory() as d:
        tools = tools_of(_trip_journal(Path(d), samples, SPAN - 100, False))
        ans = Assistant(tools).answer(question)
        limits = tools.catalog.tags[SIGNAL].limits
    assert [c.name for c in ans.tool_calls] == ["tag_stats"], (question, ans.text)
    (f,) = ans.results[0].facts["stats"]
    got = {c["limit"]: c["time"] for c in f["first_crossings"]}
    highs = {k: v for k, v in limits.items() if k.startswith("h")}
    assert set(got) == set(highs), (got, limits)
    for k, lim in highs.items():
        first = next((t for t, v in sorted(samples) if v >= lim), None)
        assert got[k] == (tools.fmt_t(T0 + first) if first is not None else None), (k, lim, ans.text)
        if first is None:
            assert f"did not go over its {k.upper()} alarm limit" in ans.text, ans.text
        else:
            assert f"first went over its {k.upper()} alarm limit" in ans.text, ans.text
    # Never the value now.
    assert " is " not in ans.text.split(".")[0], ans.text


_STATE = st.sampled_from([2.0, 2.0, 0.0, 4.0, 4.0, 3.0])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NOSHRINK)
@given(
    st.lists(st.tuples(st.floats(0, SPAN - 10), _STATE), min_size=1, max_size=8),
    st.sampled_from(["faulted", "tripped", "in fault"]),
    st.sampled_from(
        [
            "how long was the capper {kind}{end}",
            "for how long was the capper {kind}{end}",
            "how many minutes was the capper {kind}{end}",
        ]
    ),
    _END,
)
def test_how_long_a_machine_was_stopped_by_a_kind_is_those_stops_of_the_stops_table(
    changes, kind, frame, end
):
    question = frame.format(kind=kind, end=end)
    seq = [(0.0, RUNNING), *sorted(changes), (SPAN - 5, RUNNING)]
    rows = [("capper.state", T0 + 1 + t, v) for t, v in seq]
    rows += [(f"{m}.state", T0 + 1, RUNNING) for m in ("filler", "labeller", "conveyor")]
    with tempfile.TemporaryDirectory() as d:
        path = journal_of(Path(d), rows, [])
        tools = tools_of(path)
        ans = Assistant(tools).answer(question)
        a, b = tools.range_of(None, None)
        model = analyse_journal([path], a, b, ProductionSetup.from_config(load_config(DEMO_CONFIG)))
    assert [c.name for c in ans.tool_calls] == ["machine_states"], (question, ans.text)
    assert ans.tool_calls[0].args.get("fault") == "Faulted", ans.tool_calls

    def state_at(t: float) -> float:
        return [v for s, v in seq if T0 + 1 + s <= t + 1e-6][-1]

    faulted = [s for s in model.stops if s.machine == "capper" and state_at(s.start) == FAULTED]
    total = sum(min(s.end, b) - max(s.start, a) for s in faulted)
    (f,) = ans.results[0].facts["machines"]
    assert f["stops"] == len(faulted), (ans.text, faulted)
    if faulted:
        assert ans.text.startswith(f"The Capper had {len(faulted)} Faulted stop"), ans.text
        assert f"{fmt_duration(round(total))} in total" in ans.text.split(". ")[0], ans.text
    else:
        assert ans.text.startswith("No Faulted stop of the Capper"), ans.text


def test_qa9_how_long_was_the_capper_jammed_is_the_jam_stop():
    rows = [(f"{m}.state", T0 + 1, RUNNING) for m in ("filler", "capper", "labeller", "conveyor")]
    rows += [("capper.state", T0 + 600, FAULTED), ("capper.state", T0 + 636, RUNNING)]
    rows += [("capper.state", T0 + 900, 0.0), ("capper.state", T0 + 990, RUNNING)]  # another stop, no jam
    rows += [("capper.fault_code", T0 + 600, 1.0), ("capper.fault_code", T0 + 636, 0.0)]
    events = [
        _state_ev(T0 + 1, "capper", "Running"),
        _state_ev(T0 + 600, "capper", "Faulted", "Jam"),
        _state_ev(T0 + 636, "capper", "Running"),
    ]
    with tempfile.TemporaryDirectory() as d:
        ans = Assistant(tools_of(journal_of(Path(d), rows, events))).answer("how long was the capper jammed?")
    assert ans.text.startswith("The Capper had 1 Jam stop"), ans.text
    assert "36 s in total" in ans.text.split(". ")[0], ans.text
