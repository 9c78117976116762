"""The line-side PC (issue 11): the window fits its screen, the alarm list is one tap away from any
state, the touch profile, the night theme, kiosk closing, layouts saved per user and screen.

The same checks on the real window under a real X server at 1280x800 and 1920x1080: tests/gui.
`profile` (desk / touch) is the fixture other window-wide checks take to run in both profiles.
"""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QLabel, QTabBar, QWidget

from hmi.core.alarms.model import Priority
from hmi.core.users import Role, UserStore
from hmi.ui.login_dialog import LoginDialog
from hmi.ui.main_window import MainWindow
from hmi.ui.theme import night_qss
from hmi.ui.touch import TARGET_TYPES, TOUCH_TARGET_PX, part_of_a_control
from hmi.ui.window_layout import bring_forward
from tests.helpers.alarm_records import record
from widgets import palette
from widgets.line_overview import LineOverview
from widgets.number_pad import BACKSPACE, NumberPad

from .fakes import OPERATOR, SUPERVISOR, simulate_fault


def in_front(w: QWidget) -> bool:
    """The widget on top at `w`'s centre is `w` or inside it (a dock behind another tab is not)."""
    if not w.isVisible():
        return False
    win = w.window()
    top = win.childAt(w.mapTo(win, w.rect().center()))
    return top is not None and (top is w or w.isAncestorOf(top))


@pytest.fixture
def window(open_window, make_runtime, demo_config):
    """The window as the line-side tests open it: 1280x800 by default, a fault on request, and the layout
    a previous window of this user and screen saved (what a restart restores)."""

    def make(size=(1280, 800), user=OPERATOR, fault=False, touch=None, **kw):
        rt = make_runtime(demo_config, alarms=True)
        if fault:
            simulate_fault(rt)
        return open_window(size, touch, rt=rt, user=user, saved_layout=True, **kw)

    return make


# --- fit -----------------------------------------------------------------------------------------


def test_the_window_never_outgrows_its_screen(window, qtbot):
    _rt, win = window(size=(1920, 1080))
    avail = win.screen().availableGeometry()
    win.resize(2600, 1600)  # asked for more than the screen has
    qtbot.wait(20)
    assert win.width() <= avail.width() and win.height() <= avail.height()
    size = win.size()
    big = QLabel("a pane that suddenly wants a lot of room (thumbnails, a long answer)")
    big.setMinimumSize(3000, 3000)
    win.assistant_pane.layout().addWidget(big)
    qtbot.wait(50)
    assert win.size() == size  # it scrolls inside its dock; the window keeps its size
    big.setParent(None)


def test_reset_layout_keeps_the_window_on_the_screen_and_docks_home(window, qtbot):
    _rt, win = window(size=(1920, 1080))
    win.window_layout.set_locked(False)
    win.alarms_dock.setFloating(True)
    win.reset_layout()
    qtbot.wait(20)
    avail = win.screen().availableGeometry()
    assert not win.alarms_dock.isFloating()
    assert win.width() <= avail.width() and win.height() <= avail.height()


def test_the_layout_is_saved_per_user_and_screen(window, qtbot):
    _rt, win = window(size=(1920, 1080))
    key = win.window_layout._key()
    assert OPERATOR.name in key and "1920x1080" in key
    win.close()
    assert win.window_layout.settings.value(f"{key}/state") is not None
    win.window_layout.forget()
    assert win.window_layout.settings.value(f"{key}/state") is None


