"""The main window at 1280x800 with the touch profile, the demo fault's alarms raised and the alarm
list shown: where the alarm list's details-line tests start (tests/ui/test_alarm_details*.py)."""

from __future__ import annotations

from typing import Any


def touch_alarm_list(qtbot: Any, make_runtime: Any, demo_config: Any) -> tuple[Any, Any]:
    """(runtime, window) as a supervisor at a line-side touch PC sees them once the demo fault has
    raised its alarms (at least 9 active) and the alarm list is in front."""
    from hmi.ui.main_window import MainWindow
    from tests.ui.fakes import SUPERVISOR, simulate_fault

    rt = make_runtime(demo_config, alarms=True)
    simulate_fault(rt)
    win = MainWindow(rt, demo_config, user=SUPERVISOR, touch=True)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.alarm_banner.counts.total_active >= 9)
    win.show_alarm_list()
    qtbot.wait(50)
    return rt, win
