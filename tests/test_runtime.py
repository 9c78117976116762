"""The runtime end to end against a real server: journal, events, operator writes."""

from __future__ import annotations

import sqlite3
import threading
import time

import numpy as np
import pytest

from hmi.app.runtime import LineRuntime, validate_write
from hmi.core.events import EventKind
from hmi.core.quality import BAD_NOT_CONNECTED
from hmi.core.runtime_api import ConnectionState
from tests.opcua_fixtures import TinyServer, free_port, small_config


def wait_for(pred, timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout}s")


@pytest.fixture
def line(tmp_path):
    port = free_port()
    server = TinyServer(port).start()
    cfg = small_config(port, journal_dir=tmp_path)
    rt = LineRuntime(cfg).start()
    yield server, cfg, rt
    rt.stop()
    server.close()
    leftovers = [t.name for t in threading.enumerate() if t.name.startswith("linehmi")]
    assert not leftovers, f"threads left running: {leftovers}"


def test_validate_write_messages():
    cfg = small_config(4840)
    sp = cfg.tag("m1.speed_sp")
    assert validate_write(sp, 100.0) is None
    assert "outside the range 0..600" in validate_write(sp, 700.0)
    assert "not writable" in validate_write(cfg.tag("m1.speed"), 1.0)
    assert "finite" in validate_write(sp, float("nan"))
    state = cfg.tag("m1.state").model_copy(update={"writable": True})
    assert "whole numbers" in validate_write(state, 2.5)
    assert "not one of" in validate_write(state, 3)


def test_samples_and_events_reach_the_journal_and_the_screen(line):
    _server, _cfg, rt = line
    wait_for(lambda: rt.state == ConnectionState.CONNECTED)
    seen = []
    wait_for(lambda: seen.append(rt.poll()) or sum(len(u.batch) for u in seen) > 20)
    rt.journal.flush()
    db = sqlite3.connect(rt.journal.path)
    n = db.execute("select count(*) from samples").fetchone()[0]
    assert n + rt.journal.stats.samples_duplicate > 20  # a re-read already journaled is not written twice
    kinds = {r[0] for r in db.execute("select kind from events")}
    assert {"system", "connection", "config"} <= kinds  # config: the string tag was refused
    assert any(e.kind == EventKind.CONNECTION for u in seen for e in u.events)


def test_setpoint_write_is_journaled_before_and_after(line):
    _server, _cfg, rt = line
    wait_for(lambda: rt.state == ConnectionState.CONNECTED)
    res = rt.write_value("m1.speed_sp", 321.0, "alice").result(10)
    assert res.ok, res.message
    refused = rt.write_value("m1.speed_sp", 9999.0, "alice").result(10)
    assert not refused.ok and "outside the range" in refused.message
    db = sqlite3.connect(rt.journal.path)
    rows = db.execute(
        "select user, message, json_extract(data, '$.result'), json_extract(data, '$.ok') from events "
        "where kind = 'operator_action' order by id"
    ).fetchall()
    assert [r[0] for r in rows] == ["alice"] * 3
    assert rows[0][2] == "requested" and rows[1][3] == 1 and rows[2][2] == "refused"
    assert rows[1][0] == "alice" and res.event_id is not None


def test_write_while_disconnected_fails_cleanly_and_is_journaled(line):
    server, _cfg, rt = line
    wait_for(lambda: rt.state == ConnectionState.CONNECTED)
    server.stop()
    wait_for(lambda: rt.state != ConnectionState.CONNECTED)
    res = rt.write_value("m1.speed_sp", 200.0, "bob").result(15)
    assert not res.ok and "not written" in res.message
    db = sqlite3.connect(rt.journal.path)
    msg = db.execute("select message from events where kind='operator_action' order by id desc").fetchone()[0]
    assert "not written" in msg


def test_reconnect_records_gap_in_journal(line):
    server, _cfg, rt = line
    wait_for(lambda: rt.state == ConnectionState.CONNECTED)
    time.sleep(0.5)
    server.stop()
    wait_for(lambda: rt.state == ConnectionState.RECONNECTING)
    time.sleep(1.0)
    server.start()
    wait_for(lambda: rt.state == ConnectionState.CONNECTED, timeout=20)
    time.sleep(0.5)
    rt.journal.flush()
    db = sqlite3.connect(rt.journal.path)
    bad = db.execute("select count(*) from samples where status = ?", (BAD_NOT_CONNECTED,)).fetchone()[0]
    assert bad >= 3
    gap = db.execute(
        "select json_extract(data,'$.start'), json_extract(data,'$.end') from events where kind='data_gap'"
    ).fetchone()
    assert gap is not None and gap[1] - gap[0] >= 1.0


