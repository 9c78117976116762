"""Numbers, durations and quality in answers: one rule for every tool."""

from __future__ import annotations

import datetime as _dt
import math
import re

from hmi.core import quality as q


def fmt_num(v: float | None, unit: str = "") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    a = abs(v)
    if float(v).is_integer() and a < 1e6:
        s = f"{int(v)}"
    elif a >= 10:
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


def utc_iso(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts, _dt.UTC).isoformat(timespec="seconds")


def alarm_name(name: str) -> str:
    """An alarm's configured name in plant words: a discrete alarm's condition "Capper state == Faulted"
    reads "Capper state: Faulted" (the operator never sees `==`)."""
    return re.sub(r"\s*==\s*", ": ", re.sub(r"\s*!=\s*", " not ", name))
