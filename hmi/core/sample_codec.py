"""The chunk codec for compacted raw samples: one tag's samples packed into one blob (no SQLite here).

A chunk holds up to `CHUNK_SAMPLES` samples of one tag, in the order every reader returns them
(source time, then journal row id). Every column is kept bit-exact: the five columns of the
`samples` table (source, server and received time, value, status) come back as the same float64
and uint32 bit patterns that a read of the raw rows gives (NULL read as NaN). Row ids are not
kept: nothing shows them, and the order they decided is the order inside the chunk.

The file's clock (`ClockPart`, stored by hmi.core.sample_store): every distinct source time of
the file, in time order, and per time the earliest received time of a sample with it. The demo
line publishes all its tags at one 10 Hz tick and they arrive in one notification, so an LHC2
chunk stores a source time as a step of the clock index (mostly 1) and a received time against
the clock's received time of that tick (a few µs) rather than against its own source time (up to
one publishing interval). Samples without a source time go into LHC1 chunks, which hold every
column themselves (the original format, still read).

Each column is turned into 64-bit words (the float's bit pattern; the status and the index
widened), then into small integers by one of a few reversible transforms, byte-shuffled (all low
bytes, then all next bytes...) so that the many zero high bytes sit together, and compressed with
zlib from the standard library. The encoder tries every transform on every column and keeps the
smallest, so a clock with jitter, a constant status or a value that only changes now and then
each get what suits them:

- `raw`: the words as they are;
- `delta` / `delta2`: zigzag of the first / second difference (regular sampling: delta2 is ~0);
- `xor`: XOR with the previous word (Gorilla-style, for values that repeat or move in low bits);
- `ref`: zigzag of the difference to the source time's word (server time equal to source time: 0;
  received time a few ms later: a small number);
- `ref_delta`: the difference of `ref` to the previous row (a latency that barely changes);
- `ref2` / `ref2_delta`: the same against the clock's received time (LHC2 only).

Blob layouts (little-endian; a column is transform (uint8), length (uint32), zlib bytes):
LHC1: b"LHC1", n (uint32), then source_ts, server_ts, received_ts, value, status.
LHC2: b"LHC2", n (uint32), first and last clock index (uint64), then the index minus the first,
server_ts, received_ts, value, status. Clock: b"LHK1", n (uint32), first index (uint64), times,
received. Integer arithmetic wraps modulo 2^64, so every transform is exact for every bit pattern
(NaN, infinities, subnormals, -0.0 included).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

MAGIC = b"LHC1"  # every column in the chunk
MAGIC2 = b"LHC2"  # source times as indices into the file's clock (`ClockPart`)
CLOCK_MAGIC = b"LHK1"
# Per chunk: about 7 min of a 10 Hz tag. A read decodes at most this many samples beyond what it
# returns, at each end of its range: a trend's two bound samples (the last before, the first after)
# cost two chunk decodes per pen. 16,384 saved 0.4 B/sample and made those 3x dearer (bench/README.md).
CHUNK_SAMPLES = 4_096
COLUMNS = ("source_ts", "server_ts", "received_ts", "value", "status")
_ZLIB_LEVEL = 9

# Column transforms; `ref` is the source time's words, `ref2` the clock's received time (LHC2 only).
_RAW, _DELTA, _DELTA2, _XOR, _REF, _REF_DELTA, _REF2, _REF2_DELTA = range(8)
_PLAIN = (_RAW, _DELTA, _DELTA2, _XOR)
_ON_SOURCE = (*_PLAIN, _REF, _REF_DELTA)
_ON_CLOCK = (*_ON_SOURCE, _REF2, _REF2_DELTA)


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


def _forward(kind: int, x: np.ndarray, ref: np.ndarray, ref2: np.ndarray) -> np.ndarray:
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
        if kind in (_REF, _REF2):
            return _zigzag(x - (ref if kind == _REF else ref2))
        if kind in (_REF_DELTA, _REF2_DELTA):
            return _zigzag(_diff(x - (ref if kind == _REF_DELTA else ref2)))
    raise ChunkError(f"unknown column transform {kind}")


def _backward(kind: int, z: np.ndarray, ref: np.ndarray, ref2: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        if kind == _RAW:
            return z
        if kind == _DELTA:
            return np.cumsum(_unzigzag(z), dtype=np.uint64)
        if kind == _DELTA2:
            return np.cumsum(np.cumsum(_unzigzag(z), dtype=np.uint64), dtype=np.uint64)
        if kind == _XOR:
            return np.bitwise_xor.accumulate(z)
        if kind in (_REF, _REF2):
            return _unzigzag(z) + (ref if kind == _REF else ref2)
        if kind in (_REF_DELTA, _REF2_DELTA):
            return np.cumsum(_unzigzag(z), dtype=np.uint64) + (ref if kind == _REF_DELTA else ref2)
    raise ChunkError(f"unknown column transform {kind}")


def _shuffle(z: np.ndarray) -> bytes:
    return np.ascontiguousarray(z.astype("<u8").view(np.uint8).reshape(-1, 8).T).tobytes()


def _unshuffle(b: bytes, n: int) -> np.ndarray:
    planes = np.frombuffer(b, dtype=np.uint8)
    if planes.shape[0] != 8 * n:
        raise ChunkError(f"column holds {planes.shape[0]} bytes, expected {8 * n}")
    return np.ascontiguousarray(planes.reshape(8, n).T).view("<u8").reshape(n).astype(np.uint64)


_NO_REF = np.empty(0, dtype=np.uint64)


def _pack(
    x: np.ndarray, kinds: tuple[int, ...], ref: np.ndarray = _NO_REF, ref2: np.ndarray = _NO_REF
) -> bytes:
    """One column: every transform in `kinds` is tried, the smallest result kept."""
    best: tuple[int, bytes] | None = None
    for kind in kinds:
        packed = zlib.compress(_shuffle(_forward(kind, x, ref, ref2)), _ZLIB_LEVEL)
        if best is None or len(packed) < len(best[1]):
            best = (kind, packed)
    assert best is not None
    return struct.pack("<BI", best[0], len(best[1])) + best[1]


def _unpack(
    mv: memoryview, pos: int, n: int, ref: np.ndarray = _NO_REF, ref2: np.ndarray = _NO_REF
) -> tuple[np.ndarray, int]:
    kind, length = struct.unpack_from("<BI", mv, pos)
    pos += 5
    z = _unshuffle(zlib.decompress(mv[pos : pos + length]), n)
    return _backward(kind, z, ref, ref2), pos + length


def _check_magic(mv: memoryview, magic: bytes, what: str) -> None:
    if bytes(mv[:4]) != magic:
        raise ChunkError(f"not a LineHMI {what} (starts with {bytes(mv[:4])!r}, expected {magic!r})")


def encode(cols: SampleColumns) -> bytes:
    """An LHC1 chunk blob for `cols` (any length; the writer cuts at CHUNK_SAMPLES): every column kept
    in the chunk itself. For samples without a source time, and readable without the file's clock."""
    n = len(cols)
    ref = _words(cols.source_ts)
    out = [MAGIC, struct.pack("<I", n), _pack(ref, _PLAIN)]
    out += [_pack(_words(getattr(cols, name)), _ON_SOURCE, ref) for name in COLUMNS[1:]]
    return b"".join(out)


