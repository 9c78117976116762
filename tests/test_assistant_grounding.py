"""Grounding classes from the QA2 walkthrough (D-8a, D-6c), tested as classes:

- a question about something the plant data does not hold (suppliers, deliveries, prices, rosters,
  other plants) is declined whatever machine words or "running" it also carries;
- the current state comes from the newest of the live value and the journal's last sample at the
  time asked (the GUI's live copy can lag the runtime's journal on a loaded PC);
- the camera's reject share over a window is counted (R of N inspected), the same figure the
  Quality panel computes (hmi.core.qc_figures).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.events import EventKind, JournalEvent
from hmi.core.journal import Journal
from hmi.core.qc_figures import RejectShare, inspection_mask
from hmi.core.quality import BAD_NOT_CONNECTED, BAD_WAITING_FOR_INITIAL_DATA, GOOD
from inference.assistant.catalog import Catalog
from inference.assistant.journal_access import JournalSource
from inference.assistant.router import Router
from inference.assistant.timeparse import ShiftCalendar, TimeParser
from inference.assistant.tools import PlantTools
from tests.helpers.assistant_journals import write_rows

UTC = dt.UTC
T0 = dt.datetime(2026, 5, 4, 8, 0, 0, tzinfo=UTC).timestamp()
T_TRIP = T0 + 300.0
T_END = T0 + 600.0
CFG = load_config(DEMO_CONFIG)


# --- off-data subjects -----------------------------------------------------------------------------------

OFF_DATA = [
    "which cap supplier's batch are we running",
    "when is the next delivery of caps",
    "who is the glue vendor for the labeller",
    "when does the lorry with preforms arrive",
    "what does a label cost",
    "how much do we pay for the filler's caps",
    "who is on the late shift roster",
    "what is the price of the capper's spare motor",
    "how is the other plant doing",
    "how much glue is left in the warehouse",
]
FRAMES = ["{q}?", "{q} right now?", "{q} while the {m} is running?", "and {q} for the {m}?"]


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(Catalog.from_config(CFG), TimeParser(ShiftCalendar(tz=UTC)), lambda: T_END)


@settings(max_examples=60, deadline=None)
@given(
    q=st.sampled_from(OFF_DATA),
    frame=st.sampled_from(FRAMES),
    m=st.sampled_from(["filler", "capper", "labeller", "conveyor", "line"]),
)
def test_off_data_subjects_are_declined_whatever_else_is_asked(router, q, frame, m):
    route = router.route(frame.format(q=q, m=m))
    assert route.intent == "decline", (frame.format(q=q, m=m), route.intent, route.calls)
    assert not route.calls and "can't answer that from the plant data" in route.reply


@pytest.mark.parametrize(
    "question",
    [
        "is the labeller running?",
        "what state is the capper in?",
        "how many bottles did the camera reject this shift?",
        "why did the filler stop?",
        "who acknowledged the filler trip?",
        "what is the filler bearing temperature?",
    ],
)
def test_plant_questions_are_still_answered(router, question):
    assert router.route(question).intent not in ("decline", "unknown"), question


# --- the journal these tools read --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def journal(tmp_path_factory) -> tuple[Path, list[tuple[float, int]], list[float]]:
    """Labeller Running from T0+1, Faulted at T_TRIP; 300 inspections (one a second, the first 20
    still filling the rate window), rejects on every 7th image; link loss samples that are no images."""
    j = Journal(CFG, tmp_path_factory.mktemp("grounding"), clock=lambda: T0).open()
    state = CFG.tag("labeller.state")
    running = next(k for k, v in state.states.items() if v == "Running")
    faulted = next(k for k, v in state.states.items() if v == "Faulted")
    rows = [
        ("labeller.state", T0 + 1, float(running), GOOD),
        ("labeller.state", T_TRIP, float(faulted), GOOD),
    ]
    insp: list[tuple[float, int]] = []
    rejects: list[float] = []
    for k in range(300):
        t = T0 + 10 + 1.7 * k
        status = BAD_WAITING_FOR_INITIAL_DATA if k < 20 else GOOD
        rows.append(("qc.defect_rate", t, np.nan if k < 20 else 10.0, status))
        insp.append((t, status))
        if k % 7 == 3:
            rejects.append(t)
    rows.append(("qc.defect_rate", T0 + 5, np.nan, BAD_NOT_CONNECTED))  # not an image
    write_rows(j, rows)
    evs = [
        JournalEvent(
            EventKind.MACHINE_STATE,
            "labeller -> Running",
            source="labeller",
            data={"state": "Running"},
            ts=T0 + 1,
        ),
        JournalEvent(
            EventKind.MACHINE_STATE,
            "labeller -> Faulted",
            source="labeller",
            data={"state": "Faulted", "fault": "Overheat"},
            ts=T_TRIP,
        ),
    ]
    for k, t in enumerate(rejects):
        evs.append(
            JournalEvent(
                EventKind.QC,
                f"QC reject #{k}",
                source="camera",
                data={"seq": k, "class": "scratch", "p_defect": 0.9},
                ts=t,
            )
        )
    for e in evs:
        j.write_event(e)
    j.close()
    return j.path, insp, rejects


def _tools(path: Path, now: float, live: dict[str, tuple[float, int, float]] | None = None) -> PlantTools:
    return PlantTools(
        Catalog.from_config(CFG),
        JournalSource([path]),
        ShiftCalendar(tz=UTC),
        live=(lambda: live) if live is not None else None,
        now=now,
    )


# --- the current state: the newest source wins -----------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(lag=st.floats(0.1, 30.0), after=st.floats(0.05, 20.0))
def test_state_after_a_change_is_the_newest_of_live_and_journal(journal, lag, after):
    """The live copy says Running from before the trip (it lags); the journal holds the trip: Faulted."""
    path, _i, _r = journal
    running = next(k for k, v in CFG.tag("labeller.state").states.items() if v == "Running")
    live = {"labeller.state": (float(running), GOOD, T_TRIP - lag)}
    r = _tools(path, T_TRIP + after, live).run("machine_status", machine="labeller")
    assert r.facts["machines"][0]["state"] == "Faulted", r.summary
    assert r.summary.startswith("Labeller: Faulted"), r.summary


def test_a_newer_live_value_still_wins_over_the_journal(journal):
    path, _i, _r = journal
    running = next(k for k, v in CFG.tag("labeller.state").states.items() if v == "Running")
    live = {"labeller.state": (float(running), GOOD, T_TRIP + 5)}  # restarted, not journaled yet
    r = _tools(path, T_TRIP + 6, live).run("machine_status", machine="labeller")
    assert r.facts["machines"][0]["state"] == "Running"


# --- the camera's reject share over a window ------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(a=st.floats(0.0, 560.0), span=st.floats(1.0, 600.0))
def test_reject_share_over_any_window_is_counted(journal, a, span):
    path, insp, rejects = journal
    lo, hi = T0 + a, min(T0 + a + span, T_END)
    n = sum(1 for t, _s in insp if lo <= t < hi)
    r = sum(1 for t in rejects if lo <= t < hi)
    res = _tools(path, T_END).run("qc_rates", start=lo, end=hi, focus="defects")
    if n == 0:
        return
    assert res.facts["qc_rejects"] == r and res.facts["qc_share_inspected"] == n
    share = RejectShare(r, n)
    assert f"{share.text()}" in res.summary
    assert res.summary.startswith("Visual QC (camera)"), res.summary
    assert res.key_facts[0] == f"{r} of {n}"


@given(
    codes=st.lists(
        st.sampled_from([GOOD, BAD_WAITING_FOR_INITIAL_DATA, BAD_NOT_CONNECTED, 0x800C0000]), max_size=50
    )
)
def test_inspections_are_good_or_waiting_samples_only(codes):
    status = np.array(codes, dtype=np.uint32)
    value = np.where(status == GOOD, 5.0, np.nan)
    expect = sum(1 for c in codes if c in (GOOD, BAD_WAITING_FOR_INITIAL_DATA))
    assert int(inspection_mask(status, value).sum()) == expect


@given(r=st.integers(0, 10_000), extra=st.integers(0, 10_000))
def test_reject_share_text_names_what_it_counts(r, extra):
    s = RejectShare(r, r + extra)
    if r + extra == 0:
        assert s.pct is None and s.pct_text() == "n/a"
        return
    assert s.pct == pytest.approx(100.0 * r / (r + extra))
    assert f"{r:,} of {r + extra:,} inspected bottles" in s.text() and s.pct_text() in s.text()


def test_an_answer_with_both_reject_figures_says_they_differ(tmp_path):
    """QA5 F12: the machines' reject counters and the camera's rejects in one answer, with the
    sentence that says they are not the same rejects (hmi.core.qc_figures.CAMERA_VS_LINE)."""
    from hmi.core.qc_figures import CAMERA_VS_LINE

    j = Journal(CFG, tmp_path, clock=lambda: T0).open()
    rows = []
    for k in range(60):
        t = T0 + 10 + 2.0 * k
        rows.append(
            ("qc.defect_rate", t, np.nan if k < 20 else 5.0, BAD_WAITING_FOR_INITIAL_DATA if k < 20 else GOOD)
        )
        for m in ("filler", "capper", "labeller"):
            rows += [(f"{m}.good_count", t, 10.0 * k, GOOD), (f"{m}.reject_count", t, float(k // 10), GOOD)]
    write_rows(j, rows)
    j.write_event(JournalEvent(EventKind.QC, "QC reject #1", source="camera", ts=T0 + 50,
                               data={"seq": 1, "class": "scratch", "p_defect": 0.9}))  # fmt: skip
    j.close()
    res = _tools(j.path, T0 + 200).run("qc_rates", start=T0, end=T0 + 190)
    assert res.facts["machines"] and res.facts["qc_rejects"] == 1, res.facts  # both figures
    assert CAMERA_VS_LINE in res.summary
