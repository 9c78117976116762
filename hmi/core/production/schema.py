"""The `[production]` and `[shifts]` tables of the line config (docs/production.md).

Checked when the file is loaded, with the field named, because a state value
that maps to nothing or a fault code that maps to a reason missing from the
tree would silently turn downtime into the wrong category for a whole shift.
"""

from __future__ import annotations

import re
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field, field_validator, model_validator

from hmi.core.config_types import STRICT, Number
from hmi.core.shift_calendar import ShiftCalendar


class StrictModel(BaseModel):
    model_config = STRICT


# What a state value means for production (ISO 22400-2 time model).
STATE_CATEGORIES = (
    "running",
    "planned_stop",
    "unplanned_stop",
    "changeover",
    "blocked",  # waiting for a downstream machine
    "starved",  # waiting for an upstream machine
    "waiting",  # blocked or starved; the line order decides which (the PLC does not say)
)
REASON_CATEGORIES = ("unplanned", "planned", "changeover")


class StateMap(StrictModel):
    """State tag values per category, e.g. running = [2], unplanned_stop = [4]."""

    running: list[int] = []
    planned_stop: list[int] = []
    unplanned_stop: list[int] = []
    changeover: list[int] = []
    blocked: list[int] = []
    starved: list[int] = []
    waiting: list[int] = []

    @model_validator(mode="after")
    def _each_value_once(self) -> StateMap:
        seen: dict[int, str] = {}
        for cat in STATE_CATEGORIES:
            for v in getattr(self, cat):
                if v in seen:
                    raise ValueError(f"state {v} is listed under both {seen[v]!r} and {cat!r}")
                seen[v] = cat
        if not self.running:
            raise ValueError("'running' needs at least one state value")
        return self

    def category_of(self) -> dict[int, str]:
        return {v: cat for cat in STATE_CATEGORIES for v in getattr(self, cat)}


class ReasonConfig(StrictModel):
    """One leaf of the reason tree: category -> group -> code."""

    code: str
    text: str
    category: Literal["unplanned", "planned", "changeover"]
    group: str = ""

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", v):
            raise ValueError("must be letters, digits, '_', '.' or '-' (e.g. 'U-JAM')")
        return v


class ProductionMachine(StrictModel):
    id: str
    # Nameplate rate in units per minute: the ideal cycle time is 60 / ideal_rate seconds.
    # 0: the machine counts nothing (a conveyor): it takes part in stops, not in P and Q.
    ideal_rate: Number = 0.0
    total_counter: str = ""
    good_counter: str = ""
    reject_counter: str = ""
    # The PLC counter counts 0..N-1 and then wraps to 0 (e.g. 65536 for a 16-bit word);
    # 0: it never wraps, so any drop is a PLC reset (counting restarts from 0).
    counter_rollover: int = 0
    states: StateMap | None = None  # default: [production.states]
    fault_reasons: dict[str, str] = {}  # PLC fault code -> reason code; adds to / overrides the line's

    @field_validator("ideal_rate")
    @classmethod
    def _non_negative(cls, v: float) -> float:
        if not v >= 0:
            raise ValueError("must be the nameplate rate in units per minute (0: the machine counts nothing)")
        return v

    @field_validator("counter_rollover")
    @classmethod
    def _rollover(cls, v: int) -> int:
        if v < 0:
            raise ValueError("must be 0 (never wraps) or the counter's modulus, e.g. 65536")
        return v

    @model_validator(mode="after")
    def _counters(self) -> ProductionMachine:
        if self.reject_counter and not (self.good_counter or self.total_counter):
            raise ValueError("has a 'reject_counter' but neither 'good_counter' nor 'total_counter'")
        if self.good_counter and not (self.total_counter or self.reject_counter):
            raise ValueError(
                "with 'good_counter' alone the rejects are unknown: add 'reject_counter' or 'total_counter'"
            )
        if self.counts and not self.ideal_rate:
            raise ValueError("counts units but has no 'ideal_rate' (units per minute at nameplate speed)")
        return self

    @property
    def counts(self) -> bool:
        return bool(self.total_counter or self.good_counter)


class ShiftEntry(StrictModel):
    name: str
    start: str  # HH:MM local
    end: str  # end <= start: crosses midnight


class BreakEntry(StrictModel):
    name: str = ""
    start: str
    end: str
    shift: str = ""  # only in this shift; "" = every day at this time


class ShiftsConfig(StrictModel):
    """`[shifts]`: the one calendar of the app (hmi.core.shift_calendar)."""

    timezone: str = ""  # IANA name; "" = the PC's local zone
    pattern: list[ShiftEntry] = []
    breaks: list[BreakEntry] = []

    @model_validator(mode="after")
    def _calendar(self) -> ShiftsConfig:
        if self.timezone:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(self.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"timezone {self.timezone!r} is not an IANA zone name such as 'Europe/Berlin'"
                ) from None
        self.calendar()  # raises ValueError naming the uncovered minutes / overlapping breaks
        return self

    def calendar(self) -> ShiftCalendar:
        class _Holder:
            shifts = self

        return ShiftCalendar.from_config(_Holder())


