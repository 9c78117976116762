"""The camera's reject share: one home for "rejected R of N inspected (x %)".

The Quality panel (since the QC started), the assistant (over any asked window) and whoever else
reports the camera's share compute it here, so the same window gives the same figure everywhere
(QA2 D-6c: 42 of 361 = 11.6 % on the panel, 16 % or 9.18 % from the assistant).

Counted, not averaged: R = rejects, N = inspected images. In a journal, the inspector
(inference/qc/inspector.py) writes exactly one `qc.defect_rate` sample per inspected image, Good
once the rolling window holds enough images and WaitingForInitialData before that; other Bad codes
on that tag (not connected, shutdown) are not inspections. Each reject is one `qc` event.
The rolling `qc.defect_rate` value itself is another figure (the last 200 images) and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hmi.core.quality import BAD_WAITING_FOR_INITIAL_DATA, GOOD


def inspection_mask(status: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Per defect-rate sample: True where it stands for one inspected image."""
    st = np.asarray(status, dtype=np.int64)
    v = np.asarray(value, dtype=float)
    return ((st == GOOD) & ~np.isnan(v)) | (st == BAD_WAITING_FOR_INITIAL_DATA)


@dataclass(frozen=True)
class RejectShare:
    rejects: int
    inspected: int

    @property
    def pct(self) -> float | None:
        """Rejects per inspected image in %, None when nothing was inspected."""
        return 100.0 * self.rejects / self.inspected if self.inspected > 0 else None

    def pct_text(self) -> str:
        p = self.pct
        return "n/a" if p is None else f"{p:.1f} %"

    def text(self) -> str:
        """'rejected 42 of 361 inspected bottles (11.6 %)': what is counted, with the count."""
        return f"rejected {self.rejects:,} of {self.inspected:,} inspected bottles ({self.pct_text()})"
