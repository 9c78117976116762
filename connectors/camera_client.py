"""Camera images over OPC UA: a small subscriber of its own for one ByteString image node.

Why a separate session, not a tag in `OpcUaConnector`: that connector turns
every value into a float for SampleBatch and flags anything else as
BadTypeMismatch, by design. Images are 50-100 kB each; keeping them on their
own session and subscription keeps them out of the tag path (no float
conversion, no journal of samples, no alarm evaluation) and lets the camera
live on another server than the PLC, as vision systems often do.

The session's life is the tag connector's (`connectors.opcua_session`): the
same endpoint choice and server-certificate check against the PKI trust list
before any secret is sent, the same refusal of a password in clear, the same
bounded log-ins, backoff and one report per cause. This class only subscribes
to the image node once the session is open.

Each notification becomes a `QcFrame` handed to `on_frame` on the I/O loop
(the inspector's `submit` never blocks). The frame's sequence number comes
from the PNG's own tEXt "seq" when present (the simulator writes it), so
frames lost between camera and HMI are counted, not guessed. A node still
"waiting for initial data" is not a frame; any other Bad status is passed on
as a Bad frame, which the inspector reports as an error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from asyncua import Client, ua
from asyncua.common.subscription import DataChangeEvent, Subscription

from connectors.opcua_pki import Pki
from connectors.opcua_session import (
    OpcUaSession,
    SessionClient,
    SessionSettings,
    monitor_request,
    resolve_node_id,
)
from connectors.session_lifecycle import cancel_tasks
from hmi.core.config import SecurityConfig
from hmi.core.connector_notice import ConnectorNotice
from hmi.core.qc_frame import QcFrame, png_text
from hmi.core.quality import BAD_TYPE_MISMATCH, BAD_WAITING_FOR_INITIAL_DATA, GOOD
from hmi.core.runtime_api import ConnectionState

log = logging.getLogger(__name__)

DEFAULT_NODE = "nsu=urn:linehmi:sim;s=Camera.Image"


class CameraClient(SessionClient):
    def __init__(
        self,
        endpoint: str,
        on_frame: Callable[[QcFrame], object],
        on_state: Callable[[ConnectionState, str], None] | None = None,
        *,
        node_id: str = DEFAULT_NODE,
        source: str = "camera",
        timeout_s: float = 4.0,
        reconnect_max_delay_s: float = 1.0,
        publishing_interval_ms: float = 100.0,
        security: SecurityConfig | None = None,
        pki: Pki | None = None,
        application_uri: str = "urn:linehmi:camera-client",
        on_notice: Callable[[ConnectorNotice], None] | None = None,
    ) -> None:
        """`security` and `pki`: the line's `[server.security]` and its PKI folder (the same own
        certificate and trust list as the tag session); without them, an unsecured session."""
        security = security or SecurityConfig()
        if pki is None:
            if security.policy != "None":
                raise ValueError(f"camera at {endpoint}: a secured session ({security.policy}) needs the PKI")
            pki = Pki(".")  # never read: no certificate is checked without security
        self.endpoint = endpoint
        self.node_id = node_id
        self.source = source
        self._on_frame = on_frame
        self.publishing_interval_ms = publishing_interval_ms
        self._session = OpcUaSession(
            SessionSettings(
                endpoint,
                security,
                application_uri,
                "LineHMI camera",
                timeout_s=timeout_s,
                reconnect_max_delay_s=reconnect_max_delay_s,
                label="camera: ",
            ),
            pki,
            self,
            on_state,
            on_notice,
        )
        self._tasks: list[asyncio.Task[None]] = []
        self._last_seq: int | None = None
        self._counter = 0
        self.frames = 0
        self.lost = 0  # frames the camera numbered but that never arrived
        self.bytes = 0

    # --- the session's owner (OpcUaSession calls these on the I/O loop) -----------------------

    async def opened(self, client: Client) -> None:
        """Subscribe to the image node: every new image, a burst inside one publishing
        interval kept (queue of 4)."""
        node = client.get_node(resolve_node_id(self.node_id, await client.get_namespace_array()))
        vtype = await node.read_data_type_as_variant_type()
        if vtype != ua.VariantType.ByteString:
            raise ValueError(f"{self.node_id} is {vtype.name}, expected ByteString (encoded image bytes)")
        sub = await client.create_subscription(self.publishing_interval_ms, handler=None, queue_maxsize=64)
        # Sampling 0: every change; the server reports each new image.
        req = monitor_request(node.nodeid, 1, 0.0, 4)
        res = (await sub.create_monitored_items([req]))[0]
        if isinstance(res, ua.StatusCode):
            raise ValueError(f"monitoring {self.node_id} refused: {res.name}")
        self._tasks.append(asyncio.create_task(self._consume(sub), name="camera-consume"))

    def link_lost(self) -> None:
        pass  # the subscription is asyncua's to restore; a missing frame is counted by its seq

    async def link_back(self, client: Client, down_since: float | None) -> bool:
        return True

    async def closing(self) -> None:
        await cancel_tasks(self._tasks)

    # --- frames -------------------------------------------------------------------------------

    async def _consume(self, sub: Subscription) -> None:
        async for ev in sub:
            if isinstance(ev, DataChangeEvent):
                self._deliver(ev.data.monitored_item.Value)

    def _deliver(self, dv: ua.DataValue) -> None:
        status = dv.StatusCode.value if dv.StatusCode is not None else GOOD
        if status == BAD_WAITING_FOR_INITIAL_DATA:
            return  # the camera has not taken a picture yet: not a frame
        raw = dv.Value.Value if dv.Value is not None else None
        if raw is not None and not isinstance(raw, bytes | bytearray):
            status = BAD_TYPE_MISMATCH  # a string or number on the image node: an error frame, shown
            raw = None
        data = bytes(raw) if raw is not None else None
        meta = png_text(data) if data and data[:4] == b"\x89PNG" else {}
        seq = self._seq(meta)
        ts = dv.SourceTimestamp.timestamp() if dv.SourceTimestamp is not None else time.time()
        self.frames += 1
        self.bytes += len(data) if data else 0
        frame = QcFrame(data, seq=seq, ts=ts, source=self.source, status=status, meta=meta)
        try:
            self._on_frame(frame)
        except Exception:
            log.exception("camera frame consumer failed")

    def _seq(self, meta: dict[str, str]) -> int:
        try:
            seq = int(meta["seq"])
        except (KeyError, ValueError):
            self._counter += 1
            return self._counter
        last = self._last_seq
        if last is not None and seq > last + 1:
            self.lost += seq - last - 1
        self._last_seq = seq
        return seq
