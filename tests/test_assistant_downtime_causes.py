"""The biggest contributor to the downtime, in the words a supervisor types (misc11): "what was the
biggest downtime contributor?", "main cause of downtime", "top downtime reason" were declined ("it
records nothing about 'contributor'") or answered with a stop list that never said which. The answer is
the Production view's Stops table grouped by reason (its own wording, "Bearing failure (U-BEARING)"),
naming the machines and the minutes, for the period asked; "which station lost the most" ranks the
machines and says what their time went to.

Properties over random journals (states and fault codes of every machine, written as the tags' samples;
tests/helpers/assistant_journals.py) and wordings composed from their parts: a TOP word, a CAUSE word,
the time lost, a period, punctuation. The expected figures come from the production model over the
answer's own range (hmi.core.production), never from the assistant's tools."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.production.journal_io import analyse_journal
from hmi.core.production.setup import ProductionSetup
from inference.assistant.assistant import Assistant
from inference.assistant.tools.fmt import fmt_duration
from tests.helpers.assistant_journals import MACHINES, RUNNING, SPAN, T0, journal_of, tools_of

NAMES = {"filler": "Filler", "capper": "Capper", "labeller": "Labeller", "conveyor": "Conveyor"}
FAULTED = 4.0
_STATE = st.sampled_from([RUNNING, RUNNING, 0.0, 1.0, 3.0, FAULTED, FAULTED])
# A machine's story: (seconds after T0 + 1, state, fault code while Faulted), Running first.
_story = st.lists(st.tuples(st.floats(0, SPAN - 10), _STATE, st.integers(1, 5)), min_size=1, max_size=7).map(
    lambda ch: [(0.0, RUNNING, 0), *sorted(ch)]
)
_stories = st.fixed_dictionaries({m: _story for m in MACHINES})

_TOP = st.sampled_from(["greatest", "single largest", "primary", "chief", "principal", "major", "key"])
_CAUSE = st.sampled_from(["contributor", "cause", "source", "factor", "culprit", "driver", "reason"])
_LOST = st.sampled_from(["downtime", "lost time", "stoppage time", "time lost", "down time"])
_WHEN = st.sampled_from(["", " this shift", " today", " so far"])
_END = st.sampled_from(["", "?", " ?", " pls", "!"])
_CAUSE_FRAMES = (
    "what's the {top} {cause} of {lost}{when}{end}",
    "{top} {cause} of {lost}{when}{end}",
    "tell me the {top} {lost} {cause}{when}{end}",
    "give me the {top} {cause} for our {lost}{when}{end}",
    "what was the {top} {cause} behind the {lost}{when}{end}",
    "{lost}{when}: {top} {cause}{end}",
)
_MACHINE_FRAMES = (
    "which station caused the most {lost}{when}{end}",
    "what equipment is responsible for the greatest {lost}{when}{end}",
    "which unit had the largest {lost}{when}{end}",
    "which station accounts for the most {lost}{when}{end}",
)


@st.composite
def _cause_question(draw: st.DrawFn) -> str:
    q = draw(st.sampled_from(_CAUSE_FRAMES)).format(
        top=draw(_TOP), cause=draw(_CAUSE), lost=draw(_LOST), when=draw(_WHEN), end=draw(_END)
    )
    return draw(st.sampled_from([q, q.capitalize(), q.upper()]))


@st.composite
def _machine_question(draw: st.DrawFn) -> str:
    q = draw(st.sampled_from(_MACHINE_FRAMES)).format(lost=draw(_LOST), when=draw(_WHEN), end=draw(_END))
    return draw(st.sampled_from([q, q.capitalize()]))


def _rows(stories: dict[str, list[tuple[float, float, int]]]) -> list[tuple[str, float, float]]:
    """Each machine's state samples and its fault code: the code while Faulted, 0 otherwise."""
    rows: list[tuple[str, float, float]] = []
    for m, story in stories.items():
        for t, state, code in story:
            rows.append((f"{m}.state", T0 + 1 + t, state))
            rows.append((f"{m}.fault_code", T0 + 1 + t, float(code) if state == FAULTED else 0.0))
    return rows


