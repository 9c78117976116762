"""Building blocks shared by every part of the line config schema (hmi.core.config and the
sections that live next to the code that uses them, e.g. hmi.core.production.schema)."""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import BeforeValidator, ConfigDict, Field

# Unknown keys are refused: a misspelt 'alarm_hi' silently ignored is an alarm that never fires.
STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


def _toml_number(v: object) -> float:
    """A finite TOML int or float. No coercion: "5" and true are refused (a quoted limit is a typo
    to fix, not a number to guess), and so are nan/inf (an alarm at hi = nan never fires)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"must be a number, got {type(v).__name__} {v!r}")
    try:
        f = float(v)
    except OverflowError:
        raise ValueError(f"must be a finite number, got {v}") from None
    if not math.isfinite(f):
        raise ValueError(f"must be a finite number, got {v!r}")
    return f


Number = Annotated[float, BeforeValidator(_toml_number)]  # TOML ints are fine where floats are wanted
Range = Annotated[tuple[Number, Number], Field(strict=False)]
