"""The faceplate's advisory readout (pytest-qt, offscreen)."""

from __future__ import annotations

import math
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from inference.fault.predictor import MachineRisk
from widgets.advisory_readout import AdvisoryReadout, format_rul
from widgets.palette import ALARM_HIGH, ALARM_MEDIUM, ALARM_URGENT


def test_readout_states(qtbot):
    w = AdvisoryReadout("filler")
    qtbot.addWidget(w)
    w.set_risk(MachineRisk("filler", 1.0, 0.12, 600.0, False, "ok", (), "fault_predictor 1.0.0 on CPU"))
    assert w.risk_label.text() == "Failure risk 12%" and w.rul_label.text() == "RUL > 10 min"
    assert not w.active and w.badge.isHidden()
    w.set_risk(
        MachineRisk(
            "filler",
            2.0,
            0.91,
            95.0,
            True,
            "ok",
            (("vibration", 0.6), ("motor_current", 0.2)),
            "fault_predictor",
        )
    )
    assert w.active and not w.badge.isHidden()
    assert w.rul_label.text() == "RUL 1 min 35 s"
    assert "vibration +0.60" in w.why_label.text()
    assert "fault_predictor" in w.toolTip()
    # Advisories never borrow the alarm colours.
    for colour in (ALARM_URGENT, ALARM_HIGH, ALARM_MEDIUM):
        assert colour.lower() not in w.styleSheet().lower()
    w.set_risk(MachineRisk("filler", 3.0, math.nan, math.nan, True, "vibration reads bad/NaN"))
    assert w.risk_label.text() == "Failure risk —" and "vibration reads bad" in w.why_label.text()
    w.set_risk(None)
    assert not w.active and w.why_label.text() == "no fault prediction"


def test_format_rul():
    assert format_rul(math.nan) == "—"
    assert format_rul(42.4) == "42 s"
    assert format_rul(125) == "2 min 05 s"
    assert format_rul(601) == "> 10 min"
