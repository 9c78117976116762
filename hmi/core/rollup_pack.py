"""Packed rollups of a compacted journal file: the trend's long reads without one Python object per value.

A trend of 20 pens over 8 h reads 57,600 rows of the 10 s rollup (`hmi.core.rollup`). SQLite finds
them in a few ms; turning them into Python tuples and then numpy arrays is what costs (~185 ms CPU
on the 2-core VM, bench/README.md). A closed file's rollups no longer change, so when the retention
job compacts a file (`hmi.core.sample_compact`) it also packs them: per tag and level, pieces of
`PACK_ROWS` rows, each one blob of the table's columns as 64-bit words (`encode_pack`), read with
`np.frombuffer` after zlib.

The packs are a read copy: the `sample_rollup` table stays as it is and stays the truth (the writer
upserts into it, production reads its counter buckets from it, retention deletes it). A read uses
the packed rows only where they are exactly the table's rows in the range, checked by one SQLite
aggregate over the same index range: the row count and the sum of `n`. Every write into the table
adds at least one sample to a bucket (the upsert adds `excluded.n` >= 1, a new bucket has n >= 1),
so a file written into after it was compacted (a clock set back) fails the check where it was
written, and those reads take the rows from the table as before; deleting rollups deletes packs.
"""

from __future__ import annotations

import sqlite3
import struct
import zlib

import numpy as np

from hmi.core.rollup import ROLLUP_TABLE
from hmi.core.sqlite_tables import has_table
from hmi.core.trend_data import FLAG_MASK, Buckets

PACK_TABLE = "rollup_packs"
PACK_MAGIC = b"LHR1"
# Rows per pack: about 11 h of the 10 s level, so an 8 h read of a pen decodes one or two packs. A
# read decodes at most this many rows beyond its range at each end (about 0.3 ms).
PACK_ROWS = 4_096
PACK_SCHEMA_SQL = f"""
CREATE TABLE IF NOT EXISTS {PACK_TABLE} (
  id INTEGER PRIMARY KEY,
  tag_id INTEGER NOT NULL,
  level INTEGER NOT NULL,
  k_first INTEGER NOT NULL,
  k_last INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  data BLOB NOT NULL
)"""
PACK_INDEX_SQL = (
    f"CREATE UNIQUE INDEX IF NOT EXISTS idx_{PACK_TABLE} ON {PACK_TABLE} (tag_id, level, k_first)"
)

# The table's columns in a pack, in this order; NULL (vmin, vmax, v_last of a bucket without a
# usable value) is packed as NaN, which is what a read of the rows into float64 gives.
_INTS = ("bucket", "n", "n_bad", "n_unc", "s_last", "s_bad", "flags")
_FLOATS = ("t_first", "t_last", "vmin", "vmax", "v_last")
_SELECT = f"SELECT {', '.join(_INTS + _FLOATS)} FROM {ROLLUP_TABLE}"


def has_packs(conn: sqlite3.Connection) -> bool:
    return has_table(conn, PACK_TABLE)


class PackError(ValueError):
    """A pack blob this version cannot decode (the read then takes the table's rows)."""


# Per column, the reversible transform of its 64-bit words that zlib compresses best: the words
# as they are, zigzag of the difference to the previous row (bucket numbers, times, counts), or XOR
# with the previous row (values that repeat or move in low bits).
_RAW, _DELTA, _XOR = 0, 1, 2


def _forward(kind: int, x: np.ndarray) -> np.ndarray:
    out = x.copy()
    with np.errstate(over="ignore"):
        if kind == _DELTA:
            out[1:] = x[1:] - x[:-1]  # wraps modulo 2^64
            s = out.view(np.int64)
            return ((s << np.int64(1)) ^ (s >> np.int64(63))).view(np.uint64)
        if kind == _XOR:
            out[1:] = x[1:] ^ x[:-1]
    return out


def _shuffled(z: np.ndarray) -> bytes:
    """Words (cols, n) as byte planes (all low bytes of a column, then the next...): the many equal
    high bytes sit together for zlib."""
    planes = z.astype("<u8").view(np.uint8).reshape(z.shape[0], z.shape[1], 8).transpose(0, 2, 1)
    return np.ascontiguousarray(planes).tobytes()


def encode_pack(words: np.ndarray) -> bytes:
    """A pack blob of word columns `words` (cols, n) uint64: b"LHR1", n (uint32), cols (uint8), the
    transform per column (uint8 each), then one zlib stream of the transformed, shuffled columns."""
    cols, n = words.shape
    kinds = [
        min(
            (_RAW, _DELTA, _XOR),
            key=lambda k: len(zlib.compress(_shuffled(_forward(k, row).reshape(1, n)), 6)),
        )
        for row in words
    ]
    z = np.stack([_forward(k, row) for k, row in zip(kinds, words, strict=True)]) if cols else words
    head = PACK_MAGIC + struct.pack("<IB", n, cols) + bytes(kinds)
    return head + zlib.compress(_shuffled(z), 9)


