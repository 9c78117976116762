"""Samples travel in column batches (numpy), never one object or signal per value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class SampleBatch:
    """A batch of tag samples, one row per value change.

    Timestamps are POSIX seconds (UTC) as float64: microsecond resolution for
    the next few centuries and cheap to ship to SQLite and pyqtgraph alike.

    - ``tag_idx``: index of the tag in the line config's tag list (int32)
    - ``source_ts``: when the PLC/device sampled the value
    - ``server_ts``: when the OPC UA server saw it (NaN if not provided)
    - ``received_ts``: when this client received it
    - ``value``: float64; booleans as 0/1, enumerations as their integer, NaN when bad
    - ``status``: raw OPC UA StatusCode (uint32); see ``hmi.core.quality``
    """

    tag_idx: np.ndarray
    source_ts: np.ndarray
    server_ts: np.ndarray
    received_ts: np.ndarray
    value: np.ndarray
    status: np.ndarray

    def __len__(self) -> int:
        return int(self.tag_idx.shape[0])

    @classmethod
    def empty(cls) -> SampleBatch:
        return cls.from_columns([], [], [], [], [], [])

    @classmethod
    def from_columns(
        cls,
        tag_idx: Sequence[int] | np.ndarray,
        source_ts: Sequence[float] | np.ndarray,
        server_ts: Sequence[float] | np.ndarray,
        received_ts: Sequence[float] | np.ndarray,
        value: Sequence[float] | np.ndarray,
        status: Sequence[int] | np.ndarray,
    ) -> SampleBatch:
        batch = cls(
            np.asarray(tag_idx, dtype=np.int32),
            np.asarray(source_ts, dtype=np.float64),
            np.asarray(server_ts, dtype=np.float64),
            np.asarray(received_ts, dtype=np.float64),
            np.asarray(value, dtype=np.float64),
            np.asarray(status, dtype=np.uint32),
        )
        n = len(batch)
        for name in ("source_ts", "server_ts", "received_ts", "value", "status"):
            if getattr(batch, name).shape != (n,):
                raise ValueError(
                    f"SampleBatch column {name!r} has shape {getattr(batch, name).shape}, want ({n},)"
                )
        return batch

    @classmethod
    def concat(cls, batches: Sequence[SampleBatch]) -> SampleBatch:
        batches = [b for b in batches if len(b)]
        if not batches:
            return cls.empty()
        if len(batches) == 1:
            return batches[0]
        return cls(
            *(np.concatenate([getattr(b, f) for b in batches]) for f in cls.__slots__)  # type: ignore[attr-defined]
        )

    def take(self, mask_or_index: np.ndarray) -> SampleBatch:
        return SampleBatch(*(getattr(self, f)[mask_or_index] for f in self.__slots__))  # type: ignore[attr-defined]
