"""What every screen needs to know of a tag to show its value, and the one rule for its decimals.

One home for the display facts of a tag (`TagInfo`, built from the line config or
from a journal file's ``tags`` table when no config is at hand) and for how a
value is written: the tag table, the faceplates, the trend's cursor and pen
table, the alarm messages and the setpoint dialog all format through here, so
"27.8 A" on one screen is never "27.84 A" or "27.8391 A" on another. No Qt.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hmi.core.units import quantity

MAX_DECIMALS = 4


def display_decimals(
    data_type: str, deadband: float = 0.0, value_range: tuple[float, float] | None = None
) -> int:
    """Digits after the point for a tag's values.

    What the PLC resolves decides: a deadband of 0.05 means changes below it are not
    even sent, so two decimals; without a deadband the engineering range decides
    (0-1000 and wider: none, 50 and wider: one, else two). Integers, booleans and
    states have none.
    """
    if data_type in ("int", "bool", "enum"):
        return 0
    if deadband > 0 and math.isfinite(deadband):
        return max(0, min(MAX_DECIMALS, math.ceil(-math.log10(deadband) - 1e-9)))
    if value_range:
        span = value_range[1] - value_range[0]
        return 0 if span >= 1000 else 1 if span >= 50 else 2
    return 2


def format_display(
    value: float, data_type: str = "float", decimals: int = 2, states: Mapping[int, str] | None = None
) -> str:
    """The value as the operator reads it (no unit); '—' when there is none."""
    if not math.isfinite(value):
        return "—" if math.isnan(value) else ("∞" if value > 0 else "-∞")
    if data_type == "enum":
        return (states or {}).get(round(value), f"state {round(value)}")
    if data_type == "bool":
        if states:
            return states.get(round(value), "On" if value else "Off")
        return "On" if value else "Off"
    if data_type == "int":
        return f"{round(value):,}"
    text = f"{value:,.{decimals}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text.replace(",", "")) == 0 else text


def int_states(states: Mapping[Any, Any] | None) -> dict[int, str]:
    out: dict[int, str] = {}
    for k, v in (states or {}).items():
        try:
            out[int(k)] = str(v)
        except (TypeError, ValueError):
            continue
    return out


# The short name of each alarm level wherever a limit or a value's band is marked: trend limit
# lines, faceplate and table badges, the QC pane's limits. One home, so the 30 A HiHi line of the
# filler motor current is "HH 30" on every screen (qa7 G36).
LEVEL_BADGES = {"lolo": "LL", "lo": "L", "hi": "H", "hihi": "HH"}


@dataclass(frozen=True, slots=True)
class TagInfo:
    """Display facts of one tag, from the line config or from a journal file's tags table."""

    name: str
    label: str = ""
    unit: str = ""
    data_type: str = "float"  # float, int, bool, enum
    range: tuple[float, float] | None = None
    normal: tuple[float, float] | None = None
    lolo: float | None = None
    lo: float | None = None
    hi: float | None = None
    hihi: float | None = None
    states: dict[int, str] = field(default_factory=dict)
    deadband: float = 0.0
    sampling_ms: float = 0.0

    @property
    def is_step(self) -> bool:
        """Booleans and enumerations are drawn as steps."""
        return self.data_type in ("bool", "enum")

    @property
    def title(self) -> str:
        return self.label or self.name

    @property
    def decimals(self) -> int:
        return display_decimals(self.data_type, self.deadband, self.range)

    def format(self, value: float, decimals: int | None = None) -> str:
        """The value without its unit, at the tag's display precision (or `decimals`)."""
        return format_display(
            value, self.data_type, self.decimals if decimals is None else decimals, self.states
        )

    def format_with_unit(self, value: float) -> str:
        text = self.format(value)
        if self.data_type in ("enum", "bool") or not self.unit or not math.isfinite(value):
            return text
        return quantity(text, self.unit)

    @classmethod
    def from_config(cls, tag: Any) -> TagInfo:
        """From a `hmi.core.config.TagConfig`."""
        return cls(
            tag.name,
            tag.label,
            tag.unit,
            tag.data_type,
            tuple(tag.range) if tag.range else None,
            tuple(tag.normal) if tag.normal else None,
            tag.alarms.lolo,
            tag.alarms.lo,
            tag.alarms.hi,
            tag.alarms.hihi,
            int_states(tag.states),
            float(tag.deadband),
            float(tag.sampling_ms),
        )

    @classmethod
    def from_journal_row(cls, row: dict[str, Any]) -> TagInfo:
        def pair(a: Any, b: Any) -> tuple[float, float] | None:
            return (float(a), float(b)) if a is not None and b is not None else None

        try:
            states = int_states(json.loads(row.get("states") or "{}"))
        except (ValueError, TypeError, AttributeError):
            states = {}
        return cls(
            row["name"],
            row.get("display_name") or "",
            row.get("unit") or "",
            row.get("data_type") or "float",
            pair(row.get("range_lo"), row.get("range_hi")),
            pair(row.get("normal_lo"), row.get("normal_hi")),
            row.get("alarm_lolo"),
            row.get("alarm_lo"),
            row.get("alarm_hi"),
            row.get("alarm_hihi"),
            states,
            float(row.get("deadband") or 0.0),
            float(row.get("sampling_ms") or 0.0),
        )

    def limits(self) -> list[tuple[str, float]]:
        """[(level badge, limit)] low to high: ("LL", 2.0), ("H", 26.0), ("HH", 30.0)..."""
        return [
            (LEVEL_BADGES[level], v)
            for level, v in (("lolo", self.lolo), ("lo", self.lo), ("hi", self.hi), ("hihi", self.hihi))
            if v is not None
        ]
