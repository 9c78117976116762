"""One count everywhere: good, reject and total units over a window are the sum of the recorded
counter steps, and every place that shows them says the same (issue 10, "the same figure is
computed in one place and reads the same everywhere").

Seen before this test: for the same file and window the shift report said 87 good fewer than the
counter deltas (the counters were read at 10 s resolution with nothing before the first bucket:
the units of the first partial bucket were lost, and the last sample fell outside the window).

Random counter histories go through the real journal writer (commits of random size, some written
late like a backfill, LineHMI restarted in between) and are read back by:
- the production analysis (`linehmi production summary`, the Production view when reviewing);
- the shift report (hmi.core.review.report);
- the assistant's two tools that quote counts (production, qc_rates);
- the live tracker behind the Production view and status strip, seeded from the journal and then
  fed live batches, exactly as the runtime does;
- the CLI's printed summary for the shift so far.
Each must equal the oracle below, written here from the definition and sharing no code with them.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import io
import math
import re
from dataclasses import dataclass

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.audit import Auditor
from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.journal import Journal
from hmi.core.production.cli import production_cli_main
from hmi.core.production.journal_io import analyse_journal, counter_counts, snapshot_event
from hmi.core.production.oee import LINE
from hmi.core.production.setup import ProductionSetup
from hmi.core.production.tracker import ProductionTracker
from hmi.core.review.report import build_report
from hmi.core.review.source import ReviewSource
from hmi.core.samples import SampleBatch
from hmi.core.shift_calendar import ShiftCalendar
from inference.assistant.catalog import Catalog
from inference.assistant.journal_access import JournalSource
from inference.assistant.tools.context import PlantTools

UTC = _dt.UTC
SHIFT_START = _dt.datetime(2026, 3, 2, 6, 0, tzinfo=UTC).timestamp()  # early shift, calendar in UTC
T0 = SHIFT_START + 95.3
ROLLOVER = 1000  # every counter of the test line wraps at 1000
MACHINES = ("filler", "capper", "labeller")
KINDS = ("good", "reject")
GOOD, UNCERTAIN, BAD = 0, 0x40000000, 0x80000000
_NOTHING = 0.0  # what a machine counted in a window with no usable sample: no steps


def _config():
    cfg = load_config(DEMO_CONFIG)
    return cfg.model_copy(
        update={
            "shifts": cfg.shifts.model_copy(update={"timezone": "UTC"}),
            "journal": cfg.journal.model_copy(update={"rotation": "none", "commit_interval_ms": 10.0}),
        }
    )


CFG = _config()


def _setup() -> ProductionSetup:
    snap = ProductionSetup.from_config(CFG).snapshot  # type: ignore[union-attr]
    snap = {**snap, "shifts": {**snap["shifts"], "timezone": "UTC"}}
    prod = dict(snap["production"])
    prod["machines"] = [
        {**m, "counter_rollover": ROLLOVER if m["good_counter"] else 0} for m in prod["machines"]
    ]
    return ProductionSetup.from_snapshot({**snap, "production": prod})


SETUP = _setup()


@dataclass(frozen=True)
class Sample:
    ts: float
    value: float
    status: int


# --- the oracle: the definition, written out -------------------------------------------------------


def recorded_steps(samples: list[Sample]) -> list[tuple[float, float]]:
    """(time, units) of every step between consecutive usable samples (Good or Uncertain): up by
    the difference; down from the upper half of the roll-over range into the lower half by a wrap;
    any other drop is a PLC reset and counting restarted from zero."""
    out = []
    prev = None
    for s in sorted(samples, key=lambda s: s.ts):
        if s.status >= BAD or math.isnan(s.value):
            continue
        if prev is not None:
            if s.value >= prev:
                step = s.value - prev
            elif prev >= ROLLOVER / 2 and s.value < ROLLOVER / 2:
                step = s.value + ROLLOVER - prev
            else:
                step = s.value
            out.append((s.ts, step))
        prev = s.value
    return out


def counted(samples: list[Sample], a: float, b: float) -> float:
    return float(sum(u for t, u in recorded_steps(samples) if a <= t < b))


# --- random counter histories ----------------------------------------------------------------------


@st.composite
def histories(draw):
    """Sample instants with short and long gaps; per counter a PLC value that counts up, resets,
    wraps at ROLLOVER and is sometimes Bad or Uncertain."""
    n = draw(st.integers(3, 90))
    gaps = draw(
        st.lists(
            st.one_of(
                st.floats(0.05, 4.0),
                st.floats(4.0, 35.0),  # more than a rollup bucket
                st.sampled_from([10.0, 20.0]),  # onto bucket boundaries
            ),
            min_size=n,
            max_size=n,
        )
    )
    ts = list(T0 + np.cumsum(gaps))
    tags: dict[str, list[Sample]] = {}
    for m in MACHINES:
        for kind in KINDS:
            value = float(draw(st.integers(0, ROLLOVER - 1)))
            rows = []
            for t in ts:
                what = draw(st.sampled_from(["count"] * 12 + ["reset", "bad", "uncertain", "idle", "burst"]))
                if what == "reset":
                    value = float(draw(st.integers(0, 30)))
                elif what == "burst":
                    value = (value + draw(st.integers(100, 700))) % ROLLOVER
                elif what != "idle":
                    value = (value + draw(st.integers(0, 40 if kind == "good" else 3))) % ROLLOVER
                if what == "bad":
                    rows.append(Sample(t, math.nan, BAD))
                else:
                    rows.append(Sample(t, value, UNCERTAIN if what == "uncertain" else GOOD))
            tags[f"{m}.{kind}_count"] = rows
    # commits: random cuts; one of them may arrive late (a backfill); LineHMI may restart between
    cuts = sorted(set(draw(st.lists(st.integers(1, n - 1), max_size=6)))) if n > 1 else []
    edges = [0, *cuts, n]
    commits = [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]
    if len(commits) > 2 and draw(st.booleans()):
        late = commits.pop(draw(st.integers(0, len(commits) - 2)))
        commits.append(late)
    restarts = set(draw(st.lists(st.integers(1, max(1, len(commits) - 1)), max_size=2)))
    lo, hi = T0 - 15.0, ts[-1] + 15.0
    edge = st.one_of(
        st.floats(lo, hi), st.sampled_from([math.floor(x / 10.0) * 10.0 for x in (lo, ts[n // 2], hi)])
    )
    a, b = sorted(draw(st.tuples(edge, edge)))
    if b - a < 1e-3:
        b = a + 1.0
    return ts, tags, commits, restarts, a, b


def _batch(rows: dict[str, list[Sample]], i0: int, i1: int) -> SampleBatch:
    idx = CFG.tag_index()
    sel = [(idx[tag], s) for tag, ss in rows.items() for s in ss[i0:i1]]
    return SampleBatch.from_columns(
        [i for i, _ in sel],
        [s.ts for _, s in sel],
        [s.ts for _, s in sel],
        [s.ts for _, s in sel],
        [s.value for _, s in sel],
        [s.status for _, s in sel],
    )


def _write(tmp, ts, tags, commits, restarts, clock, tracker_at: float | None = None):
    """Write the history into one journal file. With `tracker_at`, a live tracker (what the
    runtime runs for the Production view) starts once the clock passes it, seeded from the file,
    and is fed every later commit; a restart of LineHMI starts a new one."""
    clock[0] = ts[0] - 5.0
    j = Journal(CFG, tmp, clock=lambda: clock[0]).open()
    j.write_event(snapshot_event(SETUP, clock[0]))
    tracker = None

    def start_tracker() -> ProductionTracker:
        j.flush()
        t = ProductionTracker(SETUP, CFG.tag_index(), j, Auditor(j), clock=lambda: clock[0])
        t.start()
        return t

    try:
        for k, (i0, i1) in enumerate(commits):
            if k in restarts:
                j.close()
                clock[0] = max(clock[0], ts[i0 - 1]) + 1.0
                j = Journal(CFG, tmp, clock=lambda: clock[0]).open()
                tracker = None if tracker is None else start_tracker()
            if tracker is None and tracker_at is not None and ts[i0] >= tracker_at:
                clock[0] = max(clock[0], tracker_at)
                tracker = start_tracker()
            batch = _batch(tags, i0, i1)
            clock[0] = max(clock[0], ts[i1 - 1])
            j.write_samples(batch)
            if tracker is not None:
                tracker.process(batch)
        j.flush()
        if tracker is None and tracker_at is not None:
            tracker = start_tracker()
        return j.path, tracker
    finally:
        j.close()


def _assert_recorded(path, tags) -> None:
    """The journal holds every sample written (the oracle counts what was recorded)."""
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for tag, rows in tags.items():
            got = conn.execute(
                "SELECT s.source_ts, s.value, s.status FROM samples s JOIN tags t ON t.id = s.tag_id"
                " WHERE t.name = ? ORDER BY s.source_ts",
                (tag,),
            ).fetchall()
            want = sorted((float(r.ts), r.value, r.status) for r in rows)
            assert len(got) == len(want), tag
            for (t1, v1, s1), (t2, v2, s2) in zip(got, want, strict=True):
                assert t1 == t2 and s1 == s2 and (v1 == v2 or (v1 is None and math.isnan(v2))), (tag, t1)
    finally:
        conn.close()


def _expected(tags, a, b):
    per = {m: {k: counted(tags[f"{m}.{k}_count"], a, b) for k in KINDS} for m in MACHINES}
    return per


# --- the property ------------------------------------------------------------------------------------


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(histories())
def test_every_screen_counts_the_recorded_counter_steps(tmp_path_factory, h):
    ts, tags, commits, restarts, a, b = h
    tmp = tmp_path_factory.mktemp("counts")
    path, _ = _write(tmp, ts, tags, commits, restarts, [0.0])
    _assert_recorded(path, tags)
    want = _expected(tags, a, b)
    want_rej = sum(want[m]["reject"] for m in MACHINES)

    # the production analysis: `linehmi production summary`, the Production view in review
    an = analyse_journal(path, a, b)
    for m in MACHINES:
        f = an.oee(m)
        assert (f.good, f.rejects, f.produced) == (
            want[m]["good"],
            want[m]["reject"],
            want[m]["good"] + want[m]["reject"],
        ), m
    line = an.oee(LINE)
    assert (line.good, line.rejects) == (want[SETUP.output]["good"], want_rej)

    # the shift report over the same window
    rep = build_report(ReviewSource.open([path]), a, b, "window")
    assert rep.production is not None
    for m in MACHINES:
        f = rep.production.machines[m]
        assert (f.good, f.rejects) == (want[m]["good"], want[m]["reject"]), m

    # the assistant: the production tool and the reject-rate tool
    tools = PlantTools(Catalog.from_config(CFG), JournalSource([path]), ShiftCalendar(tz=UTC), now=b + 1.0)
    for m in MACHINES:
        facts = tools.run("production", machine=m, start=a, end=b).facts
        # A window LineHMI recorded none of has no counts, not zeros (qa7 G35: text.or_unrecorded).
        said = (None, None) if an.oee(m).nothing_recorded else (want[m]["good"], want[m]["reject"])
        assert (facts["good"], facts["rejects"]) == said, m
    rates = tools.run("qc_rates", start=a, end=b, focus="rejects").facts
    by_machine = {p["machine"]: (p["good"], p["rejects"]) for p in rates["machines"]}
    for m in MACHINES:
        if m in by_machine:
            assert by_machine[m] == (want[m]["good"], want[m]["reject"]), m
        else:  # left out only when a counter has no usable sample up to b
            both = counter_counts(path, [f"{m}.good_count", f"{m}.reject_count"], a, b)
            assert None in both.values()
    if by_machine:
        assert rates["line_rejects"] == sum(by_machine[m][1] for m in by_machine)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(histories(), st.floats(0.0, 1.0))
def test_the_live_production_view_counts_the_same_as_the_journal(tmp_path_factory, h, cut):
    """The tracker behind the Production view and the strip: seeded from the journal at some
    instant, then fed the later commits live; its shift figures at `now` = the recorded steps
    since the shift began, and `linehmi production summary` prints the same."""
    ts, tags, commits, restarts, _a, _b = h
    commits = sorted(commits)  # live batches arrive in order; a late commit is covered above
    clock = [0.0]
    path, tracker = _write(
        tmp_path_factory.mktemp("live"), ts, tags, commits, restarts, clock, ts[0] + cut * (ts[-1] - ts[0])
    )
    assert tracker is not None
    now = ts[-1] + 0.5
    clock[0] = now  # the screen asks now
    tracker.tick(force=True)
    an = tracker.analysis()
    assert an is not None
    want = _expected(tags, SHIFT_START, now)
    for m in MACHINES:
        f = an.oee(m, SHIFT_START, now)
        assert (f.good, f.rejects) == (want[m]["good"], want[m]["reject"]), m

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert production_cli_main(["summary", "--db", str(path)]) == 0
    want = _expected(tags, SHIFT_START, math.inf)
    for m in MACHINES:
        row = re.search(rf"^{m}\s.*good\s+([\d,]+)\s+rejects\s+([\d,]+)", out.getvalue(), re.M)
        assert row is not None, out.getvalue()
        got = tuple(float(x.replace(",", "")) for x in row.groups())
        assert got == (want[m]["good"], want[m]["reject"]), (m, out.getvalue())
