"""Visual quality control: synthetic bottle images, the QC classifier, the online inspector.

Run time (the HMI, no torch): `inference.qc.images` (decode/check/preprocess),
`inference.qc.inspector` (QcInspector), `inference.qc.heatmap`.
Training only (torch, behind the optional extra): `inference.qc.train`,
`inference.qc.net`, `inference.qc.dataset`.
Shared by both and by the simulator's camera: `inference.qc.render`.
"""

from __future__ import annotations

# Class order is the model's output order; it is also written on the model card.
CLASSES: tuple[str, ...] = ("ok", "scratch", "missing_cap", "misaligned_label", "contamination", "underfill")
DEFECTS: tuple[str, ...] = CLASSES[1:]

__all__ = ["CLASSES", "DEFECTS"]
