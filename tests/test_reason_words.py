"""A stop reason has one wording, made in one place, and code never reads it back (qa7 G7).

The strip and the Production view said "held by capper: U-JAM Jam" (the code printed in front
of the same words), and the strip's line state parsed the reason's code back out of the first
word of that text. The words are now `ProductionSetup.reason_text` ("Jam (U-JAM)") on the strip,
in the Production view's stops table and Pareto, in the review's stop list and in the shift
report; the code travels as a field of its own (`MachineNow.reason_code`, `Stop.reason`).
"""

from __future__ import annotations

import dataclasses
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.live_values import LiveValues
from hmi.core.production.holding import MachineNow
from hmi.core.production.journal_io import summarise
from hmi.core.production.line_now import line_state_now, live_status
from hmi.core.production.oee import ProductionAnalysis
from hmi.core.production.setup import Cat
from hmi.core.quality import GOOD
from hmi.core.samples import SampleBatch
from tests.production_helpers import FAULTED, RUNNING, T0, demo_setup, faults, machine

CONFIG = load_config(DEMO_CONFIG)
BASE = demo_setup()
CODES = list(BASE.reasons)
STATE_OF = {"unplanned": "stopped", "planned": "planned stop", "changeover": "changeover"}
START = 1800.0  # 06:30 in the early shift, no break near


def _setup_with(texts: list[str], cats: list[str]):
    reasons = [
        {**r, "text": texts[k % len(texts)], "category": cats[k % len(cats)]}
        for k, r in enumerate(BASE.snapshot["production"]["reasons"])
    ]
    # The changeover default must stay a changeover reason (the config check).
    for r in reasons:
        if r["code"] == BASE.changeover_reason:
            r["category"] = "changeover"
    return demo_setup(reasons=reasons)


def _no_code_before_its_words(text: str, setup) -> None:
    for code, r in setup.reasons.items():
        assert f"{code} {r.text}" not in text, text
        if code in text:
            assert f"{r.text} ({code})" in text, text


# Reason texts as people write them, some starting with another reason's code.
TEXT = st.one_of(
    st.sampled_from(["Jam", "Bearing failure", "Cap chute empty", "Over-temperature trip"]),
    st.builds(lambda c, w: f"{c} {w}", st.sampled_from(CODES), st.sampled_from(["again", "after a jam"])),
)


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(TEXT, min_size=1, max_size=4),
    cats=st.lists(st.sampled_from(["unplanned", "planned", "changeover"]), min_size=1, max_size=3),
    fault=st.sampled_from([1, 2, 3, 4, 5]),
    holder=st.sampled_from(["filler", "capper", "labeller"]),
)
def test_the_strip_says_the_reason_once_in_its_words_and_decides_by_its_code(texts, cats, fault, holder):
    setup = _setup_with(texts, cats)
    code = setup.machine(holder).fault_reasons[fault]
    reason = setup.reasons[code]
    # The analysis (2 s old) has every machine running; the trip with its fault code arrives live.
    now = T0 + START
    data = {mid: machine([(START - 600.0, RUNNING)]) for mid in setup.ids}
    analysed = ProductionAnalysis.build(setup, data, T0, now - 2.0, live=True).status(now - 2.0)
    live = LiveValues(CONFIG)
    for mid in setup.ids:
        m = setup.machine(mid)
        idx = [live.index[m.state_tag], live.index[m.fault_tag]]
        value, fc, ts = (FAULTED, fault, now - 0.5) if mid == holder else (RUNNING, 0, now - 600.0)
        live.apply(SampleBatch.from_columns(idx, [ts, ts], [ts, ts], [ts, ts], [value, fc], [GOOD, GOOD]))
    status = live_status(analysed, setup, live, now)
    assert status is not None
    assert status.state == STATE_OF[reason.category], (status.state, reason)
    assert status.holding_reason == setup.reason_text(code) == f"{reason.text} ({code})"
    assert status.claim.startswith(f"held by {holder}: {reason.text} ({code})"), status.claim
    held = next(m for m in status.machines if m.machine == holder)
    assert held.reason_code == code
    # The analysis that catches up says the same.
    data[holder] = machine(
        [(START - 600.0, RUNNING), (START - 0.5, FAULTED)], fault=faults([(START - 0.5, fault)])
    )
    caught_up = ProductionAnalysis.build(setup, data, T0, now, live=True)
    st_ = caught_up.status(now)
    assert (st_.holding_machine, st_.holding_reason) == (holder, setup.reason_text(code))
    assert next(m for m in st_.machines if m.machine == holder).reason_code == code
    # The Production view's stops table and Pareto, the review's stop list and the report: the same words.
    stops = [s for s in caught_up.stops if s.machine == holder and s.reason == code]
    assert stops and all(s.reason_label(setup) == setup.reason_text(code) for s in stops)
    pareto = [p for p in caught_up.pareto() if p.reason == code]
    assert all(p.text == setup.reason_text(code) for p in pareto)
    summary = summarise(caught_up)
    assert all(summary.reason_label(s) == setup.reason_text(code) for s in stops)


def test_the_line_state_comes_from_the_typed_code_not_from_the_words():
    """Words that begin with another reason's code (or with none) never decide the category."""
    setup = demo_setup(
        reasons=[
            {**r, "category": "planned" if r["code"] == "U-JAM" else r["category"]}
            for r in BASE.snapshot["production"]["reasons"]
        ]
    )
    planned = "U-JAM"
    words = "U-BEARING first, then a planned stop"  # begins with an unplanned reason's code
    machines = [MachineNow(mid, Cat.RUNNING) for mid in setup.ids]
    machines[1] = MachineNow(setup.ids[1], Cat.UNPLANNED, words, planned)
    state, holder, reason = line_state_now(setup, machines, None, False)
    assert (state, holder, reason) == ("planned stop", setup.ids[1], words)
    machines[1] = dataclasses.replace(machines[1], reason="Jam", reason_code="U-BEARING")
    assert line_state_now(setup, machines, None, False)[0] == "stopped"


def test_the_reason_words_put_the_text_first_everywhere_in_the_demo_tree():
    for code, r in BASE.reasons.items():
        words = BASE.reason_text(code)
        assert words == f"{r.text} ({code})"
        assert not re.match(rf"{re.escape(code)}\b", words)
        _no_code_before_its_words(words, BASE)
    assert BASE.reason_text("") == "unclassified"
    assert BASE.reason_text("X-NONE") == "X-NONE (not in the reason tree)"
