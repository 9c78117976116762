"""OPC UA status codes: one set of rules (hmi.core.quality) for every reader, scalar or array."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from hmi.core.quality import (
    BACKFILLED,
    GAP_CODES,
    Quality,
    is_backfilled,
    is_bad,
    is_gap_status,
    quality_array,
    quality_of,
)

codes = st.integers(0, 2**32 - 1)


@given(st.lists(codes, min_size=1, max_size=50))
def test_scalar_and_array_rules_agree_on_every_status(statuses):
    arr = np.array(statuses, dtype=np.uint32)
    assert list(quality_array(arr)) == [int(quality_of(s)) for s in statuses]
    assert [is_bad(s) for s in statuses] == [quality_of(s) == Quality.BAD for s in statuses]
    assert list(np.asarray(is_backfilled(arr))) == [bool(is_backfilled(s)) for s in statuses]


@given(codes)
def test_the_backfill_marker_keeps_the_servers_quality(code):
    marked = (code & 0xFFFF0000) | BACKFILLED
    assert is_backfilled(marked)
    assert quality_of(marked) == quality_of(code)  # only info bits are ours
    assert bool(is_gap_status(np.array([marked], dtype=np.uint32))[0]) == (
        (code & 0xFFFF0000) in set(GAP_CODES)
    )
