"""The one parser for typed numbers: exactly float(text) in range, or nothing and a reason."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hmi.core.number_entry import parse_number

# Texts near numbers: digits, signs, points, commas, exponents, look-alike letters, blanks.
near_numbers = st.text(alphabet="0123456789+-.,eEoOlI _\u00a0\u0660\uff11xn", max_size=12)
ranges = st.one_of(
    st.none(),
    st.tuples(st.floats(-1e6, 1e6, allow_nan=False), st.floats(-1e6, 1e6, allow_nan=False)).map(
        lambda p: (min(p), max(p))
    ),
)


def _float_or_none(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


@settings(deadline=None)  # a loaded CI box must not fail it by time
@given(
    text=st.one_of(st.text(max_size=30), near_numbers), kind=st.sampled_from(["float", "int"]), lo_hi=ranges
)
@example(text="3e2", kind="float", lo_hi=(0.0, 600.0))
@example(text="39O", kind="float", lo_hi=(0.0, 600.0))
@example(text="abc", kind="float", lo_hi=(0.0, 600.0))
@example(text="1_000", kind="float", lo_hi=None)
@example(text="nan", kind="float", lo_hi=None)
@example(text="\u0661\u0662", kind="int", lo_hi=None)  # Arabic-Indic digits: float() takes them
def test_value_is_exactly_the_typed_number_in_range_or_refused_with_a_reason(text, kind, lo_hi):
    entry = parse_number(text, kind, lo_hi, "bpm")
    if entry.value is not None:
        assert entry.value == _float_or_none(text), "the value written must be exactly float(text)"
        assert math.isfinite(entry.value)
        if lo_hi is not None:
            assert lo_hi[0] <= entry.value <= lo_hi[1]
        if kind == "int":
            assert entry.value == int(entry.value)
        assert entry.reason == ""
    else:
        assert entry.reason, f"{text!r} refused without a reason"
        if text.strip():
            # The reason names the input (quoted, or the number itself when it is out of range).
            shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text.strip()[:8])
            assert shown[:8] in entry.reason


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("3e2", "'3e2' is not a number (no exponent: write the number out)."),
        ("39O", "'39O' is not a number."),
        ("abc", "'abc' is not a number."),
        ("3,5", "'3,5' is not a number (use '.' as the decimal point, no thousands separator)."),
        ("700", "700 is outside the range 0 – 600 bpm."),
        ("", "Enter a number between 0 and 600 bpm."),
    ],
)
def test_reasons_name_the_input_and_what_to_type(text, why):
    entry = parse_number(text, "float", (0.0, 600.0), "bpm")
    assert entry.value is None and entry.reason.startswith(why)


def test_plain_numbers_are_taken_as_typed():
    assert parse_number(" 390 ", "float", (0.0, 600.0)).value == 390.0
    assert parse_number("-.5").value == -0.5
    assert parse_number("12.", "float").value == 12.0
    assert parse_number("12.0", "int").value is None  # a whole-number tag: no decimals
    assert parse_number("+7", "int").value == 7.0
