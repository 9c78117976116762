"""No live-looking figure while the link is lost (issue 10, walkthrough finding 10).

The main window during the demo fault (alarms, advisories, QC results, production figures),
then the link goes the way the connector reports it: the state first, then every server tag
Bad "no connection". Every visible value-showing widget must then say its values are the last
known at the time the link went, greyed (widgets.last_known walks the widgets, as
widgets.text_fit does for clipping), and those texts must fit; when the link is back,
none says so any more.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QDockWidget

from hmi.core.quality import BAD_NOT_CONNECTED
from hmi.core.runtime_api import ConnectionState
from hmi.core.samples import SampleBatch
from widgets.last_known import last_known_text, live_looking
from widgets.text_fit import clipped_texts

from ..helpers.settle import settle
from .test_no_clipped_text import PROFILES, SIZES, window  # noqa: F401  (the fixture)


def _lose_link(win, rt) -> float:
    rt.set_state(ConnectionState.RECONNECTING, "link to opc.tcp://plc lost; reconnecting")
    server = [i for i, t in enumerate(rt.config.tags) if t.source == "opcua"]
    now = time.time()
    n = len(server)
    rt.push(
        SampleBatch.from_columns(
            server,
            np.full(n, now),
            np.full(n, np.nan),
            np.full(n, now),
            np.full(n, np.nan),
            np.full(n, BAD_NOT_CONNECTED),
        )
    )
    return now


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_value_says_last_known_while_the_link_is_lost(window, qtbot, size, profile):  # noqa: F811
    win = window(size, profile)
    rt = win.runtime
    assert win.link_lost_at is None
    # before: current values, nothing says "last known"
    assert all("last known" not in t for fp in win.overview.faceplates.values() for t in fp.shown_texts())
    _lose_link(win, rt)
    qtbot.waitUntil(lambda: win.link_lost_at is not None)
    settle()
    since = win.link_lost_at
    assert since is not None
    problems: list[str] = []
    for dock in [None, *win.findChildren(QDockWidget)]:
        if dock is not None:
            dock.show()
            dock.raise_()
            settle()
        where = "the window" if dock is None else f"the {dock.windowTitle()!r} dock in front"
        found = live_looking(win, since)
        if found:
            problems.append(f"{len(found)} live-looking with {where}:\n  " + "\n  ".join(found))
        # the "last known at" texts fit too (widgets.text_fit, as for the connected window), the top
        # bar's link detail included (it words itself shorter; the full text is in its tooltip).
        clipped = [str(c) for c in clipped_texts(win) if dock is None or dock.objectName() in c.widget]
        if clipped:
            problems.append(f"{len(clipped)} clipped with {where}:\n  " + "\n  ".join(clipped))
    assert not problems, "\n".join(problems)
    # the values themselves are still there (last known), not "? BadNotConnected"
    for fp in win.overview.faceplates.values():
        assert all("BadNotConnected" not in t and "? BAD" not in t for t in fp.shown_texts()), (
            fp.shown_texts()
        )
    # the link's own state is current: its row does not say "last known"
    link = rt.config.tag_index()[rt.config.server.link_tag]
    assert win.tag_table.model.last_known_at(link) is None

    rt.set_state(ConnectionState.CONNECTED, "reconnected")
    qtbot.waitUntil(lambda: win.link_lost_at is None)
    qtbot.waitUntil(lambda: win.bridge.stats.ticks > 3, timeout=30000)  # 5 s ran out at load 20
    settle()
    QApplication.processEvents()
    want = last_known_text(since)
    for fp in win.overview.faceplates.values():
        assert all(want not in t for t in fp.shown_texts()), fp.shown_texts()
    assert win.production is None or win.production.strip.last_known_at() is None
    assert all(r.last_known_at() is None for r in win.advisories.values())
