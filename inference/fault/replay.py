"""Drive the simulator straight into SampleBatches, as the OPC UA connector would deliver them.

For tests, the benchmark and offline checks of the predictor: no server, no
network. Values are sent on change only (as an OPC UA subscription does),
stamped with a wall clock that starts at ``t0`` and advances ``dt_s / time_factor``
per step; Bad sensors arrive as NaN with a Bad status.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from connectors.sim.faults import FaultSpec
from connectors.sim.model import LineModel
from hmi.core.config import LineConfig
from hmi.core.samples import SampleBatch

BAD_SENSOR_FAILURE = 0x808C0000  # OPC UA BadSensorFailure


def sim_batches(
    config: LineConfig,
    *,
    seed: int = 1,
    faults: Sequence[FaultSpec] = (),
    duration_s: float = 600.0,
    dt_s: float = 0.1,
    batch_s: float = 0.5,
    time_factor: float = 1.0,
    t0: float = 1.8e9,
    random_jams: bool = True,
) -> Iterator[tuple[SampleBatch, LineModel]]:
    """Yield (batch, model) every ``batch_s`` wall seconds of a simulated run of the config's tags."""
    model = LineModel(seed, time_factor=time_factor, faults=faults, random_jams=random_jams)
    index = config.tag_index()
    names = [n for n in model.values() if n in index]
    idx = np.array([index[n] for n in names], dtype=np.int32)
    last = np.full(len(names), np.nan)
    sent = np.zeros(len(names), dtype=bool)
    steps_per_batch = max(1, round(batch_s / dt_s))
    n_steps = round(duration_s / dt_s)
    cols: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for k in range(1, n_steps + 1):
        model.step(dt_s * time_factor)
        v = model.values()
        vals = np.array([v[n] for n in names])
        ts = t0 + k * dt_s
        nan = np.isnan(vals)
        changed = ~sent | (vals != last) & ~(nan & np.isnan(last))
        if changed.any():
            rows = np.flatnonzero(changed)
            status = np.where(nan[rows], BAD_SENSOR_FAILURE, 0).astype(np.uint32)
            cols.append((idx[rows], np.full(rows.size, ts), vals[rows], status))
            last[rows] = vals[rows]
            sent[rows] = True
        if k % steps_per_batch == 0:
            if cols:
                ti = np.concatenate([c[0] for c in cols])
                tts = np.concatenate([c[1] for c in cols])
                tv = np.concatenate([c[2] for c in cols])
                tst = np.concatenate([c[3] for c in cols])
                yield SampleBatch.from_columns(ti, tts, tts, tts + 0.01, tv, tst), model
            else:
                yield SampleBatch.empty(), model
            cols = []
