"""No figure for a period without record (qa7 G35).

Production's "Previous shift" for a shift LineHMI never recorded read "good 0 · Downtime 0.0 min ·
Failures 0": zeros that say "we made nothing and lost nothing" of a shift nobody saw. Every range's
figures know how much of the range was recorded (`OeeFigures.recorded_s`); a range with none reads
"not recorded" (`text.or_unrecorded`) in the Production view, the shift report and the assistant,
and a range recorded in part says how much (`text.recorded_share`).
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.production.oee import LINE, ProductionAnalysis
from hmi.core.production.text import NOT_RECORDED, or_unrecorded, recorded_share
from tests.production_helpers import RUNNING, T0, demo_setup, machine

SETUP = demo_setup()
H = 3600.0
END = 16 * H  # 06:00 to 22:00: the early and the late shift


def _analysis(stretches: list[tuple[float, float]]) -> tuple[ProductionAnalysis, list[tuple[float, float]]]:
    """The line running all day, recorded only in `stretches` (seconds after 06:00)."""
    gaps: list[tuple[float, float]] = []
    prev = -math.inf
    for a, b in sorted(stretches):
        if T0 + a > prev:
            gaps.append((prev, T0 + a))
        prev = T0 + b
    gaps.append((prev, math.inf))
    data = {m: machine([(0.0, RUNNING)]) for m in SETUP.ids}
    return ProductionAnalysis.build(SETUP, data, T0, T0 + END, [], gaps=gaps), gaps


def _measure(a: float, b: float, gaps: list[tuple[float, float]]) -> float:
    """Seconds of [a, b) outside the gaps."""
    covered, lo = 0.0, a
    for x, y in sorted(gaps):
        x, y = max(x, lo), min(y, b)
        if y > x:
            covered += y - x
            lo = y
    return (b - a) - covered


STRETCHES = st.lists(
    st.tuples(st.floats(0, END - 60), st.floats(1, 3 * H)).map(lambda p: (p[0], min(END, p[0] + p[1]))),
    min_size=1,
    max_size=4,
).map(lambda xs: _disjoint(xs))


def _disjoint(xs: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(xs):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


@settings(max_examples=40, deadline=None)
@given(stretches=STRETCHES)
def test_every_range_knows_how_much_of_it_was_recorded_and_an_unrecorded_one_has_no_figures(stretches):
    analysis, gaps = _analysis(stretches)
    ranges = [(T0 + k * H, T0 + (k + 1) * H) for k in range(16)]  # every hour
    ranges += [(T0, T0 + 8 * H), (T0 + 8 * H, T0 + 16 * H)]  # both shifts
    for a, b in ranges:
        for scope in (LINE, *SETUP.ids):
            f = analysis.oee(scope, a, b)
            want = _measure(a, b, gaps)
            assert abs(f.seen_s - want) < 1e-3, (scope, a - T0, f.seen_s, want)
            nothing = want < 0.5
            assert f.nothing_recorded == nothing
            for text in ("0", "0.0 min", "—"):
                assert (or_unrecorded(f, text) == NOT_RECORDED) == nothing
            share = recorded_share(f)
            if nothing:
                assert share.startswith(NOT_RECORDED)
            elif want < (b - a) - 0.5:
                assert share.endswith("recorded") and not share.startswith(NOT_RECORDED), share
            else:
                assert share == ""
