"""The assistant's tools on a constructed journal with known answers (tests/test_assistant_journal.py)."""

from __future__ import annotations

import numpy as np
import pytest

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.production.setup import ProductionSetup
from inference.assistant.catalog import Catalog
from inference.assistant.journal_access import JournalSource
from inference.assistant.procedures import ProcedureIndex
from inference.assistant.timeparse import ShiftCalendar
from inference.assistant.tools import PlantTools, ToolError

from .test_assistant_journal import T0, T_END, UTC, build_journal


@pytest.fixture(scope="module")
def journal_path(tmp_path_factory):
    return build_journal(tmp_path_factory.mktemp("journal"))


@pytest.fixture(scope="module")
def tools(journal_path):
    cfg = load_config(DEMO_CONFIG)
    return PlantTools(
        Catalog.from_config(cfg),
        JournalSource([journal_path]),
        ShiftCalendar(tz=UTC),
        procedures=ProcedureIndex(),
        now=T_END,
    )


def test_current_value_by_name_and_by_description(tools):
    r = tools.run("current_value", tag="filler.bearing_temp")
    assert r.facts["values"][0]["value"] == 45.0 and "06:59:50" in r.summary
    r2 = tools.run("current_value", tag="how hot is the filler bearing")
    assert r2.facts["values"][0]["tag"] == "filler.bearing_temp"
    r3 = tools.run("current_value", tag="bearing temperature")  # no machine: all four bearings
    assert {f["tag"] for f in r3.facts["values"]} == {
        f"{m}.bearing_temp" for m in ("filler", "capper", "labeller", "conveyor")
    }
    assert r.sources[0].kind == "trend" and r.sources[0].ref["tag"] == "filler.bearing_temp"


def test_current_value_prefers_live_values(journal_path):
    cfg = load_config(DEMO_CONFIG)
    live = {"filler.bearing_temp": (51.25, 0, T_END - 1)}
    t = PlantTools(
        Catalog.from_config(cfg),
        JournalSource([journal_path]),
        ShiftCalendar(tz=UTC),
        live=lambda: live,
        now=T_END,
    )
    r = t.run("current_value", tag="filler.bearing_temp")
    assert r.facts["values"][0]["value"] == 51.25 and r.facts["values"][0]["origin"] == "live"


def test_unknown_tag_names_the_closest(tools):
    with pytest.raises(ToolError, match="closest"):
        tools.run("current_value", tag="filler.bearng_tmp")


def test_tag_stats_known_max_min_mean(tools):
    r = tools.run("tag_stats", tag="filler.vibration", start=T0, end=T_END, stat="max")
    f = r.facts["stats"][0]
    k = np.arange(360)
    v = 1.0 + 0.001 * k
    v[119] = 7.5
    assert f["max"] == 7.5 and f["max_time"] == "06:19:50"
    assert f["min"] == 1.0 and f["min_time"] == "06:00:00"
    assert f["mean"] == pytest.approx(float(v.mean()), abs=1e-3)
    assert f["limit_reached"] == "hihi" and r.key_facts == ["7.50"]


def test_alarms_unacknowledged_on_filler_at_the_end(tools):
    r = tools.run("alarms", machine="filler", state="unacknowledged")
    assert {a["alarm"] for a in r.facts["alarms"]} == {"filler.faulted", "filler.vibration.hi"}
    assert r.facts["count"] == 2
    assert {s.ref["alarm"] for s in r.sources} == {"filler.faulted", "filler.vibration.hi"}


def test_alarm_history_and_states(tools):
    r = tools.run("alarms", start=T0, end=T_END)
    assert r.facts["activations"] == 5
    assert tools.run("alarms", state="active").facts["count"] == 0
    latched = tools.run("alarms", state="latched")
    assert {a["alarm"] for a in latched.facts["alarms"]} == {"filler.faulted", "capper.faulted"}
    # State at a time in the past: at 06:21 the bearing alarm was still unacknowledged.
    past = tools.run("alarms", machine="filler", state="unacknowledged", end=T0 + 1260)
    assert "filler.bearing_temp.hi" in {a["alarm"] for a in past.facts["alarms"]}
    hp = tools.run("alarms", priority="high", start=T0, end=T_END)
    assert hp.facts["activations"] == 2


def test_event_sequence_finds_stop_fault_and_first_out(tools):
    r = tools.run("event_sequence", machine="capper", at=T0 + 605)
    assert r.facts["stop_time"].endswith("06:10:00") and r.facts["fault"] == "Jam"
    assert r.facts["first_out"]["alarm"] == "capper.faulted"
    assert r.facts["restart_time"] == "06:11:50" and r.facts["down_s"] == 110
    f = tools.run("event_sequence", machine="filler", start=T0, end=T_END)
    assert f.facts["fault"] == "Bearing failure" and f.facts["first_out"]["alarm"] == "filler.vibration.hi"
    sig = {s["tag"]: s for s in f.facts["signals"]}
    assert sig["filler.bearing_temp"]["max"] == 72.0 and sig["filler.vibration"]["max"] == 7.5
    kinds = {s.kind for s in f.sources}
    assert {"event", "alarm", "trend"} <= kinds


def test_event_sequence_with_no_stop(tools):
    r = tools.run("event_sequence", machine="conveyor", start=T0, end=T_END)
    assert r.facts["stop"] is None and "No stop" in r.summary


