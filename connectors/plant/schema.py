"""The plant historian's PostgreSQL schema, as numbered migrations applied in order, each once.

`migrate(conn)` brings any database (empty, or created by an older LineHMI) to `SCHEMA_VERSION` inside
one transaction per migration, recorded in `schema_migrations`; a database newer than this LineHMI is
refused rather than written with an older idea of its tables.

Layout (docs/plant.md): samples are partitioned by month of `source_ts` (declarative range partitioning,
partitions created on demand by the forwarder), keyed for idempotence by (origin, local_id) - the
station's journal file (table `journals`) and the row's id in that file - so a batch sent twice after a
crash lands once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

SCHEMA_VERSION = 4
MIGRATION_LOCK = 0x4C484D49  # the advisory-lock key migrations take ("LHMI")

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "stations, tags, samples (partitioned by month), events, forwarding progress",
        """
CREATE TABLE stations (
    station_id  text PRIMARY KEY,
    line_id     text NOT NULL,
    hostname    text NOT NULL DEFAULT '',
    first_seen  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE tags (
    id           serial PRIMARY KEY,
    line_id      text NOT NULL,
    name         text NOT NULL,
    display_name text NOT NULL DEFAULT '',
    unit         text NOT NULL DEFAULT '',
    machine      text NOT NULL DEFAULT '',
    data_type    text NOT NULL DEFAULT '',
    states       jsonb,
    UNIQUE (line_id, name)
);
-- One row per journal file of a station: samples carry its small id instead of two strings, which
-- keeps the idempotence key narrow (about 3x the insert rate of a text key on this machine).
CREATE TABLE journals (
    id          serial PRIMARY KEY,
    station_id  text NOT NULL,
    journal     text NOT NULL,
    UNIQUE (station_id, journal)
);
-- No foreign keys on samples: a per-row FK check would halve forwarding; the forwarder writes only ids
-- it has just upserted into tags and journals.
CREATE TABLE samples (
    tag_id      integer NOT NULL,
    source_ts   timestamptz NOT NULL,
    value       double precision,
    status      bigint NOT NULL,
    server_ts   double precision,
    received_ts double precision,
    origin      integer NOT NULL,
    local_id    bigint NOT NULL
) PARTITION BY RANGE (source_ts);
CREATE UNIQUE INDEX samples_origin ON samples (origin, local_id, source_ts);
CREATE INDEX samples_tag_ts ON samples (tag_id, source_ts);
CREATE TABLE events (
    line_id     text NOT NULL,
    station_id  text NOT NULL,
    journal     text NOT NULL,
    local_id    bigint NOT NULL,
    ts          timestamptz NOT NULL,
    kind        text NOT NULL,
    source      text NOT NULL DEFAULT '',
    "user"      text NOT NULL DEFAULT '',
    severity    integer NOT NULL DEFAULT 0,
    message     text NOT NULL DEFAULT '',
    data        jsonb,
    PRIMARY KEY (station_id, journal, local_id)
);
CREATE INDEX events_line_ts ON events (line_id, ts);
CREATE TABLE forward_progress (
    station_id  text NOT NULL,
    journal     text NOT NULL,
    tbl         text NOT NULL,
    last_id     bigint NOT NULL,
    rows        bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station_id, journal, tbl)
);
""",
    ),
    (
        2,
        "station lag view for `linehmi plant status`",
        """
CREATE VIEW station_status AS
SELECT s.station_id, s.line_id, s.hostname, s.last_seen,
       coalesce(sum(p.rows) FILTER (WHERE p.tbl = 'samples'), 0) AS samples_forwarded,
       coalesce(sum(p.rows) FILTER (WHERE p.tbl = 'events'), 0) AS events_forwarded,
       max(p.updated_at) AS last_forward
FROM stations s LEFT JOIN forward_progress p ON p.station_id = s.station_id
GROUP BY s.station_id, s.line_id, s.hostname, s.last_seen;
""",
    ),
    (
        3,
        "historian reads: sample rollups per station, full tag rows, each station's line config",
        # The rollups mirror the journal's (hmi.core.rollup: same levels, columns and merge rules), one set
        # per station, since two stations of a line journal the same tags. The forwarder adds every sample
        # it inserts in the same transaction; the INSERT below rolls up what earlier versions forwarded,
        # with the rules of hmi.core.trend_data.aggregate (usable = finite value and status below Bad).
        """
