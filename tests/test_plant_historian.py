"""The PostgreSQL plant historian against a real PostgreSQL server (started here, on a free port).

Every check compares PostgreSQL row by row with the station's SQLite journal files: forwarding order and
idempotence, PostgreSQL stopped and restarted mid-stream, a forwarder process SIGKILLed mid-batch, two
stations of one line, schema migration from the previous version, and the outage events.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

psycopg = pytest.importorskip("psycopg")  # the `plant` profile is part of `dev`: present in `make test`

from connectors.plant.forwarder import ForwarderSettings, PlantError, PlantForwarder, read_password  # noqa: E402
from connectors.plant.schema import MIGRATIONS, SCHEMA_VERSION, SchemaError, migrate  # noqa: E402
from hmi.core.config import ConfigError, PlantConfig, parse_config  # noqa: E402
from hmi.core.events import EventKind, JournalEvent  # noqa: E402
from hmi.core.journal import Journal  # noqa: E402
from tests.pg_server import running_postgres  # noqa: E402
from tests.test_journal import batch, make_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pg():
    with running_postgres() as server:
        yield server


@pytest.fixture
def db_url(pg):
    """A fresh database per test on the shared server."""
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg.url, autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    return pg.url.rsplit("/", 1)[0] + "/" + name


def write_journal(
    directory: Path, n_batches: int, per_batch: int = 50, t0: float = 1_765_000_000.0, line="jt"
):
    """A real station journal: n_batches x per_batch samples over 3 tags, plus one event per batch."""
    cfg = make_config(line=line)
    with Journal(cfg, directory, clock=lambda: t0) as j:
        for k in range(n_batches):
            idx = np.arange(per_batch) % 3
            ts = t0 + k + np.arange(per_batch) / per_batch
            j.write_samples(batch(idx, ts, np.arange(per_batch, dtype=float) + k * per_batch))
            j.write_event(JournalEvent(EventKind.SYSTEM, f"batch {k}", ts=t0 + k))
        j.flush()
    return cfg


def local_rows(directory: Path) -> tuple[list[tuple], list[tuple]]:
    samples, events = [], []
    for path in sorted(directory.glob("*.db")):
        c = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        sql = "SELECT s.id, t.name, s.source_ts, s.value, s.status FROM samples s JOIN tags t ON t.id = s.tag_id"
        samples += [(path.name, *r) for r in c.execute(sql + " ORDER BY s.id")]
        events += [(path.name, *r) for r in c.execute("SELECT id, kind, message FROM events ORDER BY id")]
        c.close()
    return samples, events


def plant_rows(url: str, station: str) -> tuple[list[tuple], list[tuple]]:
    with psycopg.connect(url) as c:
        samples = c.execute(
            "SELECT j.journal, s.local_id, t.name, extract(epoch FROM s.source_ts)::float8, s.value, s.status"
            " FROM samples s JOIN tags t ON t.id = s.tag_id JOIN journals j ON j.id = s.origin"
            " WHERE j.station_id = %s ORDER BY j.journal, s.local_id",
            (station,),
        ).fetchall()
        events = c.execute(
            "SELECT journal, local_id, kind, message FROM events WHERE station_id = %s ORDER BY journal, local_id",
            (station,),
        ).fetchall()
    return samples, events


def assert_same(directory: Path, url: str, station: str) -> None:
    local_s, local_e = local_rows(directory)
    plant_s, plant_e = plant_rows(url, station)
    assert len(plant_s) == len(local_s), f"{len(local_s) - len(plant_s)} samples missing or duplicated"
    for a, b in zip(local_s, plant_s, strict=True):
        assert a[:3] == b[:3] and abs(a[3] - b[3]) < 1e-5 and a[4] == b[4] and a[5] == b[5], (a, b)
    assert [tuple(e) for e in local_e] == [tuple(e) for e in plant_e]


def wait_drained(fwd: PlantForwarder, timeout: float = 30.0) -> None:
    """Until PostgreSQL confirmed every row of the journal files as they are now (closing events too)."""
    deadline = time.monotonic() + timeout
    while fwd.backlog()[0] != 0 and time.monotonic() < deadline:
        time.sleep(0.1)


def settings(url: str, directory: Path, station="st1", batch_rows=100, line="jt") -> ForwarderSettings:
    return ForwarderSettings(
        url=url, password=None, station_id=station, line_id=line, journal_dir=directory,
        interval_s=0.05, batch_rows=batch_rows,
    )  # fmt: skip


# --- schema ------------------------------------------------------------------------------------------


def test_init_creates_the_schema_once_and_migrates_from_the_previous_version(db_url):
    with psycopg.connect(db_url, autocommit=True) as c:
        # A database made by the previous LineHMI: version 1 only.
        with c.transaction():
            c.execute("CREATE TABLE schema_migrations (version integer PRIMARY KEY, description text NOT NULL,"
                      " applied_at timestamptz NOT NULL DEFAULT now())")  # fmt: skip
            c.execute(MIGRATIONS[0][2])
            c.execute("INSERT INTO schema_migrations VALUES (1, 'v1')")
        assert migrate(c) == list(range(2, SCHEMA_VERSION + 1))
        assert migrate(c) == []
        c.execute("INSERT INTO schema_migrations (version, description) VALUES (99, 'from the future')")
        with pytest.raises(SchemaError, match="newer than this LineHMI"):
            migrate(c)


def test_plant_cli_init_and_status(db_url, tmp_path):
    def linehmi(*args):
        return subprocess.run(
            [sys.executable, "-m", "hmi.cli", "plant", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )

    out = linehmi("init", db_url)
    assert out.returncode == 0 and f"-> {SCHEMA_VERSION}" in out.stdout, out.stderr
    assert "up to date" in linehmi("init", db_url).stdout
    write_journal(tmp_path, 3)
    PlantForwarder(settings(db_url, tmp_path)).forward_once()
    out = linehmi("status", db_url)
    assert out.returncode == 0 and "st1" in out.stdout and "150" in out.stdout, out.stdout
    bad = linehmi("status", db_url.replace("/t_", "/nosuchdb_"))
    assert bad.returncode != 0 and "cannot connect" in bad.stderr and "nosuchdb" in bad.stderr


# --- forwarding ------------------------------------------------------------------------------------------


def test_forwarding_is_complete_in_order_and_idempotent(db_url, tmp_path):
    write_journal(tmp_path, 20)
    local_s, local_e = local_rows(tmp_path)
    assert len(local_s) == 20 * 50 and len(local_e) >= 20
    fwd = PlantForwarder(settings(db_url, tmp_path, batch_rows=70))
    assert fwd.forward_once() == len(local_s) + len(local_e)
    assert_same(tmp_path, db_url, "st1")
    assert fwd.forward_once() == 0
    # A station that lost its position (or resends after a crash) sends again: nothing lands twice.
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute("DELETE FROM forward_progress")
    again = PlantForwarder(settings(db_url, tmp_path, batch_rows=70))
    assert again.forward_once() == len(local_s) + len(local_e)
    assert_same(tmp_path, db_url, "st1")
    assert again.status().backlog_rows == 0


def test_new_rows_are_forwarded_while_the_station_journals(db_url, tmp_path):
    cfg = make_config()
    fwd = PlantForwarder(settings(db_url, tmp_path)).start()
    try:
        with Journal(cfg, tmp_path) as j:
            for k in range(30):
                t = time.time()
                j.write_samples(batch([0, 1, 2], [t, t, t], [k, k, k]))
                time.sleep(0.02)
            j.flush()
        wait_drained(fwd)
    finally:
        fwd.stop()
    assert_same(tmp_path, db_url, "st1")


def test_postgres_stopped_and_restarted_mid_stream_loses_and_doubles_nothing(pg, db_url, tmp_path):
    events: list[JournalEvent] = []
    cfg = make_config()
    fwd = PlantForwarder(settings(db_url, tmp_path, batch_rows=200), on_event=events.append).start()
    try:
        with Journal(cfg, tmp_path) as j:
            for k in range(60):
                t = time.time()
                j.write_samples(batch(np.arange(30) % 3, np.full(30, t), np.arange(30.0) + k))
                if k == 15:
                    pg.stop("immediate")  # a crash, not a clean shutdown
                if k == 40:
                    pg.start()
                    pg.wait_ready()
                time.sleep(0.05)
            j.flush()
        wait_drained(fwd)
    finally:
        fwd.stop()
    assert_same(tmp_path, db_url, "st1")
    kinds = [e.data.get("plant") for e in events]
    assert kinds == ["unreachable", "reachable"], [e.message for e in events]  # once per outage


def test_a_journal_read_cut_short_locally_is_no_plant_outage(db_url, tmp_path, monkeypatch):
    """The journal's writer closes its live readers when it closes the file (day change, shutdown):
    a forwarder pass reading it then fails on the local file. That is no outage of the plant
    historian: no "unreachable" event (the full run of stop 23 saw one beside a real outage, so the
    outage test counted two), and the next pass forwards everything, once."""
    import connectors.plant.forwarder as fw

    real_open = fw.open_journal_readonly
    cut = {"left": 3}

    def open_cut_short(path):
        reader = real_open(path)
        if cut["left"] > 0 and threading.current_thread().name == "linehmi-plant-forwarder":
            cut["left"] -= 1
            reader.conn.close()  # as close_live_readers does from the writer's thread
        return reader

    monkeypatch.setattr(fw, "open_journal_readonly", open_cut_short)
    with Journal(make_config(), tmp_path) as j:
        t = time.time()
        j.write_samples(batch([0, 1, 2], [t, t, t], [1.0, 2.0, 3.0]))
        j.flush()
    events: list[JournalEvent] = []
    fwd = PlantForwarder(settings(db_url, tmp_path), on_event=events.append).start()
    try:
        wait_drained(fwd)
    finally:
        fwd.stop()
    assert cut["left"] == 0
    assert_same(tmp_path, db_url, "st1")
    assert [e.message for e in events] == []
    assert fwd.status().reachable is True


FORWARD_PROC = """
import sys, time
from pathlib import Path
from connectors.plant.forwarder import ForwarderSettings, PlantForwarder
url, directory = sys.argv[1], Path(sys.argv[2])
fwd = PlantForwarder(ForwarderSettings(url, None, "st1", "jt", directory, 0.01, 500))
print("ready", flush=True)
while True:
    fwd.forward_once()
