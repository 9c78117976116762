"""The runtime keeps one instant per outage, the session's (qa9 Q9-27), and gives it to the screens.

Random sequences of connector states, the session's `down_since` set as it sets it (when a link
that was up drops; cleared when it is back): what `poll()` gives as `link_lost_at`, the time of the
journaled "lost" event, the start of the journaled gap and the time of the link tag's "Lost"
sample are all that instant.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.app.runtime import LineRuntime
from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.events import EventKind
from hmi.core.link_state import LINK_LOST
from hmi.core.runtime_api import ConnectionState

CFG = load_config(DEMO_CONFIG)
States = st.sampled_from(list(ConnectionState))


@settings(max_examples=25, deadline=None)
@given(seq=st.lists(st.tuples(States, st.floats(0.0, 30.0)), min_size=1, max_size=8))
def test_poll_events_gap_and_link_tag_name_the_sessions_instant(tmp_path_factory, seq):
    rt = LineRuntime(CFG, journal_dir=tmp_path_factory.mktemp("j"), gui_feed=True)
    session = rt.connector._session
    link_i = CFG.tag_index()[CFG.server.link_tag]
    t = 1_800_000_000.0
    state, lost = ConnectionState.DISCONNECTED, None
    rt._on_state(ConnectionState.CONNECTED, "connected")
    rt.poll()
    state = ConnectionState.CONNECTED
    for new, dt in seq:
        t += dt
        if state == ConnectionState.CONNECTED and new != ConnectionState.CONNECTED:
            session._down_since = lost = t  # as OpcUaSession._link_down, before it says the state
        was_lost = lost
        if new == ConnectionState.CONNECTED:
            session._down_since, lost = None, None
        rt._on_state(new, f"{new.value} detail")
        update = rt.poll()
        assert update.link_lost_at == lost, (seq, update.link_lost_at)
        if new != state and state == ConnectionState.CONNECTED:
            went = [e for e in update.events if e.kind == EventKind.CONNECTION]
            assert [e.ts for e in went] == [lost], went
            i = np.flatnonzero(update.batch.tag_idx == link_i)
            assert list(update.batch.source_ts[i]) == [lost] and update.batch.value[i][0] == LINK_LOST
        gaps = [e for e in update.events if e.kind == EventKind.DATA_GAP]
        if new == ConnectionState.CONNECTED and was_lost is not None:
            assert [(g.ts, g.data["start"]) for g in gaps] == [(was_lost, was_lost)], gaps
        else:
            assert not gaps, gaps
        state = new
