"""A number and its unit never break apart (one home for every value shown with a unit).

The banner wrapped "Filler vibration Hi 5.10 mm/ s" onto two lines: Qt breaks lines where Unicode
line breaking (UAX #14) allows, which is at the space between a number and its unit and after the
"/" inside a unit. `quantity` joins a number to its unit with a no-break space and joins the unit's
own parts with word joiners (U+2060, invisible); `no_break` does the same to a text that already
holds numbers with units (an alarm message frozen in the journal), for display only: what is
stored and journaled keeps plain spaces.
"""

from __future__ import annotations

import re

NBSP = "\u00a0"
WORD_JOINER = "\u2060"
_BREAKS_AFTER = "/-"  # where UAX #14 would break inside a unit ("mm/s", "m/min", "l/h")
# A number, a space, then a unit-like token: letters, %, °, µ, Ω, with /-·² inside ("5.10 mm/s",
# "45.0 %", "26 A", "400/min" has no space and needs nothing). A following word of 4+ plain
# lower-case letters is a word, not a unit ("7 alarms"), and is left alone.
_QUANTITY = re.compile(
    r"(?<![\w.])(-?\d[\d,.]*)[ ]((?:%|[°µΩ]?[A-Za-z]{1,3}(?:[/·\-][A-Za-z0-9]{1,3})*|°[CF]?)(?![A-Za-z]))"
)


def unit_text(unit: str) -> str:
    """The unit with word joiners after its inner break points: it wraps as one word."""
    for c in _BREAKS_AFTER:
        unit = unit.replace(c, c + WORD_JOINER)
    return unit


def quantity(number: str, unit: str) -> str:
    """'5.10' + 'mm/s' -> '5.10 mm/s' joined so that no line break can fall inside it."""
    return f"{number}{NBSP}{unit_text(unit)}" if unit else number


def no_break(text: str) -> str:
    """Every "<number> <unit>" in `text` joined as `quantity` joins it (for display)."""
    return _QUANTITY.sub(lambda m: quantity(m[1], m[2]), text)


def plain(text: str) -> str:
    """The text with the joins undone (for comparing with stored text)."""
    return text.replace(NBSP, " ").replace(WORD_JOINER, "")