def test_a_wide_layout_is_never_restored_into_a_compact_window(window, qtbot):
    """test_last_known failed when it ran after test_no_clipped_text: a 1920 px window had saved its
    layout (alarm list beside the events, assistant and quality on the right) under the key of the
    screen, and the next window, 1280 px on the same screen, restored it: its alarm list, squeezed,
    scrolled sideways with "Comment" and "Filters" cut. A layout is kept per arrangement class."""
    _rt, wide = window(size=(1920, 1080))
    assert wide.window_layout.arranged_compact is False
    wide.close()  # saves its layout
    assert wide.window_layout.settings.value(f"{wide.window_layout._key()}/state") is not None
    _rt2, compact = window(size=(1280, 800))
    qtbot.wait(50)
    view = compact.alarm_table.view
    assert view.horizontalHeader().length() <= view.viewport().width() + 1
    assert compact.dockWidgetArea(compact.assistant_dock) == compact.dockWidgetArea(compact.alarms_dock)
    assert compact.window_layout.compact and compact.window_layout.arranged_compact is True
    compact.close()  # its own layout is restored next time, the wide one stays the wide window's
    _rt3, again = window(size=(1280, 800))
    qtbot.wait(50)
    assert again.window_layout.arranged_compact is True
    assert again.alarm_table.view.horizontalHeader().length() <= again.alarm_table.view.viewport().width() + 1
    again.window_layout.forget()
    wide.window_layout.forget()


# --- alarms one tap away ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_a_fresh_and_a_restored_window_open_on_the_alarm_list(window, qtbot, size):
    """The tester's fresh window opened on the Tags tab (calm line, no alarms yet). At start, with
    the default layout and with a saved one (also the one left by a crash) that had the tags in
    front, the alarm list is in front."""
    _rt, win = window(size=size)
    qtbot.waitUntil(lambda: in_front(win.alarm_table.view), timeout=1000)
    assert not in_front(win.tag_table)
    bring_forward(win.tags_dock)
    qtbot.wait(20)
    win.window_layout.save()  # what a crash leaves: the last saved layout, tags in front
    _rt2, again = window(size=size)
    assert again.window_layout.settings.value(f"{again.window_layout._key()}/state") is not None
    qtbot.waitUntil(lambda: in_front(again.alarm_table.view), timeout=1000)
    win.window_layout.forget()


@pytest.mark.parametrize("way", ["button", "tile", "banner", "key"])
def test_every_way_to_the_alarm_list_works_on_a_fresh_window(window, qtbot, way):
    _rt, win = window(fault=way == "banner")
    bring_forward(win.tags_dock)  # whatever was in front
    qtbot.wait(20)
    assert not in_front(win.alarm_table.view)
    if way == "button":
        win.alarm_banner.list_button.click()
    elif way == "tile":
        win.alarm_banner.priority_clicked.emit(1)
    elif way == "banner":
        win.alarm_banner.alarm_clicked.emit(win.alarm_banner.shown_ids()[0])
    else:
        win.alarm_list_action.trigger()  # F2
    qtbot.waitUntil(lambda: in_front(win.alarm_table.view), timeout=1000)


def test_bring_forward_wins_whatever_the_stacking_order(window, qtbot):
    """The defect class: raise() is a no-op for the last-stacked dock. Any history of raises and
    lowers, then "Alarm list": the alarm list is in front."""
    _rt, win = window()
    docks = {
        "alarms": win.alarms_dock,
        "tags": win.tags_dock,
        "events": win.events_dock,
        "trend": win.trend_dock,
        "assistant": win.assistant_dock,
    }

    @settings(max_examples=15, deadline=None)
    @given(order=st.lists(st.sampled_from(sorted(docks)), min_size=1, max_size=6), lower=st.booleans())
    def check(order, lower):
        for name in order:
            docks[name].raise_()
        if lower:
            docks[order[-1]].lower()
        win.show_alarm_list()
        qtbot.wait(2)
        assert in_front(win.alarm_table.view)

    check()


