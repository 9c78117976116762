"""Current values and machine status: the live feed in the app, else the journal's last sample."""

from __future__ import annotations

import math
from typing import Any

from hmi.core import quality as q
from inference.assistant import i18n
from inference.assistant.tools.base import Param, Source, Tool, ToolResult
from inference.assistant.tools.context import PlantTools
from inference.assistant.tools.fmt import fmt_duration, quality_word


class CurrentValue(Tool):
    name = "current_value"
    description = "value and quality of a tag (name or description) now, or at a moment"
    params = (Param("tag", "str", True), Param("at", "float"))

    def run(self, ctx: PlantTools, **args: Any) -> ToolResult:
        tag: str = args["tag"]
        tags = ctx.resolve_tag(tag)[:6]
        at: float | None = args.get("at")
        now = ctx.now() if at is None else at
        lines: list[str] = []
        loc: dict[str, list[str]] = {lang: [] for lang in i18n.LANGS}
        facts: list[dict[str, Any]] = []
        sources: list[Source] = []
        for t in tags:
            exact: str | None = None
            if t.data_type == "text":  # text lives in the journal's text table, never in samples
                tx = ctx.text_at(t.name, at)
                cur = None if tx is None else (math.nan, tx[1], tx[2], "journal")
                exact = None if tx is None else f'"{tx[0]}"'
            else:
                cur = ctx.current(t.name) if at is None else ctx.value_at(t.name, at)
                tx = ctx.text_at(t.name, cur[2]) if cur is not None and abs(cur[0]) > 2**53 else None
                if tx is not None and cur is not None and tx[2] == cur[2]:
                    exact = f"{tx[0]} {t.unit}".strip()  # the exact digits, not the rounded float
            if cur is None:
                lines.append(f"{t.label}: no value recorded.")
                for lang in i18n.LANGS:
                    loc[lang].append(
                        i18n.msg("value_none", label=i18n.tag_label(t.name, lang, t.label))[lang]
                    )
                facts.append({"tag": t.name, "label": t.label, "value": None})
                continue
            v, st, ts, origin = cur
            qual = quality_word(st)
            age = now - ts
            vtxt = exact or (ctx.value_text(t, v) if not math.isnan(v) else "no value")
            extra = ""
            if t.normal and t.data_type != "enum" and not math.isnan(v):
                lo, hi = t.normal
                where = "inside" if lo <= v <= hi else "outside"
                extra = f", {where} its normal band {lo:g}-{hi:g} {t.unit}".rstrip()
            crossed = [
                k
                for k, lim in t.limits.items()
                if not math.isnan(v)
                and ((k.startswith("h") and v >= lim) or (k.startswith("l") and v <= lim))
            ]
            if crossed:
                extra += f", beyond its {'/'.join(k.upper() for k in crossed)} alarm limit"
            qtxt = "" if qual == "Good" else f" (quality {qual}: {q.status_name(st)})"
            when = f"at {ctx.fmt_t(ts)}" + (f", {fmt_duration(age)} ago" if age > 5 else "")
            src = "" if origin == "live" else " (last value in the journal)" if at is None else ""
            if t.data_type == "text" and at is None:
                src = ""  # text is read from the journal, committed within a second
            if at is not None:
                when = f"at {ctx.fmt_t(at)} (recorded at {ctx.fmt_t(ts)})"
            verb = "was" if at is not None else "is"  # a moment asked: the value then, not now
            lines.append(f"{t.label} {verb} {vtxt}{qtxt}{extra} — {when}{src}.")
            for lang in i18n.LANGS:
                value = i18n.state(vtxt, lang) if t.data_type == "enum" else vtxt
                quality = (
                    "" if qual == "Good" else (f" (Qualität {qual})" if lang == "de" else f"（质量{qual}）")
                )
                orig = (
                    ""
                    if origin == "live"
                    else (", letzter Wert im Journal" if lang == "de" else "，日志中的最后值")
                )
                loc[lang].append(
                    i18n.msg(
                        "value",
                        label=i18n.tag_label(t.name, lang, t.label),
                        value=value,
                        quality=quality,
                        time=ctx.fmt_t(ts),
                        origin=orig,
                    )[lang]
                )
            facts.append(
                {
                    "tag": t.name,
                    "label": t.label,
                    "value": None if math.isnan(v) else round(v, 4),
                    "text": vtxt,
                    "unit": t.unit,
                    "quality": qual,
                    "status": q.status_name(st),
                    "time": ctx.fmt_t(ts),
                    "origin": origin,
                }
            )
            sources.append(
                Source("trend", f"{t.label} at {ctx.fmt_t(ts)}", {"tag": t.name, "t": round(ts, 3)})
            )
        keys = [
            f["text"].split()[0] if f.get("unit") and f.get("text") else f.get("text")
            for f in facts[:2]
            if f.get("value") is not None
        ]
        return ToolResult(
            self.name,
            {"tag": tag, "at": at},
            " ".join(lines),
            {"values": facts},
            sources,
            key_facts=[k for k in keys if k],
            localized={lang: " ".join(v) for lang, v in loc.items()},
        )


