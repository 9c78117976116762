"""An alarm flood: 1,000 alarms activating within one second, through the real engine, the bridge and
the window (tests/helpers/alarm_flood.py). The window shows every alarm and the GUI thread stays free.

"Free" is checked by what keeps it free, not by a stopwatch: a timed bound here (a 1 s stall limit)
failed at 2.1 s on a loaded shared box with nothing wrong. How fast the flood shows and the longest
stall (target: 100 ms) are figures of bench/alarms_ui.py, against a quiet baseline in the same run.
What would freeze the window is a design defect, and each has its check:
- the engine's evaluation or its journal writes on the GUI thread: they run on the feeder thread only;
- the flood handled inside one turn of the event loop (a nested loop, a wait for the feeder): the
  bridge delivers on the GUI thread, and the event loop turns between any two deliveries;
- the table rebuilt per alarm: the model resets at most once per delivery, never per alarm.
"""

from __future__ import annotations

import itertools

from tests.helpers.alarm_flood import run_flood


def test_flood_of_1000_alarms_shows_and_leaves_the_gui_thread_free(
    qtbot, themed_app, demo_config, make_runtime
):
    from hmi.ui.main_window import MainWindow

    from .fakes import OPERATOR, big_config

    config = big_config(1000, demo_config)
    rt = make_runtime(config, alarms=True, auto=False)
    win = MainWindow(rt, config, user=OPERATOR)
    qtbot.addWidget(win)
    win.resize(1920, 1080)
    win.show()
    qtbot.waitExposed(win)
    win.show_alarm_list()
    qtbot.wait(200)
    res = run_flood(win, rt, 1000)
    print(
        f"\n[alarm flood] 1,000 alarms in 1 s: {len(res.delivery_turns)} deliveries over {res.turns} event-loop"
        f" turns, {res.model_resets} model resets; (timings are bench/alarms_ui.py's: here banner"
        f" {res.banner_s * 1e3:.0f} ms, table {res.table_s * 1e3:.0f} ms, max stall {res.max_stall_ms:.0f} ms)"
    )
    # Both showed every alarm (NaN: not before run_flood's hang guard).
    assert res.table_s == res.table_s and res.banner_s == res.banner_s, res
    assert win.alarm_banner.counts.unacked[3] >= 1000  # implicit Hi alarms: medium
    assert win.alarm_table.model.rowCount() >= 1000
    # The engine's work and its journal writes ran off the GUI thread.
    assert res.engine_threads and res.gui_thread not in res.engine_threads
    assert res.journal_threads and res.gui_thread not in res.journal_threads
    # The GUI thread took the flood in turns of its event loop: deliveries on the GUI thread, the loop
    # turning (the 5 ms meter firing) between any two of them, and more turns than deliveries.
    assert res.delivery_threads == {res.gui_thread}
    turns = res.delivery_turns
    assert turns and all(b > a for a, b in itertools.pairwise(turns)), turns
    assert res.turns > len(turns)
    # One model reset per delivery at most: the table is not rebuilt per alarm.
    assert res.model_resets <= len(turns), (res.model_resets, len(turns))
    # Acknowledge all shown (one request, one audit row) with the list this full.
    win.alarm_table.acknowledge_all_visible()
    dlg = win.alarm_actions.dialog
    assert dlg.heading.text().startswith("Acknowledge all ")
    dlg.ok_button.click()
    qtbot.waitUntil(lambda: win.alarm_banner.counts.total_unacked == 0, timeout=10_000)
