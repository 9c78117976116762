"""One operator state per line across stations, against a real PostgreSQL server (started here).

Two stations in one process: each an alarm engine of its own (evaluation stays per station) with a
`LineStateSync` client. Checked: acknowledgements with comments, shelves with their expiry, out of
service, resets, limit changes and stop edits made on one station apply on the other (audited with the
station and user that made them, never sent back); two acknowledgements at once; a station cut off
from the database that acts locally, says so, and merges in time order when back; re-reading the
state after a reconnect; an action on an alarm the other station does not have.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg")

from connectors.plant.forwarder import ForwarderSettings  # noqa: E402
from connectors.plant.line_sync import LineStateSync  # noqa: E402
from hmi.core.alarms import AlarmEngine, AlarmState, load_definitions  # noqa: E402
from hmi.core.alarms.commands import AlarmCommand, AlarmRequest  # noqa: E402
from hmi.core.alarms.persistence import MemoryJournal  # noqa: E402
from hmi.core.audit import Auditor, Origin  # noqa: E402
from hmi.core.events import EventKind, JournalEvent  # noqa: E402
from hmi.core.production.stops import CLASSIFY  # noqa: E402
from hmi.core.quality import GOOD  # noqa: E402
from hmi.core.samples import SampleBatch  # noqa: E402
from hmi.core.users import Role, User  # noqa: E402
from tests import test_plant_historian  # noqa: E402
from tests.test_alarm_engine import FAULTED, Clock, make_config  # noqa: E402

# The historian tests' fixtures: a PostgreSQL server per module, a fresh database per test.
pg = test_plant_historian.pg
db_url = test_plant_historian.db_url

S = AlarmState
C = AlarmCommand
OLGA = User("olga", Role.OPERATOR)
SAM = User("sam", Role.SUPERVISOR)
ERIN = User("erin", Role.ENGINEER)
EXTRA = {"id": "capper.hot", "type": "discrete", "tag": "capper.state", "value": 4, "priority": "low"}


class Cuttable:
    """A TCP relay between a station and PostgreSQL whose connections can be cut (a pulled cable)."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        self.open = True
        self.socks: list[socket.socket] = []
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self) -> None:
        while True:
            try:
                c, _ = self.server.accept()
            except OSError:
                return
            if not self.open:
                c.close()
                continue
            u = socket.create_connection(("127.0.0.1", self.target))
            self.socks += [c, u]
            for a, b in ((c, u), (u, c)):
                self.threads.append(threading.Thread(target=self._pump, args=(a, b), daemon=True))
                self.threads[-1].start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        self.open = False
        for s in self.socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.socks = []

    def restore(self) -> None:
        self.open = True

    def close(self) -> None:
        self.cut()
        try:
            self.server.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        except OSError:
            pass
        self.server.close()
        for t in self.threads:
            t.join(5)


class Station:
    """One station of line "t": its own engine, journal and sync client, on a shared clock."""

    def __init__(self, name: str, url: str, clock: Clock, tmp: Path, alarms=(FAULTED,), production=None):
        self.name = name
        self.clock = clock
        self.config = make_config(list(alarms))
        defs, problems = load_definitions(self.config)
        assert not problems, problems
        self.journal = MemoryJournal()
        self.engine = AlarmEngine(self.config, defs, self.journal, clock)
        self.index = self.config.tag_index()
        self.events: list[JournalEvent] = []
        self.production = production
        self.sync = LineStateSync(
            ForwarderSettings(url, None, name, "t", tmp),
            self.engine,
            Auditor(self.journal, clock),
            production=production,
            on_event=self.events.append,
            state_dir=tmp / name,
            clock=clock,
            retry_s=0.2,
        ).start()

    def feed(self, **values: float) -> None:
        names = list(values)
        t = self.clock.t
        n = len(names)
        self.engine.process(
            SampleBatch.from_columns(
                [self.index[k] for k in names],
                [t] * n,
                [t] * n,
                [t] * n,
                [values[k] for k in names],
                [GOOD] * n,
            )
        )

    def act(self, request: AlarmRequest, user: User) -> Any:
        return self.sync.submit_alarm(request, user).result(15)

    def rec(self, aid: str):
        return self.engine.record(aid)

    def audits(self, result: str | None = None) -> list[JournalEvent]:
        return [
            e for e in self.journal.of_kind(EventKind.AUDIT) if result is None or e.data["result"] == result
        ]

    def stop(self) -> None:
        self.sync.stop()


