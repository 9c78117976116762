"""Servers that are not the simulator: moved namespaces, small limits, revised intervals,
null timestamps, odd types; each against a real asyncua server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import functools
import time

import numpy as np
import pytest
from asyncua import ua

from hmi.core.connector_notice import NoticeKind, NoticeLevel
from hmi.core.quality import GOOD, Quality, quality_of
from hmi.core.runtime_api import ConnectionState
from tests.opcua_servers import (
    NS_URI,
    OTHER_NS,
    PlcShape,
    SmallPlcLimits,
    add_many,
    enforce_limits,
    line_config,
    many_tags,
    plc_factory,
    publish_limits,
)


@pytest.fixture
def plcs():
    yield from plc_factory()


def test_namespace_reordered_on_restart_is_rebound_before_any_value(tmp_path, plcs):
    plc, session = plcs
    p = plc(PlcShape(namespaces=(NS_URI, OTHER_NS)))
    s = session(line_config(p.port), tmp_path / "pki")
    s.seen.wait(lambda: s.conn.state == ConnectionState.CONNECTED)
    s.seen.wait(lambda: len(s.seen.values()) > 0)
    p.stop()
    s.seen.wait(lambda: s.conn.state == ConnectionState.RECONNECTING)
    # The restarted server registers the namespaces the other way round: the old index of
    # our namespace now names a node with the same string id and a value of 9999.
    p.start(PlcShape(namespaces=(OTHER_NS, NS_URI)))
    s.seen.wait(lambda: NoticeKind.NAMESPACES_CHANGED in s.seen.kinds(), timeout=30)
    s.seen.wait(lambda: s.conn.state == ConnectionState.CONNECTED)
    p.run(p.nodes[f"{NS_URI}|speed"].write_value(43.0))
    s.seen.wait(lambda: 43.0 in s.seen.values().value.tolist())
    values = s.seen.values()
    good = values.value[values.status == GOOD]
    assert 9999.0 not in good.tolist(), "a value of the wrong node was accepted as Good"
    notice = next(n for n in s.seen.notices if n.kind == NoticeKind.NAMESPACES_CHANGED)
    assert notice.data["moved_tags"] == ["m1.speed"]


def test_small_operation_limits_are_honoured(tmp_path, plcs, monkeypatch):
    plc, session = plcs
    limits = SmallPlcLimits(
        max_nodes_per_read=50, max_monitored_items_per_call=50, max_monitored_items_per_subscription=100
    )
    enforce_limits(monkeypatch, limits)

    async def extra(server, idx):
        await add_many(server, idx, 150)
        await publish_limits(server, limits)

    p = plc(PlcShape(extra=extra))
    s = session(line_config(p.port, tags=many_tags(150)), tmp_path / "pki")
    s.seen.wait(lambda: s.conn.state == ConnectionState.CONNECTED, timeout=30)
    assert not s.conn.problems, s.conn.problems
    info = s.conn.subscription_info
    assert info is not None and len(info.revised_publishing_ms) == 2  # 100 + 51 items
    assert max(limits.calls["read"]) <= 50 and max(limits.calls["create"]) <= 50
    # every tag delivers
    s.seen.wait(lambda: len(set(s.seen.values().tag_idx.tolist())) == 151)
    snap = s.loop.run(s.conn.read(), timeout=10)
    assert len(snap) == 151 and max(limits.calls["read"]) <= 50


def test_unpublished_limit_is_found_by_halving(tmp_path, plcs, monkeypatch):
    plc, session = plcs
    limits = SmallPlcLimits(max_nodes_per_read=20, max_monitored_items_per_call=30, publish=False)
    enforce_limits(monkeypatch, limits)
    p = plc(PlcShape(extra=functools.partial(_add, n=60)))
    s = session(line_config(p.port, tags=many_tags(60)), tmp_path / "pki")
    s.seen.wait(lambda: s.conn.state == ConnectionState.CONNECTED, timeout=30)
    assert not s.conn.problems
    s.seen.wait(lambda: len(set(s.seen.values().tag_idx.tolist())) == 61)


async def _add(server, idx, n):
    await add_many(server, idx, n)


def test_revised_intervals_are_recorded_and_warned(tmp_path, plcs, monkeypatch):
    plc, session = plcs
    enforce_limits(monkeypatch, SmallPlcLimits(min_publishing_ms=1000))
    p = plc(PlcShape())
    s = session(line_config(p.port), tmp_path / "pki")
    s.seen.wait(lambda: s.conn.state == ConnectionState.CONNECTED)
    info = s.conn.subscription_info
    assert info is not None
    assert info.revised_publishing_ms == [1000.0] and info.revised_sampling_ms["m1.speed"] == 1000.0
    # the queue holds a whole publishing interval of 50 ms samples: nothing dropped in between
    assert info.revised_queue_size["m1.speed"] >= 1000 / 50
    warn = next(n for n in s.seen.notices if n.kind == NoticeKind.REVISED_INTERVALS)
    assert warn.level == NoticeLevel.WARNING
    assert "50 -> 1000 ms" in warn.message and "m1.speed" in warn.message
    assert warn.data["sampling_ms"]["m1.speed"] == {"requested": 50.0, "revised": 1000.0}


def test_overflow_bit_and_null_timestamps(tmp_path, plcs):
    plc, session = plcs
    p = plc(PlcShape())
    s = session(line_config(p.port), tmp_path / "pki")
    s.seen.wait(lambda: s.conn.state == ConnectionState.CONNECTED)
    node = p.nodes[f"{NS_URI}|speed"]
    dv = ua.DataValue(ua.Variant(7.0, ua.VariantType.Double), ua.StatusCode(0x00000480))  # Good + Overflow
    dv.SourceTimestamp = None
    dv.ServerTimestamp = None
    p.run(node.write_value(dv))
    s.seen.wait(lambda: 7.0 in s.seen.values().value.tolist())
    v = s.seen.values()
    row = int(np.flatnonzero(v.value == 7.0)[-1])
    assert quality_of(int(v.status[row])) == Quality.UNCERTAIN
    assert int(v.status[row]) & 0x80  # the overflow bit stays readable
    assert s.conn.overflows >= 1 and s.conn.uncertain_info >= 1
    assert v.source_ts[row] > dt.datetime(2020, 1, 1, tzinfo=dt.UTC).timestamp()
    assert abs(v.source_ts[row] - time.time()) < 60
    assert NoticeKind.TIMESTAMPS in s.seen.kinds()
    # A PLC clock two hours behind: reported once, the samples keep their source time.
    for k in range(3):
        late = ua.DataValue(ua.Variant(float(k), ua.VariantType.Double))
        late.SourceTimestamp = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        p.run(node.write_value(late))
        time.sleep(0.2)
    s.seen.wait(lambda: any("off this station's clock" in n.message for n in s.seen.notices))
    skew = [n for n in s.seen.notices if "off this station's clock" in n.message]
    assert len(skew) == 1 and -7300 < skew[0].data["skew_s"] < -7100


async def _typed(server, idx):
    ns = idx[NS_URI]
    obj = await server.nodes.objects.add_object(ns, "T")
    await obj.add_variable(ua.NodeId("T.Profile", ns), "Profile", [1.0, 2.0, 3.0])
    await obj.add_variable(ua.NodeId("T.Big", ns), "Big", 2**60 + 1, ua.VariantType.Int64)
    await obj.add_variable(ua.NodeId("T.Exact", ns), "Exact", 2**53 - 1, ua.VariantType.UInt64)
    await obj.add_variable(ua.NodeId("T.Name", ns), "Name", "press 4")
    await obj.add_variable(ua.NodeId("T.Stamp", ns), "Stamp", dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC))


TYPED_TAGS = "".join(
    f'[[tags]]\nname = "{name}"\nnode_id = "nsu={NS_URI};s=T.{node}"\n{extra}'
    for name, node, extra in (
        ("profile1", "Profile", "element = 1\n"),
        ("profile9", "Profile", "element = 9\n"),
        ("profile", "Profile", ""),
        ("big", "Big", 'data_type = "int"\n'),
        ("exact", "Exact", 'data_type = "int"\n'),
        ("name", "Name", ""),
        ("stamp", "Stamp", ""),
    )
)


def test_arrays_64_bit_integers_strings_and_datetimes(tmp_path, plcs):
    plc, session = plcs
    p = plc(PlcShape(extra=_typed))
    s = session(line_config(p.port, tags=TYPED_TAGS), tmp_path / "pki")
    s.seen.wait(lambda: s.conn.state == ConnectionState.CONNECTED)
    idx = s.conn.config.tag_index()
    s.seen.wait(
        lambda: {idx["profile1"], idx["exact"], idx["stamp"], idx["big"]} <= set(s.seen.values().tag_idx.tolist())
    )
    v = s.seen.values()

    def last(tag):
        rows = v.take(v.tag_idx == idx[tag])
        return rows.value[-1], int(rows.status[-1])

    assert last("profile1") == (2.0, GOOD)  # one element of an array, trendable
    assert last("exact") == (float(2**53 - 1), GOOD)
    assert last("stamp") == (dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC).timestamp(), GOOD)
    problems = s.conn.problems
    assert "beyond the end" in problems["profile9"].message
    assert "set element = N" in problems["profile"].message
    assert last("big") == (float(2**60 + 1), GOOD)  # the nearest float; exact digits go as text
    assert "str" in problems["name"].message  # a string on a number tag (data_type "text" takes it)
    assert set(problems) == {"profile9", "profile", "name"}
