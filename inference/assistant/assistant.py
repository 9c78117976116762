"""The assistant: route -> tools -> answer with sources, in the question's language.

No Qt here: the pane (widgets/assistant_pane.py) calls `Assistant.answer()` on a worker thread.

Every answer is the deterministic rendering of the tool results: no language model states a fact.
A local model, when one is loaded and switched on, has one job: for a question the router does not
understand, it picks which tool answers it (scoring the tool names, constrained to the schema; the
arguments come from the question's entities and are validated). What the user reads is still that
tool's rendering, so the model chooses among deterministic answers and never writes one. The
evaluation (bench/assistant.py) measures whether that choice adds anything; the model is off by
default (`[assistant] use_model = false`).
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from inference.assistant.compound import split_parts
from inference.assistant.handover import Handover, build_handover
from inference.assistant.language import detect, to_english
from inference.assistant.router import SUGGESTIONS, Route, Router, ToolCall
from inference.assistant.scope import DOMAIN_WORDS
from inference.assistant.timeparse import TimeParser
from inference.assistant.tools import TOOL_SPECS, PlantTools, Source, ToolError, ToolResult

log = logging.getLogger(__name__)

# A part of a two-part question the router did not understand: said, never dropped (`compound`).
_NOT_ANSWERED = {
    "en": "I did not answer \u201c{part}\u201d: ask it on its own, in other words.",
    "de": "\u201e{part}\u201c habe ich nicht beantwortet: bitte einzeln und mit anderen Worten fragen.",
    "zh": "我没有回答\u201c{part}\u201d：请单独换个说法再问。",
}


class LanguageModel(Protocol):
    """What the assistant needs from a local model (inference.assistant.llm.LocalLM implements it)."""

    name: str
    provider: str  # "CPUExecutionProvider" / "CUDAExecutionProvider"

    def score_options(self, messages: list[dict[str, str]], options: Sequence[str]) -> list[float]: ...


@dataclass
class Answer:
    question: str
    text: str  # what is shown
    intent: str
    results: list[ToolResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    answered_by: str = "tools"  # "tools", or "tools (tool chosen by <model>)"
    model_error: str = ""  # why no model helped (missing/corrupt/failed)
    lang: str = "en"
    cancelled: bool = False
    elapsed_s: float = 0.0
    handover: Handover | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)

    @property
    def sources(self) -> list[Source]:
        out: list[Source] = []
        for r in self.results:
            for s in r.sources:
                if s not in out:
                    out.append(s)
        if self.handover is not None:
            for s in self.handover.all_sources():
                if s not in out:
                    out.append(s)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "intent": self.intent,
            "language": self.lang,
            "answered_by": self.answered_by,
            "model_error": self.model_error or None,
            "notes": self.notes,
            "tool_calls": [{"tool": c.name, "args": c.args} for c in self.tool_calls],
            "results": [r.to_dict() for r in self.results],
            "sources": [s.to_dict() for s in self.sources],
            "elapsed_s": round(self.elapsed_s, 4),
            "handover_markdown": self.handover.to_markdown() if self.handover else None,
        }


_TOOL_CHOICES = {
    "current_value": "the current value of a signal",
    "machine_status": "whether machines are running, stopped or faulted now",
    "tag_stats": "minimum, maximum or average of a signal over time",
    "alarms": "alarms of a machine",
    "event_sequence": "why a machine stopped",
    "machine_states": "how often and how long machines stopped",
    "qc_rates": "reject rate and product quality",
    "fault_risk": "predicted failure risk",
    "alarm_kpis": "alarm system statistics",
    "search_procedures": "how to do something, a procedure",
    "operator_actions": "who acknowledged, reset, shelved or changed something",
    "none": "something else, not about the line",
}


def _reason_words(tools: PlantTools) -> set[str]:
    """The production reason tree's words (codes, texts, groups, categories): stops are asked about by them."""
    if tools.production is None:
        return set()
    words: set[str] = set()
    for r in tools.production.reasons.values():
        words |= set(re.findall(r"[a-z]+", f"{r.code} {r.text} {r.group} {r.category}".lower()))
    return words


