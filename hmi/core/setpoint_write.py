"""When the setpoint dialog's Write may be pressed (the dialog's button and its touch pad's Write key).

QA4: after "Written and read back: filler.speed_sp = 390.0", Write stayed enabled for a write of
"390" that changes nothing; and on the touch pad the Write key looked enabled while the field was
empty (the dialog's own Write was disabled). One rule, Qt-free, for both keys and every tag type:
Write is enabled only when the entry is a valid value, the value differs from the current one,
no write is pending and the user may write. Each "no" says why.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WriteKey:
    enabled: bool
    why_not: str = ""  # shown beside the entry / as the key's tooltip ("" when enabled)


def write_key(
    value: float | None,
    current: float | None,
    *,
    pending: bool,
    refusal: str,
    shown: str = "",
) -> WriteKey:
    """`value`: the entry's value (None: empty or refused by the parser); `current`: the tag's
    value now (None: not known, Bad: a write is then the way to set it); `refusal`: why the user
    may not write ("" when they may); `shown`: the current value as the screen shows it."""
    if refusal:
        return WriteKey(False, refusal)
    if pending:
        return WriteKey(False, "a write is in progress")
    if value is None:
        return WriteKey(False, "enter a valid new value first")
    if current is not None and value == current:
        return WriteKey(False, f"the value is already {shown or f'{current:g}'}: nothing to write")
    return WriteKey(True)
