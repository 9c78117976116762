"""Camera images end to end: simulated line camera -> OPC UA ByteString -> CameraClient -> QcInspector."""

from __future__ import annotations

import asyncio
import time

import pytest
from asyncua import Client, ua

from connectors.camera_client import CameraClient
from connectors.sim.camera import NODE_IMAGE, NODE_SEQUENCE
from connectors.sim.server import NS_URI, SimSettings, SimulatedLineServer
from hmi.core.qc_frame import png_text
from hmi.core.quality import BAD_TYPE_MISMATCH, BAD_WAITING_FOR_INITIAL_DATA
from hmi.core.runtime_api import ConnectionState
from inference.qc.inspector import QcInspector, Verdict

from .test_qc_inspector import FakeJournal, FakeModel

pytestmark = pytest.mark.timeout(60)


def _run(coro):
    return asyncio.run(coro)


def test_camera_frames_reach_the_inspector_in_order(tmp_path):
    async def go():
        sim = SimulatedLineServer(SimSettings(port=0, faults=[], time_factor=10, camera_hz=8, seed=4))
        await sim.start()
        journal = FakeJournal(tmp_path)
        insp = QcInspector(None, journal=journal, model=FakeModel(None)).start()
        states = []
        cam = CameraClient(sim.endpoint, insp.submit, lambda s, d: states.append(s))
        task = asyncio.create_task(cam.run())
        try:
            deadline = time.monotonic() + 20
            while cam.frames < 6 and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
        finally:
            await cam.stop()
            await task
            await sim.stop()
            insp.stop()
        return cam, insp, states, sim

    cam, insp, states, sim = _run(go())
    results = insp.poll()
    assert cam.frames >= 6 and cam.lost == 0 and cam.bytes > 6 * 20_000
    seqs = [r.seq for r in results]
    assert seqs == sorted(seqs) and seqs[0] >= 1
    assert all(r.verdict is Verdict.OK and r.image.shape == (192, 192, 3) for r in results)
    assert all(
        r.ground_truth in ("ok", "scratch", "missing_cap", "misaligned_label", "contamination", "underfill")
        for r in results
    )
    assert states[:2] == [ConnectionState.CONNECTING, ConnectionState.CONNECTED]
    assert states[-1] == ConnectionState.DISCONNECTED
    assert sim.camera is not None and sim.camera.frames >= cam.frames


def test_camera_nodes_are_readable_and_not_writable():
    async def go():
        sim = SimulatedLineServer(SimSettings(port=0, faults=[], camera_hz=10, time_factor=10))
        await sim.start()
        try:
            async with Client(sim.endpoint, timeout=5) as client:
                ns = await client.get_namespace_index(NS_URI)
                image = client.get_node(ua.NodeId(NODE_IMAGE, ns))
                seq = client.get_node(ua.NodeId(NODE_SEQUENCE, ns))
                assert await image.read_data_type_as_variant_type() == ua.VariantType.ByteString
                deadline = time.monotonic() + 15
                while (await seq.read_value()) < 1 and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
                data = await image.read_value()
                meta = png_text(data)
                assert data[:4] == b"\x89PNG" and int(meta["seq"]) >= 1
                with pytest.raises(ua.UaStatusCodeError):
                    await image.write_value(ua.Variant(b"x", ua.VariantType.ByteString))
        finally:
            await sim.stop()

    _run(go())


def test_camera_off_and_bad_settings():
    assert SimulatedLineServer(SimSettings(port=0, camera_hz=0)).camera is None
    with pytest.raises(ValueError, match=r"camera_defect_rate must be 0\.\.1"):
        SimSettings(camera_defect_rate=2).validate()


def test_client_skips_waiting_values_and_flags_wrong_types():
    frames = []
    cam = CameraClient("opc.tcp://127.0.0.1:1/none/", frames.append)
    waiting = ua.DataValue(
        ua.Variant(b"", ua.VariantType.ByteString), ua.StatusCode(BAD_WAITING_FOR_INITIAL_DATA)
    )
    cam._deliver(waiting)
    assert frames == []
    cam._deliver(ua.DataValue(ua.Variant("not bytes", ua.VariantType.String)))
    assert frames[0].status == BAD_TYPE_MISMATCH and frames[0].data is None
    r = QcInspector(None, model=FakeModel()).inspect(frames[0])
    assert r.verdict is Verdict.ERROR and r.error_reason == "bad_quality"
