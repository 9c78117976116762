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
