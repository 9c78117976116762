"""The one parser for a number a person types (setpoints, alarm limits, `linehmi write`).

The rule: a text is taken only when it is exactly a plain decimal number (ASCII digits, an
optional sign, an optional '.' and decimals; surrounding blanks are ignored) that lies in the
allowed range; the value is then exactly ``float(text)``. Anything else is refused with a reason
that quotes the text. Nothing is ever edited into another value: the input validators this
replaces dropped the keys they did not like, so "3e2" became 32 and "39O" (letter O) became 39,
both valid setpoints nobody asked for.

Refused on purpose although Python's float() would take them: exponents ("3e2"), digit group
separators ("1_000", "1,000"), a comma as the decimal point ("3,5" could mean 3.5 or 35),
non-ASCII digits, "nan"/"inf". Each gets its own reason so the operator knows what to type.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

NumberKind = Literal["float", "int"]

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_WHOLE = re.compile(r"[+-]?[0-9]+")
_EXPONENT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]+")
QUOTE_MAX = 24  # longer input is quoted with its start and "…" (the whole text is still refused)
MAX_DIGITS = 40  # more is not a setpoint anybody types; also keeps int() far from its digit limit


@dataclass(frozen=True)
class NumberEntry:
    """What a typed text means: a value to use, or None and the reason why not."""

    value: float | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.value is not None


def quote(text: str) -> str:
    """The input as a message names it: in quotes, cut when long, control characters shown."""
    shown = text if len(text) <= QUOTE_MAX else text[: QUOTE_MAX - 1] + "…"
    return "'" + "".join(c if c.isprintable() else repr(c)[1:-1] for c in shown) + "'"


def _range_text(lo_hi: tuple[float, float] | None, unit: str) -> str:
    if lo_hi is None:
        return ""
    return f" between {lo_hi[0]:g} and {lo_hi[1]:g} {unit}".rstrip()


def parse_number(
    text: str,
    kind: NumberKind = "float",
    lo_hi: tuple[float, float] | None = None,
    unit: str = "",
) -> NumberEntry:
    """`text` as typed; `kind` "int" takes whole numbers only; `lo_hi` inclusive bounds."""
    what = "a whole number" if kind == "int" else "a number"
    wanted = f"Enter {what}{_range_text(lo_hi, unit)}."
    stripped = text.strip()
    if not stripped:
        return NumberEntry(None, wanted)
    q = quote(stripped)
    grammar = _WHOLE if kind == "int" else _DECIMAL
    if grammar.fullmatch(stripped) is None or len(stripped) > MAX_DIGITS:
        if len(stripped) > MAX_DIGITS and grammar.fullmatch(stripped):
            hint = f" (more than {MAX_DIGITS} characters)"
        elif _EXPONENT.fullmatch(stripped):
            hint = " (no exponent: write the number out)"
        elif "," in stripped and _DECIMAL.fullmatch(stripped.replace(",", ".", 1)):
            hint = " (use '.' as the decimal point, no thousands separator)"
        elif kind == "int" and _DECIMAL.fullmatch(stripped):
            hint = " (no decimals)"
        else:
            hint = ""
        return NumberEntry(None, f"{q} is not {what}{hint}. {wanted}")
    value = float(stripped)
    if not math.isfinite(value):  # only a very long digit string overflows; MAX_DIGITS keeps it out
        return NumberEntry(None, f"{q} is too large. {wanted}")
    if lo_hi is not None and not (lo_hi[0] <= value <= lo_hi[1]):
        return NumberEntry(
            None, f"{stripped} is outside the range {lo_hi[0]:g} – {lo_hi[1]:g} {unit}".rstrip() + "."
        )
    return NumberEntry(value)
