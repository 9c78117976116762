"""Value, quality and timestamp conversion: invariants over random inputs."""

from __future__ import annotations

import datetime as dt
import math

from asyncua import ua
from hypothesis import given
from hypothesis import strategies as st

from connectors.opcua_values import convert, effective_status, to_float
from hmi.core.quality import Quality, quality_of


@given(st.integers(min_value=-(2**64), max_value=2**64))
def test_integers_are_exact_or_come_with_their_exact_digits(n):
    f = to_float(n)
    assert f == float(n)  # the nearest float64, for trends
    st_ = convert(ua.DataValue(ua.Variant(n)), 0.0) if -(2**63) <= n < 2**64 else None
    if st_ is not None:  # a 64-bit value: exact as a float, or its digits travel with it as text
        assert (int(st_.value) == n and st_.text is None) or st_.text == str(n)


@given(st.integers(min_value=0, max_value=0xFFFF), st.integers(min_value=0, max_value=3))
def test_info_bits_never_leave_a_lossy_value_good(low, severity):
    code = (severity << 30) | low
    eff = effective_status(code)
    assert eff & 0xFFFF == low  # the low bits stay readable
    if severity == 0 and low & 0x80:  # Good + Overflow
        assert quality_of(eff) == Quality.UNCERTAIN
    if severity != 0:
        assert eff == code  # Uncertain and Bad keep their own code
    assert quality_of(eff) >= quality_of(code)


@given(
    st.one_of(st.none(), st.datetimes(min_value=dt.datetime(1601, 1, 1), max_value=dt.datetime(2100, 1, 1))),
    st.one_of(st.none(), st.datetimes(min_value=dt.datetime(1601, 1, 1), max_value=dt.datetime(2100, 1, 1))),
)
def test_timestamps_fall_back_source_server_receive(source, server):
    dv = ua.DataValue(ua.Variant(1.0, ua.VariantType.Double))
    dv.SourceTimestamp, dv.ServerTimestamp = source, server
    st_ = convert(dv, received=1_700_000_000.0)
    assert st_ is not None
    real = dt.datetime(1980, 1, 1)
    if source is not None and source >= real:
        assert st_.source_fallback == "" and math.isclose(
            st_.source_ts, source.replace(tzinfo=dt.UTC).timestamp()
        )
    elif server is not None and server >= real:
        assert st_.source_fallback == "server"
    else:
        assert st_.source_fallback == "receive" and st_.source_ts == 1_700_000_000.0
    assert st_.source_ts >= dt.datetime(1980, 1, 1, tzinfo=dt.UTC).timestamp()


def test_datetime_values_trend_as_seconds_and_strings_are_not_numbers():
    t = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert to_float(t) == t.timestamp()
    assert to_float("hello") is None and to_float([1, 2]) is None
    assert to_float(True) == 1.0
