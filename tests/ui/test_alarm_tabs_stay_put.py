"""The alarm list's view tabs keep their place and their label when a filter comes or goes (qa9
Q9-21): the filter note appearing after a tap on a priority tile relabelled "Suppressed (3)" to
"Suppr. (3)" and moved every tab sideways, so a supervisor's finger aimed at a tab hit another.

Checked over every way a filter appears (each priority tile, each priority button, a choice in
each of the machine, state and time filters, a search text) one at a time and piled up, then cleared by
the note, at every screen size in both profiles: each tab's text and rectangle in the window stay
as they were with no filter, and the note shows while a filter narrows the list."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect

from widgets.alarm_store import AlarmView

from ..helpers.settle import settle
from .test_no_clipped_text import PROFILES, SIZES, window  # noqa: F401  (the fixture: the demo fault)


def _tabs(win) -> list[tuple[str, QRect]]:
    bar = win.alarm_table.tabs
    return [
        (bar.tabText(i), bar.tabRect(i).translated(bar.mapTo(win, QPoint(0, 0)))) for i in range(bar.count())
    ]


def _filters(win):
    """(what, apply) for every single way to narrow the list."""
    t = win.alarm_table
    out = []
    for p in (1, 2, 3, 4):
        out.append((f"tile {p}", lambda p=p: win.alarm_banner.priority_clicked.emit(p)))
        out.append((f"priority button {p} off", lambda p=p: t.priority_buttons[p].setChecked(False)))
    for combo in (t.machine_combo, t.state_combo, t.time_combo):
        for i in sorted({1, combo.count() - 1}):  # the first and the last choice of each
            out.append((f"{combo.itemText(i)!r} chosen", lambda c=combo, i=i: c.setCurrentIndex(i)))
    out.append(("a search text", lambda: t.search.setText("bearing temperature")))
    return out


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_view_tabs_stay_put_when_a_filter_comes(window, size, profile):  # noqa: F811
    win = window(size, profile)
    t = win.alarm_table
    win.show_alarm_list()
    t.set_view(AlarmView.ACTIVE)
    t.clear_filters()
    settle()
    before = _tabs(win)
    assert not t.filter_note.isVisible()
    moved: list[str] = []

    def check(what: str) -> None:
        settle()
        if t.active_filters() and not t.filter_note.isVisible():
            moved.append(f"{what}: a filter narrows the list and no note says so")
        now = _tabs(win)
        if now != before:
            moved.append(f"{what}: tabs {[(s, r.getRect()) for s, r in now]}")

    for what, apply in _filters(win):
        apply()
        check(what)
        t.clear_filters()
        check(f"{what}, then cleared")
    for what, apply in _filters(win):  # piled up: the note's longest wording
        if not what.startswith("tile"):
            apply()
    check("every filter at once")
    t.filter_note.click()
    check("the note tapped")
    assert not t.active_filters()
    assert not moved, f"with no filter: {[(s, r.getRect()) for s, r in before]}\n" + "\n".join(moved)
