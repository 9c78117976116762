"""The simulated line served over real OPC UA on 127.0.0.1 (free port), read by an asyncua Client."""

from __future__ import annotations

import asyncio
import math
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from asyncua import Client, ua

from connectors.sim.bulk import bulk_config_text
from connectors.sim.cli import main as sim_main
from connectors.sim.faults import parse_fault_spec
from connectors.sim.server import NS_URI, SimSettings, SimulatedLineServer
from hmi.core.config import DEMO_CONFIG, load_config, parse_config

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(autouse=True)
def no_leaked_threads():
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not leaked:
            return
        time.sleep(0.05)
    pytest.fail(f"threads leaked: {leaked}")


def serve(settings: SimSettings, body, config=None):
    """Start a server, run `body(server, client, ns)`, stop; all inside one asyncio.run."""

    async def go():
        server = SimulatedLineServer(settings, config)
        await server.start()
        try:
            client = Client(server.endpoint, timeout=5)
            await client.connect()
            try:
                ns = await client.get_namespace_index(NS_URI)
                return await body(server, client, ns)
            finally:
                await client.disconnect()
        finally:
            await server.stop()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
            assert not others, f"tasks left running: {others}"

    return asyncio.run(go())


async def wait_for(pred, timeout=10.0, every=0.1):
    t_end = time.monotonic() + timeout
    while True:
        got = await pred()
        if got or time.monotonic() > t_end:
            return got
        await asyncio.sleep(every)


def node_id(tag_node_id: str, ns: int) -> str:
    return tag_node_id.replace(f"nsu={NS_URI}", f"ns={ns}")


def test_server_exposes_every_configured_node_browsable_with_types():
    cfg = load_config(DEMO_CONFIG)

    async def body(server, client: Client, ns: int):
        assert server.port > 0 and f":{server.port}/" in server.endpoint
        served = [t for t in cfg.tags if t.source == "opcua"]
        nodes = [client.get_node(node_id(t.node_id, ns)) for t in served]
        dvs = await client.read_attributes(nodes, ua.AttributeIds.Value)
        for tag, dv in zip(served, dvs, strict=True):
            assert dv.StatusCode.is_good(), (tag.name, dv.StatusCode)
            expected = ua.VariantType.Double if tag.data_type == "float" else ua.VariantType.Int32
            assert dv.Value.VariantType == expected, tag.name
            assert dv.SourceTimestamp is not None and abs(dv.SourceTimestamp - datetime.now(UTC)) < timedelta(
                seconds=30
            )
            if tag.range:
                assert tag.range[0] <= dv.Value.Value <= tag.range[1], tag.name
        dtypes = await client.read_attributes(nodes, ua.AttributeIds.DataType)
        for tag, dv in zip(served, dtypes, strict=True):
            want = ua.ObjectIds.Double if tag.data_type == "float" else ua.ObjectIds.Int32
            assert dv.Value.Value == ua.NodeId(want), tag.name
        access = await client.read_attributes(nodes, ua.AttributeIds.AccessLevel)
        for tag, dv in zip(served, access, strict=True):
            bits = dv.Value.Value
            assert bool(bits & ua.AccessLevel.CurrentWrite.mask) == tag.writable, tag.name
            assert bits & ua.AccessLevel.HistoryRead.mask, tag.name
        # A generic client finds the tags by browsing Objects/PackagingLine/<Machine>/<Signal>.
        speed = await client.nodes.objects.get_child([f"{ns}:PackagingLine", f"{ns}:Filler", f"{ns}:Speed"])
        assert speed.nodeid == ua.NodeId("Filler.Speed", ns)
        line = await client.nodes.objects.get_child(f"{ns}:PackagingLine")
        machines = sorted([(await c.read_browse_name()).Name for c in await line.get_children()])
        assert machines == ["Capper", "Conveyor", "Filler", "Labeller"]
        return True

    assert serve(SimSettings(port=0, faults=[]), body)


