"""Alarm engine throughput with 5,000 configured alarms, against a naive per-alarm Python loop.

    .venv/bin/python bench/alarms_engine.py [--tags 1250] [--batches 200] [--batch-size 1250]

1,250 tags with LoLo/Lo/Hi/HiHi limits = 5,000 analog alarms (deadband, no
delays). Values random-walk around the middle of the band, so a few percent of
updates cross a limit (transitions are journaled to an in-memory journal, as
the engine would to the real one). Figures:

- tag updates/s through `AlarmEngine.process` vs the same engine with a naive
  evaluation (per sample, each alarm of its tag, one Python comparison at a
  time; same state machine, journal and records downstream, same answers),
  as a ratio in the same run because these machines are noisy;
- a flood: 1,000 alarms activating within one second (10 batches of 100
  samples), time to process, journal and notify; once with the in-memory
  journal and once with the real SQLite `Journal` (one transaction per batch
  via `write_events` when the journal has it, else one commit per event).
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time

import numpy as np

from hmi.core.alarms import AlarmEngine, load_definitions
from hmi.core.alarms.evaluation import AlarmChange, Evaluator
from hmi.core.alarms.persistence import MemoryJournal
from hmi.core.config import LineConfig
from hmi.core.samples import SampleBatch

LIMITS = {"lolo": 10.0, "lo": 20.0, "hi": 80.0, "hihi": 90.0}


def make_config(n_tags: int) -> LineConfig:
    return LineConfig.model_validate(
        {
            "line": {"id": "bench", "name": "Bench line"},
            "server": {"endpoint": "opc.tcp://127.0.0.1:4840/"},
            "machines": [{"id": f"m{k}", "name": f"Machine {k}"} for k in range(10)],
            "tags": [
                {
                    "name": f"t{i}",
                    "node_id": f"ns=2;s=T{i}",
                    "machine": f"m{i % 10}",
                    "alarms": LIMITS,
                    "deadband": 0.5,
                }
                for i in range(n_tags)
            ],
            "journal": {"rotation": "none"},
        }
    )


def make_batches(
    n_tags: int, n_batches: int, batch_size: int, noise: float, seed: int = 1
) -> list[SampleBatch]:
    rng = np.random.default_rng(seed)
    level = rng.uniform(30, 70, n_tags)
    out = []
    t = 1_780_000_000.0
    for _ in range(n_batches):
        tags = np.arange(n_tags) if batch_size >= n_tags else rng.choice(n_tags, batch_size, replace=False)
        level[tags] += rng.normal(0, noise, len(tags))
        np.clip(level, 0, 100, out=level)
        # Pull back towards the middle so the walk stays mostly in the normal band.
        level[tags] += (50 - level[tags]) * 0.05
        k = len(tags)
        ts = np.full(k, t)
        out.append(SampleBatch.from_columns(tags, ts, ts, ts, level[tags].copy(), np.zeros(k)))
        t += 0.1
    return out


class NaiveEvaluator(Evaluator):
    """The obvious evaluation: for each sample, each alarm of its tag, one Python comparison."""

    def __init__(self, definitions: list, tag_index: dict[str, int]) -> None:
        super().__init__(definitions, tag_index)
        self._naive: dict[int, list[tuple[int, float, bool, float]]] = {}
        for i, d in enumerate(definitions):
            self._naive.setdefault(int(self.alarm_tag[i]), []).append((i, d.limit, d.op == ">=", d.deadband))
        self._raw = [False] * len(definitions)

    def _vector(self, batch: SampleBatch, rows: np.ndarray | None) -> list[AlarmChange]:
        tags, vals, sts = batch.tag_idx.tolist(), batch.value.tolist(), batch.status.tolist()
        raws = self._raw
        out: list[AlarmChange] = []
        for row in range(len(tags)) if rows is None else rows.tolist():
            v = vals[row]
            if sts[row] >= 0x80000000 or v != v:
                continue
            for i, limit, high, db in self._naive.get(tags[row], ()):
                was = raws[i]
                raw = v >= (limit - db if was else limit) if high else v <= (limit + db if was else limit)
                if raw != was:
                    raws[i] = raw
                    out.append((i, raw, row, v))
        return out


class NaiveEngine(AlarmEngine):
    """The same engine (state machine, journal, records) on the naive evaluation."""

    def __init__(self, config: LineConfig, *a: object, **kw: object) -> None:
        super().__init__(config, *a, **kw)  # type: ignore[arg-type]
        self._eval = NaiveEvaluator(self._defs, config.tag_index())


def timed(
    cls: type[AlarmEngine], config: LineConfig, defs: list, batches: list[SampleBatch], repeats: int = 3
) -> tuple[float, int]:
    """Best time over fresh engines (construction not timed), and the transitions of the last run."""
    best = math.inf
    transitions = 0
    for _ in range(repeats):
        eng = cls(config, defs, MemoryJournal(), clock=lambda: 1_780_000_000.0)
        t0 = time.perf_counter()
        transitions = sum(len(eng.process(b)) for b in batches)
        best = min(best, time.perf_counter() - t0)
    return best, transitions


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tags", type=int, default=1250)
    ap.add_argument("--batches", type=int, default=200)
    ap.add_argument("--batch-size", type=int, default=1250)
    args = ap.parse_args()

    config = make_config(args.tags)
    defs, problems = load_definitions(config)
    assert not problems
    rows = []

    workloads = [
        # (label, batch size, noise): "quiet" is a plant on a normal day, "busy" crosses limits a lot.
        ("quiet", args.batch_size, 1.0),
        ("quiet", 100, 1.0),
        ("busy", args.batch_size, 4.0),
    ]
    for label, size, noise in workloads:
        batches = make_batches(args.tags, args.batches, size, noise)
        n = sum(len(b) for b in batches)

        t_naive, naive_transitions = timed(NaiveEngine, config, defs, batches)
        t_engine, transitions = timed(AlarmEngine, config, defs, batches)
        assert naive_transitions == transitions  # same answers
        what = f"{label}, batches of {size}"
        note = f"{transitions} transitions ({100 * transitions / n:.2f} % of updates)"
        rows.append((f"naive loop, {what}", n / t_naive, 1.0, note))
        rows.append((f"engine, {what}", n / t_engine, t_naive / t_engine, ""))

    print(
        f"\nAlarm evaluation: {len(defs)} alarms on {args.tags} tags, {args.batches} batches per workload\n"
    )
    print(f"{'variant':<40} {'tag updates/s':>14} {'vs naive':>9}  note")
    for name, rate, ratio, note in rows:
        print(f"{name:<40} {rate:>14,.0f} {ratio:>8.1f}x  {note}")

    # Flood: 1,000 alarms within one second.
    flood_cfg = make_config(1000)
    flood_defs, _ = load_definitions(flood_cfg)
    flood = []
    t = 1_780_000_000.0
    for k in range(10):
        tags = np.arange(k * 100, (k + 1) * 100)
        ts = np.full(100, t + k * 0.1)
        flood.append(SampleBatch.from_columns(tags, ts, ts, ts, np.full(100, 85.0), np.zeros(100)))

    def run_flood(journal: object) -> tuple[float, int, int]:
        notified: list[int] = []
        eng = AlarmEngine(flood_cfg, flood_defs, journal, clock=lambda: t)  # type: ignore[arg-type]
        eng.alarms_changed.connect(lambda recs: notified.append(len(recs)))
        t0 = time.perf_counter()
        for b in flood:
            eng.process(b)
        return time.perf_counter() - t0, sum(notified), eng.summary().total_unacked

    print("\nFlood: 1,000 alarms activating within 1 s (10 batches of 100)\n")
    print(f"{'journal':<40} {'time (ms)':>10} {'records notified':>17} {'unacked':>8}")
    mem = [run_flood(MemoryJournal()) for _ in range(3)]
    dt, notified, unacked = min(mem)
    print(f"{'in-memory':<40} {dt * 1000:>10.1f} {notified:>17} {unacked:>8}")
    try:
        from hmi.core.journal import Journal
    except ImportError:
        print("(hmi.core.journal not available: real journal skipped)")
        return
    times = []
    for _ in range(2):
        with tempfile.TemporaryDirectory() as d:
            j = Journal(flood_cfg, d)
            j.open()
            try:
                times.append(run_flood(j))
            finally:
                j.close()
    dt, notified, unacked = min(times)
    how = "write_events" if hasattr(Journal, "write_events") else "write_event each"
    print(f"{'SQLite Journal (' + how + ', fsync)':<40} {dt * 1000:>10.1f} {notified:>17} {unacked:>8}")
    print(
        f"\n(median of per-run flood times, in-memory: {statistics.median(m[0] for m in mem) * 1000:.1f} ms)"
    )


if __name__ == "__main__":
    main()
