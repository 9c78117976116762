"""OPC UA status codes reduced to the quality a supervisor acts on.

Every sample keeps the raw 32-bit OPC UA StatusCode (Part 4, 7.39) so nothing
is lost for diagnostics; the top two bits give the severity that the UI and
the alarm engine use.
"""

from __future__ import annotations

import enum

import numpy as np

# Status codes used by LineHMI itself (values from OPC UA Part 6, StatusCode.csv).
GOOD = 0x00000000
UNCERTAIN = 0x40000000
UNCERTAIN_LAST_USABLE_VALUE = 0x40900000
BAD = 0x80000000
BAD_COMMUNICATION_ERROR = 0x80050000
BAD_NOT_CONNECTED = 0x808A0000
BAD_NODE_ID_UNKNOWN = 0x80340000
BAD_SENSOR_FAILURE = 0x808C0000
BAD_TYPE_MISMATCH = 0x80740000
BAD_WAITING_FOR_INITIAL_DATA = 0x80320000
BAD_OUT_OF_RANGE = 0x803C0000

# --- status bits LineHMI adds --------------------------------------------------------------------
# OPC UA Part 4 (7.39) StatusCode: bits 10-11 InfoType (01 = DataValue), bits 0-9 InfoBits.
# For InfoType DataValue: bits 0-4 HistorianBits (Part 11: 0-1 Raw/Calculated/Interpolated,
# 2 Partial, 3 ExtraData, 4 MultiValue), 5-6 reserved, 7 Overflow, 8-9 LimitBits.
INFOTYPE_DATAVALUE = 0x0000_0400
INFOTYPE_MASK = 0x0000_0C00
HISTORIAN_INTERPOLATED = 0x0000_0002
# A sample that LineHMI fetched with HistoryRead after a disconnection (backfill). InfoType
# DataValue says "historian bits are valid"; bit 5 (reserved in Part 4 for DataValue InfoBits)
# is LineHMI's private "backfilled" marker. Such codes never leave LineHMI (no write-back),
# and the top 16 bits (severity, sub-code) are the server's, so quality and names are unchanged.
BACKFILL_BIT = 0x0000_0020
BACKFILLED = INFOTYPE_DATAVALUE | BACKFILL_BIT

# Codes that mean "no data reached us" (drawn as a gap), as opposed to "the device says bad".
BAD_DATA_LOST = 0x809D0000  # Part 4: "data is missing due to collection started/stopped/lost"
BAD_NO_DATA = 0x809B0000
BAD_NO_COMMUNICATION = 0x80310000
BAD_SERVER_NOT_CONNECTED = 0x800D0000
BAD_CONNECTION_CLOSED = 0x80AE0000
BAD_TIMEOUT = 0x800A0000
BAD_SHUTDOWN = 0x800C0000
GAP_CODES = np.array(
    sorted(
        {
            BAD_NOT_CONNECTED,
            BAD_COMMUNICATION_ERROR,
            BAD_DATA_LOST,
            BAD_NO_DATA,
            BAD_NO_COMMUNICATION,
            BAD_SERVER_NOT_CONNECTED,
            BAD_CONNECTION_CLOSED,
            BAD_TIMEOUT,
            BAD_SHUTDOWN,
        }
    ),
    dtype=np.uint32,
)


def is_backfilled(status: np.ndarray | int) -> np.ndarray | bool:
    """True where a status carries LineHMI's backfill marker (InfoType DataValue + bit 5)."""
    s = np.asarray(status, dtype=np.uint32)
    out = (s & np.uint32(INFOTYPE_MASK | BACKFILL_BIT)) == np.uint32(BACKFILLED)
    return bool(out) if out.ndim == 0 else out


def is_gap_status(status: np.ndarray) -> np.ndarray:
    return np.isin(np.asarray(status, dtype=np.uint32) & np.uint32(0xFFFF0000), GAP_CODES)


def is_bad(status: int) -> bool:
    """The severity bits say Bad (the top bit; 0b11 is reserved and counts as bad too)."""
    return bool(int(status) & BAD)


_NAMES = {
    GOOD: "Good",
    UNCERTAIN: "Uncertain",
    UNCERTAIN_LAST_USABLE_VALUE: "UncertainLastUsableValue",
    BAD: "Bad",
    BAD_COMMUNICATION_ERROR: "BadCommunicationError",
    BAD_NOT_CONNECTED: "BadNotConnected",
    BAD_NODE_ID_UNKNOWN: "BadNodeIdUnknown",
    BAD_SENSOR_FAILURE: "BadSensorFailure",
    BAD_TYPE_MISMATCH: "BadTypeMismatch",
    BAD_WAITING_FOR_INITIAL_DATA: "BadWaitingForInitialData",
    BAD_OUT_OF_RANGE: "BadOutOfRange",
}


# No sample of the tag has arrived (live: since start; review: before the instant). Not a quality a
# device reported: displays say these words, not "? bad" (QA5 F27: "? bad" / "? BadNoData" at a
# review's first instant where the journal holds no Bad sample at all).
NO_SAMPLE_YET = "no sample yet"


def is_no_sample(status: int) -> bool:
    """True for the status of a tag that has no sample yet (BadWaitingForInitialData)."""
    return (int(status) & 0xFFFF0000) == BAD_WAITING_FOR_INITIAL_DATA


# What a value display says in a few words when a status is Bad (the full name is in its tooltip):
# "? BadWaitingForInitialData" does not fit a faceplate, "no sample yet" does.
_SHORT = {
    BAD: "bad",
    BAD_COMMUNICATION_ERROR: "comm. error",
    BAD_NOT_CONNECTED: "no connection",
    BAD_NODE_ID_UNKNOWN: "unknown node",
    BAD_SENSOR_FAILURE: "sensor failure",
    BAD_TYPE_MISMATCH: "wrong type",
    BAD_WAITING_FOR_INITIAL_DATA: NO_SAMPLE_YET,
    BAD_OUT_OF_RANGE: "out of range",
}


def status_short(status: int) -> str:
    """A few words for a Bad status on a value display; the status name for the others."""
    code = int(status) & 0xFFFF0000
    return _SHORT.get(code) or ("bad" if quality_of(status) is Quality.BAD else status_name(status))


class Quality(enum.IntEnum):
    """Severity of a value, ordered so that max() gives the worst."""

    GOOD = 0
    UNCERTAIN = 1
    BAD = 2


def quality_of(status: int) -> Quality:
    severity = (int(status) >> 30) & 0b11
    if severity == 0:
        return Quality.GOOD
    if severity == 1:
        return Quality.UNCERTAIN
    return Quality.BAD


def quality_array(status: np.ndarray) -> np.ndarray:
    """Vectorised `quality_of` for a uint32 array: 0 good, 1 uncertain, 2 bad."""
    sev = (np.asarray(status, dtype=np.uint32) >> np.uint32(30)) & np.uint32(0b11)
    return np.minimum(sev, 2).astype(np.uint8)


def status_name(status: int) -> str:
    """A readable name for a status code, falling back to asyncua's table."""
    status = int(status) & 0xFFFF0000
    name = _NAMES.get(status)
    if name is not None:
        return name
    try:
        from asyncua.ua.status_codes import get_name_and_doc

        return get_name_and_doc(status)[0]
    except Exception:  # unknown vendor code: show it rather than fail
        return f"0x{status:08X}"
