"""The overview's scrolling at a line-side PC (qa11 Q11-6, 1280x800 touch).

qa11 reached the faceplates' Setpoint… buttons only by scrolling the overview, 13 taps on its
arrow, and the pane then stayed where it was: every machine's name and state out of sight on every
tab, after the setpoint dialog and after a log-in. Checked for every faceplate, at each screen
profile, from every position the arrows reach:

- the Setpoint… button is a few arrow taps from the top (the first row under the summary);
- after the setpoint dialog closes (written, cancelled) and after another user logs in, the
  faceplates' names and states are whole in the pane (those of the first row, where a narrow
  screen wraps them onto rows reached by scrolling);
- scrolled to its end, the pane shows the cards' foot with no empty band under it.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QWidget

from hmi.core.users import Role, User
from widgets.line_overview import LineOverview

from ..helpers.settle import settle
from .test_no_clipped_text import window  # noqa: F401 (fixture)

# (size, profile): the line-side PC, the smallest line PC, the control room
SCREENS = [((1280, 800), "touch"), ((1024, 768), "touch"), ((1920, 1080), "default")]
MAX_TAPS_TO_SETPOINT = 3  # qa11 counted 13 at 1280 touch


def _in_pane(ov: LineOverview, w: QWidget) -> bool:
    """`w` wholly inside the pane's viewport as it shows now."""
    port = ov.viewport()
    top_left = w.mapTo(port, w.rect().topLeft())
    return QRect(0, 0, port.width(), port.height()).contains(QRect(top_left, w.size()))


def _heads_shown(ov: LineOverview) -> list[str]:
    """The faceplates of the first row whose name or state is not whole in the pane (a narrower
    screen wraps the faceplates onto rows reached by scrolling, by design: widgets.line_overview)."""
    return [
        fp.machine.name
        for fp in ov.rows()[0]
        if not (_in_pane(ov, fp.title) and _in_pane(ov, fp.state_label))
    ]


def _positions(ov: LineOverview) -> list[int]:
    """Every position the scroll arrows reach, top to end (the end moves with the pane's foot)."""
    bar = ov.verticalScrollBar()
    bar.setValue(0)
    settle()
    out = [0]
    while bar.value() < bar.maximum():
        bar.triggerAction(bar.SliderAction.SliderSingleStepAdd)
        settle()
        if bar.value() == out[-1]:
            break
        out.append(bar.value())
    return out


@pytest.mark.parametrize(("size", "profile"), SCREENS, ids=[f"{s[0]}x{s[1]}-{p}" for s, p in SCREENS])
def test_setpoint_near_the_top_heads_back_after_the_dialog_and_no_band_at_the_end(window, size, profile):  # noqa: F811
    win = window(size, profile)
    ov = win.overview
    bar = ov.verticalScrollBar()
    positions = _positions(ov)
    problems: list[str] = []
    # scrolled to the end: the cards' foot shown, no empty band kept under them
    if ov.bottom_margin():
        problems.append(f"an empty band of {ov.bottom_margin()} px under the cards at the end")
    for fp in ov.rows()[0]:
        taps = next(
            (n for n, v in enumerate(positions) if _at(ov, v) and _in_pane(ov, fp.setpoint_button)), None
        )
        if taps is None or taps > MAX_TAPS_TO_SETPOINT:
            problems.append(f"{fp.machine.name}: Setpoint… {taps} arrow taps from the top")
    # After the setpoint dialog, from every position: the names and states are back in view.
    for n, value in enumerate(positions):
        machine = list(ov.faceplates)[n % len(ov.faceplates)]
        _at(ov, value)
        dlg = win.open_setpoint_dialog(machine)
        assert dlg is not None, machine
        (dlg.reject if n % 2 else dlg.accept)()
        settle()
        hidden = _heads_shown(ov)
        if hidden:
            problems.append(f"after the {machine} setpoint dialog at {value} px: {hidden} not whole")
    _at(ov, positions[-1])
    win.set_user(User("olga", Role.SUPERVISOR, "Olga"))
    settle()
    if _heads_shown(ov):
        problems.append(f"after a log-in at {bar.value()} px: {_heads_shown(ov)} not whole")
    assert not problems, "\n".join(problems)


def _at(ov: LineOverview, value: int) -> bool:
    ov.verticalScrollBar().setValue(value)
    settle()
    return True
