"""Production from the journal (read-only, self-contained files), live tracking with audited edits,
and the simulator's ground truth."""

from __future__ import annotations

import datetime as _dt
import hashlib
import shutil

import numpy as np
import pytest

from connectors.sim.faults import parse_fault_spec
from connectors.sim.shift import run_shift
from connectors.sim.truth import truth_figures
from hmi.core.audit import Auditor
from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.events import EventKind
from hmi.core.journal import Journal
from hmi.core.journal_read import JournalError, open_journal_readonly
from hmi.core.production.journal_io import shift_summary
from hmi.core.production.oee import LINE
from hmi.core.production.setup import ProductionSetup
from hmi.core.production.stops import CLASSIFY, NOTE, SPLIT
from hmi.core.production.tracker import ProductionTracker
from hmi.core.samples import SampleBatch
from hmi.core.users import PermissionDenied, Role, User

UTC = _dt.UTC


def _utc_config():
    cfg = load_config(DEMO_CONFIG)
    return cfg.model_copy(update={"shifts": cfg.shifts.model_copy(update={"timezone": "UTC"})})


@pytest.fixture(scope="module")
def sim_shift(tmp_path_factory):
    """Half an hour of the early shift with a capper jam, a filler motor trip and a changeover."""
    cfg = _utc_config()
    start = _dt.datetime(2026, 3, 2, 6, 0, tzinfo=UTC).timestamp()
    plan = [
        parse_fault_spec(s)
        for s in ("capper:jam@5m/2m", "filler:motor_trip@12m/3m", "labeller:changeover@20m/4m")
    ]
    out = tmp_path_factory.mktemp("shift")
    truth = run_shift(cfg, out, start, 0.5, plan, seed=3, random_jams=False, publish_s=1.0)
    return cfg, start, truth


def test_linehmi_matches_the_simulators_truth(sim_shift):
    cfg, start, truth = sim_shift
    setup = ProductionSetup.from_config(cfg)
    s = shift_summary(truth["journal"], start + 1)
    tf = truth_figures(truth, setup.constraint, setup.output, setup.short_stop_s, 400.0)
    f = s.line_oee
    assert f.availability == pytest.approx(tf["A"], abs=0.01)
    assert f.performance == pytest.approx(tf["P"], abs=0.01)
    assert f.quality == pytest.approx(tf["Q"], abs=0.002)
    mine = {p.reason: p.seconds for p in s.pareto}
    assert set(mine) == set(tf["reasons"]) == {"U-JAM", "U-MOTOR", "C-FORMAT"}
    for reason, secs in tf["reasons"].items():
        assert mine[reason] == pytest.approx(secs, abs=6), reason  # within a few samples
    assert s.unclassified == []
    # Half an hour recorded of an 8 h shift: the rest is said to be not recorded, nothing else flagged.
    assert [f.split(" (")[0] for f in s.flags] == ["nothing recorded after 06:30:00"]


def test_a_copied_journal_is_analysed_alone_and_never_changed(sim_shift, tmp_path):
    _cfg, start, truth = sim_shift
    copy = tmp_path / "copy.db"
    shutil.copy(truth["journal"], copy)
    before = hashlib.sha256(copy.read_bytes()).hexdigest()
    s = shift_summary(copy)  # no config: the snapshot in the file; no time: its last shift
    assert s.shift == "early" and s.start == start
    assert s.line_oee.good and s.machines["capper"].produced
    assert len(s.hours) == 1  # half an hour
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == before


def test_a_file_without_production_model_says_so(tmp_path):
    cfg = load_config(DEMO_CONFIG)
    with Journal(cfg, tmp_path) as j:
        j.write_samples(SampleBatch.from_columns([0], [1.0], [1.0], [1.0], [2.0], [0]))
        path = j.path
    with pytest.raises(JournalError, match="no production model journaled"):
        shift_summary(path)


def _batch(cfg, t: float, values: dict[str, float]) -> SampleBatch:
    idx = cfg.tag_index()
    n = len(values)
    return SampleBatch.from_columns(
        [idx[k] for k in values], [t] * n, [t] * n, [t] * n, list(values.values()), [0] * n
    )


def run_capper_stop(cfg, journal, tracker: ProductionTracker, t0: float) -> None:
    """Half an hour of the line from t0, every 10 s, with the capper faulted (code 9, not mapped to a
    reason: an unclassified stop) from t0 + 600 to t0 + 900; into the journal and the tracker."""
    states = {"filler": 2, "capper": 2, "labeller": 2, "conveyor": 2}
    for k in range(0, 1800, 10):
        t = t0 + k
        st = dict(states)
        if 600 <= k < 900:
            st["capper"] = 4  # faulted, code 9: not mapped to a reason
        vals = {f"{m}.state": float(v) for m, v in st.items()}
        vals |= {"capper.fault_code": 9.0 if 600 <= k < 900 else 0.0}
        vals |= {f"{m}.good_count": float(k * 6) for m in ("filler", "capper", "labeller")}
        vals |= {f"{m}.reject_count": 0.0 for m in ("filler", "capper", "labeller")}
        batch = _batch(cfg, t, vals)
        journal.write_samples(batch)
        tracker.process(batch)
    tracker.tick(force=True)