@dataclass(frozen=True, slots=True)
class ClockPart:
    """Entries `first`..`first + len - 1` of a file's clock: every distinct source time of the file
    (ascending), and per time the earliest received time of a sample with it (what the received
    times of that tick's samples are stored against)."""

    first: int
    times: np.ndarray  # float64
    received: np.ndarray  # float64

    def __len__(self) -> int:
        return int(self.times.shape[0])


# (first, last) clock index -> the clock's (times, received) words for exactly those entries
ClockLookup = Callable[[int, int], tuple[np.ndarray, np.ndarray]]


def encode_clock(part: ClockPart) -> bytes:
    """A clock blob: b"LHK1", n (uint32), first index (uint64), then times and received columns."""
    t = _words(part.times)
    head = CLOCK_MAGIC + struct.pack("<IQ", len(part), part.first)
    return head + _pack(t, _PLAIN) + _pack(_words(part.received), _ON_SOURCE, t)


def decode_clock(blob: bytes) -> ClockPart:
    mv = memoryview(blob)
    _check_magic(mv, CLOCK_MAGIC, "sample clock")
    try:
        n, first = struct.unpack_from("<IQ", mv, 4)
        t, pos = _unpack(mv, 16, n)
        r, _ = _unpack(mv, pos, n, t)
    except (struct.error, zlib.error) as exc:
        raise ChunkError(f"damaged sample clock: {exc}") from None
    return ClockPart(int(first), t.view(np.float64), r.view(np.float64))


