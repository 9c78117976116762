"""The camera's reject share: one home for "rejected R of N inspected (x %)".

The Quality panel (since the QC started), the assistant (over any asked window) and whoever else
reports the camera's share compute it here, so the same window gives the same figure everywhere
(QA2 D-6c: 42 of 361 = 11.6 % on the panel, 16 % or 9.18 % from the assistant).

Counted, not averaged: R = rejects, N = inspected images. In a journal, the inspector
(inference/qc/inspector.py) writes exactly one `qc.defect_rate` sample per inspected image, Good
once the rolling window holds enough images and WaitingForInitialData before that; other Bad codes
on that tag (not connected, shutdown) are not inspections. Each reject is one `qc` event.
The rolling `qc.defect_rate` value itself is another figure (the last 200 images) and says so,
with the number of images it really covers while the window fills (`rolling_rate_caption`).

The camera's rejects and the line's reject counters (Q in the OEE) count different things: the
camera judges images of a sample of the bottles after the labeller, the machines' counters count
the bottles each machine threw out. Where both appear, `CAMERA_VS_LINE` says how they relate
(QA5 F12: "rejected 14 (6.0 %)" on the Quality pane beside "Q 99.7 %, Rejects 5" with nothing
saying they are not the same bottles).
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


# Said wherever the camera's rejects and the line's reject counters (Q) are shown together.
CAMERA_VS_LINE = (
    "Camera rejects are the QC model's verdicts on the camera's images (a sample of the bottles after "
    "the labeller); they are not in the machines' reject counters, and Q counts only those counters."
)


# The rolling defect rate (`qc.defect_rate`): the rejected share of the last RATE_WINDOW inspected
# images. One home for its size and its wording: the inspector computes it over this window, the
# Quality pane captions it, the rate alarms say it after the value (QA10 Q10-15).
RATE_WINDOW = 200
# Images in the window before the rate has a value, and so before its alarms are judged: the whole
# window. The rate's limits are set for the spread of a 200-image figure (the demo's ~8 % reject
# share gives 8 +/- 2 %, so Hi at 15 % is a real drift); over 20 images the same line reads
# 8 +/- 6 % and reaches 15 % about one time in five (3 rejects of 20), which raised "QC defect rate
# Hi" 22 s after a start and cleared it a second later. A full window also keeps the alarm's words
# ("of the last 200 images") true. docs/visual_qc.md.
RATE_MIN_COUNT = RATE_WINDOW


def rate_window_words(window: int = RATE_WINDOW) -> str:
    """What the rolling rate is over, said after its value: 'of the last 200 images'."""
    return f"of the last {window:,} images"


def rolling_rate_caption(seen: int, window: int) -> str:
    """What the rolling defect rate is over: "last 200 images" once the window is full, else the
    images actually in it ("last 28 images (of a 200-image window)"; QA5 F29: "last 200 images
    10.7 %" after 28 images). `seen`: images in the window now (0 before the first)."""
    if seen >= window:
        return f"Camera defect rate, last {window:,} images"
    return f"Camera defect rate, last {seen:,} image{'s' if seen != 1 else ''} (of a {window:,}-image window)"
