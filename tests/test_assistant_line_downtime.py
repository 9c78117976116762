"""The line's downtime and the machines' stops come from the production model (qa7 G15, G37): the
assistant's "how long was the line down" is the Production view's Line row, ProductionAnalysis.oee(LINE)
downtime, never the machines' overlapping stops added up; a machine's stops are the Stops tab's, short
ones included. Property over random state sequences written as the state tags' samples."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.journal import Journal
from hmi.core.production.journal_io import analyse_journal
from hmi.core.production.oee import LINE
from hmi.core.production.setup import ProductionSetup
from hmi.core.samples import SampleBatch
from inference.assistant.assistant import Assistant
from inference.assistant.catalog import Catalog
from inference.assistant.journal_access import JournalSource
from inference.assistant.timeparse import ShiftCalendar
from inference.assistant.tools import PlantTools
from inference.assistant.tools.fmt import fmt_duration

T0 = dt.datetime(2026, 5, 4, 8, 0, 0, tzinfo=dt.UTC).timestamp()
SPAN = 1800.0
MACHINES = ("filler", "capper", "labeller", "conveyor")
RUNNING = 2.0
_STATE = st.sampled_from([2.0, 2.0, 2.0, 0.0, 1.0, 3.0, 4.0])  # mostly Running


def _journal(d: Path, changes: dict[str, list[tuple[float, float]]]) -> Path:
    cfg = load_config(DEMO_CONFIG)
    idx = cfg.tag_index()
    rows = [(f"{m}.state", T0 + 1 + t, v) for m, ch in changes.items() for t, v in ch]
    rows.sort(key=lambda r: r[1])
    j = Journal(cfg, d, clock=lambda: T0).open()
    ts = np.array([r[1] for r in rows])
    j.write_samples(
        SampleBatch.from_columns(
            np.array([idx[r[0]] for r in rows], dtype=np.int32),
            ts,
            ts,
            ts,
            np.array([r[2] for r in rows]),
            np.zeros(len(rows), dtype=np.uint32),
        )
    )
    j.flush()
    j.close()
    return j.path


def _tools(path: Path) -> PlantTools:
    cfg = load_config(DEMO_CONFIG)
    return PlantTools(
        Catalog.from_config(cfg),
        JournalSource([path]),
        ShiftCalendar(tz=dt.UTC),
        now=T0 + SPAN,
        production=ProductionSetup.from_config(cfg),
    )


_changes = st.fixed_dictionaries(
    {
        m: st.lists(st.tuples(st.floats(0, SPAN - 10), _STATE), min_size=1, max_size=8).map(
            lambda ch: [(0.0, RUNNING), *sorted(ch)]
        )
        for m in MACHINES
    }
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_changes)
def test_the_line_downtime_is_the_production_models_line_row(changes):
    with tempfile.TemporaryDirectory() as d:
        path = _journal(Path(d), changes)
        tools = _tools(path)
        ans = Assistant(tools).answer("how long was the line stopped in total this shift?")
        a, b = tools.range_of(None, None)
        want = analyse_journal([path], a, b, ProductionSetup.from_config(load_config(DEMO_CONFIG))).oee(LINE)
    assert ans.tool_calls and ans.tool_calls[0].name == "machine_states", ans.text
    assert ans.results[0].facts["line_downtime_s"] == round(want.downtime_s), ans.text
    assert f"The line was down {fmt_duration(want.downtime_s)} in total" in ans.text, ans.text
    # A per-machine sum only ever follows labelled as such.
    assert "All machines together" not in ans.text and "not the line's downtime" in ans.text, ans.text


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_changes)
def test_why_did_the_capper_stop_finds_the_stops_tabs_stops_short_ones_included(changes):
    with tempfile.TemporaryDirectory() as d:
        path = _journal(Path(d), changes)
        tools = _tools(path)
        ans = Assistant(tools).answer("Why did the capper stop?")
        a, b = tools.range_of(None, None)
        model = analyse_journal([path], a, b, ProductionSetup.from_config(load_config(DEMO_CONFIG)))
    capper = [s for s in model.stops if s.machine == "capper" and s.start < b and s.end > a]
    if not capper:
        assert "No stop of the Capper" in ans.text, ans.text
        return
    last = capper[-1]
    assert tools.fmt_t(last.start) in ans.text and "No stop" not in ans.text, ans.text
    assert ("short stop" in ans.text) == last.short, ans.text


def test_a_start_up_stop_is_a_stop_of_the_capper():
    # qa7 G37: Stopped for 10 s after start, then Running: the Stops tab lists it as a short stop.
    changes = {m: [(0.0, RUNNING)] for m in MACHINES}
    changes["capper"] = [(0.0, 0.0), (10.0, RUNNING)]
    with tempfile.TemporaryDirectory() as d:
        ans = Assistant(_tools(_journal(Path(d), changes))).answer("Why did the capper stop?")
    assert "No stop" not in ans.text and "08:00:01" in ans.text, ans.text
