"""The shift report on a record that ends inside the period (LineHMI stopped at 12:10 in a shift to 14:00):
the time after the record is not recorded, never downtime, and the alarms standing are those at the
record's end. Found by the walkthrough (qa2 D-11a/b): the report ran a stop to the shift end (OEE 4.7 %
where `production summary` said 48.9 %) and listed a shelved alarm as "Normal"."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import sqlite3
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.alarms.event_codec import AlarmSnapshot, transition_data
from hmi.core.alarms.model import AlarmState
from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.journal import Journal
from hmi.core.production.journal_io import analyse_journal, shift_summary, snapshot_event, summarise
from hmi.core.production.setup import ProductionSetup
from hmi.core.production.text import minutes
from hmi.core.production.timecat import TimeCat
from hmi.core.qc_figures import CAMERA_VS_LINE
from hmi.core.review.alarm_picture import AlarmPicture
from hmi.core.review.report import build_report, to_markdown
from hmi.core.review.source import ReviewSource
from hmi.core.review.timeline import build_timeline
from tests.test_journal import batch, make_config

UTC = _dt.UTC
SHIFT_START = _dt.datetime(2026, 3, 2, 6, 0, tzinfo=UTC).timestamp()
SHIFT_END = SHIFT_START + 8 * 3600
MACHINES = ("filler", "capper", "labeller", "conveyor")
_TMP = 0


def _tmp(base: Path) -> Path:
    global _TMP
    _TMP += 1
    d = base / f"j{_TMP}"
    d.mkdir()
    return d


def _utc_config():
    cfg = load_config(DEMO_CONFIG)
    cfg = cfg.model_copy(update={"shifts": cfg.shifts.model_copy(update={"timezone": "UTC"})})
    return cfg.model_copy(
        update={"journal": cfg.journal.model_copy(update={"rotation": "none", "commit_interval_ms": 20})}
    )


# (seconds after 06:00 in 10 s steps, machine, state code: 2 Running, 3 Idle, 4 Faulted, 0 Stopped)
changes = st.lists(
    st.tuples(st.integers(1, 119), st.sampled_from(MACHINES), st.sampled_from([2.0, 3.0, 4.0, 0.0])),
    max_size=8,
)


def _production_journal(
    directory: Path,
    cut_steps: int,
    plan: list[tuple[int, str, float]],
    crashed: bool = False,
    start: float = SHIFT_START,
) -> Path:
    """Samples every 10 s from `start` (06:00) for `cut_steps` steps, then LineHMI stops (journal
    closed), or `crashed`: it was killed, and the file ends at its last commit with no "journal closed"."""
    cfg = _utc_config()
    clock = [start]
    idx = cfg.tag_index()
    states = dict.fromkeys(MACHINES, 2.0)
    good = dict.fromkeys(MACHINES, 0.0)
    with Journal(cfg, directory, clock=lambda: clock[0]) as j:
        j.write_event(snapshot_event(ProductionSetup.from_config(cfg), start))
        for k in range(cut_steps):
            t = start + 10.0 * k
            for step, m, code in plan:
                if step == k:
                    states[m] = code
            vals = {f"{m}.state": states[m] for m in MACHINES}
            for m in ("filler", "capper", "labeller"):
                good[m] += 60.0 if states[m] == 2.0 else 0.0
                vals |= {f"{m}.good_count": good[m], f"{m}.reject_count": 0.0}
            j.write_samples(batch([idx[n] for n in vals], t, list(vals.values())))
        j.flush()
        clock[0] = start + 10.0 * (cut_steps - 1)  # "journal closed" at the last sample
        path = j.path
    if crashed:
        with sqlite3.connect(path) as conn:
            conn.execute("DELETE FROM events WHERE message = 'journal closed'")
    return path


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=changes, cut=st.integers(3, 120), crashed=st.booleans())
def test_report_figures_are_the_production_summarys_and_no_stop_outlives_the_record(
    tmp_path, plan, cut, crashed
):
    """One window rule (journal_io.record_window) for the report and `production summary`: the same
    A, P, Q, OEE, counts and downtime. A journal without "journal closed" (crashed) ends at its last
    commit: the time after it is unknown, never the last state held to the shift end."""
    path = _production_journal(_tmp(tmp_path), cut, plan, crashed)
    record_end = SHIFT_START + 10.0 * (cut - 1)
    report = build_report(ReviewSource.open([path]), SHIFT_START, SHIFT_END, "early shift")
    summary = shift_summary(path, SHIFT_START + 1)
    # The analysis itself over the whole shift: the rule lives there, not only in the report's window.
    whole = summarise(analyse_journal(path, SHIFT_START, SHIFT_END))
    assert report.production is not None
    mine = report.production.line_oee
    assert (mine.start, mine.end) == (summary.line_oee.start, summary.line_oee.end)
    for f in ("availability", "performance", "quality", "oee", "good", "rejects", "produced", "downtime_s"):
        assert getattr(mine, f) == getattr(summary.line_oee, f), f
    for m, fig in report.production.machines.items():
        assert fig == summary.machines[m], m
    for got in (whole.line_oee,):
        assert got.downtime_s == pytest.approx(summary.line_oee.downtime_s, abs=1e-6)
        assert got.availability == pytest.approx(summary.line_oee.availability, abs=1e-9)
        assert got.good == summary.line_oee.good
    for s in (*report.production.stops, *whole.stops, *summary.stops):
        assert s.end <= record_end + 1e-6, (s.machine, s.start, s.end, record_end)
    for m, f in whole.machines.items():
        assert f.downtime_s == pytest.approx(summary.machines[m].downtime_s, abs=1e-6), m
    # After the record: unknown (not recorded; in a planned break, the break), never held.
    after = SHIFT_END - record_end
    for f in (whole.line_oee, *whole.machines.values()):
        assert f.time(TimeCat.UNKNOWN) + f.time(TimeCat.PLANNED_BREAK) >= after - 1e-6, (f.scope, f.times)
    if record_end < SHIFT_END:
        for flags in (whole.flags, summary.flags, report.production.flags):
            assert any("nothing recorded after" in f for f in flags), flags
    # qa3: "Downtime by reason: U-OVERHEAT 4.3 min" next to a 4.8-min stop in the same report's
    # stops table. The reason table names the line's downtime as such, and its machines' stop time
    # is the stops table's own rows (one home for a stop's duration).
    text = to_markdown(report)
    # qa5 F25: a stop without a reason is "not classified" in the report, as in the stops table.
    assert "| automatic |" not in text
    for s in report.production.stops:
        if not s.reason:
            # qa6 N4: "not classified" only for a stop that needs a reason (a short stop needs none).
            said = "not classified" if s.needs_reason else "none needed"
            assert s.classified_by_text == said
            mins = f"{'≥ ' if s.open_end else ''}{s.duration / 60:.1f}"
            assert f"| {s.reason_code()} | {mins} | {said} |" in text, text
    # qa5 F12: the camera's rejects beside the line's reject counters: the report relates the two.
    with_qc = to_markdown(dataclasses.replace(report, qc_rejects=Counter({"scratch": 3})))
    assert "3 camera rejects" in with_qc and CAMERA_VS_LINE in with_qc
    for row in report.production.pareto:
        stops = [
            s
            for s in report.production.stops
            if s.reason == row.reason and s.machine in row.machines and not s.short
        ]
        cell = f"| {minutes(row.seconds)} | {minutes(sum(s.duration for s in stops))} | {row.count} |"
        assert cell in text, (cell, text)


# --- alarms standing at the end of the record ----------------------------------------------------------
T0 = 1_700_000_000.0
ALARMS = ("a.one", "a.two", "a.three")
ACTIONS = ("activate", "clear", "acknowledge", "shelve", "unshelve", "out_of_service", "return_to_service")
transitions = st.lists(
    st.tuples(st.sampled_from(ALARMS), st.sampled_from(ACTIONS), st.sampled_from([60.0, 600.0, 3600.0])),
    min_size=1,
    max_size=14,
)


def _label(f: dict, at: float) -> AlarmState:
    """The state the alarm list shows for these flags at `at` (out of service, shelved, process)."""
    if f["oos"]:
        return AlarmState.OUT_OF_SERVICE
    if f["shelved_until"] is not None and f["shelved_until"] > at:
        return AlarmState.SHELVED
    if f["active"]:
        return AlarmState.ACKED if f["acked"] else AlarmState.UNACKED
    return AlarmState.NORMAL if f["acked"] else AlarmState.RTN_UNACKED


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seq=transitions)
def test_alarms_standing_at_the_end_are_the_alarm_picture_at_the_record_end(tmp_path, seq):
    flags = {a: {"active": False, "acked": True, "shelved_until": None, "oos": False} for a in ALARMS}
    events = []
    for i, (a, action, shelve_s) in enumerate(seq):
        ts = T0 + 30.0 * (i + 1)
        f = flags[a]
        if action == "activate":
            f.update(active=True, acked=False)
        elif action == "clear":
            f["active"] = False
        elif action == "acknowledge":
            f["acked"] = True
        elif action == "shelve":
            f["shelved_until"] = ts + shelve_s
        elif action == "unshelve":
            f["shelved_until"] = None
        elif action == "out_of_service":
            f["oos"] = True
        else:
            f["oos"] = False
        snap = AlarmSnapshot(alarm=a, name=a, tag="m.temp", machine="m", priority="high", priority_level=2,
                             state=_label(f, ts).value, active=f["active"], acked=f["acked"],
                             shelved_until=f["shelved_until"], out_of_service=f["oos"],
                             activated_at=T0)  # fmt: skip
        data = transition_data(snap, action=action, from_state="", to_state="", annunciated=action == "activate",
                               value=None, value_ts=ts, user="sup")  # fmt: skip
        events.append(JournalEvent(EventKind.ALARM, f"{a}: {action}", source=a, ts=ts, user="sup",
                                   severity=Severity.WARNING, data=data))  # fmt: skip
    end = T0 + 30.0 * (len(seq) + 1)
    with Journal(make_config(line="jt"), _tmp(tmp_path), clock=lambda: T0) as j:
        j.write_samples(batch([0, 0], np.array([T0, end]), np.array([2.0, 2.0])))
        j.write_events(events)
        j.flush()
        path = j.path
    src = ReviewSource.open([path])
    assert src.t1 == pytest.approx(end)
    # The period runs two hours past the record: a 1 h shelve must not have "run out" in the report.
    r = build_report(src, T0, end + 7200, "period")
    got = {row.snapshot.alarm: row.state for row in r.standing_at_end}
    picture = {row.snapshot.alarm: row.state for row in AlarmPicture(build_timeline(src).events).at(end)}
    expected = {a: _label(f, end) for a, f in flags.items() if _label(f, end) is not AlarmState.NORMAL}
    assert got == picture == expected
    md = to_markdown(r)
    assert "Alarms standing at the end of the record" in md
    for row in r.standing_at_end:
        assert row.state is not AlarmState.NORMAL


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n_rejects=st.integers(0, 20),
    refused=st.lists(st.sampled_from(["write_setpoint", "shelve", "reset"]), max_size=3),
)
def test_actions_of_note_and_qc_rejects_leave_nothing_out_silently(tmp_path, n_rejects, refused):
    """qa2 D-11d/e: the ack with a comment, a stop classification and a refused write were missing;
    42 QC rejects listed 6 images with no word about the other 36."""
    snap = AlarmSnapshot(alarm="a.one", name="Filler tripped", tag="m.temp", machine="m", priority="high",
                         priority_level=2, state="acknowledged", active=True, acked=True)  # fmt: skip
    ack = transition_data(snap, action="acknowledge", from_state="", to_state="", annunciated=False, value=None,
                          value_ts=T0 + 10, user="olga", comment="bearing noise, called maint")  # fmt: skip
    plain_ack = transition_data(snap, action="acknowledge", from_state="", to_state="", annunciated=False,
                                value=None, value_ts=T0 + 11, user="olga")  # fmt: skip
    events = [
        JournalEvent(EventKind.ALARM, "Filler tripped: acknowledge by olga: bearing noise, called maint",
                     source="a.one", ts=T0 + 10, user="olga", data=ack),
        JournalEvent(EventKind.ALARM, "Filler tripped: acknowledge by olga (no comment)", source="a.one",
                     ts=T0 + 11, user="olga", data=plain_ack),
        JournalEvent(EventKind.AUDIT, "sup (supervisor): classify_stop m stop - ok: reason P-BREAK", user="sup",
                     ts=T0 + 20, data={"action": "classify_stop", "result": "ok", "machine": "m",
                                       "stop_start": T0, "reason": "P-BREAK"}),
        JournalEvent(EventKind.AUDIT, "sup (supervisor): login - ok", user="sup", ts=T0 + 21,
                     data={"action": "login", "result": "ok"}),
    ]  # fmt: skip
    events += [
        JournalEvent(EventKind.AUDIT, f"viewer (viewer): {a} x - refused: not allowed #{i}", user="viewer",
                     ts=T0 + 30 + i, data={"action": a, "result": "refused"})
        for i, a in enumerate(refused)
    ]  # fmt: skip
    events += [
        JournalEvent(EventKind.QC, f"QC reject #{i}", source="camera", ts=T0 + 100 + i, severity=Severity.WARNING,
                     data={"class": "scratch", "image": f"qc/{i}.png"})
        for i in range(n_rejects)
    ]  # fmt: skip
    with Journal(make_config(line="jt"), _tmp(tmp_path), clock=lambda: T0) as j:
        j.write_samples(batch([0, 0], np.array([T0, T0 + 200]), np.array([2.0, 2.0])))
        j.write_events(events)
        j.flush()
        path = j.path
    md = to_markdown(build_report(ReviewSource.open([path]), T0, T0 + 300, "period"))
    actions = md.split("## Operator actions of note")[1].split("## Visual QC")[0]
    assert "bearing noise, called maint" in actions
    assert "(no comment)" not in actions  # a plain acknowledgement is routine, not of note
    assert "classify_stop" in actions and "login" not in actions
    for i, _a in enumerate(refused):
        assert f"refused: not allowed #{i}" in actions
    qc = md.split("## Visual QC")[1].split("## Model advisories")[0]
    listed = qc.count("`qc/")
    assert listed == min(n_rejects, 6)
    if n_rejects > listed:
        assert f"and {n_rejects - listed} more" in qc
    else:
        assert "more" not in qc


# --- a stop still open at the record's end (qa6 N6, F24) --------------------------------------------------
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=changes, cut=st.integers(3, 120), crashed=st.booleans())
def test_a_stop_still_open_at_the_record_end_is_never_a_short_stop_and_says_so(tmp_path, plan, cut, crashed):
    """qa6 N6: "19:10:00 19:10:25 Filler unplanned (short) U-BEARING 0.4", counted as speed loss,
    for a filler still faulted when the record ended: how long it lasted is not known."""
    path = _production_journal(_tmp(tmp_path), cut, plan, crashed)
    record_end = SHIFT_START + 10.0 * (cut - 1)
    report = build_report(ReviewSource.open([path]), SHIFT_START, SHIFT_END, "early shift")
    assert report.production is not None
    text = to_markdown(report)
    last = {m: 2.0 for m in MACHINES}
    for step, m, code in sorted(plan):
        if step < cut:
            last[m] = code
    for s in report.production.stops:
        at_end = s.end >= record_end - 1e-6
        assert s.open_end == at_end, (s.machine, s.start, s.end, record_end)
        if s.open_end:
            assert last[s.machine] != 2.0  # it was stopped when the record ended
            assert not s.short
            row = f"| still stopped at record end (≥ {s.duration / 60:.1f} min) |"
            assert row in text, text
            assert f"| {s.category} (short) |" not in text.split(row)[1].split("\n")[0]
    # A's short-stop note and the report's sentence count only the short stops listed.
    shorts = [s for s in report.production.stops if s.short]
    assert report.production.line_oee.short_stops == len(shorts)


def test_a_pen_of_a_stop_open_at_the_record_end_is_held_to_the_record_end(tmp_path):
    """qa6 F24: in the report's snapshot of a stop still open when LineHMI stopped, the filler's speed
    and motor current (0 since the trip, no sample since: sampled on change) were hatched from the
    trip, while vibration (still changing) was drawn to the record's end. The historian now breaks a
    pen at "journal closed" itself, not just after its last sample: the value holds to the close."""
    from hmi.core.review.snapshot_draw import snapshot_pen

    cfg = _utc_config()
    idx = cfg.tag_index()
    clock = [SHIFT_START]
    trip, close = SHIFT_START + 300.0, SHIFT_START + 420.0
    with Journal(cfg, _tmp(tmp_path), clock=lambda: clock[0]) as j:
        for k in range(0, 421, 5):
            t = SHIFT_START + k
            vals = {"filler.vibration": 2.0 + 0.01 * k}
            if t < trip:
                vals |= {"filler.speed": 400.0 + k % 10, "filler.motor_current": 27.0 + 0.01 * k}
            elif t == trip:
                vals |= {"filler.speed": 0.0, "filler.motor_current": 0.0}
            j.write_samples(batch([idx[n] for n in vals], t, list(vals.values())))
        j.flush()
        clock[0] = close
        path = j.path
    source = ReviewSource.open([path])
    r0, r1 = SHIFT_START, close
    w0, w1 = trip - 120.0, close + 120.0
    got = source.historian().read(
        ["filler.speed", "filler.motor_current", "filler.vibration"], w0, w1, width_px=800
    )
    for tag in ("filler.speed", "filler.motor_current", "filler.vibration"):
        drawn = snapshot_pen(got.pens[tag].points, w0, w1, r0, r1).styled
        xs = np.r_[drawn.solid_x, drawn.dashed_x]
        xs = xs[np.isfinite(xs)]
        assert xs.max() == pytest.approx(r1, abs=1e-3), tag  # drawn to the record's end
        assert xs.max() <= r1 + 1e-3  # never past it
        for a, b in zip(drawn.gaps.start, drawn.gaps.end, strict=True):
            assert a >= r1 - 1e-3, (tag, a, b)  # nothing hatched inside the record
        for a, b in zip(drawn.bad.start, drawn.bad.end, strict=True):
            assert a >= r1 - 1e-3, (tag, a, b)
    speed = snapshot_pen(got.pens["filler.speed"].points, w0, w1, r0, r1).styled
    after = speed.solid_x > trip  # (at the trip itself: the step down)
    assert np.all(speed.solid_y[after & np.isfinite(speed.solid_y)] == 0.0)  # flat at 0 from the trip
