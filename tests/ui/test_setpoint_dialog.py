"""Setpoint dialog: validation before Write, pending state, result, never blocking."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.live_values import LiveValues
from hmi.ui.setpoint_dialog import SetpointDialog


def _dialog(qtbot, tiny, rt, user="alice"):
    live = LiveValues(tiny)
    live.apply(rt.synthetic_batch())
    dlg = SetpointDialog(
        rt, live, [tiny.tag("m.speed_sp")], user, initial="m.speed_sp", title="Setpoint — Mixer"
    )
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def test_refuses_out_of_range_and_non_numeric(qtbot, tiny, make_runtime):
    dlg = _dialog(qtbot, tiny, make_runtime(tiny))
    assert dlg.range_label.text() == "0 – 100 rpm"
    assert dlg.current_label.text().startswith("50.0 rpm")
    assert dlg.user_label.text() == "alice"
    assert not dlg.write_button.isEnabled()  # empty

    dlg.value_edit.setText("150")
    assert not dlg.write_button.isEnabled()
    assert dlg.message_label.text() == "150 is outside the range 0 – 100 rpm."

    dlg.value_edit.clear()
    qtbot.keyClicks(dlg.value_edit, "abc")  # typed text stays as typed and is refused with a reason
    assert dlg.value_edit.text() == "abc"
    assert dlg.message_label.text().startswith("'abc' is not a number.")
    dlg.value_edit.setText("12x")  # pasted text: the same rule
    assert not dlg.write_button.isEnabled()
    assert "'12x' is not a number" in dlg.message_label.text()

    dlg.value_edit.setText("62.5")
    assert dlg.write_button.isEnabled()
    assert dlg.message_label.text() == "Change 50.0 → 62.5 rpm"


@pytest.mark.parametrize("typed", ["3e2", "39O", "abc", "1,5", "5-", "1_0"])
def test_wrong_type_keys_are_refused_never_edited_into_another_value(qtbot, tiny, make_runtime, typed):
    """The tester typed "3e2" and got 32 with Write enabled, "39O" (letter O) and got 39: the
    input validator dropped the keys it did not like. Typed text must stay and be refused."""
    rt = make_runtime(tiny)
    dlg = _dialog(qtbot, tiny, rt)
    qtbot.keyClicks(dlg.value_edit, typed)
    assert dlg.value_edit.text() == typed
    assert not dlg.write_button.isEnabled()
    assert dlg.message_label.text().startswith(f"'{typed}' is not a number")
    dlg.value_edit.returnPressed.emit()
    dlg.number_pad.press("enter")
    assert rt.writes == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet="0123456789.-+eEO, x", max_size=8))
def test_dialog_writes_exactly_float_of_the_text_in_range_or_nothing(qtbot, tiny, make_runtime, text):
    rt = make_runtime(tiny)
    dlg = _dialog(qtbot, tiny, rt)
    dlg.value_edit.setText(text)
    assert dlg.value_edit.text() == text  # never edited
    ok = dlg.write_button.isEnabled()
    if ok:
        assert dlg._value == float(text) and 0.0 <= dlg._value <= 100.0
    else:
        assert dlg.message_label.text(), f"{text!r} refused without a reason"
    dlg.close()


def test_write_shows_pending_then_result(qtbot, tiny, make_runtime):
    rt = make_runtime(tiny, write_delay_s=0.3)
    dlg = _dialog(qtbot, tiny, rt)
    dlg.value_edit.setText("62.5")
    t0 = time.perf_counter()
    dlg.write_button.click()
    assert time.perf_counter() - t0 < 0.1  # the click returns at once; the write runs elsewhere
    assert dlg.pending and not dlg.write_button.isEnabled() and not dlg.value_edit.isEnabled()
    assert dlg.progress.isVisible()
    assert dlg.status_label.text() == "Writing 62.5 rpm to m.speed_sp as alice…"

    with qtbot.waitSignal(dlg.write_finished, timeout=3000) as sig:
        pass
    result = sig.args[0]
    assert result.ok and rt.writes == [("m.speed_sp", 62.5, "alice")]
    assert not dlg.pending and not dlg.progress.isVisible()
    # Written and read back: the same entry changes nothing, so Write is off (QA4: it stayed on).
    assert not dlg.write_button.isEnabled()
    assert dlg.status_label.text() == "✓ Written: m.speed_sp = 62.5 rpm  (journal #1)"

    rt.fail_writes = "PLC in local mode"
    dlg.value_edit.setText("63")
    assert dlg.write_button.isEnabled()
    dlg.write_button.click()
    qtbot.waitUntil(lambda: not dlg.pending, timeout=3000)
    assert dlg.status_label.text() == "✗ Not written: PLC in local mode  [BadCommunicationError]"
    assert dlg.status_label.property("outcome") == "failed"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["", "50", "50.0", "62.5", "63", "abc", "150", "write", "clear"]), max_size=8))
def test_write_and_the_pads_write_key_follow_one_rule_over_every_dialog_state(qtbot, tiny, make_runtime, steps):
    """QA4: Write stayed enabled after a successful write of an unchanged value, and the touch pad's
    Write key looked enabled with the field empty. Over random entries and writes: both keys are
    enabled exactly when the entry is a valid value in range that differs from the current one
    (after a write, the value written) and no write is pending."""
    rt = make_runtime(tiny, write_delay_s=0.0)
    live = LiveValues(tiny)
    live.apply(rt.synthetic_batch())
    dlg = SetpointDialog(rt, live, [tiny.tag("m.speed_sp")], "alice", initial="m.speed_sp", number_pad=True)
    qtbot.addWidget(dlg)
    dlg.show()
    current = 50.0  # the fake server's setpoint
    for step in steps:
        if step == "write":
            if dlg.write_button.isEnabled():
                with qtbot.waitSignal(dlg.write_finished, timeout=3000) as sig:
                    dlg.number_pad.press("enter")
                assert sig.args[0].ok
                current = sig.args[0].value
        elif step == "clear":
            dlg.number_pad.press("C")
        else:
            dlg.value_edit.setText(step)
        text = dlg.value_edit.text().strip()
        try:
            value = float(text) if text and text.replace(".", "", 1).isdigit() else None
        except ValueError:
            value = None
        want = value is not None and 0 <= value <= 100 and value != current and not dlg.pending
        assert dlg.write_button.isEnabled() == want, (steps, step, text, current)
        assert dlg.number_pad.keys["enter"].isEnabled() == want, (steps, step, text)
        if not want:
            assert dlg.write_button.toolTip()  # says why
