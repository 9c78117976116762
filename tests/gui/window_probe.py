"""Run the real main window on a real X server and report what a user would meet, as JSON.

Started by tests/gui/test_real_window.py in a child process under Xvfb (one screen size per
run): `DISPLAY=:n QT_QPA_PLATFORM=xcb python -m tests.gui.window_probe [--shots DIR]`.
It measures, it does not judge: the test asserts on the figures, so a failure names them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
os.environ.setdefault("LINEHMI_SETTINGS_DIR", tempfile.mkdtemp(prefix="linehmi-gui-settings-"))

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QBoxLayout, QDockWidget, QLabel, QTabBar, QWidget

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.ui.main_window import MainWindow
from hmi.ui.theme import apply_theme
from hmi.ui.touch import TARGET_TYPES
from hmi.ui.window_layout import bring_forward as bring_forward_dock
from tests.ui.fakes import OPERATOR, FakeRuntime, simulate_fault
from widgets import palette
from widgets.production_strip import LineStatusStrip
from widgets.text_fit import clipped_texts
from widgets.touch_reach import controls_not_whole

app = QApplication(sys.argv[:1])
apply_theme(app)
BASE = load_config(DEMO_CONFIG)


def spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.005)


def wait_for(cond, timeout: float = 5.0) -> float | None:  # type: ignore[no-untyped-def]
    """Seconds until cond() held (None: never within timeout)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        app.processEvents()
        if cond():
            return time.monotonic() - t0
        time.sleep(0.002)
    return None


def shown(w: QWidget) -> bool:
    """What the user sees: shown, and the widget on top at its centre is `w` (or inside it), so
    a dock behind another tab of its group, or a widget off the screen, does not count."""
    if not w.isVisible():
        return False
    win = w.window()
    centre = w.mapTo(win, w.rect().center())
    if not win.rect().contains(centre):
        return False
    top = win.childAt(centre)
    return top is not None and (top is w or w.isAncestorOf(top))


def rect_of(w: QWidget) -> list[int]:
    g = w.frameGeometry() if w.isWindow() else QRect(w.mapToGlobal(QPoint(0, 0)), w.size())
    return [g.x(), g.y(), g.width(), g.height()]


