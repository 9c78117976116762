"""Backfill after a reconnect: OPC UA HistoryRead against the simulator and servers without history."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import time

import numpy as np
import pytest
from asyncua import Client, Server, ua

from connectors.history_backfill import backfill, backfill_detailed
from connectors.sim.server import SimSettings
from hmi.core.quality import (
    BACKFILLED,
    BAD_NOT_CONNECTED,
    HISTORIAN_INTERPOLATED,
    is_backfilled,
    quality_array,
)
from hmi.core.samples import SampleBatch
from hmi.core.trend_data import Points, style_points
from tests.opcua_fixtures import free_port
from tests.test_sim_server import serve

pytestmark = pytest.mark.timeout(60)

TAGS = ["Filler.Vibration", "Filler.MotorCurrent", "Filler.State", "Filler.BearingTemp"]


def _sim(body, **settings):
    return serve(SimSettings(port=0, faults=[], tick_hz=20.0, **settings), body)


@pytest.fixture(scope="module")
def sim_backfill():
    """One simulator session: a second "without link", backfilled with and without the held value."""

    async def body(server, client, ns):
        nodes = [client.get_node(f"ns={ns};s={t}") for t in TAGS]
        await asyncio.sleep(0.6)
        t0 = time.time()
        await asyncio.sleep(1.0)  # "the link is down" for this second
        t1 = time.time()
        res = await backfill_detailed(client, nodes, [10, 11, 12, 13], t0, t1)
        plain = await backfill(client, nodes, [10, 11, 12, 13], t0, t1, hold_start=False)
        return res, plain, t0, t1

    return _sim(body)


def test_backfill_from_simulator_history_fills_the_gap_and_marks_it(sim_backfill):
    res, plain, t0, t1 = sim_backfill
    b = res.batch
    assert res.supported and res.samples == len(b) > 20
    assert set(np.unique(b.tag_idx).tolist()) <= {10, 11, 12, 13}
    assert res.nodes_filled >= 2
    # inside the gap, in order per tag, every one marked backfilled with the server's quality kept
    assert np.all((b.source_ts >= t0) & (b.source_ts < t1))
    assert np.all(is_backfilled(b.status))
    assert np.all(quality_array(b.status) == 0)
    assert np.all((b.status & 0xFFFF0000) == 0)  # severity and sub-code untouched (Good)
    for i in (10, 13):
        ts = b.source_ts[b.tag_idx == i]
        assert np.all(np.diff(ts) >= 0)
        assert ts[-1] - ts[0] > 0.7  # the whole second, at 20 Hz
    # one held value per tag at t0, flagged Interpolated; the plain call has none
    held = b.source_ts == t0
    assert held.sum() == 4
    assert np.all(b.status[held] & HISTORIAN_INTERPOLATED)
    assert not np.any(plain.source_ts == t0)
    assert len(plain) == len(b) - 4
    # received time is when we read it, not the source time
    assert np.all(b.received_ts >= t1)
    assert "backfilled" in res.describe()


def test_backfilled_gap_draws_as_a_line_marked_backfilled(sim_backfill):
    """The connector's BadNotConnected mark at t0, then the backfill: the line resumes at t0."""
    res, _plain, t0, _t1 = sim_backfill
    b = res.batch.take(res.batch.tag_idx == 10)
    before = SampleBatch.from_columns([10], [t0 - 0.5], [np.nan], [t0 - 0.5], [1.0], [0])
    mark = SampleBatch.from_columns([10], [t0], [np.nan], [t0], [np.nan], [BAD_NOT_CONNECTED])
    allb = SampleBatch.concat([before, mark, b])
    order = np.argsort(allb.source_ts, kind="stable")
    p = Points(allb.source_ts[order], allb.value[order], allb.status[order])
    st = style_points(p)
    assert st.backfilled.total() > 0.7
    assert st.gaps.total() < 1e-3  # the gap closed at once by the held value
    assert np.isfinite(st.solid_y).sum() > 5


def test_server_without_history_leaves_the_gap():
    """A plain asyncua server with nothing historized: empty batch, nodes reported, no exception."""

    async def go():
        port = free_port()
        server = Server()
        await server.init()
        server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/nohist/")
        idx = await server.register_namespace("urn:test:nohist")
        obj = await server.nodes.objects.add_object(idx, "M")
        var = await obj.add_variable(ua.NodeId("M.X", idx), "X", 1.0)
        await server.start()
        try:
            async with Client(f"opc.tcp://127.0.0.1:{port}/nohist/", timeout=5) as client:
                node = client.get_node(var.nodeid)
                t1 = time.time()
                res = await backfill_detailed(client, [node], [3], t1 - 5, t1)
                again = await backfill(client, [node], [3], t1 - 5, t1)
                return res, again
        finally:
            await server.stop()

    res, again = asyncio.run(go())
    assert len(res.batch) == 0 and len(again) == 0
    assert res.nodes_filled == 0


