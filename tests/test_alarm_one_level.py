"""One situation, one annunciated alarm: while the HiHi (LoLo) of a tag stands, its Hi (Lo) is
suppressed by design, and it comes back when the HiHi clears with the value still past the Hi
(ISA-18.2 state-based suppression; QA11 Q11-8: the QC defect rate's Hi and HiHi were raised at the
same instant, the filler vibration's Hi and HiHi both stood)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.alarms.model import AlarmState
from hmi.core.quality import GOOD
from hmi.core.samples import SampleBatch
from tests.test_alarm_engine import OPERATOR, TRIP, Rig

PAIRS = (("temp.hi", "temp.hihi"), ("level.lo", "level.lolo"))
ACTIVE = (AlarmState.UNACKED, AlarmState.ACKED)


def _rig(on_delay: float, off_delay: float) -> Rig:
    timing = {"on_delay_s": on_delay, "off_delay_s": off_delay}
    return Rig(
        [
            {"id": "temp", "type": "analog", "tag": "temp", **timing},
            {"id": "level", "type": "analog", "tag": "level", **timing},
            TRIP,
        ],
        first_out_lookback_s=60.0,
    )


def _feed(rig: Rig, samples: list[tuple[str, float]]) -> None:
    """One batch, a tag possibly several times (the engine evaluates it in rounds)."""
    t = rig.clock.t
    n = len(samples)
    rig.engine.process(
        SampleBatch.from_columns(
            [rig.index[k] for k, _ in samples], [t] * n, [t] * n, [t] * n, [v for _, v in samples], [GOOD] * n
        )
    )


def _never_both(rig: Rig) -> None:
    recs = {r.id: r for r in rig.engine.records(include_normal=True)}
    for low, high in PAIRS:
        assert not (recs[low].active and recs[high].active), (low, recs[low].state, recs[high].state)


def _journal_never_both(rig: Rig) -> None:
    """Replayed transition by transition (also within one batch): a Hi (Lo) is never annunciated
    while its HiHi (LoLo) stands, and a HiHi's activation is followed at once by its Hi's
    suppression (the Hi raised earlier steps aside)."""
    active: dict[str, bool] = {}
    events = rig.alarm_events()
    for k, d in enumerate(events):
        for low, high in PAIRS:
            if d["alarm"] == low and d["action"] == "activate":
                assert not active.get(high), (low, d["activated_at"])
            if d["alarm"] == high and d["action"] == "activate" and active.get(low):
                after = events[k + 1]
                assert (after["alarm"], after["action"], after["active"]) == (low, "suppress", False), after
        active[d["alarm"]] = bool(d["active"])


def _expected_first_out(rig: Rig, trip_t: float) -> str:
    """The first alarm of the filler annunciated within the look-back before the trip, from the journal."""
    first = [
        d["alarm"]
        for d in rig.alarm_events()
        if d["action"] == "activate"
        and d["machine"] == "filler"
        and d["alarm"] != "filler.faulted"
        and not d.get("reentry")
        and trip_t - 60.0 <= d["activated_at"] <= trip_t
    ]
    return first[0] if first else "filler.faulted"


step = st.tuples(
    st.sampled_from([0.0, 0.5, 1.0, 2.0, 4.0]),  # time to the next batch
    st.lists(  # the batch: samples of temp and level (Hi 70 / HiHi 85, Lo 20 / LoLo 10)
        st.one_of(
            st.tuples(st.just("temp"), st.floats(55, 100)), st.tuples(st.just("level"), st.floats(0, 30))
        ),
        min_size=1,
        max_size=4,
    ),
    st.booleans(),  # acknowledge everything after it
)


@settings(max_examples=150, deadline=None)
@given(
    on_delay=st.sampled_from([0.0, 2.0]),
    off_delay=st.sampled_from([0.0, 3.0]),
    walk=st.lists(step, max_size=40),
)
def test_never_both_levels_of_one_tag_and_the_lower_comes_back(
    on_delay: float, off_delay: float, walk: list[tuple[float, list[tuple[str, float]], bool]]
) -> None:
    rig = _rig(on_delay, off_delay)
    for dt, samples, ack in walk:
        rig.advance(dt)
        _feed(rig, samples)
        if ack:
            rig.engine.acknowledge([r.id for r in rig.engine.records() if not r.acked], OPERATOR)
        _never_both(rig)

    settle = on_delay + off_delay + 10.0  # every delay and the re-entry throttle run out

    def hold(values: dict[str, float]) -> None:
        for _ in range(int(settle)):
            _feed(rig, list(values.items()))
            rig.advance(1.0)
            _never_both(rig)

    # Past the HiHi (LoLo): only it is annunciated, the Hi (Lo) waits in Suppressed, saying why.
    hold({"temp": 95.0, "level": 3.0})
    for low, high, why in (("temp.hi", "temp.hihi", "HiHi"), ("level.lo", "level.lolo", "LoLo")):
        lo, hi = rig.engine.record(low), rig.engine.record(high)
        assert hi.state in ACTIVE and lo.state == AlarmState.SUPPRESSED, (lo.state, hi.state)
        assert lo.comment == f"{why} of the same tag stands" and lo.in_alarm
    # Back between the limits: the HiHi clears, the Hi comes back (its limit is still passed).
    hold({"temp": 78.0, "level": 15.0})
    for low, high in PAIRS:
        assert rig.engine.record(low).state in ACTIVE and not rig.engine.record(high).active
    _journal_never_both(rig)
    # A trip names the first alarm of its machine, whatever the levels hid meanwhile.
    trip_t = rig.clock.t
    rig.feed({"filler.state": 4})
    assert rig.engine.record("filler.faulted").first_out_of == _expected_first_out(rig, trip_t)


def test_hi_and_hihi_raised_by_one_sample_annunciate_the_hihi_only():
    """The QC defect-rate case: one sample jumps past both limits."""
    rig = _rig(0.0, 0.0)
    rig.feed({"temp": 60.0})
    rig.advance(1.0)
    rig.feed({"temp": 95.0})
    acts = [d["alarm"] for d in rig.alarm_events() if d["action"] == "activate"]
    assert acts == ["temp.hihi"]
    assert rig.engine.summary().suppressed == 1
    sup = [d for d in rig.alarm_events("temp.hi") if d["action"] == "suppress"]
    assert sup and "HiHi of the same tag stands" in sup[-1]["reason"]


def test_the_hi_first_out_is_named_by_the_trip_after_the_hihi_hid_it():
    """The filler vibration case: Hi, then HiHi (the Hi goes to Suppressed), then the trip: the trip
    still names the Hi as its first-out."""
    rig = _rig(0.0, 0.0)
    rig.feed({"temp": 75.0})
    rig.advance(10.0)
    rig.feed({"temp": 90.0})
    assert rig.state("temp.hi") == AlarmState.SUPPRESSED and rig.state("temp.hihi") == AlarmState.UNACKED
    rig.advance(5.0)
    rig.feed({"filler.state": 4})
    trip = rig.engine.record("filler.faulted")
    assert trip.first_out_of == "temp.hi" and "first-out: temp Hi 75" in trip.message


def test_a_restart_keeps_the_hi_under_its_standing_hihi():
    rig = _rig(0.0, 0.0)
    rig.feed({"temp": 75.0})
    rig.advance(1.0)
    rig.feed({"temp": 90.0})
    again: Any = Rig(
        [
            {"id": "temp", "type": "analog", "tag": "temp"},
            {"id": "level", "type": "analog", "tag": "level"},
            TRIP,
        ]
    )
    again.clock.t = rig.clock.t
    again.engine.restore(rig.journal)
    assert again.state("temp.hi") == AlarmState.SUPPRESSED and again.state("temp.hihi") == AlarmState.UNACKED
    again.advance(1.0)
    again.feed({"temp": 78.0})  # the HiHi clears: the Hi, still passed, is annunciated again
    assert again.state("temp.hi") == AlarmState.UNACKED and not again.engine.record("temp.hihi").active