def test_setpoint_write_is_applied_and_bad_writes_are_refused():
    async def body(server, client: Client, ns: int):
        sp = client.get_node(f"ns={ns};s=Filler.SpeedSetpoint")
        speed = client.get_node(f"ns={ns};s=Filler.Speed")
        state = client.get_node(f"ns={ns};s=Filler.State")
        assert await wait_for(lambda: _eq(state, 2), 10), "filler never reached Running"
        await sp.write_value(ua.DataValue(ua.Variant(300.0, ua.VariantType.Double)))
        assert await sp.read_value() == 300.0
        assert await wait_for(lambda: _near(speed, 300.0, 3.0), 10), "speed did not follow the setpoint"
        # Out of the config's range [0, 600]: refused, value unchanged.
        with pytest.raises(ua.UaStatusCodeError) as err:
            await sp.write_value(ua.DataValue(ua.Variant(650.0, ua.VariantType.Double)))
        assert err.value.code == ua.StatusCodes.BadOutOfRange
        with pytest.raises(ua.UaStatusCodeError) as err:
            await sp.write_value(ua.DataValue(ua.Variant(math.nan, ua.VariantType.Double)))
        assert err.value.code == ua.StatusCodes.BadOutOfRange
        assert await sp.read_value() == 300.0
        # Per item in one request: the good write goes through, the bad one is refused.
        gt = client.get_node(f"ns={ns};s=Labeller.GlueTempSetpoint")
        codes = await client.write_values([gt, sp], [165.0, -1.0], raise_on_partial_error=False)
        assert codes[0].is_good() and codes[1].value == ua.StatusCodes.BadOutOfRange
        assert await gt.read_value() == 165.0
        # Integers are accepted on a Double setpoint (generic clients guess types), text is not.
        await client.write_values([sp], [ua.Variant(280, ua.VariantType.Int32)])
        assert await sp.read_value() == 280.0
        with pytest.raises(ua.UaStatusCodeError) as err:
            await sp.write_value(ua.DataValue(ua.Variant("fast", ua.VariantType.String)))
        assert err.value.code == ua.StatusCodes.BadTypeMismatch
        # Measured values are read-only.
        with pytest.raises(ua.UaStatusCodeError) as err:
            await speed.write_value(ua.DataValue(ua.Variant(1.0, ua.VariantType.Double)))
        assert err.value.code in (ua.StatusCodes.BadNotWritable, ua.StatusCodes.BadUserAccessDenied)
        assert server.model.m["filler"].sp == 280.0
        return True

    assert serve(SimSettings(port=0, time_factor=10, faults=[], random_jams=False), body)


async def _eq(node, value):
    return await node.read_value() == value


async def _near(node, value, tol):
    return abs(await node.read_value() - value) < tol


class _Collect:
    def __init__(self):
        self.dvs: list[ua.DataValue] = []

    def datachange_notification(self, node, val, data):
        self.dvs.append(data.monitored_item.Value)


def test_sensor_dropout_is_bad_for_reads_subscriptions_and_history():
    faults = [parse_fault_spec("conveyor:sensor_dropout:vibration@1s/1.5s")]

    async def body(server, client: Client, ns: int):
        vib = client.get_node(f"ns={ns};s=Conveyor.Vibration")
        handler = _Collect()
        sub = await client.create_subscription(50, handler)
        # The HMI subscribes with an absolute deadband: the status change must still arrive.
        flt = ua.DataChangeFilter()
        flt.Trigger = ua.DataChangeTrigger.StatusValue
        flt.DeadbandType = ua.DeadbandType.Absolute
        flt.DeadbandValue = 0.01
        await _subscribe_with_filter(sub, vib, flt)
        t_start = datetime.now(UTC)

        async def bad_read():
            dv = await vib.read_data_value(raise_on_bad_status=False)
            return dv.StatusCode.value == ua.StatusCodes.BadSensorFailure

        assert await wait_for(bad_read, 5)
        dv = await vib.read_data_value(raise_on_bad_status=False)
        assert dv.Value is None or dv.Value.Value is None  # a Bad value is null (Part 4, 7.7.1)
        assert await wait_for(lambda: _good_again(vib), 5)
        await asyncio.sleep(0.3)
        codes = [d.StatusCode.value for d in handler.dvs]
        assert ua.StatusCodes.BadSensorFailure in codes, codes
        assert codes[-1] == ua.StatusCodes.Good
        await sub.delete()
        # HistoryRead (raw) backfills the gap with the same qualities and real timestamps.
        hist = await vib.read_raw_history(t_start - timedelta(seconds=5), datetime.now(UTC))
        assert len(hist) > 10
        assert any(h.StatusCode.value == ua.StatusCodes.BadSensorFailure for h in hist)
        ts = [h.SourceTimestamp for h in hist]
        assert ts == sorted(ts) and abs(ts[-1] - datetime.now(UTC)) < timedelta(seconds=5)
        speed_hist = await client.get_node(f"ns={ns};s=Conveyor.Speed").read_raw_history(
            datetime.now(UTC) - timedelta(minutes=5), datetime.now(UTC), numvalues=7
        )
        assert len(speed_hist) == 7 and all(h.Value.VariantType == ua.VariantType.Double for h in speed_hist)
        return True

    assert serve(SimSettings(port=0, faults=faults, random_jams=False), body)


async def _good_again(node):
    dv = await node.read_data_value(raise_on_bad_status=False)
    return dv.StatusCode.is_good()


async def _subscribe_with_filter(sub, node, flt):
    params = ua.MonitoringParameters()
    params.ClientHandle = 4242
    params.SamplingInterval = 0
    params.QueueSize = 4
    params.DiscardOldest = True
    params.Filter = flt
    rv = ua.ReadValueId()
    rv.NodeId = node.nodeid
    rv.AttributeId = ua.AttributeIds.Value
    req = ua.MonitoredItemCreateRequest()
    req.ItemToMonitor = rv
    req.MonitoringMode = ua.MonitoringMode.Reporting
    req.RequestedParameters = params
    await sub.create_monitored_items([req])


