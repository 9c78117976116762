"""The setpoint dialog's Write rule (hmi.core.setpoint_write.write_key), over every state: enabled
exactly when the entry is valid, differs from the current value, nothing is pending and the user may
write; otherwise it says why."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hmi.core.setpoint_write import write_key

values = st.none() | st.sampled_from([0.0, 50.0, 62.5, 390.0]) | st.floats(-1e3, 1e3)


@given(values, values, st.booleans(), st.sampled_from(["", "Needs operator or higher (you are viewer)"]))
def test_write_is_enabled_only_for_a_valid_change_nobody_waits_for(value, current, pending, refusal):
    key = write_key(value, current, pending=pending, refusal=refusal)
    want = value is not None and value != current and not pending and not refusal
    assert key.enabled == want
    assert bool(key.why_not) == (not want)
    if refusal:
        assert key.why_not == refusal


def test_the_qa4_cases():
    assert not write_key(390.0, 390.0, pending=False, refusal="").enabled  # written and read back
    assert "already" in write_key(390.0, 390.0, pending=False, refusal="", shown="390.0 bpm").why_not
    assert not write_key(None, 400.0, pending=False, refusal="").enabled  # empty field
    assert write_key(390.0, None, pending=False, refusal="").enabled  # current unknown: writing sets it
