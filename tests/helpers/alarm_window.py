"""The main window with the demo fault's alarms raised and the alarm list in front: where the alarm
list's tests start (tests/ui/test_alarm_details*.py at a line-side touch PC, test_alarm_filter_count.py
in the control room)."""

from __future__ import annotations

from typing import Any


def alarm_list_window(
    qtbot: Any, make_runtime: Any, demo_config: Any, *, size: tuple[int, int] = (1280, 800), touch: bool | None = True
) -> tuple[Any, Any]:
    """(runtime, window) as a supervisor sees them once the demo fault has raised its alarms (at least
    9 active) and the alarm list is in front: 1280x800 with the touch profile unless said otherwise
    (`touch=None`: the line config's "auto")."""
    from hmi.ui.main_window import MainWindow
    from tests.ui.fakes import SUPERVISOR, simulate_fault

    rt = make_runtime(demo_config, alarms=True)
    simulate_fault(rt)
    win = MainWindow(rt, demo_config, user=SUPERVISOR, touch=touch)
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.alarm_banner.counts.total_active >= 8)
    win.show_alarm_list()
    qtbot.wait(50)
    return rt, win


def global_rect(w: Any, r: Any = None) -> Any:
    """A widget's rectangle (or `r` in its coordinates) in global coordinates: the alarm list's rows,
    its viewport and the details line under it compared in one frame (no one is the other's child)."""
    from PySide6.QtCore import QRect

    r = w.rect() if r is None else r
    return QRect(w.mapToGlobal(r.topLeft()), r.size())


def shown_part(w: Any) -> Any:
    """The part of a widget its parents show (a dock's scroll area may cut it), in global coordinates."""
    shown = global_rect(w)
    p = w.parentWidget()
    while p is not None:
        shown &= global_rect(p)
        p = p.parentWidget()
    return shown


def row_line(win: Any, row: int, *, in_viewport: bool = False) -> Any:
    """An alarm row across the list's viewport, in global coordinates; `in_viewport`: only the part
    of it the viewport holds (empty for a row scrolled out of it)."""
    from PySide6.QtCore import QRect

    from widgets.alarm_model import COL_MESSAGE

    t = win.alarm_table
    vp = t.view.viewport()
    r = t.view.visualRect(t.model.index(row, COL_MESSAGE))
    line = QRect(0, r.top(), vp.width(), r.height())
    return global_rect(vp, line & vp.rect() if in_viewport else line)