def until(pred: Callable[[], Any], timeout: float = 15.0, what: str | Callable[[], str] = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout} s: {what() if callable(what) else what}")


@pytest.fixture
def line(db_url, tmp_path):
    clock = Clock(1_765_000_000.0)
    made: list[Station] = []

    def station(name: str, url: str | None = None, **kw: Any) -> Station:
        s = Station(name, url or db_url, clock, tmp_path, **kw)
        made.append(s)
        until(lambda: s.sync.status().online, what=f"{name} online")
        return s

    yield station, clock
    for s in made:
        s.stop()


def test_actions_made_on_one_station_apply_on_the_other(line):
    station, clock = line
    a, b = station("A"), station("B")
    for s in (a, b):
        s.feed(temp=75.0, level=50.0, **{"filler.state": 4})  # temp.hi, filler.faulted active on both

    a.act(AlarmRequest(C.ACKNOWLEDGE, ("temp.hi",), "seen it, calling maintenance"), OLGA)
    until(lambda: b.rec("temp.hi").state == S.ACKED, what="ack on B")
    assert (b.rec("temp.hi").acked_by, b.rec("temp.hi").comment) == ("olga", "seen it, calling maintenance")
    audit = [e for e in b.audits("ok") if e.data["action"] == "acknowledge"]
    assert audit and audit[0].user == "olga" and audit[0].data["station"] == "A"  # who and where

    # Shelve on B: the expiry counts from when it was made, on both stations.
    made = clock.t
    b.act(AlarmRequest(C.SHELVE, ("filler.faulted",), "fitter on it", duration_s=600), SAM)
    until(lambda: a.rec("filler.faulted").state == S.SHELVED, what="shelve on A")
    assert a.rec("filler.faulted").shelved_until == pytest.approx(made + 600)
    assert b.rec("filler.faulted").shelved_until == pytest.approx(made + 600)
    b.act(AlarmRequest(C.UNSHELVE, ("filler.faulted",)), SAM)
    until(lambda: a.rec("filler.faulted").state != S.SHELVED, what="unshelve on A")

    # Out of service and back, limit change, reset of a latched alarm.
    a.act(AlarmRequest(C.OUT_OF_SERVICE, ("level.lo",), "sensor swap WO-88"), SAM)
    until(lambda: b.rec("level.lo").state == S.OUT_OF_SERVICE, what="OOS on B")
    b.act(AlarmRequest(C.RETURN_TO_SERVICE, ("level.lo",), "sensor back"), SAM)
    until(lambda: a.rec("level.lo").state != S.OUT_OF_SERVICE, what="RTS on A")
    a.act(AlarmRequest(C.SET_LIMIT, ("temp.hi",), "new probe", limit=78.0), ERIN)
    until(lambda: b.rec("temp.hi").limit == 78.0, what="limit on B")
    for s in (a, b):
        s.feed(**{"filler.state": 2})  # the fault clears; it stays latched
    a.act(AlarmRequest(C.ACKNOWLEDGE, ("filler.faulted",)), OLGA)
    until(lambda: b.rec("filler.faulted").state == S.LATCHED, what="latched ack on B")
    b.act(AlarmRequest(C.RESET, ("filler.faulted",), "reset at the panel"), SAM)
    until(lambda: a.rec("filler.faulted").state == S.NORMAL, what="reset on A")

    # Nothing echoed: each station applied the other's actions once and its own once.
    time.sleep(0.5)
    with psycopg.connect(a.sync.settings.url) as c:
        n = c.execute("SELECT count(*) FROM line_actions").fetchone()[0]
    assert n == 8
    assert a.sync.applied_remote == 4 and b.sync.applied_remote == 4