class ProductionConfig(StrictModel):
    # Machines in material-flow order, upstream first; a machine that is neither upstream nor
    # downstream (a conveyor every machine needs) goes last: it is found when nothing nearer is down.
    order: list[str]
    constraint: str  # the machine that sets the line's pace: line-level OEE is measured on it
    output_machine: str = ""  # whose good count is the line's output; "" = the last of `order`
    short_stop_s: Number = 60.0  # own unplanned stops shorter than this are a speed loss
    target_oee: Number = 0.85
    shift_target: int = 0  # good units per shift; 0 = constraint ideal rate x planned time x target_oee
    states: StateMap
    reasons: list[ReasonConfig] = Field(min_length=1)
    fault_reasons: dict[str, str] = {}  # PLC fault code (as text) -> reason code
    changeover_reason: str = ""  # default reason of a stop that starts in a changeover state
    planned_reason: str = ""  # default reason of a stop that starts in a planned-stop state
    machines: list[ProductionMachine]

    @field_validator("short_stop_s")
    @classmethod
    def _short(cls, v: float) -> float:
        if not 0 <= v <= 3600:
            raise ValueError("must be between 0 and 3600 s")
        return v

    @field_validator("target_oee")
    @classmethod
    def _target(cls, v: float) -> float:
        if not 0 < v <= 1:
            raise ValueError("must be a fraction in (0, 1], e.g. 0.85")
        return v

    @model_validator(mode="after")
    def _tree(self) -> ProductionConfig:
        codes = [r.code for r in self.reasons]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"reasons: duplicate code(s) {', '.join(dupes)}")
        by_code = {r.code: r for r in self.reasons}
        maps = [("fault_reasons", self.fault_reasons)] + [
            (f"machines[{i}].fault_reasons", m.fault_reasons) for i, m in enumerate(self.machines)
        ]
        for where, mapping in maps:
            for code, reason in mapping.items():
                if not re.fullmatch(r"-?\d+", code):
                    raise ValueError(f'{where}: key {code!r} must be a PLC fault code number, e.g. "1"')
                if reason not in by_code:
                    raise ValueError(
                        f"{where}: fault code {code} maps to {reason!r}, which is not a code of the "
                        f"reason tree ({', '.join(codes)})"
                    )
        for field, want in (("changeover_reason", "changeover"), ("planned_reason", "planned")):
            code = getattr(self, field)
            if code and code not in by_code:
                raise ValueError(f"{field}: {code!r} is not a code of the reason tree")
            if code and by_code[code].category != want:
                raise ValueError(f"{field}: {code!r} is a {by_code[code].category} reason, expected {want}")
        ids = [m.id for m in self.machines]
        if len(set(ids)) != len(ids):
            raise ValueError("machines: a machine is listed twice")
        if sorted(ids) != sorted(self.order):
            raise ValueError(
                f"'order' ({', '.join(self.order)}) and the [[production.machines]] entries "
                f"({', '.join(ids)}) must name the same machines"
            )
        counting = {pm.id for pm in self.machines if pm.counts}
        if self.constraint not in counting:
            raise ValueError(f"constraint {self.constraint!r} needs counters and an ideal_rate")
        if self.output_machine and self.output_machine not in counting:
            raise ValueError(f"output_machine {self.output_machine!r} needs counters")
        if not counting:
            raise ValueError("no machine has counters: nothing to count")
        return self

    @property
    def output(self) -> str:
        counting = {pm.id for pm in self.machines if pm.counts}
        return self.output_machine or [m for m in self.order if m in counting][-1]

    def states_for(self, machine: ProductionMachine) -> StateMap:
        return machine.states or self.states


class _MachineLike(Protocol):
    id: str
    state_tag: str
    fault_tag: str


class _TagLike(Protocol):
    name: str
    states: dict[str, str]


def check_production(production: ProductionConfig, machines: list[Any], tags: list[Any]) -> None:
    """Cross-checks against the machines and tags of the line; ValueError names the field."""
    by_id = {m.id: m for m in machines}
    tag_by_name = {t.name: t for t in tags}
    for name in production.order:
        if name not in by_id:
            raise ValueError(f"production.order: {name!r} is not a configured machine")
    for i, pm in enumerate(production.machines):
        where = f"production.machines[{i}] ({pm.id})"
        mc = by_id[pm.id]
        for field in ("total_counter", "good_counter", "reject_counter"):
            ref = getattr(pm, field)
            if ref and ref not in tag_by_name:
                raise ValueError(f"{where}: {field} {ref!r} is not a configured tag")
        if not mc.state_tag:
            raise ValueError(f"{where}: machine {pm.id!r} has no state_tag; production needs it")
        state_tag = tag_by_name[mc.state_tag]
        mapped = production.states_for(pm).category_of()
        unmapped = [f"{v} ({label})" for v, label in state_tag.states.items() if int(v) not in mapped]
        if unmapped:
            raise ValueError(
                f"{where}: state(s) {', '.join(unmapped)} of {mc.state_tag} are in no category of "
                f"[production.states] (running, planned_stop, unplanned_stop, changeover, blocked, starved, "
                "waiting)"
            )
