"""Writes: the real cause of a refusal, the read-back, against a real asyncua server."""

from __future__ import annotations

import pytest
from asyncua import ua
from asyncua.common.callback import CallbackType
from asyncua.ua.ua_binary import variant_to_binary
from hypothesis import given
from hypothesis import strategies as st

from connectors.opcua_write import _INT_RANGES, encode
from hmi.core.quality import BAD_TYPE_MISMATCH, GOOD, UNCERTAIN, status_name
from hmi.core.runtime_api import ConnectionState
from tests.opcua_servers import NS_URI, PlcShape, line_config, plc_factory

NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(float),
    st.floats(allow_nan=True, allow_infinity=True),
)


@given(
    st.sampled_from([*_INT_RANGES, ua.VariantType.Float, ua.VariantType.Double, ua.VariantType.Boolean]),
    NUMBERS,
)
def test_an_accepted_value_always_encodes_and_a_refusal_says_why(vtype, value):
    py, why = encode(vtype, value)
    if why:
        assert (py is None and vtype.name in why) or "finite" in why
    else:
        variant_to_binary(ua.Variant(py, vtype))  # never a struct error on the operator's screen


@pytest.fixture
def plcs():
    yield from plc_factory()


async def _nodes(server, idx):
    ns = idx[NS_URI]
    obj = await server.nodes.objects.add_object(ns, "W")
    small = await obj.add_variable(ua.NodeId("W.Small", ns), "Small", 0, ua.VariantType.Int16)
    await small.set_writable()
    await obj.add_variable(ua.NodeId("W.ReadOnly", ns), "ReadOnly", 1.0)
    clamped = await obj.add_variable(ua.NodeId("W.Clamped", ns), "Clamped", 0.0)
    await clamped.set_writable()

    async def clamp(event, dispatcher):  # a PLC that limits the setpoint to 100
        for wv in event.request_params.NodesToWrite:
            if wv.NodeId == clamped.nodeid and wv.Value.Value.Value > 100:
                await server.write_attribute_value(clamped.nodeid, ua.DataValue(100.0))

    server.subscribe_server_callback(CallbackType.PostWrite, clamp)


TAGS = "".join(
    f'[[tags]]\nname = "{n}"\nnode_id = "nsu={NS_URI};s=W.{n.title().replace("only", "Only")}"\n'
    f'writable = true\ndata_type = "{t}"\n'
    for n, t in (("small", "int"), ("readonly", "float"), ("clamped", "float"))
)


def test_write_causes_and_read_back(tmp_path, plcs):
    plc, session = plcs
    p = plc(PlcShape(extra=_nodes))
    s = session(line_config(p.port, tags=TAGS), tmp_path / "pki")
    s.seen.wait(lambda: s.conn.state == ConnectionState.CONNECTED)
    idx = s.conn.config.tag_index()

    def write(tag, v):
        return s.loop.run(s.conn.write(idx[tag], v), timeout=10)

    too_big = write("small", 70000)
    assert too_big.local and too_big.status == BAD_TYPE_MISMATCH and "-32768..32767" in too_big.message
    assert write("small", 123).status == GOOD
    ro = write("readonly", 2.0)
    # the server's own reason (asyncua says BadUserAccessDenied for a read-only node), not a guess
    assert not ro.local and ro.status & 0x80000000 and status_name(ro.status) in ro.message
    assert "server refused" in ro.message
    ok = write("clamped", 50.0)
    assert ok.status == GOOD and ok.read_back == 50.0
    clamped = write("clamped", 500.0)
    assert clamped.status == UNCERTAIN and clamped.read_back == 100.0 and "reads back 100" in clamped.message