def test_tracker_edits_are_role_checked_audited_and_in_the_file(tmp_path):
    cfg = _utc_config()
    setup = ProductionSetup.from_config(cfg)
    t0 = _dt.datetime(2026, 3, 2, 6, 0, tzinfo=UTC).timestamp()
    now = [t0 + 1800]
    clock = [t0 - 1.0]  # opened before its samples (the record starts there), closed after them
    journal = Journal(cfg, tmp_path, clock=lambda: clock[0]).open()
    clock[0] = now[0]
    try:
        tracker = ProductionTracker(setup, cfg.tag_index(), journal, Auditor(journal), clock=lambda: now[0])
        tracker.start()
        run_capper_stop(cfg, journal, tracker, t0)
        an = tracker.analysis()
        (stop,) = an.unclassified()
        assert stop.machine == "capper" and stop.flags == ["PLC fault code 9 is not mapped to a reason"]
        status = tracker.status()
        assert status.state == "running" and status.shift_name == "early"

        viewer = User("vic", Role.VIEWER)
        with pytest.raises(PermissionDenied):
            tracker.edit(viewer, CLASSIFY, "capper", stop.start, reason="U-MATERIAL")
        sup = User("sue", Role.SUPERVISOR)
        with pytest.raises(ValueError, match="split time must lie inside the stop"):
            tracker.edit(
                sup, SPLIT, "capper", stop.start, reason="U-JAM", at=stop.end + 60, reason_after="U-JAM"
            )
        tracker.edit(
            sup, SPLIT, "capper", stop.start, reason="U-MATERIAL", at=stop.start + 100, reason_after="U-JAM"
        )
        tracker.edit(sup, NOTE, "capper", stop.start + 100, note="jam after the material came")
        first, second = (s for s in tracker.analysis().stops if s.machine == "capper")
        assert (first.reason, first.classified_by, second.reason, second.note) == (
            "U-MATERIAL",
            "sue",
            "U-JAM",
            "jam after the material came",
        )
        journal.flush()
        path = journal.path
    finally:
        journal.close()
    with open_journal_readonly(path) as r:
        audit = [e for e in r.read_events(kinds=[EventKind.AUDIT])]
    assert [(e.user, e.data["action"], e.data["result"]) for e in audit] == [
        ("vic", "classify_stop", "refused"),
        ("sue", "split_stop", "ok"),
        ("sue", "note_stop", "ok"),
    ]
    # the file alone gives the same stops with who classified them; the detection is unchanged
    s = shift_summary(path, t0 + 1)
    capper = [x for x in s.stops if x.machine == "capper"]
    assert [(x.reason, x.classified_by, x.start) for x in capper] == [
        ("U-MATERIAL", "sue", stop.start),
        ("U-JAM", "sue", stop.start + 100),
    ]
    assert s.pareto[0].reason in ("U-MATERIAL", "U-JAM")
    assert np.isclose(sum(p.seconds for p in s.pareto), 300)
    assert s.line_oee.scope == LINE


def test_cli_summary_prints_the_shift_and_names_a_bad_file(sim_shift, capsys, tmp_path):
    from hmi.core.production.cli import production_cli_main

    _cfg, _start, truth = sim_shift
    assert production_cli_main(["summary", "--db", truth["journal"]]) == 0
    out = capsys.readouterr().out
    assert "early shift 2026-03-02" in out and "downtime by reason" in out and "C-FORMAT" in out
    bad = tmp_path / "not_a_journal.db"
    bad.write_text("hello")
    assert production_cli_main(["summary", "--db", str(bad)]) == 2
    assert str(bad) in capsys.readouterr().err


def test_while_linehmi_was_not_running_the_state_is_unknown_not_held(tmp_path):
    """Closed at 06:30, opened again at 06:50: sample and hold would say 'running' for 20 min."""
    cfg = _utc_config()
    t0 = _dt.datetime(2026, 3, 2, 6, 0, tzinfo=UTC).timestamp()
    clock = [t0]
    jcfg = cfg.model_copy(update={"journal": cfg.journal.model_copy(update={"rotation": "none"})})
    for a, b in ((0, 1800), (3000, 3600)):
        clock[0] = t0 + a
        with Journal(jcfg, tmp_path, clock=lambda: clock[0]) as j:
            if a == 0:
                from hmi.core.production.journal_io import snapshot_event

                j.write_event(snapshot_event(ProductionSetup.from_config(cfg), t0))
            for k in range(a, b, 10):
                vals = {f"{m}.state": 2.0 for m in ("filler", "capper", "labeller", "conveyor")}
                vals |= {f"{m}.good_count": float(k * 6) for m in ("filler", "capper", "labeller")}
                vals |= {f"{m}.reject_count": 0.0 for m in ("filler", "capper", "labeller")}
                j.write_samples(_batch(cfg, t0 + k, vals))
            j.flush()
            clock[0] = t0 + b - 10
    s = shift_summary(tmp_path / "line1.db", t0 + 1)
    from hmi.core.production.timeline import TimeCat

    assert s.line_oee.time(TimeCat.UNKNOWN) == pytest.approx(3000 - 1790, abs=1)
    assert any(f.startswith("LineHMI was not running 06:29:50-06:50:00") for f in s.flags), s.flags