class Assistant:
    def __init__(self, tools: PlantTools, lm: LanguageModel | None = None, *, lm_error: str = "") -> None:
        self.tools = tools
        self.lm = lm
        self.lm_error = lm_error if lm is None else ""
        self.router = Router(
            tools.catalog,
            TimeParser(tools.calendar),
            tools.now,
            anchor=self._anchor,
            span=tools.data_span,
            data_words=_reason_words(tools),
            procedure_words=tools.procedures.words() if tools.procedures is not None else None,
        )
        self.suggestions = list(SUGGESTIONS)

    # --- status -------------------------------------------------------------------------------------------
    @property
    def model_label(self) -> str:
        if self.lm is None:
            return "No language model — answers from the plant data (tools)"
        prov = self.lm.provider.replace("ExecutionProvider", "")
        return f"{self.lm.name} on {prov} (picks the tool for questions the router does not understand)"

    def _anchor(self, machine: str, kind: str) -> float | None:
        """The latest stop (or restart) of a machine: the event a window like "before the X went down" means."""
        if self.tools.journal is None:
            return None
        now = self.tools.now()
        if kind == "run":  # the latest return to Running after a stop
            evs = self.tools.journal.events(now - 86400.0, now, kinds=["machine_state"], sources=[machine])
            runs = [
                e
                for prev, e in itertools.pairwise(evs)
                if e.data.get("state") == "Running"
                and prev.data.get("state") in ("Starting", "Stopped", "Faulted")
            ]
            return runs[-1].ts if runs else None
        stops = self.tools.stops([machine], now - 86400.0, now)
        return stops[-1].ts if stops else None

    # --- answering -----------------------------------------------------------------------------------------
    def _run(self, call: ToolCall) -> ToolResult:
        try:
            return self.tools.call(call.name, call.args)
        except ToolError as exc:
            return ToolResult(
                call.name,
                dict(call.args),
                f"{exc}.".replace("..", "."),
                {"error": str(exc)},
                [],
                ok=False,
                error=str(exc),
            )
        except Exception as exc:  # a bad journal file must not kill the pane
            log.exception("assistant tool %s failed", call.name)
            return ToolResult(
                call.name,
                dict(call.args),
                f"The {call.name} lookup failed: {exc}",
                {"error": str(exc)},
                [],
                ok=False,
                error=str(exc),
            )

    def answer(
        self, question: str, *, use_model: bool = True, cancel: threading.Event | None = None
    ) -> Answer:
        t0 = time.perf_counter()
        lm = self.lm if use_model else None
        parts = split_parts(question)
        if len(parts) > 1:
            ans = self._answer_parts(question, parts)
            if ans is not None:
                ans.elapsed_s = time.perf_counter() - t0
                return ans
        route = self.router.route(question)
        chosen_by = ""
        if not route.covered and lm is not None and route.intent == "unknown":
            route = self._model_route(question, route, lm)
            if route.calls:
                chosen_by = lm.name
        ans = self._answer_route(question, route)
        if chosen_by:
            ans.answered_by = f"tools (tool chosen by {chosen_by})"
        if cancel is not None and cancel.is_set():
            ans.cancelled = True
        if lm is None and use_model and self.lm_error:
            ans.model_error = self.lm_error
        ans.elapsed_s = time.perf_counter() - t0
        return ans

    def _answer_route(self, question: str, route: Route) -> Answer:
        lang = route.lang
        if route.reply is not None:
            text = route.localized.get(lang, route.reply) if lang != "en" else route.reply
            return Answer(question, text, route.intent, notes=route.notes, lang=lang)
        if not route.calls:
            text = (
                "I can't answer that from the plant data. I can tell you about this line's machines, stops and "
                "their causes, alarms and who acknowledged them, rejects and the camera's defect rate, signals, "
                "fault-model warnings and procedures, for example: " + " / ".join(SUGGESTIONS[:4])
            )
            if lang == "de":
                text = (
                    "Das kann ich aus den Anlagendaten nicht beantworten. Ich kann Ihnen sagen: Stillstände und "
                    "Ursachen, Alarme, Ausschuss, Messwerte, Warnungen des Fehlermodells und Verfahren."
                )
            elif lang == "zh":
                text = "我无法根据工厂数据回答。我可以回答：停机及原因、报警、废品率、测量值、故障模型预警和操作规程。"
            return Answer(question, text, route.intent, notes=route.notes, lang=lang)
        if route.calls[0].name == "handover":
            args = route.calls[0].args
            h = self.handover(args.get("start"), args.get("end"))
            text = h.to_markdown()
            return Answer(
                question, text, "handover", h.results, route.notes, tool_calls=list(route.calls), handover=h
            )
        results = [self._run(c) for c in route.calls]
        text = " ".join(r.text(lang) for r in results)
        return Answer(
            question, text, route.intent, results, route.notes, lang=lang, tool_calls=list(route.calls)
        )

    def _answer_parts(self, question: str, parts: list[str]) -> Answer | None:
        """Two questions in one, each part routed and answered on its own: a machine or a time one part
        names never scopes another (qa12 Q12-5). A part the router does not understand is said to be
        unanswered, never dropped silently. None: answer the question as one (no part understood, a
        short fragment such as "for how long" that belongs to the other part, or a handover)."""
        lang = detect(question)
        routes = [self.router.route(p, lang) for p in parts]
        understood = [r.covered and r.intent not in ("empty", "nonsense", "too_long") for r in routes]
        if not any(understood) or any(r.calls and r.calls[0].name == "handover" for r in routes):
            return None
        if any(not ok and len(p.split()) < 4 for p, ok in zip(parts, understood, strict=True)):
            return None
        texts: list[str] = []
        results: list[ToolResult] = []
        notes: list[str] = []
        calls: list[ToolCall] = []
        intents: list[str] = []
        for part, route, ok in zip(parts, routes, understood, strict=True):
            if not ok:
                texts.append(_NOT_ANSWERED.get(lang, _NOT_ANSWERED["en"]).format(part=part))
                continue
            if route.calls and all(c in calls for c in route.calls):
                continue  # the same lookup as an earlier part: said once
            ans = self._answer_route(part, route)
            texts.append(ans.text)
            results += ans.results
            notes += [n for n in ans.notes if n not in notes]
            calls += ans.tool_calls
            intents.append(ans.intent)
        return Answer(
            question, "\n".join(texts), "+".join(intents), results, notes, lang=lang, tool_calls=calls
        )

    def handover(self, start: float | None = None, end: float | None = None) -> Handover:
        return build_handover(self.tools, start, end)

    # --- model-chosen tools (questions the router does not cover) -----------------------------------------------
    def _about_the_line(self, question: str) -> bool:
        """Does the question contain any word of this line's world? Pure nonsense never reaches the model."""
        words = set(re.findall(r"[a-z]+", question.lower()))
        c = self.tools.catalog
        vocab = set(DOMAIN_WORDS) | set(c.machines) | {m.name.lower() for m in c.machines.values()}
        for t in c.tags.values():
            vocab |= {w for w in t.words if len(w) > 3}
        return bool(words & vocab) or bool(c.find_machines(question))

    def _model_route(self, question: str, route: Route, lm: LanguageModel) -> Route:
        if not self._about_the_line(question):
            return route
        # The model reads the question in English words (the same normalisation as the router).
        question = to_english(question, route.lang)
        options = list(_TOOL_CHOICES)
        listing = "\n".join(f"{k}: {v}" for k, v in _TOOL_CHOICES.items())
        messages = [
            {
                "role": "system",
                "content": "Pick the one tool that answers the question. Reply with the tool name only.",
            },
            {"role": "user", "content": f"Tools:\n{listing}\n\nQuestion: {question}"},
        ]
        try:
            scores = lm.score_options(messages, options)
        except Exception:
            log.exception("model tool choice failed")
            return route
        ranked = sorted(zip(options, scores, strict=True), key=lambda os: -os[1])
        c = self.tools.catalog
        mids = route.machines
        ts = route.time
        top = ranked[0][1]
        for name, score in ranked[:3]:
            # A retry takes the next choice only when the model rated it nearly as high (mean log-prob
            # within 1.0): otherwise an invalid first choice means "not understood", not "try anything".
            if name == "none" or score < top - 1.0:
                break
            args: dict[str, Any] = {}
            if "machine" in {p.name for p in TOOL_SPECS[name].params} and mids:
                args["machine"] = mids[0]
            if ts is not None and "start" in {p.name for p in TOOL_SPECS[name].params}:
                args["start"], args["end"] = ts.start, ts.end
            if name in ("current_value", "tag_stats"):
                tags = c.best_tags(question, mids[0] if mids else None)
                if not tags:
                    continue  # invalid: no tag in the question; try the next choice
                args["tag"] = tags[0].name
            if name == "search_procedures":
                args["query"] = question
            if name == "event_sequence" and ts is not None and ts.point is not None:
                args = {"machine": args.get("machine"), "at": ts.point}
            try:
                TOOL_SPECS[name].validate(args)
            except ToolError:
                continue
            route.calls = [ToolCall(name, {k: v for k, v in args.items() if v is not None})]
            route.intent = f"model:{name}"
            route.notes.append(f"The language model chose the tool {name}.")
            return route
        return route