def decode_pack(blob: bytes, cols: int) -> np.ndarray:
    """The word columns (cols, n) uint64 of a pack blob, bit-exact; PackError when it is not one."""
    if blob[:4] != PACK_MAGIC or len(blob) < 9 + cols:
        raise PackError(f"not a rollup pack (starts with {bytes(blob[:4])!r}, {len(blob)} bytes)")
    n, got = struct.unpack_from("<IB", blob, 4)
    if got != cols:
        raise PackError(f"rollup pack of {got} columns, expected {cols}")
    kinds = np.frombuffer(blob, dtype=np.uint8, count=cols, offset=9)
    if np.any(kinds > _XOR):
        raise PackError(f"unknown column transform in rollup pack: {sorted(set(kinds.tolist()))}")
    try:
        planes = np.frombuffer(zlib.decompress(blob[9 + cols :]), dtype=np.uint8)
    except zlib.error as exc:
        raise PackError(f"damaged rollup pack: {exc}") from None
    if planes.shape[0] != cols * 8 * n:
        raise PackError(f"rollup pack holds {planes.shape[0]} bytes, expected {cols * 8 * n}")
    z = np.ascontiguousarray(planes.reshape(cols, 8, n).transpose(0, 2, 1)).view("<u8").reshape(cols, n)
    z = z.astype(np.uint64)
    with np.errstate(over="ignore"):
        d = kinds == _DELTA
        if d.any():
            zz = z[d]
            z[d] = np.cumsum(
                (zz >> np.uint64(1)) ^ (np.uint64(0) - (zz & np.uint64(1))), axis=1, dtype=np.uint64
            )
        x = kinds == _XOR
        if x.any():
            z[x] = np.bitwise_xor.accumulate(z[x], axis=1)
    return z


def pack_rollups(conn: sqlite3.Connection) -> int:
    """(Re)build the packs from the rollup table, inside the caller's transaction; rows packed."""
    conn.execute(PACK_SCHEMA_SQL)
    conn.execute(PACK_INDEX_SQL)
    conn.execute(f"DELETE FROM {PACK_TABLE}")
    keys = conn.execute(f"SELECT DISTINCT tag_id, level FROM {ROLLUP_TABLE} ORDER BY 1, 2").fetchall()
    done = 0
    for tag_id, level in keys:
        rows = conn.execute(
            f"{_SELECT} WHERE tag_id = ? AND level = ? ORDER BY bucket", (tag_id, level)
        ).fetchall()
        a = np.array(rows, dtype=np.float64)  # NULL -> NaN
        ints = np.array([r[: len(_INTS)] for r in rows], dtype=np.int64)  # exact, whatever their size
        words = np.concatenate([ints.view(np.uint64), a[:, len(_INTS) :].view(np.uint64)], axis=1).T
        for start in range(0, len(rows), PACK_ROWS):
            part = slice(start, start + PACK_ROWS)
            blob = encode_pack(np.ascontiguousarray(words[:, part]))
            if not np.array_equal(decode_pack(blob, words.shape[0]), words[:, part]):
                raise PackError(f"tag id {tag_id}, level {level}: a rollup pack does not decode to its rows")
            k = ints[part, 0]
            conn.execute(
                f"INSERT INTO {PACK_TABLE} (tag_id, level, k_first, k_last, rows, data) VALUES (?, ?, ?, ?, ?, ?)",
                (tag_id, level, int(k[0]), int(k[-1]), len(k), blob),
            )
        done += len(rows)
    return done


def packed_buckets(
    conn: sqlite3.Connection, tag_id: int, level: int, k0: int, k1: int, expect: tuple[int, int]
) -> Buckets | None:
    """The rollup rows k0 <= bucket <= k1 of a tag and level as `Buckets` (flags masked with
    FLAG_MASK, as the historian selects them), from the packs; None where the packs do not hold
    exactly what the table holds there: `expect` is the table's (count(*), sum(n)) over that range."""
    blobs = conn.execute(
        f"SELECT data FROM {PACK_TABLE} WHERE tag_id = ? AND level = ? AND k_last >= ? AND k_first <= ?"
        " ORDER BY k_first",
        (tag_id, level, k0, k1),
    ).fetchall()
    if not blobs:
        return None
    try:
        parts = [decode_pack(b, len(_INTS) + len(_FLOATS)) for (b,) in blobs]
    except PackError:
        return None  # the table answers instead
    words = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
    bucket = words[0].view(np.int64)
    a, b = np.searchsorted(bucket, k0, "left"), np.searchsorted(bucket, k1, "right")  # packed in bucket order
    ints = {name: words[j, a:b].view(np.int64) for j, name in enumerate(_INTS)}
    floats = {name: words[len(_INTS) + j, a:b].view(np.float64) for j, name in enumerate(_FLOATS)}
    if (len(ints["n"]), int(ints["n"].sum())) != tuple(expect):
        return None
    return Buckets(
        float(level),
        floats["t_first"],
        floats["t_last"],
        ints["n"],
        ints["n_bad"],
        ints["n_unc"],
        floats["vmin"],
        floats["vmax"],
        floats["v_last"],
        ints["s_last"].astype(np.uint32),
        ints["s_bad"].astype(np.uint32),
        (ints["flags"] & FLAG_MASK).astype(np.uint32),
    )
