"""Packed rollups (hmi.core.rollup_pack) never answer anything but what the rollup table holds.

The packs are a read copy of a compacted file's rollups. Invariant: for any history, any tag, level
and bucket range, `packed_buckets` gives either the table's rows, bit for bit as the historian
reads them (`rows_to_buckets`), or None (the caller reads the table) - also after the file was
written into again, where it must be None for every range that holds a written bucket.
"""

from __future__ import annotations

import math
import sqlite3

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core import rollup_pack
from hmi.core.historian import rows_to_buckets
from hmi.core.rollup import LEVELS, ROLLUP_TABLE, update_rollups
from hmi.core.rollup_pack import PACK_TABLE, PackError, decode_pack, encode_pack, packed_buckets
from hmi.core.samples import SampleBatch
from hmi.core.trend_data import BUCKET_COLUMNS, FLAG_MASK
from tests.test_sample_store import TAGS, compacted_copy, histories, write_file

_ROWS_SQL = (
    f"SELECT t_first, t_last, n, n_bad, n_unc, vmin, vmax, v_last, s_last, s_bad, flags & {FLAG_MASK}"
    f" FROM {ROLLUP_TABLE} WHERE tag_id = ? AND level = ? AND bucket >= ? AND bucket <= ? ORDER BY bucket"
)
_EXPECT_SQL = (
    f"SELECT count(*), coalesce(sum(n), 0) FROM {ROLLUP_TABLE}"
    " WHERE tag_id = ? AND level = ? AND bucket >= ? AND bucket <= ?"
)


def table_answer(conn: sqlite3.Connection, tid: int, level: int, k0: int, k1: int):
    return rows_to_buckets(conn.execute(_ROWS_SQL, (tid, level, k0, k1)).fetchall(), float(level))


def packed_answer(conn: sqlite3.Connection, tid: int, level: int, k0: int, k1: int):
    expect = conn.execute(_EXPECT_SQL, (tid, level, k0, k1)).fetchone()
    return packed_buckets(conn, tid, level, k0, k1, expect)


def same(a, b) -> bool:
    return len(a) == len(b) and all(
        np.array_equal(getattr(a, f), getattr(b, f), equal_nan=True)
        and getattr(a, f).dtype == getattr(b, f).dtype
        for f in BUCKET_COLUMNS
    )


def ranges(conn: sqlite3.Connection, tid: int, level: int) -> list[tuple[int, int]]:
    lo, hi = conn.execute(
        f"SELECT min(bucket), max(bucket) FROM {ROLLUP_TABLE} WHERE tag_id = ? AND level = ?", (tid, level)
    ).fetchone()
    if lo is None:
        return [(0, 10)]
    mid = (lo + hi) // 2
    return [(lo, hi), (lo - 5, hi + 5), (lo, mid), (mid, hi), (mid + 1, mid + 1), (hi + 1, hi + 9)]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories(), histories(), st.integers(2, 4), st.sampled_from([3, 7, rollup_pack.PACK_ROWS]))
def test_packs_answer_what_the_table_holds_or_nothing(tmp_path_factory, rows, later, batches, pack_rows):
    """`later`: samples written into the compacted file afterwards (a clock set back reopened it)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rollup_pack, "PACK_ROWS", pack_rows)  # small: reads across many packs
        d = tmp_path_factory.mktemp("pack")
        write_file(d / "raw.db", rows, batches)
        packed = compacted_copy(d / "raw.db", d / "packed.db")
    conn = sqlite3.connect(packed)
    try:
        used = 0
        for tid in range(1, len(TAGS) + 1):
            for level in LEVELS:
                for k0, k1 in ranges(conn, tid, level):
                    got, want = (
                        packed_answer(conn, tid, level, k0, k1),
                        table_answer(conn, tid, level, k0, k1),
                    )
                    # a closed, compacted file: packed wherever the table has rows
                    assert got is not None or not len(want), (tid, level, k0, k1)
                    if got is not None:
                        assert same(got, want), (tid, level, k0, k1)
                        used += len(got)
        assert used or not any(math.isfinite(r[1]) for r in rows)

        # written into again: the rows of the later samples go into the table only
        cols = list(zip(*later, strict=True))
        b = SampleBatch.from_columns(*cols)
        conn.execute("BEGIN")
        update_rollups(conn, np.array([1, 2, 3], dtype=np.int64)[b.tag_idx], b)
        conn.execute("COMMIT")
        touched = {
            (int(tid) + 1, level, math.floor(t / level))
            for tid, t in zip(b.tag_idx.tolist(), b.source_ts.tolist(), strict=True)
            if math.isfinite(t)
            for level in LEVELS
        }
        for tid in range(1, len(TAGS) + 1):
            for level in LEVELS:
                for k0, k1 in ranges(conn, tid, level):
                    got = packed_answer(conn, tid, level, k0, k1)
                    if any(t == tid and lv == level and k0 <= k <= k1 for t, lv, k in touched):
                        assert got is None, (tid, level, k0, k1)
                    elif got is not None:
                        assert same(got, table_answer(conn, tid, level, k0, k1)), (tid, level, k0, k1)
    finally:
        conn.close()


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 14), st.integers(0, 60), st.randoms(use_true_random=False))
def test_the_pack_codec_is_bit_exact_for_any_words(cols, n, rnd):
    words = np.array(
        [
            [rnd.choice([0, 1, 2**63, 2**64 - 1, rnd.getrandbits(64), rnd.getrandbits(7)]) for _ in range(n)]
            for _ in range(cols)
        ],
        dtype=np.uint64,
    ).reshape(cols, n)
    assert np.array_equal(decode_pack(encode_pack(words), cols), words)


def test_a_damaged_pack_is_refused_and_the_table_answers(tmp_path):
    rows = [(k % 3, 1_790_000_000.0 + k, math.nan, 1_790_000_000.0 + k, float(k % 17), 0) for k in range(400)]
    write_file(tmp_path / "raw.db", rows, 2)
    packed = compacted_copy(tmp_path / "raw.db", tmp_path / "packed.db")
    blob = encode_pack(np.arange(24, dtype=np.uint64).reshape(12, 2))
    for bad in (b"XXXX" + blob[4:], blob[:-3], blob[:9] + bytes([7]) + blob[10:]):
        with pytest.raises(PackError):
            decode_pack(bad, 12)
    with pytest.raises(PackError, match="columns"):
        decode_pack(blob, 11)
    conn = sqlite3.connect(packed)
    try:
        k0, k1 = -(2**40), 2**40
        assert packed_answer(conn, 1, 10, k0, k1) is not None
        conn.execute(f"UPDATE {PACK_TABLE} SET data = substr(data, 1, 20) WHERE tag_id = 1 AND level = 10")
        conn.commit()
        assert packed_answer(conn, 1, 10, k0, k1) is None
        assert packed_answer(conn, 2, 10, k0, k1) is not None
    finally:
        conn.close()