def test_machine_states_stops_and_downtime(tools):
    r = tools.run("machine_states", machine="capper", start=T0, end=T_END)
    m = r.facts["machines"][0]
    assert m["stops"] == 1 and m["downtime_s"] == 100 and m["stop_list"][0]["reason"] == "Jam"
    f = tools.run("machine_states", machine="filler", start=T0, end=T_END).facts["machines"][0]
    assert f["stops"] == 1 and f["downtime_s"] == 290
    allm = tools.run("machine_states", start=T0, end=T_END).facts["machines"]
    assert sum(x["stops"] for x in allm) == 2


def test_qc_rates_from_counters_and_visual_qc(tools):
    r = tools.run("qc_rates", start=T0, end=T_END)
    per = {m["machine"]: m for m in r.facts["machines"]}
    assert per["filler"]["good"] == 2154 and per["filler"]["rejects"] == 35
    assert per["capper"]["good"] == 1795 and per["capper"]["rejects"] == 17
    # The labeller's counters restart from 0 half-way: counted as a reset, not as negative production.
    assert per["labeller"]["good"] == 1432 and per["labeller"]["rejects"] == 68
    assert r.facts["line_reject_rate_pct"] == pytest.approx(100 * 120 / 1552, abs=0.01)
    assert r.facts["qc_inspected"] == 50 and r.facts["qc_rejects"] == 4
    assert r.facts["qc_classes"] == {"label skew": 3, "missing label": 1}
    one = tools.run("qc_rates", machine="filler", start=T0, end=T_END)
    assert one.key_facts == ["1.60"]


def test_fault_risk_ranks_machines(tools):
    r = tools.run("fault_risk")
    top = r.facts["advisories"][0]
    assert top["machine"] == "filler" and "not alarms" in r.summary and r.key_facts[0] == "Filler"
    if "filler.fault_risk" in tools.catalog.tags:  # the fault predictor's derived tags (percent, seconds)
        assert top["risk_pct"] == 82.0 and top["rul_s"] == 420
        assert any(s.kind == "trend" and s.ref["tag"] == "filler.fault_risk" for s in r.sources)


def test_fault_risk_from_advisory_events(journal_path):
    cfg = load_config(DEMO_CONFIG)
    cat = Catalog.from_config(cfg)
    for name in [n for n in cat.tags if n.endswith((".fault_risk", ".predicted_rul"))]:
        del cat.tags[name]  # a line without the derived tags: the advisory events answer
    t = PlantTools(cat, JournalSource([journal_path]), ShiftCalendar(tz=UTC), now=T_END)
    top = t.run("fault_risk").facts["advisories"][0]
    assert top["machine"] == "filler" and top["risk_pct"] == 82.0 and top["rul_s"] == 19800
    assert top["failure_mode"] == "bearing wear"


def test_alarm_kpis(tools):
    r = tools.run("alarm_kpis", start=T0, end=T_END)
    assert r.facts["annunciated"] == 5 and r.facts["flood_periods"] == 0


def test_procedure_search_opens_the_right_section(tools):
    r = tools.run("search_procedures", query="how do I clear a capper jam")
    assert r.sources[0].ref["doc"] == "capper_jam.md" and r.sources[0].ref["anchor"] == "steps-to-clear-a-jam"
    r = tools.run("search_procedures", query="high bearing temperature on the filler", machine="filler")
    assert r.sources[0].ref["doc"] == "filler_bearing.md"


def test_call_validates_arguments(tools):
    with pytest.raises(ToolError, match="unknown tool"):
        tools.call("shelve_all", {})
    with pytest.raises(ToolError, match="required"):
        tools.call("current_value", {})
    with pytest.raises(ToolError, match="one of"):
        tools.call("alarms", {"state": "exploded"})
    with pytest.raises(ToolError, match="unknown argument"):
        tools.call("alarms", {"user": "x"})
    with pytest.raises(ToolError, match="no machine called 'mixer'"):
        tools.call("machine_states", {"machine": "mixer"})


def test_the_assistants_stops_are_the_production_views_stops(journal_path):
    """qa3 step 8: "Labeller: 0 stops, down 3 s" while the Production view's Stops table listed a
    labeller stop 13:42:48-13:42:56. The assistant's stop count, list and stopped time come from the
    production model (the one home of a stop: the Stops table, the shift report), for every
    machine and window."""
    cfg = load_config(DEMO_CONFIG)
    setup = ProductionSetup.from_config(cfg)
    j = JournalSource([journal_path])
    tools = PlantTools(Catalog.from_config(cfg), j, ShiftCalendar(tz=UTC), production=setup, now=T_END)
    for a, b in ((T0, T_END), (T0 + 900.0, T_END - 600.0), (T0 + 1800.0, T0 + 2400.0)):
        table = j.production(a, b, tools.production).stops
        for f in tools.run("machine_states", start=a, end=b).facts["machines"]:
            mine = [s for s in table if s.machine == f["machine"] and s.start < b and s.end > a]
            assert f["stops_from"] == "production model"
            assert f["stops"] == len(mine), (f["machine"], a, b)
            assert [s["duration_s"] for s in f["stop_list"]] == [round(s.end - s.start) for s in mine]
            want = sum(min(s.end, b) - max(s.start, a) for s in mine)
            assert f["downtime_s"] == round(want)
    whole = tools.run("machine_states", start=T0, end=T_END).facts["machines"]
    assert sum(f["stops"] for f in whole) == len(j.production(T0, T_END, setup).stops) > 0
