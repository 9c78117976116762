"""Every faceplate's failure-risk readout says what its figure means, by hover and by tap (qa11
Q11-4: no tooltip at 1920 with the mouse, nothing on a tap at touch, and the horizon, "risk of
failure within 120 s", was only in the journal). Over every machine of the demo line, in both
profiles and at both screen sizes: the tooltip leads with `meaning_text` (the failure it predicts,
the time it looks ahead, the risk an advisory is raised at), and a tap on the readout shows it."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from inference.fault.readout_text import MachineRisk, fmt_rul, meaning_text

from ..helpers.settle import settle
from .test_no_clipped_text import PROFILES, window  # noqa: F401  (the fixture)

SCOPE = {
    "predicts": "bearing failure",
    "covers": "bearing failure, bearing overheat",
    "horizon_s": 120.0,
    "warn_risk": 0.5,
    "rul_min_risk": 0.3,
}


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)], ids=["1920x1080", "1280x800"])
def test_every_risk_readout_says_its_failure_and_horizon_on_hover_and_tap(window, qtbot, size, profile):  # noqa: F811
    win = window(size, profile)
    fault = win.runtime.fault
    now = time.time()  # a current figure (an old one withdraws its life)
    fault.risks = {
        m: MachineRisk(
            m,
            now,
            0.04,
            597.0,
            False,
            "ok",
            (),
            "fault_predictor 1.0.0 on CPU",
            machine_state="Running",
            **SCOPE,
        )
        for m in win.advisories
    }
    win._update_advisories()
    settle()
    assert win.advisories, "the demo line's faceplates carry no risk readout"
    for machine, readout in win.advisories.items():
        risk = fault.risks[machine]
        tip = readout.toolTip()
        assert tip.startswith(meaning_text(risk)), (machine, tip)
        assert f"within {fmt_rul(120.0)}" in tip and "bearing failure" in tip and "50%" in tip, tip
        # One wording for every low risk (4 % with the regressor at its cap): no life stated.
        assert readout.rul_label.text() == "RUL not stated below 30% risk", readout.rul_label.text()
        # The mouse at rest on the risk line (qa12 Q12-7): Qt's hover tooltip event reaches the
        # readout through its line and shows the same text as a tap.
        QToolTip.hideText()
        qtbot.waitUntil(lambda: not QToolTip.isVisible(), timeout=3000)
        centre = readout.risk_label.rect().center()
        rest = QHelpEvent(QEvent.Type.ToolTip, centre, readout.risk_label.mapToGlobal(centre))
        QApplication.sendEvent(readout.risk_label, rest)
        assert QToolTip.isVisible() and QToolTip.text() == tip, (machine, QToolTip.text())
        QToolTip.hideText()
        qtbot.waitUntil(lambda: not QToolTip.isVisible(), timeout=3000)
        qtbot.mouseClick(readout.risk_label, Qt.MouseButton.LeftButton, pos=centre)
        qtbot.waitUntil(QToolTip.isVisible, timeout=3000)
        assert QToolTip.text() == tip, (machine, QToolTip.text())
    QToolTip.hideText()
