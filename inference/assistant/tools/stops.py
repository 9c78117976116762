"""Why a machine stopped (the stop, its fault, the first-out alarm, the signals before it, or the
upstream/downstream stop that starved or blocked it) and the stop history of machines."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from hmi.core.alarms.event_codec import AlarmTransition, TransitionCause, transition_of, transitions
from hmi.core.journal_read import JournalError
from hmi.core.production.oee import LINE, ProductionAnalysis
from hmi.core.production.setup import ProductionSetup
from hmi.core.production.stops import Stop as MachineStop
from inference.assistant import i18n
from inference.assistant.journal_access import AssistantJournal, Ev
from inference.assistant.tools.base import TIME_PARAMS, Param, Source, Tool, ToolResult
from inference.assistant.tools.context import RUNNING_STATES, STOP_STATES, PlantTools
from inference.assistant.tools.fmt import alarm_name, fmt_duration


def _event_source(ctx: PlantTools, e: Ev, what: str) -> Source:
    return Source(
        "event",
        f"{ctx.fmt_t(e.ts)} {ctx.catalog.machine_name(e.source)} {what}",
        {"file": e.file, "id": e.id, "t": round(e.ts, 3)},
    )


def _transitions(j: AssistantJournal, mids: list[str], a: float, b: float, into: tuple[str, ...]) -> list[Ev]:
    """State changes into `into` from a running-ish state, per machine, in [a, b)."""
    out = []
    last: dict[str, str | None] = {}
    for e in j.events(a - 3600.0, b, kinds=["machine_state"], sources=mids):
        new = e.data.get("state")
        prev = last.get(e.source)
        if new in into and prev in RUNNING_STATES and prev != new and e.ts >= a:
            out.append(e)
        last[e.source] = new
    return out


def _down_at(j: AssistantJournal, mid: str, t: float) -> Ev | None:
    """The stop of `mid` (into Faulted/Stopped) that was still in force at `t`, if any."""
    evs = j.events(t - 3600.0, t + 1.0, kinds=["machine_state"], sources=[mid])
    if not evs or evs[-1].data.get("state") not in STOP_STATES:
        return None
    stop = evs[-1]
    for e in reversed(evs):  # the first change into a stop state of this stretch
        if e.data.get("state") in STOP_STATES:
            stop = e
        else:
            break
    return stop


def _causes_of_idle(ctx: PlantTools, j: AssistantJournal, idle: Ev) -> list[Ev]:
    """The stops of other machines still in force when `idle` began: the nearest in the line first (a
    neighbour starves or blocks directly), then the latest."""
    order = ctx.line_order()
    pos = {m: i for i, m in enumerate(order)}
    causes = []
    for other in order:
        if other == idle.source:
            continue
        s = _down_at(j, other, idle.ts + 0.5)
        if s is not None and idle.ts - s.ts < 1800:
            causes.append(s)
    causes.sort(key=lambda s: (abs(pos.get(s.source, 99) - pos.get(idle.source, 0)), -s.ts))
    return causes


class EventSequence(Tool):
    name = "event_sequence"
    description = (
        "why a machine stopped or went idle: the stop, its cause, the first-out alarm, the events around it"
    )
    params = (
        Param("machine", "str"),
        Param("at", "float"),
        *TIME_PARAMS,
        Param("kind", "str", enum=("stop", "idle"), description="idle: why it waited (starved/blocked)"),
        Param("fault", "str", description="only stops with this fault (e.g. Jam)"),
    )

    def run(self, ctx: PlantTools, **args: Any) -> ToolResult:
        machine: str | None = args.get("machine")
        at: float | None = args.get("at")
        j = ctx.need_journal()
        mids = ctx.resolve_machine(machine) if machine else list(ctx.catalog.machines)
        if at is not None:
            a, b = at - 900.0, at + 300.0
        else:
            a, b = ctx.range_of(args.get("start"), args.get("end"))
        stops = _transitions(j, mids, a, b, (*STOP_STATES, "Idle"))
        if args.get("fault"):  # "how long did the capper jam last": that fault's stop, not the latest one
            want = str(args["fault"]).lower()
            named = [e for e in stops if want in str(e.data.get("fault") or "").lower()]
            stops = named or stops
        want_idle = args.get("kind") == "idle"
        if at is not None:
            # Nearest to the moment asked (a little after it still counts: "at 6:37" for 06:37:40). A stop
            # explains more than an idle near it (the idle is its consequence), unless the question asks why
            # the machine went idle.
            def key(e: Ev) -> tuple[float, float]:
                dist = abs(e.ts - at) if e.ts <= at + 90 else 1e9 + e.ts - at
                idle = e.data.get("state") == "Idle"
                rank = (0.0 if idle else 1.0) if want_idle and machine is not None else (1.0 if idle else 0.0)
                return (rank if dist < 180 else 2.0, dist)

            stops.sort(key=key)
        else:
            stops.sort(key=lambda e: ({"Faulted": 0, "Stopped": 1}.get(str(e.data.get("state")), 2), -e.ts))
        where = f" the {ctx.catalog.machine_name(mids[0])}" if len(mids) == 1 else " any machine"
        if not stops:
            model = self._model_stop(ctx, j, mids, at, a, b, machine)
            if model is not None:
                return model
            span = f"around {ctx.fmt_t(at)}" if at is not None else f"from {ctx.range_label(a, b)}"
            mname = ctx.catalog.machine_name(mids[0]) if len(mids) == 1 else ""
            return ToolResult(
                self.name,
                {"machine": machine, "at": at, "start": a, "end": b},
                f"No stop of{where} is recorded {span}.",
                {"stop": None},
                [],
                localized={
                    lang: i18n.MESSAGES["no_stop"][lang].format(
                        machine=i18n.machine(mids[0], lang, mname), span=span
                    )
                    for lang in i18n.LANGS
                }
                if mname
                else {},
            )
        stop = stops[0]
        if want_idle and machine is None:
            # "Why did machines go idle around 6:37?": the idles near that moment, explained by the stop
            # that caused them (told as that stop, with the machines it idled).
            # The stop that idled the most machines near the moment wins, then the nearest.
            idled_by: dict[tuple[str, int], tuple[Ev, set[str]]] = {}
            for idle in (e for e in stops if e.data.get("state") == "Idle"):
                causes = _causes_of_idle(ctx, j, idle)
                if causes:
                    c = causes[0]
                    idled_by.setdefault((c.file, c.id), (c, set()))[1].add(idle.source)
            if idled_by:
                ref = at if at is not None else b
                cause, _m = max(idled_by.values(), key=lambda cm: (len(cm[1]), -abs(cm[0].ts - ref)))
                return self._stop(ctx, j, cause, machine, at, a, b)
        if stop.data.get("state") == "Idle":
            return self._idle(ctx, j, stop, machine, at, a, b)
        return self._stop(ctx, j, stop, machine, at, a, b)

    def _model_stop(
        self,
        ctx: PlantTools,
        j: AssistantJournal,
        mids: list[str],
        at: float | None,
        a: float,
        b: float,
        machine: str | None,
    ) -> ToolResult | None:
        """A stop the production model has (the Stops tab's list) but no running-to-stopped state change
        shows: a start-up stop, a short stop. None: the model has none either (or there is no model)."""
        production = _production(ctx, a, b)
        if production is None:
            return None
        cands = [s for s in production.stops if s.machine in mids and s.start < b and s.end > a]
        if not cands:
            return None
        pick = min(cands, key=lambda s: abs(s.start - at)) if at is not None else cands[-1]
        row = _StopRow.of(pick, a, b, _state_at(ctx, pick.machine, pick.start))
        name = ctx.catalog.machine_name(pick.machine)
        span, dur = f"{ctx.fmt_t(pick.start)}–{ctx.fmt_t(pick.end)}", fmt_duration(pick.end - pick.start)
        text = f"{row.sentence(ctx, name)} (Production view, Stops)."
        if pick.short:
            text += " It was a short stop: counted as a speed loss (performance), not as downtime."
        if len(cands) > 1:
            whose = f"the {name}" if len(mids) == 1 else "the machines"
            text += f" {len(cands)} stops of {whose} from {ctx.range_label(a, b)}."
        return ToolResult(
            self.name,
            {"machine": machine, "at": at, "start": a, "end": b},
            text,
            {"stop": row.fact(ctx) | {"machine": pick.machine}, "stops_from": "production model"},
            [row.source(ctx, name)],
            key_facts=[ctx.fmt_t(pick.start)],
            localized=i18n.msg(
                "still_stopped_since",
                the_machine=i18n.the_machine(pick.machine, name, capital=True),
                machine=i18n.machine(pick.machine, "zh", name),
                since=ctx.fmt_t(pick.start),
                time=ctx.fmt_t(pick.end),
                down=dur,
            )
            if row.ongoing
            else {
                "de": f"{i18n.the_machine(pick.machine, name, capital=True)} stand {span} ({dur})"
                + (
                    ": ein Kurzstillstand, als Geschwindigkeitsverlust gezählt, nicht als Stillstandszeit."
                    if pick.short
                    else "."
                ),
                "zh": f"{i18n.machine(pick.machine, 'zh', name)}于{span}停机（{dur}）"
                + ("：短停机，计为速度损失，不计入停机时间。" if pick.short else "。"),
            },
        )

    # --- a machine that went idle: the neighbour that starved or blocked it ----------------------
    def _idle(
        self,
        ctx: PlantTools,
        j: AssistantJournal,
        idle: Ev,
        machine: str | None,
        at: float | None,
        a: float,
        b: float,
    ) -> ToolResult:
        mid = idle.source
        pos = {m: i for i, m in enumerate(ctx.line_order())}
        causes = _causes_of_idle(ctx, j, idle)
        mname = ctx.catalog.machine_name(mid)
        parts = [f"The {mname} went idle at {ctx.fmt_t(idle.ts)} (waiting, not faulted)."]
        facts: dict[str, Any] = {
            "machine": mid,
            "idle_time": ctx.fmt_t(idle.ts, True),
            "state": "Idle",
            "cause": None,
        }
        sources = [_event_source(ctx, idle, "idle")]
        keys = [ctx.fmt_t(idle.ts)[:5]]
        loc = {
            "de": f"{i18n.the_machine(mid, mname, capital=True)} wartete ab {ctx.fmt_t(idle.ts)}"
            " (Leerlauf, keine Störung).",
            "zh": f"{i18n.machine(mid, 'zh', mname)}于{ctx.fmt_t(idle.ts)}进入空闲（等待，不是故障）。",
        }
        if causes:
            c = causes[0]
            cname = ctx.catalog.machine_name(c.source)
            fault = c.data.get("fault") or ""
            up = pos.get(c.source, 0) < pos.get(mid, 0)
            how = (
                "starved it (upstream, no bottles coming)"
                if up
                else "blocked it (downstream, no room to pass bottles on)"
            )
            if c.source == "conveyor":
                how = "stopped the transport every machine needs"
            parts.append(
                f"Cause: the {cname} had stopped at {ctx.fmt_t(c.ts)} ({c.data.get('state')}"
                + (f": {fault}" if fault else "")
                + f") and was still down; that {how}."
            )
            restart = next(
                (
                    e
                    for e in j.events(c.ts, None, kinds=["machine_state"], sources=[c.source])
                    if e.data.get("state") == "Running"
                ),
                None,
            )
            if restart is not None:
                parts.append(f"The {cname} ran again at {ctx.fmt_t(restart.ts)}.")
            facts["cause"] = {
                "machine": c.source,
                "stop_time": ctx.fmt_t(c.ts, True),
                "state": c.data.get("state"),
                "fault": fault or None,
                "relation": "upstream" if up else "downstream",
            }
            sources.append(_event_source(ctx, c, f"{c.data.get('state')}" + (f" ({fault})" if fault else "")))
            keys += [cname] + ([fault] if fault else [])
            loc["de"] += (
                f" Ursache: {i18n.the_machine(c.source, cname)} stand seit {ctx.fmt_t(c.ts)}"
                + (f" ({i18n.fault(fault, 'de')})" if fault else "")
                + (
                    " und lieferte keine Flaschen (vorgelagert)."
                    if up
                    else " und nahm keine Flaschen ab (nachgelagert)."
                )
            )
            loc["zh"] += (
                f" 原因：{i18n.machine(c.source, 'zh', cname)}于{ctx.fmt_t(c.ts)}停机"
                + (f"（{i18n.fault(fault, 'zh')}）" if fault else "")
                + ("，上游断料。" if up else "，下游堵塞。")
            )
        else:
            parts.append("No other machine was down at that moment: it waited on its own buffers.")
        return ToolResult(
            self.name,
            {"machine": machine, "at": at, "start": a, "end": b},
            " ".join(parts),
            facts,
            sources,
            key_facts=keys,
            localized=loc,
        )

    # --- a machine that stopped or faulted -------------------------------------------------------
    def _stop(
        self,
        ctx: PlantTools,
        j: AssistantJournal,
        stop: Ev,
        machine: str | None,
        at: float | None,
        a: float,
        b: float,
    ) -> ToolResult:
        mid = stop.source
        mname = ctx.catalog.machine_name(mid)
        t_stop = stop.ts
        fault = stop.data.get("fault") or ""
        window = transitions(j.events(t_stop - 120.0, t_stop + 15.0, kinds=["alarm"]))
        acts = [t for t in window if t.action == TransitionCause.ACTIVATE and t.snapshot.machine == mid]
        first_out: AlarmTransition | None = None
        for act in acts:
            fo = act.snapshot.first_out_of
            if fo:
                cand = [x for x in acts if x.alarm == fo]
                if cand:
                    first_out = cand[0]
                    break
                older = [
                    x
                    for x in transitions(j.events(t_stop - 900.0, t_stop + 15.0, kinds=["alarm"]))
                    if x.alarm == fo and x.action == TransitionCause.ACTIVATE
                ]
                if older:
                    first_out = older[-1]
                    break
        if first_out is None:
            flagged = [x for x in acts if x.snapshot.first_out]
            first_out = flagged[0] if flagged else (acts[0] if acts else None)
        m = ctx.catalog.machines.get(mid)
        signals: list[dict[str, Any]] = []
        w0 = t_stop - 600.0
        if m is not None and m.key_tags:
            ran = [
                e
                for e in j.events(t_stop - 600.0, t_stop, kinds=["machine_state"], sources=[mid])
                if e.data.get("state") == "Running"
            ]
            w0 = ran[-1].ts if ran else t_stop - 600.0
            # Up to the stop instant itself (the trip sample shares it), never after: "before the stop".
            data = j.samples(list(m.key_tags), w0, math.nextafter(t_stop, math.inf))
            for name in m.key_tags:
                t = ctx.catalog.tags.get(name)
                s = data[name]
                if t is None or not len(s) or t.normal is None:
                    continue
                good = ((s.status.astype(np.int64) & 0xC0000000) == 0) & ~np.isnan(s.value)
                if not good.any():
                    bad_from = float(s.source_ts[~good][0]) if (~good).any() else None
                    signals.append(
                        {"tag": name, "label": t.label, "quality": "Bad", "since": ctx.fmt_t(bad_from)}
                    )
                    continue
                v, ts = s.value[good], s.source_ts[good]
                _lo, hi = t.normal
                i = int(np.argmax(v))
                if v[i] > hi:
                    signals.append(
                        {
                            "tag": name,
                            "label": t.label,
                            "max": float(v[i]),  # raw: rounded once, when written (ctx.value_text)
                            "at": ctx.fmt_t(float(ts[i])),
                            "normal_hi": hi,
                            "unit": t.unit,
                        }
                    )
        restart = next(
            (
                e
                for e in j.events(t_stop, None, kinds=["machine_state"], sources=[mid])
                if e.data.get("state") == "Running"
            ),
            None,
        )
        state = str(stop.data.get("state"))
        parts = [
            f"The {mname} stopped at {ctx.fmt_t(t_stop)}: {state}" + (f" ({fault})" if fault else "") + "."
        ]
        loc = {
            lang: i18n.msg(
                "stop",
                machine=i18n.machine(mid, lang, mname),
                the_machine=i18n.the_machine(mid, mname, capital=True),
                time=ctx.fmt_t(t_stop),
                state=i18n.state(state, lang),
                fault=(f" ({i18n.fault(fault, lang)})" if lang == "de" else f"（{i18n.fault(fault, lang)}）")
                if fault
                else "",
            )[lang]
            for lang in i18n.LANGS
        }
        facts: dict[str, Any] = {
            "machine": mid,
            "stop_time": ctx.fmt_t(t_stop, True),
            "state": state,
            "fault": fault or None,
            "event": stop.ref,
        }
        sources = [_event_source(ctx, stop, state + (f" ({fault})" if fault else ""))]
        if first_out is not None:
            fs = first_out.snapshot
            name = alarm_name(fs.name or fs.alarm)
            # The alarm with the value it was raised with, as the banner and the alarm list say it
            # (never the transition's value or a sample near it: qa11 Q11-2).
            head = ctx.alarm_headline(fs)
            parts.append(f"First-out alarm: {head} at {ctx.fmt_t(first_out.ts)}.")
            for lang in i18n.LANGS:
                loc[lang] += " " + i18n.msg("first_out", alarm=head, time=ctx.fmt_t(first_out.ts))[lang]
            facts["first_out"] = {
                "alarm": fs.alarm,
                "name": fs.name,
                "headline": head,
                "value": ctx.alarm_value_text(fs) or None,
                "time": ctx.fmt_t(first_out.ts),
                "priority": fs.priority,
            }
            sources.append(
                Source(
                    "alarm", f"Alarm “{name}” (first-out) at {ctx.fmt_t(first_out.ts)}", {"alarm": fs.alarm}
                )
            )
        others = [
            alarm_name(x.snapshot.name or x.alarm)
            for x in acts
            if first_out is None or x.alarm != first_out.alarm
        ]
        if others:
            parts.append(f"Also: {', '.join(dict.fromkeys(others))}.")
            facts["other_alarms"] = list(dict.fromkeys(others))
        for sg in signals[:3]:
            if "max" in sg:
                tag = ctx.catalog.tags[sg["tag"]]
                normal = ctx.value_text(tag, sg["normal_hi"])
                parts.append(
                    f"Before the stop {sg['label']} rose to {ctx.value_text(tag, sg['max'])} at {sg['at']}"
                    f" (normal up to {normal})."
                )
                sources.append(
                    Source(
                        "trend",
                        f"{sg['label']} before the stop",
                        {
                            "tag": sg["tag"],
                            "t": round(t_stop, 3),
                            "t0": round(w0, 3),
                            "t1": round(t_stop + 60, 3),
                        },
                    )
                )
            else:
                parts.append(f"{sg['label']} had bad quality before the stop.")
        facts["signals"] = signals
        if restart is not None:
            parts.append(
                f"Running again at {ctx.fmt_t(restart.ts)} (down {fmt_duration(restart.ts - t_stop)})."
            )
            for lang in i18n.LANGS:
                loc[lang] += (
                    " "
                    + i18n.msg("restart", time=ctx.fmt_t(restart.ts), down=fmt_duration(restart.ts - t_stop))[
                        lang
                    ]
                )
            facts["restart_time"] = ctx.fmt_t(restart.ts)
            facts["down_s"] = round(restart.ts - t_stop)
        else:
            # Not running again by the end of what is recorded: it is going on, said with how long
            # so far, never with an end (qa11 Q11-5).
            now = ctx.now()
            last = [
                e for e in j.events(t_stop, now, kinds=["machine_state"], sources=[mid]) if e.ts >= t_stop
            ]
            state_now = str(last[-1].data.get("state")) if last else state
            so_far = fmt_duration(now - t_stop)
            parts.append(
                f"Not running again at {ctx.fmt_t(now)}: still {state_now.lower()} ({so_far} so far)."
            )
            for lang in i18n.LANGS:
                loc[lang] += (
                    " "
                    + i18n.msg(
                        "still_stopped",
                        time=ctx.fmt_t(now),
                        the_machine=i18n.the_machine(mid, mname),
                        machine=i18n.machine(mid, lang, mname),
                        state=i18n.state(state_now, lang),
                        down=so_far,
                    )[lang]
                )
            facts["still_stopped_at"] = ctx.fmt_t(now)
            facts["so_far_s"] = round(now - t_stop)
        # Machines that went idle because of this stop (while it lasted).
        t_end = restart.ts if restart is not None else t_stop + 600.0
        idled = [
            e
            for e in _transitions(
                j,
                [x for x in ctx.catalog.machines if x != mid],
                t_stop,
                min(t_end, t_stop + 600.0),
                ("Idle",),
            )
        ]
        if idled:
            first_idle: dict[str, Ev] = {}
            for e in idled:
                first_idle.setdefault(e.source, e)
            parts.append(
                "Idle because of it: "
                + ", ".join(
                    f"{ctx.catalog.machine_name(s)} from {ctx.fmt_t(e.ts)}" for s, e in first_idle.items()
                )
                + "."
            )
            facts["idled"] = {s: ctx.fmt_t(e.ts) for s, e in first_idle.items()}
        seq_evs = [
            e
            for e in j.events(t_stop - 300.0, t_stop + 120.0)
            if (e.kind == "machine_state")
            or (
                (tr := transition_of(e)) is not None
                and tr.action
                in (TransitionCause.ACTIVATE, TransitionCause.ACKNOWLEDGE, TransitionCause.RESET)
                and tr.snapshot.machine == mid
            )
            or (e.kind in ("operator_action", "data_gap", "connection"))
        ][:25]
        facts["sequence"] = [
            {
                "time": ctx.fmt_t(e.ts),
                "kind": str(e.kind),
                "source": e.source,
                "message": e.message[:160],
                "event": e.ref,
            }
            for e in seq_evs
        ]
        keys = (
            [ctx.fmt_t(t_stop)[:5]]
            + ([fault] if fault else [])
            + (
                [str(facts["first_out"]["name"] or facts["first_out"]["alarm"])]
                if "first_out" in facts
                else []
            )
        )
        return ToolResult(
            self.name,
            {"machine": machine, "at": at, "start": a, "end": b},
            " ".join(parts),
            facts,
            sources,
            key_facts=keys,
            localized=loc,
        )


@dataclass(frozen=True, slots=True)
class _StopRow:
    """One stop as the answer names it: from the production model (start, end, reason as the Stops
    table has them) or, without one, from a machine_state event (the stop's start)."""

    start: float
    end: float | None
    seconds: float  # inside the asked window
    reason: str  # the stop reason / fault ("" = unclassified)
    state: str  # the machine state it began in, as journaled ("Faulted", "Stopped"; "" = not known)
    category: str
    short: bool
    event: Ev | None
    # Why a stop of the production model has no reason (Stop.without_reason: "unclassified" only
    # when it needs one; a short stop needs none), as the Stops table says it.
    no_reason: str = "unclassified"
    # The reason as the Production view's Stops table words it (Stop.reason_label: "Jam (U-JAM)",
    # "short stop (speed loss)"); "" without a production model.
    label: str = ""
    # Still stopped where the window read ends (Stop.still_stopped): `end` is that window's end, not
    # the stop's, so it is said as going on, never as an end time (qa11 Q11-5).
    ongoing: bool = False

    @classmethod
    def of(
        cls, s: MachineStop, a: float, b: float, state: str = "", setup: ProductionSetup | None = None
    ) -> _StopRow:
        """`state`: the machine's state at the stop's start (`_state_at`). Never the state tag's OEE
        category (`s.state_cat`): the demo maps "Stopped" to planned_stop, and a handover read that
        as "Filler planned at 00:44:38" for start-up stops the model calls unplanned (qa9 Q9-11);
        the stop's category is `s.category`, its reason's."""
        reason = s.reason or s.auto_reason
        seconds = max(0.0, min(s.end, b) - max(s.start, a))
        return cls(
            s.start,
            s.end,
            seconds,
            reason,
            state,
            s.category,
            s.short,
            None,
            s.without_reason,
            s.reason_label(setup) if setup is not None else "",
            s.still_stopped,
        )

    @classmethod
    def of_event(cls, e: Ev) -> _StopRow:
        fault = str(e.data.get("fault") or "")
        return cls(e.ts, None, 0.0, fault, str(e.data.get("state")), "", False, e)

    def text(self, ctx: PlantTools) -> str:
        if self.end is None:
            return f"{ctx.fmt_t(self.start)} {self.state}" + (f": {self.reason}" if self.reason else "")
        what = self.cause
        kind = f"{self.category}{' short' if self.short else ''}"
        if self.ongoing:
            return (
                f"still stopped since {ctx.fmt_t(self.start)} ({fmt_duration(self.end - self.start)} so far"
                f" at {ctx.fmt_t(self.end)}, {kind}, {what})"
            )
        return f"{ctx.fmt_t(self.start)}–{ctx.fmt_t(self.end)} ({fmt_duration(self.end - self.start)}, {kind}, {what})"

    def sentence(self, ctx: PlantTools, name: str) -> str:
        """'The Filler stopped 04:31:58–04:33:20 (...)', or 'The Filler is still stopped since ...'."""
        return f"The {name} {'is' if self.ongoing else 'stopped'} {self.text(ctx)}"

    @property
    def cause(self) -> str:
        """The stop's reason as the Stops table says it, or why it has none."""
        return self.label or self.reason or self.no_reason

    def fact(self, ctx: PlantTools) -> dict[str, Any]:
        out: dict[str, Any] = {
            "time": ctx.fmt_t(self.start),
            "start_ts": round(self.start, 3),
            "state": self.state or None,
            "reason": self.reason or None,
        }
        if self.label:
            out["reason_text"] = self.label
        if self.end is not None:
            out |= {
                # Going on where the window ends: how long so far and when, no end (qa11 Q11-5).
                **(
                    {"still_stopped_at": ctx.fmt_t(self.end), "so_far_s": round(self.end - self.start)}
                    if self.ongoing
                    else {"end": ctx.fmt_t(self.end), "duration_s": round(self.end - self.start)}
                ),
                "category": self.category,
                # The Stops table's row as every answer words it (the handover quotes it).
                "text": self.text(ctx),
            }
            out["short"] = self.short
            out["ongoing"] = self.ongoing
        if self.event is not None:
            out["event"] = self.event.ref
        return out

    def source(self, ctx: PlantTools, name: str) -> Source:
        if self.event is not None:
            return _event_source(ctx, self.event, self.state + (f" ({self.reason})" if self.reason else ""))
        assert self.end is not None
        span = (
            f"since {ctx.fmt_t(self.start)}, still stopped at {ctx.fmt_t(self.end)}"
            if self.ongoing
            else f"{ctx.fmt_t(self.start)}–{ctx.fmt_t(self.end)}"
        )
        return Source(
            "kpi",
            f"{name} stop {span} (Production: Stops)",
            {"start": round(self.start, 3), "end": round(self.end, 3)},
        )


@dataclass(frozen=True, slots=True)
class _Ranking:
    """The machines by time lost to stops over a period, most first, and what was counted."""

    text: str
    localized: dict[str, str]
    facts: list[dict[str, Any]]
    top_name: str
    top_s: float


def _by_reason(rows: list[_StopRow]) -> list[tuple[str, float, int]]:
    """(reason as the Stops table says it, seconds in the range, stops) of these stops, most time
    first; equal times keep the order the reasons first came in."""
    acc: dict[str, list[float]] = {}
    for r in rows:
        t = acc.setdefault(r.cause, [0.0, 0])
        t[0] += r.seconds
        t[1] += 1
    return sorted(((k, v[0], int(v[1])) for k, v in acc.items()), key=lambda x: -x[1])


def _reasons_text(rows: list[_StopRow]) -> str:
    """ "Bearing failure (U-BEARING) 3 min 6 s, short stop (speed loss) 8 s": where a machine's time went."""
    return ", ".join(f"{label} {fmt_duration(sec)}" for label, sec, _n in _by_reason(rows) if sec > 0)


COUNTED_STOPS = (
    "each stop of the Production view's Stops table, from its start to running again, short stops"
    " included; the line's OEE counts short stops as speed loss, not downtime"
)


def _ranking(
    ctx: PlantTools,
    facts_all: list[dict[str, Any]],
    model: bool,
    rng: str,
    rows_of: dict[str, list[_StopRow]] | None = None,
) -> _Ranking:
    """Rank machines by their downtime (`downtime_s` of each machine's facts: the production model's
    stops, the Stops table's, when there is one), most first; ties keep the line order. Says what is
    counted, so "lost time" is not read as the line's downtime or as a count of stops. `rows_of`: each
    machine's Stops table rows, so the lead says what the most time went to (the reasons, in minutes)."""
    ranked = sorted(facts_all, key=lambda f: -f["downtime_s"])
    name = ctx.catalog.machine_name

    def short_of(f: dict[str, Any]) -> int:
        return sum(1 for st in f["stop_list"] if st.get("short"))

    items = []
    for f in ranked:
        n, k = f["stops"], short_of(f)
        what = f"{n} stop{'s' if n != 1 else ''}" + (f", {k} short" if k else "")
        if k and "production_downtime_s" in f:  # the figure the Production view shows beside it
            what += f"; downtime without the short ones {fmt_duration(f['production_downtime_s'])}"
        items.append(f"{name(f['machine'])} {fmt_duration(f['downtime_s'])} ({what})")
    top = ranked[0]
    counted = (
        COUNTED_STOPS
        if model
        else "time Stopped or Faulted from the machines' state changes (no production model in the journal)"
    )
    if top["downtime_s"] <= 0:
        text = f"No machine lost time to stops from {rng} (counted: {counted})."
        de = f"Keine Maschine hatte Stillstandszeit ({rng})."
        zh = f"{rng}期间没有机器停机。"
    else:
        tied = [f for f in ranked if f["downtime_s"] == top["downtime_s"]]
        lead = " and ".join(name(f["machine"]) for f in tied)
        went = [
            f"{name(f['machine'])}: {why}" if len(tied) > 1 else why
            for f in tied
            if (why := _reasons_text((rows_of or {}).get(f["machine"], [])))
        ]
        to = f": {'; '.join(went)}" if went else ""
        text = (
            f"Most time lost from {rng}: {lead} ({fmt_duration(top['downtime_s'])}{to}). Machines by time"
            f" lost to stops (counted: {counted}): " + "; ".join(items) + "."
        )
        de = (
            f"Am meisten Zeit verloren ({rng}): {lead} ({fmt_duration(top['downtime_s'])}). Nach"
            " Stillstandszeit: " + "; ".join(items) + "."
        )
        zh = (
            f"{rng}停机时间最长：{lead}（{fmt_duration(top['downtime_s'])}）。按停机时间："
            + "；".join(items)
            + "。"
        )
    facts = [{"machine": f["machine"], "downtime_s": f["downtime_s"], "stops": f["stops"]} for f in ranked]
    return _Ranking(text, {"de": de, "zh": zh}, facts, name(top["machine"]), float(top["downtime_s"]))


def _causes(ctx: PlantTools, rows_of: dict[str, list[_StopRow]], rng: str) -> _Ranking:
    """The biggest contributors to the downtime: the Stops table's time grouped by reason (as the table
    words it), most first, each with the machines it stopped and their minutes; and the single biggest
    machine-and-reason when that is not the top reason's own. Ties are all named."""
    name = ctx.catalog.machine_name
    per: dict[str, list[tuple[str, float, int]]] = {}  # reason -> (machine, seconds, stops)
    for mid, rows in rows_of.items():
        for label, sec, n in _by_reason(rows):
            per.setdefault(label, []).append((mid, sec, n))
    totals = sorted(
        (
            (label, sum(x[1] for x in ms), sum(x[2] for x in ms), sorted(ms, key=lambda x: -x[1]))
            for label, ms in per.items()
        ),
        key=lambda t: -t[1],
    )
    facts = [
        {
            "reason": label,
            "downtime_s": round(sec),
            "stops": n,
            "machines": [{"machine": m, "downtime_s": round(ms_s), "stops": k} for m, ms_s, k in ms],
        }
        for label, sec, n, ms in totals
    ]
    if not totals or totals[0][1] <= 0:
        text = f"No machine lost time to stops from {rng} (counted: {COUNTED_STOPS})."
        return _Ranking(
            text,
            {"de": f"Keine Maschine hatte Stillstandszeit ({rng}).", "zh": f"{rng}期间没有机器停机。"},
            facts,
            "",
            0.0,
        )

    def where(ms: list[tuple[str, float, int]]) -> str:
        if len(ms) == 1:
            m, _sec, k = ms[0]
            return f"{name(m)}, {k} stop{'s' if k != 1 else ''}"
        return ", ".join(f"{name(m)} {fmt_duration(sec)}" for m, sec, _k in ms)

    top_s = totals[0][1]
    tied = [t for t in totals if round(t[1]) == round(top_s)]
    lead = "; ".join(f"{label}, {fmt_duration(sec)} ({where(ms)})" for label, sec, _n, ms in tied)
    text = f"Biggest contributor to the downtime from {rng}: {lead}."
    # One machine's one reason may be bigger than any piece of the top reason ("Jam" on three machines
    # leads, the Filler's bearing failure is the single biggest stretch): say it too.
    pairs = sorted(((label, m, sec) for label, ms in per.items() for m, sec, _k in ms), key=lambda x: -x[2])
    top_pair = pairs[0]
    if len(tied) == 1 and (top_pair[0] != tied[0][0] or len(tied[0][3]) > 1):
        text += (
            f" The biggest single machine and reason: {name(top_pair[1])}, {top_pair[0]},"
            f" {fmt_duration(top_pair[2])}."
        )
    text += (
        f" Time lost by reason (counted: {COUNTED_STOPS}): "
        + "; ".join(f"{label} {fmt_duration(sec)} ({where(ms)})" for label, sec, _n, ms in totals if sec > 0)
        + "."
    )
    de_lead = "; ".join(
        f"{label}, {fmt_duration(sec)} ({', '.join(i18n.machine(m, 'de', name(m)) for m, _s, _k in ms)})"
        for label, sec, _n, ms in tied
    )
    zh_lead = "；".join(
        f"{label}，{fmt_duration(sec)}（{'、'.join(i18n.machine(m, 'zh', name(m)) for m, _s, _k in ms)}）"
        for label, sec, _n, ms in tied
    )
    localized = {
        "de": f"Größter Anteil an der Stillstandszeit ({rng}): {de_lead}.",
        "zh": f"{rng}停机时间的最大来源：{zh_lead}。",
    }
    top_machine = name(tied[0][3][0][0])
    return _Ranking(text, localized, facts, f"{top_machine}|{tied[0][0]}", float(top_s))


def _of_kind(row: _StopRow, kind: str, production: ProductionAnalysis | None) -> bool:
    """Is the stop of this kind: its reason (code and text, "U-JAM Jam") or the state it began in?"""
    label = row.reason
    if production is not None and row.reason:
        label = production.setup.reason_text(row.reason)
    return kind.lower() in f"{label} {row.reason} {row.state}".lower()


def _state_at(ctx: PlantTools, mid: str, t: float) -> str:
    """The machine's state as journaled at `t` (its state tag's label), "" when not known."""
    m = ctx.catalog.machines.get(mid)
    tag = ctx.catalog.tags.get(m.state_tag) if m is not None and m.state_tag else None
    if tag is None:
        return ""
    v = ctx.value_at(tag.name, t + 1e-3)  # the sample that began the stop is in force at its start
    return ctx.value_text(tag, v[0]) if v is not None and not math.isnan(v[0]) else ""


def _production(ctx: PlantTools, a: float, b: float) -> ProductionAnalysis | None:
    """The production model over [a, b): its stops are the Stops tab's, its LINE scope the Line row's
    (None: the journal has no production model)."""
    try:
        return ctx.production_analysis(a, b)
    except (JournalError, ValueError):
        return None


class MachineStates(Tool):
    name = "machine_states"
    description = "state history, stops, stop reasons and downtime of machines (and totals across them)"
    params = (
        Param("machine", "str"),
        *TIME_PARAMS,
        # rank: the machines by time lost; cause: the time lost by reason (the biggest contributor)
        Param("focus", "str", enum=("stops", "downtime", "rank", "cause")),
        # Only the stops of this kind: a fault ("Jam": the stop's reason, code or text, names it) or
        # the state they began in ("Faulted").
        Param("fault", "str"),
    )

    def run(self, ctx: PlantTools, **args: Any) -> ToolResult:
        machine: str | None = args.get("machine")
        focus: str | None = args.get("focus")
        kind: str | None = args.get("fault")
        j, mids, a, b, rng = ctx.scope(args)
        lines: list[str] = []
        facts_all: list[dict[str, Any]] = []
        sources: list[Source] = []
        loc: dict[str, list[str]] = {lang: [] for lang in i18n.LANGS}
        evs_all = j.events(None, b, kinds=["machine_state"], sources=mids)
        production = _production(ctx, a, b)
        analysis = list(production.stops) if production is not None else None
        setup = production.setup if production is not None else None
        rows_of: dict[str, list[_StopRow]] = {}  # each machine's stops, as its Stops table rows
        for mid in mids:
            evs = [e for e in evs_all if e.source == mid]
            before = [e for e in evs if e.ts < a]
            state = before[-1].data.get("state") if before else None
            t = a
            dur: dict[str, float] = {}
            event_stops: list[Ev] = []
            in_range = [e for e in evs if a <= e.ts < b]
            for e in in_range:
                if state is not None:
                    dur[state] = dur.get(state, 0.0) + e.ts - t
                new = e.data.get("state")
                if new in STOP_STATES and state in RUNNING_STATES:
                    event_stops.append(e)
                state, t = new, e.ts
            if state is not None:
                dur[state] = dur.get(state, 0.0) + b - t
            name = ctx.catalog.machine_name(mid)
            if analysis is not None:
                # The stops of the production model: the Production view's Stops table and the
                # shift report's (qa3: "0 stops, down 3 s" beside a listed 13:42:48-13:42:56 stop).
                stops = [
                    _StopRow.of(s, a, b, _state_at(ctx, mid, s.start), setup)
                    for s in analysis
                    if s.machine == mid and s.start < b and s.end > a
                ]
                down = sum(s.seconds for s in stops)
            else:
                stops = [_StopRow.of_event(e) for e in event_stops]
                down = sum(v for k, v in dur.items() if k in STOP_STATES)
            if kind:
                stops = [s for s in stops if _of_kind(s, kind, production)]
                down = sum(s.seconds for s in stops)
            rows_of[mid] = stops
            reasons = Counter(s.cause if s.end is not None else (s.reason or s.state) for s in stops)
            f: dict[str, Any] = {
                "machine": mid,
                "range": rng,
                "stops": len(stops),
                "state_changes": len(in_range),
                "time_in_state_s": {k: round(v) for k, v in dur.items()},
                "stop_list": [s.fact(ctx) for s in stops],
                "state_at_end": state,
                "downtime_s": round(down),
                # The Production view's downtime of the machine (short stops are speed loss there).
                **(
                    {"production_downtime_s": round(production.oee(mid, a, b).downtime_s)}
                    if production is not None
                    else {}
                ),
                "stops_from": "production model" if analysis is not None else "machine states",
            }
            txt = f"{name}: {len(stops)} stop{'s' if len(stops) != 1 else ''}"
            if stops:
                txt += " (" + "; ".join(s.text(ctx) for s in stops) + ")"
            if down > 0:
                txt += (
                    f", stopped {fmt_duration(down)} in total"
                    if analysis is not None
                    else f", down (stopped or faulted) {fmt_duration(down)}"
                )
                if any(s.ongoing for s in stops):
                    txt += " so far"
            if dur:
                txt += "; time " + ", ".join(
                    f"{k} {fmt_duration(v)}" for k, v in sorted(dur.items(), key=lambda kv: -kv[1])
                )
            if reasons and any(s.reason for s in stops):
                txt += "; stop reasons: " + ", ".join(f"{r} ×{n}" for r, n in reasons.most_common())
            lines.append(txt + ".")
            for lang in i18n.LANGS:
                lst = ""
                if stops:
                    items = ", ".join(
                        ctx.fmt_t(s.start) + (f" {i18n.fault(s.reason, lang)}" if s.reason else "")
                        for s in stops
                    )
                    lst = f" ({items})" if lang == "de" else f"（{items}）"
                dn = ""
                if down > 0:
                    dn = (
                        f", Stillstand {fmt_duration(down)}"
                        if lang == "de"
                        else f"，停机时长{fmt_duration(down)}"
                    )
                loc[lang].append(
                    i18n.msg(
                        "stops",
                        machine=i18n.machine(mid, lang, name),
                        the_machine=i18n.the_machine(mid, name, capital=True),
                        word="Stillstand" if len(stops) == 1 else "Stillstände",
                        n=len(stops),
                        range=ctx.short_range(a, b).replace("-", " bis ")
                        if lang == "de"
                        else ctx.short_range(a, b),
                        list=lst,
                        down=dn,
                    )[lang]
                )
            facts_all.append(f)
            for s in stops[:5]:
                sources.append(s.source(ctx, name))
        head = f"From {rng}: "
        tail = ""
        line_down: float | None = None
        added_up = ""
        facts_line: dict[str, Any] = {}
        if len(facts_all) > 1:
            tot_stops = sum(f["stops"] for f in facts_all)
            tot_down = sum(f["downtime_s"] for f in facts_all)
            ranked = sorted(facts_all, key=lambda f: -f["stops"])
            most = ""
            if ranked[0]["stops"] > 0 and (len(ranked) < 2 or ranked[0]["stops"] > ranked[1]["stops"]):
                most = (
                    f"; most stops: {ctx.catalog.machine_name(ranked[0]['machine'])} ({ranked[0]['stops']})"
                )
            by_down = sorted(facts_all, key=lambda f: -f["downtime_s"])
            if by_down[0]["downtime_s"] > 0 and by_down[0]["downtime_s"] > by_down[1]["downtime_s"]:
                longest = by_down[0]
                most += (
                    f"; longest down: {ctx.catalog.machine_name(longest['machine'])}"
                    f" ({fmt_duration(longest['downtime_s'])})"
                )
            tail = f" All machines together: {tot_stops} stops, down {fmt_duration(tot_down)} in total{most}."
            if production is not None and set(mids) == set(ctx.catalog.machines):
                # The line's downtime is the production model's (the Production view's Line row), not
                # the machines' stops added up: those overlap (one stop idles its neighbours).
                line_down = production.oee(LINE).downtime_s
                added_up = (
                    f" Machine stops added up (they overlap, so this is not the line's downtime):"
                    f" {tot_stops} stops, {fmt_duration(tot_down)}{most}."
                )
                tail = (
                    f" The line was down {fmt_duration(line_down)} in total (Production view, Line row)."
                    + added_up
                )
                loc["de"].append(
                    f"Die Linie stand insgesamt {fmt_duration(line_down)} (Produktion, Zeile Linie)."
                )
                loc["zh"].append(f"产线停机总时长{fmt_duration(line_down)}（生产视图，产线行）。")
                facts_line = {"line_downtime_s": round(line_down)}
            top_m = ranked[0]["machine"] if most else ""
            loc["de"].append(
                f"Alle Maschinen zusammen: {tot_stops} Stillstände, Stillstandszeit {fmt_duration(tot_down)}"
                + (
                    f"; die meisten Stillstände hatte {i18n.the_machine(top_m, top_m)} ({ranked[0]['stops']})"
                    if top_m and ranked[0]["stops"] > ranked[1]["stops"]
                    else ""
                )
                + "."
            )
            loc["zh"].append(
                f"所有机器合计：停机{tot_stops}次，停机时长{fmt_duration(tot_down)}"
                + (
                    f"；停机最多的是{i18n.machine(top_m, 'zh', top_m)}（{ranked[0]['stops']}次）"
                    if top_m and ranked[0]["stops"] > ranked[1]["stops"]
                    else ""
                )
                + "。"
            )
        keys: list[str] = []
        body = head + " ".join(lines) + tail
        ranking: _Ranking | None = None
        if focus == "cause" and analysis is not None:
            ranking = _causes(ctx, rows_of, rng)
            facts_line["by_reason"] = ranking.facts
        elif focus in ("rank", "cause") and len(facts_all) > 1:
            # "cause" without a production model: no reasons to group, the machines by time lost.
            ranking = _ranking(ctx, facts_all, production is not None, rng, rows_of)
            facts_line["ranking"] = ranking.facts
        if ranking is not None:
            # The lead names what lost the most (machine, reason, minutes), then what it is made of.
            keys = [
                k
                for k in (*ranking.top_name.split("|"), fmt_duration(ranking.top_s))
                if k and ranking.top_s > 0
            ]
            line_txt = (
                f" The line was down {fmt_duration(line_down)} in total (Production view, Line row)."
                if line_down is not None
                else ""
            )
            body = ranking.text + line_txt + " Per machine: " + " ".join(lines)
            for lang in i18n.LANGS:
                loc[lang] = [ranking.localized[lang]]
        if ranking is None and line_down is not None and focus == "downtime":
            keys = [fmt_duration(line_down)]
            # The figure asked for first: the line's downtime, then what it is made of.
            body = (
                f"The line was down {fmt_duration(line_down)} in total from {rng} (Production view, Line row)."
                + added_up
                + " Per machine: "
                + " ".join(lines)
            )
        if len(facts_all) == 1 and not (focus == "cause" and analysis is not None):
            f0 = facts_all[0]
            keys = [fmt_duration(f0["downtime_s"])] if focus == "downtime" else [f"{f0['stops']} stop"]
        if kind:
            # The length asked for first: each stop of that kind and their total, and what is counted.
            lead = []
            for f in facts_all:
                n = f["stops"]
                nm = ctx.catalog.machine_name(f["machine"])
                if n == 0:
                    lead.append(f"No {kind} stop of the {nm} from {rng}.")
                    continue
                lead.append(
                    f"The {nm} had {n} {kind} stop{'s' if n != 1 else ''} from {rng}, {fmt_duration(f['downtime_s'])}"
                    " in total (each from the stop to running again"
                    + (", as the Production view's Stops table" if analysis is not None else "")
                    + "): "
                    + "; ".join(st.get("text") or f"{st['time']} {st['state']}" for st in f["stop_list"])
                    + "."
                )
            body = " ".join(lead) + " " + body
            keys = [fmt_duration(f["downtime_s"]) for f in facts_all[:1] if f["stops"]]
            loc = {lang: [] for lang in i18n.LANGS}  # the per-kind lead is English only
        return ToolResult(
            self.name,
            {"machine": machine, "start": a, "end": b, "range": rng},
            body,
            {"machines": facts_all, **facts_line},
            sources,
            key_facts=keys,
            localized={lang: " ".join(v) for lang, v in loc.items()},
        )
