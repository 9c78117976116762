"""No clipped text (issue 10, class 7): every visible widget of the main window, each of its docks
and views, and its dialogs, at 1920x1080, 1280x800 and 1024x768, during the demo fault (long alarm
messages, advisories, a bad-quality tag). Font metrics against geometry: widgets.text_fit, which
also checks text cut by a parent's visible area (a scroll area's edge, a squeezed strip) and every
cell and header of the item views (alarm, tag, pen and production tables).

The states testers hit are walked too: an alarm flood (3 banner rows, the list full), a long user
name and role with a long connection detail in the top bar, every faceplate with an advisory, an
alarm tapped in the banner (its details open under the list), a priority tile tapped (the filter
note beside the view tabs), and the Production view with the strip in each line state.

Screen profiles are a parameter: PROFILES maps a name to a function that prepares the window
(the touch profile sets its larger fonts and targets there), so every check runs per profile.
So is the theme (THEMES): the night theme re-polishes every widget, and the banner's rows kept the
height of the Ack buttons before the touch profile sized them again, so at 1280x800 two 40 px Ack
buttons lay in 32 px rows, cut and over each other (qa9 Q9-19; their text was whole). Each state of
the window is also checked for controls cut by a parent or lying over another control
(widgets.touch_reach.controls_not_whole).
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QDockWidget, QWidget

from hmi.core.runtime_api import ConnectionState
from hmi.core.users import Role, User
from hmi.ui.login_dialog import LoginDialog
from hmi.ui.main_window import MainWindow
from hmi.ui.theme import THEMES, apply_theme
from hmi.ui.window_layout import bring_forward
from inference.fault.readout_text import MachineRisk
from widgets.alarm_store import AlarmView
from widgets.text_fit import ClippedText, clipped_texts
from widgets.touch_reach import controls_not_whole

from ..helpers.qt_teardown import delete_closed_windows
from ..helpers.settle import settle
from .fakes import FakeAdvisories, simulate_fault
from .test_production_ui import production_runtime, shift_dir  # noqa: F401 (fixtures)

SIZES = [(1920, 1080), (1280, 800), (1024, 768)]  # control room, line-side PC, the smallest line PC
SHOTS = os.environ.get("LINEHMI_SHOTS")  # a folder: every checked view is saved there as PNG
# name -> prepares a freshly made window for that screen profile
PROFILES: dict[str, Callable[[MainWindow], None]] = {
    "default": lambda win: None,
    "touch": lambda win: win.set_touch(True),  # hmi.ui.touch: 40 px targets, number pads, locked layout
}


def _save(widget: QWidget, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


def _report(where: str, found: list[ClippedText]) -> str:
    return f"{len(found)} clipped text(s) {where}:\n  " + "\n  ".join(str(c) for c in found)


def _not_whole(where: str, win: QWidget) -> list[str]:
    """Controls of the window cut by a parent or over another control, as one problem line."""
    found = controls_not_whole(win)
    return [f"{len(found)} control(s) not whole {where}:\n  " + "\n  ".join(found)] if found else []


@pytest.fixture(params=THEMES)
def theme(request, themed_app):
    """Each theme in turn, applied to the application; day again afterwards (the palette module's
    greys are global: a night left behind would colour the next test's widgets)."""
    apply_theme(themed_app, request.param)
    yield request.param
    delete_closed_windows()
    apply_theme(themed_app, "day")


def _worst_risk(machine: str) -> MachineRisk:
    """An active advisory with its three reasons: the longest texts a readout shows."""
    return MachineRisk(
        machine,
        1.0,
        0.87,
        134.0,
        True,
        "ok",
        (("vibration", 0.91), ("motor_current", 0.70), ("speed", 0.36)),
        "fault_predictor 1.0.0 on CPU",
        predicts="bearing failure",
        covers="bearing failure, bearing overheat",
        horizon_s=120.0,
    )


# The longest name and role the top bar must show whole at 1280 px and up, beside a long link detail.
LONG_USER = User("a.konstantinopoulou", Role.SUPERVISOR, "Alexandra Konstantinopoulou")
LONG_DETAIL = "connected to opc.tcp://127.0.0.1:48471/linehmi/"


def _advisories(win: MainWindow) -> None:
    for m, readout in win.advisories.items():
        readout.set_risk(_worst_risk(m))


def _open(qtbot, win: MainWindow, size: tuple[int, int], profile: str, theme: str = "day") -> MainWindow:
    """Show a fresh window at `size` in `profile` and `theme` (switched as View ▸ Night theme does,
    after the profile: the order that left the banner's rows short)."""
    win.setAnimated(False)  # docks move at once: settle() then measures the final layout
    qtbot.addWidget(win)
    PROFILES[profile](win)
    win.set_night(theme == "night")
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def window(qtbot, themed_app, make_runtime, demo_config, tmp_path):
    from inference.qc.inspector import QcInspector

    from ..test_qc_inspector import FakeJournal, FakeModel
    from .test_qc_pane import _frame

    def make(size: tuple[int, int], profile: str, theme: str = "day") -> MainWindow:
        rt = make_runtime(demo_config, alarms=True)
        simulate_fault(rt)
        # Every faceplate carries its failure-risk readout, the longest texts it shows (_worst_risk).
        advisories = FakeAdvisories(demo_config)
        advisories.risks = {m.id: _worst_risk(m.id) for m in demo_config.machines}
        rt.fault = advisories
        # The demo line has a camera: its Quality dock is part of the window (with a reject shown).
        qc = QcInspector(None, journal=FakeJournal(tmp_path), model=FakeModel("misaligned_label"))
        rt.qc = qc
        # A tag with a long status name: the tag table, faceplates and pen tables must fit it.
        rt.clear_value("filler.fill_pressure")
        rt.set_state(ConnectionState.CONNECTED, LONG_DETAIL)
        win = _open(qtbot, MainWindow(rt, demo_config, user=LONG_USER), size, profile, theme)
        # Waits, not timings: on a shared 2-core machine under load the first ticks took over 5 s.
        qtbot.waitUntil(lambda: win.bridge.stats.ticks > 3, timeout=30000)
        qtbot.waitUntil(lambda: win.alarm_banner.counts.total_active >= 8, timeout=30000)
        win.blink.stop()
        _advisories(win)
        assert win.qc_pane is not None
        win.qc_pane.add_results([qc.inspect(_frame("misaligned_label", k)) for k in range(25)])
        settle()
        return win

    yield make
    delete_closed_windows()
    apply_theme(themed_app, "day")  # a window switched to night switched the whole application


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_main_window_docks_and_views(window, qtbot, size, profile, theme):
    win = window(size, profile, theme)
    problems: list[str] = []
    # No text forces the window wider than the screen. (Its height at 1280x800 with the Quality
    # dock is the layout's matter, see the main window's layout: the walk below checks what shows.)
    assert win.minimumSizeHint().width() <= size[0]
    print(f"[fit] {size[0]}x{size[1]} {profile}: window minimum {win.minimumSizeHint().toTuple()}")
    found = clipped_texts(win)
    if found:
        problems.append(_report("in the main window as it opens", found))
    problems += _not_whole("in the main window as it opens", win)
    for dock in win.findChildren(QDockWidget):
        dock.show()
        dock.raise_()
        settle()
        _save(win, f"fit_{size[0]}_{profile}_{theme}_{dock.objectName()}")
        found = [c for c in clipped_texts(win) if dock.objectName() in c.widget or "/" not in c.widget]
        if found:
            problems.append(_report(f"with the {dock.windowTitle()!r} dock in front", found))
        problems += _not_whole(f"with the {dock.windowTitle()!r} dock in front", win)
    win.show_alarm_list()
    settle()
    for view in AlarmView:
        win.alarm_table.set_view(view)
        settle()
        found = clipped_texts(win)
        if found:
            problems.append(_report(f"in the alarm list's {view} view", found))
        problems += _not_whole(f"in the alarm list's {view} view", win)
    # A tap on a banner row: the alarm list in front with that alarm's details open under it.
    win.alarm_table.set_view(AlarmView.ACTIVE)
    row = win.alarm_banner.rows[0]
    assert row.record is not None
    row.clicked.emit(row.record.id)
    settle()
    assert win.alarm_table.details.isVisible()
    _save(win, f"fit_{size[0]}_{profile}_{theme}_banner_tap")
    found = clipped_texts(win)
    if found:
        problems.append(_report("after a tap on a banner alarm", found))
    problems += _not_whole("after a tap on a banner alarm", win)
    # A tap on a priority tile: the list filtered, its note beside the view tabs.
    win.alarm_banner.priority_clicked.emit(3)
    settle()
    _save(win, f"fit_{size[0]}_{profile}_{theme}_tile_tap")
    found = clipped_texts(win)
    if found:
        problems.append(_report("after a tap on the 3 Medium tile", found))
    problems += _not_whole("after a tap on the 3 Medium tile", win)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_dialogs(window, qtbot, size, profile, theme):
    win = window(size, profile, theme)
    problems: list[str] = []

    def check(name: str, dlg: QWidget) -> None:
        dlg.show()
        settle()
        _save(dlg, f"fit_{size[0]}_{profile}_{theme}_dialog_{name.replace(' ', '_')}")
        found = clipped_texts(dlg)
        if found:
            problems.append(_report(f"in the {name} dialog", found))
        if isinstance(dlg, QDialog):
            dlg.reject()
        else:
            dlg.close()
        settle()

    for action, ids in (
        ("acknowledge_comment", ["capper.jam", "conveyor.bearing_temp.hi"]),
        ("shelve", ["conveyor.bearing_temp.hi"]),
        ("set_out_of_service", ["filler.vibration.hi"]),
        ("set_limit", ["conveyor.bearing_temp.hi"]),
    ):
        win.show_alarm_list()
        win.alarm_table.select_ids(ids)
        if not win.alarm_table.request(action):
            continue  # not offered to this user: nothing to show
        dlg = win.alarm_actions.dialog
        assert dlg is not None, action
        check(action.replace("_", " "), dlg)
    setpoint = win.open_setpoint_dialog("filler")
    assert setpoint is not None
    check("setpoint", setpoint)
    check("switch user", win.open_login_dialog())
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_trend_pen_table_for_every_tag_at_the_cursor(window, demo_config, size, profile):
    """Q11-7: "Capper fault code" in the pen table's Axis column was cut at the panel's right edge at
    1280 touch: the paused trend's "Value at 04:33:47" heading widens the value column, the axis
    narrows to its longest word, and that width left out the cell's padding. The walk above only saw
    the first machine's pens, live, and the check took a wrapped cell's width as whole. Here: every
    tag of the line alone in the trend, paused with the cursor on, then all of them together."""
    win = window(size, profile)
    win.trend_dock.show()
    win.trend_dock.raise_()
    problems: list[str] = []

    def check(what: str) -> None:
        win.trend.set_live(False)
        win.trend.set_cursor_visible(True)
        win.trend.set_cursor(sum(win.trend.x_range()) / 2)
        settle()
        assert win.trend.pen_table_model.value_heading.startswith("Value at"), what
        found = clipped_texts(win.trend)
        if found:
            problems.append(_report(f"in the trend with {what} at the cursor", found))

    for tag in demo_config.tags:
        win.trend.clear_pens()
        win.open_trend(tag.name)
        check(tag.name)
    win.trend.clear_pens()
    win.trend.add_pens([t.name for t in demo_config.tags])
    check("every tag")
    assert not problems, "\n".join(problems)


def test_the_check_finds_a_word_wider_than_its_wrapped_cell(qtbot, themed_app):
    """A word-wrapping table cell narrower than one of its words: the word is cut, not wrapped
    (the pen table's Axis "Capper", Q11-7); the cell's hint at its width says so."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QTableView

    model = QStandardItemModel(1, 2)
    model.setItem(0, 0, QStandardItem("Capper fault code"))
    model.setItem(0, 1, QStandardItem("ok"))
    view = QTableView()
    view.setModel(model)
    view.setWordWrap(True)
    view.setColumnWidth(0, view.fontMetrics().horizontalAdvance("Capper") - 4)
    view.setRowHeight(0, 120)
    view.resize(400, 200)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    settle()
    assert [c.text for c in clipped_texts(view)] == ["Capper fault code"]
    view.setColumnWidth(0, view.fontMetrics().horizontalAdvance("Capper fault") + 20)
    settle()
    assert not clipped_texts(view)


def test_change_password_page(qtbot, themed_app, theme, tiny, make_runtime, tmp_path):
    """The first log-in's page: its explanation wraps and must be shown in full."""
    from hmi.core.users import Role, UserStore

    users = UserStore(tmp_path / "users.json")
    users.add("operator", Role.OPERATOR, "operator-demo", display_name="Demo operator", must_change=True)
    users.set_pin("operator", "2222")  # the longest explanation: the first PIN goes with the password
    dlg = LoginDialog(make_runtime(tiny, users=users))
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.name_edit.setText("operator")
    dlg.password_edit.setText("operator-demo")
    dlg.ok_button.click()
    qtbot.waitUntil(lambda: dlg.changing_password, timeout=5000)
    settle()
    assert dlg.change_info.isVisible() and "first log-in" in dlg.change_info.text()
    assert "PIN stops working" in dlg.message_label.text()
    found = clipped_texts(dlg)
    assert not found, _report("in the change-password page", found)


def test_the_check_finds_clipped_text(qtbot, themed_app):
    """The checker itself: a label narrower than its text, a wrapped label too short, a button."""
    from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout

    class ElidedLabel(QLabel):  # shows less than its text, as an eliding label does
        def full_text(self) -> str:
            return "? BadWaitingForInitialData"

    w = QWidget()
    lay = QVBoxLayout(w)
    narrow = QLabel("Failure risk 10 % RUL 14 s")
    narrow.setFixedWidth(40)
    wrapped = QLabel("a long explanation that needs several lines at this width " * 3)
    wrapped.setWordWrap(True)
    wrapped.setFixedSize(120, 20)
    button = QPushButton("Change password and log in")
    button.setFixedWidth(50)
    elided = ElidedLabel("? BadWaitingFo…")
    elided.setFixedWidth(60)
    fits = QLabel("OK")
    from widgets.wrapping_label import WrappingLabel

    one_line = WrappingLabel("Conveyor tripped: the whole line stops", lines=1)
    one_line.setFixedWidth(90)
    for x in (narrow, wrapped, button, elided, fits, one_line):
        lay.addWidget(x)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    found = {c.how: c for c in clipped_texts(w)}
    assert set(found) == {"too wide", "too tall", "elided"}
    texts = {c.text for c in clipped_texts(w)}
    assert "OK" not in texts and "Change password and log in" in texts
    assert "Conveyor tripped: the whole line stops" in texts  # a fixed-lines label that overflows
    assert math.isfinite(found["too wide"].needed)


def test_the_check_finds_text_cut_at_a_side_and_headers_too_narrow(qtbot, themed_app):
    """What the walk missed (qa6): a label past a scroll area's right edge (the alarm dock scrolled
    sideways with "Filters" cut) and header sections narrower than their bold, padded text
    ("Comment", "Count" cut on both sides)."""
    from PySide6.QtGui import QStandardItemModel
    from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QTableView

    area = QScrollArea()
    area.setWidgetResizable(True)
    inner = QWidget()
    row = QHBoxLayout(inner)
    left = QLabel("Active (3)")
    filters = QPushButton("Filters")
    filters.setMinimumWidth(120)
    row.addWidget(left)
    row.addSpacing(400)
    row.addWidget(filters)
    area.setWidget(inner)
    area.resize(420, 120)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    settle()
    found = {c.text: c for c in clipped_texts(area)}
    assert "Filters" in found and found["Filters"].how == "cut at a side by a parent", found
    assert "Active (3)" not in found
    area.resize(700, 120)  # all of it in view: nothing cut
    settle()
    assert clipped_texts(area) == []

    model = QStandardItemModel(1, 3)
    model.setHorizontalHeaderLabels(["Message", "Comment", "Count"])
    view = QTableView()
    view.setModel(model)
    header = view.horizontalHeader()
    fm = header.fontMetrics()
    for col, text in ((1, "Comment"), (2, "Count")):
        view.setColumnWidth(col, fm.horizontalAdvance(text) + 12)  # the alarm list's old widths
    view.resize(600, 200)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    settle()
    cut = {c.text for c in clipped_texts(view)}
    assert {"Comment", "Count"} <= cut, cut  # the theme's header: bold, 6 px padding each side
    for col in (1, 2):
        view.setColumnWidth(col, header.sectionSizeHint(col) + 8)
    settle()
    assert not {c.text for c in clipped_texts(view)} & {"Comment", "Count"}


@pytest.mark.parametrize("width", [300, 380, 460, 640])
@pytest.mark.parametrize("label", ["misaligned_label", "contamination", "missing_cap"])
def test_quality_pane_verdicts(qtbot, themed_app, theme, tmp_path, width, label):
    """The Quality dock (not in the fake window: it needs a camera): the longest verdicts, the
    stale state and the counts at the widths a dock gets."""
    from inference.qc.inspector import QcInspector
    from widgets.qc_pane import QcPane

    from ..test_qc_inspector import FakeJournal, FakeModel
    from .test_qc_pane import _frame

    now = [1000.0]
    pane = QcPane(clock=lambda: now[0])
    qtbot.addWidget(pane)
    pane.resize(width, 620)
    pane.show()
    qtbot.waitExposed(pane)
    insp = QcInspector(None, journal=FakeJournal(tmp_path), model=FakeModel(label))
    pane.add_results([insp.inspect(_frame(label, k)) for k in range(25)])
    pane.set_status(insp.status)
    settle()
    found = clipped_texts(pane)
    assert not found, _report(f"in the Quality pane at {width} px", found)
    now[0] += 60.0
    pane.refresh()
    settle()
    found = clipped_texts(pane)
    assert pane.verdict_stale and not found, _report(f"in the stale Quality pane at {width} px", found)


@pytest.mark.parametrize("width", [240, 260, 300, 400])
def test_advisory_readout_on_a_narrow_faceplate(qtbot, themed_app, theme, width):
    """A faceplate is 280 px at least; with the Quality dock open at 1280x800 it gets that little."""
    from widgets.advisory_readout import AdvisoryReadout

    now = [2.0]  # _worst_risk's prediction (at 1.0) is current: its countdown shows
    w = AdvisoryReadout("filler", clock=lambda: now[0])
    qtbot.addWidget(w)
    w.set_risk(_worst_risk("filler"))
    w.resize(width, w.sizeHint().height())
    w.show()
    qtbot.waitExposed(w)
    settle()
    assert w.active and w.rul_label.text() == "RUL 2 min 14 s"
    found = clipped_texts(w)
    assert not found, _report(f"in the advisory readout at {width} px", found)
    # The longest RUL text: no countdown at a low risk, and why (inference.fault.readout_text.rul_text).
    w.set_risk(dataclasses.replace(_worst_risk("filler"), risk=0.0, advisory_active=False))
    settle()
    assert w.rul_label.text() == "RUL not stated below 30% risk"
    found = clipped_texts(w)
    assert not found, _report(f"in the advisory readout at {width} px, low risk", found)
    # An old figure and a machine that is not running (inference.fault.readout_text, qa9 Q9-1):
    # "Bearing failure risk 100% (old)", "RUL — (old, 00:00:01)", "Changeover at 00:00:03".
    worst = dataclasses.replace(_worst_risk("filler"), risk=1.0)
    now[0] = 3600.0
    for risk in (worst, dataclasses.replace(worst, machine_state="Changeover", state_since=3.0)):
        w.set_risk(risk)
        settle()
        assert w.risk_label.text() == "Bearing failure risk 100% (old)", w.risk_label.text()
        found = clipped_texts(w)
        assert not found, _report(f"in the advisory readout at {width} px: {w.rul_label.text()}", found)


@pytest.mark.parametrize("stale", [False, True])
@pytest.mark.parametrize("width", [280, 320, 400])
def test_faceplate_with_a_long_fault_state(qtbot, themed_app, theme, demo_config, width, stale):
    """'FAULTED · Bearing failure' on the narrowest faceplate (the Quality dock open at 1280x800)."""
    from hmi.core.live_values import LiveValues
    from hmi.core.samples import SampleBatch
    from widgets.faceplate import Faceplate

    live = LiveValues(demo_config)
    idx = demo_config.tag_index()
    filler = next(m for m in demo_config.machines if m.id == "filler")
    fp = Faceplate(filler, demo_config)
    qtbot.addWidget(fp)
    tags = [idx["filler.state"], idx["filler.fault_code"], idx["filler.fill_pressure"]]
    t = 1_700_000_000.0
    live.apply(
        SampleBatch.from_columns(
            tags, [t] * 3, [t] * 3, [t] * 3, [4.0, 3.0, float("nan")], [0, 0, 0x808C0000]
        )
    )
    fp.refresh(live, force=True)
    fp.set_stale(stale)
    fp.resize(width, fp.heightForWidth(width) if fp.hasHeightForWidth() else fp.sizeHint().height())
    fp.show()
    qtbot.waitExposed(fp)
    settle()
    assert fp.state_label.text().startswith("FAULTED · Bearing failure")
    found = clipped_texts(fp)
    assert not found, _report(f"on the filler faceplate at {width} px", found)


def _production_part(found: list[ClippedText]) -> list[ClippedText]:
    """What this test is about: the Production dock, the line strip and the top area above it (the
    alarm list of this production window, with no alarms, is walked by the tests above)."""
    return [c for c in found if "productionDock" in c.widget or "topArea" in c.widget]


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize("size", SIZES[:2], ids=[f"{w}x{h}" for w, h in SIZES[:2]])
def test_production_view_and_line_strip(qtbot, themed_app, production_runtime, size, profile, theme):  # noqa: F811
    """The Production dock in front with a real shift (per-machine table, per-hour table, downtime by
    reason with the longest reason texts) and the line strip through each line state, its holder
    text long enough to wrap the strip: the strip's rows must get their height (QA4 saw the
    "LINE PLANNED STOP" badge cut at the top while the strip changed state)."""
    win = _open(
        qtbot, MainWindow(production_runtime, production_runtime.config, user=LONG_USER), size, profile, theme
    )
    panel = win.production
    assert panel is not None
    panel.refresh(win.live)
    settle()  # the window's own first arrangement (it puts the alarm list in front) comes first
    bring_forward(panel.dock)
    settle()
    assert panel.view.isVisible()
    _save(win, f"fit_{size[0]}_{profile}_{theme}_production")
    problems: list[str] = []
    found = _production_part(clipped_texts(win))
    if found:
        problems.append(_report("with the Production view in front", found))
    status = production_runtime.production.status()
    assert status is not None
    # Each state with a short and a long holder: the strip goes from one row to two and back, and
    # the top area must follow its height at once.
    for state in ("running", "planned stop", "stopped", "changeover", "unknown"):
        for reason in ("unclassified", "U-OVERHEAT Over-temperature trip of the glue station heater zone 2"):
            st = dataclasses.replace(status, state=state, holding_machine="capper", holding_reason=reason)
            panel.strip.set_status(st)
            settle()
            found = _production_part(clipped_texts(win))
            if found:
                problems.append(_report(f"with the line {state}, held for {reason!r}", found))
    # With the window's whole width (the Production dock alone at the bottom, as on a line-side PC)
    # every column of the per-machine table shows, no scrolling: "Failur…" was cut at 1280 px.
    from widgets.production_view import ProductionView

    alone = ProductionView(panel.figures.setup.calendar.to_local)
    qtbot.addWidget(alone)
    alone.set_analysis(panel.view.analysis)
    alone.resize(size[0] - 12, 560)
    alone.show()
    qtbot.waitExposed(alone)
    settle()
    header = alone.machines.horizontalHeader()
    if header.length() > alone.machines.viewport().width():
        problems.append(
            f"per-machine table {header.length()} px wide in {alone.machines.viewport().width()} px"
        )
    found = clipped_texts(alone)
    if found:
        problems.append(_report(f"in the Production view {size[0] - 12} px wide", found))
    assert not problems, "\n".join(problems)


# The readout's states (qa12 Q12-8): each risk band, a figure current or old, a feed waiting for data
# or a sensor reading bad, a machine running or not, with the link up or lost (last known).
_BANDS = (0.0, 0.04, 0.29, 0.3, 0.49, 0.5, 0.87, 1.0, math.nan)
_STATES = (("Running", "ok"), ("Running", "too little running data in the window"),
           ("Running", "vibration reads bad/NaN"), ("Changeover", "machine not running"))  # fmt: skip


@pytest.mark.parametrize("width", [280, 320, 400, 480])
def test_advisory_readout_in_every_state_at_every_faceplate_width(qtbot, themed_app, demo_config, width):
    """Every state the readout words (inference.fault.readout_text), last known or not, in a
    faceplate's summary (where every window shows it), at the widths a faceplate gets: 280 px (its
    minimum) to the 1920 px overview's cards (qa12 Q12-8: "RUL not stated below 30% risk (last known)"
    cut at the card's edge, a state the narrow-faceplate test never walked)."""
    from widgets.advisory_readout import AdvisoryReadout
    from widgets.faceplate import Faceplate

    now = [1000.0]
    filler = next(m for m in demo_config.machines if m.id == "filler")
    fp = Faceplate(filler, demo_config)
    qtbot.addWidget(fp)
    w = AdvisoryReadout("filler", clock=lambda: now[0])
    fp.add_advisory(w)
    fp.set_compact(True)
    # A line wider than the card widens the readout past the card's edge, where it is cut.
    fp.setFixedWidth(width)
    fp.show()
    qtbot.waitExposed(fp)
    found: list[str] = []
    for risk in _BANDS:
        for state, status in _STATES:
            for age in (1.0, 3600.0):  # current, old
                for rul in (134.0, 600.0, math.nan):
                    r = dataclasses.replace(
                        _worst_risk("filler"), ts=now[0] - age, risk=risk, rul_s=rul, status=status,
                        advisory_active=risk >= 0.5, machine_state=state, state_since=now[0] - 5,
                    )  # fmt: skip
                    for lost in (None, now[0] - 0.5):
                        w.set_last_known(None)
                        w.set_risk(r)
                        w.set_last_known(lost)
                        fp.resize(width, fp.sizeHint().height())
                        settle()
                        clipped = [c for c in clipped_texts(fp) if "advisoryReadout" in c.widget]
                        if clipped:
                            found.append(f"{w.risk_label.text()} | {w.rul_label.text()}: {clipped[0]}")
    listed = "\n  ".join(sorted(set(found))[:12])
    assert not found, f"{len(found)} readout state(s) cut at {width} px:\n  {listed}"
