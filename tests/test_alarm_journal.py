"""The alarm engine on the real SQLite journal: transitions and audit rows committed, a restart
restores from the file, and the KPI report reads the same file."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from hmi.core.alarms import AlarmEngine, AlarmState, load_definitions
from hmi.core.alarms.kpi import report
from hmi.core.journal import Journal
from hmi.core.quality import GOOD
from hmi.core.samples import SampleBatch
from hmi.core.users import PermissionDenied
from tests.test_alarm_engine import FAULTED, OPERATOR, SUPERVISOR, make_config


def test_engine_journal_restore_and_kpis_on_sqlite(tmp_path):
    cfg = make_config([FAULTED])
    defs, problems = load_definitions(cfg)
    assert not problems
    idx = cfg.tag_index()
    journal = Journal(cfg, tmp_path).open()
    try:
        engine = AlarmEngine(cfg, defs, journal)
        t = time.time()
        names = ["temp", "filler.state", "level"]
        engine.process(
            SampleBatch.from_columns(
                [idx[n] for n in names],
                [t] * 3,
                [t] * 3,
                [t] * 3,
                [75.0, 4.0, float("nan")],
                [GOOD, GOOD, 0x80050000],
            )
        )
        engine.acknowledge("temp.hi", OPERATOR, "seen")
        engine.shelve("filler.faulted", SUPERVISOR, 600, "investigating the trip")
        with pytest.raises(PermissionDenied):
            engine.shelve("temp.hihi", OPERATOR, 60, "nuisance")
        before = {r.id: (r.state, r.acked, r.shelved_until, r.activated_at) for r in engine.records()}
        path = journal.path
    finally:
        journal.close()
    assert before["temp.hi"][0] == AlarmState.ACKED and before["filler.faulted"][0] == AlarmState.SHELVED

    journal = Journal(cfg, tmp_path).open()
    try:
        again = AlarmEngine(cfg, defs, journal)
        assert again.restore() == 2
        after = {r.id: (r.state, r.acked, r.shelved_until, r.activated_at) for r in again.records()}
    finally:
        journal.close()
    assert after == before

    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT kind, user, data FROM events WHERE kind IN ('alarm', 'audit') ORDER BY id"
        ).fetchall()
    audit = [(u, json.loads(d)["action"], json.loads(d)["result"]) for k, u, d in rows if k == "audit"]
    assert audit == [("olga", "acknowledge", "ok"), ("sam", "shelve", "ok"), ("olga", "shelve", "refused")]
    r = report(path)
    assert r.annunciated == 2 and r.acks == 1
    assert [s.alarm for s in r.standing_at_end] == ["temp.hi"] and r.shelved_at_end == ["filler.faulted"]
