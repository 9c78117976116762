"""OPC UA DataValues -> the numbers, qualities and timestamps LineHMI journals.

Two rules that the simulator never exercised but real stacks do:

- A Good status with *info bits* set (Overflow: the server's queue dropped
  values; the other DataValue info bits) is not Good: the value is real but
  something between the sensor and us was lost. It becomes Uncertain, with
  the low bits kept so the cause stays readable.
- The OPC UA null DateTime (0 ticks, shown by asyncua as 1601-01-01) and
  absent timestamps mean "unknown": the source timestamp falls back to the
  server timestamp, then to the receive time, and the caller is told.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from dataclasses import dataclass

from asyncua import ua

from hmi.core.quality import GOOD, UNCERTAIN
from hmi.core.text_samples import exact_int_text, rounded

# StatusCode bits 0-9 (Part 4, 7.39.1): InfoType DataValue + Overflow + Limit bits.
# Limit bits alone (Low/High/Constant) say where the value sits, not that data was
# lost, so only Overflow and the "multi-value"/"semantics" info bits make it Uncertain.
OVERFLOW_BIT = 0x0080
_INFO_TYPE_DATAVALUE = 0x0400
_SEMANTICS_CHANGED = 0x4000
_STRUCTURE_CHANGED = 0x8000
_MULTI_VALUE = 0x0010
_LOSSY_INFO = OVERFLOW_BIT | _MULTI_VALUE | _SEMANTICS_CHANGED | _STRUCTURE_CHANGED

# Anything before 1980 is a placeholder, not a PLC clock (OPC UA null is 1601-01-01).
_EARLIEST_REAL = dt.datetime(1980, 1, 1, tzinfo=dt.UTC).timestamp()


def effective_status(code: int) -> int:
    """Good with a lossy info bit -> Uncertain with the same low bits (kept for diagnostics)."""
    code = int(code)
    if code & 0xC0000000 == 0 and code & _LOSSY_INFO:
        return UNCERTAIN | (code & 0x0000FFFF)
    return code


def to_float(value: object) -> float | None:
    """A scalar OPC UA value -> float64 for the journal and trends; None if not numeric.

    Integers beyond 2**53 do not fit a float64 exactly: the float is the nearest one (for
    trends), and `convert` also hands out the exact digits (`Stamped.text`), journaled as text.
    """
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int):
        return rounded(value)
    if isinstance(value, float):
        return value
    if isinstance(value, dt.datetime):  # a DateTime tag trends as POSIX seconds
        ts = timestamp_or_none(value)
        return ts if ts is not None else math.nan
    if value is None:
        return math.nan
    return None


def timestamp_or_none(value: object) -> float | None:
    if not isinstance(value, dt.datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)  # asyncua hands out UTC, sometimes naive
    try:
        ts = value.timestamp()
    except (OverflowError, ValueError, OSError):
        return None
    return ts if ts >= _EARLIEST_REAL else None


def to_text(value: object) -> str | None:
    """An OPC UA value as text for a `data_type = "text"` tag; None for no value.

    Strings and LocalizedText as they are; a ByteString as UTF-8 text (bytes that are not
    UTF-8 are shown as U+FFFD, never dropped silently); numbers, booleans, DateTime, Guid and
    NodeId in their usual spelling; an array as a JSON list of its elements. A structure has
    no text form: TypeError (the caller flags the tag with the type it got)."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return json.dumps([to_text(v) for v in value], ensure_ascii=False)
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, ua.LocalizedText):
        return value.Text
    if isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, dt.datetime):
        ts = timestamp_or_none(value)
        if ts is None:
            return None
        return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="milliseconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, ua.NodeId):
        return value.to_string()
    if isinstance(value, ua.QualifiedName):
        return value.to_string()
    raise TypeError(f"a {type(value).__name__} has no text form")


@dataclass(frozen=True, slots=True)
class Stamped:
    value: float
    status: int
    source_ts: float
    server_ts: float
    source_fallback: str  # "" when the source timestamp was real; else "server" or "receive"
    overflow: bool
    # A text tag's text; for a number tag, the exact digits of an integer beyond 2^53 (else None).
    text: str | None = None


def pick(raw: object, element: int | None) -> object:
    """The configured element of an array value; a scalar as it is. An array without an
    element configured, or an element beyond its end, is not a number (None -> flagged)."""
    if isinstance(raw, list | tuple):
        if element is not None and element < len(raw):
            return raw[element]
        return _NOT_A_NUMBER
    return raw if element is None else _NOT_A_NUMBER


_NOT_A_NUMBER = object()


def convert(
    dv: ua.DataValue, received: float, element: int | None = None, *, text: bool = False
) -> Stamped | None:
    """None when the value is not numeric, or for a text tag (`text=True`) has no text form
    (the caller flags the tag)."""
    raw_status = dv.StatusCode.value if dv.StatusCode is not None else GOOD
    whole = dv.Value.Value if dv.Value is not None else None
    if text:
        raw = whole if element is None or not isinstance(whole, list | tuple) else pick(whole, element)
        if raw is _NOT_A_NUMBER:
            return None
        try:
            as_text = to_text(raw)
        except TypeError:
            return None
        value = math.nan
    else:
        raw = pick(whole, element)
        f = to_float(raw)
        if f is None:
            return None
        value, as_text = f, exact_int_text(raw)
    server = timestamp_or_none(dv.ServerTimestamp)
    source = timestamp_or_none(dv.SourceTimestamp)
    fallback = ""
    if source is None:
        source, fallback = (server, "server") if server is not None else (received, "receive")
    return Stamped(
        value,
        effective_status(raw_status),
        source,
        server if server is not None else math.nan,
        fallback,
        bool(raw_status & OVERFLOW_BIT),
        as_text,
    )
