"""Camera images over OPC UA: a small subscriber of its own for one ByteString image node.

Why a separate session, not a tag in `OpcUaConnector`: that connector turns
every value into a float for SampleBatch and flags anything else as
BadTypeMismatch, by design. Images are 50-100 kB each; keeping them on their
own session and subscription keeps them out of the tag path (no float
conversion, no journal of samples, no alarm evaluation) and lets the camera
live on another server than the PLC, as vision systems often do.

Each notification becomes a `QcFrame` handed to `on_frame` on the I/O loop
(the inspector's `submit` never blocks). The frame's sequence number comes
from the PNG's own tEXt "seq" when present (the simulator writes it), so
frames lost between camera and HMI are counted, not guessed. A node still
"waiting for initial data" is not a frame; any other Bad status is passed on
as a Bad frame, which the inspector reports as an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from asyncua import Client, ua
from asyncua.client.ua_client import UaClientState
from asyncua.common.subscription import DataChangeEvent

from connectors.opcua_client import quieten_asyncua_logs
from connectors.session_lifecycle import cancel_tasks, connect_with_retry
from hmi.core.qc_frame import QcFrame, png_text
from hmi.core.quality import BAD_TYPE_MISMATCH, BAD_WAITING_FOR_INITIAL_DATA, GOOD
from hmi.core.runtime_api import ConnectionState

log = logging.getLogger(__name__)

DEFAULT_NODE = "nsu=urn:linehmi:sim;s=Camera.Image"


def _resolve(text: str, ns_array: list[str]) -> ua.NodeId:
    if text.startswith("nsu="):
        uri, _, rest = text[4:].partition(";")
        if uri not in ns_array:
            raise ValueError(f"namespace {uri!r} is not on the server (it has: {', '.join(ns_array)})")
        text = f"ns={ns_array.index(uri)};{rest}"
    return ua.NodeId.from_string(text)


class CameraClient:
    def __init__(
        self,
        endpoint: str,
        on_frame: Callable[[QcFrame], object],
        on_state: Callable[[ConnectionState, str], None] | None = None,
        *,
        node_id: str = DEFAULT_NODE,
        source: str = "camera",
        timeout_s: float = 4.0,
        reconnect_max_delay_s: float = 10.0,
        publishing_interval_ms: float = 100.0,
    ) -> None:
        self.endpoint = endpoint
        self.node_id = node_id
        self.source = source
        self._on_frame = on_frame
        self._on_state = on_state or (lambda s, d: None)
        self.timeout_s = timeout_s
        self.reconnect_max_delay_s = reconnect_max_delay_s
        self.publishing_interval_ms = publishing_interval_ms
        self._client: Client | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._state = ConnectionState.DISCONNECTED
        self._last_seq: int | None = None
        self._counter = 0
        self.frames = 0
        self.lost = 0  # frames the camera numbered but that never arrived
        self.bytes = 0
        quieten_asyncua_logs()

    @property
    def state(self) -> ConnectionState:
        return self._state

    async def run(self) -> None:
        """Connect (retrying until it works), then deliver frames until `stop()`."""

        async def attempt() -> None:
            self._set_state(ConnectionState.CONNECTING, f"camera: connecting to {self.endpoint}")
            await self._connect()

        async def failed(exc: BaseException, delay: float) -> None:
            await self._close()
            self._set_state(
                ConnectionState.DISCONNECTED,
                f"camera: cannot subscribe to {self.node_id} on {self.endpoint}: "
                f"{exc or type(exc).__name__}; retrying in {delay:.0f} s",
            )

        if await connect_with_retry(self._stopping, attempt, failed, self.reconnect_max_delay_s):
            await self._stopping.wait()

    async def stop(self) -> None:
        self._stopping.set()
        await cancel_tasks(self._tasks)
        await self._close()
        self._set_state(ConnectionState.DISCONNECTED, "camera: stopped")

    # --- internals ------------------------------------------------------------------------------

    async def _connect(self) -> None:
        client = Client(
            self.endpoint,
            timeout=self.timeout_s,
            auto_reconnect=True,
            reconnect_max_delay=self.reconnect_max_delay_s,
        )
        client.name = client.description = "LineHMI camera"
        client.application_uri = "urn:linehmi:camera-client"
        self._client = client
        await client.connect()
        node = client.get_node(_resolve(self.node_id, await client.get_namespace_array()))
        vtype = await node.read_data_type_as_variant_type()
        if vtype != ua.VariantType.ByteString:
            raise ValueError(f"{self.node_id} is {vtype.name}, expected ByteString (encoded image bytes)")
        sub = await client.create_subscription(self.publishing_interval_ms, handler=None, queue_maxsize=64)
        params = ua.MonitoringParameters()
        params.ClientHandle = 1
        params.SamplingInterval = 0.0  # every change: the server reports each new image
        params.QueueSize = 4  # a burst of frames inside one publishing interval is kept
        params.DiscardOldest = True
        rv = ua.ReadValueId()
        rv.NodeId = node.nodeid
        rv.AttributeId = ua.AttributeIds.Value
        req = ua.MonitoredItemCreateRequest()
        req.ItemToMonitor = rv
        req.MonitoringMode = ua.MonitoringMode.Reporting
        req.RequestedParameters = params
        res = (await sub.create_monitored_items([req]))[0]
        if isinstance(res, ua.StatusCode):
            raise ValueError(f"monitoring {self.node_id} refused: {res.name}")
        self._tasks.append(asyncio.create_task(self._consume(sub), name="camera-consume"))
        self._tasks.append(asyncio.create_task(self._watch(client), name="camera-state"))
        self._set_state(ConnectionState.CONNECTED, f"camera: subscribed to {self.node_id} on {self.endpoint}")

    async def _consume(self, sub: object) -> None:
        async for ev in sub:  # type: ignore[attr-defined]
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

    async def _watch(self, client: Client) -> None:
        async with client.subscribe_state() as states:
            while True:
                try:
                    s = await states.next_change()
                except TimeoutError:
                    continue
                if s == UaClientState.CONNECTED:
                    self._set_state(ConnectionState.CONNECTED, f"camera: reconnected to {self.endpoint}")
                elif s == UaClientState.RECONNECTING:
                    self._set_state(ConnectionState.RECONNECTING, f"camera: link to {self.endpoint} lost")
                elif s in (UaClientState.DISCONNECTED, UaClientState.DISCONNECTING):
                    self._set_state(
                        ConnectionState.DISCONNECTED, f"camera: disconnected from {self.endpoint}"
                    )

    def _set_state(self, state: ConnectionState, detail: str) -> None:
        if state == self._state and state == ConnectionState.CONNECTED:
            return
        self._state = state
        try:
            self._on_state(state, detail)
        except Exception:
            log.exception("camera on_state consumer failed")

    async def _close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), 3.0)
