"""No cell of the alarm list shows a programmer's word ("None", "nan") to the operator, for
every alarm of the demo config (analog, discrete, rate of change, quality), in every state,
with any value its tag can send (state codes, NaN, numbers). The walkthrough saw "None" in
"Value now" for the capper jam: the fault code's "no fault" state was labelled "None"."""

from __future__ import annotations

import dataclasses
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.alarms import AlarmEngine, load_definitions
from hmi.core.alarms.model import AlarmKind, AlarmState
from hmi.core.alarms.persistence import MemoryJournal
from hmi.core.config import DEMO_CONFIG, load_config
from widgets.alarm_model import HEADERS, AlarmTableModel
from widgets.alarm_store import AlarmStore

CONFIG = load_config(DEMO_CONFIG)
DEFS, _PROBLEMS = load_definitions(CONFIG)
RECORDS = AlarmEngine(CONFIG, DEFS, MemoryJournal(), clock=lambda: 1000.0).records(include_normal=True)
TAGS = {t.name: t for t in CONFIG.tags}
FORBIDDEN = ("none", "nan", "null")


def test_the_demo_has_every_alarm_kind():
    assert {r.kind for r in RECORDS} == set(AlarmKind)


def _values(tag_name: str) -> st.SearchStrategy[float]:
    tag = TAGS[tag_name]
    codes = [float(k) for k in tag.states] if tag.states else []
    return st.one_of(
        st.sampled_from([math.nan, 0.0, 1.0, *codes]),
        st.floats(allow_nan=True, allow_infinity=False, width=32),
    )


@st.composite
def _records(draw):
    r = draw(st.sampled_from(RECORDS))
    value = draw(_values(r.tag))
    state = draw(st.sampled_from(list(AlarmState)))
    return dataclasses.replace(
        r, value=value, trigger_value=value, state=state, activated_at=draw(st.sampled_from([None, 990.0]))
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(_records(), min_size=1, max_size=6, unique_by=lambda r: r.id))
def test_no_cell_shows_none_or_nan(qapp, records):
    store = AlarmStore()
    store.seed(records)
    model = AlarmTableModel(store, CONFIG, live=None, clock=lambda: 1000.0)
    model.set_states(None)
    for row in range(model.rowCount()):
        for col in range(len(HEADERS)):
            text = str(model.index(row, col).data() or "")
            words = {w.strip("()[],.:;").lower() for w in text.split()}
            assert not words & set(FORBIDDEN), f"{HEADERS[col]} of {model.rows[row].id}: {text!r}"
