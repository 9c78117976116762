"""Production on screen: the status strip, the Production view, classifying a stop as supervisor.

The figures come from a real ProductionTracker over a simulated shift's journal
(connectors/sim/shift.py), so what is drawn is what the core computes.
`LINEHMI_SHOTS=/tmp/shots pytest tests/ui/test_production_ui.py` saves the PNGs.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QPushButton

from connectors.sim.faults import parse_fault_spec
from connectors.sim.shift import run_shift
from hmi.core.audit import Auditor
from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.journal import Journal
from hmi.core.production.setup import ProductionSetup
from hmi.core.production.stops import CLASSIFY, SPLIT
from hmi.core.production.tracker import ProductionTracker
from hmi.core.users import Role, User
from hmi.ui.main_window import MainWindow
from hmi.ui.production_dialogs import TITLES

SHOTS = os.environ.get("LINEHMI_SHOTS")
UTC = _dt.UTC
START = _dt.datetime(2026, 3, 2, 6, 0, tzinfo=UTC).timestamp()
PLAN = (
    "capper:jam@20m/4m",
    "filler:motor_trip@50m/6m",
    "labeller:changeover@70m/15m",
    "capper:motor_trip@108m/9m",
)


@pytest.fixture(scope="module")
def shift_dir(tmp_path_factory):
    cfg = load_config(DEMO_CONFIG)
    cfg = cfg.model_copy(update={"shifts": cfg.shifts.model_copy(update={"timezone": "UTC"})})
    out = tmp_path_factory.mktemp("ui_shift")
    run_shift(cfg, out, START, 2.0, [parse_fault_spec(s) for s in PLAN], seed=5, publish_s=2.0)
    return cfg, out


@pytest.fixture
def production_runtime(shift_dir, make_runtime, tmp_path):
    """A FakeRuntime whose production is a real tracker, 'now' = 07:55 (the capper tripped at 07:48)."""
    cfg, out = shift_dir
    work = tmp_path / "journal"
    work.mkdir()
    (work / "line1.db").write_bytes((out / "line1.db").read_bytes())
    jcfg = cfg.model_copy(update={"journal": cfg.journal.model_copy(update={"rotation": "none"})})
    journal = Journal(jcfg, work).open()
    rt = make_runtime(cfg)
    tracker = ProductionTracker(
        ProductionSetup.from_config(cfg),
        cfg.tag_index(),
        journal,
        Auditor(journal),
        clock=lambda: START + 6900,
    )
    tracker.start()
    rt.production = tracker
    # The fake server's faceplates show the record's machine states at 'now' (the strip follows
    # the faceplates: hmi.core.production.line_now), not its default "every machine running".
    analysis = tracker.analysis()
    assert analysis is not None
    for m in analysis.setup.machines:
        d = analysis.data[m.id]
        for tag, series in ((m.state_tag, d.state), (m.fault_tag, d.fault)):
            value = series.value_at(START + 6900)
            if tag and value is not None:
                rt.set_value(tag, value)
    yield rt
    journal.close()


def _save(widget, name: str) -> None:
    img = widget.grab()
    assert not img.isNull() and img.width() > 100
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        img.save(str(Path(SHOTS) / f"{name}.png"))


def _window(qtbot, rt, size, user):
    win = MainWindow(rt, rt.config, user=user)
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    # The faceplates (and so the strip) have the fake server's first values: before them every
    # state is "? BadWaitingForInitialData", and the strip says the line's state is unknown too.
    qtbot.waitUntil(lambda: rt.poll_count > 1 and win.live.version.min() > 0)
    return win


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)])
def test_strip_and_production_view(qtbot, themed_app, production_runtime, size):
    win = _window(qtbot, production_runtime, size, User("sue", Role.SUPERVISOR))
    panel = win.production
    assert panel is not None
    panel.refresh(win.live)
    strip = panel.strip
    # 07:55: the capper's motor trip (07:48) holds the line
    assert strip.state.text() == "LINE STOPPED"
    assert "held by capper: Motor protection trip (U-MOTOR)" in strip.holder.text()
    assert strip.oee.text().startswith("OEE ") and " A " in strip.oee.text()
    assert strip.good.text().startswith("good ") and re.search(
        r"due [\d,]+ by now: [\d,]+ (ahead|behind)", strip.good.text()
    )
    for w in (strip.state, strip.holder, strip.rate, strip.good, strip.oee, strip.since):
        assert w.width() >= w.sizeHint().width() - 1, f"clipped: {w.text()}"  # text never clipped
    _save(win, f"production_strip_{size[0]}x{size[1]}")
    # Neither the strip nor the dock may make the window larger than a line-side screen.
    assert strip.minimumSizeHint().width() <= 400 and panel.dock.minimumSizeHint().width() <= 400
    assert panel.dock.minimumSizeHint().height() <= 200
    if size[0] < 1600:
        assert strip.two_rows  # wraps instead of clipping
    panel.dock.show()
    panel.dock.raise_()
    panel.refresh(win.live)
    view = panel.view
    qtbot.waitUntil(lambda: view.machines.rowCount() == 5)
    assert view.machines.item(0, 0).text().startswith("Line")
    assert view.hours.rowCount() == 2
    reasons = [r.reason for r in view.pareto.rows]
    assert {"U-JAM", "U-MOTOR", "C-FORMAT"} <= set(reasons)
    _save(win, f"production_view_{size[0]}x{size[1]}")
    view.tabs.setCurrentIndex(1)
    assert view.stops.rowCount() > 3
    _save(win, f"production_stops_{size[0]}x{size[1]}")


def test_supervisor_classifies_an_unclassified_stop_viewer_cannot(qtbot, themed_app, production_runtime):
    win = _window(qtbot, production_runtime, (1280, 800), None)  # nobody logged in: view only
    panel = win.production
    assert panel is not None
    panel.dock.show()
    panel.refresh(win.live)
    view = panel.view
    view.tabs.setCurrentIndex(1)
    view.only_unclassified.setChecked(True)
    view.stops.selectRow(0)
    assert not view.classify_button.isEnabled()
    assert "log in as supervisor or higher" in view.classify_button.toolTip()
    # The motor trip at 07:48 maps to U-MOTOR: classify the unclassified planned stop instead,
    # or, when there is none, re-classify the newest stop.
    view.only_unclassified.setChecked(False)
    win.set_user(User("sue", Role.SUPERVISOR))
    view.stops.selectRow(0)
    assert view.classify_button.isEnabled()
    stop = view._selected()
    assert stop is not None
    # Each button opens its dialog (a click, as a supervisor does it: "Classify…" once opened nothing).
    for button in (view.split_button, view.note_button, view.classify_button):
        button.click()
        qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible(), timeout=3000)
        assert panel.dialog.windowTitle() == TITLES[panel.dialog.action]
        panel.dialog.close()
    dlg = panel.open_dialog(CLASSIFY, stop)
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    if not stop.reason:
        # nothing pre-selected: one tap on OK must not classify with a reason nobody chose
        assert dlg.reason.currentIndex() == -1 and dlg.reason.code == ""
        assert not ok.isEnabled() and "Choose a reason" in ok.toolTip()
        dlg.send()
        assert dlg.isVisible() and "Choose a reason" in dlg.message.text()
    dlg.reason.setCurrentIndex(dlg.reason.findData("U-MATERIAL"))
    assert ok.isEnabled()
    dlg.send()
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)
    assert "saved and journaled" in view.outcome.text()
    qtbot.waitUntil(lambda: view.stops.item(0, 3).text().endswith("(U-MATERIAL)"), timeout=5000)
    assert view.stops.item(0, 9).text() == "sue"
    _save(dlg, "production_classify_dialog")


def test_split_outside_the_stop_is_refused_in_the_dialog(qtbot, themed_app, production_runtime):
    win = _window(qtbot, production_runtime, (1280, 800), User("sue", Role.SUPERVISOR))
    panel = win.production
    panel.dock.show()
    panel.refresh(win.live)
    view = panel.view
    view.tabs.setCurrentIndex(1)
    view.stops.selectRow(1)
    stop = view._selected()
    dlg = panel.open_dialog(SPLIT, stop)
    for box in (dlg.reason, dlg.reason_after):
        box.setCurrentIndex(box.findData("U-MATERIAL"))

    dlg.at.set_value(stop.end + 120)
    dlg.send()
    qtbot.waitUntil(lambda: "split time must lie inside the stop" in dlg.message.text(), timeout=5000)
    assert dlg.isVisible() and dlg.buttons.isEnabled()
    assert all(b.minimumSizeHint().height() > 0 for b in dlg.findChildren(QPushButton))
    dlg.close()


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)])
def test_production_figures_say_last_known_while_the_link_is_lost(
    qtbot, themed_app, production_runtime, size
):
    """The strip's and the Production view's figures during a lost link (widgets.last_known)."""
    from hmi.core.runtime_api import ConnectionState
    from widgets.last_known import last_known_text, live_looking

    win = _window(qtbot, production_runtime, size, User("sue", Role.SUPERVISOR))
    panel = win.production
    assert panel is not None
    panel.refresh(win.live)
    production_runtime.set_state(ConnectionState.RECONNECTING, "link lost")
    qtbot.waitUntil(lambda: win.link_lost_at is not None)
    panel.refresh(win.live)  # the next figures keep saying it
    since = win.link_lost_at
    assert panel.strip.state.text().endswith(last_known_text(since))
    panel.dock.show()
    panel.dock.raise_()
    qtbot.wait(100)
    found = [f for f in live_looking(win, since) if "production" in f.lower() or "Strip" in f]
    assert not found, "\n".join(found)
    production_runtime.set_state(ConnectionState.CONNECTED, "back")
    qtbot.waitUntil(lambda: win.link_lost_at is None)
    panel.refresh(win.live)
    assert panel.strip.state.text() == "LINE STOPPED" and panel.strip.last_known_at() is None


@pytest.mark.parametrize("action", [CLASSIFY, SPLIT])
def test_no_reason_is_chosen_for_the_supervisor(qtbot, themed_app, action):
    """D-7d: the dialog pre-selected "U-MOTOR"; one tap on OK classified a stop nobody looked at."""
    from hmi.core.production.setup import Cat
    from hmi.core.production.stops import Stop
    from hmi.ui.production_dialogs import StopEditDialog
    from tests.production_helpers import T0, demo_setup

    sent: list[dict[str, object]] = []

    def submit(*_a: object, **kw: object):
        sent.append(kw)
        raise RuntimeError("not sent in this test")

    stop = Stop("capper", T0, T0 + 300, Cat.UNPLANNED)
    dlg = StopEditDialog(action, stop, demo_setup(), submit, lambda t: _dt.datetime.fromtimestamp(t))
    qtbot.addWidget(dlg)
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    boxes = [b for b in (dlg.reason, dlg.reason_after) if b is not None]
    assert all(b.currentIndex() == -1 and b.code == "" for b in boxes)
    assert not ok.isEnabled() and ok.toolTip()
    dlg.send()  # Enter on the keyboard: refused with the reason, nothing submitted
    assert sent == [] and "Choose a reason" in dlg.message.text()
    for i, b in enumerate(boxes):
        b.setCurrentIndex(b.findData("U-MATERIAL"))
        assert ok.isEnabled() == (i == len(boxes) - 1)


def test_every_action_button_follows_the_one_role_rule(qtbot, themed_app, production_runtime):
    """D-5a: a viewer could open the setpoint dialog and press Write (refused only afterwards).
    Every button that starts a role-checked action carries it (widgets.permission.mark); for every
    role, a button the role may not use is disabled and says why before anybody tries."""
    from PySide6.QtWidgets import QAbstractButton

    from hmi.core.users import Action, role_refusal
    from widgets.permission import required

    from .fakes import ENGINEER, OPERATOR, SUPERVISOR, VIEWER

    win = _window(qtbot, production_runtime, (1280, 800), None)
    assert win.production is not None
    win.production.refresh(win.live)
    win.production.view.tabs.setCurrentIndex(1)
    win.production.view.stops.selectRow(0)
    for user in (None, VIEWER, OPERATOR, SUPERVISOR, ENGINEER):
        win.set_user(user)
        setpoint = win.open_setpoint_dialog("filler")
        assert setpoint is not None
        setpoint.value_edit.setText("300")
        buttons = [
            b for b in win.findChildren(QAbstractButton) if required(b) and b.window() in (win, setpoint)
        ]
        actions = {required(b) for b in buttons}
        assert {
            Action.WRITE_SETPOINT,
            Action.ACKNOWLEDGE,
            Action.SHELVE,
            Action.CLASSIFY_STOP,
            Action.SPLIT_STOP,
            Action.NOTE_STOP,
        } <= actions
        for b in buttons:
            action = required(b)
            assert action is not None
            # the dialog acts as the window's actor (nobody logged in: a viewer named after the user)
            refusal = role_refusal(setpoint.actor if b.window() is setpoint else user, action)
            where = f"{b.objectName() or b.text()} as {user}"
            if refusal:
                assert not b.isEnabled() and refusal in b.toolTip(), where
            else:
                assert "or higher" not in b.toolTip(), where
        # the faceplates' Setpoint… buttons in particular (they opened the dialog for a viewer)
        for fp in win.overview.faceplates.values():
            if fp.writable_tags:
                assert fp.setpoint_button.isEnabled() == (
                    user is not None and user.can(Action.WRITE_SETPOINT)
                )
        setpoint.close()


def test_the_strip_follows_the_faceplates_in_the_same_update(qtbot, themed_app, production_runtime):
    """QA4: "FAULTED · Overheat" on the labeller's faceplate while the strip said "LINE RUNNING ·
    all machines running" for 1-4 s (the strip followed a 2 s analysis read once a second). Here the
    window's timers are stopped and the analysis is never recomputed: random state changes are
    delivered through the slot that repaints the faceplates, and after each one the strip agrees
    with what every faceplate shows."""
    import random

    from hmi.core.quality import GOOD
    from hmi.core.samples import SampleBatch

    win = _window(qtbot, production_runtime, (1280, 800), None)
    win._second.stop()
    win.bridge.stop()
    panel = win.production
    assert panel is not None
    setup = panel.figures.setup
    rng = random.Random(10)
    labels = {0: "Stopped", 1: "Starting", 2: "Running", 3: "Idle", 4: "FAULTED", 5: "Changeover"}
    t = time.time()
    for _ in range(60):
        m = setup.machines[rng.randrange(len(setup.machines))]
        value = rng.choice(list(labels))
        code = rng.choice([0, 1, 2]) if value == 4 else 0
        t += 0.5
        idx = [win.live.index[m.state_tag]] + ([win.live.index[m.fault_tag]] if m.fault_tag else [])
        vals = [float(value), float(code)][: len(idx)]
        batch = SampleBatch.from_columns(
            idx, [t] * len(idx), [t] * len(idx), [t] * len(idx), vals, [GOOD] * len(idx)
        )
        win._on_samples_applied(win.live.apply(batch))
        shown = {mid: fp.state_text for mid, fp in win.overview.faceplates.items() if mid in setup.ids}
        own = [mid for mid, text in shown.items() if not text.startswith(("Running", "Idle"))]
        strip_state, claim = panel.strip.state.text(), panel.strip.holder.text()
        assert (claim == "all machines running") == all(x.startswith("Running") for x in shown.values())
        if own:
            assert strip_state != "LINE RUNNING", (shown, strip_state, claim)
            assert any(f"held by {mid}:" in claim for mid in own), (shown, claim)
        if strip_state == "LINE RUNNING":
            assert shown[setup.constraint].startswith("Running") and shown[setup.output].startswith("Running")
        for mid, text in shown.items():
            assert (mid in claim) != text.startswith("Running"), (mid, text, claim)