def test_a_new_high_alarm_comes_forward_unless_in_a_dialog(window, qtbot, monkeypatch):
    rt, win = window()
    bring_forward(win.tags_dock)
    qtbot.wait(20)
    # A medium alarm does not pull the list (default: urgent and high only), nor does any in a dialog.
    win._on_new_alarms([record("x", priority=Priority.MEDIUM)])
    assert not in_front(win.alarm_table.view)
    with monkeypatch.context() as m:
        m.setattr(win, "_in_dialog", lambda: True)
        win._on_new_alarms([record("y", priority=Priority.URGENT)])
        assert not in_front(win.alarm_table.view)
    now = time.time()
    rt.set_value("conveyor.state", 4.0)  # the conveyor trips: a high-priority alarm (1 s on-delay)
    rt.alarms.process(rt.synthetic_batch(now=now))
    rt.alarms.process(rt.synthetic_batch(now=now + 1.5))
    qtbot.waitUntil(lambda: in_front(win.alarm_table.view), timeout=2000)
    # A tile filter never hides the alarm that just came in.
    win._on_priority_clicked(4)
    bring_forward(win.tags_dock)
    rt.set_value("filler.bearing_temp", 91.0)  # HiHi: urgent, after its 5 s on-delay
    for k in range(2, 9):
        rt.alarms.process(rt.synthetic_batch(now=now + k))
    qtbot.waitUntil(lambda: in_front(win.alarm_table.view), timeout=2000)
    assert not win.alarm_table.active_filters()


def test_a_medium_machine_trip_comes_forward_too(window, qtbot):
    """The demo's rationalised trips are medium; a trip stops the line, so it still comes forward."""
    rt, win = window()
    bring_forward(win.tags_dock)
    qtbot.wait(20)
    assert not in_front(win.alarm_table.view)
    now = time.time()
    rt.set_value("filler.state", 4.0)  # Faulted: filler.faulted, medium, 1 s on-delay
    rt.alarms.process(rt.synthetic_batch(now=now))
    rt.alarms.process(rt.synthetic_batch(now=now + 1.5))
    qtbot.waitUntil(lambda: in_front(win.alarm_table.view), timeout=2000)
    assert win.alarm_table.model.row_of("filler.faulted") >= 0


def test_a_tile_filter_is_visible_and_cleared_with_one_tap(window, qtbot):
    _rt, win = window(fault=True)
    t = win.alarm_table
    win._on_priority_clicked(1)
    assert t.active_filters() == ["priority 1"] and t.filter_note.isVisible()
    assert "priority 1" in t.filter_note.text()
    t.filter_note.click()
    assert not t.active_filters() and not t.filter_note.isVisible()
    assert t.model.rowCount() == 8  # the fault picture: the bearing Hi is under its standing HiHi


# --- touch profile ----------------------------------------------------------------------------------


def touch_targets(win: QWidget) -> list[tuple[int, str]]:
    """(smaller side, name) of every visible target: buttons, combos, edits, tabs."""
    out = []
    for w in win.findChildren(QWidget):
        # A combo or spin box's own editor is inside its control: the control is the finger's target.
        inner = part_of_a_control(w)
        if isinstance(w, TARGET_TYPES) and w.isVisible() and not isinstance(w.parent(), QTabBar) and not inner:
            out.append((min(w.width(), w.height()), f"{type(w).__name__} {w.objectName()}"))
    for bar in win.findChildren(QTabBar):
        if bar.isVisible():
            for i in range(bar.count()):
                r = bar.tabRect(i)
                out.append((min(r.width(), r.height()), f"tab {bar.tabText(i)}"))
    return out


def test_touch_profile_targets_and_rows(window, qtbot, profile):
    _rt, win = window(fault=True, touch=profile)
    win.show_alarm_list()
    qtbot.wait(50)
    targets = touch_targets(win)
    assert len(targets) > 20
    rows = win.alarm_table.view.verticalHeader().defaultSectionSize()
    if profile:
        small = [t for t in targets if t[0] < TOUCH_TARGET_PX]
        assert not small, small
        assert rows >= TOUCH_TARGET_PX
        assert win.window_layout.locked  # no drag-to-undock
        assert not win.alarms_dock.features()


