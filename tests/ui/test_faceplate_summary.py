"""What a line-side supervisor sees of each machine without scrolling, and that it holds still.

qa6 F17: at 1280x800 (touch) the faceplates showed name, state and speed; motor current,
temperatures, vibration and the failure risk were under the pane's edge, and scrolling the pane
hid the names and states. qa6 N7: the first alarm grew the banner from one row to three, the
pane shrank and its Setpoint… buttons went under its edge.

The invariants, over the demo's fault states (bearing trip, capper jam, glue heater, a sensor
dropout, the whole upset of the alarm tests) and over random sequences of alarms and machine
states, with the window at 1280x800 in the touch profile and at 1920x1080:

- every machine's name and state, its speed, every value in alarm (label and number) and its
  failure-risk readout lie wholly inside the overview's visible viewport, unscrolled, and none
  of their texts is cut (widgets.text_fit);
- the alarm banner and the overview keep the geometry they had on the calm line.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QWidget

from hmi.core.quality import BAD_SENSOR_FAILURE
from hmi.ui.main_window import MainWindow
from widgets.faceplate import Faceplate
from widgets.text_fit import clipped_texts

from ..helpers.settle import settle
from .fakes import FAULT_SCRIPT, OPERATOR, FakeAdvisories, FakeRuntime

SIZES = {"1280x800 touch": ((1280, 800), True), "1920x1080 desk": ((1920, 1080), False)}
NAN = float("nan")
BAD_SENSOR = BAD_SENSOR_FAILURE  # the sensor, not the link (whose loss suppresses these alarms)

# The demo's scheduled faults (resources/demo_sim.toml) as the values the line then reports.
DEMO_FAULTS: dict[str, list[tuple[str, float]]] = {
    "bearing trip": [
        ("filler.bearing_temp", 74.0),
        ("filler.vibration", 9.2),
        ("filler.fault_code", 3.0),
        ("filler.state", 4.0),
        ("filler.speed", 0.0),
        ("filler.motor_current", 0.0),
        ("filler.fill_pressure", 0.0),
    ],
    "capper jam": [
        ("capper.fault_code", 1.0),
        ("capper.state", 4.0),
        ("capper.speed", 0.0),
        ("capper.motor_current", 28.0),
    ],
    "glue heater": [
        ("labeller.glue_temp", 188.0),
        ("labeller.fault_code", 2.0),
        ("labeller.state", 4.0),
        ("labeller.speed", 0.0),
    ],
    "sensor dropout": [("conveyor.vibration", NAN)],
    "the alarm tests' upset": [
        step for k in sorted(FAULT_SCRIPT) for step in FAULT_SCRIPT[k] if step[1] is not None
    ],
}


def _set(rt: FakeRuntime, tag: str, value: float) -> None:
    if value != value:
        rt.set_value(tag, NAN, BAD_SENSOR)
    else:
        rt.set_value(tag, value)


class Line:
    """A window on a FakeRuntime whose alarm engine sees the values set, on its own clock."""

    def __init__(self, qtbot, config, size: tuple[int, int], touch: bool) -> None:
        self.rt = FakeRuntime(config, alarms=True)
        self.rt.fault = FakeAdvisories(config)
        self.t = time.time()
        win = MainWindow(self.rt, config, user=OPERATOR, touch=touch)
        win.setAnimated(False)
        qtbot.addWidget(win)
        win.resize(*size)
        win.show()
        qtbot.waitExposed(win)
        qtbot.waitUntil(lambda: win.bridge.stats.ticks > 3, timeout=30000)
        win.blink.stop()
        self.win, self.qtbot = win, qtbot
        settle()

    def play(self, steps: list[tuple[str, float]], seconds: int = 12) -> None:
        """Set the values, then let the alarm engine run past its on-delays (10 s at most)."""
        eng = self.rt.alarms
        assert eng is not None
        for tag, value in steps:
            _set(self.rt, tag, value)
        for k in range(seconds):
            eng.process(self.rt.synthetic_batch(now=self.t + k))
        self.t += seconds
        eng.tick(self.t)
        want = self.win.bridge.stats.ticks + 3
        self.qtbot.waitUntil(lambda: self.win.bridge.stats.ticks > want, timeout=30000)  # a loaded machine
        settle()

    def close(self) -> None:
        self.win.allow_close()
        self.win.close()
        self.rt.stop()


def _rect_in(w: QWidget, port: QWidget) -> QRect:
    return QRect(w.mapTo(port, QPoint(0, 0)), w.size())


def not_in_view(win: MainWindow) -> list[str]:
    """What a supervisor must see of each machine, without scrolling, that is not wholly in the
    overview's viewport or not shown whole."""
    ov = win.overview
    port = ov.viewport()
    seen = QRect(0, 0, port.width(), port.height())
    out: list[str] = []
    if ov.verticalScrollBar().value() != 0:
        out.append(f"the overview is scrolled to {ov.verticalScrollBar().value()}")
    for mid, fp in ov.faceplates.items():
        must: list[tuple[str, QWidget]] = [("name", fp.title), ("state", fp.state_label)]
        shown = {ind.tag.name: ind for ind in fp.summary_values}
        for name, ind in fp.indicators.items():
            if ind is fp.speed or ind.alarm_badge is not None:
                what = "speed" if ind is fp.speed else f"{name} in alarm ({ind.alarm_level()})"
                twin = shown.get(name)
                if twin is None:
                    out.append(f"{mid}: {what} not in the summary")
                    continue
                must.append((what, twin))
        readout = win.advisories.get(mid)
        if readout is not None:
            must += [("failure risk", readout.risk_label), ("RUL", readout.rul_label)]
        for what, w in must:
            r = _rect_in(w, port)
            if not (w.isVisible() and seen.contains(r)):
                out.append(f"{mid} {what} at {r.getRect()} not inside the viewport {seen.getRect()}")
            out += [f"{mid} {what}: {c}" for c in clipped_texts(w)]
    return out


