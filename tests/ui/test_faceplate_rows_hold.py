"""A faceplate's rows keep their place whatever its failure-risk readout says and through a link
outage (qa9 Q9-29: the rows jumped, changed height and position, during an outage).

Every faceplate of the main window, at every screen size and profile, through every state the
readout words (inference.fault.readout_text): a current prediction with and without an advisory,
an old one, a machine faulted with the advisory's figure kept, a stopped one with none, waiting
for data after a restart, no prediction at all; then the link goes and comes back. After each,
every row (name, state, the summary's values, the risk and RUL lines, every value, the Setpoint…
button) has the position and height it had on the calm line, and no text is cut.
"""

from __future__ import annotations

import math
import time

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QWidget

from hmi.core.runtime_api import ConnectionState
from inference.fault.readout_text import MachineRisk
from widgets.faceplate import Faceplate
from widgets.text_fit import clipped_texts

from ..helpers.settle import settle
from .test_last_known import _lose_link
from .test_no_clipped_text import PROFILES, SIZES, window  # noqa: F401  (the fixture)

SCOPE = {"predicts": "bearing failure", "covers": "bearing failure, bearing overheat", "horizon_s": 120.0}
TOP = (("vibration", 0.91), ("motor_current", 0.70), ("speed", 0.36))


def _states(now: float) -> dict[str, MachineRisk | None]:
    """Every kind of readout, with the longest texts of each (100 %, a long state, 'old' times)."""

    def risk(**kw) -> MachineRisk:
        base = {"machine": "m", "ts": now - 1.0, "risk": 0.87, "rul_s": 134.0, "advisory_active": True,
                "status": "ok", "top_signals": TOP, "model": "fault_predictor 1.0.0 on CPU",
                "machine_state": "Running", "state_since": now - 300.0, **SCOPE}  # fmt: skip
        base.update(kw)
        return MachineRisk(**base)

    none = {"risk": math.nan, "rul_s": math.nan, "advisory_active": False}
    down = "machine not running"
    return {
        "current, advisory": risk(),
        "current, quiet": risk(risk=0.0, rul_s=597.0, advisory_active=False, top_signals=()),
        "current, no countdown below the least risk": risk(risk=0.12, rul_s=321.0, advisory_active=False),
        "old": risk(ts=now - 120.0, risk=1.0),
        "faulted, the advisory's figure kept": risk(
            ts=now - 200.0,
            risk=1.0,
            rul_s=16.0,
            status=down,
            machine_state="Changeover",
            state_since=now - 190.0,
        ),
        "stopped, no figure": risk(**none, status=down, machine_state="Stopped", state_since=now - 10.0),
        "waiting after a restart": risk(**none, status="waiting for running data since 12:03:41"),
        "a sensor reads bad": risk(risk=math.nan, rul_s=math.nan, status="vibration reads bad/NaN"),
        "no prediction": None,
    }


def _rows(fp: Faceplate, readout: QWidget | None) -> list[tuple[str, QWidget]]:
    rows: list[tuple[str, QWidget]] = [("name", fp.title), ("state", fp.state_label)]
    if fp.compact:
        rows.append(("summary", fp.summary))
    if readout is not None:
        rows += [("readout", readout)]
        rows += [(f"readout {c.objectName()}", c) for c in readout.findChildren(QWidget) if c.objectName()]
    rows += [(f"value {n}", ind) for n, ind in fp.indicators.items()]
    rows.append(("Setpoint…", fp.setpoint_button))
    return rows


def _geometry(win) -> dict[str, tuple[int, int, bool]]:
    """(y, height, visible) of every row of every faceplate, in the faceplate's own coordinates."""
    out = {}
    for mid, fp in win.overview.faceplates.items():
        for name, w in _rows(fp, win.advisories.get(mid)):
            out[f"{mid} {name}"] = (w.mapTo(fp, QPoint(0, 0)).y(), w.height(), w.isVisible())
    return out


def _moved(calm: dict, now: dict) -> list[str]:
    """Rows shown both times that moved or changed height (the ADVISORY badge comes and goes in its
    reserved place: that is its content, not a move)."""
    return [
        f"{k}: {calm[k][:2]} -> {now[k][:2]}"
        for k in calm
        if calm[k][2] and now[k][2] and now[k][:2] != calm[k][:2]
    ]


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize("size", SIZES[:2], ids=[f"{w}x{h}" for w, h in SIZES[:2]])
def test_faceplate_rows_hold_through_every_readout_state_and_an_outage(window, qtbot, size, profile):  # noqa: F811
    win = window(size, profile)
    settle()
    calm = _geometry(win)
    problems: list[str] = []
    fault = win.runtime.fault

    def show(risk: MachineRisk | None) -> None:
        # through the predictor's face, as the window's timer reads it every second
        fault.risks = {m: risk for m in win.advisories}
        win._update_advisories()
        settle()

    for name, risk in _states(time.time()).items():
        show(risk)
        problems += [f"{name}: {m}" for m in _moved(calm, _geometry(win))]
        problems += [f"{name}: {c}" for c in clipped_texts(win.overview)]
    # The link goes with the longest readout showing, then comes back.
    show(_states(time.time())["faulted, the advisory's figure kept"])
    _lose_link(win, win.runtime)
    qtbot.waitUntil(lambda: win.link_lost_at is not None)
    settle()
    problems += [f"link lost: {m}" for m in _moved(calm, _geometry(win))]
    problems += [f"link lost: {c}" for c in clipped_texts(win.overview)]
    win.runtime.set_state(ConnectionState.CONNECTED)
    qtbot.waitUntil(lambda: win.link_lost_at is None)
    settle()
    problems += [f"link back: {m}" for m in _moved(calm, _geometry(win))]
    assert not problems, "\n".join(problems)