def test_touch_profile_can_be_switched_off_again(window, qtbot):
    _rt, win = window(touch=True)
    rows = win.alarm_table.view.verticalHeader().defaultSectionSize()
    win.touch_action.setChecked(False)  # View > Touch profile
    assert not win.touch and not win.window_layout.locked and win.alarms_dock.features()
    assert win.alarm_table.view.verticalHeader().defaultSectionSize() < rows


def test_number_pad_types_like_keys(qtbot):
    from PySide6.QtWidgets import QLineEdit

    edit = QLineEdit()
    qtbot.addWidget(edit)
    pad = NumberPad(edit)
    for k in "12.5":
        pad.press(k)
    assert edit.text() == "12.5"
    pad.press("±")
    assert edit.text() == "-12.5"
    pad.press(BACKSPACE)
    assert edit.text() == "-12."
    pad.press("C")
    assert edit.text() == ""
    assert all(b.width() >= 0 and b.minimumWidth() >= TOUCH_TARGET_PX for b in pad.keys.values())


def test_a_setpoint_without_a_keyboard(window, qtbot, profile):
    rt, win = window(touch=profile)
    dlg = win.open_setpoint_dialog("filler")
    assert dlg is not None
    assert dlg.number_pad.isVisible() == profile
    for k in "390":
        dlg.number_pad.press(k)
    dlg.number_pad.press("enter")  # Write
    qtbot.waitUntil(lambda: bool(rt.writes), timeout=3000)
    assert rt.writes[-1][1] == 390.0
    dlg.close()


@pytest.mark.parametrize("action", ["shelve", "set_out_of_service", "acknowledge_comment", "set_limit"])
def test_a_reason_or_comment_without_a_keyboard(window, qtbot, profile, action):
    """Every alarm dialog that asks for text has an on-screen keyboard in the touch profile (its
    keys are touch targets); typed on it, the reason is what gets journaled."""
    rt, win = window(fault=True, touch=profile, user=SUPERVISOR)
    win.show_alarm_list()
    win.alarm_table.select_ids(["conveyor.bearing_temp.hi"])
    assert win.alarm_table.request(action)
    dlg = win.alarm_actions.dialog
    assert dlg is not None
    qtbot.waitExposed(dlg)
    kb = dlg.keyboard
    assert (kb is not None and kb.isVisible()) == profile
    if kb is None:
        return
    assert all(b.height() >= TOUCH_TARGET_PX and b.width() >= TOUCH_TARGET_PX for b in kb.keys.values())
    if action == "set_limit":
        dlg.limit_edit.setFocus()
        qtbot.waitUntil(lambda: kb.target is dlg.limit_edit)
        for k in "75":
            kb.press(k)
        dlg.reason_edit.setFocus()
        qtbot.waitUntil(lambda: kb.target is dlg.reason_edit)
    for k in ["⇧", *"sensor", "space", *"wx", "⌫", "o", "space", *"4711"]:
        kb.press(k)
    text = dlg.comment if action == "acknowledge_comment" else dlg.reason
    assert text == "Sensor wo 4711"
    kb.press("enter")  # what OK does
    qtbot.waitUntil(lambda: any(r.text == "Sensor wo 4711" for r, _u in rt.alarm_calls), timeout=3000)


def test_a_login_without_a_keyboard(qtbot, make_runtime, demo_config, tmp_path):
    store = UserStore(tmp_path / "users.json")
    store.add("olga", Role.OPERATOR, "correct-horse", display_name="Olga Operator")
    store.set_pin("olga", "2468")
    rt = make_runtime(demo_config, users=store)
    dlg = LoginDialog(rt, touch=True)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.user_picker.setCurrentIndex(dlg.user_picker.findData("olga"))
    for k in "2468":
        dlg.number_pad.press(k)
    with qtbot.waitSignal(dlg.logged_in, timeout=3000) as sig:
        dlg.number_pad.press("enter")
    assert sig.args[0].name == "olga" and not sig.args[0].must_change_password


# --- night theme and kiosk ---------------------------------------------------------------------------

HEX = st.integers(0, 0xFFFFFF).map(lambda v: f"#{v:06X}")


