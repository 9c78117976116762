"""Alarm definitions: implicit ones from tag limits, explicit ``[[alarms]]`` entries from the config.

Each explicit entry is validated on its own: a bad one is refused with a
message naming the alarm and the field, and every other alarm still loads
(an HMI that refuses to start over one typo shows no alarms at all, which is
worse). The schema is documented in docs/alarms.md.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Mapping
from typing import Any

from hmi.core.alarms.model import (
    LEVEL_LABELS,
    LEVELS,
    MESSAGE_FIELDS,
    OPS,
    AlarmDefinition,
    AlarmKind,
    AlarmProblem,
    Condition,
    Priority,
    message_fields,
)
from hmi.core.config import LineConfig, TagConfig
from hmi.core.link_state import LINK_CONNECTED, LINK_STATES
from hmi.core.qc_figures import rate_window_words
from hmi.core.tag_info import display_decimals

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")
_CONDITION = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_.\-]*)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$")

COMMON_FIELDS = (
    "id",
    "type",
    "tag",
    "name",
    "message",
    "priority",
    "machine",
    "on_delay_s",
    "off_delay_s",
    "latching",
    "suppress_when",
    "suppress_delay_s",
    "suppress_release_s",
    "enabled",
    "action",
    "trip",
)
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "analog": ("hihi", "hi", "lo", "lolo", "deadband", "hihi_action", "lolo_action"),
    "discrete": ("value", "op"),
    "roc": ("rate", "window_s", "direction", "deadband"),
    "quality": ("include_uncertain",),
}
DEFAULT_LEVEL_PRIORITY = {
    "hihi": Priority.HIGH,
    "lolo": Priority.HIGH,
    "hi": Priority.MEDIUM,
    "lo": Priority.MEDIUM,
}
DEFAULT_PRIORITY = {
    "discrete": Priority.MEDIUM,
    "roc": Priority.MEDIUM,
    "quality": Priority.LOW,
}
# A Bad status for a moment (one missed read) is not worth an alarm.
DEFAULT_QUALITY_ON_DELAY_S = 5.0
MAX_DELAY_S = 3600.0


class _Entry:
    """Collects the problems of one [[alarms]] entry."""

    def __init__(self, index: int, raw: Mapping[str, Any]):
        rid = raw.get("id")
        self.name = rid if isinstance(rid, str) and rid else f"alarms[{index}]"
        self.raw = raw
        self.problems: list[AlarmProblem] = []

    def problem(self, field: str, message: str) -> None:
        self.problems.append(AlarmProblem(self.name, field, message))

    def number(
        self, key: str, default: float | None = None, *, minimum: float | None = None, positive: bool = False
    ) -> float | None:
        if key not in self.raw:
            return default
        v = self.raw[key]
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            self.problem(key, f"must be a number, got {v!r}")
            return default
        v = float(v)
        if positive and v <= 0:
            self.problem(key, f"must be greater than 0, got {v:g}")
        elif minimum is not None and v < minimum:
            self.problem(key, f"must be at least {minimum:g}, got {v:g}")
        return v

    def delay(self, key: str, default: float) -> float:
        v = self.number(key, default, minimum=0.0)
        assert v is not None
        if v > MAX_DELAY_S:
            self.problem(key, f"must be at most {MAX_DELAY_S:g} s, got {v:g}")
        return v

    def flag(self, key: str, default: bool) -> bool:
        v = self.raw.get(key, default)
        if not isinstance(v, bool):
            self.problem(key, f"must be true or false, got {v!r}")
            return default
        return v

    def text(self, key: str, default: str = "") -> str:
        v = self.raw.get(key, default)
        if not isinstance(v, str):
            self.problem(key, f"must be a string, got {v!r}")
            return default
        return v


def parse_value(v: object, tag: TagConfig) -> float:
    """A number, true/false, or (for an enum tag) one of its state labels, as the float compared."""
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int | float):
        if not math.isfinite(v):
            raise ValueError(f"must be a finite number, got {v!r}")
        return float(v)
    if isinstance(v, str):
        s = v.strip().strip("'\"")
        try:
            return float(s)
        except ValueError:
            pass
        if s.lower() in ("true", "false"):
            return 1.0 if s.lower() == "true" else 0.0
        for key, label in tag.states.items():
            if label.lower() == s.lower():
                return float(key)
        if tag.states:
            known = ", ".join(f"{k}={lab}" for k, lab in tag.states.items())
            raise ValueError(f"{v!r} is not a number or a state of {tag.name} ({known})")
        raise ValueError(f"{v!r} is not a number")
    raise ValueError(f"must be a number or a state label, got {v!r}")


def parse_condition(spec: object, tags: Mapping[str, TagConfig]) -> Condition:
    """``"filler.state != 2"``, ``"filler.state != Running"`` or ``{tag=..., op=..., value=...}``."""
    if isinstance(spec, str):
        m = _CONDITION.match(spec)
        if not m:
            raise ValueError(f"{spec!r} is not 'TAG OP VALUE' with OP one of {' '.join(OPS)}")
        tag_name, op, value = m.groups()
        text = spec.strip()
    elif isinstance(spec, Mapping):
        extra = set(spec) - {"tag", "op", "value"}
        if extra:
            raise ValueError(f"unknown key(s) {', '.join(sorted(extra))}; use tag, op, value")
        tag_name, op, value = spec.get("tag"), spec.get("op", "=="), spec.get("value")
        if not isinstance(tag_name, str) or value is None:
            raise ValueError("needs 'tag' and 'value'")
        text = f"{tag_name} {op} {value}"
    else:
        raise ValueError(f"must be a string like 'filler.state != 2', got {spec!r}")
    if op not in OPS:
        raise ValueError(f"unknown operator {op!r} (use {' '.join(OPS)})")
    tag = tags.get(tag_name)
    if tag is None:
        raise ValueError(f"tag {tag_name!r} is not a configured tag")
    return Condition(tag_name, str(op), parse_value(value, tag), text)


def _check_message(entry: _Entry, template: str) -> None:
    try:
        names = message_fields(template)
    except ValueError as exc:
        entry.problem("message", f"malformed template: {exc}")
        return
    unknown = [n for n in names if n not in MESSAGE_FIELDS]
    if unknown:
        entry.problem(
            "message",
            f"unknown placeholder(s) {', '.join('{' + n + '}' for n in unknown)}; "
            f"use {', '.join('{' + n + '}' for n in MESSAGE_FIELDS)}",
        )


def _priority(entry: _Entry, default: Priority, level: str = "") -> Priority:
    if "priority" not in entry.raw:
        return default
    v = entry.raw["priority"]
    if isinstance(v, Mapping):
        if not level:
            entry.problem("priority", "a per-level table is only for analog alarms")
            return default
        unknown = [k for k in v if k not in LEVELS]
        if unknown:
            entry.problem("priority", f"unknown level(s) {', '.join(unknown)} (use {', '.join(LEVELS)})")
        if level not in v:
            return default
        v = v[level]
    try:
        return Priority.parse(v)
    except ValueError as exc:
        entry.problem("priority", str(exc))
        return default


def implicit_definitions(tag: TagConfig) -> list[AlarmDefinition]:
    """HiHi/Hi/Lo/LoLo alarms from a tag's configured limits (ids ``<tag>.<level>``)."""
    out = []
    for level in ("hihi", "hi", "lo", "lolo"):
        limit = getattr(tag.alarms, level)
        if limit is None:
            continue
        out.append(
            AlarmDefinition(
                id=f"{tag.name}.{level}",
                name=f"{tag.label} {LEVEL_LABELS[level]}",
                kind=AlarmKind.ANALOG,
                tag=tag.name,
                priority=DEFAULT_LEVEL_PRIORITY[level],
                op=">=" if level in ("hi", "hihi") else "<=",
                limit=float(limit),
                machine=tag.machine,
                level=level,
                deadband=float(tag.deadband),
                unit=tag.unit,
                implicit=True,
                decimals=display_decimals(tag.data_type, tag.deadband, tag.range),
                action=tag.alarms.action_for(level),
            )
        )
    return out