def test_historized_asyncua_server_and_continuation_points():
    """asyncua's own HistoryDict storage, a small response limit: continuation points are followed,
    and the per-node cap stops early and says so."""

    async def go():
        port = free_port()
        server = Server()
        await server.init()
        server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/hist/")
        server.iserver.history_manager.storage.max_history_data_response_size = 7
        idx = await server.register_namespace("urn:test:hist")
        obj = await server.nodes.objects.add_object(idx, "M")
        var = await obj.add_variable(ua.NodeId("M.X", idx), "X", 0.0)
        flag = await obj.add_variable(ua.NodeId("M.On", idx), "On", False)
        await server.start()
        await server.historize_node_data_change([var, flag], period=None, count=1000)
        try:
            await var.write_value(-1.0)
            await asyncio.sleep(0.05)
            t0 = time.time()
            for k in range(30):
                await var.write_value(float(k))
                if k % 10 == 0:
                    await flag.write_value(k % 20 == 0)
                await asyncio.sleep(0.005)
            t1 = time.time()
            async with Client(f"opc.tcp://127.0.0.1:{port}/hist/", timeout=5) as client:
                nodes = [client.get_node(var.nodeid), client.get_node(flag.nodeid)]
                full = await backfill_detailed(client, nodes, [0, 1], t0, t1)
                capped = await backfill_detailed(client, nodes, [0, 1], t0, t1, max_values_per_node=10)
                return full, capped, t0
        finally:
            await server.stop()

    full, capped, t0 = asyncio.run(go())
    x = full.batch.take(full.batch.tag_idx == 0)
    raw = x.take(x.source_ts > t0)
    assert raw.value.tolist() == [float(k) for k in range(30)]  # 30 values over 5 continuation points
    held = x.take(x.source_ts == t0)
    assert held.value.tolist() == [-1.0]  # the value before the gap, held at t0
    on = full.batch.take(full.batch.tag_idx == 1)
    assert set(on.value.tolist()) <= {0.0, 1.0}
    assert 0 in capped.truncated and len(capped.batch.take(capped.batch.tag_idx == 0)) <= 11
    assert full.truncated == []


def test_backfill_bad_arguments():
    async def go():
        return await backfill(None, [], [], 10.0, 5.0)  # type: ignore[arg-type]

    assert len(asyncio.run(go())) == 0
    with pytest.raises(ValueError):
        asyncio.run(backfill_detailed(None, [object()], [], 0.0, 1.0))  # type: ignore[arg-type, list-item]


def test_backfilled_marker_bits():
    assert BACKFILLED == 0x420
    assert is_backfilled(0x420) and is_backfilled(0x80AB0420)
    assert not is_backfilled(0x400) and not is_backfilled(0x20) and not is_backfilled(0)
    assert math.isclose(1.0, 1.0)


def test_backfill_journals_each_history_sample_once_and_only_inside_the_gap():
    """qa3 step 12: after a restarted simulator came back, "backfilled 90 samples for 40 tags" were 3
    identical rows per tag at one instant (its start-up value, also journaled live by the read after
    the reconnect). A real historizing asyncua server whose history holds a value twice, and a
    value the read after the reconnect delivered live."""

    async def go():
        port = free_port()
        server = Server()
        await server.init()
        server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/hist/")
        idx = await server.register_namespace("urn:test:hist")
        obj = await server.nodes.objects.add_object(idx, "M")
        var = await obj.add_variable(ua.NodeId("M.X", idx), "X", 0.0)
        await server.start()
        await server.historize_node_data_change([var], period=None, count=1000)
        try:
            t0 = time.time()
            await asyncio.sleep(0.02)
            stamp = time.time()
            for _ in range(3):  # the same sample stored three times (same source time, same value)
                dv = ua.DataValue(ua.Variant(5.0, ua.VariantType.Double), SourceTimestamp=_utc(stamp))
                await server.iserver.history_manager.storage.save_node_value(var.nodeid, dv)
            await asyncio.sleep(0.02)
            live = time.time()  # the read after the reconnect got this one live
            dv = ua.DataValue(ua.Variant(6.0, ua.VariantType.Double), SourceTimestamp=_utc(live))
            await server.iserver.history_manager.storage.save_node_value(var.nodeid, dv)
            await asyncio.sleep(0.02)
            t1 = time.time()
            async with Client(f"opc.tcp://127.0.0.1:{port}/hist/", timeout=5) as client:
                node = client.get_node(var.nodeid)
                res = await backfill_detailed(client, [node], [0], t0, t1, live_from={0: live})
                return res, stamp, live
        finally:
            await server.stop()

    res, stamp, live = asyncio.run(go())
    b = res.batch
    keys = list(zip(b.tag_idx.tolist(), b.source_ts.tolist(), b.value.tolist(), strict=True))
    assert len(keys) == len(set(keys)), keys  # each (tag, source time, value) once
    assert np.all(b.source_ts < live)  # the live value and what follows it are not history to fill in
    assert any(v == 5.0 and abs(ts - stamp) < 1e-3 for _, ts, v in keys)
    assert res.samples == len(b)


def _utc(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, dt.UTC)
