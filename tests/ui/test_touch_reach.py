"""Every dialog of the touch profile can be completed with a finger: every control at least the
profile's touch minimum and wholly inside the dialog's visible part, every text field with an
on-screen keyboard or pad (widgets.touch_reach). The tester's Switch-user dialog cut the PIN pad's
"0" key off, and the first log-in's "Choose a new password" page had no keyboard at all."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDockWidget, QFileDialog, QWidget

from hmi.core.live_values import LiveValues
from hmi.core.users import Role, UserStore
from hmi.ui.alarm_dialogs import AckDialog, LimitDialog, ReasonDialog, ShelveDialog
from hmi.ui.login_dialog import LoginDialog
from hmi.ui.setpoint_dialog import SetpointDialog
from hmi.ui.touch import TOUCH_TARGET_PX, TouchProfile
from hmi.ui.window_layout import bring_forward
from tests.helpers.alarm_records import record
from widgets.touch_reach import (
    checkable_cells,
    inputs_without_keys,
    small_check_targets,
    small_scroll_arrows,
    unreachable,
)

from ..helpers.every_window import WindowWalk
from ..helpers.settle import settle
from .fakes import OPERATOR, SUPERVISOR
from .test_no_clipped_text import window  # noqa: F401  (the fixture: the demo fault, long names)
from .test_production_ui import production_runtime, shift_dir  # noqa: F401  (the fixtures: a shift with stops)


@pytest.fixture
def touch(themed_app):
    profile = TouchProfile(themed_app)
    profile.set_enabled(True)
    yield profile
    profile.set_enabled(False)


def _check(qtbot, dlg: QWidget) -> list[str]:
    qtbot.addWidget(dlg)
    dlg.resize(dlg.sizeHint())
    dlg.show()
    qtbot.waitExposed(dlg)
    qtbot.wait(30)
    assert dlg.height() <= 800, f"{dlg.objectName()} is {dlg.height()} px high: taller than a 1280x800 screen"
    return [*unreachable(dlg, TOUCH_TARGET_PX), *(f"no keyboard: {p}" for p in inputs_without_keys(dlg))]


def _users(tmp_path) -> UserStore:
    store = UserStore(tmp_path / "users.json")
    store.add("olga", Role.OPERATOR, "correct-horse", display_name="Olga Operator", must_change=True)
    return store


def test_switch_user_and_first_log_in_pages(qtbot, touch, make_runtime, tiny, tmp_path):
    rt = make_runtime(tiny, users=_users(tmp_path))
    dlg = LoginDialog(rt, current=OPERATOR, touch=True)
    assert _check(qtbot, dlg) == []
    dlg._toggle_keys()  # a password with letters: the keyboard takes the pad's place
    qtbot.wait(30)
    assert [*unreachable(dlg, TOUCH_TARGET_PX), *inputs_without_keys(dlg)] == []
    dlg.user_picker.setCurrentIndex(dlg.user_picker.findData("olga"))
    for k in "correct-horse":
        dlg.keyboard.press(k)
    dlg.keyboard.press("enter")
    qtbot.waitUntil(lambda: dlg.changing_password, timeout=5000)
    qtbot.wait(50)
    assert [*unreachable(dlg, TOUCH_TARGET_PX), *inputs_without_keys(dlg)] == []
    dlg.new_edit.setFocus()
    qtbot.waitUntil(lambda: dlg.keyboard.target is dlg.new_edit)
    for k in "blue-river-7":
        dlg.keyboard.press(k)
    dlg.confirm_edit.setFocus()
    qtbot.waitUntil(lambda: dlg.keyboard.target is dlg.confirm_edit)
    for k in "blue-river-7":
        dlg.keyboard.press(k)
    with qtbot.waitSignal(dlg.logged_in, timeout=5000) as sig:
        dlg.keyboard.press("enter")
    assert sig.args[0].name == "olga" and not sig.args[0].must_change_password


def test_setpoint_and_alarm_dialogs(qtbot, touch, make_runtime, tiny):
    rt = make_runtime(tiny)
    live = LiveValues(tiny)
    live.apply(rt.synthetic_batch())
    sp = SetpointDialog(rt, live, [tiny.tag("m.speed_sp")], "alice", initial="m.speed_sp", number_pad=True)
    assert _check(qtbot, sp) == []
    recs = [record("a"), record("b")]
    for dlg in (
        AckDialog(recs, SUPERVISOR, keyboard=True),
        ShelveDialog(recs, SUPERVISOR, 3600.0, keyboard=True),
        ReasonDialog(
            "Out of service",
            "Take 2 alarms out of service",
            recs,
            SUPERVISOR,
            "OK",
            keyboard=True,
            required=True,
        ),
        LimitDialog(recs[0], SUPERVISOR, "°C", keyboard=True),
    ):
        assert _check(qtbot, dlg) == [], type(dlg).__name__
        dlg.reject()


@pytest.mark.parametrize("size", [(1280, 800), (1024, 768)], ids=["1280x800", "1024x768"])
def test_scroll_arrows_are_touch_targets(window, qtbot, size):  # noqa: F811
    """The touch main window during the demo fault, every dock in front in turn and a filter on the
    alarm list: every visible scroll bar is a finger wide with step arrows a finger long (the
    overview's were 14 px), and every tab bar's scroll button is a touch target."""
    win = window(size, "touch")
    problems = small_scroll_arrows(win, TOUCH_TARGET_PX)
    for dock in win.findChildren(QDockWidget):
        bring_forward(dock)
        settle()
        problems += small_scroll_arrows(win, TOUCH_TARGET_PX)
    win.alarm_banner.priority_clicked.emit(3)
    settle()
    problems += small_scroll_arrows(win, TOUCH_TARGET_PX)
    assert not problems, "\n".join(sorted(set(problems)))


def test_every_check_box_of_an_item_view_is_a_touch_target(window, qtbot):  # noqa: F811
    """The touch main window at 1280x800, every dock in front in turn: every checkable cell of every
    visible table, tree and list toggles its check under a tap anywhere in a 40 x 40 px square
    through the drawn indicator (the trend pen table's show/hide boxes took a tap within their 13 px
    only; 18 px off selected the row: qa12 Q12-11). Tapped through the cell's delegate, as the
    view passes a tap on."""
    win = window((1280, 800), "touch")
    problems: list[str] = []
    seen: set[str] = set()
    for dock in win.findChildren(QDockWidget):
        bring_forward(dock)
        settle()
        seen |= {view.objectName() or type(view).__name__ for view, _ in checkable_cells(win)}
        problems += small_check_targets(win, TOUCH_TARGET_PX)
    assert "trendPenTable" in seen, f"the trend pen table's check boxes were never in view: {seen}"
    assert not problems, "\n".join(sorted(set(problems)))


def test_every_window_the_touch_window_opens(open_window, monkeypatch):
    """Not a list of dialogs someone thought of: every window that any button or menu action of the
    touch main window opens (tests.helpers.every_window), modal ones included, can be completed with
    a finger: every control a touch target wholly in view, every text or time field with keys (the
    trend's Range... took typed date-times and its calendar's days were 19x35 px; Sets > Save pens
    as... asked for a name with no keyboard: qa10 Q10-24)."""
    _rt, win = open_window((1280, 800), True, user=SUPERVISOR)

    def check(w: QWidget) -> list[str]:
        if isinstance(w, QFileDialog):
            # Saving to a file at the line (Export...) is left out: its file dialog (Qt's, small and typed)
            # is a gap of its own, reported (touch13); it must still close (test_every_window_closes).
            return []
        return [*unreachable(w, TOUCH_TARGET_PX), *(f"no keyboard: {p}" for p in inputs_without_keys(w))]

    walk = WindowWalk(win, monkeypatch, check, TOUCH_TARGET_PX)
    problems = walk.run()
    opened = "\n".join(walk.opened)
    assert "Trend time range" in opened and "Save trend set" in opened, opened
    assert not problems, "\n".join(problems) + "\n\nopened:\n" + opened


def test_every_window_of_the_production_view_by_touch(qtbot, touch, production_runtime, monkeypatch):  # noqa: F811
    """The same walk over the touch window of a shift with stops, as supervisor with a stop selected:
    Classify, Split and Note open their dialogs (Split's "Second part begins at" was a typed-only
    QDateTimeEdit, the trend range's defect)."""
    from hmi.core.users import Role, User
    from hmi.ui.main_window import MainWindow

    rt = production_runtime
    win = MainWindow(rt, rt.config, user=User("sue", Role.SUPERVISOR), touch=True)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: rt.poll_count > 1 and win.live.version.min() > 0)
    panel = win.production
    assert panel is not None
    bring_forward(panel.dock)
    panel.refresh(win.live)
    panel.view.only_unclassified.setChecked(False)
    panel.view.tabs.setCurrentIndex(1)
    panel.view.stops.selectRow(1)
    settle()

    def check(w: QWidget) -> list[str]:
        if isinstance(w, QFileDialog):
            return []  # the file dialog at the line: see test_every_window_the_touch_window_opens
        return [*unreachable(w, TOUCH_TARGET_PX), *(f"no keyboard: {p}" for p in inputs_without_keys(w))]

    walk = WindowWalk(win, monkeypatch, check, TOUCH_TARGET_PX)
    # The stops' buttons first, while the stop is selected (the walk's other taps may change that).
    for button in (panel.view.split_button, panel.view.note_button, panel.view.classify_button):
        assert button.isEnabled(), button.text()
        walk.tap(button)
    problems = walk.run()
    opened = "\n".join(walk.opened)
    assert all(t in opened for t in ("Split stop", "Note on stop", "Classify stop")), opened
    assert not problems, "\n".join(problems) + "\n\nopened:\n" + opened
    win.allow_close()
