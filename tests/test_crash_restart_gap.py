"""A crash then a restart in the same journal file is a gap in the record (brief item 6, closing3).

LineHMI crashed (no "journal closed") and was started again in the same daily file: its second
"journal opened" followed the first with nothing between. The stretch between was read as recorded:
the machines' last states were held through it (the record showed the line running while the HMI
was dead) and the alarm rate per 10 min divided by it. Now (hmi.core.record_gaps) an "opened" after
an "opened" ends the record at its last evidence before it (newest commit, sample or event): the
production states, the review's "not recording" stretches and the alarm-KPI window leave it out.
Journals with a crash gap of random length at a random place, written as the journal writes them.
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.alarms import kpi
from hmi.core.alarms.event_codec import AlarmSnapshot, transition_data
from hmi.core.alarms.model import AlarmState
from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.journal import Journal
from hmi.core.production.journal_io import analyse_journal, snapshot_event
from hmi.core.production.oee import LINE
from hmi.core.production.setup import ProductionSetup
from hmi.core.production.timecat import TimeCat
from hmi.core.review.source import ReviewSource
from tests.test_journal import batch
from tests.test_report_record_end import _utc_config

START = _dt.datetime(2026, 3, 2, 6, 0, tzinfo=_dt.UTC).timestamp()
MACHINES = ("filler", "capper", "labeller", "conveyor")
_N = 0


def _alarm(ts: float, k: int) -> JournalEvent:
    a = f"a{k}"
    snap = AlarmSnapshot(alarm=a, name=a, tag="m.temp", machine="m", priority="low", priority_level=3,
                         state=AlarmState.UNACKED.value, active=True, acked=False, activated_at=ts)  # fmt: skip
    data = transition_data(snap, action="activate", from_state="", to_state="", annunciated=True,
                           value=None, value_ts=ts, user="")  # fmt: skip
    return JournalEvent(
        EventKind.ALARM, f"{a}: activate", source=a, ts=ts, severity=Severity.WARNING, data=data
    )


def _session(cfg, path_dir: Path, t0: float, steps: int, alarms: int, closed: bool) -> Path:
    """LineHMI running from t0 for `steps` x 10 s: every machine running, counting, a few alarms;
    `closed`: it stopped normally, else it was killed (no "journal closed")."""
    clock = [t0]
    idx = cfg.tag_index()
    with Journal(cfg, path_dir, clock=lambda: clock[0]) as j:
        j.write_event(snapshot_event(ProductionSetup.from_config(cfg), t0))
        for k in range(steps):
            t = t0 + 10.0 * k
            clock[0] = t
            vals = {f"{m}.state": 2.0 for m in MACHINES}
            for m in ("filler", "capper", "labeller"):
                vals |= {f"{m}.good_count": 60.0 * k, f"{m}.reject_count": 0.0}
            j.write_samples(batch([idx[n] for n in vals], t, list(vals.values())))
            if k < alarms:
                j.write_event(_alarm(t + 1.0, k))
            j.flush()
        path = j.path
    if not closed:
        with sqlite3.connect(path) as conn:
            conn.execute("DELETE FROM events WHERE message = 'journal closed' AND ts >= ?", (t0,))
    return path


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.integers(3, 30),
    dead_min=st.integers(2, 120),
    second=st.integers(3, 30),
    alarms=st.integers(0, 3),
)
def test_the_time_between_a_crash_and_the_restart_is_not_recorded_anywhere(
    tmp_path, first, dead_min, second, alarms
):
    global _N
    _N += 1
    d = tmp_path / f"j{_N}"
    d.mkdir()
    cfg = _utc_config()
    _session(cfg, d, START, first, alarms, closed=False)  # killed after its last sample
    crash = START + 10.0 * (first - 1)
    restart = crash + 60.0 * dead_min
    path = _session(cfg, d, restart, second, alarms, closed=True)
    end = restart + 10.0 * (second - 1)

    # Production: nothing held through the dead time; the line is never "running" in it.
    an = analyse_journal(path, START, end)
    for scope in (LINE, *MACHINES):
        f = an.oee(scope, crash + 1.0, restart - 1.0)
        assert f.time(TimeCat.RUNNING) == 0.0, (scope, f.times)
        assert f.time(TimeCat.UNKNOWN) == pytest.approx(restart - crash - 2.0), (scope, f.times)
    assert an.oee(LINE, START, end).time(TimeCat.RUNNING) == pytest.approx(
        (crash - START) + (end - restart), abs=1.0
    )

    # Review: the stretch is "not recording".
    gaps = ReviewSource.open([path]).not_recording()
    assert any(a <= crash + 1e-6 and b >= restart - 1e-6 for a, b in gaps), gaps

    # Alarm KPIs: the rate's window leaves the dead time out.
    r = kpi.report(path, START, end)
    assert r.unrecorded_s == pytest.approx(restart - crash, abs=1.0)
    recorded = (end - START) - (restart - crash)
    if r.annunciated:
        assert r.per_10min_avg == pytest.approx(r.annunciated / (recorded / 600.0), rel=0.02)
    if restart - crash >= 60.0:
        assert "not recorded" in r.rate_text()
