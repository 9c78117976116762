"""The simulated line's inspection camera: one PNG per bottle after the labeller, served over OPC UA.

Address space (namespace ``urn:linehmi:sim``), a device of its own next to
the line, as a vision system usually is::

    Objects/Camera/Image          s=Camera.Image          ByteString  PNG, RGB 192 x 192, tEXt metadata
                  /Sequence       s=Camera.Sequence       Int32       frame counter (1, 2, 3 ...)
                  /Label          s=Camera.Label          String      ground truth (simulator only)
                  /DefectRate     s=Camera.DefectRate     Double      configured base defect rate, %

The PNG carries its own metadata in tEXt chunks (seq, ts, camera, label), so
a subscriber needs only the Image node and never pairs values from two
nodes. `label` is the simulator's ground truth, for checking the inspector on
a live stream; a real camera does not know it.

Images are rendered by `connectors.sim.product_images` (the QC training set uses the
same renderer). Which bottle is defective is drawn per frame from its own
seeded stream, so the same seed and the same line history give the same
frames. The base defect rate is raised by the line's state, the way the
line model's reject counters are: low fill pressure -> under-fill, cap torque
off its band -> missing caps, glue off its band or a vibrating labeller ->
misaligned labels, a vibrating conveyor -> scratches. Frames are taken only
while the labeller runs (no bottles, no images).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from asyncua import Server, ua

from connectors.sim.fixed_rate import fixed_rate
from connectors.sim.model import LineModel, MachineState
from connectors.sim.product_images import DEFAULT_SIZE, Rendered, frame_rng, render
from hmi.core.qc_frame import DEFECTS, encode_png

log = logging.getLogger("connectors.sim.camera")

NODE_IMAGE = "Camera.Image"
NODE_SEQUENCE = "Camera.Sequence"
NODE_LABEL = "Camera.Label"
NODE_DEFECT_RATE = "Camera.DefectRate"

# Relative frequency of the defect kinds at the base rate (before the line's state raises some).
DEFAULT_WEIGHTS: dict[str, float] = {
    "scratch": 0.25,
    "missing_cap": 0.15,
    "misaligned_label": 0.25,
    "contamination": 0.15,
    "underfill": 0.20,
}


def _ramp(x: float) -> float:
    return min(max(x, 0.0), 1.0)


def line_bias(model: LineModel) -> dict[str, float]:
    """Extra probability of each defect per bottle from the line's current state (0 when healthy)."""
    lab, conv = model.m["labeller"], model.m["conveyor"]
    capper_on = model.m["capper"].state is MachineState.RUNNING
    return {
        "underfill": 0.5 * _ramp((2.2 - model.fill_pressure) / 0.6),
        "missing_cap": 0.5 * _ramp((180.0 - model.cap_torque) / 40.0) if capper_on else 0.0,
        "misaligned_label": 0.5 * _ramp((150.0 - model.glue_temp) / 20.0)
        + 0.3 * _ramp((model.glue_temp - 170.0) / 15.0)
        + 0.1 * _ramp((lab.vib - 4.5) / 3.0),
        "scratch": 0.15 * _ramp((conv.vib - 4.5) / 3.0),
        "contamination": 0.0,
    }


@dataclass
class CameraGenerator:
    """Deterministic frames: frame k of seed s is the same image whoever asks, whenever."""

    seed: int = 1
    defect_rate: float = 0.05  # base probability that a bottle has a defect
    size: int = DEFAULT_SIZE
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

    def __post_init__(self) -> None:
        if not 0.0 <= self.defect_rate <= 1.0:
            raise ValueError(f"camera defect rate must be 0..1, got {self.defect_rate!r}")
        unknown = set(self.weights) - set(DEFECTS)
        if unknown:
            raise ValueError(f"unknown defect kinds {sorted(unknown)}; expected {', '.join(DEFECTS)}")

    def label_for(self, index: int, bias: dict[str, float] | None = None) -> str:
        rng = np.random.default_rng([int(self.seed) & 0xFFFFFFFF, int(index) & 0xFFFFFFFF, 0xCA])
        u = rng.random()
        total_w = sum(self.weights.values()) or 1.0
        probs = {d: self.defect_rate * self.weights.get(d, 0.0) / total_w for d in DEFECTS}
        for d, extra in (bias or {}).items():
            probs[d] = probs.get(d, 0.0) + extra
        s = sum(probs.values())
        if s > 0.95:  # a line in deep trouble still makes some good bottles
            probs = {d: p * 0.95 / s for d, p in probs.items()}
        acc = 0.0
        for d in DEFECTS:
            acc += probs[d]
            if u < acc:
                return d
        return "ok"

    def frame(self, index: int, bias: dict[str, float] | None = None) -> Rendered:
        return render(frame_rng(self.seed, index), self.label_for(index, bias), self.size)

    def png(self, index: int, rendered: Rendered, ts: float, camera: str = "camera") -> bytes:
        meta = {
            "seq": str(index),
            "ts": f"{ts:.6f}",
            "camera": camera,
            "label": rendered.label,
            "generator": f"linehmi-sim seed={self.seed}",
        }
        return encode_png(rendered.image, meta)