def _parse_entry(
    index: int, raw: object, tags: Mapping[str, TagConfig], machines: set[str]
) -> tuple[list[AlarmDefinition], list[AlarmProblem], str]:
    """(definitions, problems, kind) for one [[alarms]] entry; definitions are empty when refused."""
    if not isinstance(raw, Mapping):
        return [], [AlarmProblem(f"alarms[{index}]", "(entry)", f"must be a table, got {raw!r}")], ""
    e = _Entry(index, raw)
    aid = raw.get("id")
    if not isinstance(aid, str) or not _ID.fullmatch(aid):
        e.problem("id", "required: a name starting with a letter, using letters, digits, '_', '.', '-'")
    kind = raw.get("type")
    if kind not in TYPE_FIELDS:
        e.problem("type", f"required: one of {', '.join(TYPE_FIELDS)} (got {kind!r})")
        return [], e.problems, ""
    allowed = set(COMMON_FIELDS) | set(TYPE_FIELDS[kind])
    for key in raw:
        if key not in allowed:
            e.problem(key, f"unknown field for a {kind} alarm (allowed: {', '.join(sorted(allowed))})")
    tag_name = raw.get("tag")
    tag = tags.get(tag_name) if isinstance(tag_name, str) else None
    if tag is None:
        e.problem("tag", f"{tag_name!r} is not a configured tag" if tag_name else "required")
        return [], e.problems, kind
    machine = e.text("machine", tag.machine)
    if machine and machine not in machines:
        e.problem("machine", f"{machine!r} is not a configured machine")
    name = e.text("name")
    message = e.text("message")
    if message:
        _check_message(e, message)
    suppress: list[Condition] = []
    if "suppress_when" in raw:
        # One condition, or a list of them: suppressed while any holds.
        specs = raw["suppress_when"]
        for spec in specs if isinstance(specs, list) else [specs]:
            try:
                suppress.append(parse_condition(spec, tags))
            except ValueError as exc:
                e.problem("suppress_when", str(exc))
    for key in ("suppress_delay_s", "suppress_release_s"):
        if key in raw and "suppress_when" not in raw:
            e.problem(key, "only means something with suppress_when (the condition it times)")
    common: dict[str, Any] = {
        "tag": tag.name,
        "machine": machine,
        "message": message,
        "latching": e.flag("latching", False),
        "off_delay_s": e.delay("off_delay_s", 0.0),
        "suppress_when": tuple(suppress),
        "suppress_delay_s": e.delay("suppress_delay_s", 0.0) if "suppress_delay_s" in raw else None,
        "suppress_release_s": e.delay("suppress_release_s", 0.0) if "suppress_release_s" in raw else None,
        "unit": tag.unit,
        "state_labels": dict(tag.states),
        "decimals": display_decimals(tag.data_type, tag.deadband, tag.range),
        # An entry on a tag with its own [tags] alarms.action inherits it.
        "action": e.text("action", tag.alarms.action).strip(),
        "trip": e.flag("trip", False),
    }
    enabled = e.flag("enabled", True)
    defs: list[AlarmDefinition] = []
    aid = aid if isinstance(aid, str) else ""

    if kind == "analog":
        given = {lv: e.number(lv) for lv in LEVELS if lv in raw}
        limits = given or {
            lv: getattr(tag.alarms, lv) for lv in LEVELS if getattr(tag.alarms, lv) is not None
        }
        present = [(lv, limits[lv]) for lv in LEVELS if limits.get(lv) is not None]
        for (l1, v1), (l2, v2) in itertools.pairwise(present):
            assert v1 is not None and v2 is not None
            if v1 >= v2:
                e.problem(l2, f"limits inverted: {l2}={v2:g} must be above {l1}={v1:g}")
        if not present:
            e.problem("hi", f"no limits: give hihi/hi/lo/lolo here or in the [[tags]] entry of {tag.name}")
        deadband = e.number("deadband", float(tag.deadband), minimum=0.0)
        on_delay = e.delay("on_delay_s", 0.0)
        # HiHi/LoLo: the entry's own hihi_action/lolo_action, else the tag's, else the common action.
        extreme_action = {
            lv: e.text(f"{lv}_action", getattr(tag.alarms, f"{lv}_action")).strip() for lv in ("hihi", "lolo")
        }
        for level, limit in present:
            assert limit is not None
            level_common = {**common, "action": extreme_action.get(level) or common["action"]}
            defs.append(
                AlarmDefinition(
                    id=f"{aid}.{level}",
                    name=f"{name or tag.label} {LEVEL_LABELS[level]}",
                    kind=AlarmKind.ANALOG,
                    priority=_priority(e, DEFAULT_LEVEL_PRIORITY[level], level),
                    op=">=" if level in ("hi", "hihi") else "<=",
                    limit=float(limit),
                    level=level,
                    deadband=float(deadband or 0.0),
                    on_delay_s=on_delay,
                    **level_common,
                )
            )
    elif kind == "discrete":
        op = raw.get("op", "==")
        if op not in OPS:
            e.problem("op", f"unknown operator {op!r} (use {' '.join(OPS)})")
            op = "=="
        value = float("nan")
        if "value" not in raw:
            e.problem("value", "required: the value (or state label) that is in alarm")
        else:
            try:
                value = parse_value(raw["value"], tag)
            except ValueError as exc:
                e.problem("value", str(exc))
        known = not math.isnan(value) and value.is_integer() and str(int(value)) in tag.states
        if tag.states and op in ("==", "!=") and not math.isnan(value) and not known:
            e.problem("value", f"{value:g} is not a state of {tag.name} ({', '.join(tag.states)})")
        label = tag.states.get(str(int(value)), f"{value:g}") if value.is_integer() else f"{value:g}"
        defs.append(
            AlarmDefinition(
                id=aid,
                name=name or f"{tag.label} {op} {label}",
                kind=AlarmKind.DISCRETE,
                priority=_priority(e, DEFAULT_PRIORITY["discrete"]),
                op=str(op),
                limit=value,
                on_delay_s=e.delay("on_delay_s", 0.0),
                **common,
            )
        )
    elif kind == "roc":
        rate = e.number("rate", None, positive=True)
        if rate is None and "rate" not in raw:
            e.problem("rate", "required: the rate (tag units per second) that is in alarm")
        window = e.number("window_s", 1.0, positive=True)
        direction = raw.get("direction", "both")
        if direction not in ("rise", "fall", "both"):
            e.problem("direction", f"must be rise, fall or both (got {direction!r})")
            direction = "both"
        deadband = e.number("deadband", 0.0, minimum=0.0)
        if rate is not None and deadband is not None and deadband >= rate:
            e.problem("deadband", f"must be below the rate {rate:g}, got {deadband:g}")
        defs.append(
            AlarmDefinition(
                id=aid,
                name=name or f"{tag.label} rate of change",
                kind=AlarmKind.ROC,
                priority=_priority(e, DEFAULT_PRIORITY["roc"]),
                op=">=",
                limit=float(rate or 0.0),
                window_s=float(window or 1.0),
                direction=str(direction),
                deadband=float(deadband or 0.0),
                on_delay_s=e.delay("on_delay_s", 0.0),
                **common,
            )
        )
    else:  # quality
        uncertain = e.flag("include_uncertain", False)
        defs.append(
            AlarmDefinition(
                id=aid,
                name=name or f"{tag.label} signal bad",
                kind=AlarmKind.QUALITY,
                priority=_priority(e, DEFAULT_PRIORITY["quality"]),
                op=">=",
                limit=1.0 if uncertain else 2.0,
                on_delay_s=e.delay("on_delay_s", DEFAULT_QUALITY_ON_DELAY_S),
                **common,
            )
        )
    if e.problems:
        return [], e.problems, kind
    return (defs if enabled else []), [], kind


