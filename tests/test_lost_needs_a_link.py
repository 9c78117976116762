"""'Link lost: last known at …' only for a value that was had: at a record's start (or a fresh
start) the link is being established, not lost."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.live_values import LiveValues
from hmi.core.quality import BAD_NOT_CONNECTED, BAD_SENSOR_FAILURE, BAD_WAITING_FOR_INITIAL_DATA
from hmi.core.samples import SampleBatch
from tests.ui.fakes import tiny_config

KINDS = {
    "real": (0, 5.0),
    "device_bad": (BAD_SENSOR_FAILURE, 0.0),
    "waiting": (BAD_WAITING_FOR_INITIAL_DATA, np.nan),
    "no_connection": (BAD_NOT_CONNECTED, np.nan),
}


def _one(i: int, t: float, kind: str) -> SampleBatch:
    status, value = KINDS[kind]
    one = np.array([i])
    return SampleBatch.from_columns(
        one, np.array([t]), np.array([t]), np.array([t]), np.array([value]), np.array([status])
    )


@settings(deadline=None)  # a loaded CI box must not fail it by time
@given(st.lists(st.sampled_from(list(KINDS)), min_size=1, max_size=12))
def test_last_known_only_after_a_real_sample(kinds):
    live = LiveValues(tiny_config())
    i = 0
    had_real = False
    lost_since = None
    for k, kind in enumerate(kinds):
        t = 1000.0 + k
        live.apply(_one(i, t, kind))
        if kind == "no_connection":
            if had_real and lost_since is None:
                lost_since = t
        else:
            lost_since = None
            # what is shown now: a real sample's value, or "waiting" (nothing to be last known)
            had_real = kind in ("real", "device_bad")
        assert live.last_known_at(i) == lost_since, (kinds[: k + 1], live.last_known_at(i))


def test_the_record_start_is_not_a_lost_link():
    live = LiveValues(tiny_config())
    live.apply(_one(0, 1000.0, "no_connection"))  # the first thing recorded: not connected yet
    assert live.last_known_at(0) is None
    live.apply(_one(0, 1001.0, "real"))
    live.apply(_one(0, 1002.0, "no_connection"))
    assert live.last_known_at(0) == 1002.0
