"""The plant historian's reads (PostgreSQL) against the journal's (SQLite) on the same samples.

A random recorded signal is journaled as the writer does, forwarded to a real PostgreSQL server by the
station's forwarder, and read back through both historians over windows inside and around the data at
several plot widths: raw reads, rollup buckets and SQL buckets must agree point for point (times to
PostgreSQL's microsecond), and what the PostgreSQL read draws must pass the trend truth checks of
tests/drawn_truth.py. Also: the rollups stay right when a batch is sent twice, and a database from the
previous schema gets its rollups built by the migration.
"""

from __future__ import annotations

import math
import uuid
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

psycopg = pytest.importorskip("psycopg")

from connectors.plant.access import PlantTarget  # noqa: E402
from connectors.plant.forwarder import ForwarderSettings, PlantForwarder  # noqa: E402
from connectors.plant.historian import PlantHistorian  # noqa: E402
from connectors.plant.schema import MIGRATIONS, SCHEMA_VERSION, migrate  # noqa: E402
from hmi.core.config import DEMO_CONFIG, load_config  # noqa: E402
from hmi.core.historian import Historian, HistoryResult  # noqa: E402
from hmi.core.historian_synth import write_recorded_journal  # noqa: E402
from hmi.core.quality import BAD_NOT_CONNECTED  # noqa: E402
from hmi.core.trend_data import Points, value_at  # noqa: E402
from tests.drawn_truth import T0, Columns, curve_xy, recorded_signals, violations  # noqa: E402
from tests.pg_server import running_postgres  # noqa: E402

TAG = "filler.motor_current"
OTHER = "filler.speed"


@pytest.fixture(scope="module")
def cfg():
    return load_config(DEMO_CONFIG)


@pytest.fixture(scope="module")
def pg_url():
    with running_postgres() as server:
        name = "reads_" + uuid.uuid4().hex[:8]
        with psycopg.connect(server.url, autocommit=True) as c:
            c.execute(f"CREATE DATABASE {name}")
        yield server.url.rsplit("/", 1)[0] + "/" + name


def forward(url: str, directory: Path, station: str, line: str, batch_rows: int = 20_000) -> None:
    fwd = PlantForwarder(ForwarderSettings(url, None, station, line, directory, batch_rows=batch_rows))
    try:
        while fwd.forward_once():
            pass
    finally:
        fwd.stop()


def journal_and_forward(url: str, cfg, tmp: Path, samples: dict[str, Points]) -> tuple[Path, str]:
    """The journal file of `samples` and the station (a fresh one per example) that forwarded it."""
    station = "st_" + uuid.uuid4().hex[:10]
    directory = tmp / station
    path = directory / f"{cfg.line.id}.db"
    write_recorded_journal(path, cfg, samples, rollups=True)
    forward(url, directory, station, cfg.line.id, batch_rows=97)  # small batches: rollups merged across them
    return path, station


