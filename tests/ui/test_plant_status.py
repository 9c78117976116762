"""The plant historian's figures in the main window's status bar: the forwarding backlog (rows, age of
the oldest row) and whether the line's operator state is shared or kept locally (and how many actions),
read through the typed `plant_link` service once a second."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.runtime_api import LineLinkStatus, PlantStatus
from hmi.core.users import Role, User
from hmi.ui.main_window import MainWindow

OPERATOR = User("olga", Role.OPERATOR)


@dataclass
class FakePlantLink:
    now: PlantStatus

    def status(self) -> PlantStatus:
        return self.now


ONLINE = PlantStatus(True, 1234, 130.0, LineLinkStatus(online=True, pending=0))
OFFLINE = PlantStatus(False, 56_789, 4000.0, LineLinkStatus(online=False, pending=3, problem="timeout"))


@pytest.fixture
def window(qtbot, themed_app, make_runtime, demo_config):
    def make(link: FakePlantLink | None) -> MainWindow:
        rt = make_runtime(demo_config)
        rt.plant_link = link
        win = MainWindow(rt, demo_config, user=OPERATOR)
        qtbot.addWidget(win)
        win.resize(1600, 900)
        win.show()
        qtbot.waitExposed(win)
        return win

    return make


def test_the_status_bar_shows_the_backlog_and_the_shared_state(window, qtbot):
    link = FakePlantLink(ONLINE)
    win = window(link)
    label = win.plant_status
    qtbot.waitUntil(lambda: label.text() != "")
    assert label.isVisible()
    assert label.text() == "plant link up — line state shared · backlog 1,234 rows, oldest 2 min"
    assert label.property("abnormal") == "false"

    link.now = OFFLINE  # the database went away: actions are kept locally, the backlog grows
    qtbot.waitUntil(lambda: "offline" in label.text(), timeout=3000)
    assert label.text() == (
        "plant link offline — actions kept locally (3) · historian unreachable, backlog 56,789 rows, oldest 67 min"
    )
    assert label.property("abnormal") == "true"  # drawn in the abnormal colour
    qtbot.waitUntil(lambda: label.width() >= label.sizeHint().width(), timeout=3000)  # not clipped


def test_without_a_plant_section_there_is_no_plant_figure(window):
    win = window(None)
    assert not win.plant_status.isVisible()


@settings(max_examples=60)
@given(
    rows=st.none() | st.integers(0, 10**9),
    age=st.none() | st.floats(0, 7 * 86400),
    online=st.none() | st.booleans(),
    pending=st.integers(0, 10**6),
)
def test_every_status_names_its_figures(rows, age, online, pending):
    """Whatever the state: the backlog rows (grouped thousands) when known, and the count of actions
    kept locally whenever the link is not up."""
    s = PlantStatus(True if rows is not None else None, rows, age, LineLinkStatus(online, pending))
    text = s.text()
    if rows is not None:
        assert f"{rows:,} rows" in text
    else:
        assert "historian connecting" in text
    if online is False:
        assert f"plant link offline — actions kept locally ({pending})" in text
        assert s.abnormal
    if not online and pending:  # offline or not connected yet: what is kept locally is said
        assert f"actions kept locally ({pending})" in text
