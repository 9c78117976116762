"""The status strip's good/due and unknown-time wording says what it counts and over what window,
plainly (QA4: "good 528 of 612,000 · due 563 in the 0 min seen" at a shift's start, and
"late shift so far (1 h 38 min unknown)").

Every duration the strip writes reads back to the time it stands for (rounded down, never "0 min"
for seconds), a due count is written only over a time that was seen, and the target is named.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.production.oee import ProductionAnalysis
from hmi.core.production.text import duration_words, good_and_due, rate_text, unknown_part
from hmi.core.production.timecat import TimeCat
from tests.production_helpers import T0
from tests.test_production_core import random_line


def seconds_of(words: str) -> tuple[int, int]:
    """'28 s' / '12 min' / '1 h 38 min' -> (seconds, the rounding step)."""
    if m := re.fullmatch(r"(\d+) s", words):
        return int(m[1]), 1
    if m := re.fullmatch(r"(\d+) min", words):
        return 60 * int(m[1]), 60
    m = re.fullmatch(r"(\d+) h (\d\d) min", words)
    assert m, words
    return 3600 * int(m[1]) + 60 * int(m[2]), 60


@given(st.floats(0, 3 * 86400))
def test_a_duration_reads_back_to_its_time_and_is_never_zero_minutes(s):
    words = duration_words(s)
    v, step = seconds_of(words)
    assert v <= s < v + step
    assert not words.startswith("0 min") and not words.startswith("0 h")


@given(
    st.floats(0, 1e6) | st.none(),
    st.floats(0, 1e6),
    st.floats(0, 1e6),
    st.floats(0, 8 * 3600),
    st.floats(0, 8 * 3600),
)
def test_the_due_count_is_said_with_the_time_it_is_due_over(good, target, due, seen, unknown):
    text = good_and_due(good, target, due, seen, unknown)
    assert text.startswith("good ") and text.endswith(f" · shift target {target:,.0f}")
    if unknown < 60.0:
        assert f"· due {due:,.0f} by now" in text
    elif seen < 1.0:
        assert "nothing due yet" in text and "due in" not in text
    else:
        m = re.search(r"due [\d,]+ in the (.+) seen", text)
        assert m and seconds_of(m[1])[0] <= seen < seconds_of(m[1])[0] + seconds_of(m[1])[1]
    assert " 0 min" not in text


def test_the_qa4_shift_start():
    """28 s into the shift, with the hours before it unseen: no "0 min", no count over no time."""
    text = good_and_due(528, 612_000, 563, 28.0, 98 * 60)
    assert text == "good 528 · due 563 in the 28 s seen: 35 behind · shift target 612,000"
    assert good_and_due(0, 612_000, 0, 0.0, 98 * 60).startswith("good 0 · nothing due yet")
    assert unknown_part(98 * 60, 8 * 3600) == "line state unknown for 1 h 38 min"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=random_line(), at=st.floats(0.0, 1.0))
def test_the_strip_figures_of_random_lines_read_plainly(line, at):
    setup, data, span = line
    now = T0 + 1.0 + span * at
    status = ProductionAnalysis.build(setup, data, T0, now, live=True).status(now)
    seen = status.seen_s
    text = good_and_due(status.good, status.target, status.target_so_far, seen, status.unknown_s)
    assert " 0 min" not in text and " 0 s seen" not in text
    if "nothing due" in text:
        assert status.target_so_far == 0 or seen < 1.0
    part = unknown_part(status.shift.time(TimeCat.UNKNOWN), status.shift.period_s)
    assert part == "" or part.startswith("line state unknown ")


@settings(max_examples=300, deadline=None)
@given(
    rate=st.one_of(st.none(), st.floats(0, 20_000)),
    window=st.sampled_from([60.0, 120.0, 300.0]),
    unknown=st.floats(0, 1),
    unrecorded=st.floats(0, 1),
)
def test_the_rate_always_says_its_window(rate, window, unknown, unrecorded):
    """qa9 Q9-3: "rate 167/min · ideal 400/min (over the 20 s recorded)" at start-up, a minute
    later "rate 138/min · ideal 400/min" over no window said. Whatever is known of the window, the
    rate says over what time it counts: the part recorded, or the last N min."""
    unrec = unrecorded * window
    text = rate_text(rate, 400.0, max(unrec, unknown * window), unrec, window)
    m = re.search(r"over the (?:last )?(\d+ s|\d+ min|\d+ h \d\d min)(?: recorded)?\b", text)
    assert m, text
    said, _step = seconds_of(m[1])
    if "recorded" in m[0]:
        assert said <= window - unrec + 1e-6, text
    else:
        assert said == window, text
