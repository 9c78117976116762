"""Alarms: the alarms in a state at a moment (replayed from the journal), or activations in a period."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hmi.core.alarms.event_codec import AlarmSnapshot, AlarmTransition, TransitionCause, transitions
from hmi.core.alarms.model import AlarmState, state_and_since
from inference.assistant import i18n
from inference.assistant.tools.base import TIME_PARAMS, Param, Source, Tool, ToolResult
from inference.assistant.tools.context import PlantTools
from inference.assistant.tools.fmt import alarm_name

ALARM_STATES = (
    "unacknowledged",
    "active",
    "standing",
    "acknowledged",
    "latched",
    "shelved",
    "suppressed",
    "out_of_service",
)
_HIDDEN = ("shelved", "suppressed", "out_of_service")
# The states a person puts an alarm in, and the words for having done it.
_PUT_BY = {"shelved": "shelved", "out_of_service": "taken out of service"}
_PUT_BY_DE = {"shelved": "zurückgestellt", "out_of_service": "außer Betrieb genommen"}
_PUT_ACTIONS = {TransitionCause.SHELVE: "shelved", TransitionCause.OUT_OF_SERVICE: "out_of_service"}


def _hidden_by(ctx: PlantTools, alarms: set[str], at: float) -> dict[str, AlarmTransition]:
    """For each alarm, the last transition up to `at` that shelved it or took it out of service (who,
    when, the reason given): the answer to "why/who" for an alarm in such a state."""
    if not alarms:
        return {}
    j = ctx.need_journal()
    out: dict[str, AlarmTransition] = {}
    for t in transitions(j.events(at - 7 * 86400.0, at, kinds=["alarm"])):
        if t.alarm in alarms and t.action in _PUT_ACTIONS:
            out[t.alarm] = t
    return out


def _put_by_de(ctx: PlantTools, by: AlarmTransition | None, state: str) -> str:
    if by is None or state not in _PUT_BY_DE:
        return ""
    why = f", Grund: „{by.note}“" if by.note else ""
    return f" ({_PUT_BY_DE[state]} von {by.user or 'jemandem'} um {ctx.fmt_t(by.ts)}{why})"


def state_label(state: str) -> str:
    """The engine's wording of an alarm state ("Returned to normal, unacknowledged")."""
    try:
        return AlarmState(state).label
    except ValueError:
        return state.replace("_", " ")


def matches(s: AlarmSnapshot, state: str) -> bool:
    st = s.state
    if state == "unacknowledged":
        return st != "normal" and not s.acked and st not in _HIDDEN
    if state == "active":
        return s.active and st not in _HIDDEN
    if state == "standing":
        return st not in ("normal", "suppressed")
    return st == state


