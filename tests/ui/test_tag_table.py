"""Tag table over 2,000+ tags: only changed rows signalled, filter, sort, problems."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from hmi.core.live_values import LiveValues
from hmi.core.quality import BAD_NODE_ID_UNKNOWN, GOOD
from hmi.core.samples import SampleBatch
from widgets.tag_table import COL_AGE, COL_DESC, COL_QUALITY, COL_VALUE, TagTable


def _batch(idx, values, status=GOOD, ts=1_700_000_000.0):
    idx = np.asarray(idx)
    n = len(idx)
    return SampleBatch.from_columns(
        idx, np.full(n, ts), np.full(n, ts), np.full(n, ts), values, np.full(n, status)
    )


def _table(qtbot, config):
    live = LiveValues(config)
    table = TagTable(live)
    qtbot.addWidget(table)
    ranges = []
    table.model.dataChanged.connect(
        lambda tl, br, *_: ranges.append((tl.row(), br.row(), tl.column(), br.column()))
    )
    return live, table, ranges


def test_only_changed_rows_are_signalled(qtbot, config_2k):
    live, table, ranges = _table(qtbot, config_2k)
    m = table.model
    assert m.rowCount() == len(config_2k.tags) >= 2000

    changed = live.apply(_batch([1500, 5, 6, 7, 6], [1.0, 2.0, 3.0, 4.0, 5.0]))
    table.on_samples_applied(changed)  # collected, the view hears of it at the next flush (5 Hz)
    assert ranges == []
    qtbot.waitUntil(lambda: len(ranges) == 2, timeout=1000)
    assert ranges == [(5, 7, COL_VALUE, COL_AGE), (1500, 1500, COL_VALUE, COL_AGE)]
    assert m.data(m.index(6, COL_VALUE)) == "5.00"  # last value in the batch wins

    # Everything changes: one signal, not 2,000.
    ranges.clear()
    n = len(config_2k.tags)
    table.on_samples_applied(live.apply(_batch(np.arange(n), np.full(n, 50.0))))
    table.on_samples_applied(live.apply(_batch([3], [7.0])))  # several batches, one flush
    assert table.flush() == 1
    assert ranges == [(0, n - 1, COL_VALUE, COL_AGE)]

    # Enum values read as their label.
    i = live.index["filler.state"]
    live.apply(_batch([i], [2.0]))
    assert m.data(m.index(m.row_of(i), COL_VALUE)) == "Running"


def test_filter_sort_and_changed_rows_follow(qtbot, config_2k):
    live, table, ranges = _table(qtbot, config_2k)
    m = table.model
    m.set_filter("area03 sensor1")  # all words must match
    assert m.rowCount() == 10  # sensor10..19
    assert table.count_label.text() == f"10 of {len(config_2k.tags):,} tags"

    names = [m.data(m.index(r, 0)) for r in range(m.rowCount())]
    ids = [live.index[n] for n in names]
    live.apply(_batch(ids, np.arange(len(ids), 0, -1, dtype=float)))
    m.sort(COL_VALUE, Qt.SortOrder.AscendingOrder)
    values = [float(m.data(m.index(r, COL_VALUE))) for r in range(m.rowCount())]
    assert values == sorted(values)

    ranges.clear()
    hidden = live.index["filler.speed"]
    table.on_samples_applied(live.apply(_batch([ids[0], hidden], [99.0, 1.0])))
    table.flush()
    assert ranges == [(m.row_of(ids[0]),) * 2 + (COL_VALUE, COL_AGE)]  # the filtered-out tag is not signalled

    m.set_filter("", abnormal_only=True)  # tags never received are "waiting for initial data" (bad)
    assert m.rowCount() == len(config_2k.tags) - len(ids)
    n = len(config_2k.tags)
    live.apply(_batch(np.arange(n), np.full(n, 50.0)))
    m.tick()
    shown = {m.tag_at(r) for r in range(m.rowCount())}
    assert ids[0] not in shown and live.index["filler.motor_current"] in shown  # 50 A is past its H limit
    assert m.rowCount() < 100
    live.apply(_batch([ids[0]], [96.0]))  # past HH
    m.tick()
    assert ids[0] in {m.tag_at(r) for r in range(m.rowCount())}


def test_refused_tag_shows_server_status_and_message(qtbot, demo_config):
    live, table, ranges = _table(qtbot, demo_config)
    m = table.model
    m.set_problems([("filler.fill_pressure_sp", BAD_NODE_ID_UNKNOWN, "node not found in address space")])
    r = m.row_of(live.index["filler.fill_pressure_sp"])
    assert ranges and ranges[-1][0] == r
    assert m.data(m.index(r, COL_QUALITY)) == "BadNodeIdUnknown (0x80340000)"
    assert "node not found in address space" in m.data(m.index(r, COL_DESC))
    assert m.data(m.index(r, COL_VALUE)) == "? REFUSED"
    assert m.data(m.index(r, COL_VALUE), Qt.ItemDataRole.BackgroundRole).style() == Qt.BrushStyle.BDiagPattern


def test_a_value_past_its_expected_refresh_is_marked_stale(qtbot, demo_config):
    """Derived tags (risk, QC rate) are recomputed at their sampling interval: without a new value
    for several intervals the row greys and says so. Server tags are reported on change: age
    alone never makes them stale (a lost connection does, for the whole table)."""
    live, table, _ranges = _table(qtbot, demo_config)
    m = table.model
    names = {n: i for i, n in enumerate(live.names)}
    risk, speed = names["filler.fault_risk"], names["filler.speed"]
    t0 = 1_700_000_000.0
    live.apply(_batch([risk, speed], [12.0, 300.0], ts=t0))
    limit = live.expected_refresh_s[risk]
    assert limit == 5.0 and np.isinf(live.expected_refresh_s[speed])
    for dt, stale in ((1.0, False), (limit - 0.1, False), (limit + 0.1, True), (3600.0, True)):
        m.tick(t0 + dt)
        row = m._row_of[risk]
        text = m.index(row, COL_QUALITY).data()
        assert text.startswith("Stale: no update for") == stale, (dt, text)
        fg = m.index(row, COL_VALUE).data(Qt.ItemDataRole.ForegroundRole)
        assert (fg is not None) == stale
        assert not m.index(m._row_of[speed], COL_QUALITY).data().startswith("Stale")
    live.apply(_batch([risk], [13.0], ts=t0 + 3600.0))
    m.tick(t0 + 3600.5)
    assert not m.index(m._row_of[risk], COL_QUALITY).data().startswith("Stale")
