"""One outage, one instant (qa9 Q9-27): every place that names when the link went names the same.

QA9 saw one OPC UA outage at three instants: the top bar's detail ("lost at", the session's), the
connection badge ("for …", counted from when the badge heard of it, and again from every change
between reconnecting and disconnected) and the strip ("LINK LOST · last known at", the window's
clock when its timer polled). The runtime keeps the instant (the session's, hmi.app.runtime) and
the screens take it from there.

Property over random outage/reconnect sequences, the window learning of each change late (the
runtime's instant seconds before the poll) and sometimes after several changes at once: the
window's `link_lost_at`, the badge's "for" instant, every plant-value widget's "last known" and
every text on screen that says "lost at" or "last known at" name the instant the link was lost.
"""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtWidgets import QLabel, QWidget

from hmi.core.runtime_api import ConnectionState
from widgets.last_known import ShowsPlantValues, live_looking

from ..helpers.settle import settle

NOT_UP = [ConnectionState.RECONNECTING, ConnectionState.DISCONNECTED, ConnectionState.CONNECTING]
_NAMED = re.compile(r"(?:lost|last known) at (\d\d:\d\d:\d\d)")


def _hms(t: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t))


def _detail(state: ConnectionState, lost_at: float | None) -> str:
    """What the session says in each state (connectors.opcua_session)."""
    if state == ConnectionState.CONNECTED:
        return "connected to opc.tcp://plc:4840"
    if state == ConnectionState.RECONNECTING and lost_at is not None:
        return f"link to opc.tcp://plc:4840 lost at {_hms(lost_at)}; reconnecting"
    if state == ConnectionState.CONNECTING:
        return "connecting to opc.tcp://plc:4840"
    return "cannot connect to opc.tcp://plc:4840: connection refused; retrying every 5 s at most"


def _named_instants(win: QWidget) -> list[tuple[str, str]]:
    """(where, HH:MM:SS) of every "lost at"/"last known at" on screen: labels, their tooltips, and
    what plant-value widgets paint."""
    out: list[tuple[str, str]] = []
    for w in [win, *win.findChildren(QWidget)]:
        if not w.isVisible():
            continue
        texts = []
        if isinstance(w, QLabel):
            texts += [w.text(), w.toolTip()]
        if isinstance(w, ShowsPlantValues):
            texts += w.shown_texts()
        for t in texts:
            out += [(f"{w.objectName() or type(w).__name__}: {t!r}", m) for m in _NAMED.findall(t)]
    return out


steps = st.lists(
    st.tuples(
        st.sampled_from([ConnectionState.CONNECTED, *NOT_UP]),
        st.floats(1.5, 40.0),  # how long before the window polls the runtime made the change
        st.booleans(),  # the window polls after this change (else it sees several at once)
    ),
    min_size=1,
    max_size=7,
)


@pytest.fixture
def polled(open_window):
    """One window for every example (hypothesis shares the fixture), polled by the test only."""
    rt, win = open_window((1280, 800), False)
    win.bridge.stop()  # each change reaches the window when the test says
    return rt, win


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seq=steps)
def test_every_place_names_the_instant_the_link_was_lost(polled, seq):
    rt, win = polled
    rt.set_state(ConnectionState.CONNECTED, _detail(ConnectionState.CONNECTED, None))
    win.bridge.poll_once()
    state, lost_at = ConnectionState.CONNECTED, None
    for k, (new, ago, poll) in enumerate(seq):
        at = time.time() - ago
        if state == ConnectionState.CONNECTED and new != ConnectionState.CONNECTED:
            lost_at = at
        elif new == ConnectionState.CONNECTED:
            lost_at = None
        state = new
        rt.set_state(new, _detail(new, lost_at), at=at)
        if not poll and k < len(seq) - 1:
            continue
        win.bridge.poll_once()
        settle()
        where = f"after {[(s.value, round(a, 1)) for s, a, _ in seq[: k + 1]]}"
        assert win.link_lost_at == lost_at, where
        if lost_at is None:
            assert not any("last known at" in t for _w, t in _named_instants(win)), where
            continue
        assert win.connection_indicator.since == lost_at, (where, win.connection_indicator.text())
        wrong = [(w, t) for w, t in _named_instants(win) if t != _hms(lost_at)]
        assert not wrong, (where, _hms(lost_at), wrong[:5])
        assert not live_looking(win, lost_at), (where, live_looking(win, lost_at)[:5])