def test_two_acknowledgements_at_once_one_wins_by_database_order(line):
    station, _clock = line
    a, b = station("A"), station("B")
    for s in (a, b):
        s.feed(temp=75.0)
    barrier = threading.Barrier(2)
    futs = {}

    def ack(s: Station, user: User) -> None:
        barrier.wait()
        futs[s.name] = s.sync.submit_alarm(AlarmRequest(C.ACKNOWLEDGE, ("temp.hi",), f"{s.name} here"), user)

    threads = [threading.Thread(target=ack, args=(a, OLGA)), threading.Thread(target=ack, args=(b, SAM))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for f in futs.values():
        f.result(15)
    with psycopg.connect(a.sync.settings.url) as c:
        first, second = c.execute('SELECT station_id, "user" FROM line_actions ORDER BY seq').fetchall()
    until(lambda: a.sync.status().online and len(a.audits("not applied")) == 1, what="loser noted on A")
    until(lambda: len(b.audits("not applied")) == 1, what="loser noted on B")
    for s in (a, b):
        r = s.rec("temp.hi")
        assert r.state == S.ACKED and r.acked_by == first[1], (s.name, r.acked_by, first)
        (note,) = s.audits("not applied")
        assert note.user == second[1]
        assert f"already acknowledged by {first[1]} at" in note.message
        transitions = [e for e in s.journal.of_kind(EventKind.ALARM) if e.data.get("action") == "acknowledge"]
        assert len(transitions) == 1  # one acknowledgement per station, the winner's


def test_an_action_on_an_alarm_the_other_station_lacks_is_recorded_not_applied(line):
    station, _ = line
    a = station("A", alarms=(FAULTED, EXTRA))
    b = station("B")
    a.feed(**{"capper.state": 4})
    a.act(AlarmRequest(C.ACKNOWLEDGE, ("capper.hot",)), OLGA)
    until(lambda: b.audits("not applied"), what="note on B")
    (note,) = b.audits("not applied")
    assert "no alarm 'capper.hot'" in note.message and note.data["station"] == "A"


def test_an_acknowledgement_waits_for_an_alarm_the_station_sees_a_moment_later(line):
    station, clock = line
    a, b = station("A"), station("B")
    a.feed(temp=75.0)
    a.act(AlarmRequest(C.ACKNOWLEDGE, ("temp.hi",)), OLGA)
    until(lambda: b.sync.applied_remote == 1, what="B read it")
    clock.t += 0.3  # B's own reading of the PLC shows the alarm 300 ms later
    b.feed(temp=75.0)
    until(lambda: b.rec("temp.hi").state == S.ACKED, what="ack applied on B after its activation")


def test_a_station_cut_off_acts_locally_says_so_and_merges_in_time_order(line, pg, db_url):
    station, clock = line
    relay = Cuttable(pg.port)
    try:
        url_a = db_url.replace(f":{pg.port}/", f":{relay.port}/")
        a, b = station("A", url=url_a), station("B")
        for s in (a, b):
            s.feed(temp=75.0, level=15.0, pressure=1.0)  # temp.hi and level.lo active on both
        relay.cut()
        until(lambda: a.sync.status().online is False, what="A sees the cut")
        assert any(e.data.get("plant_link") == "offline" for e in a.events)

        t_shelve = clock.t
        a.act(AlarmRequest(C.SHELVE, ("level.lo",), "tank being refilled", duration_s=900), SAM)  # offline
        clock.t += 5
        a.act(AlarmRequest(C.SET_LIMIT, ("temp.hi",), "A's offline change", limit=76.0), ERIN)
        clock.t += 5
        a.act(AlarmRequest(C.SHELVE, ("temp.hi",), "expires before the merge", duration_s=30), SAM)
        assert a.rec("level.lo").state == S.SHELVED  # acted on locally at once
        status = a.sync.status()
        assert status.online is False and status.pending == 3
        assert status.text() == "plant link offline — actions kept locally (3)"

        clock.t += 10
        b.act(AlarmRequest(C.SET_LIMIT, ("temp.hi",), "B's change meanwhile", limit=80.0), ERIN)
        b.act(AlarmRequest(C.ACKNOWLEDGE, ("level.lo",), "B acknowledges"), OLGA)
        clock.t += 100  # 120 s after the shelve was made; the 30 s shelve has expired

        relay.restore()
        until(lambda: a.sync.status().online and a.sync.status().pending == 0, what="A back and merged")
        until(lambda: b.rec("level.lo").state == S.SHELVED, what="A's shelve on B")
        # The shelve counts from when it was made, offline, on both stations.
        for s in (a, b):
            assert s.rec("level.lo").shelved_until == pytest.approx(t_shelve + 900)
        # The expired shelve is recorded on B, not applied.
        until(
            lambda: any("expired" in e.message for e in b.audits("not applied")), what="expired shelve noted"
        )
        # B's acknowledgement reached A after A had shelved the alarm: noted there, not applied.
        assert any("shelved here" in e.message for e in a.audits("not applied"))
        # Limits: the last writer in database order (A's merged change) on both stations.
        with psycopg.connect(db_url) as c:
            rows = c.execute(
                "SELECT station_id, payload->>'limit', offline FROM line_actions"
                " WHERE payload->>'command' = 'set_limit' ORDER BY seq"
            ).fetchall()
        assert rows == [("B", "80.0", False), ("A", "76.0", True)]
        until(lambda: b.rec("temp.hi").limit == 76.0, what="A's limit on B")
        assert a.rec("temp.hi").limit == 76.0  # re-applied on A after B's change it had not seen
        # Merged in the time order they were made, and said so in the journal.
        with psycopg.connect(db_url) as c:
            made = [r[0] for r in c.execute("SELECT made_at FROM line_actions WHERE offline ORDER BY seq")]
        assert made == sorted(made) and len(made) == 3
        back = [e for e in a.events if e.data.get("plant_link") == "online"]
        assert back and back[-1].data["merged"] == 3
    finally:
        relay.close()


def test_a_station_re_reads_the_line_state_after_reconnecting(line, pg, db_url):
    station, _ = line
    relay = Cuttable(pg.port)
    try:
        a = station("A")
        b = station("B", url=db_url.replace(f":{pg.port}/", f":{relay.port}/"))
        for s in (a, b):
            s.feed(temp=75.0)
        relay.cut()
        until(lambda: b.sync.status().online is False, what="B cut off")
        a.act(AlarmRequest(C.ACKNOWLEDGE, ("temp.hi",), "while B was away"), OLGA)  # B hears no NOTIFY
        time.sleep(0.5)
        assert b.rec("temp.hi").state == S.UNACKED
        relay.restore()
        until(lambda: b.rec("temp.hi").state == S.ACKED, what="B re-read the state")
        assert b.rec("temp.hi").acked_by == "olga"
    finally:
        relay.close()


class StopEdits:
    """Production's stop edits as the sync drives them (the tracker's own path is tested elsewhere)."""

    def __init__(self, stops: set[tuple[str, float]]) -> None:
        self.stops = stops
        self.applied: list[tuple[str, str, str, float, Origin | None, dict]] = []

    def edit(self, user, action, machine, stop_start, *, origin=None, **kw):
        if (machine, stop_start) not in self.stops:
            raise ValueError(f"no stop of {machine!r} begins at {stop_start:.3f}")
        self.applied.append((user.name, action, machine, stop_start, origin, kw))
        return (machine, stop_start)


def test_stop_reasons_are_shared_and_a_stop_the_other_lacks_is_noted(line):
    station, _ = line
    pa, pb = StopEdits({("filler", 100.0), ("capper", 5.0)}), StopEdits({("filler", 100.0)})
    a, b = station("A", production=pa), station("B", production=pb)
    a.sync.submit_stop(SAM, CLASSIFY, "filler", 100.0, reason="jam").result(15)
    until(lambda: pb.applied, what="stop reason on B")
    user, action, machine, start, origin, kw = pb.applied[0]
    assert (user, action, machine, start, kw) == ("sam", CLASSIFY, "filler", 100.0, {"reason": "jam"})
    assert origin is not None and origin.station == "A"
    assert pa.applied[0][4] is None  # made here: no origin
    a.sync.submit_stop(SAM, CLASSIFY, "capper", 5.0, reason="starved").result(15)
    until(lambda: b.audits("not applied"), what="note on B")
    assert "no stop of 'capper'" in b.audits("not applied")[0].message


def test_two_runtimes_of_a_line_share_an_acknowledgement(db_url, tmp_path):
    """The wiring: LineRuntime.alarm_action goes through the line's shared state, and the other
    runtime applies it, journals it with the station that made it, and shows the link as up."""
    from hmi.app.runtime import LineRuntime
    from hmi.core.config import PlantConfig
    from tests.opcua_fixtures import TinyServer, free_port, small_config

    running = (
        '[[alarms]]\nid = "m1.running"\ntype = "discrete"\ntag = "m1.state"\nvalue = 2\npriority = "low"\n'
    )
    port = free_port()
    server = TinyServer(port).start()
    rts = []
    try:
        for name in ("a", "b"):
            base = small_config(port, extra_tags=running, journal_dir=tmp_path / name)
            plant = PlantConfig(database=db_url, station_id=f"station-{name}", forward_interval_ms=200)
            rts.append(LineRuntime(base.model_copy(update={"plant": plant})).start())
        a, b = rts
        for rt in rts:
            until(lambda rt=rt: rt.alarms.record("m1.running").state == S.UNACKED, what="alarm active")
            until(lambda rt=rt: rt.plant_link.status().link.online, what="link up")
        a.alarm_action(AlarmRequest(C.ACKNOWLEDGE, ("m1.running",), "known: test"), OLGA).result(15)
        until(lambda: b.alarms.record("m1.running").state == S.ACKED, what="ack on runtime b")
        assert b.alarms.record("m1.running").acked_by == "olga"
        until(lambda: b.plant_link.status().backlog_rows is not None, what="first forwarding pass")
        assert b.plant_link.status().text().startswith("plant link up — line state shared · backlog")
        audits = [e for e in b.journal.read_events(kinds=[EventKind.AUDIT]) if e.data.get("station")]
        assert [(e.user, e.data["station"], e.data["action"]) for e in audits] == [
            ("olga", "station-a", "acknowledge")
        ]
    finally:
        for rt in rts:
            rt.stop()
        server.close()


def test_the_forwarding_backlog_figure_grows_while_the_database_is_away(pg, db_url, tmp_path):
    """What the status bar shows of the forwarder: rows not yet confirmed, counted again at the outage
    (not the figure from before it)."""
    from connectors.plant.forwarder import PlantForwarder
    from connectors.plant.link import PlantLink
    from tests.test_plant_historian import settings, write_journal

    relay = Cuttable(pg.port)
    first, later = tmp_path / "first", tmp_path / "later"
    try:
        write_journal(first, 3)
        fwd = PlantForwarder(settings(db_url.replace(f":{pg.port}/", f":{relay.port}/"), first))
        link = PlantLink(fwd, None)
        fwd.start()
        until(lambda: link.status().backlog_rows == 0, what="drained")
        relay.cut()
        # The station journals on: a second file's rows wait for the database.
        write_journal(later, 3, t0=1_765_100_000.0)
        (path,) = later.glob("*.db")
        with sqlite3.connect(path) as c:
            waiting = sum(c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("samples", "events"))
        path.rename(first / path.name)
        until(
            lambda: link.status().reachable is False and link.status().backlog_rows == waiting,
            what=lambda: f"backlog {link.status()}, expected {waiting}",
        )
        assert link.status().text().startswith(f"plant historian unreachable, backlog {waiting} rows, oldest")
        relay.restore()
        until(lambda: link.status().reachable and link.status().backlog_rows == 0, what="drained again")
        fwd.stop()
    finally:
        relay.close()
