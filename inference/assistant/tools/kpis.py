"""ISA-18.2 alarm KPIs over a period, from `hmi.core.alarms.kpi` (the same report as `linehmi alarms kpi`)."""

from __future__ import annotations

from typing import Any

from inference.assistant.tools.base import TIME_PARAMS, Source, Tool, ToolError, ToolResult
from inference.assistant.tools.context import PlantTools
from inference.assistant.tools.fmt import fmt_num


class AlarmKpis(Tool):
    name = "alarm_kpis"
    description = "ISA-18.2 alarm KPIs (alarm rate, floods, chattering, top alarms)"
    params = TIME_PARAMS

    def run(self, ctx: PlantTools, **args: Any) -> ToolResult:
        from hmi.core.alarms import figures

        j = ctx.need_journal()
        a, b = ctx.range_of(args.get("start"), args.get("end"))
        try:
            r = j.alarm_kpis(a, b)
        except ValueError as exc:
            raise ToolError(str(exc)) from None
        rng = ctx.range_label(a, b)
        top = ", ".join(f"{c.alarm} ×{c.count}" for c in r.top10[:3])
        summary = (
            f"Alarm KPIs from {rng}: {r.annunciated} alarms annunciated, "
            # The report's own wording over its recorded window: a 3-minute record is "too short
            # to judge", never an average against the target (qa7 G43).
            f"alarm rate {r.rate_text()} (target about 1), "
            f"peak {r.per_10min_peak} in 10 min, "
            f"{r.flood_periods} flood period{'s' if r.flood_periods != 1 else ''} (> 10 in 10 min), "
            f"{len(r.chattering)} chattering, {r.unacked_at_end} unacknowledged at the end "
            f"({figures.UNACKED.counts})" + (f"; most frequent: {top}" if top else "") + "."
        )
        facts = {
            "range": rng,
            "annunciated": r.annunciated,
            "per_10min_avg": round(r.per_10min_avg, 2),
            "rate_text": r.rate_text(),
            "average_verdict": figures.average_verdict(r.per_10min_avg, r.duration_s - r.unrecorded_s),
            "per_10min_peak": r.per_10min_peak,
            "flood_periods": r.flood_periods,
            "flood_pct": round(r.flood_pct, 1),
            "chattering": [c.alarm for c in r.chattering],
            "unacked_at_end": r.unacked_at_end,
            "top": [
                {"alarm": c.alarm, "count": c.count, "share_pct": round(c.share_pct, 1)} for c in r.top10[:5]
            ],
            "priority_counts": r.priority_counts,
        }
        sources = [Source("kpi", f"Alarm KPIs {rng}", {"start": round(a, 3), "end": round(b, 3)})]
        sources += [Source("alarm", f"Alarm {c.alarm}", {"alarm": c.alarm}) for c in r.top10[:3]]
        return ToolResult(
            self.name,
            {"start": a, "end": b, "range": rng},
            summary,
            facts,
            sources,
            key_facts=[str(r.annunciated), fmt_num(round(r.per_10min_avg, 2))],
        )
