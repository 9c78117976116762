"""The limit dialog refuses before trying what the engine would refuse (qa7 G33: "Change limit" was
enabled for Filler vibration Hi 8 against HiHi 7.1; the engine said "Not done: limits would be
inverted" only after the click). Over every limit alarm of the demo line and random entries: the
button is enabled exactly when the engine takes the change, and a disabled button shows why."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.alarms.commands import AlarmCommand, AlarmRequest
from hmi.core.alarms.model import AlarmKind
from hmi.ui.alarm_dialogs import LimitDialog

from .fakes import ENGINEER


@pytest.fixture
def engine(make_runtime, demo_config):
    return make_runtime(demo_config, alarms=True).alarms


def _limit_alarms(engine) -> list[str]:
    return [d.id for d in engine.definitions if d.kind in (AlarmKind.ANALOG, AlarmKind.ROC)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pick=st.integers(0, 10_000), factor=st.sampled_from([-1.0, 0.0, 0.5, 0.9, 1.05, 1.2, 1.6, 3.0]))
def test_change_limit_is_enabled_exactly_when_the_engine_takes_it(qtbot, engine, pick, factor):
    ids = _limit_alarms(engine)
    aid = ids[pick % len(ids)]
    record = engine.record(aid)
    dlg = LimitDialog(record, ENGINEER, definitions=engine.definitions)
    qtbot.addWidget(dlg)
    value = round(record.limit * factor, 3) if factor != 0.0 else 0.0
    dlg.reason_edit.setText("vendor data sheet")
    dlg.limit_edit.setText(f"{value:g}")
    enabled = dlg.ok_button.isEnabled()
    if value == record.limit:
        assert not enabled
        return
    try:
        engine.execute(
            AlarmRequest(AlarmCommand.SET_LIMIT, (aid,), "vendor data sheet", limit=value), ENGINEER
        )
        taken = True
    except ValueError as exc:
        taken = False
        assert not enabled, (aid, value, str(exc))
        assert str(exc) in dlg.message_label.text()  # the engine's reason, shown before trying
    assert enabled == taken, (aid, value, dlg.message_label.text())


def test_filler_vibration_hi_above_its_hihi_is_refused_in_the_dialog(qtbot, engine):
    record = engine.record("filler.vibration.hi")
    dlg = LimitDialog(record, ENGINEER, "mm/s", definitions=engine.definitions)
    qtbot.addWidget(dlg)
    dlg.reason_edit.setText("qa7")
    dlg.limit_edit.setText("8")
    assert not dlg.ok_button.isEnabled()
    assert "inverted" in dlg.message_label.text() and "HiHi" in dlg.message_label.text()
    dlg.limit_edit.setText("5")
    assert dlg.ok_button.isEnabled() and not dlg.message_label.text()
