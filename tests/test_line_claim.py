"""The status strip's claim about the machines matches their states, for every combination.

Seen before: "LINE RUNNING · no machine holding the line" while the filler was faulted (the capper,
the constraint, still ran from its buffer, and the text was chosen from the line state alone).
Here every machine of the demo line takes every state value (and Bad), as a fresh or an older stop,
outside and inside a planned break; the strip's text (LineStatus.claim, what the strip shows) must
say "all machines running" exactly when they all run, name every machine that does not run with the
right word, and never name a running machine as holding or stopped.
"""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.production.holding import ALL_RUNNING
from hmi.core.production.oee import ProductionAnalysis
from tests.production_helpers import (
    BAD,
    CHANGEOVER,
    FAULTED,
    IDLE,
    RUNNING,
    STARTING,
    STOPPED,
    T0,
    demo_setup,
    machine,
)

SETUP = demo_setup()
IDS = SETUP.ids  # filler, capper, labeller, conveyor
VALUES = (STOPPED, STARTING, RUNNING, IDLE, FAULTED, CHANGEOVER, BAD)
# What the demo config maps each value to (resources/demo_line.toml [production.states]), in words.
WORD = {
    STOPPED: "stopped",  # an operator's stop: planned only when a planned reason says so
    STARTING: "stopped",
    FAULTED: "stopped",
    CHANGEOVER: "changeover",
    IDLE: "waiting",
    BAD: "state unknown",
}
OWN_STOP = {STOPPED, STARTING, FAULTED, CHANGEOVER}
CATEGORY_VALUES = (STOPPED, RUNNING, IDLE, FAULTED, CHANGEOVER, BAD)
BREAKFAST = 3 * 3600 + 2 * 60  # 09:02, inside the 09:00-09:15 break


def _status(final: tuple[int, ...], ago: float, at: float):
    """Every machine ran from the shift start; `ago` seconds before `at` each took its final state."""
    now = T0 + at
    data = {
        mid: machine([(0.0, RUNNING), (at - ago, v)], fault=None) for mid, v in zip(IDS, final, strict=True)
    }
    return ProductionAnalysis.build(SETUP, data, T0, now, live=True).status(now)


def _named(text: str, mid: str) -> list[str]:
    """The parts of the claim that name `mid`: 'held by mid' or the word of its group."""
    out = []
    for part in text.split(" · "):
        if part.startswith(f"held by {mid}:"):
            out.append("held")
            continue
        word, _, names = part.partition(": ")
        if any(n == mid or n.startswith(f"{mid} – ") for n in names.split(", ")):
            out.append(word)
    return out


def _check(final: tuple[int, ...], ago: float, at: float) -> None:
    status = _status(final, ago, at)
    text = status.claim
    assert (text == ALL_RUNNING) == all(v == RUNNING for v in final), (final, text)
    for mid, v in zip(IDS, final, strict=True):
        named = _named(text, mid)
        if v == RUNNING:
            assert named == [], (final, text)  # a running machine is neither holding nor stopped
        elif named == ["held"]:
            assert status.holding_machine == mid and v in OWN_STOP | {BAD}, (final, text)
        else:
            assert named == [WORD[v]], (mid, final, text)
    # The line state (hmi.core.production.line_rule): not running while any machine in series is in
    # a stop of its own, nor while the constraint or the output machine is not running.
    capper = final[IDS.index(SETUP.constraint)]
    output = final[IDS.index(SETUP.output)]
    if status.state == "running":
        assert capper == RUNNING and output == RUNNING, (final, text)
        assert not OWN_STOP & set(final), (final, text)
    if OWN_STOP & set(final):
        assert status.state != "running" and status.holding_machine, (final, text)


def test_the_strip_claim_matches_every_combination_of_machine_states():
    """Every combination of one state value per category (STARTING is FAULTED's category), with a
    stop that began 5 s ago (ongoing: neither short nor long yet)."""
    for final in itertools.product(CATEGORY_VALUES, repeat=len(IDS)):
        _check(final, 5.0, 600.0)


@settings(max_examples=150, deadline=None)
@given(
    st.tuples(*[st.sampled_from(VALUES)] * 4),
    st.sampled_from([(120.0, 600.0), (30.0, BREAKFAST), (200.0, BREAKFAST)]),
)
def test_older_stops_and_stops_in_a_planned_break_are_said_too(final, when):
    _check(final, *when)


def test_the_filler_faulted_while_the_capper_runs_on_is_said():
    """The example seen on screen: the line still 'running' from the buffer. The filler is in series:
    the line is stopped, held by it, from its trip on."""
    st = _status((FAULTED, RUNNING, RUNNING, RUNNING), 10.0, 600.0)
    assert st.state == "stopped" and st.since_s == 10.0
    assert st.claim.startswith("held by filler: ") and "no machine" not in st.claim


def test_the_labeller_tripped_while_the_capper_fills_its_buffer_is_a_stopped_line():
    """Walkthrough D-6a: the labeller (output machine) tripped, the capper (constraint) ran on into
    its buffer for 24 s; the strip said LINE RUNNING all that time."""
    st = _status((RUNNING, RUNNING, FAULTED, RUNNING), 12.0, 600.0)
    assert st.state == "stopped" and st.holding_machine == "labeller" and st.since_s == 12.0
    assert st.claim.startswith("held by labeller: ")
