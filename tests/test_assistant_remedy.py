"""What to do about a symptom, in any frame (qa8 Q7): "the labeller glue is running too hot, what should
the operator do?" got only the labeller's state while "glue on the labeller is too hot - what do I do?"
got the procedure. Any remedy frame for someone at the line ("what should the operator / my crew / the
supervisor do", "how should the operator fix it", "what's the procedure") gives the procedure section for
the symptom, with its source; a symptom no procedure covers is said to have none, and no procedure is
cited. Over every section of the installed documents and random symptoms."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.config import DEMO_CONFIG, load_config
from inference.assistant.factory import build_assistant
from inference.assistant.procedures import ProcedureIndex
from inference.assistant.scope import CONVERSATION_WORDS
from inference.assistant.tools.procedures import _HEADING_GRAMMAR

INDEX = ProcedureIndex()
FRAMES = (
    "{s}, what should the operator do?",
    "what should my crew do about {s}",
    "{s} - how should the operator fix it",
    "{s}: what does the supervisor do",
    "{s}, whats the procedure",
    "{s} what do we do",
)
# A section for a symptom of one machine: its heading names the symptom in two words or more.
SECTIONS = [
    s
    for s in INDEX.sections
    if s.heading != s.title
    and len(s.machines) == 1
    and len([w for w in re.findall(r"[a-z]+", s.heading.lower()) if w not in _HEADING_GRAMMAR]) >= 2
]


@pytest.fixture(scope="module")
def assistant():
    return build_assistant(config=load_config(DEMO_CONFIG), db_files=[], use_model=False)


def _procedures(ans):
    return [s.uri() for s in ans.sources if s.kind == "procedure"]


def test_there_are_sections():
    assert {s.doc for s in SECTIONS} >= {"labeller_glue.md", "conveyor.md", "filler_bearing.md"}


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: f"{s.doc}#{s.anchor}")
def test_every_remedy_frame_gets_the_symptoms_section(assistant, section):
    machine = section.machines[0]
    heading = section.heading.lower()
    symptom = heading if machine in heading else f"{machine} {heading}"
    for frame in FRAMES:
        question = frame.format(s=symptom)
        ans = assistant.answer(question, use_model=False)
        assert ans.tool_calls[0].name == "search_procedures", (question, ans.text)
        procs = _procedures(ans)
        assert procs and procs[0].endswith(f"/{section.doc}#{section.anchor}"), (question, procs, ans.text)


def _words(sections) -> set[str]:
    return {w for s in sections for w in re.findall(r"[a-z]+", f"{s.title} {s.heading} {s.body}".lower())}


# Per machine: words of other machines' documents that no document about this machine (nor a line-wide
# one) holds: a symptom from there has no procedure on this machine.
ELSEWHERE = {
    m: sorted(
        w
        for w in _words(s for s in INDEX.sections if m not in s.machines)
        - _words(s for s in INDEX.sections if m in s.machines)
        - CONVERSATION_WORDS
        if len(w) >= 4 and w.isalpha()
    )
    for m in ("filler", "capper", "labeller", "conveyor")
}


@st.composite
def _foreign_symptom(draw: st.DrawFn) -> tuple[str, str]:
    m = draw(st.sampled_from(sorted(ELSEWHERE)))
    words = draw(st.lists(st.sampled_from(ELSEWHERE[m]), min_size=1, max_size=2, unique=True))
    return m, draw(st.sampled_from(FRAMES)).format(s=f"the {m} {' '.join(words)}")


@settings(max_examples=60, deadline=None)
@given(_foreign_symptom())
def test_a_symptom_no_procedure_of_the_machine_covers_gets_none(assistant, asked):
    machine, question = asked
    ans = assistant.answer(question, use_model=False)
    procs = _procedures(ans)
    # Never a document about other machines only: the answer's procedure, if any, is the machine's own.
    own = {s.doc for s in INDEX.sections if machine in s.machines}
    assert not procs or procs[0].split("/procedure/")[1].split("#")[0] in own, (question, procs)
    if not procs:
        assert "No procedure covers" in ans.text or "can't answer" in ans.text, (question, ans.text)


def test_the_qa8_wordings_get_the_overheat_section_and_the_glue_temperature_now(assistant):
    for question in (
        "the labeller glue is running too hot, what should the operator do?",
        "glue on the labeller is too hot - what do I do?",
    ):
        ans = assistant.answer(question, use_model=False)
        assert _procedures(ans)[0].endswith("labeller_glue.md#glue-temperature-high-overheat"), ans.text
        # The live state beside it: the value of the signal the symptom names.
        assert [c.name for c in ans.tool_calls] == ["search_procedures", "current_value"], ans.tool_calls
        assert ans.tool_calls[1].args["tag"] == "labeller.glue_temp"
