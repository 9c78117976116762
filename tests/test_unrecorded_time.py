"""Time LineHMI did not record is never counted as run time, never named as time seen, and never
explained as a Bad state tag (qa6 N2, N9, F13).

qa6 saw, seconds after start-up: "OEE 5.9 % · A 100.0 % · P 5.9 %" at "running for 00:00" (the state
read at start-up carries the server's source time, a minute before: that minute was run time with no
units counted in it), "good 16 of 75 due in the 30 min seen" (a break in the shift's unrecorded past
counted as time seen) and "state unknown for 272.1 min (state tag Bad or missing)" for the hours
before LineHMI ran, when no tag was Bad.

Each property feeds the analysis what a LineHMI started at a random moment `r` of a random line's
history would have recorded: each state's last value before `r` with the server's source time (before
`r`), then every change; counter samples from `r` on; the record's start as a gap (-inf, r), the
production code's own rule (journal_io.observation_gaps from_start).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.production.journal_io import Series, line_data
from hmi.core.production.oee import LINE, ProductionAnalysis
from hmi.core.production.text import good_and_due, unknown_part
from hmi.core.production.timecat import APT_CATS, TimeCat
from hmi.core.production.timeline import MachineData
from tests.production_helpers import RUNNING, T0, counting, demo_setup, machine
from tests.test_production_core import random_line
from tests.test_strip_wording import seconds_of

H = 3600.0


def seen_from(setup, data: dict[str, MachineData], r: float) -> dict[str, Series]:
    """What a LineHMI started at `r` records of the line `data`."""
    out: dict[str, Series] = {}
    for m in setup.machines:
        d = data[m.id]
        s = d.state
        before = np.flatnonzero(s.ts <= r)
        keep = s.ts > r
        if before.size:
            keep[before[-1]] = True  # the value at start-up, with its source time (before r)
        out[m.state_tag] = (s.ts[keep], s.value[keep], s.ok[keep])
        for tag, tr in ((m.good_counter, d.good), (m.reject_counter, d.reject), (m.total_counter, d.total)):
            if tag and tr is not None and len(tr):
                k = tr.ts >= r
                out[tag] = (tr.ts[k], tr.cum[k], np.ones(int(k.sum()), dtype=bool))
    return out


def recorded_analysis(setup, data, r: float, now: float) -> ProductionAnalysis:
    gaps = [(-math.inf, r)]
    return ProductionAnalysis.build(
        setup, line_data(setup, seen_from(setup, data, r), gaps), T0, now, live=True, gaps=gaps
    )


def unrecorded_planned(setup, a: float, b: float) -> float:
    """Seconds of [a, b) outside the planned breaks (time in a break is planned break, recorded or not)."""
    if b <= a:
        return 0.0
    return (b - a) - sum(max(0.0, min(y, b) - max(x, a)) for x, y, _ in setup.calendar.breaks_between(a, b))


def true_run_s(an: ProductionAnalysis, machine: str, a: float, b: float) -> float:
    """The machine's run time in [a, b) by the analysis of the whole line (everything recorded)."""
    cats = an.timeline.tcat[an.timeline.index(machine)]
    w = an.timeline.overlap(a, b)
    return float(sum(w[cats == int(k)].sum() for k in APT_CATS))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=random_line(), start=st.floats(0.0, 0.9), at=st.floats(0.0, 1.0), cut=st.floats(0.0, 1.0))
def test_p_and_a_never_count_time_before_linehmi_started(line, start, at, cut):
    setup, data, span = line
    r = T0 + span * start
    now = r + 1.0 + (T0 + span - r - 1.0) * at
    an = recorded_analysis(setup, data, r, now)
    whole = ProductionAnalysis.build(setup, data, T0, now, live=True)
    a = T0 + (now - T0) * cut
    for scope in [LINE, *setup.ids]:
        fig = an.oee(scope, a, now)
        counter = setup.constraint if scope == LINE else scope
        # P's run time lies in the recorded part of the range, and within the machine's run there.
        assert fig.count_run_s <= true_run_s(whole, counter, max(a, r), now) + 1e-6, scope
        # A: nothing before the start is in the planned busy time (it is unknown, not recorded).
        assert fig.planned_busy_s <= now - max(a, r) + 1e-6
        assert fig.unrecorded_s == pytest.approx(unrecorded_planned(setup, a, min(r, now)), abs=1e-6), (
            scope,
            fig.unrecorded_s,
            unrecorded_planned(setup, a, min(r, now)),
            a - T0,
            r - T0,
            now - T0,
            fig.times,
        )
        # Every machine of random_line counts at most its ideal rate (whole units: one ahead at worst).
        assert not fig.ideal_exceeded, (scope, fig.count_units, fig.count_run_s)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.floats(0.0, 7.5 * H), secs=st.floats(0.0, 600.0), sampled_before=st.floats(1.0, 3 * H))
