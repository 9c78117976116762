"""The Alarm KPIs view shows figures computed after the last alarm change it has seen (qa9 Q9-5).

qa9 opened the Alarm KPIs tab 4.5 min after start and read "Computed 00:34:01 … 0 alarms
annunciated" (the start-up computation) while 4 alarms stood in the banner, until Refresh was
pressed. Here the journal gains alarms after the first computation: the view in front computes
again by itself a moment after the change; a view behind another tab says its figures are older
than the change and computes again when it is shown; and in the main window the alarm store's
changes reach the view.
"""

from __future__ import annotations

import sqlite3
import time

from tests.test_alarm_kpi import tr, write_db
from widgets.kpi_view import RECOMPUTE_AFTER_MS, KpiView

from .fakes import OPERATOR, simulate_fault

T = time.time() - 600.0


def _add_alarm(db, k: int) -> None:
    """The journal gains one alarm (as the runtime journals a new one)."""
    import json

    ts, kind, src, data = tr(T + 10.0 * k, f"filler.a{k}.hi", "activate", "unacknowledged", "high")
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO events (ts, kind, source, user, severity, message, data) VALUES (?, ?, ?, '', 0, '', ?)",
        (ts, kind, src, json.dumps(data)),
    )
    conn.commit()
    conn.close()


def _first_report(qtbot, tmp_path) -> tuple[KpiView, object]:
    db = write_db(tmp_path / "line1.db", [tr(T, "capper.jam", "activate", "unacknowledged", "medium")])
    view = KpiView(paths=lambda _start: [db])
    qtbot.addWidget(view)
    view.resize(1230, 640)
    with qtbot.waitSignal(view.report_ready, timeout=10000):
        view.refresh()
    assert view.report is not None and view.report.annunciated == 1 and not view.stale
    assert view.status_label.text().startswith("Computed ")
    return view, db


def test_a_view_in_front_computes_again_after_an_alarm_change(qtbot, themed_app, tmp_path):
    view, db = _first_report(qtbot, tmp_path)
    view.show()
    qtbot.waitExposed(view)
    for k in (1, 2):
        _add_alarm(db, k)
        view.note_alarm_change()
        assert view.stale and "alarms changed at" in view.status_label.text()
        with qtbot.waitSignal(view.report_ready, timeout=RECOMPUTE_AFTER_MS + 10000):
            pass
        assert view.report is not None and view.report.annunciated == 1 + k
        assert view.computed_at is not None and view.alarms_changed_at is not None
        assert view.computed_at > view.alarms_changed_at and not view.stale
        assert "alarms changed" not in view.status_label.text()


def test_a_view_behind_a_tab_says_its_figures_are_old_and_computes_when_shown(qtbot, themed_app, tmp_path):
    view, db = _first_report(qtbot, tmp_path)
    assert not view.isVisible()
    _add_alarm(db, 1)
    view.note_alarm_change()
    qtbot.wait(RECOMPUTE_AFTER_MS + 300)
    assert view.report is not None and view.report.annunciated == 1  # hidden: nothing computed
    assert view.stale and "computed again when shown" in view.status_label.text()
    view.show()
    with qtbot.waitSignal(view.report_ready, timeout=10000):
        view.refresh_if_stale()  # what the main window does when the tab is brought forward
    assert view.report.annunciated == 2 and not view.stale
    view.refresh_if_stale()  # current: nothing asked again
    assert not view.busy


def test_the_main_window_tells_the_view_of_alarm_changes(
    qtbot, themed_app, make_runtime, demo_config, tmp_path
):
    from hmi.ui.main_window import MainWindow

    rt = make_runtime(demo_config, alarms=True, auto=False)
    simulate_fault(rt)
    db = write_db(tmp_path / "line1.db", [tr(T, "capper.jam", "activate", "unacknowledged", "medium")])
    win = MainWindow(rt, demo_config, user=OPERATOR)
    qtbot.addWidget(win)
    win.kpi_view._paths_fn = lambda _start: [db]
    win.show()
    qtbot.waitExposed(win)
    win.show_kpis()
    qtbot.waitUntil(lambda: win.kpi_view.report is not None and not win.kpi_view.busy, timeout=10000)
    win.kpi_dock.hide()  # out of view (behind another tab, or closed)
    qtbot.waitUntil(lambda: not win.kpi_view.isVisible(), timeout=5000)
    _add_alarm(db, 1)
    win.alarm_store.changed.emit([])
    assert win.kpi_view.stale
    win.show_kpis()
    qtbot.waitUntil(lambda: not win.kpi_view.stale and not win.kpi_view.busy, timeout=10000)
    assert win.kpi_view.report is not None and win.kpi_view.report.annunciated == 2
    win.close()
