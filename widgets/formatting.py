"""Value, time and age formatting shared by the widgets (no Qt)."""

from __future__ import annotations

import math
import time

from hmi.core.config import TagConfig


def decimals_for(tag: TagConfig) -> int:
    """Digits after the point: from the deadband (what the PLC resolves), else the range."""
    if tag.data_type in ("int", "bool", "enum"):
        return 0
    if tag.deadband > 0:
        return max(0, min(4, math.ceil(-math.log10(tag.deadband) - 1e-9)))
    if tag.range:
        span = tag.range[1] - tag.range[0]
        return 0 if span >= 1000 else 1 if span >= 50 else 2
    return 2


def format_value(tag: TagConfig, value: float, decimals: int | None = None) -> str:
    """The value as the operator reads it; '—' when there is none."""
    if value != value:  # NaN
        return "—"
    if tag.data_type == "enum":
        return tag.state_label(value)
    if tag.data_type == "bool":
        if tag.states:
            return tag.state_label(value)
        return "On" if value else "Off"
    if tag.data_type == "int":
        return f"{int(value):,}"
    d = decimals_for(tag) if decimals is None else decimals
    return f"{value:,.{d}f}"


def format_number(tag: TagConfig, value: float) -> str:
    return format_value(tag, value) if tag.data_type in ("float", "int") else f"{value:g}"


def alarm_level(tag: TagConfig, value: float) -> str | None:
    """'HH', 'H', 'L', 'LL' when the value is past a configured limit, else None."""
    if value != value:
        return None
    a = tag.alarms
    if a.hihi is not None and value >= a.hihi:
        return "HH"
    if a.lolo is not None and value <= a.lolo:
        return "LL"
    if a.hi is not None and value >= a.hi:
        return "H"
    if a.lo is not None and value <= a.lo:
        return "L"
    return None


def format_age(seconds: float) -> str:
    if seconds != seconds:
        return "—"
    if seconds < 0:  # clock skew between PLC and this PC: say so rather than hide it
        return "0.0 s" if seconds > -0.5 else f"-{format_age(-seconds)}"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        m, s = divmod(int(seconds), 60)
        return f"{m} min {s:02d} s"
    if seconds < 86400:
        h, rem = divmod(int(seconds), 3600)
        return f"{h} h {rem // 60:02d} min"
    return f"{seconds / 86400:.1f} d"


def format_timestamp(ts: float, now: float | None = None) -> str:
    """Local time with milliseconds; the date is added when it is not today."""
    if ts != ts:
        return "—"
    lt = time.localtime(ts)
    ms = int((ts - math.floor(ts)) * 1000)
    hms = time.strftime("%H:%M:%S", lt) + f".{ms:03d}"
    today = time.localtime(time.time() if now is None else now)
    if (lt.tm_year, lt.tm_yday) != (today.tm_year, today.tm_yday):
        return time.strftime("%Y-%m-%d ", lt) + hms
    return hms


def short_label(tag: TagConfig, machine_name: str) -> str:
    """'Filler motor current' on the Filler faceplate reads better as 'Motor current'."""
    label = tag.label
    prefix = machine_name.strip().lower() + " "
    if machine_name and label.lower().startswith(prefix) and len(label) > len(prefix):
        rest = label[len(prefix) :]
        return rest[0].upper() + rest[1:]
    return label