class MachineStatus(Tool):
    name = "machine_status"
    description = "state, fault code and speed of machines now (or their state at a moment)"
    params = (Param("machine", "str"), Param("at", "float"))

    def run(self, ctx: PlantTools, **args: Any) -> ToolResult:
        machine: str | None = args.get("machine")
        if args.get("at") is not None:
            return self._at(ctx, machine, float(args["at"]))
        mids = ctx.resolve_machine(machine)
        lines: list[str] = []
        loc: dict[str, list[str]] = {lang: [] for lang in i18n.LANGS}
        facts: list[dict[str, Any]] = []
        sources: list[Source] = []
        for mid in mids:
            m = ctx.catalog.machines[mid]
            parts: dict[str, Any] = {"machine": mid, "name": m.name}
            txt = f"{m.name}: "
            state = ""
            if m.state_tag:
                cur = ctx.current(m.state_tag)
                st_tag = ctx.catalog.tags.get(m.state_tag)
                if cur and st_tag and not math.isnan(cur[0]):
                    state = st_tag.state_label(cur[0])
                    parts["state"] = state
                    txt += state
                    parts["since"] = ctx.state_since(mid, state)
                    if parts["since"]:
                        txt += f" since {ctx.fmt_t(parts['since'])}"
                    sources.append(
                        Source(
                            "trend",
                            f"{st_tag.label} at {ctx.fmt_t(cur[2])}",
                            {"tag": m.state_tag, "t": round(cur[2], 3)},
                        )
                    )
                else:
                    txt += "state unknown"
            if m.fault_tag:
                cur = ctx.current(m.fault_tag)
                ft = ctx.catalog.tags.get(m.fault_tag)
                if cur and ft and not math.isnan(cur[0]) and cur[0] != 0:
                    parts["fault"] = ft.state_label(cur[0])
                    txt += f" (fault: {parts['fault']})"
            if m.speed_tag:
                cur = ctx.current(m.speed_tag)
                sp = ctx.catalog.tags.get(m.speed_tag)
                if cur and sp and not math.isnan(cur[0]):
                    parts["speed"] = round(cur[0], 1)
                    txt += f", speed {ctx.value_text(sp, cur[0])}"
            lines.append(txt + ".")
            for lang in i18n.LANGS:
                since = ""
                if parts.get("since"):
                    since = (
                        f" seit {ctx.fmt_t(parts['since'])}"
                        if lang == "de"
                        else f"（自{ctx.fmt_t(parts['since'])}起）"
                    )
                fault = ""
                if parts.get("fault"):
                    fault = (
                        f" (Störung: {i18n.fault(parts['fault'], lang)})"
                        if lang == "de"
                        else f"（故障：{i18n.fault(parts['fault'], lang)}）"
                    )
                loc[lang].append(
                    i18n.msg(
                        "status",
                        machine=i18n.machine(mid, lang, m.name),
                        state=i18n.state(state, lang) if state else "?",
                        since=since,
                        fault=fault,
                    )[lang]
                )
            facts.append(parts)
        keys = [f["state"] for f in facts if f.get("state")] if len(facts) <= 2 else []
        return ToolResult(
            self.name,
            {"machine": machine},
            " ".join(lines),
            {"machines": facts},
            sources,
            key_facts=keys,
            localized={lang: " ".join(v) for lang, v in loc.items()},
        )

    def _at(self, ctx: PlantTools, machine: str | None, at: float) -> ToolResult:
        """The state each machine was in at `at` (its last state change before it)."""
        j = ctx.need_journal()
        mids = ctx.resolve_machine(machine)
        lines: list[str] = []
        loc: dict[str, list[str]] = {lang: [] for lang in i18n.LANGS}
        facts: list[dict[str, Any]] = []
        sources: list[Source] = []
        for mid in mids:
            name = ctx.catalog.machine_name(mid)
            evs = j.events(at - 86400.0, at + 0.001, kinds=["machine_state"], sources=[mid])
            if not evs:
                lines.append(f"{name}: no state recorded before {ctx.fmt_t(at)}.")
                facts.append({"machine": mid, "state": None})
                continue
            e = evs[-1]
            state = str(e.data.get("state"))
            fault = e.data.get("fault") or ""
            lines.append(
                f"At {ctx.fmt_t(at)} the {name} was {state}"
                + (f" ({fault})" if fault else "")
                + f" (since {ctx.fmt_t(e.ts)})."
            )
            for lang in i18n.LANGS:
                m_l = i18n.machine(mid, lang, name)
                st_l = i18n.state(state, lang)
                loc[lang].append(
                    f"Um {ctx.fmt_t(at)} war {i18n.the_machine(mid, name)} {st_l} (seit {ctx.fmt_t(e.ts)})."
                    if lang == "de"
                    else f"{ctx.fmt_t(at)}时{m_l}为{st_l}（自{ctx.fmt_t(e.ts)}起）。"
                )
            facts.append({"machine": mid, "state": state, "fault": fault or None, "since": ctx.fmt_t(e.ts)})
            sources.append(
                Source(
                    "event",
                    f"{ctx.fmt_t(e.ts)} {name} {state}",
                    {"file": e.file, "id": e.id, "t": round(e.ts, 3)},
                )
            )
        return ToolResult(
            self.name,
            {"machine": machine, "at": at},
            " ".join(lines),
            {"machines": facts, "at": ctx.fmt_t(at)},
            sources,
            key_facts=[f["state"] for f in facts if f.get("state")][:2],
            localized={lang: " ".join(v) for lang, v in loc.items()},
        )
