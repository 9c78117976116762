"""A lost server link is one alarm with its action, not one "signal lost" alarm per sensor
(issue 10, walkthrough finding 9). Real simulator, real runtime, real alarm engine: the
simulator process is killed for longer than the longest quality-alarm on-delay, then started again.
"""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time

import pytest

from hmi.app.runtime import LineRuntime
from hmi.core.alarms.definitions import load_definitions
from hmi.core.alarms.model import AlarmKind, AlarmState
from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.link_state import LINK_CONNECTED, LINK_LOST
from hmi.core.runtime_api import ConnectionState
from tests.opcua_fixtures import free_port
from tests.test_runtime import wait_for

LINK_ALARM = "line.server_link.lost"


def test_every_quality_alarm_of_a_server_tag_waits_for_the_link():
    """The class, from the config: no quality alarm of a server tag can fire while the link is down."""
    cfg = load_config(DEMO_CONFIG)
    defs, problems = load_definitions(cfg)
    assert problems == []
    tags = {t.name: t for t in cfg.tags}
    quality = [d for d in defs if d.kind == AlarmKind.QUALITY and tags[d.tag].source == "opcua"]
    assert quality, "the demo has quality alarms"
    for d in quality:
        assert any(c.tag == cfg.server.link_tag and c.test(float(LINK_LOST)) for c in d.suppress_when), d.id
        assert all(not c.test(float(LINK_CONNECTED)) for c in d.suppress_when if c.tag == cfg.server.link_tag)
    link = next(d for d in defs if d.id == LINK_ALARM)
    assert link.tag == cfg.server.link_tag and link.action


def _sim(port: int) -> subprocess.Popen:
    """The simulator as its own process, so it can be killed as a PLC's PC goes down (stopping an
    in-process server aborts its connections before it stops listening: a client can slip back in)."""
    cmd = [sys.executable, "-m", "hmi.cli", "sim", "--port", str(port), "--seed", "3", "--no-faults"]
    cmd += ["--no-random-jams", "--camera-hz", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def listening() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False

    wait_for(listening, timeout=90)
    return proc


@pytest.mark.parametrize("outage_s", [12.0])
def test_a_stopped_server_raises_one_link_alarm_and_no_sensor_alarms(tmp_path, outage_s):
    cfg = load_config(DEMO_CONFIG)
    defs, _ = load_definitions(cfg)
    longest = max(d.on_delay_s for d in defs if d.kind == AlarmKind.QUALITY)
    assert outage_s > longest + 1.0  # long enough for every quality alarm to have fired the old way
    quality_ids = [d.id for d in defs if d.kind == AlarmKind.QUALITY]
    port = free_port()
    sim = _sim(port)
    rt = LineRuntime(cfg, journal_dir=tmp_path, endpoint=f"opc.tcp://127.0.0.1:{port}/linehmi/").start()
    try:
        wait_for(lambda: rt.state == ConnectionState.CONNECTED, timeout=90)
        time.sleep(1.5)  # values and the link tag's "Connected" reach the engine
        assert rt.alarms.record(LINK_ALARM).state == AlarmState.NORMAL
        lost_at = time.time()
        sim.kill()  # the server is gone, as when the PLC or its PC stops
        sim.wait(15)
        wait_for(lambda: rt.state != ConnectionState.CONNECTED, timeout=30)
        wait_for(lambda: rt.alarms.record(LINK_ALARM).state == AlarmState.UNACKED, timeout=15)
        time.sleep(max(0.0, lost_at + outage_s - time.time()))
        link = rt.alarms.record(LINK_ALARM)
        assert link.active and "OPC UA server lost" in link.message and "reconnects by itself" in link.message
        for aid in quality_ids:
            rec = rt.alarms.record(aid)
            assert rec.state == AlarmState.SUPPRESSED and not rec.active, (aid, rec.state)
        # the line's alarms that hold their condition on Bad data did not fire either
        annunciated = [r.id for r in rt.alarms.records() if r.active]
        assert annunciated == [LINK_ALARM]

        sim = _sim(port)  # the server comes back on the same port
        wait_for(lambda: rt.state == ConnectionState.CONNECTED, timeout=90)
        wait_for(lambda: not rt.alarms.record(LINK_ALARM).active, timeout=15)
        time.sleep(1.0)
        for aid in quality_ids:  # back with the link, the sensors are good: nothing to say
            assert not rt.alarms.record(aid).active, aid
        assert rt.alarms.record(LINK_ALARM).state == AlarmState.RTN_UNACKED
    finally:
        rt.stop()
        sim.kill()
        sim.wait(15)
    db = sqlite3.connect(rt.journal.path)
    fired = [
        r[0]
        for r in db.execute(
            "select source from events where kind = 'alarm' and json_extract(data, '$.action') = 'activate'"
        )
    ]
    db.close()
    assert fired == [LINK_ALARM], fired
