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


# What a value display says in a few words when a status is Bad (the full name is in its tooltip):
# "? BadWaitingForInitialData" does not fit a faceplate, "? no data yet" does.
_SHORT = {
    BAD: "bad",
    BAD_COMMUNICATION_ERROR: "comm. error",
    BAD_NOT_CONNECTED: "no connection",
    BAD_NODE_ID_UNKNOWN: "unknown node",
    BAD_SENSOR_FAILURE: "sensor failure",
    BAD_TYPE_MISMATCH: "wrong type",
    BAD_WAITING_FOR_INITIAL_DATA: "no data yet",
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
    sev = (status.astype(np.uint32) >> np.uint32(30)) & np.uint32(0b11)
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
