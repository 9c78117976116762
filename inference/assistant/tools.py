"""Tools over the plant's data: typed functions that return facts, a rendering and their sources.

Every tool returns a `ToolResult`:

- `summary`: the deterministic answer in words (what the pane shows when no
  language model runs, or when the grounding guard rejects the model's text);
- `facts`: the same content as plain JSON (what a language model is given);
- `sources`: clickable references (alarm -> alarm table, time -> trend,
  procedure -> document section, event -> event list).

Tools never act on the plant (read-only journal, live values through a
callable) and never take instructions from the data they read: comments and
documents are quoted as data.

Event shapes read here (see docs/assistant.md):

- `machine_state`: source = machine id, data {from, to, state, fault};
- `alarm`: docs/alarms.md (snapshot + event/action/annunciated/first_out...);
- `advisory` (fault model): source = machine id, data {machine, model, risk (0..1),
  rul_s (seconds, or rul_h hours), failure_mode, horizon_s};
- `qc` (visual QC): source = machine/station id, data {machine, verdict ("ok" |
  "defect"/"reject"), defect (class name), score, image}.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hmi.core import quality as q
from inference.assistant.catalog import Catalog, TagInfo
from inference.assistant.journal_access import Ev, JournalSource
from inference.assistant.procedures import ProcedureIndex
from inference.assistant.timeparse import ShiftCalendar

LiveSnapshot = Callable[[], Mapping[str, tuple[float, int, float]]]  # tag -> (value, status, source_ts)

NOT_RUNNING = ("Stopped", "Faulted", "Idle")


# --- results ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """A clickable reference. `kind`: alarm | trend | procedure | event | kpi | qc | advisory."""

    kind: str
    label: str
    ref: dict[str, Any] = field(default_factory=dict)

    def uri(self) -> str:
        r = self.ref
        if self.kind == "alarm":
            return f"linehmi://alarm/{r.get('alarm', '')}"
        if self.kind == "trend":
            q_ = f"t={r.get('t', '')}"
            if "t0" in r:
                q_ += f"&t0={r['t0']}&t1={r['t1']}"
            return f"linehmi://trend/{r.get('tag', '')}?{q_}"
        if self.kind == "procedure":
            return f"linehmi://procedure/{r.get('doc', '')}#{r.get('anchor', '')}"
        if self.kind == "event":
            return f"linehmi://event/{r.get('file', '')}/{r.get('id', '')}"
        return f"linehmi://{self.kind}/" + "/".join(str(v) for v in r.values())

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "ref": dict(self.ref), "uri": self.uri()}


@dataclass
class ToolResult:
    tool: str
    args: dict[str, Any]
    summary: str
    facts: dict[str, Any] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    ok: bool = True
    error: str = ""
    # The facts an answer must state (a number, a state word, an alarm id): a model's phrasing that
    # leaves them out is replaced by `summary`, like one that states something the facts lack.
    key_facts: list[str] = field(default_factory=list)

    def grounding_text(self) -> str:
        """Everything an answer may quote: the rendering, the facts and the arguments."""
        return "\n".join(
            [
                self.summary,
                json.dumps(self.facts, ensure_ascii=False, default=str),
                json.dumps(self.args, default=str),
            ]
            + [s.label for s in self.sources]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "args": self.args,
            "ok": self.ok,
            "error": self.error,
            "summary": self.summary,
            "key_facts": self.key_facts,
            "facts": self.facts,
            "sources": [s.to_dict() for s in self.sources],
        }


class ToolError(ValueError):
    """A tool call that cannot run (unknown tag, bad argument): str() says what was expected."""


# --- formatting ---------------------------------------------------------------------------------------


def fmt_num(v: float, unit: str = "") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    a = abs(v)
    if float(v).is_integer() and a < 1e6:
        s = f"{int(v)}"
    elif a >= 100 or a >= 10:
        s = f"{v:.1f}"
    elif unit == "%" or a >= 1:
        s = f"{v:.2f}"
    else:
        s = f"{v:.3f}".rstrip("0").rstrip(".") or "0"
    return f"{s} {unit}".strip() if unit else s


def fmt_duration(s: float) -> str:
    s = max(0.0, float(s))
    if s < 60:
        return f"{s:.0f} s"
    m, sec = divmod(round(s), 60)
    if m < 60:
        return f"{m} min {sec} s" if sec else f"{m} min"
    h, m = divmod(m, 60)
    return f"{h} h {m} min" if m else f"{h} h"


def quality_word(status: int) -> str:
    return {q.Quality.GOOD: "Good", q.Quality.UNCERTAIN: "Uncertain"}.get(q.quality_of(status), "Bad")


# --- tool schema (for language-model tool choice and for validation) -------------------------------------


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: str  # "str" | "float" | "int"
    required: bool = False
    enum: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    description: str
    params: tuple[Param, ...] = ()

    def validate(self, args: Mapping[str, Any]) -> dict[str, Any]:
        known = {p.name: p for p in self.params}
        unknown = set(args) - set(known)
        if unknown:
            raise ToolError(f"{self.name}: unknown argument(s) {', '.join(sorted(unknown))}")
        out: dict[str, Any] = {}
        for p in self.params:
            if p.name not in args or args[p.name] in (None, ""):
                if p.required:
                    raise ToolError(f"{self.name}: argument '{p.name}' is required")
                continue
            v = args[p.name]
            try:
                if p.type == "float":
                    v = float(v)
                    if not math.isfinite(v):
                        raise ValueError
                elif p.type == "int":
                    v = int(v)
                else:
                    v = str(v)
            except (TypeError, ValueError):
                raise ToolError(
                    f"{self.name}: argument '{p.name}' must be a {p.type}, got {args[p.name]!r}"
                ) from None
            if p.enum and v not in p.enum:
                raise ToolError(
                    f"{self.name}: argument '{p.name}' must be one of {', '.join(p.enum)}, got {v!r}"
                )
            out[p.name] = v
        return out


_T = (
    Param("start", "float", description="POSIX seconds"),
    Param("end", "float", description="POSIX seconds"),
)
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

TOOL_SPECS: dict[str, ToolSpec] = {
    s.name: s
    for s in (
        ToolSpec(
            "current_value",
            "current value and quality of a tag (name or description)",
            (Param("tag", "str", True),),
        ),
        ToolSpec(
            "machine_status", "current state, fault code and speed of machines", (Param("machine", "str"),)
        ),
        ToolSpec(
            "tag_stats",
            "min/max/mean of a tag over a time range",
            (Param("tag", "str", True), *_T, Param("stat", "str", enum=("min", "max", "mean"))),
        ),
        ToolSpec(
            "alarms",
            "alarms by machine, state, priority and time",
            (
                Param("machine", "str"),
                Param("state", "str", enum=ALARM_STATES),
                Param("priority", "str", enum=("urgent", "high", "medium", "low")),
                Param("alarm", "str"),
                *_T,
            ),
        ),
        ToolSpec(
            "event_sequence",
            "what happened around a time: the stop, the first-out alarm, the events before and after",
            (Param("machine", "str"), Param("at", "float"), *_T),
        ),
        ToolSpec(
            "machine_states",
            "state history, stops and stop reasons of machines",
            (Param("machine", "str"), *_T, Param("focus", "str", enum=("stops", "downtime"))),
        ),
        ToolSpec(
            "qc_rates",
            "reject and defect rates (counters and visual QC)",
            (Param("machine", "str"), *_T, Param("focus", "str", enum=("rejects", "defects", "production"))),
        ),
        ToolSpec(
            "fault_risk",
            "fault-model failure risk and remaining useful life per machine",
            (Param("machine", "str"), *_T),
        ),
        ToolSpec("alarm_kpis", "ISA-18.2 alarm KPIs (alarm rate, floods, chattering, top alarms)", _T),
        ToolSpec(
            "search_procedures",
            "search the SOPs and troubleshooting guides",
            (Param("query", "str", True), Param("machine", "str"), Param("k", "int")),
        ),
    )
}


# --- the tools ---------------------------------------------------------------------------------------------


class PlantTools:
    """The assistant's tools over one line's journal (+ live values when the app runs)."""

    def __init__(
        self,
        catalog: Catalog,
        journal: JournalSource | None,
        calendar: ShiftCalendar | None = None,
        *,
        live: LiveSnapshot | None = None,
        procedures: ProcedureIndex | None = None,
        clock: Callable[[], float] | None = None,
        now: float | None = None,
    ) -> None:
        self.catalog = catalog
        self.journal = journal
        self.calendar = calendar or ShiftCalendar.default()
        self.live = live
        self.procedures = procedures
        self._clock = clock
        self._fixed_now = now

    # --- time -------------------------------------------------------------------------------------
    def now(self) -> float:
        """The clock questions are asked against: the app's clock, a fixed time, or the end of the journal."""
        if self._fixed_now is not None:
            return self._fixed_now
        if self._clock is not None:
            return self._clock()
        if self.journal is not None:
            _lo, hi = self.journal.span()
            if hi is not None:
                self._fixed_now = hi + 0.001
                return self._fixed_now
        return time.time()

    def fmt_t(self, ts: float | None, date: bool = False) -> str:
        if ts is None or (isinstance(ts, float) and math.isnan(ts)):
            return "n/a"
        d = self.calendar.to_local(ts)
        return d.strftime("%Y-%m-%d %H:%M:%S" if date else "%H:%M:%S")

    def _range(
        self, start: float | None, end: float | None, default_s: float | None = None
    ) -> tuple[float, float]:
        now = self.now()
        b = end if end is not None else now
        if start is not None:
            return start, b
        if default_s is not None:
            return b - default_s, b
        _s, a, _e = self.calendar.shift_at(b - 1e-6)
        return a, b

    def _range_label(self, a: float, b: float) -> str:
        da, db = self.calendar.to_local(a), self.calendar.to_local(b)
        if da.date() == db.date():
            return f"{da:%H:%M:%S}-{db:%H:%M:%S} on {da:%Y-%m-%d}"
        return f"{da:%Y-%m-%d %H:%M:%S} to {db:%Y-%m-%d %H:%M:%S}"

    def _need_journal(self) -> JournalSource:
        if self.journal is None:
            raise ToolError(
                "no journal is open: history questions need a journal file (--db) or the running app"
            )
        return self.journal

    # --- resolution ---------------------------------------------------------------------------------
    def resolve_tag(self, text: str) -> list[TagInfo]:
        c = self.catalog
        if text in c.tags:
            return [c.tags[text]]
        named = c.find_tag_names(text)
        if named:
            return [c.tags[m.id] for m in named]
        machines = c.find_machines(text)
        mid = machines[0].id if machines else None
        found = c.best_tags(text, mid)
        if not found:
            close = c.closest_names(text.split()[-1] if text.split() else text)
            hint = f"; closest names: {', '.join(close)}" if close else ""
            raise ToolError(f"no tag matches {text!r}{hint}")
        return found

    def resolve_machine(self, machine: str | None) -> list[str]:
        if not machine:
            return list(self.catalog.machines)
        if machine in self.catalog.machines:
            return [machine]
        found = self.catalog.find_machines(machine)
        if not found:
            close = self.catalog.closest_names(machine)
            names = ", ".join(m.name for m in self.catalog.machines.values())
            raise ToolError(
                f"there is no machine called {machine!r} on {self.catalog.line_name}"
                + (f" (closest: {', '.join(close)})" if close else "")
                + f"; machines: {names}"
            )
        return [found[0].id]

    def _value_text(self, tag: TagInfo, v: float) -> str:
        if tag.data_type == "enum" and tag.states:
            return tag.state_label(v)
        return fmt_num(v, tag.unit)

    # --- current values ---------------------------------------------------------------------------------
    def _current(self, name: str) -> tuple[float, int, float, str] | None:
        """(value, status, source_ts, origin) from the live feed, else the journal's last sample."""
        if self.live is not None:
            try:
                snap = self.live()
            except Exception:
                snap = {}
            if name in snap:
                v, st, ts = snap[name]
                if not (isinstance(ts, float) and math.isnan(ts)):
                    return float(v), int(st), float(ts), "live"
        if self.journal is not None:
            r = self.journal.last_before(name, self.now())
            if r is not None:
                return r[1], r[2], r[0], "journal"
        return None

    def current_value(self, tag: str) -> ToolResult:
        tags = self.resolve_tag(tag)[:6]
        now = self.now()
        lines: list[str] = []
        facts: list[dict[str, Any]] = []
        sources: list[Source] = []
        for t in tags:
            cur = self._current(t.name)
            if cur is None:
                lines.append(f"{t.label} ({t.name}): no value recorded.")
                facts.append({"tag": t.name, "label": t.label, "value": None})
                continue
            v, st, ts, origin = cur
            qual = quality_word(st)
            age = now - ts
            vtxt = self._value_text(t, v) if not math.isnan(v) else "no value"
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
                extra += f", beyond its {'/'.join(k.upper() for k in crossed)} limit"
            qtxt = "" if qual == "Good" else f" (quality {qual}: {q.status_name(st)})"
            when = f"at {self.fmt_t(ts)}" + (f", {fmt_duration(age)} ago" if age > 5 else "")
            src = "" if origin == "live" else " (last value in the journal)"
            lines.append(f"{t.label} ({t.name}) is {vtxt}{qtxt}{extra} — {when}{src}.")
            facts.append(
                {
                    "tag": t.name,
                    "label": t.label,
                    "value": None if math.isnan(v) else round(v, 4),
                    "text": vtxt,
                    "unit": t.unit,
                    "quality": qual,
                    "status": q.status_name(st),
                    "time": self.fmt_t(ts),
                    "origin": origin,
                }
            )
            sources.append(
                Source("trend", f"Trend {t.name} at {self.fmt_t(ts)}", {"tag": t.name, "t": round(ts, 3)})
            )
        keys = [
            f["text"].split()[0] if f.get("unit") and f.get("text") else f.get("text")
            for f in facts[:2]
            if f.get("value") is not None
        ]
        return ToolResult(
            "current_value",
            {"tag": tag},
            " ".join(lines),
            {"values": facts},
            sources,
            key_facts=[k for k in keys if k],
        )

    def machine_status(self, machine: str | None = None) -> ToolResult:
        mids = self.resolve_machine(machine)
        lines: list[str] = []
        facts: list[dict[str, Any]] = []
        sources: list[Source] = []
        for mid in mids:
            m = self.catalog.machines[mid]
            parts: dict[str, Any] = {"machine": mid, "name": m.name}
            txt = f"{m.name}: "
            if m.state_tag:
                cur = self._current(m.state_tag)
                st_tag = self.catalog.tags.get(m.state_tag)
                if cur and st_tag and not math.isnan(cur[0]):
                    state = st_tag.state_label(cur[0])
                    parts["state"] = state
                    txt += state
                    parts["since"] = self._state_since(mid, state)
                    if parts["since"]:
                        txt += f" since {self.fmt_t(parts['since'])}"
                    sources.append(
                        Source("trend", f"Trend {m.state_tag}", {"tag": m.state_tag, "t": round(cur[2], 3)})
                    )
                else:
                    txt += "state unknown"
            if m.fault_tag:
                cur = self._current(m.fault_tag)
                ft = self.catalog.tags.get(m.fault_tag)
                if cur and ft and not math.isnan(cur[0]) and cur[0] != 0:
                    parts["fault"] = ft.state_label(cur[0])
                    txt += f" (fault: {parts['fault']})"
            if m.speed_tag:
                cur = self._current(m.speed_tag)
                sp = self.catalog.tags.get(m.speed_tag)
                if cur and sp and not math.isnan(cur[0]):
                    parts["speed"] = round(cur[0], 1)
                    txt += f", speed {fmt_num(cur[0], sp.unit)}"
            lines.append(txt + ".")
            facts.append(parts)
        keys = [f["state"] for f in facts if f.get("state")] if len(facts) <= 2 else []
        return ToolResult(
            "machine_status",
            {"machine": machine},
            " ".join(lines),
            {"machines": facts},
            sources,
            key_facts=keys,
        )

    def _state_since(self, mid: str, state: str) -> float | None:
        if self.journal is None:
            return None
        evs = self.journal.events(
            None, self.now(), kinds=["machine_state"], sources=[mid], limit=1, newest_first=True
        )
        if evs and evs[0].data.get("state") == state:
            return evs[0].ts
        return None

    # --- statistics ---------------------------------------------------------------------------------------
    def tag_stats(
        self, tag: str, start: float | None = None, end: float | None = None, stat: str | None = None
    ) -> ToolResult:
        j = self._need_journal()
        tags = self.resolve_tag(tag)[:4]
        a, b = self._range(start, end, default_s=3600.0)
        data = j.samples([t.name for t in tags], a, b)
        lines: list[str] = []
        facts: list[dict[str, Any]] = []
        sources: list[Source] = []
        for t in tags:
            s = data[t.name]
            good = (s.status & 0xC0000000) == 0 if len(s) else np.zeros(0, bool)
            v = s.value[good & ~np.isnan(s.value)] if len(s) else s.value
            ts = s.source_ts[good & ~np.isnan(s.value)] if len(s) else s.source_ts
            if len(v) == 0:
                lines.append(f"{t.label} ({t.name}): no good samples between {self._range_label(a, b)}.")
                facts.append({"tag": t.name, "samples": 0})
                continue
            imax, imin = int(np.argmax(v)), int(np.argmin(v))
            f: dict[str, Any] = {
                "tag": t.name,
                "label": t.label,
                "unit": t.unit,
                "samples": len(s),
                "good_samples": len(v),
                "min": round(float(v[imin]), 3),
                "min_time": self.fmt_t(float(ts[imin])),
                "max": round(float(v[imax]), 3),
                "max_time": self.fmt_t(float(ts[imax])),
                "mean": round(float(np.mean(v)), 3),
                "last": round(float(v[-1]), 3),
                "good_pct": round(100.0 * len(v) / len(s), 1),
            }
            txt = (
                f"{t.label} ({t.name}) from {self._range_label(a, b)}: mean {fmt_num(f['mean'], t.unit)}, "
                f"min {fmt_num(f['min'], t.unit)} at {f['min_time']}, "
                f"max {fmt_num(f['max'], t.unit)} at {f['max_time']}"
                f" ({len(v)} good samples"
                + (f", {fmt_num(f['good_pct'])} % good" if f["good_pct"] < 100 else "")
                + ")"
            )
            above = [(k, lim) for k, lim in t.limits.items() if k.startswith("h") and f["max"] >= lim]
            if above:
                k, lim = max(above, key=lambda kl: kl[1])
                txt += f"; it reached its {k.upper()} limit ({lim:g} {t.unit})".replace(" )", ")")
                f["limit_reached"] = k
            lines.append(txt + ".")
            facts.append(f)
            sources.append(
                Source(
                    "trend",
                    f"Trend {t.name} {self._range_label(a, b)}",
                    {"tag": t.name, "t": round(float(ts[imax]), 3), "t0": round(a, 3), "t1": round(b, 3)},
                )
            )
        which = stat if stat in ("min", "max", "mean") else "mean"
        keys = [fmt_num(f[which]) for f in facts[:2] if f.get("samples")]
        return ToolResult(
            "tag_stats",
            {"tag": tag, "start": a, "end": b, "range": self._range_label(a, b), "stat": stat},
            " ".join(lines),
            {"stats": facts},
            sources,
            key_facts=keys,
        )

    # --- alarms -----------------------------------------------------------------------------------------------
    def alarm_snapshots(self, at: float) -> dict[str, tuple[dict[str, Any], float]]:
        """Alarm states at `at`, replayed from the journal (last checkpoint, then transitions)."""
        j = self._need_journal()
        snaps: dict[str, tuple[dict[str, Any], float]] = {}
        for ev in j.events(at - 7 * 86400.0, at, kinds=["alarm"]):
            d = ev.data
            if d.get("event") == "checkpoint":
                snaps = {
                    s["alarm"]: (s, ev.ts)
                    for s in d.get("alarms", [])
                    if isinstance(s, dict) and "alarm" in s
                }
            elif d.get("event") == "transition" and "alarm" in d:
                snaps[d["alarm"]] = (d, ev.ts)
        return snaps

    @staticmethod
    def _state_matches(d: dict[str, Any], state: str) -> bool:
        st = str(d.get("state", ""))
        if state == "unacknowledged":
            return (
                st != "normal"
                and not d.get("acked", True)
                and st not in ("shelved", "suppressed", "out_of_service")
            )
        if state == "active":
            return bool(d.get("active")) and st not in ("shelved", "suppressed", "out_of_service")
        if state == "standing":
            return st not in ("normal", "suppressed")
        return st == state

    def alarms(
        self,
        machine: str | None = None,
        state: str | None = None,
        priority: str | None = None,
        start: float | None = None,
        end: float | None = None,
        alarm: str | None = None,
    ) -> ToolResult:
        mids = set(self.resolve_machine(machine)) if machine else None
        args: dict[str, Any] = {"machine": machine, "state": state, "priority": priority, "alarm": alarm}
        if state:
            at = end if end is not None else self.now()
            snaps = self.alarm_snapshots(at)
            rows = []
            for aid, (d, ts) in snaps.items():
                if mids is not None and d.get("machine") not in mids:
                    continue
                if priority and str(d.get("priority", "")).lower() != priority:
                    continue
                if alarm and aid != alarm:
                    continue
                if not self._state_matches(d, state):
                    continue
                rows.append((d, ts))
            rows.sort(
                key=lambda r: (int(r[0].get("priority_level") or 9), -(r[0].get("activated_at") or r[1]))
            )
            where = (
                f" on the {self.catalog.machine_name(machine)}" if machine and mids and len(mids) == 1 else ""
            )
            pr = f" {priority}-priority" if priority else ""
            state_word = {"out_of_service": "out of service", "standing": "standing (not normal)"}.get(
                state, state
            )
            plural, verb = ("", "is") if len(rows) == 1 else ("s", "are")
            head = f"{len(rows)}{pr} alarm{plural}{where} {verb} {state_word} at {self.fmt_t(at)}"
            items: list[str] = []
            facts: list[dict[str, Any]] = []
            sources: list[Source] = []
            for d, _ts in rows[:15]:
                act = d.get("activated_at")
                item = f"{d['alarm']} ({d.get('name', '')}, {d.get('priority', '')}, {d.get('state', '')}"
                if act:
                    item += f", since {self.fmt_t(act)}"
                if d.get("acked_by"):
                    item += f", acknowledged by {d['acked_by']}"
                items.append(item + ")")
                facts.append(
                    {
                        "alarm": d["alarm"],
                        "name": d.get("name"),
                        "priority": d.get("priority"),
                        "state": d.get("state"),
                        "active": d.get("active"),
                        "acked": d.get("acked"),
                        "activated_at": self.fmt_t(act) if act else None,
                        "count": d.get("count"),
                        "comment": d.get("comment") or None,
                    }
                )
                sources.append(Source("alarm", f"Alarm {d['alarm']}", {"alarm": d["alarm"]}))
            summary = head + (": " + "; ".join(items) + "." if items else ".")
            if len(rows) > 15:
                summary += f" ({len(rows) - 15} more not listed.)"
            args.update({"at": at})
            keys = [f"{len(rows)} alarm"] + [d["alarm"] for d, _ts in rows[:1]]
            return ToolResult(
                "alarms",
                args,
                summary,
                {"count": len(rows), "at": self.fmt_t(at), "alarms": facts},
                sources,
                key_facts=keys,
            )

        # History: annunciated activations in the period.
        j = self._need_journal()
        a, b = self._range(start, end)
        evs = [
            e
            for e in j.events(a, b, kinds=["alarm"])
            if e.data.get("event") == "transition"
            and e.data.get("action") == "activate"
            and e.data.get("annunciated")
        ]
        if mids is not None:
            evs = [e for e in evs if e.data.get("machine") in mids]
        if priority:
            evs = [e for e in evs if str(e.data.get("priority", "")).lower() == priority]
        if alarm:
            evs = [e for e in evs if e.data.get("alarm") == alarm]
        counts = Counter(e.data["alarm"] for e in evs)
        where = f" on the {self.catalog.machine_name(machine)}" if machine and mids and len(mids) == 1 else ""
        pr = f" {priority}-priority" if priority else ""
        summary = f"{len(evs)}{pr} alarm activation{'s' if len(evs) != 1 else ''}{where} from {self._range_label(a, b)}"
        facts_list: list[dict[str, Any]] = []
        sources = []
        if evs:
            parts = []
            for aid, n in counts.most_common(10):
                first = next(e for e in evs if e.data["alarm"] == aid)
                parts.append(
                    f"{aid} ×{n} (first at {self.fmt_t(first.ts)}, {first.data.get('priority', '')})"
                )
                facts_list.append(
                    {
                        "alarm": aid,
                        "name": first.data.get("name"),
                        "count": n,
                        "priority": first.data.get("priority"),
                        "first": self.fmt_t(first.ts),
                    }
                )
                sources.append(Source("alarm", f"Alarm {aid}", {"alarm": aid}))
            summary += ": " + "; ".join(parts)
        summary += "."
        args.update({"start": a, "end": b, "range": self._range_label(a, b)})
        return ToolResult(
            "alarms",
            args,
            summary,
            {
                "activations": len(evs),
                "distinct": len(counts),
                "range": self._range_label(a, b),
                "alarms": facts_list,
            },
            sources,
            key_facts=[f"{len(evs)} alarm"],
        )

    # --- what happened around a time --------------------------------------------------------------------------
    def event_sequence(
        self,
        machine: str | None = None,
        at: float | None = None,
        start: float | None = None,
        end: float | None = None,
    ) -> ToolResult:
        j = self._need_journal()
        mids = self.resolve_machine(machine) if machine else list(self.catalog.machines)
        if at is not None:
            a, b = at - 900.0, at + 300.0
        else:
            a, b = self._range(start, end)
        # The stop: a machine_state event into Faulted/Stopped from a running-ish state (Faulted -> Stopped
        # is the same stop), closest to `at`, else the latest in the range (faults before plain stops).
        stops = [e for e in self._stops(j, mids, a - 3600.0, b) if e.ts >= a]
        if not stops:
            states = j.events(a, b, kinds=["machine_state"], sources=mids)
            stops = [e for e in states if e.data.get("state") == "Idle" and e.data.get("from") is not None]
        if at is not None:
            stops.sort(key=lambda e: abs(e.ts - at) if e.ts <= at + 60 else 1e9 + e.ts - at)
        else:
            stops.sort(key=lambda e: (e.data.get("state") != "Faulted", -e.ts))
        where = f" the {self.catalog.machine_name(mids[0])}" if len(mids) == 1 else " any machine"
        if not stops:
            span = f"around {self.fmt_t(at)}" if at is not None else f"from {self._range_label(a, b)}"
            return ToolResult(
                "event_sequence",
                {"machine": machine, "at": at, "start": a, "end": b},
                f"No stop of{where} is recorded {span}.",
                {"stop": None},
                [],
            )
        stop = stops[0]
        mid = stop.source
        mname = self.catalog.machine_name(mid)
        t_stop = stop.ts
        fault = stop.data.get("fault") or ""
        # Alarms of this machine that activated in the minute before the stop (and just after).
        window = [
            e
            for e in j.events(t_stop - 120.0, t_stop + 15.0, kinds=["alarm"])
            if e.data.get("event") == "transition"
        ]
        acts = [e for e in window if e.data.get("action") == "activate" and e.data.get("machine") == mid]
        first_out: Ev | None = None
        for e in acts:
            fo = e.data.get("first_out_of")
            if fo:
                cand = [x for x in acts if x.data.get("alarm") == fo]
                if cand:
                    first_out = cand[0]
                    break
                older = [
                    x
                    for x in j.events(t_stop - 900.0, t_stop + 15.0, kinds=["alarm"])
                    if x.data.get("alarm") == fo and x.data.get("action") == "activate"
                ]
                if older:
                    first_out = older[-1]
                    break
        if first_out is None:
            flagged = [e for e in acts if e.data.get("first_out")]
            first_out = flagged[0] if flagged else (acts[0] if acts else None)
        # Key signals out of their normal band in the 10 minutes before the stop.
        m = self.catalog.machines.get(mid)
        signals: list[dict[str, Any]] = []
        w0 = t_stop - 600.0
        if m is not None and m.key_tags:
            ran = [
                e
                for e in j.events(t_stop - 600.0, t_stop, kinds=["machine_state"], sources=[mid])
                if e.data.get("state") == "Running"
            ]
            w0 = ran[-1].ts if ran else t_stop - 600.0
            data = j.samples(list(m.key_tags), w0, t_stop + 1.0)
            for name in m.key_tags:
                t = self.catalog.tags.get(name)
                s = data[name]
                if t is None or not len(s) or t.normal is None:
                    continue
                good = ((s.status & 0xC0000000) == 0) & ~np.isnan(s.value)
                if not good.any():
                    bad_from = float(s.source_ts[~good][0]) if (~good).any() else None
                    signals.append(
                        {"tag": name, "label": t.label, "quality": "Bad", "since": self.fmt_t(bad_from)}
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
                            "max": round(float(v[i]), 2),
                            "at": self.fmt_t(float(ts[i])),
                            "normal_hi": hi,
                            "unit": t.unit,
                        }
                    )
        # The sequence: this machine's state changes, alarms and operator actions around the stop.
        seq_evs = [
            e
            for e in j.events(t_stop - 300.0, t_stop + 120.0)
            if (e.kind == "machine_state")
            or (
                e.kind == "alarm"
                and e.data.get("event") == "transition"
                and e.data.get("action") in ("activate", "acknowledge", "reset")
                and e.data.get("machine") == mid
            )
            or (e.kind in ("operator_action", "data_gap", "connection"))
        ][:25]
        restart = next(
            (
                e
                for e in j.events(t_stop, None, kinds=["machine_state"], sources=[mid])
                if e.data.get("state") == "Running"
            ),
            None,
        )
        parts = [
            f"The {mname} stopped at {self.fmt_t(t_stop)}: {stop.data.get('state')}"
            + (f" ({fault})" if fault else "")
            + "."
        ]
        facts: dict[str, Any] = {
            "machine": mid,
            "stop_time": self.fmt_t(t_stop, True),
            "state": stop.data.get("state"),
            "fault": fault or None,
            "event": stop.ref,
        }
        sources = [
            Source(
                "event",
                f"Event {stop.ref} {mname} {stop.data.get('state')} {self.fmt_t(t_stop)}",
                {"file": stop.file, "id": stop.id, "t": round(t_stop, 3)},
            )
        ]
        if first_out is not None:
            d = first_out.data
            val = d.get("value")
            vt = ""
            if isinstance(val, int | float) and d.get("tag") in self.catalog.tags:
                vt = f", value {self._value_text(self.catalog.tags[d['tag']], float(val))}"
            parts.append(
                f"First-out alarm: {d['alarm']} ({d.get('name', '')}) at {self.fmt_t(first_out.ts)}{vt}."
            )
            facts["first_out"] = {
                "alarm": d["alarm"],
                "name": d.get("name"),
                "time": self.fmt_t(first_out.ts),
                "priority": d.get("priority"),
            }
            sources.append(Source("alarm", f"Alarm {d['alarm']} (first-out)", {"alarm": d["alarm"]}))
        others = [
            e.data["alarm"] for e in acts if first_out is None or e.data["alarm"] != first_out.data["alarm"]
        ]
        if others:
            parts.append(f"Also: {', '.join(dict.fromkeys(others))}.")
            facts["other_alarms"] = list(dict.fromkeys(others))
        for sg in signals[:3]:
            if "max" in sg:
                normal = f"{sg['normal_hi']:g} {sg['unit']}".strip()
                parts.append(
                    f"Before the stop {sg['label']} ({sg['tag']}) rose to {fmt_num(sg['max'], sg['unit'])} "
                    f"at {sg['at']} (normal up to {normal})."
                )
                sources.append(
                    Source(
                        "trend",
                        f"Trend {sg['tag']} before the stop",
                        {
                            "tag": sg["tag"],
                            "t": round(t_stop, 3),
                            "t0": round(w0, 3),
                            "t1": round(t_stop + 60, 3),
                        },
                    )
                )
            else:
                parts.append(f"{sg['label']} ({sg['tag']}) had bad quality before the stop.")
        facts["signals"] = signals
        if restart is not None:
            parts.append(
                f"Running again at {self.fmt_t(restart.ts)} (down {fmt_duration(restart.ts - t_stop)})."
            )
            facts["restart_time"] = self.fmt_t(restart.ts)
            facts["down_s"] = round(restart.ts - t_stop)
        facts["sequence"] = [
            {
                "time": self.fmt_t(e.ts),
                "kind": e.kind,
                "source": e.source,
                "message": e.message[:160],
                "event": e.ref,
            }
            for e in seq_evs
        ]
        args = {"machine": machine, "at": at, "start": a, "end": b}
        keys = (
            [self.fmt_t(t_stop)[:5]]
            + ([fault] if fault else [])
            + ([facts["first_out"]["alarm"]] if "first_out" in facts else [])
        )
        return ToolResult("event_sequence", args, " ".join(parts), facts, sources, key_facts=keys)

    @staticmethod
    def _stops(j: JournalSource, mids: list[str], a: float, b: float) -> list[Ev]:
        """Transitions into Faulted/Stopped from a running-ish state (Running, Idle, Starting)."""
        out = []
        last: dict[str, str | None] = {}
        for e in j.events(a, b, kinds=["machine_state"], sources=mids):
            new = e.data.get("state")
            prev = last.get(e.source)
            if new in ("Faulted", "Stopped") and prev in ("Running", "Idle", "Starting"):
                out.append(e)
            last[e.source] = new
        return out

    # --- machine state history ------------------------------------------------------------------------------
    def machine_states(
        self,
        machine: str | None = None,
        start: float | None = None,
        end: float | None = None,
        focus: str | None = None,
    ) -> ToolResult:
        j = self._need_journal()
        mids = self.resolve_machine(machine)
        a, b = self._range(start, end)
        lines, facts_all, sources = [], [], []
        evs_all = j.events(None, b, kinds=["machine_state"], sources=mids)
        for mid in mids:
            evs = [e for e in evs_all if e.source == mid]
            before = [e for e in evs if e.ts < a]
            state = before[-1].data.get("state") if before else None
            t = a
            dur: dict[str, float] = {}
            stops = []
            in_range = [e for e in evs if a <= e.ts < b]
            for e in in_range:
                if state is not None:
                    dur[state] = dur.get(state, 0.0) + e.ts - t
                new = e.data.get("state")
                if new in ("Faulted", "Stopped") and state in ("Running", "Idle", "Starting"):
                    stops.append(e)
                state, t = new, e.ts
            if state is not None:
                dur[state] = dur.get(state, 0.0) + b - t
            reasons = Counter((e.data.get("fault") or e.data.get("state")) for e in stops)
            name = self.catalog.machine_name(mid)
            f: dict[str, Any] = {
                "machine": mid,
                "range": self._range_label(a, b),
                "stops": len(stops),
                "state_changes": len(in_range),
                "time_in_state_s": {k: round(v) for k, v in dur.items()},
                "stop_list": [
                    {
                        "time": self.fmt_t(e.ts),
                        "state": e.data.get("state"),
                        "reason": e.data.get("fault") or None,
                        "event": e.ref,
                    }
                    for e in stops
                ],
                "state_at_end": state,
            }
            down = sum(v for k, v in dur.items() if k in ("Faulted", "Stopped"))
            f["downtime_s"] = round(down)
            txt = f"{name}: {len(stops)} stop{'s' if len(stops) != 1 else ''}"
            if stops:
                txt += (
                    " ("
                    + "; ".join(
                        f"{self.fmt_t(e.ts)} {e.data.get('state')}"
                        + (f": {e.data.get('fault')}" if e.data.get("fault") else "")
                        for e in stops
                    )
                    + ")"
                )
            if down > 0:
                txt += f", down (stopped or faulted) {fmt_duration(down)}"
            if dur:
                txt += "; time " + ", ".join(
                    f"{k} {fmt_duration(v)}" for k, v in sorted(dur.items(), key=lambda kv: -kv[1])
                )
            if reasons and any(e.data.get("fault") for e in stops):
                top = ", ".join(f"{r} ×{n}" for r, n in reasons.most_common())
                txt += f"; stop reasons: {top}"
            lines.append(txt + ".")
            facts_all.append(f)
            for e in stops[:5]:
                sources.append(
                    Source(
                        "event",
                        f"Event {e.ref} {name} {e.data.get('state')} {self.fmt_t(e.ts)}",
                        {"file": e.file, "id": e.id, "t": round(e.ts, 3)},
                    )
                )
        head = f"From {self._range_label(a, b)}: "
        keys: list[str] = []
        if len(facts_all) == 1:
            f0 = facts_all[0]
            keys = [fmt_duration(f0["downtime_s"])] if focus == "downtime" else [f"{f0['stops']} stop"]
        return ToolResult(
            "machine_states",
            {"machine": machine, "start": a, "end": b, "range": self._range_label(a, b)},
            head + " ".join(lines),
            {"machines": facts_all},
            sources,
            key_facts=keys,
        )

    # --- quality -----------------------------------------------------------------------------------------------
    def _counter_delta(self, tag: str, a: float, b: float) -> float | None:
        j = self._need_journal()
        s = j.samples([tag], a, b)[tag]
        prev = j.last_before(tag, a)
        vals = [prev[1]] if prev is not None and not math.isnan(prev[1]) else []
        good = ((s.status & 0xC0000000) == 0) & ~np.isnan(s.value) if len(s) else np.zeros(0, bool)
        vals += [float(x) for x in s.value[good]]
        if len(vals) < 2:
            return 0.0 if vals else None
        d = np.diff(np.asarray(vals))
        # A counter that goes down was reset: count from zero again.
        arr = np.asarray(vals)
        return float(np.sum(np.where(d >= 0, d, arr[1:])))

    def qc_rates(
        self,
        machine: str | None = None,
        start: float | None = None,
        end: float | None = None,
        focus: str | None = None,
    ) -> ToolResult:
        j = self._need_journal()
        mids = self.resolve_machine(machine)
        a, b = self._range(start, end)
        per: list[dict[str, Any]] = []
        sources: list[Source] = []
        tot_good = tot_rej = 0.0
        last_good = None
        for mid in mids:
            m = self.catalog.machines[mid]
            if not (m.good_tag and m.reject_tag):
                continue
            g = self._counter_delta(m.good_tag, a, b)
            r = self._counter_delta(m.reject_tag, a, b)
            if g is None or r is None:
                continue
            n = g + r
            rate = 100.0 * r / n if n > 0 else None
            per.append(
                {
                    "machine": mid,
                    "good": int(g),
                    "rejects": int(r),
                    "reject_rate_pct": None if rate is None else round(rate, 2),
                }
            )
            tot_good += g
            tot_rej += r
            last_good = g
            sources.append(
                Source(
                    "trend",
                    f"Trend {m.reject_tag}",
                    {"tag": m.reject_tag, "t": round(b, 3), "t0": round(a, 3), "t1": round(b, 3)},
                )
            )
        # Visual QC verdicts (events of kind "qc").
        qc = [
            e
            for e in j.events(a, b, kinds=["qc"])
            if not mids
            or len(mids) == len(self.catalog.machines)
            or (e.data.get("machine") or e.source) in mids
        ]
        inspected = len(qc)
        defects = [e for e in qc if _is_defect(e.data)]
        classes = Counter(
            str(e.data.get("defect") or e.data.get("class") or e.data.get("label") or "defect")
            for e in defects
        )
        parts = []
        rng = self._range_label(a, b)
        if per:
            if len(per) > 1:
                # Line figure: bottles rejected anywhere / (rejected + finished at the end of the line).
                line_rate = (
                    100.0 * tot_rej / (tot_rej + (last_good or 0.0))
                    if (tot_rej + (last_good or 0.0)) > 0
                    else None
                )
                parts.append(
                    f"Reject rate from {rng}: line "
                    f"{fmt_num(round(line_rate, 2), '%') if line_rate is not None else 'n/a'} "
                    f"({int(tot_rej)} rejects, {int(last_good or 0)} good bottles at the end of the line)."
                )
            for p in per:
                rr = "n/a" if p["reject_rate_pct"] is None else fmt_num(p["reject_rate_pct"], "%")
                parts.append(
                    f"{self.catalog.machine_name(p['machine'])}: {rr} rejects "
                    f"({p['rejects']} of {p['good'] + p['rejects']} bottles; {p['good']} good)."
                )
        if inspected:
            dr = 100.0 * len(defects) / inspected
            cls = ", ".join(f"{c} {n}" for c, n in classes.most_common(5))
            parts.append(
                f"Visual QC: {len(defects)} defects in {inspected} inspected ({fmt_num(round(dr, 2), '%')})"
                + (f": {cls}" if cls else "")
                + "."
            )
            for e in defects[:3]:
                sources.append(
                    Source(
                        "qc",
                        f"QC {e.ref} {e.data.get('defect') or 'defect'} {self.fmt_t(e.ts)}",
                        {"file": e.file, "id": e.id, "t": round(e.ts, 3), "image": e.data.get("image")},
                    )
                )
        if not parts:
            parts.append(f"No production counters or QC results are recorded from {rng}.")
        facts: dict[str, Any] = {
            "range": rng,
            "machines": per,
            "line_rejects": int(tot_rej),
            "line_good": int(last_good or 0),
            "line_reject_rate_pct": round(100.0 * tot_rej / (tot_rej + (last_good or 0.0)), 2)
            if per and (tot_rej + (last_good or 0.0)) > 0
            else None,
            "qc_inspected": inspected,
            "qc_defects": len(defects),
            "qc_defect_rate_pct": round(100.0 * len(defects) / inspected, 2) if inspected else None,
            "qc_classes": dict(classes),
        }
        keys: list[str] = []
        if focus == "defects" and facts["qc_defect_rate_pct"] is not None:
            keys.append(fmt_num(facts["qc_defect_rate_pct"], "%").split()[0])
        elif focus == "production" and len(per) == 1:
            keys.append(str(per[0]["good"]))
        elif facts["line_reject_rate_pct"] is not None and len(per) > 1:
            keys.append(fmt_num(facts["line_reject_rate_pct"], "%").split()[0])
        elif len(per) == 1 and per[0]["reject_rate_pct"] is not None:
            keys.append(fmt_num(per[0]["reject_rate_pct"], "%").split()[0])
        elif facts["qc_defect_rate_pct"] is not None:
            keys.append(fmt_num(facts["qc_defect_rate_pct"], "%").split()[0])
        return ToolResult(
            "qc_rates",
            {"machine": machine, "start": a, "end": b, "range": rng},
            " ".join(parts),
            facts,
            sources,
            key_facts=keys,
        )

    # --- fault model ---------------------------------------------------------------------------------------------
    def fault_risk(
        self, machine: str | None = None, start: float | None = None, end: float | None = None
    ) -> ToolResult:
        """Latest risk/RUL per machine: the fault predictor's derived tags (`<machine>.fault_risk` in %,
        `<machine>.predicted_rul` in s) when they are recorded, else its `advisory` events."""
        j = self._need_journal()
        mids = self.resolve_machine(machine)
        b = end if end is not None else self.now()
        a = start if start is not None else b - 86400.0
        latest: dict[str, Ev] = {}
        for e in j.events(a, b, kinds=["advisory"]):
            mid = str(e.data.get("machine") or e.source)
            if mid in mids and _first_num(e.data, _RISK_KEYS) is not None:
                latest[mid] = e
        # (machine, risk 0..1, rul_s, time, event or None, derived tag or "")
        rows: list[tuple[str, float | None, float | None, float, Ev | None, str]] = []
        for mid in mids:
            ev = latest.get(mid)
            tag = f"{mid}.fault_risk"
            cur = self._current(tag) if tag in self.catalog.tags else None
            if cur is not None and not math.isnan(cur[0]) and cur[2] >= a:
                rul_cur = (
                    self._current(f"{mid}.predicted_rul")
                    if f"{mid}.predicted_rul" in self.catalog.tags
                    else None
                )
                rul_v = rul_cur[0] if rul_cur is not None and not math.isnan(rul_cur[0]) else None
                rows.append((mid, cur[0] / 100.0, rul_v, cur[2], ev, tag))
            elif ev is not None:
                rul = _first_num(ev.data, ("rul_s",))
                if rul is None and (h := _first_num(ev.data, ("rul_h", "rul_hours"))) is not None:
                    rul = h * 3600.0
                if rul is None and (mn := _first_num(ev.data, ("rul_min",))) is not None:
                    rul = mn * 60.0
                rows.append((mid, _first_num(ev.data, _RISK_KEYS), rul, ev.ts, ev, ""))
        if not rows:
            return ToolResult(
                "fault_risk",
                {"machine": machine, "start": a, "end": b},
                "No fault-model risk is recorded"
                + (f" for the {self.catalog.machine_name(mids[0])}" if len(mids) == 1 else "")
                + f" from {self._range_label(a, b)} (the fault model may not be running).",
                {"advisories": []},
                [],
            )
        rows.sort(key=lambda r: -(r[1] if r[1] is not None else -1))
        parts: list[str] = []
        facts: list[dict[str, Any]] = []
        sources: list[Source] = []
        for mid, risk, rul, ts, adv, tag in rows:
            d = adv.data if adv is not None else {}
            mode = d.get("failure_mode") or d.get("mode") or ""
            signals = [
                str(x["signal"]) for x in d.get("top_signals", []) if isinstance(x, dict) and x.get("signal")
            ]
            risk_txt = fmt_num(round(100 * risk, 1)) + " %" if risk is not None else "n/a"
            txt = f"{self.catalog.machine_name(mid)}: risk {risk_txt}"
            if rul is not None:
                txt += f", remaining useful life about {fmt_duration(rul)}"
            if mode:
                txt += f" ({mode})"
            if signals:
                txt += f", driven by {', '.join(signals[:3])}"
            txt += f" — {'predicted' if tag else 'advisory'} at {self.fmt_t(ts)}"
            parts.append(txt)
            facts.append(
                {
                    "machine": mid,
                    "risk_pct": None if risk is None else round(100 * risk, 1),
                    "rul_s": None if rul is None else round(rul),
                    "failure_mode": mode or None,
                    "top_signals": signals or None,
                    "model": d.get("model"),
                    "time": self.fmt_t(ts),
                    "event": adv.ref if adv is not None else None,
                }
            )
            if tag:
                sources.append(
                    Source("trend", f"Trend {tag} at {self.fmt_t(ts)}", {"tag": tag, "t": round(ts, 3)})
                )
            if adv is not None:
                sources.append(
                    Source(
                        "advisory",
                        f"Advisory {adv.ref} {self.catalog.machine_name(mid)} {self.fmt_t(adv.ts)}",
                        {"file": adv.file, "id": adv.id, "t": round(adv.ts, 3)},
                    )
                )
        top = rows[0]
        head = ""
        tied = (
            len(rows) > 1
            and rows[1][1] is not None
            and top[1] is not None
            and round(rows[1][1], 3) >= round(top[1], 3)
        )
        if tied:
            head = "No machine stands out: the highest risks are equal. "
        elif len(rows) > 1 and top[1] is not None:
            head = f"Most at risk: the {self.catalog.machine_name(top[0])}. "
        keys = [] if tied else [self.catalog.machine_name(top[0])]
        keys += [fmt_num(round(100 * top[1], 1))] if top[1] is not None else []
        return ToolResult(
            "fault_risk",
            {"machine": machine, "start": a, "end": b},
            head + "; ".join(parts) + ". (Predictions of the fault model, not alarms.)",
            {"advisories": facts},
            sources,
            key_facts=keys,
        )

    # --- alarm KPIs -----------------------------------------------------------------------------------------------
    def alarm_kpis(self, start: float | None = None, end: float | None = None) -> ToolResult:
        from hmi.core.alarms import figures, kpi

        j = self._need_journal()
        a, b = self._range(start, end)
        files = j.files(a, b)
        if not files:
            raise ToolError("no journal file covers that period")
        r = kpi.report(files, a, b)
        top = ", ".join(f"{c.alarm} ×{c.count}" for c in r.top10[:3])
        summary = (
            f"Alarm KPIs from {self._range_label(a, b)}: {r.annunciated} alarms annunciated, "
            f"alarm rate {figures.rate_text(r.per_10min_avg, r.annunciated, a, b)} (target about 1), "
            f"peak {r.per_10min_peak} in 10 min, "
            f"{r.flood_periods} flood period{'s' if r.flood_periods != 1 else ''} (> 10 in 10 min), "
            f"{len(r.chattering)} chattering, {r.unacked_at_end} unacknowledged at the end "
            f"({figures.UNACKED.counts})" + (f"; most frequent: {top}" if top else "") + "."
        )
        facts = {
            "range": self._range_label(a, b),
            "annunciated": r.annunciated,
            "per_10min_avg": round(r.per_10min_avg, 2),
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
        sources = [
            Source("kpi", f"Alarm KPIs {self._range_label(a, b)}", {"start": round(a, 3), "end": round(b, 3)})
        ]
        sources += [Source("alarm", f"Alarm {c.alarm}", {"alarm": c.alarm}) for c in r.top10[:3]]
        keys = [str(r.annunciated), fmt_num(round(r.per_10min_avg, 2))]
        return ToolResult(
            "alarm_kpis",
            {"start": a, "end": b, "range": self._range_label(a, b)},
            summary,
            facts,
            sources,
            key_facts=keys,
        )

    # --- procedures ------------------------------------------------------------------------------------------------
    def search_procedures(self, query: str, machine: str | None = None, k: int = 3) -> ToolResult:
        if self.procedures is None:
            raise ToolError("no procedure documents are installed")
        mid = self.resolve_machine(machine)[0] if machine else None
        k = max(1, min(int(k), 5))
        hits = self.procedures.search(query, k=12, machine=mid)
        if not hits:
            return ToolResult(
                "search_procedures",
                {"query": query, "machine": machine},
                f"No procedure matches {query!r}.",
                {"hits": []},
                [],
            )
        # The best document; within it, the best-ranked section that holds actions (steps) leads.
        doc = hits[0].section.doc
        in_doc = [h for h in hits if h.section.doc == doc]
        with_steps = [h for h in in_doc if _steps(h.section.body)]
        # A section named for doing something ("Steps to clear a jam", "Urgent actions") beats one that
        # only shares the words ("When jams repeat").
        with_steps.sort(
            key=lambda h: not re.search(r"step|action|procedure|clear|reset|restart", h.section.heading, re.I)
        )
        lead = with_steps[0] if with_steps else in_doc[0]
        picked = [lead]
        picked += [h for h in in_doc if h is not lead and _steps(h.section.body)][: max(0, k - 2)]
        seen_docs = {doc}
        for h in hits:
            if len(picked) >= k:
                break
            if h.section.doc not in seen_docs:
                seen_docs.add(h.section.doc)
                picked.append(h)
        best = lead.section
        steps = _steps(best.body)
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
                {"doc": h.section.doc, "anchor": h.section.anchor, "section": h.section.heading},
            )
            for h in picked
        ]
        return ToolResult("search_procedures", {"query": query, "machine": machine}, summary, facts, sources)

    # --- dispatch --------------------------------------------------------------------------------------------------
    def call(self, name: str, args: Mapping[str, Any]) -> ToolResult:
        """Validated call by name (what a language model's tool call goes through)."""
        spec = TOOL_SPECS.get(name)
        if spec is None:
            raise ToolError(f"unknown tool {name!r}; tools: {', '.join(TOOL_SPECS)}")
        clean = spec.validate(args)
        fn: Callable[..., ToolResult] = getattr(self, name)
        return fn(**clean)


def _is_defect(d: Mapping[str, Any]) -> bool:
    v = str(d.get("verdict", "")).lower()
    if v:
        return v not in ("ok", "pass", "good", "accept", "accepted")
    if "ok" in d:
        return not bool(d["ok"])
    return bool(d.get("defect"))


_RISK_KEYS = ("risk", "failure_probability", "probability", "p_fail")


def _first_num(d: Mapping[str, Any], keys: tuple[str, ...]) -> float | None:
    for k in keys:
        v = d.get(k)
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
            return float(v)
    return None


def _steps(body: str, limit: int = 6) -> list[str]:
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


def utc_iso(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts, _dt.UTC).isoformat(timespec="seconds")
