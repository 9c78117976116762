"""Building blocks shared by every part of the line config schema (hmi.core.config and the
sections that live next to the code that uses them, e.g. hmi.core.production.schema)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

# Unknown keys are refused: a misspelt 'alarm_hi' silently ignored is an alarm that never fires.
STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)

Number = Annotated[float, Field(strict=False)]  # TOML ints are fine where floats are wanted
Range = Annotated[tuple[Number, Number], Field(strict=False)]
