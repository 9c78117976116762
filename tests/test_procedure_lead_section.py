"""A procedure answer leads with the section for the situation asked about, never with a section named
for an action the question does not ask for (qa7 G17).

"The glue on the labeller is getting too hot, what do I do?" was answered with "Restart after an
overheat trip" (purge the glue, reset, restart): the section for the situation, "Glue temperature high"
(switch the heater off before the cut-out), was only under "See also". Over every installed document:
a question about any of its other sections never gets a restart/reset/clear section first unless it
asks to restart, reset or clear.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from inference.assistant.procedures import ProcedureIndex
from inference.assistant.tools.procedures import SearchProcedures, steps_of

INDEX = ProcedureIndex()
ACTION = re.compile(r"\b(restart|reset|clear)", re.I)
DOING = re.compile(r"\b(steps?|actions?|procedures?)\b", re.I)
CASES = [
    (doc_sections[0].doc, other.heading, act.heading)
    for doc_sections in [
        [s for s in INDEX.sections if s.doc == d] for d in sorted({s.doc for s in INDEX.sections})
    ]
    for act in doc_sections
    if act.heading != act.title
    and ACTION.search(act.heading)
    and not DOING.search(act.heading)
    and steps_of(act.body)
    for other in doc_sections
    if other is not act
    and other.heading != other.title
    and not ACTION.search(other.heading)
    and steps_of(other.body)
]


def lead_section(question: str) -> str:
    ctx = SimpleNamespace(procedures=INDEX, resolve_machine=lambda m: (m,))
    hits = SearchProcedures().run(ctx, query=question).facts["hits"]
    return hits[0]["section"] if hits else ""


def test_there_are_cases():
    assert any(doc == "labeller_glue.md" for doc, _o, _a in CASES), CASES


@pytest.mark.parametrize(("doc", "situation", "action"), CASES)
def test_a_symptom_question_is_not_led_by_an_action_it_does_not_ask_for(doc, situation, action):
    for frame in ("{s}, what do I do?", "what should I do about {s}?", "{s} - steps?"):
        question = frame.format(s=situation.lower())
        assert lead_section(question) != action, (doc, question)


def test_the_issue_example_and_a_restart_question():
    assert (
        lead_section("the glue on the labeller is getting too hot, what do I do?")
        == "Glue temperature high (overheat)"
    )
    # the labeller's own restart section, or the line's reset-and-restart procedure: both restart
    restart = lead_section("how do I restart the labeller after an overheat trip?")
    assert restart in ("Restart after an overheat trip", "Reset and restart"), restart
