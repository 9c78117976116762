"""The assistant pane: asks off the GUI thread, shows sources as links, exports the handover.

Uses the real tools on a constructed journal and a scripted tool-choosing model (fast, deterministic).
`LINEHMI_SHOTS=/tmp/shots pytest tests/ui/test_assistant_pane.py` also saves assistant_pane*.png.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from hmi.core.config import DEMO_CONFIG, load_config
from inference.assistant.assistant import Assistant
from inference.assistant.catalog import Catalog
from inference.assistant.journal_access import JournalSource
from inference.assistant.procedures import ProcedureIndex
from inference.assistant.timeparse import ShiftCalendar
from inference.assistant.tools import PlantTools
from tests.test_assistant_journal import T_END, UTC, build_journal
from widgets.assistant_pane import AssistantPane

SHOTS = os.environ.get("LINEHMI_SHOTS")


class ScriptedLM:
    """A stand-in model that prefers one tool name (the only thing a model does for the assistant)."""

    name = "scripted test model"
    provider = "CPUExecutionProvider"

    def __init__(self, favourite: str) -> None:
        self.favourite = favourite
        self.threads: set[str] = set()

    def score_options(self, messages, options):
        self.threads.add(threading.current_thread().name)
        return [0.0 if o == self.favourite else -5.0 for o in options]


@pytest.fixture(scope="module")
def tools(tmp_path_factory):
    path = build_journal(tmp_path_factory.mktemp("pane"))
    cfg = load_config(DEMO_CONFIG)
    return PlantTools(
        Catalog.from_config(cfg),
        JournalSource([path]),
        ShiftCalendar(tz=UTC),
        procedures=ProcedureIndex(),
        now=T_END,
    )


def _pane(qtbot, assistant) -> AssistantPane:
    pane = AssistantPane(assistant)
    qtbot.addWidget(pane)
    pane.resize(520, 760)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


def _ask(qtbot, pane, q: str):
    with qtbot.waitSignal(pane.answer_finished, timeout=20000) as blocker:
        assert pane.ask(q)
    return blocker.args[0]


def test_answers_off_the_gui_thread_with_sources(qtbot, themed_app, tools):
    pane = _pane(qtbot, Assistant(tools, None))
    ans = _ask(qtbot, pane, "why did the capper stop at 06:10?")
    assert ans.answered_by == "tools" and "Jam" in ans.text
    html = pane.history.toHtml()
    assert "linehmi://alarm/capper.faulted" in html and "Sources" in html
    with qtbot.waitSignal(pane.alarm_requested) as sig:
        pane.open_link("linehmi://alarm/capper.faulted")
    assert sig.args == ["capper.faulted"]
    ev = next(s for s in ans.sources if s.kind == "event")
    with qtbot.waitSignal(pane.event_requested) as sig:
        pane.open_link(ev.uri())
    assert sig.args[1] == ev.ref["id"]
    pane.shutdown()


def test_a_model_only_picks_the_tool_and_never_writes_the_answer(qtbot, themed_app, tools):
    lm = ScriptedLM("machine_states")
    assistant = Assistant(tools, lm)
    pane = _pane(qtbot, assistant)
    assert "scripted test model" in pane.model_chip.text() and "picks tools only" in pane.model_chip.text()
    # Every word of it is plant data or grammar, but no intent pattern reads it.
    q = "anything on the capper this morning, please?"
    assert not assistant.router.route(q).covered  # the router alone does not understand it
    ans = _ask(qtbot, pane, q)
    assert lm.threads == {"linehmi-assistant"}
    assert [c.name for c in ans.tool_calls] == ["machine_states"]
    # What is shown is the tool's own rendering, word for word.
    assert ans.text == tools.call("machine_states", ans.tool_calls[0].args).summary
    assert "tool chosen by scripted test model" in pane.history.toPlainText()
    pane.shutdown()


def test_a_model_is_never_asked_about_a_subject_the_data_does_not_hold(qtbot, themed_app, tools):
    lm = ScriptedLM("machine_status")
    assistant = Assistant(tools, lm)
    ans = assistant.answer("give me the warranty papers of the capper")
    assert not lm.threads and not ans.tool_calls, ans.text  # declined before the model is asked
    assert "can't answer that from the plant data" in ans.text and "warranty" in ans.text


def test_trend_and_procedure_links(qtbot, themed_app, tools):
    pane = _pane(qtbot, Assistant(tools, None, lm_error="no language model prepared"))
    assert "No language model" in pane.model_chip.text() and "prepared" in pane.model_chip.toolTip()
    ans = _ask(qtbot, pane, "max filler vibration in the last hour")
    src = ans.sources[0]
    with qtbot.waitSignal(pane.trend_requested) as sig:
        pane.open_link(src.uri())
    assert sig.args[0] == "filler.vibration" and abs(sig.args[1] - src.ref["t"]) < 1e-3
    ans = _ask(qtbot, pane, "how do I clear a capper jam?")
    proc = ans.sources[0]
    with qtbot.waitSignal(pane.procedure_requested) as sig:
        pane.open_link(proc.uri())
    assert sig.args == ["capper_jam.md", "steps-to-clear-a-jam"]
    assert pane._viewer is not None and pane._viewer.current == ("capper_jam.md", "steps-to-clear-a-jam")
    assert "Steps to clear a jam" in pane._viewer.text.toPlainText()
    pane._viewer.close()
    pane.shutdown()


def test_suggestions_bad_input_handover_export(qtbot, themed_app, tools, tmp_path):
    pane = _pane(qtbot, Assistant(tools, None))
    assert pane.suggestion_buttons
    _ask(qtbot, pane, "")
    _ask(qtbot, pane, "why did the mixer stop?")
    assert "no machine or tag called" in pane.history.toPlainText()
    with qtbot.waitSignal(pane.answer_finished, timeout=20000):
        pane.handover_button.click()
    md = pane.export_markdown(tmp_path / "handover.md")
    text = Path(md).read_text(encoding="utf-8")
    assert text.startswith("# Shift handover") and "## Maintenance risks" in text
    assert "linehmi://" not in text  # sources read as plain references outside the app
    assert not pane.ask_button.isEnabled() or not pane.busy
    pane.clear_history()
    assert not pane.entries()
    pane.shutdown()


def test_screenshot(qtbot, themed_app, tools):
    pane = _pane(qtbot, Assistant(tools, None))
    for q in (
        "which alarms are still unacknowledged on the filler?",
        "why did the capper stop at 06:10?",
        "what was the reject rate this shift?",
        "Warum ist der Verschließer stehen geblieben?",
    ):
        _ask(qtbot, pane, q)
    qtbot.wait(100)
    img = pane.grab()
    assert not img.isNull() and img.width() >= 500
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        img.save(str(Path(SHOTS) / "assistant_pane_test.png"))
    pane.shutdown()


def test_every_answer_opens_at_its_start(qtbot, themed_app, tools):
    """qa6 F16: in a short pane an answer opened scrolled to its end, so its start (and the
    question it answers) needed scrolling back. For each of the pane's suggested questions and the
    handover, asked one after another: the question's line is at the top of the view."""
    from PySide6.QtGui import QTextCursor, QTextDocument

    pane = _pane(qtbot, Assistant(tools, None))
    pane.resize(520, 360)  # about six lines of conversation, as in a short dock
    qtbot.wait(20)
    line = pane.history.fontMetrics().lineSpacing()
    asked = [q for q in pane.assistant.suggestions if q != "Draft my shift handover"][:4]
    for q in [*asked, "Draft my shift handover"]:
        _ask(qtbot, pane, q)
        qtbot.wait(20)
        doc = pane.history.document()
        end = QTextCursor(doc)
        end.movePosition(QTextCursor.MoveOperation.End)
        found = doc.find(q, end, QTextDocument.FindFlag.FindBackward)
        assert not found.isNull(), q
        top = pane.history.cursorRect(found).top()
        sb = pane.history.verticalScrollBar()
        # its question in view: at the top, or lower where the view cannot scroll further (the
        # answer then fits under it)
        assert top >= 0 and (top <= 2 * line + 12 or sb.value() == sb.maximum()), (q, top, sb.value())
    pane.shutdown()
