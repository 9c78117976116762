"""Band indicator, faceplate, connection indicator, event list."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.alarms.model import Priority
from hmi.core.alarms.tag_badges import TagBadge
from hmi.core.events import EventKind, JournalEvent
from hmi.core.live_values import LiveValues
from hmi.core.quality import BAD_SENSOR_FAILURE, GOOD, UNCERTAIN_LAST_USABLE_VALUE
from hmi.core.runtime_api import ConnectionState
from hmi.ui.bridge import LiveBridge
from widgets.band_indicator import BandIndicator
from widgets.connection_indicator import ConnectionIndicator, short_forms
from widgets.event_list import EventList
from widgets.faceplate import Faceplate


def test_band_indicator_quality_and_alarms(qtbot, tiny):
    ind = BandIndicator(tiny.tag("m.temp"))
    qtbot.addWidget(ind)
    assert not ind.pointer_visible() and ind.value_text() == "no sample yet"

    ind.set_sample(42.04, GOOD, 1.0)
    assert ind.value_text() == "42.0 °C" and ind.pointer_visible() and ind.alarm_level() is None
    ind.set_sample(101.0, GOOD, 3.0)
    assert ind.alarm_level() is None  # past its limit, but no alarm in the alarm model: no badge
    ind.set_alarm(TagBadge("HH", Priority.LOW, True, "m.temp.hihi", "temp HiHi", 100.0))
    assert ind.alarm_level() == "HH" and ind.badge_view().in_zone
    # The value falls back (the alarm still unacknowledged): the badge says it is the alarm's state
    # (qa6 N3: "HH" beside 1.75 mm/s after a trip), outlined, and the pointer is not in alarm colour.
    ind.set_sample(40.0, GOOD, 3.5)
    assert ind.alarm_level() == "HH unack" and not ind.badge_view().in_zone
    assert "is the alarm's state" in ind.toolTip()
    ind.resize(300, ind.sizeHint().height())
    assert ind.clipped_texts() == []
    ind.set_sample(101.0, GOOD, 3.6)

    # Bad: no pointer, no number anywhere, the status name instead, no alarm claimed.
    ind.set_alarm(None)
    ind.set_sample(55.0, BAD_SENSOR_FAILURE, 4.0)
    assert not ind.pointer_visible()
    assert ind.value_text() == "? sensor failure" and not re.search(r"\d", ind.value_text())
    assert ind.alarm_level() is None
    ind.set_sample(55.0, UNCERTAIN_LAST_USABLE_VALUE, 5.0)
    assert ind.value_text() == "55.0 °C ?" and ind.pointer_visible()
    ind.resize(300, ind.sizeHint().height())
    ind.set_stale(True)
    assert not ind.grab().isNull()  # paints in every state


def _faceplate_with_bridge(qtbot, tiny, rt):
    live = LiveValues(tiny)
    fp = Faceplate(tiny.machines[0], tiny)
    qtbot.addWidget(fp)
    bridge = LiveBridge(rt, live, interval_ms=20)
    bridge.samples_applied.connect(lambda _c: fp.refresh(live))
    bridge.state_changed.connect(lambda s, _d: fp.set_stale(s != ConnectionState.CONNECTED))
    bridge.start()
    return fp, bridge


def test_faceplate_shows_values_arriving(qtbot, tiny, make_runtime):
    rt = make_runtime(tiny)
    fp, bridge = _faceplate_with_bridge(qtbot, tiny, rt)
    assert fp.state_kind == ""  # nothing yet
    qtbot.waitUntil(lambda: fp.state_text == "Running")
    speed = fp.speed
    assert speed is not None
    qtbot.waitUntil(lambda: speed.value_text().endswith(" rpm"))
    assert speed.pointer_visible() and speed._target == 50.0  # setpoint marker from m.speed_sp
    temp = fp.indicators["m.temp"]
    assert temp.pointer_visible() and temp.value_text().endswith("°C")

    rt.set_value("m.state", 4)
    rt.set_value("m.fault_code", 1)
    qtbot.waitUntil(lambda: fp.state_kind == "fault")
    assert fp.state_text == "FAULTED · Jam"
    bridge.stop()


def test_faceplate_bad_quality_and_stale(qtbot, tiny, make_runtime):
    rt = make_runtime(tiny)
    fp, bridge = _faceplate_with_bridge(qtbot, tiny, rt)
    temp = fp.indicators["m.temp"]
    qtbot.waitUntil(temp.pointer_visible)
    rt.set_value("m.temp", 50.0, BAD_SENSOR_FAILURE)
    qtbot.waitUntil(lambda: not temp.pointer_visible())
    assert temp.value_text() == "? sensor failure"

    rt.set_state(ConnectionState.RECONNECTING, "server went away")
    qtbot.waitUntil(lambda: temp.stale)
    assert fp.speed is not None and fp.speed.stale
    assert fp.stale_label.text().startswith("Not updating")
    assert fp.state_label.text().endswith("(last known)")
    rt.set_state(ConnectionState.CONNECTED)
    qtbot.waitUntil(lambda: not temp.stale)
    assert fp.stale_label.text() == ""
    bridge.stop()


def test_connection_indicator_text_per_state(qtbot):
    ci = ConnectionIndicator()
    qtbot.addWidget(ci)
    expected = {
        ConnectionState.CONNECTED: ("CONNECTED", False),
        ConnectionState.CONNECTING: ("CONNECTING…", False),
        ConnectionState.RECONNECTING: ("RECONNECTING…", True),
        ConnectionState.DISCONNECTED: ("DISCONNECTED", True),
    }
    for state, (title, abnormal) in expected.items():
        ci.set_state(state, f"detail for {state.value}")
        assert ci.text().startswith(title + " · for ")
        assert ci.text().endswith(f"detail for {state.value}")
        assert ci.badge.text() == title
        assert ci.abnormal is abnormal
        assert ci.badge.property("kind") == ("abnormal" if abnormal else state.value)
    import time

    ci.set_state(ConnectionState.RECONNECTING, "retrying every 5 s", since=time.time() - 75)
    assert "for 1 min 15 s" in ci.text()


def test_event_list_keeps_last_n_newest_first(qtbot):
    ev = EventList(max_events=5)
    qtbot.addWidget(ev)
    ev.add_events([JournalEvent(EventKind.SYSTEM, f"e{i}", ts=1000.0 + i) for i in range(4)])
    ev.add_events([JournalEvent(EventKind.SYSTEM, f"e{i}", ts=1000.0 + i) for i in range(4, 8)])
    m = ev.model
    assert m.rowCount() == 5
    assert [m.event_at(r).message for r in range(5)] == ["e7", "e6", "e5", "e4", "e3"]
    assert m.data(m.index(0, 5)) == "e7"
    assert np.isfinite(m.event_at(0).ts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    width=st.integers(130, 900),
    host=st.from_regex(r"[a-z0-9]{1,30}(\.[a-z0-9]{1,12}){0,3}", fullmatch=True),
    tail=st.sampled_from(["", " after 23.5 s without data", "; reconnecting", " (certificate trusted)"]),
    lead=st.sampled_from(["connected to ", "reconnected to ", "link to ", "lost "]),
)
def test_connection_detail_fits_whole_and_the_rest_is_in_the_tooltip(qtbot, width, host, tail, lead):
    """The top bar's link detail: "for 6.9 s — connected t…" at 1280 px. Whatever the endpoint and
    the room, the label shows a whole wording that fits (never elided), and the tooltip the full."""
    ci = ConnectionIndicator()
    qtbot.addWidget(ci)
    ci.resize(width, 30)
    detail = f"{lead}opc.tcp://{host}:4840/linehmi/{tail}"
    ci.set_state(ConnectionState.CONNECTED, detail)
    room = ci.detail_label.contentsRect().width()
    shown = ci.detail_label.text()
    assert "…" not in shown and ci.clipped_texts() == []
    assert ci.detail_label.fontMetrics().horizontalAdvance(shown) <= room, (shown, room)
    assert shown.startswith("for ") or shown == ""
    assert detail in ci.detail_label.toolTip() and detail in ci.toolTip()
    if shown and " — " in shown:
        said = shown.split(" — ", 1)[1]
        assert said in short_forms(detail)