class Alarms(Tool):
    name = "alarms"
    description = "alarms by machine, state, priority and time"
    params = (
        Param("machine", "str"),
        Param("state", "str", enum=ALARM_STATES),
        Param("priority", "str", enum=("urgent", "high", "medium", "low")),
        Param("alarm", "str"),
        *TIME_PARAMS,
    )

    def run(self, ctx: PlantTools, **args: Any) -> ToolResult:
        machine: str | None = args.get("machine")
        state: str | None = args.get("state")
        priority: str | None = args.get("priority")
        alarm: str | None = args.get("alarm")
        mids = set(ctx.resolve_machine(machine)) if machine else None
        where = f" on the {ctx.catalog.machine_name(machine)}" if machine and mids and len(mids) == 1 else ""
        pr = f" {priority}-priority" if priority else ""
        out_args: dict[str, Any] = {"machine": machine, "state": state, "priority": priority, "alarm": alarm}
        if state:
            return self._in_state(ctx, state, args.get("end"), mids, priority, alarm, where, pr, out_args)
        return self._history(
            ctx, args.get("start"), args.get("end"), mids, priority, alarm, where, pr, out_args
        )

    def _in_state(
        self,
        ctx: PlantTools,
        state: str,
        end: float | None,
        mids: set[str] | None,
        priority: str | None,
        alarm: str | None,
        where: str,
        pr: str,
        args: dict[str, Any],
    ) -> ToolResult:
        at = end if end is not None else ctx.now()
        snaps = ctx.alarm_snapshots(at)
        rows: list[tuple[AlarmSnapshot, float]] = []
        for aid, (data, ts) in snaps.items():
            d = AlarmSnapshot.from_data(data)
            if mids is not None and d.machine not in mids:
                continue
            if priority and d.priority != priority:
                continue
            if alarm and aid != alarm:
                continue
            if matches(d, state):
                rows.append((d, ts))
        rows.sort(key=lambda r: (r[0].priority_level or 9, -(r[0].activated_at or r[1])))
        hidden_by = _hidden_by(ctx, {d.alarm for d, _ts in rows if d.state in _PUT_BY}, at)
        state_word = {"out_of_service": "out of service", "standing": "standing (not normal)"}.get(
            state, state
        )
        plural, verb = ("", "is") if len(rows) == 1 else ("s", "are")
        head = f"{len(rows)}{pr} alarm{plural}{where} {verb} {state_word} at {ctx.fmt_t(at)}"
        items: list[str] = []
        facts: list[dict[str, Any]] = []
        sources: list[Source] = []
        for d, ts in rows[:15]:
            act = d.activated_at
            since = state_and_since(d, ts)[1]
            name = alarm_name(d.name or d.alarm)
            # Named with the value it was raised with, as the banner names it (qa11 Q11-2).
            named = ctx.alarm_headline(d)
            item = f"{named} ({d.priority} priority, {state_label(d.state)}"
            by = hidden_by.get(d.alarm)
            if by is not None:
                # Who hid it, when and why: the transition that put it there, not when it was raised.
                item += f" since {ctx.fmt_t(by.ts)}: {_PUT_BY[d.state]} by {by.user or 'someone'}"
                item += f", reason: “{by.note}”" if by.note else ", no reason given"
                if act:
                    item += f"; the alarm was raised at {ctx.fmt_t(act)}"
            elif since:
                # When it entered its state (acknowledged at, returned at), not its activation.
                item += f", since {ctx.fmt_t(since)}"
            if d.acked_by:
                item += f", acknowledged by {d.acked_by}"
            items.append(item + ")")
            facts.append(
                {
                    "alarm": d.alarm,
                    "name": d.name,
                    "headline": named,
                    "value": ctx.alarm_value_text(d) or None,
                    "priority": d.priority,
                    "state": d.state,
                    "active": d.active,
                    "acked": d.acked,
                    "activated_at": ctx.fmt_t(act) if act else None,
                    "in_this_state_since": ctx.fmt_t(since) if since else None,
                    "count": d.count,
                    "comment": snaps[d.alarm][0].get("comment") or None,
                    **(
                        {"put_by": by.user, "put_at": ctx.fmt_t(by.ts), "reason": by.note or None}
                        if by is not None
                        else {}
                    ),
                }
            )
            sources.append(Source("alarm", f"Alarm “{name}”", {"alarm": d.alarm}))
        summary = head + (": " + "; ".join(items) + "." if items else ".")
        if len(rows) > 15:
            summary += f" ({len(rows) - 15} more not listed.)"
        args.update({"at": at})
        keys = [f"{len(rows)}{pr} alarm"] + [alarm_name(d.name or d.alarm) for d, _ts in rows[:1]]
        names = "; ".join(
            ctx.alarm_headline(d) + _put_by_de(ctx, hidden_by.get(d.alarm), d.state) for d, _ts in rows[:15]
        )
        state_de = {"unacknowledged": "nicht quittiert", "active": "aktiv", "standing": "anstehend"}.get(
            state, state_word
        )
        state_zh = {"unacknowledged": "未确认的", "active": "活动的", "standing": "未恢复的"}.get(
            state, state_word
        )
        machine_id = next(iter(mids)) if mids and len(mids) == 1 and where else ""
        localized = {
            "de": f"{len(rows)} Alarme sind um {ctx.fmt_t(at)} {state_de}"
            + (f" {i18n.the_machine(machine_id, '', dative=True)}" if machine_id else "")
            + (f": {names}." if names else "."),
            "zh": f"{ctx.fmt_t(at)}"
            + (f"{i18n.machine(machine_id, 'zh', '')}" if machine_id else "")
            + f"有{len(rows)}个{state_zh}报警"
            + (f"：{names}。" if names else "。"),
        }
        return ToolResult(
            self.name,
            args,
            summary,
            {"count": len(rows), "at": ctx.fmt_t(at), "alarms": facts},
            sources,
            key_facts=keys,
            localized=localized,
        )

    def _history(
        self,
        ctx: PlantTools,
        start: float | None,
        end: float | None,
        mids: set[str] | None,
        priority: str | None,
        alarm: str | None,
        where: str,
        pr: str,
        args: dict[str, Any],
    ) -> ToolResult:
        j = ctx.need_journal()
        a, b = ctx.range_of(start, end)
        evs = [
            t
            for t in transitions(j.events(a, b, kinds=["alarm"]))
            if t.action == TransitionCause.ACTIVATE and t.annunciated
        ]
        if mids is not None:
            evs = [e for e in evs if e.snapshot.machine in mids]
        if priority:
            evs = [e for e in evs if e.snapshot.priority == priority]
        if alarm:
            evs = [e for e in evs if e.alarm == alarm]
        counts = Counter(e.alarm for e in evs)
        rng = ctx.range_label(a, b)
        summary = f"{len(evs)}{pr} alarm activation{'s' if len(evs) != 1 else ''}{where} from {rng}"
        facts_list: list[dict[str, Any]] = []
        sources: list[Source] = []
        if evs:
            parts = []
            for aid, n in counts.most_common(10):
                first = next(e for e in evs if e.alarm == aid)
                name = alarm_name(first.snapshot.name or aid)
                # The value the first of them was raised with (its own, as journaled: qa11 Q11-2).
                value = ctx.alarm_value_text(first.snapshot)
                with_value = f" with {value}" if value else ""
                parts.append(
                    f"{name} ×{n} (first at {ctx.fmt_t(first.ts)}{with_value}, {first.snapshot.priority})"
                )
                facts_list.append(
                    {
                        "alarm": aid,
                        "name": first.snapshot.name,
                        "count": n,
                        "priority": first.snapshot.priority,
                        "first": ctx.fmt_t(first.ts),
                        "first_value": value or None,
                    }
                )
                sources.append(Source("alarm", f"Alarm “{name}”", {"alarm": aid}))
            summary += ": " + "; ".join(parts)
        per_machine = Counter(e.snapshot.machine for e in evs)
        if mids is None and len(per_machine) > 1:
            top, n_top = per_machine.most_common(1)[0]
            tied = sum(1 for n in per_machine.values() if n == n_top) > 1
            summary += (
                ". Per machine: "
                + ", ".join(f"{ctx.catalog.machine_name(m)} {n}" for m, n in per_machine.most_common())
                + ("" if tied else f" (most: {ctx.catalog.machine_name(top)})")
            )
        summary += "."
        args.update({"start": a, "end": b, "range": rng})
        return ToolResult(
            self.name,
            args,
            summary,
            {
                "activations": len(evs),
                "distinct": len(counts),
                "range": rng,
                "alarms": facts_list,
                "per_machine": dict(per_machine),
            },
            sources,
            key_facts=[f"{len(evs)}{pr} alarm"],
        )
