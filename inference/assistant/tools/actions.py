"""Who did what: operator actions from the journal (alarm acknowledgements, resets, shelving,
out of service, limit changes with their comments and reasons; setpoint writes from what to what;
refused attempts from the audit trail)."""

from __future__ import annotations

from typing import Any

from hmi.core.alarms.event_codec import AlarmTransition, TransitionCause, transition_of
from inference.assistant import i18n
from inference.assistant.journal_access import Ev
from inference.assistant.tools.base import TIME_PARAMS, Param, Source, Tool, ToolResult
from inference.assistant.tools.context import PlantTools
from inference.assistant.tools.fmt import alarm_name, fmt_num

# The operator's causes of alarm transitions (the journal's `action`), as a sentence's verb.
ALARM_ACTIONS: dict[str, str] = {
    TransitionCause.ACKNOWLEDGE: "acknowledged",
    TransitionCause.RESET: "reset",
    TransitionCause.SHELVE: "shelved",
    TransitionCause.UNSHELVE: "unshelved",
    TransitionCause.OUT_OF_SERVICE: "took out of service",
    TransitionCause.RETURN_TO_SERVICE: "returned to service",
    TransitionCause.LIMIT_CHANGED: "changed the limit of",
}
# The tool's `action` filter: those causes, setpoint writes and refused attempts.
ACTION_FILTERS = (*(str(c) for c in ALARM_ACTIONS), "write", "refused")


def _target_machine(ctx: PlantTools, target: str) -> str:
    """The machine of an audited target: a tag's or an alarm's machine; "" for anything else (a log-in)."""
    t = ctx.catalog.tags.get(target)
    if t is not None:
        return t.machine
    a = ctx.catalog.alarms.get(target)
    return a.machine if a is not None else ""