def test_restart_on_the_same_port_and_kill_transport():
    async def go():
        first = SimulatedLineServer(SimSettings(port=0, faults=[], history=False))
        await first.start()
        port = first.port
        client = Client(first.endpoint, timeout=3)
        await client.connect()
        await first.kill_transport()  # the client's connection is cut, the server stays up
        await asyncio.sleep(0.2)
        async with Client(first.endpoint, timeout=3) as c2:
            ns = await c2.get_namespace_index(NS_URI)
            assert await c2.get_node(f"ns={ns};s=Filler.State").read_value() in range(5)
        await first.stop()
        await first.stop()  # idempotent
        with _suppress():
            await asyncio.wait_for(client.disconnect(), 1.0)
        second = SimulatedLineServer(SimSettings(port=port, faults=[], history=False))
        await second.start()
        try:
            assert second.port == port
            async with Client(second.endpoint, timeout=3) as c3:
                eps = await c3.get_endpoints()
                assert all(f":{port}/" in e.EndpointUrl for e in eps)
        finally:
            await second.stop()

    asyncio.run(go())


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return True


def test_bulk_tags_change_and_their_config_matches(tmp_path):
    settings = SimSettings(
        port=0, faults=[], history=False, extra_tags=250, extra_rate_hz=5.0, extra_groups=[(40, 20.0)]
    )

    async def body(server, client: Client, ns: int):
        text = bulk_config_text(server.endpoint, 250, 5.0, [(40, 20.0)])
        cfg = parse_config(text, "bulk.toml")
        assert len(cfg.tags) == 290
        assert cfg.tags[0].node_id == f"nsu={NS_URI};s=Bulk.T00001" and cfg.tags[0].sampling_ms == 200
        assert cfg.tags[-1].node_id == f"nsu={NS_URI};s=Bulk.T00290" and cfg.tags[-1].sampling_ms == 50
        served = [t for t in cfg.tags if t.source == "opcua"]
        nodes = [client.get_node(node_id(t.node_id, ns)) for t in served]
        a = await client.read_values(nodes)
        await asyncio.sleep(0.5)
        b = await client.read_values(nodes)
        assert all(isinstance(x, float) for x in a)
        assert sum(x != y for x, y in zip(a, b, strict=True)) == len(nodes)  # every tag moved
        folder = await client.nodes.objects.get_child([f"{ns}:Bulk", f"{ns}:T00001_T00100"])
        assert len(await folder.get_children()) == 100
        # The line tags are still there, and bulk tags are not historized.
        assert await client.get_node(f"ns={ns};s=Filler.State").read_value() in range(5)
        # With the demo line appended, one client config covers both.
        both = parse_config(bulk_config_text(server.endpoint, 250, 5.0, line_config=DEMO_CONFIG), "b.toml")
        assert len(both.tags) == 250 + len(load_config(DEMO_CONFIG).tags)
        assert server.bulk_updates > 0
        # A plain subscription (no filter) sees the 20 Hz tags change at their rate.
        handler = _Collect()
        sub = await client.create_subscription(50, handler)
        await sub.subscribe_data_change(nodes[-10:])
        await asyncio.sleep(1.0)
        await sub.delete()
        assert len(handler.dvs) >= 10 * 10  # 10 tags x 20 Hz x 1 s, with margin for a busy machine
        return True

    assert serve(settings, body)


def test_cli_refuses_a_bad_fault_spec_with_a_clear_message(capsys):
    rc = sim_main(["--port", "0", "--fault", "filler:bearing_wear@30s/10m", "--fault", "filer:jam@1m"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "bad fault spec 'filer:jam@1m'" in err
    assert "unknown machine 'filer'" in err
    assert "MACHINE:KIND[:TARGET][@START][/DURATION]" in err


def test_cli_runs_for_a_duration_and_exits_cleanly(tmp_path, caplog):
    caplog.set_level("INFO", logger="connectors.sim")
    out = tmp_path / "bulk.toml"
    rc = sim_main(
        [
            "--port",
            "0",
            "--duration",
            "1.5",
            "--status-every",
            "0.5",
            "--fault",
            "capper:jam@0s/1m",
            "--extra-tags",
            "20",
            "--write-bulk-config",
            str(out),
        ]
    )
    assert rc == 0
    text = caplog.text
    assert "simulated line serving opc.tcp://127.0.0.1:" in text
    assert "updates/s" in text  # the status line
    assert "capper: jam (scheduled)" in text
    assert len(parse_config(out.read_text(), out).tags) == 20


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_python_m_connectors_sim_stops_cleanly_on_a_signal(sig):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen(
        [sys.executable, "-m", "connectors.sim", "--port", "0", "--no-faults", "--no-history"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        t_end = time.monotonic() + 30
        while time.monotonic() < t_end:
            line = proc.stdout.readline()
            lines.append(line)
            if "simulated line serving" in line or not line:
                break
        assert "simulated line serving" in lines[-1], "".join(lines)
        proc.send_signal(sig)
        rest, _ = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, rest
    assert "simulated line stopped" in rest
    assert "Traceback" not in rest
