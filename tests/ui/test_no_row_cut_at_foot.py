"""No row is cut at a pane's foot (qa8 G20): every pane of the main window (each dock's scroll
area, the line overview) at 1920x1080 and 1280x800 touch, during the demo fault, at rest and at
every position its scroll arrows step to. A row is a label's lines or the whole of a control, a
value's bar or any other widget that draws itself (widgets.whole_lines.row_rect): qa8 saw the alarm
pane's action buttons cut in half at 1280x800 (their text was whole), the overview's Setpoint…
buttons at 1920x1080, and a "Motor current" bar after a tap on the overview's arrows.

The check is geometry: each row mapped into its pane's viewport lies wholly above its foot or
wholly below it. And at 1280x800 the alarm pane's action buttons are in view at rest: a pane
whose foot cuts nothing but hides Acknowledge below it would pass the first check. Both in the day
and the night theme (the night theme re-polishes every widget: qa9 Q9-19)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractSlider, QDockWidget, QPushButton, QScrollArea, QVBoxLayout, QWidget

from hmi.ui.theme import THEMES
from widgets.whole_lines import MAX_SHARE, WholeLinesScrollArea, row_rect, rows_of

from ..helpers.settle import settle
from .test_no_clipped_text import window  # noqa: F401  (the fixture: demo fault, advisories)

CASES = [((1920, 1080), "default"), ((1280, 800), "touch")]
LIVE_1280_DOCK_PX = 320  # the alarm dock's height in the demo on Xvfb at 1280x800 touch (qa8, touch9)


def cut_at_foot(area: QScrollArea) -> list[str]:
    """Rows of `area` partly above and partly below its viewport's foot."""
    inner, port = area.widget(), area.viewport()
    if inner is None or not port.isVisible():
        return []
    foot = port.height()
    full = area.contentsRect().height()
    out = []
    for w in rows_of(inner):
        r = row_rect(w)
        top = w.mapTo(port, QPoint(0, r.top())).y()
        if full - top > full * MAX_SHARE:
            continue  # clearing it would hide more than MAX_SHARE of the pane (a camera image)
        bottom = top + r.height()  # exclusive
        if top < foot < bottom:
            what = getattr(w, "text", lambda: "")() if hasattr(w, "text") else ""
            out.append(
                f"{type(w).__name__} {w.objectName()!r} {str(what)[:40]!r} y {top}..{bottom} foot {foot}"
            )
    return out


def foot_moved_too_far(area: QScrollArea) -> list[str]:
    """The foot went up past the rows the pane's edge cuts. It clears those and no more: further
    means rows out of step across columns (faceplates side by side, one head taller), where each
    row it cleared cut another beside it, and it climbed until half the pane was an empty band
    (qa10 Q10-5: the review's cards ended at a "Motor current" label, their bars hidden)."""
    inner, port = area.widget(), area.viewport()
    if inner is None or not port.isVisible():
        return []
    hbar = area.horizontalScrollBar()
    full = area.contentsRect().height() - (hbar.height() if hbar.isVisible() else 0)
    foot = port.height()
    cut_by_edge = []
    for w in rows_of(inner):
        r = row_rect(w)
        top = w.mapTo(port, QPoint(0, r.top())).y()
        if top < full < top + r.height() and full - top <= full * MAX_SHARE:
            cut_by_edge.append(top)
    needed = min(cut_by_edge, default=full)
    if foot >= needed:
        return []
    return [
        f"foot at {foot} px of {full}: {full - foot} px hidden, {needed - foot} px more than the edge's rows need"
    ]


def _walk_scroll(
    area: WholeLinesScrollArea,
    where: str,
    checks: tuple[Callable[[QScrollArea], list[str]], ...] = (cut_at_foot,),
) -> list[str]:
    """At rest, then every arrow step down to the end: what a finger on the arrows sees. `checks`:
    what is looked for at each step (the review's faceplates add foot_moved_too_far)."""

    def found() -> list[str]:
        return [c for check in checks for c in check(area)]

    bar = area.verticalScrollBar()
    bar.setValue(0)
    settle()
    problems = [f"{where} at rest: {c}" for c in found()]
    steps = 0
    while bar.value() < bar.maximum() and steps < 60:
        bar.triggerAction(QAbstractSlider.SliderAction.SliderSingleStepAdd)
        settle()
        steps += 1
        problems += [f"{where} scrolled to {bar.value()}: {c}" for c in found()]
    bar.setValue(0)
    settle()
    return problems


def _name(area: WholeLinesScrollArea) -> str:
    p = area.parentWidget()
    while p is not None and not isinstance(p, QDockWidget):
        p = p.parentWidget()
    return p.windowTitle() if p is not None else area.objectName()


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize(("size", "profile"), CASES, ids=[f"{s[0]}x{s[1]}-{p}" for s, p in CASES])
def test_no_pane_cuts_a_row_at_its_foot(window, size, profile, theme):  # noqa: F811
    win = window(size, profile, theme)
    problems = _walk_scroll(win.overview, "overview")
    for dock in win.findChildren(QDockWidget):
        dock.show()
        dock.raise_()
        settle()
        for area in dock.findChildren(WholeLinesScrollArea):
            if area.isVisible():
                problems += _walk_scroll(area, f"{_name(area)} dock")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("theme", THEMES)
def test_the_alarm_actions_are_in_view_at_1280(window, theme):  # noqa: F811
    """At 1280x800 touch, the alarm pane at rest shows its action buttons whole (qa8 G20: cut in
    half at start, because the pane was laid out at its preferred height, not its dock's)."""
    win = window((1280, 800), "touch", theme)
    win.show_alarm_list()
    settle()
    # The live window on Xvfb gave the alarm dock 320 px (the overview keeps its summaries' room);
    # this offscreen window gives it more, so it is squeezed to what the line-side PC has.
    win.resizeDocks([win.alarms_dock], [LIVE_1280_DOCK_PX], Qt.Orientation.Vertical)
    settle()
    port = win.alarms_dock.widget().viewport()
    assert port.height() <= LIVE_1280_DOCK_PX + 10
    shown = [(c.value, b) for c, b in win.alarm_table.buttons.items() if b.isVisible()]
    assert shown
    for name, b in [*shown, ("trend", win.alarm_table.trend_button)]:
        top = b.mapTo(port, QPoint(0, 0)).y()
        assert top >= 0 and top + b.height() <= port.height(), (
            f"{name} at y {top}..{top + b.height()} in a pane {port.height()} px high"
        )


def test_the_check_finds_a_cut_button_and_bar(qapp):
    """The checker itself: a plain scroll area whose foot falls through a button and a bar is
    reported; a WholeLinesScrollArea of the same height moves its foot above them."""

    def content() -> QWidget:
        inner = QWidget()
        lay = QVBoxLayout(inner)
        for k in range(6):
            lay.addWidget(QPushButton(f"button {k}"))
            bar = QWidget()  # a value's bar: draws itself, no text
            bar.setFixedHeight(14)
            lay.addWidget(bar)
        return inner

    cut = 0
    for height in range(80, 200, 7):
        plain = QScrollArea()
        plain.setWidgetResizable(True)
        plain.setWidget(content())
        plain.resize(300, height)
        plain.show()
        whole = WholeLinesScrollArea()
        whole.setWidgetResizable(True)
        whole.setWidget(content())
        whole.resize(300, height)
        whole.show()
        settle()
        cut += bool(cut_at_foot(plain))
        assert not cut_at_foot(whole), cut_at_foot(whole)
        plain.close()
        whole.close()
    assert cut > 0
