"""Value, time and age formatting shared by the widgets (no Qt)."""

from __future__ import annotations

import math
import time

from hmi.core.config import TagConfig
from hmi.core.tag_info import display_decimals, format_display, int_states


def decimals_for(tag: TagConfig) -> int:
    """Digits after the point: the one rule of hmi.core.tag_info (deadband, else range)."""
    return display_decimals(tag.data_type, tag.deadband, tag.range)


def format_value(tag: TagConfig, value: float, decimals: int | None = None) -> str:
    """The value as the operator reads it (hmi.core.tag_info.format_display); '—' when there is none."""
    d = decimals_for(tag) if decimals is None else decimals
    return format_display(value, tag.data_type, d, int_states(tag.states) if tag.states else None)


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
