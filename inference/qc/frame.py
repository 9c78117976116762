"""One camera image as it arrived, before any checking: what a camera source hands to the inspector."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

GOOD = 0


@dataclass(frozen=True)
class QcFrame:
    """Encoded bytes (PNG/JPEG...) or an H x W x 3 uint8 array, with where and when it came from."""

    data: bytes | np.ndarray | None
    seq: int = 0
    ts: float = field(default_factory=time.time)  # source timestamp (camera/PLC clock), POSIX s
    source: str = "camera"
    status: int = GOOD  # OPC UA status of the sample: a Bad frame is an error, never classified
    meta: dict[str, str] = field(default_factory=dict)  # e.g. the PNG's tEXt chunks
