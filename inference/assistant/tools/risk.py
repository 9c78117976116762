"""The fault model's predictions: the latest risk per machine, its peak over a period, and the
warnings it raised (and whether one came before a machine's stop). Predictions, never alarms.

Read from the predictor's derived tags `<machine>.fault_risk` (%) and `<machine>.predicted_rul` (s)
when the journal has them, else from its `advisory` events (`risk` 0..1, `rul_s`/`rul_h`/`rul_min`,
`advisory` = raised/cleared/..., `top_signals`, `failure_mode`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from inference.assistant.journal_access import Ev
from inference.assistant.tools.base import TIME_PARAMS, Param, Source, Tool, ToolResult
from inference.assistant.tools.context import ModelScope, PlantTools
from inference.assistant.tools.fmt import fmt_duration, fmt_num
from inference.fault.readout_text import MachineRisk, Readout, readout, scope_text

RISK_KEYS = ("risk", "failure_probability", "probability", "p_fail")
WARNING_LEAD_S = 1800.0  # a warning counts as "seen coming" when raised at most this long before a stop


def first_num(d: Mapping[str, Any], keys: tuple[str, ...]) -> float | None:
    for k in keys:
        v = d.get(k)
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
            return float(v)
    return None


def _rul_s(d: Mapping[str, Any]) -> float | None:
    rul = first_num(d, ("rul_s",))
    if rul is None and (h := first_num(d, ("rul_h", "rul_hours"))) is not None:
        rul = h * 3600.0
    if rul is None and (mn := first_num(d, ("rul_min",))) is not None:
        rul = mn * 60.0
    return rul


def _pct(risk: float | None) -> str:
    return fmt_num(round(100 * risk, 1)) + " %" if risk is not None else "n/a"


def machine_state(ctx: PlantTools, mid: str) -> tuple[str, float]:
    """(the machine's state label now, since when) from its state tag; ("", NaN) when unknown."""
    info = ctx.catalog.machines.get(mid)
    tag = ctx.catalog.tags.get(info.state_tag) if info is not None and info.state_tag else None
    cur = ctx.current(tag.name) if tag is not None else None
    if tag is None or cur is None or math.isnan(cur[0]) or cur[1] & 0x80000000:
        return "", math.nan
    label = tag.state_label(cur[0])
    since = ctx.state_since(mid, label)
    return label, cur[2] if since is None else since


def now_readout(
    ctx: PlantTools, mid: str, risk: float | None, rul: float | None, ts: float, active: bool
) -> Readout:
    """A machine's latest prediction as its faceplate reads it now (inference.fault.readout_text:
    "> 10 min" at the cap, no countdown below the least risk, "Faulted at …" for a machine that is
    not running, "(old, …)" for a figure older than the model's refresh; qa9 Q9-1, Q9-12)."""
    sc = ctx.fault_model or ModelScope("failure", "")
    state, since = machine_state(ctx, mid)
    nan = math.nan
    mr = MachineRisk(
        mid, ts, nan if risk is None else risk, nan if rul is None else rul, active, "ok",
        predicts=sc.predicts, covers=sc.covers, rul_cap_s=sc.rul_cap_s, rul_min_risk=sc.rul_min_risk,
        machine_state=state, state_since=since, refresh_s=sc.refresh_s,
    )  # fmt: skip
    return readout(mr, ctx.now(), ctx.fmt_t)


def readout_phrase(r: Readout) -> str:
    """The readout's words in an answer's sentence: "Faulted at 12:03:45; risk 100 % (old,
    12:03:41)" or "risk 12 %, remaining useful life > 10 min" (the risk itself is the caller's)."""
    return r.down + "; " if r.down else ""


def _scope(ctx: PlantTools) -> str:
    """What the model predicts and covers, for the answer's closing note ("" when no card is known)."""
    sc = ctx.fault_model
    if sc is None:
        return ""
    return f"; it predicts {sc.predicts}" + (f" and covers {sc.covers} only" if sc.covers else "")


class FaultRisk(Tool):
    name = "fault_risk"
    description = (
        "fault-model failure risk and remaining useful life per machine, its peak and its warnings; "
        "focus=scope: what the model predicts and what it does not cover"
    )
    params = (
        Param("machine", "str"),
        *TIME_PARAMS,
        Param("focus", "str", enum=("now", "peak", "warnings", "scope")),
    )

    def _model_scope(self, ctx: PlantTools) -> ToolResult:
        """What the model predicts and does not cover, from its card, in the faceplate tooltip's words."""
        sc = ctx.fault_model
        if sc is None:
            return ToolResult(
                self.name,
                {"focus": "scope"},
                "What the fault model predicts and covers is not known here: its model card could not be read.",
                {"model_scope": None},
                [],
            )
        text = scope_text(sc.predicts, sc.covers, sc.horizon_s)
        return ToolResult(
            self.name,
            {"focus": "scope"},
            f"The fault model (from its model card): {text}. Its risks are predictions, not alarms.",
            {"model_scope": {"predicts": sc.predicts, "covers": sc.covers, "horizon_s": sc.horizon_s}},
            [],
            key_facts=[sc.covers or sc.predicts],
        )

    def run(self, ctx: PlantTools, **args: Any) -> ToolResult:
        machine: str | None = args.get("machine")
        focus: str = args.get("focus") or "now"
        if focus == "scope":
            return self._model_scope(ctx)
        j = ctx.need_journal()
        mids = ctx.resolve_machine(machine)
        b = float(args["end"]) if args.get("end") is not None else ctx.now()
        a = float(args["start"]) if args.get("start") is not None else b - 86400.0
        rng = ctx.range_label(a, b)
        advs = [
            e for e in j.events(a, b, kinds=["advisory"]) if str(e.data.get("machine") or e.source) in mids
        ]
        latest: dict[str, Ev] = {}
        for e in advs:
            if first_num(e.data, RISK_KEYS) is not None:
                latest[str(e.data.get("machine") or e.source)] = e
        # Latest per machine: (machine, risk 0..1, rul_s, time, event or None, derived tag or "")
        rows: list[tuple[str, float | None, float | None, float, Ev | None, str]] = []
        peaks: dict[str, tuple[float, float]] = {}  # machine -> (risk 0..1, time)
        for mid in mids:
            ev = latest.get(mid)
            tag = f"{mid}.fault_risk"
            if tag in ctx.catalog.tags:
                s = j.samples([tag], a, b)[tag]
                good = (
                    ((s.status.astype(np.int64) & 0xC0000000) == 0) & ~np.isnan(s.value) if len(s) else None
                )
                if good is not None and good.any():
                    i = int(np.argmax(np.where(good, s.value, -np.inf)))
                    peaks[mid] = (float(s.value[i]) / 100.0, float(s.source_ts[i]))
            for e in advs:
                r = first_num(e.data, RISK_KEYS)
                if (
                    r is not None
                    and str(e.data.get("machine") or e.source) == mid
                    and r > peaks.get(mid, (-1.0, 0.0))[0]
                ):
                    peaks[mid] = (r, e.ts)
            cur = ctx.current(tag) if tag in ctx.catalog.tags else None
            if cur is not None and not math.isnan(cur[0]) and cur[2] >= a:
                rul_tag = f"{mid}.predicted_rul"
                rul_cur = ctx.current(rul_tag) if rul_tag in ctx.catalog.tags else None
                rul_v = rul_cur[0] if rul_cur is not None and not math.isnan(rul_cur[0]) else None
                rows.append((mid, cur[0] / 100.0, rul_v, cur[2], ev, tag))
            elif ev is not None:
                rows.append((mid, first_num(ev.data, RISK_KEYS), _rul_s(ev.data), ev.ts, ev, ""))
        raised = [e for e in advs if e.data.get("advisory") == "raised"]
        if not rows and not peaks and not raised:
            return ToolResult(
                self.name,
                {"machine": machine, "start": a, "end": b},
                "No fault-model risk is recorded"
                + (f" for the {ctx.catalog.machine_name(mids[0])}" if len(mids) == 1 else "")
                + f" from {rng} (the fault model may not be running).",
                {"advisories": []},
                [],
            )
        rows.sort(key=lambda r: -(r[1] if r[1] is not None else -1))
        sources: list[Source] = []
        facts: list[dict[str, Any]] = []
        now_parts: list[str] = []
        for mid, risk, rul, ts, adv, tag in rows:
            kinds = [
                e.data.get("advisory")
                for e in advs
                if str(e.data.get("machine") or e.source) == mid
                and e.data.get("advisory") in ("raised", "cleared")
            ]
            active = bool(kinds) and kinds[-1] == "raised"
            shown = now_readout(ctx, mid, risk, rul, ts, active)
            # The advisory's signals and mode describe a current figure only while it stands: after
            # it cleared (a restart) "risk 0 %, driven by vibration" read the old advisory's reasons.
            d = adv.data if adv is not None and (active or not tag) else {}
            mode = d.get("failure_mode") or d.get("mode") or ""
            signals = [
                str(x["signal"]) for x in d.get("top_signals", []) if isinstance(x, dict) and x.get("signal")
            ]
            txt = f"{ctx.catalog.machine_name(mid)}: {readout_phrase(shown)}risk {_pct(risk)}"
            if shown.old:
                txt += f" {shown.old}"
            life = shown.life if rul is not None and shown.life != "—" else None
            if life is not None:
                txt += f", remaining useful life {life}"
            if mode:
                txt += f" ({mode})"
            if signals:
                txt += f", driven by {', '.join(signals[:3])}"
            txt += f" — {'predicted' if tag else 'advisory'} at {ctx.fmt_t(ts)}"
            now_parts.append(txt)
            facts.append(
                {
                    "machine": mid,
                    "risk_pct": None if risk is None else round(100 * risk, 1),
                    "rul_s": None if rul is None else round(rul),
                    "rul_text": life,
                    "down": shown.down or None,
                    "old": shown.old or None,
                    "failure_mode": mode or None,
                    "top_signals": signals or None,
                    "model": d.get("model"),
                    "time": ctx.fmt_t(ts),
                    "peak_pct": round(100 * peaks[mid][0], 1) if mid in peaks else None,
                    "peak_time": ctx.fmt_t(peaks[mid][1]) if mid in peaks else None,
                }
            )
            if tag:
                sources.append(
                    Source(
                        "trend",
                        f"{ctx.catalog.tag_label(tag)} at {ctx.fmt_t(ts)}",
                        {"tag": tag, "t": round(ts, 3)},
                    )
                )
        # Peak over the period.
        peak_txt = ""
        top_peak = max(peaks.items(), key=lambda kv: kv[1][0]) if peaks else None
        if peaks:
            ranked = sorted(peaks.items(), key=lambda kv: -kv[1][0])
            peak_txt = (
                f"Highest predicted risk from {rng}: "
                + "; ".join(
                    f"{ctx.catalog.machine_name(m)} {_pct(r)} at {ctx.fmt_t(t)}" for m, (r, t) in ranked
                )
                + "."
            )
        # Warnings raised, and whether one came before each stop of the machine(s).
        warn_parts: list[str] = []
        if raised:
            warn_parts.append(
                "Warnings raised by the fault model: "
                + "; ".join(
                    f"{ctx.catalog.machine_name(str(e.data.get('machine') or e.source))} at {ctx.fmt_t(e.ts)}"
                    + (
                        f" (risk {_pct(first_num(e.data, RISK_KEYS))})"
                        if first_num(e.data, RISK_KEYS) is not None
                        else ""
                    )
                    for e in raised[:8]
                )
                + "."
            )
            for e in raised[:3]:
                sources.append(
                    Source(
                        "advisory",
                        f"Fault-model warning at {ctx.fmt_t(e.ts)}: {e.message}",
                        {"file": e.file, "id": e.id, "t": round(e.ts, 3)},
                    )
                )
        else:
            warn_parts.append(f"The fault model raised no warning from {rng}.")
        seen: list[dict[str, Any]] = []
        if focus == "warnings":
            # A stop at the window's very end counts: "before the filler tripped" ends at that trip.
            for stop in ctx.stops(mids, a, math.nextafter(b, math.inf)):
                if stop.data.get("state") != "Faulted":
                    continue
                mname = ctx.catalog.machine_name(stop.source)
                before = [
                    e
                    for e in raised
                    if str(e.data.get("machine") or e.source) == stop.source
                    and stop.ts - WARNING_LEAD_S <= e.ts <= stop.ts
                ]
                if before:
                    w = before[0]
                    warn_parts.append(
                        f"Yes for the {mname}: the model warned at {ctx.fmt_t(w.ts)}, "
                        f"{fmt_duration(stop.ts - w.ts)} before it faulted at {ctx.fmt_t(stop.ts)}"
                        + (f" ({stop.data.get('fault')})" if stop.data.get("fault") else "")
                        + "."
                    )
                    seen.append(
                        {"machine": stop.source, "stop": ctx.fmt_t(stop.ts), "warned": ctx.fmt_t(w.ts)}
                    )
                else:
                    warn_parts.append(
                        f"No: no warning was raised for the {mname} before it faulted at {ctx.fmt_t(stop.ts)}"
                        + (f" ({stop.data.get('fault')})" if stop.data.get("fault") else "")
                        + "."
                    )
                    seen.append({"machine": stop.source, "stop": ctx.fmt_t(stop.ts), "warned": None})
        head = ""
        tied = (
            len(rows) > 1
            and rows[1][1] is not None
            and rows[0][1] is not None
            and round(rows[1][1], 3) >= round(rows[0][1], 3)
        )
        if rows and focus == "now":
            if tied:
                head = "No machine stands out now: the highest risks are equal. "
            elif len(rows) > 1 and rows[0][1] is not None:
                head = f"Most at risk now: the {ctx.catalog.machine_name(rows[0][0])}. "
        now_txt = ("Latest: " + "; ".join(now_parts) + ".") if now_parts else ""
        if focus == "peak":
            body = [peak_txt, now_txt, *warn_parts]
        elif focus == "warnings":
            body = (
                [*warn_parts[1:], warn_parts[0], peak_txt] if len(warn_parts) > 1 else [*warn_parts, peak_txt]
            )
        else:
            body = [head + now_txt, peak_txt, *warn_parts]
        keys: list[str] = []
        if focus == "peak" and top_peak is not None:
            keys = [ctx.catalog.machine_name(top_peak[0]), fmt_num(round(100 * top_peak[1][0], 1))]
        elif focus == "now" and rows and not tied:
            keys = [ctx.catalog.machine_name(rows[0][0])] + (
                [fmt_num(round(100 * rows[0][1], 1))] if rows[0][1] is not None else []
            )
        return ToolResult(
            self.name,
            {"machine": machine, "start": a, "end": b, "focus": focus},
            " ".join(p for p in body if p) + f" (Predictions of the fault model, not alarms{_scope(ctx)}.)",
            {
                "advisories": facts,
                "peaks": {
                    m: {"risk_pct": round(100 * r, 1), "time": ctx.fmt_t(t)} for m, (r, t) in peaks.items()
                },
                "warnings": [
                    {
                        "machine": str(e.data.get("machine") or e.source),
                        "time": ctx.fmt_t(e.ts),
                        "risk": first_num(e.data, RISK_KEYS),
                    }
                    for e in raised
                ],
                "seen_coming": seen,
            },
            sources,
            key_facts=keys,
        )
