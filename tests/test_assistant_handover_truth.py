"""The shift handover states only what the production model says (qa9 Q9-11, Q9-12): its stops, their
category and reason are the Production view's Stops table's, its downtime the Production view's (short
stops are speed loss, not downtime), and a remaining life is worded as the faceplate words it.

qa9 saw "Filler planned at 00:44:38" (the state tag's OEE category read as the stop's) beside a
Production view that called the same start-up stop "unplanned short, short stop (speed loss)", and
"Downtime (stopped or faulted): Filler 10 s" beside "Downtime 0.0 min". Properties over random state
sequences written as the state tags' samples (the journal builder of test_assistant_line_downtime)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.production.journal_io import analyse_journal
from hmi.core.production.oee import LINE
from hmi.core.production.setup import ProductionSetup
from inference.assistant.handover import build_handover
from inference.assistant.tools.context import ModelScope
from inference.assistant.tools.fmt import fmt_duration
from inference.fault.readout_text import DEFAULT_RUL_CAP_S, rul_text
from tests.helpers.assistant_journals import (
    MACHINES,
    RUNNING,
    SPAN,
    T0,
    journal_of,
    state_changes,
    state_journal,
    tools_of,
)

NAMES = {"filler": "Filler", "capper": "Capper", "labeller": "Labeller", "conveyor": "Conveyor"}
_PLANNED = re.compile(r"(?<!un)planned", re.IGNORECASE)


def _stops_section(changes: dict[str, list[tuple[float, float]]]):
    with tempfile.TemporaryDirectory() as d:
        path = state_journal(Path(d), changes)
        tools = tools_of(path)
        ho = build_handover(tools)
        model = analyse_journal(
            [path], ho.start, ho.end, ProductionSetup.from_config(load_config(DEMO_CONFIG))
        )
    (sec,) = [s for s in ho.sections if s.title == "Stops and causes"]
    return tools, ho, model, [it.text for it in sec.items]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(state_changes)
def test_every_stop_and_downtime_figure_of_the_handover_is_the_production_models(changes):
    tools, ho, model, items = _stops_section(changes)
    a, b = ho.start, ho.end
    stops = [s for s in model.stops if s.start < b and s.end > a]
    stop_items = [t for t in items if not t.startswith(("Downtime", "Time stopped", "No stops"))]
    # One item per stop of the model, in the Stops table's words: start, end, category, reason.
    assert len(stop_items) == len(stops), (items, stops)
    for s in stops:
        kind = f"{s.category}{' short' if s.short else ''}"
        reason = s.reason or s.auto_reason or s.without_reason
        want = (
            # Still stopped at the handover's end: no end time, how long so far (qa11 Q11-5).
            f"{NAMES[s.machine]} still stopped since {tools.fmt_t(s.start)} "
            f"({fmt_duration(s.end - s.start)} so far at {tools.fmt_t(s.end)}, {kind}, {reason})"
            if s.still_stopped
            else f"{NAMES[s.machine]} stop {tools.fmt_t(s.start)}–{tools.fmt_t(s.end)} "
            f"({fmt_duration(s.end - s.start)}, {kind}, {reason})"
        )
        assert any(t.startswith(want) for t in stop_items), (want, items)
    # "planned" only where the model says so (a planned stop, or one inside a planned break).
    said_planned = any(s.category == "planned" or "planned" in s.without_reason for s in stops)
    if not said_planned:
        assert not any(_PLANNED.search(t) for t in items), items
    # Downtime: the Production view's, per machine and for the line, and what it counts is said.
    (down,) = [t for t in items if t.startswith("Downtime")]
    assert "short stops are speed loss, not downtime" in down, down
    assert f"line {fmt_duration(model.oee(LINE).downtime_s)};" in down, down
    for m in MACHINES:
        assert f"{NAMES[m]} {fmt_duration(model.oee(m, a, b).downtime_s)}" in down, down
    assert not any("stopped or faulted" in t for t in items), items
    # Time stopped (short stops included) only ever follows labelled as such.
    for t in items:
        if t.startswith("Time stopped"):
            assert "short stops included" in t, t
            for m in MACHINES:
                secs = sum(min(s.end, b) - max(s.start, a) for s in stops if s.machine == m)
                if round(secs):
                    assert f"{NAMES[m]} {fmt_duration(round(secs))}" in t, (t, secs)


def test_qa9_start_up_stops_are_unplanned_short_stops_not_planned_ones():
    # qa9 Q9-11: every machine Stopped for a few seconds after start (the demo's "Stopped" is
    # planned_stop in its state map), then Running.
    changes = {m: [(0.0, 0.0), (4.0 + 2 * i, RUNNING), (120.0, RUNNING)] for i, m in enumerate(MACHINES)}
    _, _ho, model, items = _stops_section(changes)
    assert model.stops and all(s.category == "unplanned" and s.short for s in model.stops)
    assert not any(_PLANNED.search(t) for t in items), items
    assert all("unplanned short, short stop (speed loss)" in t for t in items[: len(MACHINES)]), items
    assert "Filler 0 s, Capper 0 s" in " ".join(items), items


def _risk_journal(d: Path, risk: dict[str, tuple[float, float]]) -> Path:
    """A journal of Running machines whose fault model last predicted (risk %, RUL s) per machine,
    a second before the handover's end (a prediction older than the model's refresh reads "(old,
    …)" with no remaining life, on the faceplate and in the handover alike: qa9 Q9-1)."""
    rows = [(f"{m}.state", T0 + 1, RUNNING) for m in MACHINES]
    for m, (r, rul) in risk.items():
        rows += [(f"{m}.fault_risk", T0 + SPAN - 1, r), (f"{m}.predicted_rul", T0 + SPAN - 1, rul)]
    return journal_of(d, rows, [])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries(
        {m: st.tuples(st.floats(0, 100), st.floats(0, 2 * DEFAULT_RUL_CAP_S)) for m in MACHINES}
    ),
    st.sampled_from([(DEFAULT_RUL_CAP_S, 0.42), (300.0, 0.3), (1200.0, 0.6)]),
)
def test_a_remaining_life_in_the_handover_reads_as_the_faceplate_reads_it(risk, card):
    # qa9 Q9-12: "remaining useful life about 9 min 55 s" beside the faceplate's "RUL > 10 min".
    cap, least = card
    with tempfile.TemporaryDirectory() as d:
        tools = tools_of(_risk_journal(Path(d), risk))
        tools.fault_model = ModelScope("bearing failure", "bearing failure", cap, least)
        ho = build_handover(tools)
        answer = tools.run("fault_risk").summary
    (sec,) = [s for s in ho.sections if s.title == "Maintenance risks"]
    items = {it.text.split(":", 1)[0]: it.text for it in sec.items}
    for m, (r, rul) in risk.items():
        # The faceplate's words (MachineRisk.rul_text: the same function with the card's figures).
        want = f"remaining useful life {rul_text(rul, cap, r / 100.0, least)}"
        assert want in items[NAMES[m]], (want, items[NAMES[m]])
        assert want in answer, (want, answer)
        if rul >= cap * 0.95 and r / 100.0 >= least:  # a low risk states no life, cap or not (qa11)
            assert f"> {fmt_duration(cap)}" in items[NAMES[m]] or ">" in items[NAMES[m]], items[NAMES[m]]
    assert "about" not in " ".join(items.values()), items