def test_alarm_fires_is_acknowledged_and_roles_are_enforced(tmp_path):
    from hmi.core.alarms.commands import AlarmCommand, AlarmRequest
    from hmi.core.alarms.model import AlarmState
    from hmi.core.users import PermissionDenied, Role, User

    port = free_port()
    server = TinyServer(port).start()
    extra = (
        '[[alarms]]\nid = "m1.overspeed"\ntype = "analog"\ntag = "m1.speed"\n'
        'hi = 450\npriority = { hi = "high" }\n'
    )
    cfg = small_config(port, journal_dir=tmp_path, extra_tags=extra)
    rt = LineRuntime(cfg).start()
    try:
        wait_for(lambda: rt.state == ConnectionState.CONNECTED)
        viewer = User("vic", Role.VIEWER)
        operator = User("olga", Role.OPERATOR)
        refused = rt.write_value("m1.speed_sp", 500.0, viewer).result(10)
        assert not refused.ok and "needs operator" in refused.message
        assert rt.write_value("m1.speed_sp", 500.0, operator).result(10).ok
        seen: list = []
        wait_for(lambda: seen.extend(rt.poll().alarms) or any(r.state == AlarmState.UNACKED for r in seen))
        alarm_id = next(r.id for r in seen if r.state == AlarmState.UNACKED)
        with pytest.raises(PermissionDenied):
            rt.alarm_action(AlarmRequest(AlarmCommand.ACKNOWLEDGE, (alarm_id,)), viewer).result(10)
        rt.alarm_action(AlarmRequest(AlarmCommand.ACKNOWLEDGE, (alarm_id,), "seen it"), operator).result(10)
        assert rt.alarms.record(alarm_id).acked
        db = sqlite3.connect(rt.journal.path)
        audit = [r[0] for r in db.execute("select message from events where kind='audit' order by id")]
        assert any("refused" in m and "vic" in m for m in audit)
        transitions = db.execute("select count(*) from events where kind='alarm'").fetchone()[0]
        assert transitions >= 2
    finally:
        rt.stop()
        server.close()


def test_network_cut_is_backfilled_from_simulator_history(tmp_path):
    """A cut link: the gap is marked, then filled from the server's HistoryRead and flagged
    as backfilled; backfilled samples never become the 'current' value."""
    from connectors.loop_thread import LoopThread
    from connectors.sim.server import SimSettings, SimulatedLineServer
    from hmi.core.config import DEMO_CONFIG, load_config
    from hmi.core.live_values import LiveValues
    from hmi.core.quality import is_backfilled

    cfg = load_config(DEMO_CONFIG)
    sim_loop = LoopThread("test-sim").start()
    sim = SimulatedLineServer(SimSettings(port=0, seed=5, faults=[]), cfg)
    sim_loop.run(sim.start(), timeout=30)
    rt = LineRuntime(cfg, journal_dir=tmp_path, endpoint=sim.endpoint).start()
    try:
        wait_for(lambda: rt.state == ConnectionState.CONNECTED, timeout=30)
        time.sleep(2.0)
        # Keep the link cut for 2 s: on a quiet machine the client is back within ~0.2 s, and a gap
        # that short may hold no history sample of the simulator's changing tags (rightly
        # "backfilled 0", since a reconnect no longer journals its own read as history).
        cut = time.monotonic()
        while time.monotonic() - cut < 2.0:
            sim_loop.run(sim.kill_transport(), timeout=10)
            time.sleep(0.05)
        live = LiveValues(cfg)

        def backfill_event():
            rt.journal.flush()
            db = sqlite3.connect(rt.journal.path)
            # Every gap's backfill together: a reconnect inside the cut may make a gap of its own.
            row = db.execute(
                "select group_concat(message, ' | '), sum(json_extract(data, '$.backfilled')) from events "
                "where kind = 'data_gap' and message like 'backfilled%' having count(*) > 0"
            ).fetchone()
            db.close()
            return row

        wait_for(
            lambda: live.apply(rt.poll().batch) is not None and (backfill_event() or (None, 0))[1] > 0,
            timeout=20,
        )
        message, n = backfill_event()
        assert n > 0 and "from server history" in message
        db = sqlite3.connect(rt.journal.path)
        statuses = np.array([r[0] for r in db.execute("select status from samples")], dtype=np.uint32)
        assert np.asarray(is_backfilled(statuses)).sum() == n
        # The screen's current values are not backfilled ones.
        assert not np.asarray(is_backfilled(live.status)).any()
    finally:
        rt.stop()
        sim_loop.run(sim.stop(), timeout=15)
        sim_loop.stop()