def load_definitions(config: LineConfig) -> tuple[list[AlarmDefinition], list[AlarmProblem]]:
    """All alarm definitions of a line, and the problems of the entries that were refused.

    - Every tag with ``alarms = {hihi, hi, lo, lolo}`` limits gets one analog
      alarm per limit, id ``<tag>.<level>``.
    - An explicit ``type = "analog"`` entry on a tag replaces that tag's
      implicit alarms (to set priorities, delays or other limits; with
      ``enabled = false`` it switches them off). If the entry is refused, the
      implicit alarms stay: a typo must not silently remove an alarm.
    - Ids must be unique; a later entry with a taken id is refused.
    - With ``[server] link_tag``, every quality alarm of a server tag is also suppressed
      while the link is not connected: a lost link turns every server tag Bad at once,
      and that one cause has its own alarm (on the link tag), not one per sensor.
    """
    tags = {t.name: t for t in config.tags}
    machines = {m.id for m in config.machines}
    problems: list[AlarmProblem] = []
    explicit: list[AlarmDefinition] = []
    overridden: set[str] = set()
    for n, raw in enumerate(config.alarms):
        defs, probs, kind = _parse_entry(n, raw, tags, machines)
        problems.extend(probs)
        if probs:
            continue
        if kind == "analog" and isinstance(raw, Mapping):
            overridden.add(str(raw["tag"]))
        explicit.extend(defs)
    out: list[AlarmDefinition] = []
    seen: set[str] = set()
    for t in config.tags:
        if t.name in overridden:
            continue
        for d in implicit_definitions(t):
            out.append(d)
            seen.add(d.id)
    for d in explicit:
        if d.id in seen:
            problems.append(AlarmProblem(d.id, "id", "another alarm already has this id"))
            continue
        seen.add(d.id)
        out.append(d)
    if config.camera is not None:
        # The camera's defect rate is a rolling figure: its alarms say over which images.
        rate_tag = config.camera.rate_tag
        out = [
            dataclasses.replace(d, over=rate_window_words())
            if d.tag == rate_tag and d.kind == AlarmKind.ANALOG
            else d
            for d in out
        ]
    link = config.server.link_tag
    if link:
        down = Condition(link, "!=", float(LINK_CONNECTED), f"{link} != {LINK_STATES[str(LINK_CONNECTED)]}")
        out = [
            dataclasses.replace(d, suppress_when=(*d.suppress_when, down))
            if d.kind == AlarmKind.QUALITY and tags[d.tag].source == "opcua" and down not in d.suppress_when
            else d
            for d in out
        ]
    return out, problems