def encode_on_clock(cols: SampleColumns, index: np.ndarray, clock: ClockPart) -> bytes:
    """An LHC2 chunk blob: the source times as indices into the file's clock (`index[i]` is the
    clock entry equal, bit for bit, to `cols.source_ts[i]`), the received times also against the
    clock's received time of that entry. Decoding needs the clock (`decode(blob, lookup)`)."""
    n = len(cols)
    index = np.asarray(index, dtype=np.int64)
    i0, i1 = (int(index.min()), int(index.max())) if n else (0, 0)
    at = index - clock.first
    ref, ref2 = _words(clock.times[at]), _words(clock.received[at])
    if not np.array_equal(ref, _words(cols.source_ts)):
        raise ChunkError("clock indices do not give the samples' source times")
    offsets = (index - i0).astype(np.uint64)
    out = [MAGIC2, struct.pack("<IQQ", n, i0, i1), _pack(offsets, _PLAIN)]
    out += [_pack(_words(getattr(cols, name)), _ON_CLOCK, ref, ref2) for name in COLUMNS[1:]]
    return b"".join(out)


def clock_range(blob: bytes) -> tuple[int, int] | None:
    """(first, last) clock index an LHC2 blob refers to; None for an LHC1 blob (needs no clock)."""
    mv = memoryview(blob)
    if bytes(mv[:4]) != MAGIC2:
        return None
    try:
        _n, i0, i1 = struct.unpack_from("<IQQ", mv, 4)
    except struct.error as exc:
        raise ChunkError(f"damaged sample chunk: {exc}") from None
    return int(i0), int(i1)


def decode(blob: bytes, clock: ClockLookup | None = None) -> SampleColumns:
    """The columns of a chunk blob, bit-exact; ChunkError when the blob is not one (or an LHC2 blob
    comes without its clock)."""
    mv = memoryview(blob)
    if bytes(mv[:4]) == MAGIC2:
        return _decode_on_clock(mv, clock)
    _check_magic(mv, MAGIC, "sample chunk")
    try:
        (n,) = struct.unpack_from("<I", mv, 4)
        src, pos = _unpack(mv, 8, n)
        rest = []
        for _name in COLUMNS[1:]:
            w, pos = _unpack(mv, pos, n, src)
            rest.append(w)
    except (struct.error, zlib.error) as exc:
        raise ChunkError(f"damaged sample chunk: {exc}") from None
    return _columns(src, *rest)


def _decode_on_clock(mv: memoryview, clock: ClockLookup | None) -> SampleColumns:
    if clock is None:
        raise ChunkError("a sample chunk stored against the file's clock was read without the clock")
    try:
        n, i0, i1 = struct.unpack_from("<IQQ", mv, 4)
        if n == 0:
            return SampleColumns.empty()
        offsets, pos = _unpack(mv, 24, n)
        times, received = clock(int(i0), int(i1))
        if times.shape[0] != i1 - i0 + 1 or (n and int(offsets.max()) > i1 - i0):
            raise ChunkError(f"sample chunk refers to clock entries {i0}..{i1} the file does not hold")
        at = offsets.astype(np.intp)
        src, rcv_base = times[at], received[at]
        rest = []
        for _name in COLUMNS[1:]:
            w, pos = _unpack(mv, pos, n, src, rcv_base)
            rest.append(w)
    except (struct.error, zlib.error) as exc:
        raise ChunkError(f"damaged sample chunk: {exc}") from None
    return _columns(src, *rest)


def _columns(
    src: np.ndarray, srv: np.ndarray, rcv: np.ndarray, val: np.ndarray, st: np.ndarray
) -> SampleColumns:
    return SampleColumns(
        src.view(np.float64),
        srv.view(np.float64),
        rcv.view(np.float64),
        val.view(np.float64),
        st.astype(np.uint32),
    )