def assert_same_read(a: HistoryResult, b: HistoryResult, tags) -> None:
    np.testing.assert_allclose(b.gaps.start, a.gaps.start, atol=1e-6)
    for tag in tags:
        pa, pb = a.pens[tag], b.pens[tag]
        assert (pb.source, pb.n_samples, pb.bucketed) == (pa.source, pa.n_samples, pa.bucketed), tag
        assert len(pb.points) == len(pa.points), (tag, pa.source)
        np.testing.assert_allclose(pb.points.ts, pa.points.ts, rtol=0, atol=1e-6)
        np.testing.assert_array_equal(pb.points.value, pa.points.value)
        np.testing.assert_array_equal(pb.points.status, pa.points.status)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(
    recorded_signals(max_segments=10, spacing=(1.0, 5.0, 20.0, 90.0)),
    recorded_signals(max_segments=4, spacing=(0.2, 1.0, 10.0)),
    st.sampled_from([120, 400, 900]),
)
def test_postgres_reads_equal_the_journal_reads_and_draw_only_what_was_recorded(
    pg_url, cfg, tmp_path_factory, rec, other, width_px
):
    path, station = journal_and_forward(pg_url, cfg, tmp_path_factory.mktemp("p"), {TAG: rec, OTHER: other})
    target = PlantTarget.parse(pg_url, line=cfg.line.id, station=station)
    span = float(rec.ts[-1] - rec.ts[0])
    # PostgreSQL keeps times to the microsecond: a window edge within 1 µs of a sample may take it in
    # or leave it out where the file does the opposite, so the edges here keep clear of the samples.
    windows = [
        (rec.ts[0] + 0.2 * span + 1.23e-4, rec.ts[0] + 0.7 * span + 1.0 + 3.21e-4),
        (rec.ts[0] - 30, rec.ts[-1] + 30),
        (rec.ts[0] + 0.5 * span + 4.56e-4, rec.ts[0] + 0.5 * span + 3.0 + 6.54e-4),
    ]
    for raw_factor in (1e9, 3.0, 0.01):  # raw, the app's default, always buckets
        lite = Historian.for_files([path], raw_factor=raw_factor, threads=1)
        plant = PlantHistorian(target, raw_factor=raw_factor)
        try:
            for t0, t1 in windows:
                a = lite.read([TAG, OTHER], float(t0), float(t1), width_px=width_px)
                b = plant.read([TAG, OTHER], float(t0), float(t1), width_px=width_px)
                assert_same_read(a, b, [TAG, OTHER])
                ph = b.pens[TAG]
                slack = float(ph.source.split("-")[1].rstrip("s")) if ph.source.startswith("rollup") else 0.0
                x, y = curve_xy(ph.points)
                assert violations(x, y, rec, Columns(b.t0, b.bucket_s, b.width_px), slack=slack) == [], (
                    ph.source
                )
                for t in (float(t0), float(t0) + 0.37 * (float(t1) - float(t0)), float(rec.ts[-1]) + 1.0):
                    va, vb = lite.value_at(TAG, t), plant.value_at(TAG, t)
                    want = value_at(rec, t)
                    assert (math.isnan(vb[0]) and math.isnan(want[0])) or vb[0] == want[0]
                    assert vb[1] == va[1] and (math.isnan(va[2]) or abs(vb[2] - va[2]) < 1e-6)
            raw_a = lite.read_raw([TAG], float(rec.ts[0]) - 1, float(rec.ts[-1]) + 1)[TAG]
            raw_b = plant.read_raw([TAG], float(rec.ts[0]) - 1, float(rec.ts[-1]) + 1)[TAG]
            np.testing.assert_allclose(raw_b.ts, raw_a.ts, atol=1e-6)
            np.testing.assert_array_equal(raw_b.value, raw_a.value)
        finally:
            plant.close()


def test_tag_info_and_gaps_come_from_the_plant_as_from_the_file(pg_url, cfg, tmp_path):
    ts = T0 + np.arange(0.0, 3600.0, 1.0)
    rec = Points.of(ts, 20 + np.sin(ts / 60), np.zeros(len(ts), dtype=np.uint32))
    cut = Points.of([T0 + 1800.0], [math.nan], [BAD_NOT_CONNECTED])
    rec = Points.concat(
        [rec.between(-math.inf, T0 + 1800.0), cut, rec.between(T0 + 1900.0, math.inf)], sort=True
    )
    path, station = journal_and_forward(pg_url, cfg, tmp_path, {TAG: rec})
    lite = Historian.for_files([path])
    plant = PlantHistorian(PlantTarget.parse(pg_url + f"?line={cfg.line.id}&station={station}"))
    try:
        info_a, info_b = lite.tag_info([TAG, OTHER]), plant.tag_info([TAG, OTHER])
        for name in (TAG, OTHER):
            assert {k: v for k, v in info_b[name].items()} == {
                k: v for k, v in info_a[name].items() if k != "id"
            }
        for width in (300, 1500):
            assert_same_read(
                lite.read([TAG], T0 - 600, T0 + 4000, width_px=width),
                plant.read([TAG], T0 - 600, T0 + 4000, width_px=width),
                [TAG],
            )
        assert plant.tag_info(["no.such_tag"]) == {}
        empty = plant.read(["no.such_tag"], T0, T0 + 10)
        assert empty.pens["no.such_tag"].source == "none"
    finally:
        plant.close()