class Probe:
    def __init__(self, touch: bool | None, shots: Path | None) -> None:
        self.touch = touch
        self.shots = shots
        self.runtimes: list[FakeRuntime] = []

    def window(self, *, auto_raise: bool = True, fault: bool = False) -> tuple[FakeRuntime, MainWindow]:
        # A freshly started station: no layout saved by an earlier window of this run.
        os.environ["LINEHMI_SETTINGS_DIR"] = tempfile.mkdtemp(prefix="linehmi-gui-settings-")
        display = BASE.display.model_copy(update={"raise_alarm_list": [1, 2] if auto_raise else []})
        config = BASE.model_copy(update={"display": display})
        rt = FakeRuntime(config, alarms=True)
        self.runtimes.append(rt)
        if fault:
            simulate_fault(rt)
        win = MainWindow(rt, config, user=OPERATOR, touch=self.touch)
        if win.production is None:
            # The demo line's production strip takes its rows at the top; the fake runtime has no
            # production figures, so the strip is put there empty, as tall as it draws (two lines).
            strip = LineStatusStrip()
            strip.set_status(None, "no machine holding the line")
            for label, text in (  # as long as the demo's: the strip then takes its two lines
                (strip.since, "running for 00:24"),
                (strip.rate, "rate 540/min · ideal 400/min"),
                (strip.good, "good 918 of 147,900 · due now 58,896"),
                (strip.oee, "OEE 85.4 %  A 100.0 %  P 86.1 %  Q 99.1 %  · early shift so far"),
            ):
                label.setText(text)
            top = win.menuWidget()
            layout = top.layout() if top is not None else None
            if isinstance(layout, QBoxLayout):
                layout.insertWidget(1, strip)
        win.show()
        wait_for(lambda: win.isVisible() and win.bridge.stats.ticks > 2)
        if fault:
            wait_for(lambda: win.alarm_banner.counts.total_active >= 8)
        spin(0.3)
        return rt, win

    def close(self, win: MainWindow) -> None:
        win.allow_close()
        win.close()
        spin(0.05)

    def shot(self, win: QWidget, name: str) -> None:
        if self.shots is not None:
            self.shots.mkdir(parents=True, exist_ok=True)
            win.grab().save(str(self.shots / f"{name}.png"))

    # --- geometry -------------------------------------------------------------------------------
    def geometry(self, win: MainWindow) -> dict:
        avail = win.screen().availableGeometry()
        docks = [d for d in win.findChildren(QDockWidget) if shown(d) and not d.isFloating()]
        areas = [(d.objectName(), QRect(d.mapTo(win, QPoint(0, 0)), d.size())) for d in docks]
        central = win.centralWidget()
        areas.append(("central", QRect(central.mapTo(win, QPoint(0, 0)), central.size())))
        overlaps = [
            f"{a} x {b}" for i, (a, ra) in enumerate(areas) for b, rb in areas[i + 1 :] if ra.intersects(rb)
        ]
        return {
            "available": [avail.x(), avail.y(), avail.width(), avail.height()],
            "frame": rect_of(win),
            "overlaps": overlaps,
            "floating": [d.objectName() for d in win.findChildren(QDockWidget) if d.isFloating()],
        }

    def growth(self, win: MainWindow) -> list[int]:
        """A pane that suddenly wants 3000 px (thumbnails, a long answer): the window size after."""
        big = QLabel("tall content")
        big.setMinimumSize(2500, 3000)
        win.assistant_pane.layout().addWidget(big)
        spin(0.3)
        size = [win.width(), win.height()]
        big.setParent(None)
        big.deleteLater()
        spin(0.1)
        return size

    # --- alarm list reachability ----------------------------------------------------------------
    def reach(self) -> dict:
        """Each way to the alarm list, on a freshly started window (the defect was in the first use)."""
        out: dict[str, object] = {}
        _rt, win = self.window(auto_raise=False)
        out["start"] = self.geometry(win)
        out["start_front"] = [d.objectName() for d in win.findChildren(QDockWidget) if shown(d.widget())]
        self.shot(win, "start")
        # The window opens on the alarm list; the button must bring it back from another tab.
        self.click_tab(win, "Tags")
        out["alarm_list_button_shown_before"] = shown(win.alarm_table.view)
        QTest.mouseClick(win.alarm_banner.list_button, Qt.MouseButton.LeftButton)
        out["alarm_list_button"] = wait_for(lambda: shown(win.alarm_table.view), 2.0)
        # The key works wherever the focus is: tags in front again (as a user would, by its tab), F2.
        self.click_tab(win, "Tags")
        out["f2_key_shown_before"] = shown(win.alarm_table.view)
        win.activateWindow()
        wait_for(win.isActiveWindow, 2.0)
        QTest.keyClick(win.tag_table, Qt.Key.Key_F2)
        out["f2_key"] = wait_for(lambda: shown(win.alarm_table.view), 2.0)
        self.close(win)

        _rt, win = self.window(auto_raise=False)
        QTest.mouseClick(win.alarm_banner.boxes[min(win.alarm_banner.boxes)], Qt.MouseButton.LeftButton)
        out["priority_tile"] = wait_for(lambda: shown(win.alarm_table.view), 2.0)
        t = win.alarm_table
        out["tile_filter_note_visible"] = shown(t.filter_note)
        QTest.mouseClick(t.filter_note, Qt.MouseButton.LeftButton)
        spin(0.1)
        out["tile_filter_cleared"] = not t.active_filters() and not t.filter_note.isVisible()
        self.close(win)

        _rt, win = self.window(auto_raise=False, fault=True)
        out["banner_entry_shown_before"] = shown(win.alarm_table.view)
        QTest.mouseClick(win.alarm_banner.rows[0].message_label, Qt.MouseButton.LeftButton)
        out["banner_entry"] = wait_for(lambda: shown(win.alarm_table.view), 2.0)
        self.close(win)
        return out

    @staticmethod
    def click_tab(win: MainWindow, title: str) -> None:
        for bar in win.findChildren(QTabBar):
            for i in range(bar.count()):
                if bar.tabText(i) == title and shown(bar):
                    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(i).center())
                    spin(0.1)
                    return
        raise AssertionError(f"no visible tab {title!r}")

    def new_urgent(self) -> dict:
        """The alarm list is behind the Tags tab; an urgent alarm comes in: seconds until it is in front."""
        rt, win = self.window()
        win.window_layout.plan.tags.show()
        from hmi.ui.window_layout import bring_forward

        bring_forward(win.tags_dock)
        spin(0.2)
        behind = not shown(win.alarm_table.view)
        eng = rt.alarms
        assert eng is not None
        rt.set_value("conveyor.state", 4.0)  # the conveyor trips: a high-priority alarm (1 s on-delay)
        now = time.time()
        eng.process(rt.synthetic_batch(now=now))
        t0 = time.monotonic()
        eng.process(rt.synthetic_batch(now=now + 1.5))  # on-delay over: the alarm activates here
        seen = wait_for(lambda: shown(win.alarm_table.view), 3.0)
        elapsed = None if seen is None else time.monotonic() - t0
        # In a dialog the list must not jump: open the setpoint dialog, raise an urgent alarm.
        bring_forward(win.tags_dock)
        dlg = win.open_setpoint_dialog("filler")
        if dlg is not None:
            dlg.activateWindow()
        wait_for(lambda: dlg is not None and dlg.isActiveWindow(), 2.0)
        dialog_active = dlg is not None and dlg.isActiveWindow()
        rt.set_value("filler.bearing_temp", 91.0)  # HiHi (high) after its on-delay
        for k in range(1, 12):
            eng.process(rt.synthetic_batch(now=now + 2 + k))
        urgent = (
            wait_for(lambda: win.alarm_store.get("filler.bearing_temp.hihi") is not None, 2.0) is not None
        )
        spin(0.4)
        jumped = shown(win.alarm_table.view)
        if dlg is not None:
            dlg.close()
        self.close(win)
        return {
            "behind_before": behind,
            "seconds_to_front": elapsed,
            "dialog_active": dialog_active,
            "urgent_in_dialog": urgent,
            "jumped_in_dialog": jumped,
        }

    def trip_from_every_pane(self) -> dict:
        """For each pane in front (chosen by its tab, focus in it), a machine trips: was the alarm
        list in view when the log said "brought forward", and is it in view now (qa5 F20)."""
        import logging

        rt, win = self.window()
        eng = rt.alarms
        assert eng is not None
        claims: list[str | None] = []

        class AtLogTime(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                msg = record.getMessage()
                if msg.startswith("alarm list brought forward"):
                    claims.append(win.alarm_list_not_seen())
                elif "NOT in view" in msg:
                    claims.append(msg)

        logger = logging.getLogger("hmi.ui.main_window")
        handler = AtLogTime()
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        out: dict[str, object] = {}
        machines = ["conveyor.state", "filler.state", "labeller.state", "capper.state"]
        now = time.time()
        for k, dock in enumerate(d for d in win.window_layout.plan.all() if d is not win.alarms_dock):
            if dock.isHidden():
                dock.show()
            try:
                self.click_tab(win, dock.windowTitle())
            except AssertionError:
                bring_forward_dock(dock)
                spin(0.1)
            for w in dock.findChildren(QWidget):
                if w.isVisible() and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.ClickFocus:
                    w.setFocus(Qt.FocusReason.MouseFocusReason)
                    break
            hidden_before = win.alarm_list_not_seen()
            tag = machines[k % len(machines)]
            rt.clear_value(tag)
            now += 20
            eng.process(rt.synthetic_batch(now=now))
            eng.tick(now + 5)
            claims.clear()
            rt.set_value(tag, 4.0)
            eng.process(rt.synthetic_batch(now=now + 10))
            eng.process(rt.synthetic_batch(now=now + 11.5))
            wait_for(lambda: bool(claims), 4.0)
            spin(0.1)
            out[dock.objectName()] = {
                "hidden_before": hidden_before,
                "claims": list(claims),
                "now": win.alarm_list_not_seen(),
            }
        self.shot(win, "trip_from_last_pane")
        logger.removeHandler(handler)
        self.close(win)
        return out

    # --- upset, targets, theme ------------------------------------------------------------------
    def upset(self) -> dict:
        _rt, win = self.window(fault=True)
        touch = win.touch
        win.show_alarm_list()
        spin(0.4)
        view = win.alarm_table.view
        rows = view.viewport().height() / max(1, view.verticalHeader().defaultSectionSize())
        port = win.overview.viewport()
        seen = QRect(0, 0, port.width(), port.height())
        essentials_hidden = [
            f"{mid} {what}"
            for mid, fp in win.overview.faceplates.items()
            for what, w in (
                ("state", fp.state_label),
                ("summary", fp.summary if fp.compact else fp.main_value),
            )
            if w is None or not seen.contains(QRect(w.mapTo(port, w.rect().topLeft()), w.size()))
        ]
        geo = self.geometry(win)
        self.shot(win, "upset_day")
        targets = self.targets(win)
        not_whole = {"day": self.not_whole(win)}
        # Night theme: the same window, switched at run time.
        win.set_night(True)
        spin(0.3)
        night = self.theme_rules()
        night_targets = self.targets(win)
        not_whole["night"] = self.not_whole(win)
        self.shot(win, "upset_night")
        win.set_night(False)
        spin(0.1)
        win.reset_layout()
        spin(0.3)
        after_reset = self.geometry(win)
        growth = self.growth(win)
        self.close(win)
        return {
            "touch": touch,
            "rows_visible": rows,
            "essentials_hidden": essentials_hidden,
            "row_height": view.verticalHeader().defaultSectionSize(),
            "geometry": geo,
            "targets": targets,
            "night": night,
            "night_targets": night_targets,
            "not_whole": not_whole,
            "after_reset": after_reset,
            "size_after_growth": growth,
        }

    def targets(self, win: MainWindow) -> dict:
        sizes = []
        for w in win.findChildren(QWidget):
            if isinstance(w, TARGET_TYPES) and shown(w):
                if w.objectName().startswith("qt_") or isinstance(w.parent(), QTabBar):
                    continue  # Qt's own tab-scroll arrows: part of the tab bar, not a target of ours
                sizes.append(
                    (
                        min(w.width(), w.height()),
                        w.width(),
                        w.height(),
                        type(w).__name__,
                        w.objectName() or w.property("text") or "",
                    )
                )
        for bar in win.findChildren(QTabBar):
            if shown(bar):
                for i in range(bar.count()):
                    r = bar.tabRect(i)
                    sizes.append((min(r.width(), r.height()), r.width(), r.height(), "tab", bar.tabText(i)))
        sizes.sort(key=lambda s: s[0])
        return {"smallest": sizes[:5], "count": len(sizes)}

    @staticmethod
    def not_whole(win: MainWindow) -> list[str]:
        """Clipped texts and controls cut or lying over another, in the window as it shows."""
        return [*(str(c) for c in clipped_texts(win)), *controls_not_whole(win)]

    def theme_rules(self) -> dict:
        pal = app.palette()

        def lum(c: QColor) -> float:
            def ch(v: float) -> float:
                return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

            return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())

        window, text = pal.color(pal.ColorRole.Window), pal.color(pal.ColorRole.WindowText)
        lw, lt = lum(window), lum(text)
        contrast = (max(lw, lt) + 0.05) / (min(lw, lt) + 0.05)
        import re

        colours = {c.upper() for c in re.findall(r"#[0-9A-Fa-f]{6}", app.styleSheet())}
        non_grey = sorted(c for c in colours if not palette.is_grey(c))
        return {
            "window": window.name(),
            "text": text.name(),
            "window_luminance": lw,
            "text_luminance": lt,
            "contrast": contrast,
            "non_grey_colours": non_grey,
            "priority_colours": {str(k): v for k, v in palette.PRIORITY_COLOURS.items()},
        }