class OperatorActions(Tool):
    name = "operator_actions"
    description = "who did what: acknowledgements, resets, shelving, setpoint changes, refused attempts"
    params = (
        Param("machine", "str"),
        Param("action", "str", enum=ACTION_FILTERS),
        Param("user", "str"),
        Param("tag", "str"),
        *TIME_PARAMS,
    )

    def run(self, ctx: PlantTools, **args: Any) -> ToolResult:
        machine: str | None = args.get("machine")
        action: str | None = args.get("action")
        user: str | None = args.get("user")
        tag: str | None = args.get("tag")
        j = ctx.need_journal()
        mids = set(ctx.resolve_machine(machine)) if machine else None
        a, b = ctx.range_of(args.get("start"), args.get("end"))
        rng = ctx.range_label(a, b)
        # (time, user, what, detail, event, kind)
        items: list[tuple[float, str, str, str, Ev, str]] = []
        groups: dict[tuple[float, str, str, str], list[tuple[AlarmTransition, Ev]]] = {}
        for e in j.events(a, b, kinds=["alarm", "operator_action", "audit"]):
            d = e.data
            if e.kind == "alarm":
                tr = transition_of(e)
                if tr is None or tr.action not in ALARM_ACTIONS or not tr.user:
                    continue
                if action not in (None, tr.action) or (mids is not None and tr.snapshot.machine not in mids):
                    continue
                groups.setdefault((round(e.ts, 1), tr.user, tr.action, tr.note), []).append((tr, e))
            elif e.kind == "operator_action" and d.get("action") == "write":
                if action not in (None, "write") or "ok" not in d:  # the outcome row, not the request
                    continue
                t_name = str(d.get("tag") or e.source)
                t_info = ctx.catalog.tags.get(t_name)
                if mids is not None and (t_info is None or t_info.machine not in mids):
                    continue
                if tag and t_name != tag:
                    continue
                label = t_info.label if t_info else t_name
                unit = t_info.unit if t_info else ""
                old, new = d.get("old"), d.get("value")
                what = (
                    f"changed {label} from {fmt_num(old, unit)} to {fmt_num(new, unit)}"
                    if isinstance(old, int | float)
                    else f"set {label} to {fmt_num(new, unit)}"
                )
                if not d.get("ok"):
                    what += " (the write failed)"
                items.append((e.ts, e.user, what, "", e, "write"))
            elif e.kind == "audit" and d.get("result") not in (None, "ok"):
                if action not in (None, "refused"):
                    continue
                # A refused attempt belongs to the machine of what it targeted (a tag or an alarm): asked
                # about the capper, a refused filler setpoint write is not the capper's.
                target = str(d.get("target") or e.source or "")
                if tag and target != tag:
                    continue
                if mids is not None and _target_machine(ctx, target) not in mids:
                    continue
                items.append(
                    (
                        e.ts,
                        e.user or "someone",
                        f"tried to {d.get('action', 'act')} {d.get('target', '')}".strip()
                        + f" - {d.get('result')}",
                        str(d.get("detail") or ""),
                        e,
                        "refused",
                    )
                )
        for (ts, who, act, note), trs in groups.items():
            names = [alarm_name(x.snapshot.name or x.alarm) for x, _e in trs]
            what = f"{ALARM_ACTIONS[act]} {len(names)} alarm{'s' if len(names) != 1 else ''} ({'; '.join(names[:6])})"
            if act == TransitionCause.LIMIT_CHANGED:
                d0 = trs[0][0].data
                what += f" from {fmt_num(d0.get('old_limit'))} to {fmt_num(d0.get('new_limit'))}"
            items.append((ts, who, what, note, trs[0][1], act))
        if user:
            items = [i for i in items if i[1].lower() == user.lower()]
        items.sort(key=lambda i: i[0])
        if not items:
            what = action.replace("_", " ") if action else "operator action"
            where = f" on the {ctx.catalog.machine_name(next(iter(mids)))}" if mids and len(mids) == 1 else ""
            return ToolResult(
                self.name,
                {"machine": machine, "action": action, "start": a, "end": b},
                f"No {what}{where} is recorded from {rng}" + (f" by {user}" if user else "") + ".",
                {"actions": []},
                [],
                localized=i18n.msg("who_none", span=ctx.short_range(a, b)),
            )
        lines = []
        loc: dict[str, list[str]] = {lang: [] for lang in i18n.LANGS}
        facts = []
        sources = []
        for ts, who, what, note, ev, kind in items[:12]:
            lines.append(
                f"{who or 'someone'} {what} at {ctx.fmt_t(ts)}"
                + (f", comment: “{note}”" if note else "")
                + "."
            )
            for lang in i18n.LANGS:
                act_word = i18n.ACTIONS[lang].get(kind, kind)
                obj = what.split(" (", 1)[1].rstrip(")") if "(" in what and kind in ALARM_ACTIONS else what
                if lang == "de":
                    loc[lang].append(
                        f"{who} hat um {ctx.fmt_t(ts)} {act_word}: {obj}"
                        + (f" (Kommentar: „{note}“)" if note else "")
                        + "."
                    )
                else:
                    loc[lang].append(
                        f"{who}于{ctx.fmt_t(ts)}{act_word}：{obj}"
                        + (f"（备注：“{note}”）" if note else "")
                        + "。"
                    )
            facts.append(
                {
                    "time": ctx.fmt_t(ts),
                    "user": who,
                    "action": kind,
                    "what": what,
                    "comment": note or None,
                    "event": ev.ref,
                }
            )
            sources.append(
                Source(
                    "event",
                    f"{ctx.fmt_t(ts)} {who}: {what}",
                    {"file": ev.file, "id": ev.id, "t": round(ts, 3)},
                )
            )
        users = sorted({i[1] for i in items if i[1]})
        head = f"From {rng}, " + (
            f"{len(users)} user{'s' if len(users) != 1 else ''} acted ({', '.join(users)}): "
            if len(users) > 1
            else ""
        )
        more = f" ({len(items) - 12} more not listed.)" if len(items) > 12 else ""
        return ToolResult(
            self.name,
            {"machine": machine, "action": action, "user": user, "start": a, "end": b, "range": rng},
            head + " ".join(lines) + more,
            {"actions": facts, "users": users},
            sources,
            key_facts=[items[0][1]] if items[0][1] else [],
            localized={lang: " ".join(v) for lang, v in loc.items()},
        )