def _rollups(url: str, station: str) -> list[tuple]:
    with psycopg.connect(url) as c:
        return c.execute(
            "SELECT t.name, level, bucket, n, n_bad, n_unc, vmin, vmax, t_first, t_last, v_last, s_last, s_bad,"
            " flags FROM sample_rollup r JOIN tags t ON t.id = r.tag_id WHERE station_id = %s ORDER BY 1, 2, 3",
            (station,),
        ).fetchall()


def test_rollups_count_each_sample_once_even_when_a_batch_is_sent_again(pg_url, cfg, tmp_path):
    ts = T0 + np.arange(0.0, 900.0, 0.5)
    rec = Points.of(ts, np.cos(ts / 30), np.zeros(len(ts), dtype=np.uint32))
    path, station = journal_and_forward(pg_url, cfg, tmp_path, {TAG: rec})
    before = _rollups(pg_url, station)
    with psycopg.connect(pg_url, autocommit=True) as c:  # as if the station crashed before recording progress
        c.execute("DELETE FROM forward_progress WHERE station_id = %s", (station,))
    forward(pg_url, path.parent, station, cfg.line.id)
    assert _rollups(pg_url, station) == before
    assert sum(r[3] for r in before if r[1] == 10) == len(ts)


def test_the_migration_builds_rollups_for_what_the_previous_version_forwarded(pg, cfg, tmp_path):
    def fresh_db() -> str:
        name = "mig_" + uuid.uuid4().hex[:8]
        with psycopg.connect(pg.url, autocommit=True) as c:
            c.execute(f"CREATE DATABASE {name}")
        return pg.url.rsplit("/", 1)[0] + "/" + name

    rng = np.random.default_rng(3)
    ts = np.sort(T0 + rng.uniform(0, 4000, 3000))
    status = np.where(rng.random(len(ts)) < 0.1, 0x80000000, 0).astype(np.uint32)
    rec = Points.of(ts, rng.normal(0, 5, len(ts)), status)
    new_url, old_url = fresh_db(), fresh_db()
    path, station = journal_and_forward(new_url, cfg, tmp_path, {TAG: rec})
    # The previous version's database: schema 2, the same journal forwarded by the v2 forwarder's tables.
    with psycopg.connect(old_url, autocommit=True) as c:
        c.execute(
            "CREATE TABLE schema_migrations (version integer PRIMARY KEY, description text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for version, description, sql in MIGRATIONS[:2]:
            c.execute(sql)
            c.execute(
                "INSERT INTO schema_migrations (version, description) VALUES (%s, %s)", (version, description)
            )
        c.execute("INSERT INTO stations (station_id, line_id) VALUES (%s, %s)", (station, cfg.line.id))
        c.execute("INSERT INTO journals (station_id, journal) VALUES (%s, %s)", (station, path.name))
        c.execute("INSERT INTO tags (line_id, name) VALUES (%s, %s)", (cfg.line.id, TAG))
        c.execute("CREATE TABLE samples_all PARTITION OF samples DEFAULT")
        with c.cursor() as cur:
            cur.executemany(
                "INSERT INTO samples (tag_id, source_ts, value, status, origin, local_id)"
                " VALUES (1, to_timestamp(%s), %s, %s, 1, %s)",
                [
                    (float(t), None if s else float(v), int(s), k)
                    for k, (t, v, s) in enumerate(zip(rec.ts, rec.value, rec.status, strict=True))
                ],
            )
        assert migrate(c) == list(range(3, SCHEMA_VERSION + 1))  # 3 builds the rollups, later ones follow
    old, new = _rollups(old_url, station), _rollups(new_url, station)
    assert len(old) == len(new) > 0
    for o, n in zip(old, new, strict=True):  # times as PostgreSQL kept them (1 µs) against the file's
        assert o[:8] == n[:8] and o[10:] == n[10:], (o, n)
        assert abs(o[8] - n[8]) < 2e-6 and abs(o[9] - n[9]) < 2e-6, (o, n)


@pytest.fixture(scope="module")
def pg():
    with running_postgres() as server:
        yield server
