"""A machine's state is known only where it was read (qa7 G28).

The review's state lanes and the report's time per state hold each `machine_state` reading until the
next change. A 23 s server outage (a `data_gap` of all tags) and a stretch when LineHMI was not running
were held as the last state: the report said "Running 0:56" where the filler ran 33 s. Property over
random state changes, link outages and not-running stretches: at any instant the timeline's state is
the last reading, unless a stretch nobody read began after that reading and is still going on (then
no state); a reading inside such a stretch (backfilled from the server's history) is known from then.
"""

from __future__ import annotations

from collections.abc import Iterable

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.events import EventKind
from hmi.core.journal_read import StoredEvent
from hmi.core.review.timeline import build_timeline

MACHINES = ("filler", "capper")
STATES = ("Running", "Stopped", "Faulted", "Idle")
END = 600.0


class _Record:
    """The few parts of a ReviewRecord a timeline reads."""

    def __init__(self, events: list[StoredEvent], not_running: list[tuple[float, float]]) -> None:
        self._events = sorted(events, key=lambda e: e.ts)
        self._not_running = not_running
        self.t0, self.t1 = 0.0, END

    def events(self, t0=None, t1=None, kinds: Iterable[str] | None = None) -> list[StoredEvent]:
        return [e for e in self._events if (t0 is None or e.ts >= t0) and (t1 is None or e.ts < t1)]

    def last_events_before(self, t, kinds):  # pragma: no cover - whole-record timelines only
        raise AssertionError("not used")

    def machines(self) -> list[tuple[str, str]]:
        return [(m, m.title()) for m in MACHINES]

    def not_recording(self) -> list[tuple[float, float]]:
        return self._not_running


changes = st.lists(
    st.tuples(st.sampled_from(MACHINES), st.floats(0, END - 1), st.sampled_from(STATES)),
    min_size=1,
    max_size=12,
)
stretches = st.lists(st.tuples(st.floats(0, END - 1), st.floats(1, 120)), max_size=3)


@settings(max_examples=80, deadline=None)
@given(
    changes=changes,
    outages=stretches,
    not_running=stretches,
    probes=st.lists(st.floats(0, END - 1e-3), max_size=30),
)
def test_the_state_is_known_only_where_it_was_read(changes, outages, not_running, probes):
    events = [
        StoredEvent(
            EventKind.MACHINE_STATE, f"{m}: -> {s}", source=m, ts=t, data={"state": s, "fault": ""}, id=k
        )
        for k, (m, t, s) in enumerate(changes)
    ]
    for k, (a, d) in enumerate(outages):
        events.append(
            StoredEvent(
                EventKind.DATA_GAP,
                "no data from the server",
                source="opc.tcp://x",
                ts=a,
                data={"start": a, "end": a + d, "tags": "all"},
                id=1000 + k,
            )
        )
    blind = [(a, a + d) for a, d in outages] + [(a, a + d) for a, d in not_running]
    timeline = build_timeline(_Record(events, [(a, a + d) for a, d in not_running]))
    for m in MACHINES:
        readings = sorted((t, s) for mm, t, s in changes if mm == m)
        for t in probes + [b[0] for b in blind] + [r[0] for r in readings]:
            bar = timeline.state_at(m, t)
            before = [r for r in readings if r[0] <= t]
            if not before:
                assert bar is None, (m, t, bar)
                continue
            ta = before[-1][0]
            # readings at one instant: the last one written holds
            same = [r for r in readings if r[0] == ta]
            unread = any(ta <= g0 <= t < g1 for g0, g1 in blind if g0 >= ta)
            if unread:
                assert bar is None, (m, t, bar, blind)
            else:
                assert bar is not None and bar.state in {s for _t, s in same}, (m, t, bar, before[-1], blind)
        # and no bar of the machine runs over the start of a stretch nobody read
        for bar in timeline.bars:
            if bar.machine == m:
                assert not any(bar.t0 < g0 < bar.t1 for g0, _g1 in blind), (bar, blind)
