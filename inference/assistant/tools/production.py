"""OEE from the production model (`hmi.core.production`, ISO 22400-2): availability, performance,
quality and OEE of the line (measured on its constraint machine) or of one machine, with the
downtime by reason. The production model is the one journaled in the file, or the line config's
when the assistant has it; a journal with neither gets an honest "I can't answer that"."""

from __future__ import annotations

from typing import Any

from hmi.core.journal_read import JournalError
from hmi.core.production.oee import LINE, OeeFigures
from hmi.core.production.text import IDEAL_EXCEEDED, or_unrecorded
from inference.assistant import i18n
from inference.assistant.tools.base import TIME_PARAMS, Param, Source, Tool, ToolError, ToolResult
from inference.assistant.tools.context import PlantTools
from inference.assistant.tools.fmt import fmt_duration, fmt_num


def _pct(x: float | None) -> str:
    return "n/a" if x is None else fmt_num(round(100.0 * x, 1), "%")


class Production(Tool):
    name = "production"
    description = (
        "OEE with availability, performance and quality, good and rejected units, downtime by reason"
    )
    params = (Param("machine", "str"), *TIME_PARAMS)

    def run(self, ctx: PlantTools, **args: Any) -> ToolResult:
        machine: str | None = args.get("machine")
        ctx.need_journal()
        if machine:
            ctx.resolve_machine(machine)  # an unknown machine is named as such
        a, b = ctx.range_of(args.get("start"), args.get("end"))
        rng = ctx.range_label(a, b)
        try:
            analysis = ctx.production_analysis(a, b)
        except JournalError:
            raise ToolError(
                "I can't answer that from the plant data: OEE needs a production model (planned time, ideal"
                " rate, the line's constraint machine), and this journal has none and no line config with a"
                " [production] table was given. I can tell you stops and downtime, rejects and the reject"
                " rate"
            ) from None
        scope = ctx.resolve_machine(machine)[0] if machine else LINE
        f: OeeFigures = analysis.oee(scope)
        # A range LineHMI recorded none of has no figures, not zeros (qa7 G35: the shared rule).
        good, rejects = or_unrecorded(f, fmt_num(f.good)), or_unrecorded(f, fmt_num(f.rejects))
        down = or_unrecorded(f, fmt_duration(f.downtime_s))
        who = "the line" if scope == LINE else f"the {ctx.catalog.machine_name(scope)}"
        capped = f" ({IDEAL_EXCEEDED})" if f.ideal_exceeded else ""  # P is never said over 100 %
        text = (
            f"OEE of {who} from {rng}: {_pct(f.oee)} (availability {_pct(f.availability)}, performance"
            f" {_pct(f.performance)}{capped}, quality {_pct(f.quality)}); good {good}, rejects"
            f" {rejects}, downtime {down}."
        )
        # The same figures in the question's language (the notes below stay English: they are the
        # production model's own wording, shown as is everywhere).
        fields = {
            "range": rng,
            "oee": _pct(f.oee),
            "a": _pct(f.availability),
            "p": _pct(f.performance) + capped,
            "q": _pct(f.quality),
            "good": good,
            "rejects": rejects,
            "down": down,
        }
        line_word = {"de": "der Linie", "zh": "产线"}
        localized = {
            lang: i18n.msg(
                "oee", who=line_word[lang] if scope == LINE else i18n.machine(scope, lang, scope), **fields
            )[lang]
            for lang in i18n.LANGS
        }
        pareto = analysis.pareto()[:3]
        if pareto:
            text += (
                " Downtime by reason: "
                + "; ".join(
                    f"{p.text} {fmt_duration(p.seconds)} ({p.count} stop{'s' if p.count != 1 else ''})"
                    for p in pareto
                )
                + "."
            )
        flags = [*analysis.flags, *f.flags]
        if flags:
            text += " Note: " + "; ".join(flags[:3]) + "."
        facts = {
            "scope": scope,
            "range": rng,
            "oee_pct": None if f.oee is None else round(100 * f.oee, 1),
            "availability_pct": None if f.availability is None else round(100 * f.availability, 1),
            "performance_pct": None if f.performance is None else round(100 * f.performance, 1),
            "performance_ideal_exceeded": f.ideal_exceeded,
            "quality_pct": None if f.quality is None else round(100 * f.quality, 1),
            "good": None if f.nothing_recorded else f.good,
            "rejects": None if f.nothing_recorded else f.rejects,
            "downtime_s": None if f.nothing_recorded else round(f.downtime_s),
            "flags": flags,
        }
        sources = [Source("kpi", f"Production and OEE {rng}", {"start": round(a, 3), "end": round(b, 3)})]
        return ToolResult(
            self.name,
            {"machine": machine, "start": a, "end": b, "range": rng},
            text,
            facts,
            sources,
            key_facts=[_pct(f.oee).split()[0]] if f.oee is not None else [],
            localized=localized,
        )