@given(colours=st.lists(HEX, min_size=1, max_size=20))
def test_night_maps_greys_only_and_keeps_them_low_glare(colours):
    qss = " ".join(f"a {{ color: {c}; }}" for c in colours)
    night = re.findall(r"#[0-9A-F]{6}", night_qss(qss))
    for day, n in zip(colours, night, strict=True):
        if not palette.is_grey(day) or day in ("#FFFFFF",):
            assert n == day  # colours (alarms, comm blue) and white on them: untouched
        else:
            v = int(n[1:3], 16)
            assert palette.NIGHT_DARKEST <= v <= palette.NIGHT_LIGHTEST and palette.is_grey(n)


def test_night_theme_switches_and_back(window, qtbot, themed_app):
    _rt, win = window(fault=True, touch=True)
    day_window = themed_app.palette().window().color().name()
    win.set_night(True)
    assert themed_app.palette().window().color().lightness() < 80
    # Re-polished by the switch, the banner's slim Ack buttons keep their touch size.
    assert all(r.ack_button.minimumHeight() >= TOUCH_TARGET_PX for r in win.alarm_banner.rows)
    assert palette.PRIORITY_COLOURS[1] == palette.ALARM_URGENT  # alarm colours untouched
    win.set_night(False)
    assert themed_app.palette().window().color().name() == day_window


def test_shortcuts_are_shown_in_menus_and_tooltips_and_kiosk_closing(window, qtbot):
    _rt, win = window(kiosk=True)
    from hmi.ui.help_menu import SHORTCUTS

    assert win.alarm_list_action.shortcut().toString() == SHORTCUTS["alarm_list"]
    assert f"({SHORTCUTS['alarm_list']})" in win.alarm_banner.list_button.toolTip()
    assert f"({SHORTCUTS['silence']})" in win.alarm_banner.silence_button.toolTip()
    menu_texts = {a.text() for a in win.view_menu.actions()}
    assert {"Alarm list", "Show trend", "Acknowledge selected alarms", "Silence", "Full screen"} <= menu_texts
    # Kiosk: full screen, and closing needs a supervisor.
    qtbot.waitUntil(win.isFullScreen, timeout=2000)
    win.set_fullscreen(False)
    assert win.isFullScreen()
    win.close()
    assert win.isVisible() and "supervisor" in win.statusBar().currentMessage()
    win.set_user(SUPERVISOR)
    win.close()
    assert not win.isVisible()


def test_about_names_version_models_and_manual(window):
    _rt, win = window()
    from hmi.ui.help_menu import MANUAL_PATH, about_text, model_versions

    # The status bar: what an operator needs; the rest behind Help > Diagnostics.
    assert win.connection_status.text().startswith("Link ")
    assert "Olga" in win.user_status.text()
    assert win.journal_status.text()

    text = about_text()
    assert "LineHMI" in text and str(MANUAL_PATH) in text and MANUAL_PATH.is_file()
    for name, version in model_versions():
        assert name in text and version in text
    dlg = win.help_menu.show_diagnostics()
    assert dlg.isVisible() and win.rate_status.window() is dlg
    dlg.close()


# --- touch: popups, lists, locked tabs, drag-scroll (D-9a, D-9b) ---------------------------------------


def _short_rows(root: QWidget) -> list[str]:
    """Every combo popup entry and list/tree/table row under `root` lower than a touch target."""
    from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QTableView

    from hmi.ui.touch import TOUCH_ROW_PX

    short = []
    for combo in root.findChildren(QComboBox):
        if combo.count() == 0:
            continue
        combo.showPopup()
        view = combo.view()
        h = view.visualRect(view.model().index(0, combo.modelColumn())).height()
        combo.hidePopup()
        if h < TOUCH_ROW_PX:
            short.append(f"combo {combo.objectName() or combo.itemText(0)!r}: {h} px entries")
    for view in root.findChildren(QAbstractItemView):
        model = view.model()
        if isinstance(view, QHeaderView):
            continue  # a table's header: its height is the header's, not a row's
        if isinstance(view.parent(), QWidget) and isinstance(view.parent().parent(), QComboBox):
            continue  # a combo's own popup: measured above
        if model is None or model.rowCount() == 0 or not view.isVisibleTo(root):
            continue
        table = isinstance(view, QTableView)
        h = view.verticalHeader().defaultSectionSize() if table else view.sizeHintForRow(0)
        if h < TOUCH_ROW_PX:
            short.append(f"{type(view).__name__} {view.objectName()!r}: {h} px rows")
    return short


