"""The camera's OPC UA session is the tag session's (connectors.opcua_session): the same certificate
check before any secret is sent, against real asyncua servers on 127.0.0.1."""

from __future__ import annotations

import time

import numpy as np
import pytest
from asyncua import ua

from connectors.camera_client import CameraClient
from connectors.loop_thread import LoopThread
from connectors.opcua_pki import Pki
from hmi.core.config import SecurityConfig
from hmi.core.connector_notice import NoticeKind, NoticeLevel
from hmi.core.qc_frame import encode_png
from hmi.core.runtime_api import ConnectionState
from tests.opcua_servers import NS_URI, PlcShape, Seen, make_server_certificate, plc_factory

pytestmark = pytest.mark.timeout(90)

IMAGE_NODE = f"nsu={NS_URI};s=Cam.Image"


@pytest.fixture
def plcs():
    yield from plc_factory()


async def _add_camera(server, idx) -> None:
    ns = idx[NS_URI]
    obj = await server.nodes.objects.add_object(ns, "Cam")
    image = encode_png(np.zeros((8, 8, 3), np.uint8), {"seq": "7"})
    await obj.add_variable(ua.NodeId("Cam.Image", ns), "Image", ua.Variant(image, ua.VariantType.ByteString))


class Camera:
    """A CameraClient on its own I/O loop, recording states, notices and frames."""

    def __init__(self, port: int, security: SecurityConfig, pki: Pki) -> None:
        self.seen = Seen()
        self.frames: list = []
        self.loop = LoopThread("camera-io").start()
        self.cam = CameraClient(
            f"opc.tcp://127.0.0.1:{port}/plc/",
            self.frames.append,
            self.seen.on_state,
            node_id=IMAGE_NODE,
            timeout_s=2.0,
            security=security,
            pki=pki,
            application_uri="urn:test:linehmi:camera",
            on_notice=self.seen.on_notice,
        )
        self.fut = self.loop.submit(self.cam.run())

    def close(self) -> None:
        self.loop.run(self.cam.stop(), timeout=10)
        self.fut.result(10)
        self.loop.stop()


def test_camera_refuses_an_untrusted_server_certificate_before_any_credential(tmp_path, plcs, monkeypatch):
    plc, _session = plcs
    server_cert = make_server_certificate(tmp_path / "srv", "cam")
    p = plc(
        PlcShape(policies=("Basic256Sha256",), cert=server_cert, users={"op": "secret"}, extra=_add_camera)
    )
    monkeypatch.setenv("CAM_PW", "secret")
    sec = SecurityConfig(policy="Basic256Sha256", mode="SignAndEncrypt", username="op", password_env="CAM_PW")
    pki = Pki(tmp_path / "pki")
    c = Camera(p.port, sec, pki)
    try:
        c.seen.wait(lambda: NoticeKind.CERTIFICATE_UNTRUSTED in c.seen.kinds())
        notice = next(n for n in c.seen.notices if n.kind == NoticeKind.CERTIFICATE_UNTRUSTED)
        assert notice.level == NoticeLevel.ERROR and notice.message.startswith("camera: ")
        assert "linehmi certs trust" in notice.message
        rejected = list(pki.rejected.iterdir())
        assert len(rejected) == 1 and rejected[0].read_bytes() == server_cert[0].read_bytes()
        # Refused before the password left the station, and not retried on a timer.
        time.sleep(2.5)
        assert p.users.attempts == 0
        assert c.cam.state == ConnectionState.DISCONNECTED and c.frames == []
        assert "camera: cannot connect" in c.cam.state_detail
        assert sum(1 for st, _ in c.seen.states if st == ConnectionState.DISCONNECTED) == 1
        # Trusted (as `linehmi certs trust` or the GUI dialog do): the camera connects by itself.
        pki.trust(notice.data["sha256"][:23], by="test")
        c.seen.wait(lambda: c.cam.state == ConnectionState.CONNECTED)
        c.seen.wait(lambda: len(c.frames) >= 1)
        assert c.frames[0].seq == 7 and p.users.attempts == 1
    finally:
        c.close()
