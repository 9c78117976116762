"""The grounding guard: crafted wrong answers are replaced by the tool rendering, and logged."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import pytest

from hmi.core.config import DEMO_CONFIG, load_config
from inference.assistant import guard
from inference.assistant.assistant import Assistant, Generation
from inference.assistant.catalog import Catalog
from inference.assistant.journal_access import JournalSource
from inference.assistant.procedures import ProcedureIndex
from inference.assistant.timeparse import ShiftCalendar
from inference.assistant.tools import PlantTools, ToolResult

from .test_assistant_journal import T_END, UTC, build_journal


class ScriptedLM:
    """A language model that says what the test wants, token by token."""

    name = "scripted-lm"
    provider = "CPUExecutionProvider"

    def __init__(self, reply: str, choice: str = "none") -> None:
        self.reply = reply
        self.choice = choice
        self.prompts: list[list[dict[str, str]]] = []

    def chat(
        self, messages, *, max_new_tokens=96, on_token=None, cancel: threading.Event | None = None
    ) -> Generation:
        self.prompts.append(messages)
        out = []
        for word in self.reply.split(" "):
            if cancel is not None and cancel.is_set():
                return Generation(" ".join(out), len(out), 10, 0.01, 0.02, True)
            tok = (" " if out else "") + word
            out.append(word)
            if on_token:
                on_token(tok)
        return Generation(self.reply, len(out), 10, 0.01, 0.05)

    def score_options(self, messages, options: Sequence[str]) -> list[float]:
        return [0.0 if o == self.choice else -5.0 for o in options]


@pytest.fixture(scope="module")
def tools(tmp_path_factory):
    path = build_journal(tmp_path_factory.mktemp("j"))
    cfg = load_config(DEMO_CONFIG)
    return PlantTools(
        Catalog.from_config(cfg),
        JournalSource([path]),
        ShiftCalendar(tz=UTC),
        procedures=ProcedureIndex(),
        now=T_END,
    )


def _r(summary: str, key: list[str] | None = None, facts: dict | None = None) -> ToolResult:
    return ToolResult("t", {}, summary, facts or {}, [], key_facts=key or [])


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ("The capper stopped at 06:10:00 because of a jam.", True),
        ("The capper stopped at 06:10 because of a jam.", True),  # HH:MM of a source time
        ("The capper stopped at 06:12 because of a jam.", False),  # invented time
        ("Vibration peaked at 7.5 mm/s.", True),
        ("Vibration peaked at 7.52 mm/s.", False),  # more precision than the source has
        ("Vibration peaked at 8 mm/s.", True),  # 7.5 rounded: a rounding, not an invention
        ("Vibration peaked at 7 mm/s.", False),  # 7.5 does not round to 7
        ("See event #12 for details.", False),
        ("The alarm capper.overload came first.", False),
        ("The alarm capper.faulted came first.", True),
        ("Three alarms were raised.", False),
        ("Two alarms were raised.", True),
        ("The conveyor bearing temperature was normal.", False),  # a tag the sources never mention
    ],
)
def test_check_claims(answer, ok):
    results = [
        _r("Capper stopped at 06:10:00 (Jam); first-out capper.faulted; 2 alarms; vibration max 7.5 mm/s.")
    ]
    v = guard.check(answer, results, Catalog.from_config(load_config(DEMO_CONFIG)))
    assert v.ok is ok, (answer, v.problems)


def test_key_facts_must_be_stated():
    results = [_r("Line reject rate 3.60 %; capper 0.12 %.", key=["3.60"])]
    assert guard.check("The reject rate was 3.6 %.", results).ok
    v = guard.check("The reject rate was 0.12 %.", results)  # a true number about the wrong thing
    assert not v.ok and "does not state '3.60'" in str(v)


def test_question_numbers_are_not_inventions():
    results = [_r("4 alarm activations from 05:00:00-07:00:00.", key=["4"])]
    assert guard.check(
        "In the last 2 hours there were 4 alarm activations.", results, question="alarms in the last 2 hours"
    ).ok


def test_a_crafted_wrong_answer_is_replaced_and_logged(tools, caplog):
    lm = ScriptedLM("The capper stopped at 06:42 because the glue was 190 °C (event #99).")
    a = Assistant(tools, lm)
    with caplog.at_level(logging.WARNING, logger="inference.assistant.guard"):
        ans = a.answer("why did the capper stop at 06:10?")
    assert ans.replaced and ans.text == ans.deterministic_text
    assert "06:10:00" in ans.text and "capper.faulted" in ans.text
    assert ans.answered_by == "tools" and ans.model_text.startswith("The capper stopped at 06:42")
    assert any("replaced" in r.message for r in caplog.records)
    probs = " ".join(ans.verdict.problems)
    assert "06:42" in probs and "190" in probs and "#99" in probs


def test_a_grounded_answer_is_kept(tools):
    lm = ScriptedLM("The capper stopped at 06:10:00 with a Jam; the first-out alarm was capper.faulted.")
    ans = Assistant(tools, lm).answer("why did the capper stop at 06:10?")
    assert not ans.replaced and ans.text == lm.reply and ans.answered_by == "scripted-lm"
    # The facts reach the model as data, with the instruction after them.
    user = lm.prompts[0][-1]["content"]
    assert "06:10:00" in user and "Mention" in user


def test_streaming_and_cancel(tools):
    lm = ScriptedLM("The capper stopped at 06:10:00 with a Jam; the first-out alarm was capper.faulted.")
    got: list[str] = []
    cancel = threading.Event()

    def on_token(t: str) -> None:
        got.append(t)
        if len(got) == 3:
            cancel.set()

    ans = Assistant(tools, lm).answer("why did the capper stop at 06:10?", on_token=on_token, cancel=cancel)
    assert ans.cancelled and len(got) == 3 and ans.text == ans.deterministic_text


def test_model_chooses_a_tool_for_an_uncovered_question(tools):
    lm = ScriptedLM("The filler is most at risk, 82 %.", choice="fault_risk")
    ans = Assistant(tools, lm).answer("anything I should worry about before the weekend?")
    assert [c.name for c in ans.tool_calls] == ["fault_risk"] and ans.intent == "model:fault_risk"
    # An invalid choice (needs a tag the question lacks) falls through; "none" gives the help text.
    lm2 = ScriptedLM("whatever", choice="tag_stats")
    ans2 = Assistant(tools, lm2).answer("tell me something nice")
    assert not ans2.tool_calls and "I can answer" in ans2.text


def test_no_model_says_why(tools):
    a = Assistant(
        tools, None, lm_error="no language model prepared in /x (run `linehmi models prepare-assistant`)"
    )
    ans = a.answer("which alarms are unacknowledged?")
    assert ans.answered_by == "tools" and "prepare-assistant" in ans.model_error
    assert "No language model" in a.model_label


def test_handover_is_grounded_and_exports(tools):
    lm = ScriptedLM("The filler stopped at 06:20:00 for a bearing failure and the capper jammed at 06:10:00.")
    ans = Assistant(tools, lm).answer("draft my shift handover")
    h = ans.handover
    assert h is not None and h.overview == lm.reply
    md = h.to_markdown()
    for must in (
        "## Production",
        "## Stops and causes",
        "## Alarms",
        "## Quality",
        "## Maintenance risks",
        "## Sources",
        "Bearing failure",
        "filler.vibration.hi",
        "82",
        "label skew",
    ):
        assert must in md, must
    assert "linehmi://alarm/filler.faulted" in md
    bad = ScriptedLM("Everything was fine, 0 stops and 99 % uptime.")
    h2 = Assistant(tools, bad).answer("draft my shift handover").handover
    assert h2 is not None and h2.overview == ""
