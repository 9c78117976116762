"""A number from the operator -> the exact OPC UA value the node's data type takes.

Checked here, before anything is sent, so a value the PLC's type cannot hold
(70000 for an Int16, 2.5 for an Int32) is refused with the reason instead of
reaching asyncua's packer (a Python struct error on the operator's screen) or
being called a refusal by the server.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from asyncua import ua

_INT_RANGES: dict[ua.VariantType, tuple[int, int]] = {
    ua.VariantType.SByte: (-(2**7), 2**7 - 1),
    ua.VariantType.Byte: (0, 2**8 - 1),
    ua.VariantType.Int16: (-(2**15), 2**15 - 1),
    ua.VariantType.UInt16: (0, 2**16 - 1),
    ua.VariantType.Int32: (-(2**31), 2**31 - 1),
    ua.VariantType.UInt32: (0, 2**32 - 1),
    ua.VariantType.Int64: (-(2**63), 2**63 - 1),
    ua.VariantType.UInt64: (0, 2**64 - 1),
}
_FLOAT32_MAX = 3.4028234663852886e38


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    status: int  # OPC UA status (0 = Good); a local refusal carries the status it stands for
    message: str  # for the operator and the journal: what happened and why
    local: bool = False  # refused by LineHMI before anything was sent
    read_back: float | None = None  # what the server holds after the write (if checked)

    @property
    def ok(self) -> bool:
        return self.status == 0


def encode(vtype: ua.VariantType, value: float) -> tuple[object, str]:
    """(python value, "") or (None, why the node's type cannot take it)."""
    if not math.isfinite(value):
        return None, f"{value} is not a finite number"
    if vtype == ua.VariantType.Boolean:
        if value not in (0, 1):
            return None, f"the node is Boolean: it takes 0 or 1, got {value:g}"
        return bool(value), ""
    if vtype == ua.VariantType.Double:
        return float(value), ""
    if vtype == ua.VariantType.Float:
        if abs(value) > _FLOAT32_MAX:
            return None, f"the node is Float (32-bit): {value:g} is beyond its range"
        return float(value), ""
    if vtype in _INT_RANGES:
        lo, hi = _INT_RANGES[vtype]
        if float(value) != int(value):
            return None, f"the node is {vtype.name}: it takes whole numbers, got {value:g}"
        if not lo <= int(value) <= hi:
            return None, f"the node is {vtype.name}: it takes {lo}..{hi}, got {int(value)}"
        return int(value), ""
    return None, f"the node's data type is {vtype.name}, which LineHMI does not write"


def same_value(written: object, read_back: object, vtype: ua.VariantType) -> bool:
    if vtype == ua.VariantType.Float and isinstance(read_back, float) and isinstance(written, float):
        return math.isclose(written, read_back, rel_tol=1e-6, abs_tol=1e-30)
    return bool(written == read_back)
