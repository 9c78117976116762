"""Visual quality control: synthetic bottle images, the QC classifier, the online inspector.

Run time (the HMI, no torch): `inference.qc.images` (decode/check/preprocess),
`inference.qc.inspector` (QcInspector), `inference.qc.heatmap`.
Training only (torch, behind the optional extra): `inference.qc.train`,
`inference.qc.net`, `inference.qc.dataset`.
Shared by both and by the simulator's camera: `connectors.sim.product_images` (the synthetic
images) and `hmi.core.qc_frame` (classes, frames, PNG form).
"""

from __future__ import annotations

from hmi.core.qc_frame import CLASSES, DEFECTS  # the model's output order (kept in the kernel)

__all__ = ["CLASSES", "DEFECTS"]