ALTER TABLE tags ADD COLUMN info jsonb;
CREATE TABLE line_meta (
    line_id     text NOT NULL,
    station_id  text NOT NULL,
    journal     text NOT NULL,
    line_name   text NOT NULL DEFAULT '',
    line_config text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (line_id, station_id)
);
CREATE TABLE sample_rollup (
    tag_id      integer NOT NULL,
    station_id  text NOT NULL,
    level       integer NOT NULL,
    bucket      bigint NOT NULL,
    n           bigint NOT NULL,
    n_bad       bigint NOT NULL,
    n_unc       bigint NOT NULL,
    vmin        double precision,
    vmax        double precision,
    t_first     double precision NOT NULL,
    t_last      double precision NOT NULL,
    v_last      double precision,
    s_last      bigint NOT NULL,
    s_bad       bigint NOT NULL,
    flags       bigint NOT NULL,
    PRIMARY KEY (tag_id, station_id, level, bucket)
);
CREATE INDEX events_line_station_ts ON events (line_id, station_id, ts);
INSERT INTO sample_rollup
SELECT tag_id, station_id, level, bucket, count(*),
       count(*) FILTER (WHERE NOT usable), count(*) FILTER (WHERE usable AND status >= 1073741824),
       min(value) FILTER (WHERE usable), max(value) FILTER (WHERE usable), min(t), max(t),
       (array_agg(CASE WHEN usable THEN value END ORDER BY t DESC, origin DESC, local_id DESC))[1],
       (array_agg(status ORDER BY t DESC, origin DESC, local_id DESC))[1],
       coalesce((array_agg(status ORDER BY t DESC, origin DESC, local_id DESC) FILTER (WHERE NOT usable))[1], 0),
       bit_or(status & 32)
FROM (
    SELECT s.tag_id, j.station_id, lv.level, s.origin, s.local_id, s.value, s.status,
           extract(epoch FROM s.source_ts)::float8 AS t,
           floor(extract(epoch FROM s.source_ts)::float8 / lv.level)::bigint AS bucket,
           (s.value IS NOT NULL AND s.value NOT IN ('Infinity', '-Infinity', 'NaN') AND s.status < 2147483648)
               AS usable
    FROM samples s JOIN journals j ON j.id = s.origin
    CROSS JOIN (VALUES (10), (30), (120), (600)) AS lv (level)
) AS x
GROUP BY tag_id, station_id, level, bucket;
""",
    ),
    (
        4,
        "line_actions: the operator state each line shares across its stations, pushed by NOTIFY",
        """
-- One row per operator action (acknowledge, shelve, out of service, limit change, stop reason...)
-- made on a station of a line. `seq` is the line's database order, the order every station applies
-- them in; (station_id, action_id) makes merging a station's offline actions twice harmless.
CREATE TABLE line_actions (
    seq         bigserial PRIMARY KEY,
    line_id     text NOT NULL,
    station_id  text NOT NULL,
    action_id   text NOT NULL,
    made_at     timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    "user"      text NOT NULL DEFAULT '',
    role        integer NOT NULL,
    kind        text NOT NULL,
    payload     jsonb NOT NULL,
    offline     boolean NOT NULL DEFAULT false,
    UNIQUE (station_id, action_id)
);
CREATE INDEX line_actions_line_seq ON line_actions (line_id, seq);
-- A wake-up, not the data: a station that hears its line reads the rows after the last it applied
-- (notifications are not replayed to a station that was disconnected; it reads them all the same).
CREATE FUNCTION line_actions_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('linehmi_line_actions', NEW.line_id);
    RETURN NULL;
END $$;
CREATE TRIGGER line_actions_notify AFTER INSERT ON line_actions
    FOR EACH ROW EXECUTE FUNCTION line_actions_notify();
""",
    ),
]


class SchemaError(Exception):
    """The database's schema cannot be used by this LineHMI; str() says why and what to do."""


def current_version(conn: Any) -> int:
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    row = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def migrate(conn: Any) -> list[int]:
    """Apply the missing migrations, oldest first; returns the versions applied (empty: up to date)."""
    with conn.transaction():
        # One migrator at a time from the very first statement: two stations starting together on an
        # empty database would otherwise both create schema_migrations (a unique-violation in pg_type).
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY,"
            " description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        # One migrator at a time (two stations starting together): the second waits, then finds none.
        conn.execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
        have = current_version(conn)
        if have > SCHEMA_VERSION:
            raise SchemaError(
                f"the plant database has schema version {have}, newer than this LineHMI's "
                f"{SCHEMA_VERSION}: update LineHMI on this station"
            )
        applied = []
        for version, description, sql in MIGRATIONS:
            if version <= have:
                continue
            conn.execute(sql)
            conn.execute(
                "INSERT INTO schema_migrations (version, description) VALUES (%s, %s)", (version, description)
            )
            applied.append(version)
    return applied


def month_partition(day: dt.date) -> tuple[str, dt.date, dt.date]:
    """(table name, first day, first day of next month) of the samples partition holding `day`."""
    start = day.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return f"samples_{start:%Y_%m}", start, end


def ensure_partitions(conn: Any, days: set[dt.date], known: set[str]) -> None:
    """Create the monthly samples partitions these UTC days fall in (`known` caches what exists)."""
    for day in sorted(days):
        name, start, end = month_partition(day)
        if name in known:
            continue
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF samples "
            f"FOR VALUES FROM ('{start.isoformat()} 00:00+00') TO ('{end.isoformat()} 00:00+00')"
        )
        known.add(name)