def test_every_popup_entry_and_list_row_is_a_touch_target(window, qtbot):
    from hmi.core.production.setup import Cat
    from hmi.core.production.stops import CLASSIFY, Stop
    from hmi.ui.production_dialogs import StopEditDialog
    from tests.production_helpers import T0, demo_setup

    _rt, win = window(fault=True, touch=True, user=SUPERVISOR)
    win.show_alarm_list()
    qtbot.wait(50)
    problems = [f"main window: {s}" for s in _short_rows(win)]
    dialogs = [win.open_setpoint_dialog("filler"), win.open_login_dialog()]
    stop = Stop("capper", T0, T0 + 300, Cat.UNPLANNED)
    classify = StopEditDialog(
        CLASSIFY, stop, demo_setup(), lambda *a, **k: None, dt.datetime.fromtimestamp, win
    )
    dialogs.append(classify)
    for dlg in dialogs:
        assert dlg is not None
        dlg.show()
        qtbot.wait(30)
        problems += [f"{dlg.windowTitle()}: {s}" for s in _short_rows(dlg)]
        dlg.close()
    for action, ids in (
        ("shelve", ["conveyor.bearing_temp.hi"]),
        ("set_out_of_service", ["filler.vibration.hi"]),
    ):
        win.alarm_table.select_ids(ids)
        assert win.alarm_table.request(action)
        alarm_dlg = win.alarm_actions.dialog
        assert alarm_dlg is not None
        qtbot.wait(30)
        problems += [f"{alarm_dlg.windowTitle()}: {s}" for s in _short_rows(alarm_dlg)]
        alarm_dlg.reject()
    assert not problems, "\n".join(problems)


def _dock_tab_bars(win: MainWindow) -> list[QTabBar]:
    from PySide6.QtCore import Qt

    return [
        b
        for b in win.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly)
        if b.isVisible() and b.count() > 1
    ]


