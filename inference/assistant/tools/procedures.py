"""Procedures: the SOP and troubleshooting section that answers a symptom, its steps quoted."""

from __future__ import annotations

import re
from typing import Any

from inference.assistant import i18n
from inference.assistant.catalog import FUNCTION_WORDS
from inference.assistant.language import GRAMMAR
from inference.assistant.procedures import ProcedureHit
from inference.assistant.scope import CONVERSATION_WORDS, stem
from inference.assistant.tools.base import Param, Source, Tool, ToolError, ToolResult
from inference.assistant.tools.context import PlantTools


def steps_of(body: str, limit: int = 6) -> list[str]:
    """Numbered or bulleted lines of a section (the actions), trimmed."""
    out = []
    cur = ""
    for line in body.splitlines():
        s = line.strip()
        if not s:
            continue
        if (
            s[:2].rstrip(".").isdigit()
            or s.startswith(("- ", "* "))
            or (s[:1].isdigit() and s[1:3] in (". ", ") "))
        ):
            if cur:
                out.append(cur)
            cur = s
        elif cur:
            cur += " " + s
    if cur:
        out.append(cur)
    return out[:limit]


# Headings that say "here is what to do" about their subject, and actions that are a subject of their
# own (a restart is asked for, not implied by a symptom).
_DOING = re.compile(r"\b(steps?|actions?|procedures?)\b", re.I)
_ACTS = {"clear": r"clear", "reset": r"reset", "restart": r"restart|start (?:it |the \w+ )?again|back up"}


def fit(heading: str, question: str) -> int:
    """How a section's heading fits what the question asks, best first: 0 it names doing something
    about its subject ("steps", "actions") or an action the question asks for (clear, reset,
    restart); 1 it names no action; 2 it names an action the question does not ask for."""
    if _DOING.search(heading):  # "Steps to clear a jam": what to do about its subject
        return 0
    low = heading.lower()
    named = [rx for act, rx in _ACTS.items() if act in low]
    if any(re.search(rx, question, re.I) for rx in named):
        return 0
    return 2 if named else 1


def _split(block: str) -> frozenset[str]:
    return frozenset(block.split())


_HEADING_GRAMMAR = _split("a an the and or of on in at to for with after before when while its")


def names_symptom(heading: str, question: str) -> bool:
    """The section's heading names the question's symptom: every content word of the heading (two at
    least) is in the question, stemmed ("High motor current" for "high motor current on the
    conveyor, what should the operator do"). Such a section leads even when it has no numbered
    steps: the section with steps beside it is about another symptom."""
    words = {stem(w) for w in re.findall(r"[a-z]+", heading.lower()) if w not in _HEADING_GRAMMAR}
    asked = {stem(w) for w in re.findall(r"[a-z]+", question.lower())}
    return len(words) >= 2 and words <= asked


# Words that ask for a remedy or name who is to act: they say nothing about the symptom.
_ASKING = _split(
    """procedure procedures sop sops step steps instruction instructions guide manual drill checklist fix
    fixes fixing sort solve solved handle deal cure remedy troubleshoot operator operators supervisor
    supervisors crew team tech techs technician electrician fitter mechanic maintenance staff people guy
    guys lad lads keeps keep getting gone going running"""
)


# A machine stopping, in general words ("stopped", "tripped", "went down"); a jam or an overheat is a
# symptom of its own.
_STOPPED = re.compile(
    r"\b(stop|stops|stopped|stopping|stoppages?|down|faults?|faulted|trip|trips|tripped|fail\w*|broke\w*"
    r"|break ?downs?|halt\w*|outages?|idle|shut\w*|crash\w*|died|dead)\b"
)


def symptom_words(question: str, machine_words: frozenset[str]) -> set[str]:
    """The stems of the question's words that describe the symptom: not grammar, not the frame of a
    remedy question ("what should the operator do", "how do I fix"), not the machine's name."""
    skip = FUNCTION_WORDS | CONVERSATION_WORDS | GRAMMAR | _ASKING
    machines = {stem(w) for w in machine_words}
    out = set()
    # A stop itself ("when the conveyor stopped", "the filler tripped") is what every procedure of the
    # machine is about: the symptom is in the other words, if any.
    for w in re.findall(r"[a-z]+", _STOPPED.sub(" ", question.lower())):
        if len(w) < 3 or w in skip or stem(w) in machines:
            continue
        out.add(stem(w))
    return out


def covers(hits: list[Any], symptom: set[str]) -> bool:
    """A document's sections (the search's hits in it) are about the symptom: a symptom word in the
    title or a heading, or two in their text. One shared word in a body ("empty" in "the transfer
    ... is empty") is a coincidence of words, not the procedure for it."""
    if not symptom:
        return True  # nothing but a machine and a frame ("what should I do about the capper")
    heads = " ".join([hits[0].section.title, *(h.section.heading for h in hits)])
    if symptom & {stem(w) for w in re.findall(r"[a-z]+", heads.lower())}:
        return True
    body = {stem(w) for h in hits for w in re.findall(r"[a-z]+", h.section.body.lower())}
    return len(symptom & body) >= 2