def second_monitor(probe: Probe) -> dict:
    """Started on the first screen, moved onto the second (another size): fitted to that one."""
    _rt, win = probe.window()
    first = {"screen": win.screen().name(), "frame": rect_of(win)}
    second = app.screens()[1]
    g = second.availableGeometry()
    win.move(g.x() + 100, g.y() + 100)
    spin(0.8)
    moved = {
        "screen": win.screen().name(),
        "frame": rect_of(win),
        "overlaps": probe.geometry(win)["overlaps"],
    }
    win.resize(g.width() * 2, g.height() * 2)
    spin(0.3)
    moved["after_asking_twice_the_screen"] = rect_of(win)
    probe.close(win)
    screens = [[s.name(), *s.availableGeometry().getRect()] for s in app.screens()]
    return {"screens": screens, "first": first, "second": moved}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shots", type=Path)
    ap.add_argument("--touch", choices=("auto", "on", "off"), default="auto")
    ap.add_argument("--second-monitor", action="store_true", help="only the move to a second screen")
    ap.add_argument("--trips", type=int, default=0, help="only the trip-from-every-pane check, N times")
    args = ap.parse_args()
    probe = Probe({"on": True, "off": False}.get(args.touch), args.shots)
    if args.trips:
        runs = [probe.trip_from_every_pane() for _ in range(args.trips)]
        bad = [
            (i, name, r)
            for i, run in enumerate(runs)
            for name, r in run.items()
            if r["claims"] != [None] or r["now"]
        ]
        for rt in probe.runtimes:
            rt.stop()
        print("PROBE " + json.dumps({"runs": len(runs), "panes": sum(map(len, runs)), "bad": bad}))
        return 0
    if args.second_monitor:
        report = second_monitor(probe)
        for rt in probe.runtimes:
            rt.stop()
        print("PROBE " + json.dumps(report))
        return 0
    reach = probe.reach()
    report: dict = {"start": reach.pop("start"), "start_front": reach.pop("start_front"), "reach": reach}
    report["new_urgent"] = probe.new_urgent()
    report["trip_from_every_pane"] = probe.trip_from_every_pane()
    report["upset"] = probe.upset()
    for rt in probe.runtimes:
        rt.stop()
    print("PROBE " + json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