def test_a_locked_layout_keeps_its_tab_order_under_a_drag(window, qtbot):
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    _rt, win = window(touch=True)
    qtbot.wait(50)
    assert win.window_layout.locked
    bars = _dock_tab_bars(win)
    assert bars
    for bar in bars:
        assert not bar.isMovable()
        before = [bar.tabText(i) for i in range(bar.count())]
        start = bar.tabRect(0).center()
        QTest.mousePress(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
        for k in range(1, 12):
            QTest.mouseMove(bar, start + QPoint(40 * k, 0), 10)
        QTest.mouseRelease(
            bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(440, 0)
        )
        assert [bar.tabText(i) for i in range(bar.count())] == before
    win.window_layout.set_locked(False)  # unlocked, the tabs may be arranged again
    assert all(b.isMovable() for b in _dock_tab_bars(win))
    win.window_layout.set_locked(True)
    win.window_layout.arrange()  # a new layout pass makes new tab bars: still locked
    qtbot.wait(50)
    assert not any(b.isMovable() for b in _dock_tab_bars(win))


def test_a_drag_that_scrolls_a_list_does_not_select(window, qtbot):
    """The scroller tells when a press became a drag: the rows the finger passed were all selected."""
    from PySide6.QtCore import QItemSelectionModel
    from PySide6.QtWidgets import QScroller

    _rt, win = window(fault=True, touch=True)
    win.show_alarm_list()
    qtbot.wait(50)
    for view in (win.alarm_table.view, win.tag_table.view):
        view.show()
        win.touch_profile.adapt(view)
        sm = view.selectionModel()
        model = view.model()
        assert model.rowCount() > 3
        sm.select(
            model.index(1, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        scroller = QScroller.scroller(view.viewport())
        scroller.stateChanged.emit(QScroller.State.Pressed)
        for r in range(2, model.rowCount()):  # what the press and the moves did to the selection
            sm.select(
                model.index(r, 0),
                QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
            )
        scroller.stateChanged.emit(QScroller.State.Dragging)
        assert sorted({i.row() for i in sm.selectedRows()}) == [1], view.objectName()
        # a tap (pressed, released without a drag) selects as always
        scroller.stateChanged.emit(QScroller.State.Pressed)
        sm.select(
            model.index(3, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        scroller.stateChanged.emit(QScroller.State.Inactive)
        assert sorted({i.row() for i in sm.selectedRows()}) == [3]


# --- the overview in an upset (issue 10) ---------------------------------------------------------
# With the banner full (3 alarm rows) on a line-side PC (1280x800, touch profile) the overview kept a
# ~60 px strip: faceplate titles, and the states and speeds only by drag-scrolling. The invariant:
# on every screen size and profile, with alarms standing, every faceplate's state badge and main
# value (speed, else its first indicator) lie wholly inside the overview's visible viewport without
# scrolling, whatever state text the badge carries (a long one wraps and makes the head taller).


def _hidden_essentials(overview: LineOverview) -> list[str]:
    """Each faceplate's state badge or main value not wholly inside the overview's viewport."""
    port = overview.viewport()
    seen = QRect(0, 0, port.width(), port.height())
    out = []
    for mid, fp in overview.faceplates.items():
        # the main value as the faceplate shows it on top: in its summary (speed, the values that
        # want a look, the failure risk: widgets.faceplate), else the first indicator
        main = (fp.summary_speed or fp.summary) if fp.compact else fp.main_value
        assert main is not None, f"{mid} has no value to show"
        for what, w in (("state", fp.state_label), ("main value", main), ("summary", fp.summary)):
            if what == "summary" and not fp.compact:
                continue
            r = QRect(w.mapTo(port, w.rect().topLeft()), w.size())
            if not (w.isVisible() and seen.contains(r)):
                out.append(f"{mid} {what} at {r.getRect()} outside the viewport {seen.getRect()}")
    return out


def _banner_rows(win: MainWindow) -> int:
    return sum(1 for r in win.alarm_banner.rows if r.isVisible() and r.record is not None)


@pytest.mark.parametrize("size", [(1280, 800), (1366, 768), (1920, 1080)])
@pytest.mark.parametrize("touch", [True, False], ids=["touch", "desk"])
def test_every_faceplate_state_and_main_value_show_with_a_full_banner(window, qtbot, size, touch):
    _rt, win = window(size, fault=True, touch=touch)  # 9 alarms: a full banner, the list wants 8
    qtbot.wait(200)  # the deferred dock sizing (size_docks and its re-measuring passes)
    assert _banner_rows(win) == win.alarm_banner.shown_rows and win.touch == touch  # the banner full
    ov = win.overview
    assert ov.verticalScrollBar().value() == 0
    assert _hidden_essentials(ov) == []
    # The alarm list keeps rows for the upset all the same (fewer than its 8 on the small screens).
    view = win.alarm_table.view
    assert view.viewport().height() >= 3 * view.verticalHeader().defaultSectionSize()


@pytest.mark.parametrize(
    "state", ["Running", "FAULTED · Bearing failure (last known)", "? no connection · last known 3 min ago"]
)
def test_a_long_state_that_wraps_still_leaves_the_main_value_in_view(window, qtbot, state):
    _rt, win = window(fault=True, touch=True)
    for fp in win.overview.faceplates.values():
        fp._set_state_badge(state, "fault")
    qtbot.wait(100)
    assert _hidden_essentials(win.overview) == []