class SearchProcedures(Tool):
    name = "search_procedures"
    description = "search the SOPs and troubleshooting guides"
    params = (Param("query", "str", True), Param("machine", "str"), Param("k", "int"))

    def run(self, ctx: PlantTools, **args: Any) -> ToolResult:
        query: str = args["query"]
        machine: str | None = args.get("machine")
        k = max(1, min(int(args.get("k") or 3), 5))
        if ctx.procedures is None:
            raise ToolError("no procedure documents are installed")
        mid = ctx.resolve_machine(machine)[0] if machine else None
        hits = ctx.procedures.search(query, k=12, machine=mid)
        if not hits:
            return ToolResult(
                self.name,
                {"query": query, "machine": machine},
                f"No procedure matches {query!r}.",
                {"hits": []},
                [],
            )
        # The best document that is about the symptom (a line-wide document may rank first on the frame's
        # words); within it, the best-ranked section that holds actions (steps) leads. The machines the
        # documents are about: their names are no symptom.
        machine_words = frozenset(m for sec in ctx.procedures.sections for m in sec.machines)
        symptom = symptom_words(query, machine_words)
        by_doc: dict[str, list[Any]] = {}
        for h in hits:
            by_doc.setdefault(h.section.doc, []).append(h)

        # A named machine's own documents first, the most specific first ("conveyor faulted": the
        # conveyor's document, not the alarm-handling one for every machine that ranked first on the
        # frame's words), then the rest in rank order.
        def specific(d: str) -> tuple[bool, int]:
            about = by_doc[d][0].section.machines
            return (not (mid and mid in about), len(about) if mid and mid in about else 0)

        order = sorted(by_doc, key=specific)
        doc = next((d for d in order if covers(by_doc[d], symptom)), "")
        in_doc = by_doc.get(doc, [])
        if not in_doc:
            # qa8: say that no procedure covers it rather than quote one that shares a word.
            words = " ".join(
                w for w in dict.fromkeys(re.findall(r"[a-z]+", query.lower())) if stem(w) in symptom
            )
            return ToolResult(
                self.name,
                {"query": query, "machine": machine},
                f"No procedure covers “{words}”"
                + ". The procedures"
                + (" for this machine" if mid else "")
                + " cover: "
                + "; ".join(ctx.procedures.titles(mid))
                + ".",
                {"hits": [], "symptom": sorted(symptom)},
                [],
            )
        # The document's other sections come after its hits: an actions section that shares no word with
        # the symptom ("Immediate actions" for "a grinding noise at the carousel base", whose words stand
        # in "Symptoms") still leads over a description of the symptom.
        seen = {id(h.section) for h in in_doc}
        cands = in_doc + [
            ProcedureHit(sec, 0.0, " ".join(sec.body.split())[:200])
            for sec in ctx.procedures.sections
            if sec.doc == doc and id(sec) not in seen
        ]
        with_steps = [h for h in cands if steps_of(h.section.body)]
        # A section named for doing something ("Steps to clear a jam", "Urgent actions") beats one that
        # only shares the words ("When jams repeat"), but only a thing asked for: "Restart after an
        # overheat trip" must not lead for "the glue is getting too hot" (qa7 G17: the operator was told
        # to purge and restart instead of switching the heater off).
        with_steps.sort(key=lambda h: fit(h.section.heading, query))
        # A heading that names the symptom leads; the document's own title section is its introduction.
        named = [
            h
            for h in cands
            if h.section.heading != h.section.title and names_symptom(h.section.heading, query)
        ]
        lead = named[0] if named else with_steps[0] if with_steps else in_doc[0]
        picked = [lead]
        picked += [h for h in in_doc if h is not lead and steps_of(h.section.body)][: max(0, k - 2)]
        seen_docs = {doc}
        for h in hits:
            if len(picked) >= k:
                break
            if h.section.doc not in seen_docs:
                seen_docs.add(h.section.doc)
                picked.append(h)
        best = lead.section
        steps = steps_of(best.body)
        summary = f"{best.doc_id} \u201c{best.title}\u201d, section \u201c{best.heading}\u201d"
        summary += ": " + " ".join(steps) if steps else ": " + lead.snippet
        others = picked[1:]
        if others:
            summary += (
                " See also: " + "; ".join(f"{h.section.doc_id} § {h.section.heading}" for h in others) + "."
            )
        facts = {
            "hits": [
                {
                    "doc": h.section.doc,
                    "doc_id": h.section.doc_id,
                    "title": h.section.title,
                    "section": h.section.heading,
                    "anchor": h.section.anchor,
                    "text": h.section.body[:1200],
                }
                for h in picked
            ]
        }
        sources = [
            Source(
                "procedure",
                h.label,
                {
                    "doc": h.section.doc,
                    "anchor": h.section.anchor,
                    "section": h.section.heading,
                    "doc_id": h.section.doc_id,
                },
            )
            for h in picked
        ]
        quoted = " ".join(steps) if steps else lead.snippet
        localized = i18n.msg(
            "procedure", doc=f"{best.doc_id} \u201c{best.title}\u201d", section=best.heading, steps=quoted
        )
        return ToolResult(
            self.name, {"query": query, "machine": machine}, summary, facts, sources, localized=localized
        )