def test_a_line_running_at_its_ideal_rate_reads_p_near_100_from_the_first_seconds(
    start, secs, sampled_before
):
    """qa6 N9: the whole line runs at the ideal rate; the state was last written `sampled_before`
    seconds before LineHMI started. P is "—" until two counter samples are in, then near 100 %."""
    setup = demo_setup()
    r = T0 + start
    first = max(-120.0, start - sampled_before)
    data = {
        mid: machine([(first, RUNNING)], counters=counting([(first, 8 * H)], 400, 0, 8 * H, mid))
        if setup.machine(mid).ideal_rate
        else machine([(first, RUNNING)])
        for mid in setup.ids
    }
    now = r + secs + 0.5
    an = recorded_analysis(setup, data, r, now)
    fig = an.status(now).shift
    assert fig.performance is None or fig.performance >= 0.85, (secs, fig.performance, fig.count_run_s)
    if secs >= 3.0:
        assert fig.performance is not None and fig.performance >= 0.85
    assert fig.availability is None or fig.availability == pytest.approx(1.0)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=random_line(), start=st.floats(0.0, 0.95), at=st.floats(0.0, 1.0))
def test_the_strip_names_the_time_it_saw_and_never_blames_a_tag_for_time_not_recorded(line, start, at):
    """The window the due count is over is recorded planned time (breaks are not planned time),
    never more than LineHMI ran; unknown time before the start is "not recorded", not a Bad tag."""
    setup, data, span = line
    r = T0 + span * start
    now = r + 1.0 + (T0 + span - r - 1.0) * at
    st_ = recorded_analysis(setup, data, r, now).status(now)
    ran = now - max(r, st_.shift_start)
    breaks = sum(
        max(0.0, min(b, now) - max(a, r)) for a, b, _ in setup.calendar.breaks_between(st_.shift_start, now)
    )
    assert st_.seen_s <= ran - breaks + 1e-6
    text = good_and_due(st_.good, st_.target, st_.target_so_far, st_.seen_s, st_.unknown_s)
    if m := re.search(r"due [\d,]+ in the (.+) seen", text):
        v, step = seconds_of(m[1])
        assert v <= st_.seen_s < v + step  # the window named is the one the due count is over
    fig = st_.shift
    unrecorded = unrecorded_planned(setup, st_.shift_start, min(r, now))
    assert fig.unrecorded_s == pytest.approx(unrecorded, abs=1e-6)
    part = unknown_part(fig.time(TimeCat.UNKNOWN), fig.period_s, fig.unrecorded_s)
    flags = " ".join(fig.flags)
    if unrecorded >= 60.0:
        assert "not recorded" in part and "not recorded for" in flags and "LineHMI not running" in flags
    # Time not recorded is never put down to a state tag.
    if fig.unknown_recorded_s <= 0.0:
        assert "state tag Bad" not in flags
    if fig.unknown_recorded_s < 0.5:
        assert "line state unknown" not in part


@given(
    st.floats(0, 1e6) | st.none(),
    st.floats(0, 1e6),
    st.floats(0, 1e6),
    st.floats(0, 8 * 3600),
    st.floats(0, 8 * 3600),
)
def test_good_against_due_says_ahead_or_behind_never_of(good, target, due, seen, unknown):
    """qa6 F4: "good 1,128 of 1,025 due" read as more than all; the due count is the plan by now."""
    text = good_and_due(good, target, due, seen, unknown)
    assert " of " not in text.split(" · shift target")[0]
    m = re.search(r": ([\d,]+) (ahead|behind)$|: on plan$", text.split(" · shift target")[0])
    if good is None or (unknown >= 60.0 and seen < 1.0):
        assert m is None
        return
    assert m, text
    diff = round(good) - round(due)
    if m[1] is None:
        assert diff == 0
    else:
        assert int(m[1].replace(",", "")) == abs(diff) and (m[2] == "ahead") == (diff > 0)