def _answer(stories, question):
    """The answer, and the Stops table rows over the answer's own range: (machine, reason as the
    table words it, seconds inside the range)."""
    setup = ProductionSetup.from_config(load_config(DEMO_CONFIG))
    with tempfile.TemporaryDirectory() as d:
        path = journal_of(Path(d), _rows(stories))
        ans = Assistant(tools_of(path)).answer(question)
        assert ans.results, (question, ans.text)
        a, b = ans.results[0].args["start"], ans.results[0].args["end"]
        model = analyse_journal([path], a, b, setup)
    stops = [
        (s.machine, s.reason_label(setup), min(s.end, b) - max(s.start, a))
        for s in model.stops
        if s.start < b and s.end > a
    ]
    return ans, stops


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_stories, _cause_question())
def test_the_biggest_downtime_contributor_is_the_stops_tables_top_reason_with_machines_and_minutes(
    stories, question
):
    ans, stops = _answer(stories, question)
    assert [c.name for c in ans.tool_calls] == ["machine_states"], (question, ans.text)
    assert ans.tool_calls[0].args.get("focus") == "cause", (question, ans.tool_calls)
    by_reason: dict[str, float] = defaultdict(float)
    by_pair: dict[tuple[str, str], float] = defaultdict(float)
    for m, label, sec in stops:
        by_reason[label] += sec
        by_pair[(label, m)] += sec
    facts = ans.results[0].facts["by_reason"]
    assert {f["reason"]: f["downtime_s"] for f in facts} == {k: round(v) for k, v in by_reason.items()}, (
        ans.text
    )
    for f in facts:  # each reason's machines, with their time
        assert {x["machine"]: x["downtime_s"] for x in f["machines"]} == {
            m: round(v) for (label, m), v in by_pair.items() if label == f["reason"]
        }, ans.text
    lead = ans.text.split(". ", 1)[0]
    top = max(by_reason.values(), default=0.0)
    if round(top) <= 0:
        assert ans.text.startswith("No machine lost time to stops"), (question, ans.text)
        return
    assert lead.startswith("Biggest contributor to the downtime from"), (question, ans.text)
    assert fmt_duration(top) in lead, (question, ans.text)
    for label, sec in by_reason.items():
        if round(sec) == round(top):  # every reason tied for the top, with the machines it stopped
            assert label in lead, (question, ans.text)
            assert all(NAMES[m] in lead for (lb, m), s in by_pair.items() if lb == label and s > 0), ans.text
    # What is counted is said.
    assert "counted:" in ans.text and "short stops" in ans.text, ans.text


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_stories, _machine_question())
def test_which_station_lost_the_most_names_its_reasons_and_minutes(stories, question):
    ans, stops = _answer(stories, question)
    assert [c.name for c in ans.tool_calls] == ["machine_states"], (question, ans.text)
    assert ans.tool_calls[0].args.get("focus") == "rank", (question, ans.tool_calls)
    down: dict[str, float] = defaultdict(float)
    went: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for m, label, sec in stops:
        down[m] += sec
        went[m][label] += sec
    top = max(down.values(), default=0.0)
    lead = ans.text.split(". ", 1)[0]
    if round(top) <= 0:
        assert ans.text.startswith("No machine lost time to stops"), (question, ans.text)
        return
    assert lead.startswith("Most time lost") and fmt_duration(top) in lead, (question, ans.text)
    for m in MACHINES:
        assert (NAMES[m] in lead) == (round(down[m]) == round(top)), (question, ans.text)
        if round(down[m]) == round(top):  # and what its time went to, in minutes
            for label, sec in went[m].items():
                if round(sec) > 0:
                    assert f"{label} {fmt_duration(sec)}" in lead, (question, ans.text)


def test_asked_in_german_the_answer_is_the_same_ranking():
    stories = {m: [(0.0, RUNNING, 0)] for m in MACHINES}
    stories["filler"] = [(0.0, RUNNING, 0), (100.0, FAULTED, 3), (400.0, RUNNING, 0)]  # bearing, 5 min
    stories["capper"] = [(0.0, RUNNING, 0), (500.0, FAULTED, 1), (620.0, RUNNING, 0)]  # jam, 2 min
    for q in (
        "Was war die größte Ursache der Stillstandszeit in dieser Schicht?",
        "Hauptursache für Stillstandszeit?",
    ):
        ans, _stops = _answer(stories, q)
        assert ans.lang == "de" and ans.tool_calls[0].args.get("focus") == "cause", (q, ans.text)
        assert ans.text.startswith("Größter Anteil an der Stillstandszeit"), ans.text
        assert "Bearing failure (U-BEARING), 5 min (Füller)" in ans.text, ans.text
