"""Statistics of a sampled signal over a period: time-weighted mean, min and max with their times.

Samples are change-driven (a value is journaled when it changes), so a plain mean of the samples
over-weights the moments the signal moved: a filler that stood still at 0 bpm for a minute gives one
sample, not 600. The mean here weights each good value by how long it held (until the next sample or
the end of the period); bad stretches count for nothing. The answer says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inference.assistant import i18n
from inference.assistant.tools.base import TIME_PARAMS, Param, Source, Tool, ToolResult
from inference.assistant.tools.context import PlantTools
from inference.assistant.tools.fmt import fmt_num


def time_weighted(
    ts: np.ndarray, values: np.ndarray, good: np.ndarray, a: float, b: float
) -> tuple[float, float] | None:
    """(mean, seconds covered) of a sample-and-hold signal over [a, b); None when nothing good covers it."""
    if len(ts) == 0:
        return None
    nxt = np.append(ts[1:], b)
    lo = np.maximum(ts, a)
    hi = np.minimum(nxt, b)
    w = np.where(good & (hi > lo), hi - lo, 0.0)
    total = float(w.sum())
    if total <= 0:
        return None
    return float(np.sum(np.where(w > 0, values, 0.0) * w) / total), total


class TagStats(Tool):
    name = "tag_stats"
    description = "time-weighted mean, min and max of a tag over a time range"
    params = (Param("tag", "str", True), *TIME_PARAMS, Param("stat", "str", enum=("min", "max", "mean")))

    def run(self, ctx: PlantTools, **args: Any) -> ToolResult:
        tag: str = args["tag"]
        stat: str | None = args.get("stat")
        j = ctx.need_journal()
        tags = ctx.resolve_tag(tag)[:4]
        a, b = ctx.range_of(args.get("start"), args.get("end"), default_s=3600.0)
        data = j.samples([t.name for t in tags], a, b)
        lines: list[str] = []
        loc: dict[str, list[str]] = {lang: [] for lang in i18n.LANGS}
        facts: list[dict[str, Any]] = []
        sources: list[Source] = []
        rng = ctx.range_label(a, b)
        for t in tags:
            s = data[t.name]
            ts, vals, st = s.source_ts, s.value, s.status
            prev = j.last_before(t.name, a)
            if prev is not None and prev[0] < a:  # the value in force when the period began
                ts = np.insert(ts, 0, prev[0])
                vals = np.insert(vals, 0, prev[1])
                st = np.insert(st, 0, prev[2])
            good = ((st.astype(np.int64) & 0xC0000000) == 0) & ~np.isnan(vals)
            inside = good & (ts >= a)
            tw = time_weighted(ts, vals, good, a, b)
            if tw is None or (not inside.any() and not good.any()):
                lines.append(f"{t.label}: no good samples from {rng}.")
                facts.append({"tag": t.name, "samples": 0})
                continue
            cand = good & (np.append(ts[1:], b) > a)  # values that held at some point of the period
            v, vts = vals[cand], np.maximum(ts[cand], a)
            imax, imin = int(np.argmax(v)), int(np.argmin(v))
            mean, covered = tw
            f: dict[str, Any] = {
                "tag": t.name,
                "label": t.label,
                "unit": t.unit,
                "samples": len(s),
                "good_samples": int(inside.sum()),
                # raw values: rounded once, at the tag's display decimals, when written (ctx.value_text)
                "min": float(v[imin]),
                "min_time": ctx.fmt_t(float(vts[imin])),
                "max": float(v[imax]),
                "max_time": ctx.fmt_t(float(vts[imax])),
                "mean": float(mean),
                "mean_kind": "time-weighted",
                "good_pct": round(100.0 * covered / max(b - a, 1e-9), 1),
            }
            txt = (
                f"{t.label} from {rng}: time-weighted mean {ctx.value_text(t, f['mean'])}, "
                f"min {ctx.value_text(t, f['min'])} at {f['min_time']}, "
                f"max {ctx.value_text(t, f['max'])} at {f['max_time']}"
                + (
                    f" (good data for {fmt_num(f['good_pct'])} % of the period)"
                    if f["good_pct"] < 99.5
                    else ""
                )
            )
            above = [(k, lim) for k, lim in t.limits.items() if k.startswith("h") and f["max"] >= lim]
            if above:
                k, lim = max(above, key=lambda kl: kl[1])
                txt += f"; it reached its {k.upper()} alarm limit ({ctx.value_text(t, lim)})"
                f["limit_reached"] = k
            lines.append(txt + ".")
            for lang in i18n.LANGS:
                label = i18n.tag_label(t.name, lang, t.label)
                sr = ctx.short_range(a, b)
                if lang == "de":
                    loc[lang].append(
                        f"{label} von {sr}: zeitgewichteter Mittelwert {ctx.value_text(t, f['mean'])}, "
                        f"Minimum {ctx.value_text(t, f['min'])} um {f['min_time']}, "
                        f"Maximum {ctx.value_text(t, f['max'])} um {f['max_time']}."
                    )
                else:
                    loc[lang].append(
                        f"{label}（{sr}）：时间加权平均{ctx.value_text(t, f['mean'])}，"
                        f"最小{ctx.value_text(t, f['min'])}（{f['min_time']}），"
                        f"最大{ctx.value_text(t, f['max'])}（{f['max_time']}）。"
                    )
            facts.append(f)
            sources.append(
                Source(
                    "trend",
                    f"{t.label} {rng}",
                    {"tag": t.name, "t": round(float(vts[imax]), 3), "t0": round(a, 3), "t1": round(b, 3)},
                )
            )
        which = stat if stat in ("min", "max", "mean") else "mean"
        keys = [fmt_num(f[which]) for f in facts[:2] if f.get("samples")]
        return ToolResult(
            self.name,
            {"tag": tag, "start": a, "end": b, "range": rng, "stat": stat},
            " ".join(lines),
            {"stats": facts},
            sources,
            key_facts=keys,
            localized={lang: " ".join(v) for lang, v in loc.items()},
        )
