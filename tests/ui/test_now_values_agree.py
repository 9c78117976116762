"""Every "now" value on screen comes from one latest-value source and is marked stale by one rule
(QA5 F15, F1): the alarm list's "Value now" and the faceplate of the same tag read the same number in
the same frame, and both say "old" exactly when LiveValues.stale says so (link gone or overdue)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.live_values import LiveValues
from hmi.core.quality import BAD_NOT_CONNECTED, GOOD
from hmi.core.samples import SampleBatch
from widgets.alarm_model import COL_VALUE
from widgets.alarm_store import AlarmStore, BlinkClock
from widgets.alarm_table import AlarmTable
from widgets.faceplate import Faceplate

from .fakes import simulate_fault


def _batch(idx, value, status, ts):
    n = len(idx)
    t = np.full(n, ts)
    return SampleBatch.from_columns(
        idx, t, t, t, np.asarray(value, float), np.full(n, status, dtype=np.uint32)
    )


@pytest.fixture
def screen(qtbot, make_runtime, demo_config):
    rt = make_runtime(demo_config, alarms=True, auto=False)
    simulate_fault(rt)
    store = AlarmStore()
    store.seed(rt.alarms.records(include_normal=False))
    live = LiveValues(demo_config)
    table = AlarmTable(store, BlinkClock(), demo_config, live)
    qtbot.addWidget(table)
    plates = {m.id: Faceplate(m, demo_config, live.index) for m in demo_config.machines}
    for fp in plates.values():
        qtbot.addWidget(fp)
    return demo_config, live, table, plates


def _pairs(cfg, live, table, plates):
    """(alarm row text of Value now, the faceplate indicator showing the same tag) for every row."""
    model = table.model
    out = []
    for r, rec in enumerate(model.rows):
        tag = cfg.tag(rec.tag)
        fp = plates.get(tag.machine or "")
        ind = fp.indicators.get(rec.tag) if fp is not None else None
        if ind is not None:
            out.append((model.data(model.index(r, COL_VALUE)), ind))
    return out


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.floats(0, 100), min_size=1, max_size=5), lost=st.booleans())
def test_alarm_value_now_and_faceplate_agree_and_go_stale_together(screen, values, lost):
    cfg, live, table, plates = screen
    idx = np.arange(len(cfg.tags), dtype=np.int32)
    now = time.time()
    for k, v in enumerate(values):  # batches arrive; the faceplates and the list see each one
        changed = live.apply(_batch(idx, np.full(len(idx), v), GOOD, now - len(values) + k))
        for fp in plates.values():
            fp.refresh(live)
        table.on_samples_applied(changed)
    if lost:
        changed = live.apply(_batch(idx, np.full(len(idx), np.nan), BAD_NOT_CONNECTED, now))
        for fp in plates.values():
            fp.refresh(live)
        table.on_samples_applied(changed)
    pairs = _pairs(cfg, live, table, plates)
    assert pairs, "the fault script raises alarms on faceplate tags: else this test says nothing"
    for text, ind in pairs:
        shown = text.split(" (")[0].replace("\xa0", " ").replace("\u2060", "")  # unbreakable in the list
        assert shown == ind.value_text(), (text, ind.value_text())
        assert ("old)" in text) == ind.stale, (text, ind.stale)
        assert ind.stale == lost  # server tags: stale only when the link went


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(age=st.floats(0, 600), lost=st.booleans())
def test_one_stale_rule_for_derived_and_server_tags(demo_config, age, lost):
    """LiveValues.stale: the link went, or a derived tag is past its expected refresh; a server tag
    (sent on change) never by age alone. stale_age_s says how old exactly when stale."""
    live = LiveValues(demo_config)
    now = 1_800_000_000.0
    idx = np.arange(len(demo_config.tags), dtype=np.int32)
    live.apply(_batch(idx, np.ones(len(idx)), GOOD, now - age))
    if lost:
        live.apply(_batch(idx, np.full(len(idx), np.nan), BAD_NOT_CONNECTED, now - age / 2))
    stale = live.stale(now)
    for i, t in enumerate(demo_config.tags):
        want = lost or (age > live.expected_refresh_s[i])
        assert bool(stale[i]) == want, t.name
        a = live.stale_age_s(i, now)
        assert (a is not None) == want
        if a is not None:
            assert a == pytest.approx(age, abs=1e-3)
