"""Write a plausible journal file of a shift, for demos, screenshots, tests and benchmarks (no Qt).

The file has the journal's real schema (`journal_schema.create_schema`), the
tags of a line config, samples of every chosen tag at `hz` and, optionally,
the rollup table maintained the way the journal writer would (one
`update_rollups` per transaction). Disconnections can be placed in it: at
the start every tag gets a BadNotConnected sample, as the connector emits,
the runtime's `data_gap` event is journaled and, for a backfilled stretch,
the samples of the gap come back with the backfill marker (as
`connectors.history_backfill` delivers them).
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hmi.core.config import LineConfig
from hmi.core.journal_schema import (
    EVENT_INSERT_SQL,
    SAMPLE_INSERT_SQL,
    create_schema,
    register_tags,
    sample_rows,
    write_meta,
)
from hmi.core.quality import (
    BACKFILLED,
    BAD_NOT_CONNECTED,
    BAD_SENSOR_FAILURE,
    HISTORIAN_INTERPOLATED,
    UNCERTAIN_LAST_USABLE_VALUE,
)
from hmi.core.rollup import ROLLUP_TABLE, create_rollup_schema, update_rollups
from hmi.core.samples import SampleBatch
from hmi.core.trend_data import Points


@dataclass
class Outage:
    start: float
    end: float
    backfilled: bool = False  # the server's history filled it in after the reconnect


@dataclass
class SynthSpec:
    t0: float
    t1: float
    hz: float = 1.0
    tags: Sequence[str] | None = None  # None: every tag of the config
    outages: list[Outage] = field(default_factory=list)
    bad: list[tuple[str, float, float]] = field(default_factory=list)  # tag, start, end: BadSensorFailure
    uncertain: list[tuple[str, float, float]] = field(default_factory=list)
    rollups: bool = True
    index: bool = True
    seed: int = 0
    chunk_s: float = 600.0  # one transaction per chunk, like the writer's commits


def signal(config: LineConfig, names: Sequence[str], ts: np.ndarray, seed: int = 0) -> np.ndarray:
    """values[len(ts), len(names)]: slow drift inside the normal band, noise, steps for states."""
    rng = np.random.default_rng(seed)
    out = np.empty((len(ts), len(names)))
    idx = config.tag_index()
    for j, name in enumerate(names):
        tag = config.tags[idx[name]]
        phase = rng.uniform(0, 2 * math.pi)
        period = rng.uniform(1800, 7200)
        if tag.data_type in ("bool", "enum"):
            states = sorted(int(k) for k in tag.states) if tag.states else [0, 1]
            normal = 2 if 2 in states else states[-1] if tag.data_type == "bool" else states[0]
            others = [x for x in states if x != normal] or [normal]
            # per 30-minute block: maybe one stop/fault of 2 to 10 minutes (absolute time: reproducible)
            block = np.floor(ts / 1800.0).astype(np.int64)
            ub, inv = np.unique(block, return_inverse=True)
            r = np.random.default_rng([seed, j, int(ub[0]) if len(ub) else 0])
            has = r.random(len(ub)) < 0.45
            start = r.uniform(0, 1500, len(ub))
            dur = r.uniform(120, 600, len(ub))
            which = np.array(others)[r.integers(0, len(others), len(ub))]
            off = ts - block * 1800.0
            event = has[inv] & (off >= start[inv]) & (off < start[inv] + dur[inv])
            out[:, j] = np.where(event, which[inv], normal).astype(float)
        else:
            band = tag.normal or tag.range or (0.0, 100.0)
            mid, half = (band[0] + band[1]) / 2, (band[1] - band[0]) / 2
            slow = np.sin(ts / period * 2 * math.pi + phase)
            walk = np.cumsum(rng.normal(0, 1, len(ts))) / math.sqrt(max(len(ts), 1))
            noise = rng.normal(0, 0.03, len(ts))
            out[:, j] = mid + half * (0.55 * slow + 0.25 * np.tanh(walk) + noise)
            if tag.data_type == "int":
                out[:, j] = np.round(out[:, j])
    return out


def write_synthetic_journal(path: Path | str, config: LineConfig, spec: SynthSpec) -> dict[str, float]:
    """Create `path` (replacing it) and fill it; returns timings and counts."""
    path = Path(path)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")  # a generated file: durability is not the point here
    create_schema(conn)
    if not spec.index:
        conn.execute("DROP INDEX IF EXISTS idx_samples_tag_ts")
    write_meta(conn, config, None, spec.t0)
    ids, _ = register_tags(conn, config.tags, spec.t0)
    tag_ids = np.array(ids, dtype=np.int64)
    if spec.rollups:
        create_rollup_schema(conn)
    else:  # a file from before rollups existed (create_schema makes them now)
        conn.execute(f"DROP TABLE IF EXISTS {ROLLUP_TABLE}")
        conn.execute("DELETE FROM meta WHERE key IN ('rollup_since_id', 'rollup_levels')")
    names = list(spec.tags) if spec.tags is not None else [t.name for t in config.tags]
    index = config.tag_index()
    cols = np.array([index[n] for n in names], dtype=np.int32)
    conn.execute(
        EVENT_INSERT_SQL,
        (spec.t0, "system", "journal", "", 0, "journal opened", "{}", spec.t0),
    )
    n_written = 0
    started = time.perf_counter()
    dt = 1.0 / spec.hz
    t = spec.t0
    chunk_i = 0
    while t < spec.t1:
        c1 = min(t + spec.chunk_s, spec.t1)
        ts = np.arange(math.ceil(t / dt), math.ceil(c1 / dt)) * dt
        ts = ts[(ts >= t) & (ts < c1)]
        if len(ts) == 0:
            t = c1
            continue
        vals = signal(config, names, ts, seed=spec.seed + chunk_i)
        chunk_i += 1
        n_t, n_c = vals.shape
        tt = np.repeat(ts, n_c) + np.tile(np.arange(n_c) * 1e-4, n_t)
        tid = np.tile(cols, n_t)
        v = vals.reshape(-1)
        st = np.zeros(len(v), dtype=np.uint32)
        keep = np.ones(len(v), dtype=bool)
        extra: list[SampleBatch] = []
        for o in spec.outages:
            inside = (tt >= o.start) & (tt < o.end)
            if o.backfilled:
                st[inside] |= np.uint32(BACKFILLED)
            else:
                keep &= ~inside
            if t <= o.start < c1:
                k = len(cols)
                mark = SampleBatch.from_columns(
                    cols,
                    np.full(k, o.start),
                    np.full(k, np.nan),
                    np.full(k, o.start),
                    np.full(k, np.nan),
                    np.full(k, BAD_NOT_CONNECTED),
                )
                extra.append(mark)
                if o.backfilled:  # the held value at the start of the gap (history_backfill does this)
                    j = max(int(np.searchsorted(ts, o.start)) - 1, 0)
                    extra.append(
                        SampleBatch.from_columns(
                            cols,
                            np.full(k, o.start + 1e-6),
                            np.full(k, np.nan),
                            np.full(k, o.end),
                            vals[j],
                            np.full(k, BACKFILLED | HISTORIAN_INTERPOLATED),
                        )
                    )
        for tag, s, e in spec.bad:
            m = (tid == index[tag]) & (tt >= s) & (tt < e)
            v = np.where(m, np.nan, v)
            st[m] = BAD_SENSOR_FAILURE
        for tag, s, e in spec.uncertain:
            m = (tid == index[tag]) & (tt >= s) & (tt < e)
            st[m] = (st[m] & np.uint32(0xFFFF)) | np.uint32(UNCERTAIN_LAST_USABLE_VALUE)
        batch = SampleBatch.from_columns(tid[keep], tt[keep], tt[keep], tt[keep] + 0.01, v[keep], st[keep])
        batch = SampleBatch.concat([batch, *extra])
        order = np.argsort(batch.source_ts, kind="stable")
        batch = batch.take(order)
        _commit(conn, tag_ids[batch.tag_idx], batch, spec.rollups)
        n_written += len(batch)
        t = c1
    for o in spec.outages:
        conn.execute(
            EVENT_INSERT_SQL,
            (
                o.start,
                "data_gap",
                "opc.tcp://plc",
                "",
                1,
                f"no data from the server for {o.end - o.start:.1f} s (all tags)",
                f'{{"start": {o.start!r}, "end": {o.end!r}, "tags": "all"}}',
                o.end,
            ),
        )
    elapsed = time.perf_counter() - started
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {"samples": float(n_written), "seconds": elapsed}


def _commit(conn: sqlite3.Connection, jids: np.ndarray, batch: SampleBatch, rollups: bool) -> None:
    """One transaction of samples (and their rollups, as the journal writer keeps them)."""
    conn.execute("BEGIN")
    conn.executemany(SAMPLE_INSERT_SQL, sample_rows(jids, batch))
    if rollups:
        update_rollups(conn, jids, batch)
    conn.execute("COMMIT")


def write_recorded_journal(
    path: Path | str, config: LineConfig, samples: dict[str, Points], *, rollups: bool = True
) -> None:
    """Create `path` (replacing it) holding exactly `samples` per tag, written as the journal
    writer does (one transaction, rollups in it): the recorded truth a trend test compares with."""
    path = Path(path)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")  # a generated file: durability is not the point here
        create_schema(conn)
        t_first = min((float(p.ts[0]) for p in samples.values() if len(p)), default=time.time())
        write_meta(conn, config, None, t_first)
        ids, _ = register_tags(conn, config.tags, t_first)
        tag_ids = np.array(ids, dtype=np.int64)
        if rollups:
            create_rollup_schema(conn)
        else:
            conn.execute(f"DROP TABLE IF EXISTS {ROLLUP_TABLE}")
            conn.execute("DELETE FROM meta WHERE key IN ('rollup_since_id', 'rollup_levels')")
        index = config.tag_index()
        parts = [
            SampleBatch.from_columns(np.full(len(p), index[tag]), p.ts, p.ts, p.ts, p.value, p.status)
            for tag, p in samples.items()
            if len(p)
        ]
        if not parts:
            return
        batch = SampleBatch.concat(parts)
        _commit(conn, tag_ids[batch.tag_idx], batch, rollups)
    finally:
        conn.close()