def _geometry(win: MainWindow) -> dict[str, tuple[int, int, int, int]]:
    ov = win.overview
    return {
        "banner": (*win.alarm_banner.mapTo(win, QPoint(0, 0)).toTuple(), *win.alarm_banner.size().toTuple()),
        "overview": (*ov.mapTo(win, QPoint(0, 0)).toTuple(), *ov.viewport().size().toTuple()),
    }


def _setpoint_buttons_whole(win: MainWindow) -> list[str]:
    """Where a Setpoint… button is in view, it is whole (a pane that shrank cut them, qa6 N7)."""
    port = win.overview.viewport()
    seen = QRect(0, 0, port.width(), port.height())
    out = []
    for mid, fp in win.overview.faceplates.items():
        r = _rect_in(fp.setpoint_button, port)
        if r.intersects(seen) and not seen.contains(r):
            out.append(f"{mid} Setpoint… cut at {r.getRect()} by the viewport {seen.getRect()}")
    return out


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("fault", list(DEMO_FAULTS))
def test_each_demo_fault_is_read_without_scrolling(qtbot, themed_app, demo_config, size, fault):
    line = Line(qtbot, demo_config, *SIZES[size])
    try:
        calm = _geometry(line.win)
        assert not_in_view(line.win) == []
        line.play(DEMO_FAULTS[fault])
        assert line.win.alarm_banner.counts.total_active > 0
        problems = not_in_view(line.win) + _setpoint_buttons_whole(line.win)
        assert problems == [], "\n".join(problems)
        assert _geometry(line.win) == calm
    finally:
        line.close()


def test_a_faceplate_reserves_its_summary_rows(qtbot, themed_app, demo_config):
    """The summary's height does not follow what it shows: nothing under it moves."""
    from hmi.core.live_values import LiveValues
    from hmi.core.samples import SampleBatch

    filler = next(m for m in demo_config.machines if m.id == "filler")
    fp = Faceplate(filler, demo_config)
    qtbot.addWidget(fp)
    fp.set_compact(True)
    fp.resize(300, fp.sizeHint().height())
    fp.show()
    qtbot.waitExposed(fp)
    live = LiveValues(demo_config)
    idx = demo_config.tag_index()
    heights = set()
    t = time.time()
    for values in ({}, {"filler.motor_current": 0.0}, {"filler.vibration": 9.0, "filler.fill_pressure": 0.0},
                   {"filler.motor_current": 0.0, "filler.vibration": 9.0, "filler.fill_pressure": 0.0,
                    "filler.bearing_temp": 90.0}):  # fmt: skip
        base = {"filler.motor_current": 14.0, "filler.vibration": 1.0, "filler.fill_pressure": 2.5,
                "filler.bearing_temp": 45.0, "filler.speed": 400.0, "filler.state": 2.0}  # fmt: skip
        base.update(values)
        names = list(base)
        t += 1
        live.apply(
            SampleBatch.from_columns(
                [idx[n] for n in names], [t] * len(names), [t] * len(names), [t] * len(names),
                [base[n] for n in names], [0] * len(names),
            )
        )  # fmt: skip
        fp.refresh(live, force=True)
        settle()
        shown = [i.tag.name for i in fp.summary_values]
        assert set(values) <= set(shown), (values, shown)
        heights.add((fp.summary.height(), fp.state_label.height()))
    assert len(heights) == 1, heights


# A failing example is reported as drawn: shrinking it re-opens a window per try (minutes).
_NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
LEVELS = {"normal": None, "hi": "hi", "hihi": "hihi", "lo": "lo", "lolo": "lolo", "bad": "bad"}


def _value_for(config, tag: str, level: str | None) -> float:
    t = config.tag(tag)
    if level == "bad":
        return NAN
    if level is None:
        lo, hi = t.normal if t.normal else (t.range if t.range else (0.0, 1.0))
        return (lo + hi) / 2
    limit = getattr(t.alarms, level)
    if limit is None:
        return _value_for(config, tag, None)
    step = abs(limit) * 0.05 + 0.5
    return limit + step if level.startswith("hi") else limit - step


@st.composite
def _sequences(draw, config):
    machines = config.machines
    steps = []
    for _ in range(draw(st.integers(1, 4))):
        m = draw(st.sampled_from(machines))
        step: list[tuple[str, float]] = []
        for tag in draw(
            st.lists(st.sampled_from(m.key_tags), min_size=1, max_size=len(m.key_tags), unique=True)
        ):
            step.append((tag, _value_for(config, tag, LEVELS[draw(st.sampled_from(list(LEVELS)))])))
        if draw(st.booleans()) and m.state_tag:
            code = draw(st.sampled_from([1.0, 2.0, 3.0, 5.0]))
            step += [(m.fault_tag, code), (m.state_tag, 4.0)] if m.fault_tag else [(m.state_tag, 4.0)]
        steps.append(step)
    return steps


@pytest.mark.parametrize("size", list(SIZES))
def test_random_alarms_keep_the_top_still_and_every_machine_readable(qtbot, themed_app, demo_config, size):
    @settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), phases=_NO_SHRINK)
    @given(steps=_sequences(demo_config))
    def check(steps):
        line = Line(qtbot, demo_config, *SIZES[size])
        try:
            calm = _geometry(line.win)
            for step in steps:
                line.play(step)
                problems = not_in_view(line.win) + _setpoint_buttons_whole(line.win)
                assert problems == [], f"after {step}:\n" + "\n".join(problems)
                assert _geometry(line.win) == calm, f"after {step}"
        finally:
            line.close()

    check()
