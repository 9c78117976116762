"""The chunk codec for compacted raw samples: one tag's samples packed into one blob (no SQLite here).

A chunk holds up to `CHUNK_SAMPLES` samples of one tag, in the order every reader returns them
(source time, then journal row id). Every column is kept bit-exact: the five columns of the
`samples` table (source, server and received time, value, status) come back as the same float64
and uint32 bit patterns that a read of the raw rows gives (NULL read as NaN). Row ids are not
kept: nothing shows them, and the order they decided is the order inside the chunk.

Each column is turned into 64-bit words (the float's bit pattern; the status widened), then into
small integers by one of a few reversible transforms, byte-shuffled (all low bytes, then all next
bytes...) so that the many zero high bytes sit together, and compressed with zlib from the
standard library. The encoder tries every transform on every column and keeps the smallest, so a
clock with jitter, a constant status or a value that only changes now and then each get what suits
them:

- `raw`: the words as they are;
- `delta` / `delta2`: zigzag of the first / second difference (regular sampling: delta2 is ~0);
- `xor`: XOR with the previous word (Gorilla-style, for values that repeat or move in low bits);
- `ref`: zigzag of the difference to the source time's word (server time equal to source time: 0;
  received time a few ms later: a small number);
- `ref_delta`: the difference of `ref` to the previous row (a latency that barely changes).

Blob layout (little-endian): b"LHC1", n (uint32), then per column in the order
source_ts, server_ts, received_ts, value, status: transform (uint8), length (uint32), zlib bytes.
Integer arithmetic wraps modulo 2^64, so every transform is exact for every bit pattern (NaN,
infinities, subnormals, -0.0 included).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np

MAGIC = b"LHC1"
CHUNK_SAMPLES = 16_384  # per chunk: about 27 min of a 10 Hz tag; a read decodes at most this many extra
COLUMNS = ("source_ts", "server_ts", "received_ts", "value", "status")
_ZLIB_LEVEL = 9

_RAW, _DELTA, _DELTA2, _XOR, _REF, _REF_DELTA = range(6)
_TRANSFORMS = (_RAW, _DELTA, _DELTA2, _XOR, _REF, _REF_DELTA)


class ChunkError(ValueError):
    """A chunk blob that this version cannot decode (corrupt, or written by a newer LineHMI)."""


@dataclass(frozen=True, slots=True)
class SampleColumns:
    """One tag's samples as columns, in reading order (source time, then row id)."""

    source_ts: np.ndarray  # float64
    server_ts: np.ndarray  # float64, NaN where none
    received_ts: np.ndarray  # float64
    value: np.ndarray  # float64, NaN where NULL
    status: np.ndarray  # uint32

    def __len__(self) -> int:
        return int(self.source_ts.shape[0])

    @classmethod
    def empty(cls) -> SampleColumns:
        f = np.empty(0, dtype=np.float64)
        return cls(f, f.copy(), f.copy(), f.copy(), np.empty(0, dtype=np.uint32))

    def take(self, index: np.ndarray | slice) -> SampleColumns:
        return SampleColumns(*(getattr(self, c)[index] for c in COLUMNS))

    def reversed(self) -> SampleColumns:
        return self.take(slice(None, None, -1))

    @classmethod
    def concat(cls, parts: list[SampleColumns]) -> SampleColumns:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        return cls(*(np.concatenate([getattr(p, c) for p in parts]) for c in COLUMNS))

    def identical(self, other: SampleColumns) -> bool:
        """Bit-for-bit equal (NaN payloads and -0.0 included)."""
        return len(self) == len(other) and all(
            np.array_equal(_words(getattr(self, c)), _words(getattr(other, c))) for c in COLUMNS
        )


def _words(a: np.ndarray) -> np.ndarray:
    if a.dtype == np.float64:
        return np.ascontiguousarray(a).view(np.uint64)
    return a.astype(np.uint64)


def _zigzag(x: np.ndarray) -> np.ndarray:
    s = x.view(np.int64)
    return ((s << np.int64(1)) ^ (s >> np.int64(63))).view(np.uint64)