def _nid(ident: str, ns: int) -> ua.NodeId:
    return ua.NodeId(ident, ns)  # type: ignore[arg-type]  # asyncua annotates NewTypes; plain str/int at run time


class SimCamera:
    """The camera's OPC UA nodes and its frame loop, on the simulator's asyncio loop."""

    def __init__(self, model: LineModel, seed: int, rate_hz: float, defect_rate: float) -> None:
        if not 0.0 < rate_hz <= 30.0:
            raise ValueError(f"camera rate must be 0..30 Hz, got {rate_hz!r}")
        self.model = model
        self.rate_hz = float(rate_hz)
        self.gen = CameraGenerator(seed=seed, defect_rate=defect_rate)
        self.frames = 0
        self.defects = 0
        self._ns: int | None = None
        self.image_node: ua.NodeId | None = None

    async def build(self, server: Server, ns: int) -> None:
        self._ns = ns
        objects = server.nodes.objects
        folder = await objects.add_object(_nid("Camera", ns), ua.QualifiedName("Camera", ns))
        await folder.write_attribute(
            ua.AttributeIds.DisplayName, ua.DataValue(ua.Variant(ua.LocalizedText("Inspection camera")))
        )

        async def var(ident: str, name: str, value: Any, vtype: ua.VariantType) -> ua.NodeId:
            node = await folder.add_variable(
                _nid(ident, ns), ua.QualifiedName(name, ns), ua.Variant(value, vtype)
            )
            return node.nodeid

        self.image_node = await var(NODE_IMAGE, "Image", b"", ua.VariantType.ByteString)
        self._seq_node = await var(NODE_SEQUENCE, "Sequence", 0, ua.VariantType.Int32)
        self._label_node = await var(NODE_LABEL, "Label", "", ua.VariantType.String)
        self._rate_node = await var(
            NODE_DEFECT_RATE, "DefectRate", 100.0 * self.gen.defect_rate, ua.VariantType.Double
        )
        # No picture yet: a client must not take the empty initial value for an (empty) image.
        waiting = ua.StatusCode(ua.StatusCodes.BadWaitingForInitialData)  # type: ignore[arg-type]
        await server.write_attribute_value(
            self.image_node, ua.DataValue(ua.Variant(b"", ua.VariantType.ByteString), waiting)
        )

    async def run(self, server: Server) -> None:
        async for _k in fixed_rate(1.0 / self.rate_hz, skip_after_s=2.0):
            if self.model.state("labeller") is not MachineState.RUNNING:
                continue
            try:
                await self.shoot(server)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("simulated camera: frame failed")

    async def shoot(self, server: Server) -> bytes:
        self.frames += 1
        index = self.frames
        ts = time.time()
        r = self.gen.frame(index, line_bias(self.model))
        data = self.gen.png(index, r, ts)
        self.defects += r.label != "ok"
        now = datetime.fromtimestamp(ts, UTC)

        def dv(value: Any, vtype: ua.VariantType) -> ua.DataValue:
            return ua.DataValue(ua.Variant(value, vtype), ua.StatusCode(ua.StatusCodes.Good), now, now)  # type: ignore[arg-type]

        assert self.image_node is not None
        await server.write_attribute_value(self._label_node, dv(r.label, ua.VariantType.String))
        await server.write_attribute_value(self._seq_node, dv(index, ua.VariantType.Int32))
        await server.write_attribute_value(self.image_node, dv(data, ua.VariantType.ByteString))
        return data
