"""Setpoint dialog: validation before Write, pending state, result, never blocking."""

from __future__ import annotations

import time

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
    qtbot.keyClicks(dlg.value_edit, "abc")  # the validator refuses the keystrokes
    assert dlg.value_edit.text() == ""
    dlg.value_edit.setText("12x")  # pasted text bypasses the validator: still refused
    assert not dlg.write_button.isEnabled()
    assert "'12x' is not a number" in dlg.message_label.text()

    dlg.value_edit.setText("62.5")
    assert dlg.write_button.isEnabled()
    assert dlg.message_label.text() == "Change 50.0 → 62.5 rpm"


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
    assert not dlg.pending and not dlg.progress.isVisible() and dlg.write_button.isEnabled()
    assert dlg.status_label.text() == "✓ Written: m.speed_sp = 62.5 rpm  (journal #1)"

    rt.fail_writes = "PLC in local mode"
    dlg.write_button.click()
    qtbot.waitUntil(lambda: not dlg.pending, timeout=3000)
    assert dlg.status_label.text() == "✗ Not written: PLC in local mode  [BadCommunicationError]"
    assert dlg.status_label.property("outcome") == "failed"