def _unzigzag(z: np.ndarray) -> np.ndarray:
    return ((z >> np.uint64(1)) ^ (np.uint64(0) - (z & np.uint64(1)))).astype(np.uint64)


def _diff(x: np.ndarray) -> np.ndarray:
    out = x.copy()
    out[1:] = x[1:] - x[:-1]  # wraps modulo 2^64 in uint64
    return out


def _forward(kind: int, x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        if kind == _RAW:
            return x
        if kind == _DELTA:
            return _zigzag(_diff(x))
        if kind == _DELTA2:
            return _zigzag(_diff(_diff(x)))
        if kind == _XOR:
            out = x.copy()
            out[1:] = x[1:] ^ x[:-1]
            return out
        if kind == _REF:
            return _zigzag(x - ref)
        if kind == _REF_DELTA:
            return _zigzag(_diff(x - ref))
    raise ChunkError(f"unknown column transform {kind}")


def _backward(kind: int, z: np.ndarray, ref: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        if kind == _RAW:
            return z
        if kind == _DELTA:
            return np.cumsum(_unzigzag(z), dtype=np.uint64)
        if kind == _DELTA2:
            return np.cumsum(np.cumsum(_unzigzag(z), dtype=np.uint64), dtype=np.uint64)
        if kind == _XOR:
            return np.bitwise_xor.accumulate(z)
        if kind == _REF:
            return _unzigzag(z) + ref
        if kind == _REF_DELTA:
            return np.cumsum(_unzigzag(z), dtype=np.uint64) + ref
    raise ChunkError(f"unknown column transform {kind}")


def _shuffle(z: np.ndarray) -> bytes:
    return np.ascontiguousarray(z.astype("<u8").view(np.uint8).reshape(-1, 8).T).tobytes()


def _unshuffle(b: bytes, n: int) -> np.ndarray:
    planes = np.frombuffer(b, dtype=np.uint8)
    if planes.shape[0] != 8 * n:
        raise ChunkError(f"column holds {planes.shape[0]} bytes, expected {8 * n}")
    return np.ascontiguousarray(planes.reshape(8, n).T).view("<u8").reshape(n).astype(np.uint64)


def encode(cols: SampleColumns) -> bytes:
    """One chunk blob for `cols` (any length; the writer cuts at CHUNK_SAMPLES)."""
    n = len(cols)
    ref = _words(cols.source_ts)
    out = [MAGIC, struct.pack("<I", n)]
    for name in COLUMNS:
        x = _words(getattr(cols, name))
        kinds = _TRANSFORMS if name != "source_ts" else (_RAW, _DELTA, _DELTA2, _XOR)
        best: tuple[int, bytes] | None = None
        for kind in kinds:
            packed = zlib.compress(_shuffle(_forward(kind, x, ref)), _ZLIB_LEVEL)
            if best is None or len(packed) < len(best[1]):
                best = (kind, packed)
        assert best is not None
        out.append(struct.pack("<BI", best[0], len(best[1])))
        out.append(best[1])
    return b"".join(out)


def decode(blob: bytes) -> SampleColumns:
    """The columns of a chunk blob, bit-exact; ChunkError when the blob is not one."""
    mv = memoryview(blob)
    if bytes(mv[:4]) != MAGIC:
        raise ChunkError(f"not a LineHMI sample chunk (starts with {bytes(mv[:4])!r}, expected {MAGIC!r})")
    try:
        (n,) = struct.unpack_from("<I", mv, 4)
        pos = 8
        words: dict[str, np.ndarray] = {}
        ref = np.empty(0, dtype=np.uint64)
        for name in COLUMNS:
            kind, length = struct.unpack_from("<BI", mv, pos)
            pos += 5
            z = _unshuffle(zlib.decompress(mv[pos : pos + length]), n)
            pos += length
            words[name] = _backward(kind, z, ref)
            if name == "source_ts":
                ref = words[name]
    except (struct.error, zlib.error) as exc:
        raise ChunkError(f"damaged sample chunk: {exc}") from None
    return SampleColumns(
        words["source_ts"].view(np.float64),
        words["server_ts"].view(np.float64),
        words["received_ts"].view(np.float64),
        words["value"].view(np.float64),
        words["status"].astype(np.uint32),
    )
