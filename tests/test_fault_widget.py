"""The faceplate's advisory readout (pytest-qt, offscreen)."""

from __future__ import annotations

import math
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from hypothesis import example, given, settings
from hypothesis import strategies as st

from inference.fault.predictor import failure_mode_text
from inference.fault.readout_text import DEFAULT_RUL_CAP_S, MachineRisk, hms
from inference.fault.readout_text import rul_text as format_rul
from widgets.advisory_readout import AdvisoryReadout
from widgets.palette import ALARM_HIGH, ALARM_MEDIUM, ALARM_URGENT


def test_readout_states(qtbot):
    w = AdvisoryReadout("filler", clock=lambda: 4.0)  # every prediction below is current
    qtbot.addWidget(w)
    scope = {"predicts": "bearing failure", "covers": "bearing failure, bearing overheat", "horizon_s": 120.0}
    w.set_risk(
        MachineRisk("filler", 1.0, 0.42, 597.0, False, "ok", (), "fault_predictor 1.0.0 on CPU", **scope)
    )
    # The model's cap reads as the cap (597 s is the regressor at its 600 s cap) where the risk
    # states a life, and the readout names what the model predicts and what it covers.
    assert w.risk_label.text() == "Bearing failure risk 42%" and w.rul_label.text() == "RUL > 10 min"
    assert w.why_label.text() == "covers bearing failure, bearing overheat only"
    assert "not covered" in w.toolTip() and "within 2 min" in w.toolTip()
    assert not w.active and w.badge.isHidden()
    w.set_risk(MachineRisk("filler", 1.5, 0.0, 321.0, False, "ok", (), "fault_predictor", **scope))
    assert w.rul_label.text() == "RUL not stated below 30% risk"  # was "RUL 5 min 21 s" at 0 %
    w.set_risk(MachineRisk("filler", 1.6, 0.0, 597.0, False, "ok", (), "fault_predictor", **scope))
    assert w.rul_label.text() == "RUL not stated below 30% risk"  # at the cap too (was "> 10 min")
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
    w.set_risk(
        MachineRisk(
            "filler",
            4.0,
            math.nan,
            math.nan,
            False,
            "machine not running",
            **scope,
            machine_state="Faulted",
            state_since=3.5,
        )
    )
    # qa9 Q9-1: a machine that is not running reads so, from its state, never as a countdown
    assert w.risk_label.text() == "Bearing failure risk —" and w.rul_label.text() == f"Faulted at {hms(3.5)}"
    w.set_risk(None)
    assert not w.active and w.why_label.text() == "no fault prediction"


def test_format_rul():
    assert format_rul(math.nan) == "—"
    assert format_rul(42.4) == "42 s"
    assert format_rul(125) == "2 min 05 s"
    assert format_rul(601) == "> 10 min"
    assert format_rul(570) == "> 10 min" and format_rul(569) == "9 min 29 s"
    assert format_rul(1200, 1800) == "20 min 00 s" and format_rul(1750, 1800) == "> 30 min"


def test_failure_modes_read_as_words():
    assert failure_mode_text("bearing_failure") == "bearing failure"
    assert failure_mode_text("overheat (bearing)") == "bearing overheat"


def test_the_shipped_model_says_what_it_covers():
    from hmi.core.config import DEMO_CONFIG, load_config
    from inference.fault.predictor import FaultPredictor

    p = FaultPredictor(load_config(DEMO_CONFIG))
    r = p.status()["labeller"]
    assert (r.predicts, r.covers, r.rul_cap_s) == (
        "bearing failure",
        "bearing failure, bearing overheat",
        600.0,
    )


@settings(deadline=None)  # a loaded CI box must not fail it by time
@given(
    risk=st.one_of(st.just(0.0), st.just(math.nan), st.floats(0.0, 1.0)),
    rul=st.floats(0.0, 700.0),
    min_risk=st.floats(0.05, 0.9),
)
@example(risk=0.0, rul=321.0, min_risk=0.3)  # the tester's filler: "risk 0 % · RUL 5 min 21 s"
def test_a_rul_countdown_only_where_the_risk_supports_it(risk, rul, min_risk):
    """The rule: below the card's threshold_off risk (and with no risk at all) the readout never
    shows a finite countdown, at the cap either (qa11 Q11-4: one wording for every low risk); it
    says why. Where the risk states a life it reads "> 10 min" at the cap."""
    r = MachineRisk("filler", 1.0, risk, rul, False, "ok", rul_min_risk=min_risk)
    text = r.rul_text
    countdown = text.endswith(" s") and not text.startswith(">")
    at_cap = rul >= DEFAULT_RUL_CAP_S * 0.95
    if not risk >= min_risk:  # one wording for every low risk, at the cap too (qa11 Q11-4)
        assert not countdown and text == f"not stated below {min_risk:.0%} risk", text
    elif at_cap:
        assert text == "> 10 min"
    else:
        assert countdown, text
