"""The assistant pane: asks off the GUI thread, streams, shows sources as links, exports the handover.

Uses the real tools on a constructed journal and a scripted language model (fast, deterministic).
`LINEHMI_SHOTS=/tmp/shots pytest tests/ui/test_assistant_pane.py` also saves assistant_pane*.png.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from hmi.core.config import DEMO_CONFIG, load_config
from inference.assistant.assistant import Assistant, Generation
from inference.assistant.catalog import Catalog
from inference.assistant.journal_access import JournalSource
from inference.assistant.procedures import ProcedureIndex
from inference.assistant.timeparse import ShiftCalendar
from inference.assistant.tools import PlantTools
from tests.test_assistant_journal import T_END, UTC, build_journal
from widgets.assistant_pane import AssistantPane

SHOTS = os.environ.get("LINEHMI_SHOTS")


class SlowLM:
    name = "scripted test model"
    provider = "CPUExecutionProvider"

    def __init__(self, reply: str, delay: float = 0.0) -> None:
        self.reply, self.delay = reply, delay
        self.threads: set[str] = set()

    def chat(
        self, messages, *, max_new_tokens=96, on_token=None, cancel: threading.Event | None = None
    ) -> Generation:
        self.threads.add(threading.current_thread().name)
        out = []
        for w in self.reply.split(" "):
            if cancel is not None and cancel.is_set():
                return Generation(" ".join(out), len(out), 10, 0.01, 0.1, True)
            time.sleep(self.delay)
            out.append(w)
            if on_token:
                on_token((" " if len(out) > 1 else "") + w)
        return Generation(self.reply, len(out), 10, 0.01, 0.1)

    def score_options(self, messages, options):
        return [0.0] * len(options)


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
    lm = SlowLM("The capper stopped at 06:10:00 with a Jam; the first-out alarm was capper.faulted.", 0.005)
    pane = _pane(qtbot, Assistant(tools, lm))
    assert "scripted test model" in pane.model_chip.text()
    ans = _ask(qtbot, pane, "why did the capper stop at 06:10?")
    assert lm.threads == {"linehmi-assistant"}
    assert not ans.replaced and ans.text == lm.reply
    html = pane.history.toHtml()
    assert "linehmi://alarm/capper.faulted" in html and "Sources" in html
    with qtbot.waitSignal(pane.alarm_requested) as sig:
        pane.open_link("linehmi://alarm/capper.faulted")
    assert sig.args == ["capper.faulted"]
    trend = next(s for s in ans.sources if s.kind == "event")
    with qtbot.waitSignal(pane.event_requested) as sig:
        pane.open_link(trend.uri())
    assert sig.args[1] == trend.ref["id"]
    pane.shutdown()


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


def test_replaced_answer_says_so(qtbot, themed_app, tools):
    lm = SlowLM("The capper stopped at 06:42 after 3 jams.")
    pane = _pane(qtbot, Assistant(tools, lm))
    ans = _ask(qtbot, pane, "why did the capper stop at 06:10?")
    assert ans.replaced
    assert "model wording replaced" in pane.history.toPlainText()
    assert "06:10:00" in pane.history.toPlainText()
    pane.shutdown()


def test_stop_cancels_the_model_and_keeps_the_tool_answer(qtbot, themed_app, tools):
    lm = SlowLM(" ".join(["word"] * 200), delay=0.02)
    pane = _pane(qtbot, Assistant(tools, lm))
    with qtbot.waitSignal(pane.answer_finished, timeout=20000) as blocker:
        pane.ask("why did the capper stop at 06:10?")
        qtbot.waitUntil(lambda: "word" in pane.history.toPlainText(), timeout=5000)
        assert pane.ask_button.text() == "Stop"
        assert not pane.ask("another question")  # one at a time
        pane.ask_button.click()
    ans = blocker.args[0]
    assert ans.cancelled and ans.text == ans.deterministic_text
    assert pane.ask_button.text() == "Ask"
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
    pane.clear_history()
    assert not pane.entries()
    pane.shutdown()


def test_screenshot(qtbot, themed_app, tools):
    lm = SlowLM("The capper stopped at 06:10:00 with a Jam; the first-out alarm was capper.faulted.")
    pane = _pane(qtbot, Assistant(tools, lm))
    for q in (
        "which alarms are still unacknowledged on the filler?",
        "why did the capper stop at 06:10?",
        "what was the reject rate this shift?",
    ):
        _ask(qtbot, pane, q)
    qtbot.wait(100)
    img = pane.grab()
    assert not img.isNull() and img.width() >= 500
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        img.save(str(Path(SHOTS) / "assistant_pane_test.png"))
    pane.shutdown()
