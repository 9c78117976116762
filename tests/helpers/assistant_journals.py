"""Small demo-line journals for the assistant's tests, written through the real Journal, and the
assistant's tools over them: the one builder the assistant tests share (they each had a copy).

- `write_rows(j, rows)`: tag samples `(tag, ts, value)` or `(tag, ts, value, status)`, one batch.
- `journal_of(d, rows, events)`: a closed journal file of the demo line holding those samples and events.
- `state_journal(d, changes)`: every machine's state tag as `changes` says (seconds after T0 + 1).
- `state_changes`: a hypothesis strategy of such changes, each machine Running first.
- `tools_of(path)`: the assistant's tools over a file, at T0 + SPAN (the shift's clock in UTC).
- `ask(changes, question)`: the answer on a state journal, with the tools, the production model (the
  Production view's figures) and the range they cover: what a property compares the answer with.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.events import JournalEvent
from hmi.core.journal import Journal
from hmi.core.production.journal_io import analyse_journal
from hmi.core.production.oee import ProductionAnalysis
from hmi.core.production.setup import ProductionSetup
from hmi.core.samples import SampleBatch
from inference.assistant.assistant import Answer, Assistant
from inference.assistant.catalog import Catalog
from inference.assistant.journal_access import JournalSource
from inference.assistant.timeparse import ShiftCalendar
from inference.assistant.tools import PlantTools

T0 = dt.datetime(2026, 5, 4, 8, 0, 0, tzinfo=dt.UTC).timestamp()
SPAN = 1800.0
MACHINES = ("filler", "capper", "labeller", "conveyor")
RUNNING = 2.0
_STATE = st.sampled_from([2.0, 2.0, 2.0, 0.0, 1.0, 3.0, 4.0])  # mostly Running

Row = tuple[str, float, float] | tuple[str, float, float, int]


def write_rows(j: Journal, rows: Sequence[Row]) -> None:
    """Samples of the journal's tags in one batch, by time; a row without a status is Good."""
    idx = j.config.tag_index()
    rows = sorted(rows, key=lambda r: r[1])
    ts = np.array([r[1] for r in rows])
    j.write_samples(
        SampleBatch.from_columns(
            np.array([idx[r[0]] for r in rows], dtype=np.int32),
            ts,
            ts,
            ts,
            np.array([r[2] for r in rows]),
            np.array([r[3] if len(r) > 3 else 0 for r in rows], dtype=np.uint32),
        )
    )


def journal_of(d: Path, rows: Sequence[Row], events: Iterable[JournalEvent] = ()) -> Path:
    """A closed journal file of the demo line in `d`, opened at T0, with these samples and events."""
    j = Journal(load_config(DEMO_CONFIG), d, clock=lambda: T0).open()
    write_rows(j, rows)
    j.write_events(sorted(events, key=lambda e: e.ts))
    j.flush()
    j.close()
    return j.path


def state_journal(d: Path, changes: dict[str, list[tuple[float, float]]]) -> Path:
    """Each machine's state tag takes the values of `changes` (seconds after T0 + 1)."""
    return journal_of(d, [(f"{m}.state", T0 + 1 + t, v) for m, ch in changes.items() for t, v in ch])


state_changes = st.fixed_dictionaries(
    {
        m: st.lists(st.tuples(st.floats(0, SPAN - 10), _STATE), min_size=1, max_size=8).map(
            lambda ch: [(0.0, RUNNING), *sorted(ch)]
        )
        for m in MACHINES
    }
)


def tools_of(path: Path) -> PlantTools:
    cfg = load_config(DEMO_CONFIG)
    return PlantTools(
        Catalog.from_config(cfg),
        JournalSource([path]),
        ShiftCalendar(tz=dt.UTC),
        now=T0 + SPAN,
        production=ProductionSetup.from_config(cfg),
    )


@dataclass(frozen=True)
class Asked:
    answer: Answer
    tools: PlantTools
    model: ProductionAnalysis  # the production model over [a, b): the Production view's figures
    a: float  # the tools' default range (the shift so far)
    b: float


def ask(changes: dict[str, list[tuple[float, float]]], question: str) -> Asked:
    """The answer to `question` on a state journal of `changes`, the tools that gave it, and the
    production model over the tools' default range."""
    with tempfile.TemporaryDirectory() as d:
        path = state_journal(Path(d), changes)
        tools = tools_of(path)
        ans = Assistant(tools).answer(question)
        a, b = tools.range_of(None, None)
        model = analyse_journal([path], a, b, ProductionSetup.from_config(load_config(DEMO_CONFIG)))
    return Asked(ans, tools, model, a, b)