"""


def test_forwarder_killed_mid_batch_resumes_without_loss_or_duplicates(db_url, tmp_path):
    write_journal(tmp_path, 200, per_batch=100)  # 20,000 samples: many 500-row batches
    for delay in (0.4, 0.25, 0.6):
        proc = subprocess.Popen(
            [sys.executable, "-c", FORWARD_PROC, db_url, str(tmp_path)],
            cwd=ROOT, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    fwd = PlantForwarder(settings(db_url, tmp_path, batch_rows=500))
    fwd.forward_once()
    assert_same(tmp_path, db_url, "st1")


def test_two_stations_of_a_line_forward_side_by_side(db_url, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    write_journal(a, 5)
    write_journal(b, 7, t0=1_765_000_100.0)
    PlantForwarder(settings(db_url, a, station="station-a")).forward_once()
    PlantForwarder(settings(db_url, b, station="station-b")).forward_once()
    assert_same(a, db_url, "station-a")
    assert_same(b, db_url, "station-b")
    with psycopg.connect(db_url) as c:
        assert c.execute("SELECT count(*) FROM tags").fetchone()[0] == 3  # one tag table per line


def test_unreachable_database_keeps_a_backlog_and_says_why(tmp_path):
    write_journal(tmp_path, 2)
    events: list[JournalEvent] = []
    fwd = PlantForwarder(settings("postgresql://nobody@127.0.0.1:1/none", tmp_path), on_event=events.append)
    fwd.start()
    time.sleep(0.5)
    fwd.stop()
    st = fwd.status()
    assert st.reachable is False and st.problem and "unreachable" in st.text()
    assert len(events) == 1 and "keeps journaling locally" in events[0].message
    assert list(tmp_path.glob("*.db"))  # nothing local touched


# --- configuration and secrets --------------------------------------------------------------------------


def test_plant_config_refuses_passwords_in_the_url_and_world_readable_secrets(tmp_path, monkeypatch):
    base = make_config().model_dump(mode="json")
    with pytest.raises(ConfigError, match="must not contain a password"):
        parse_config(_toml_with_plant(base, 'database = "postgresql://u:secret@h/db"'))
    ok = parse_config(_toml_with_plant(base, 'database = "postgresql://u@h/db"\npassword_env = "PLANT_PW"'))
    monkeypatch.setenv("PLANT_PW", "s3cret")
    assert ok.plant is not None and read_password(ok.plant) == "s3cret"
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    secret.chmod(0o644)
    with pytest.raises(PlantError, match="chmod 600"):
        read_password(PlantConfig(database="postgresql://u@h/db", password_file=str(secret)))
    secret.chmod(0o600)
    assert read_password(PlantConfig(database="postgresql://u@h/db", password_file=str(secret))) == "s3cret"


def _toml_with_plant(_cfg: dict, plant_body: str) -> str:
    text = (ROOT / "resources" / "demo_line.toml").read_text()
    return text + f"\n[plant]\n{plant_body}\n"


def test_a_runtime_with_plant_section_forwards_its_journal(db_url, tmp_path):
    from hmi.app.runtime import LineRuntime
    from hmi.core.runtime_api import ConnectionState
    from tests.opcua_fixtures import TinyServer, free_port, small_config

    port = free_port()
    server = TinyServer(port).start()
    base = small_config(port, journal_dir=tmp_path)
    cfg = base.model_copy(update={"plant": PlantConfig(database=db_url, station_id="rt-station",
                                                        forward_interval_ms=100)})  # fmt: skip
    rt = LineRuntime(cfg).start()
    try:
        deadline = time.monotonic() + 20
        while rt.state != ConnectionState.CONNECTED and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
        assert rt.plant is not None
        while rt.plant.status().forwarded_rows < 10 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert rt.plant.status().reachable is True
    finally:
        rt.stop()
        server.close()
    # What the runtime had not sent when it stopped goes on the next pass; then both sides agree.
    PlantForwarder(settings(db_url, tmp_path, station="rt-station", line="testline")).forward_once()
    assert_same(tmp_path, db_url, "rt-station")
