"""The review timeline's gaps carry their kind (GapKind), and code decides on it, never on a gap's
words: a gap was "LineHMI was not running" by its text (`_blind` compared it with NOT_RUNNING)."""

from __future__ import annotations

from hmi.core.events import EventKind
from hmi.core.journal_read import StoredEvent
from hmi.core.review.timeline import NOT_RUNNING, GapKind, build_timeline
from tests.test_timeline_unread_states import _Record


def _gap(k: int, a: float, b: float, tags: object, message: str) -> StoredEvent:
    data = {"start": a, "end": b, "tags": tags}
    return StoredEvent(EventKind.DATA_GAP, message, source="opc.tcp://x", ts=a, data=data, id=100 + k)


def test_each_gap_has_its_kind_and_only_unread_kinds_hide_a_state():
    state = StoredEvent(
        EventKind.MACHINE_STATE,
        "filler: -> Running",
        source="filler",
        ts=0.0,
        data={"state": "Running"},
        id=1,
    )
    # A data gap of one tag whose message happens to read like the not-running text: still a tag gap.
    events = [
        state,
        _gap(1, 100.0, 120.0, "all", "no data from the server"),
        _gap(2, 200.0, 230.0, ["x"], NOT_RUNNING),
    ]
    tl = build_timeline(_Record(events, [(300.0, 360.0)]))  # type: ignore[arg-type]
    kinds = {(g.t0, g.t1): g.kind for g in tl.gaps}
    assert kinds == {
        (100.0, 120.0): GapKind.LINK_DOWN,
        (200.0, 230.0): GapKind.TAGS,
        (300.0, 360.0): GapKind.NOT_RUNNING,
    }
    # The filler's Running is not known in the link outage nor while LineHMI did not run; a gap of
    # some tags (whatever its words) hides nothing.
    assert tl.state_at("filler", 50.0) is not None
    assert tl.state_at("filler", 110.0) is None
    assert tl.state_at("filler", 130.0) is not None  # held again after the outage (the same reading)
    assert tl.state_at("filler", 210.0) is not None
    assert tl.state_at("filler", 330.0) is None
    assert [tl.gap_at(t).kind.unread for t in (110.0, 330.0)] == [
        "not read (server link down)",
        "not recorded (LineHMI not running)",
    ]
