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


def first_crossings(
    limits: dict[str, float],
    ts: np.ndarray,
    values: np.ndarray,
    good: np.ndarray,
    a: float,
    b: float,
    *,
    over: bool,
) -> list[tuple[str, float, float | None, float]]:
    """(limit name, limit, when the signal first reached it in [a, b) or None, the value then) for each
    alarm limit on that side (hi/hihi when `over`, lo/lolo else), the nearest limit first. Reached as
    the alarm engine judges it (>= a high limit, <= a low one); a value already beyond it when the
    period began counts from `a`. Sample-and-hold: the sample in force at `a` is `ts[0]` when it is
    older than `a`."""
    side = [(k, lim) for k, lim in limits.items() if k.startswith("h" if over else "l")]
    side.sort(key=lambda kl: kl[1] if over else -kl[1])
    out: list[tuple[str, float, float | None, float]] = []
    held = np.append(ts[1:], b) > a  # samples in force at some point of the period
    for k, lim in side:
        hit = good & held & (ts < b) & ((values >= lim) if over else (values <= lim))
        idx = np.flatnonzero(hit)
        if len(idx):
            i = int(idx[0])
            out.append((k, lim, max(float(ts[i]), a), float(values[i])))
        else:
            out.append((k, lim, None, float("nan")))
    return out


def _crossing_text(
    ctx: PlantTools,
    t: Any,
    crossings: list[tuple[str, float, float | None, float]],
    a: float,
    rng: str,
    over: bool,
) -> str:
    """When a signal first went over (under) each of its alarm limits, that it never did, or that it
    has none: a time is said only where a sample reached the limit."""
    side = "over" if over else "under"
    if not crossings:
        return f"{t.label} has no {'high' if over else 'low'} alarm limit configured."
    parts = []
    for k, lim, at, v in crossings:
        what = f"its {k.upper()} alarm limit ({ctx.value_text(t, lim)})"
        if at is None:
            parts.append(f"did not go {side} {what} from {rng}")
        elif at <= a:
            parts.append(f"was already {side} {what} when {rng} began ({ctx.value_text(t, v)})")
        else:
            parts.append(f"first went {side} {what} at {ctx.fmt_t(at)} ({ctx.value_text(t, v)})")
    return f"{t.label} " + "; ".join(parts) + "."  # the period follows, in the statistics after it


class TagStats(Tool):
    name = "tag_stats"
    description = "time-weighted mean, min and max of a tag over a time range"
    params = (
        Param("tag", "str", True),
        *TIME_PARAMS,
        Param("stat", "str", enum=("min", "max", "mean", "first_over", "first_under")),
    )

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
            if stat in ("first_over", "first_under"):
                crossings = first_crossings(t.limits, ts, vals, good, a, b, over=stat == "first_over")
                f["first_crossings"] = [
                    {"limit": k, "value_limit": lim, "time": ctx.fmt_t(at) if at is not None else None}
                    | ({"value": float(v0), "already": at <= a} if at is not None else {})
                    for k, lim, at, v0 in crossings
                ]
                txt = _crossing_text(ctx, t, crossings, a, rng, stat == "first_over") + " " + txt
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
        if stat in ("first_over", "first_under"):
            keys = [c["time"] for f in facts[:1] for c in f.get("first_crossings", [])[:1] if c["time"]]
        return ToolResult(
            self.name,
            {"tag": tag, "start": a, "end": b, "range": rng, "stat": stat},
            " ".join(lines),
            {"stats": facts},
            sources,
            key_facts=keys,
            localized={lang: " ".join(v) for lang, v in loc.items()},
        )
