"""Every pill and badge meets WCAG AA contrast (4.5:1) in every theme and state (qa7 G31: the night
theme's "LINE STOPPED" pill was white on mid grey, 2.5:1, the weakest text on the screen for the most
important word). Checked from what is drawn: the theme's style sheet rules for every `QLabel#…Badge`
and each of its `[kind=…]` states (a transparent badge on the fill of the frame it sits in), the
advisory badge's own style sheet, the alarm banner's priority tiles (lit, flash-off, idle), and the text of
every alarm list row (every state x priority, on both row fills), each through the night mapping the app
applies (hmi.ui.theme.night_qss, widgets.palette.use_theme)."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt

from hmi.core.alarms.alarm_list import AlarmView
from hmi.core.alarms.model import AlarmState, Priority
from hmi.ui.theme import QSS_PATH, night_qss
from tests.helpers.alarm_records import record
from widgets import palette
from widgets.advisory_readout import AdvisoryReadout
from widgets.alarm_model import COL_PRIORITY, HEADERS, AlarmTableModel
from widgets.alarm_store import AlarmStore

THEMES = ("day", "night")
# the frame a transparent badge is drawn on
PARENT = {"stateBadge": "QFrame#faceplate", "lineStateBadge": "QFrame#lineStatusStrip"}
_BLOCK = re.compile(r"([^{}]+)\{([^{}]*)\}")
_DECL = re.compile(r"([\w-]+)\s*:\s*([^;]+);?")


def rules(qss: str) -> dict[str, dict[str, str]]:
    qss = re.sub(r"/\*.*?\*/", "", qss, flags=re.S)
    out: dict[str, dict[str, str]] = {}
    for sels, body in _BLOCK.findall(qss):
        decls = {k.strip(): v.strip() for k, v in _DECL.findall(body)}
        for sel in sels.split(","):
            out.setdefault(sel.strip(), {}).update(decls)
    return out


def text_colour(theme: str) -> str:
    return palette.night_grey(palette._DAY["TEXT"]) if theme == "night" else palette._DAY["TEXT"]


def themed(qss: str, theme: str) -> str:
    return night_qss(qss) if theme == "night" else qss


def badge_cases(theme: str) -> list[tuple[str, str, str]]:
    """(what, text colour, fill) of every badge state in the theme's style sheet."""
    r = rules(themed(QSS_PATH.read_text(encoding="utf-8"), theme))
    names = sorted({m.group(1) for sel in r if (m := re.fullmatch(r"QLabel#(\w+Badge)(\[.*\])?", sel))})
    assert {"lineStateBadge", "stateBadge", "connectionBadge"} <= set(names)
    cases = []
    for name in names:
        base = r[f"QLabel#{name}"]
        kinds = [s for s in r if s.startswith(f"QLabel#{name}[")]
        for sel in [f"QLabel#{name}", *kinds]:
            d = {**base, **r[sel]}
            bg = d.get("background", "transparent")
            if bg == "transparent":
                bg = r[PARENT[name]]["background"]
            fg = d.get("color", text_colour(theme))
            cases.append((f"{theme} {sel}", fg, bg))
    return cases


@pytest.mark.parametrize("theme", THEMES)
def test_every_style_sheet_badge_state_meets_aa(theme):
    low = [
        f"{what}: {fg} on {bg} = {palette.contrast(fg, bg):.2f}:1"
        for what, fg, bg in badge_cases(theme)
        if palette.contrast(fg, bg) < palette.AA_CONTRAST
    ]
    assert not low, "\n".join(low)


@pytest.mark.parametrize("theme", THEMES)
def test_the_advisory_badge_meets_aa(qtbot, theme):
    w = AdvisoryReadout("filler")
    qtbot.addWidget(w)
    w._set_active(True)
    d = rules(themed(w.styleSheet(), theme))["#advisoryBadge"]
    assert palette.contrast(d["color"], d["background"]) >= palette.AA_CONTRAST, d


@pytest.mark.parametrize("theme", THEMES)
def test_the_priority_tiles_meet_aa_lit_flashing_and_idle(theme):
    palette.use_theme(theme)
    try:
        for prio, fill in palette.PRIORITY_COLOURS.items():
            assert palette.contrast(palette.PRIORITY_TEXT[prio], fill) >= palette.AA_CONTRAST, prio
        assert palette.contrast(palette.TEXT, palette.BLINK_OFF_FILL) >= palette.AA_CONTRAST  # flash-off
        # the idle tile (widgets.alarm_banner): nothing active, grey on grey
        assert palette.contrast(palette.TEXT, palette.PANEL) >= palette.AA_CONTRAST
    finally:
        palette.use_theme("day")


@pytest.mark.parametrize("theme", THEMES)
def test_every_alarm_row_state_and_priority_meets_aa(qapp, theme):
    """Q11-11: returned-to-normal unacknowledged rows were dim grey on dark grey at night (1.7:1): the
    dim brush was made once, in the day theme, before the switch; and the night mapping of the dim
    grey itself was 3.3:1 on the alternate row. The list is made in the day theme (as the app starts)
    and read after the switch; every cell's text (the priority chip is the tiles' test) on both fills."""
    palette.use_theme("day")
    store = AlarmStore()
    store.seed(
        record(f"{s.value}-{int(p)}", s, priority=p, acked=s in (AlarmState.ACKED, AlarmState.LATCHED))
        for s in AlarmState
        for p in Priority
    )
    model = AlarmTableModel(store)
    palette.use_theme(theme)
    try:
        table = rules(themed(QSS_PATH.read_text(encoding="utf-8"), theme))["QTableView"]
        fills = (table["background"], table["alternate-background-color"])
        low, seen = [], set()
        for view in AlarmView:
            if view == AlarmView.HISTORY:
                continue
            model.set_view(view)
            for row in range(model.rowCount()):
                seen.add(model.rows[row].id)
                for col in range(len(HEADERS)):
                    if col == COL_PRIORITY:
                        continue
                    brush = model.index(row, col).data(Qt.ItemDataRole.ForegroundRole)
                    fg = brush.color().name().upper() if brush is not None else palette.TEXT
                    low += [
                        f"{model.rows[row].id} {HEADERS[col]}: {fg} on {fill} = {palette.contrast(fg, fill):.2f}:1"
                        for fill in fills
                        if palette.contrast(fg, fill) < palette.AA_CONTRAST
                    ]
        shown = {f"{s.value}-{int(p)}" for s in AlarmState if s != AlarmState.NORMAL for p in Priority}
        assert shown <= seen, f"rows never shown in any view: {sorted(shown - seen)}"
        assert not low, "\n".join(sorted(set(low)))
    finally:
        palette.use_theme("day")


def test_contrast_is_wcag():
    assert palette.contrast("#FFFFFF", "#000000") == pytest.approx(21.0)
    assert palette.contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
