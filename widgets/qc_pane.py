"""Visual QC pane: the latest image with its overlay, the verdict, recent rejects, the defect rate.

┌ Visual QC ───────────────────────────────────────── qc_classifier 1.0 on CPU ┐
│ ┌───────────────────────┐  [ REJECT  Missing cap ]                           │
│ │ latest image          │  Score 97 %   P(defect) 98 %                       │
│ │ + heatmap + box       │  #1234 · 14:03:22 · 1.9 ms                         │
│ └───────────────────────┘  Defect rate (last 200)   4.5 %  [band indicator]  │
│ [x] Heatmap                 ~~~~~~~~~~ sparkline vs H / HH ~~~~~~~~~~         │
│ Recent rejects  [▣][▣][▣][▣][▣][▣]   (click to enlarge)                      │
│ Inspected 1,234 · rejects 56 · not inspected 2 · dropped 0                   │
└──────────────────────────────────────────────────────────────────────────────┘

The pane is fed `QcResult`s: either it polls a feed (a `QcInspector`, or any
object with `poll()` and `status`) on its own timer, or the window calls
`add_results()` / `set_status()`. Nothing here blocks: results are already
computed off the GUI thread.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hmi.core.config import AlarmLimits, TagConfig
from hmi.core.live_values import expected_refresh_s
from hmi.core.qc_figures import CAMERA_VS_LINE, RejectShare, rolling_rate_caption
from hmi.core.quality import BAD, BAD_NOT_CONNECTED, BAD_WAITING_FOR_INITIAL_DATA, GOOD
from hmi.core.runtime_api import ConnectionState
from hmi.core.tag_info import LEVEL_BADGES
from inference.qc.inspector import DEFAULT_MIN_COUNT, DEFAULT_WINDOW, QcResult, QcStatus, Verdict
from widgets import palette
from widgets.band_indicator import BandIndicator
from widgets.formatting import format_age
from widgets.last_known import last_known_text
from widgets.qc_image_view import DEFECT, DEFECT_TEXT, QcImageView, numpy_to_qimage
from widgets.text_fit import scrolls_sideways

RATE_TAG_NAME = "qc.defect_rate"
MIN_COUNT = DEFAULT_MIN_COUNT  # images in the window before the rate is shown
RATE_WINDOW = DEFAULT_WINDOW  # the rolling defect rate is over this many inspected images
# Without a new image for the rate tag's expected refresh (live_values.expected_refresh_s) the
# verdict on screen is the last bottle's, not the current one, and says so.


def default_rate_tag() -> TagConfig:
    """The defect-rate derived tag, for a pane used without a line config that has one."""
    return TagConfig(
        name=RATE_TAG_NAME,
        source="derived",
        display_name="QC defect rate",
        description="Rejected share of the last 200 inspected bottles (computed in the HMI)",
        unit="%",
        machine="labeller",
        range=(0.0, 40.0),
        normal=(0.0, 10.0),
        alarms=AlarmLimits(hi=15.0, hihi=25.0),
        deadband=0.5,  # one image in 200: as resources/demo_line.toml
    )


class QcFeed(Protocol):
    def poll(self) -> list[QcResult]: ...

    @property
    def status(self) -> QcStatus: ...


def pretty(label: str) -> str:
    return label.replace("_", " ").capitalize()


# Short names for the reject thumbnails (about 12 characters fit under a 72 px image).
SHORT = {"misaligned_label": "Label skewed", "contamination": "Contaminated", "underfill": "Under-filled"}


def short(label: str) -> str:
    return SHORT.get(label, pretty(label))


def _hms(ts: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts)) if ts == ts else "--:--:--"


def thumbnail(result: QcResult, side: int = 72) -> QPixmap:
    """The reject's image, scaled, with its defect box: what the strip and the dialog start from."""
    if result.image is None:
        pm = QPixmap(side, side)
        pm.fill(QColor(palette.PANEL))
        return pm
    img = numpy_to_qimage(result.image).scaled(
        side,
        side,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    pm = QPixmap.fromImage(img)
    if result.region is not None:
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        x0, y0, x1, y1 = result.region
        p.setPen(QPen(QColor(DEFECT), 2))
        p.drawRect(QRectF(x0 * pm.width(), y0 * pm.height(), (x1 - x0) * pm.width(), (y1 - y0) * pm.height()))
        p.end()
    return pm


class RateSparkline(QWidget):
    """The rolling defect rate over the last few minutes against its normal band and alarm limits."""

    def __init__(self, tag: TagConfig, history: int = 300, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tag = tag
        self._values: deque[tuple[float, float]] = deque(maxlen=history)
        self.setMinimumHeight(56)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setObjectName("qcSparkline")

    def add(self, ts: float, rate: float) -> None:
        self._values.append((ts, rate))
        self.update()

    @property
    def values(self) -> list[float]:
        return [v for _, v in self._values]

    def sizeHint(self) -> QSize:
        return QSize(260, 60)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        r = QRectF(self.rect()).adjusted(0.5, 0.5, -28.5, -0.5)
        p.fillRect(self.rect(), QColor(palette.PANEL))
        lo, hi = self.tag.range or (0.0, 40.0)
        limits = [v for v in (self.tag.alarms.hi, self.tag.alarms.hihi) if v is not None]
        top = max([hi, *(v * 1.15 for v in limits)]) if limits else hi

        def y_of(v: float) -> float:
            return r.bottom() - (min(max(v, lo), top) - lo) / (top - lo) * r.height()

        if self.tag.normal is not None:
            n0, n1 = self.tag.normal
            p.fillRect(QRectF(r.left(), y_of(n1), r.width(), y_of(n0) - y_of(n1)), QColor(palette.TRACK))
        p.setFont(self.font())
        for name, v in (
            (LEVEL_BADGES["hi"], self.tag.alarms.hi),
            (LEVEL_BADGES["hihi"], self.tag.alarms.hihi),
        ):
            if v is None:
                continue
            p.setPen(QPen(QColor(palette.TICK), 1, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(r.left(), y_of(v)), QPointF(r.right(), y_of(v)))
            p.setPen(QColor(palette.TEXT_DIM))
            p.drawText(QPointF(r.right() + 4, y_of(v) + 4), name)
        vals = [v for _, v in self._values]
        if len(vals) >= 2:
            path = QPainterPath()
            n = len(vals)
            cap = self._values.maxlen or n
            started = False
            for i, v in enumerate(vals):
                x = r.right() - (n - 1 - i) / max(cap - 1, 1) * r.width()
                if v != v:
                    started = False
                    continue
                if started:
                    path.lineTo(x, y_of(v))
                else:
                    path.moveTo(x, y_of(v))
                    started = True
            p.setPen(QPen(QColor(palette.POINTER), 1.6))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(path)
        p.setPen(QPen(QColor(palette.PANEL_BORDER), 1))
        p.drawRect(r)
        p.end()


class RejectStrip(QScrollArea):
    """The last rejects, newest first; a click opens the image large."""

    reject_clicked = Signal(object)  # QcResult

    def __init__(self, max_items: int = 10, side: int = 72, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.max_items = max_items
        self.side = side
        self.setObjectName("qcRejectStrip")
        scrolls_sideways(self)  # the older rejects are reached by scrolling the strip sideways
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        inner.setObjectName("qcRejectStripInner")
        self._row = QHBoxLayout(inner)
        self._row.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(6)
        self._empty = QLabel("No rejects yet")
        self._empty.setObjectName("qcDim")
        self._row.addWidget(self._empty)
        self._row.addStretch(1)
        self.setWidget(inner)
        # Icon + two lines of text + the scroll bar, so nothing is cut when the strip overflows.
        self.setFixedHeight(side + 2 * self.fontMetrics().height() + 34)
        self._items: list[tuple[QToolButton, QcResult]] = []

    @property
    def results(self) -> list[QcResult]:
        return [r for _, r in self._items]

    def add(self, result: QcResult) -> None:
        self._empty.hide()
        b = QToolButton()
        b.setObjectName("qcReject")
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        b.setIcon(QIcon(thumbnail(result, self.side)))
        b.setIconSize(QSize(self.side, self.side))
        b.setFixedWidth(self.side + 26)
        b.setText(f"{short(result.label)}\n{_hms(result.ts)}")
        b.setToolTip(
            f"#{result.seq} {pretty(result.label)} ({result.score:.0%}) at {_hms(result.ts)}"
            + (f"\n{result.image_path}" if result.image_path else "")
            + "\nClick to enlarge"
        )
        b.setCursor(Qt.CursorShape.PointingHandCursor)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a touch target; no focus frame on the newest
        b.clicked.connect(lambda _=False, r=result: self.reject_clicked.emit(r))
        self._row.insertWidget(0, b)
        self._items.insert(0, (b, result))
        while len(self._items) > self.max_items:
            old, _ = self._items.pop()
            self._row.removeWidget(old)
            old.hide()  # until deleteLater runs it would still paint at its last place
            old.deleteLater()

    def click(self, i: int) -> None:
        """Test hook: press the i-th thumbnail (0 = newest)."""
        self._items[i][0].click()


class QcImageDialog(QDialog):
    """One reject, large, with its details and the journal's copy of the image."""

    def __init__(self, result: QcResult, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.qc_result = result  # not `result`: QDialog.result() is the dialog's exit code
        self.setWindowTitle(f"QC reject #{result.seq}: {pretty(result.label)}")
        self.setObjectName("qcImageDialog")
        lay = QVBoxLayout(self)
        self.view = QcImageView(min_side=420)
        self.view.set_frame(result.image, result.heatmap, result.region)
        lay.addWidget(self.view, 1)
        top3 = sorted(result.probabilities.items(), key=lambda kv: -kv[1])[:3]
        probs = " · ".join(f"{pretty(k)} {v:.0%}" for k, v in top3)
        details = [
            f"<b>{pretty(result.label)}</b> — score {result.score:.0%}, P(defect) {result.p_defect:.0%}",
            f"Image #{result.seq} from {result.source} at "
            f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(result.ts))}",
            f"Most likely: {probs}",
            f"Saved as: {result.image_path}" if result.image_path else "Image not saved (no journal folder)",
        ]
        if result.ground_truth:
            details.append(f"Simulator ground truth: {pretty(result.ground_truth)}")
        text = QLabel("<br>".join(details))
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.setWordWrap(True)
        lay.addWidget(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(520, 640)


class QcPane(QFrame):
    reject_opened = Signal(object)  # QcResult whose dialog was opened

    def __init__(
        self,
        feed: QcFeed | None = None,
        rate_tag: TagConfig | None = None,
        *,
        poll_ms: int = 200,
        max_rejects: int = 10,
        history: int = 300,
        stale_after_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("qcPane")
        self._clock = clock
        self._shown_at: float | None = None  # clock() when the latest result arrived
        self._verdict_stale = False
        self.feed = feed
        self.rate_tag = rate_tag or default_rate_tag()
        # The rate's own tag rule (live_values.expected_refresh_s), the one the alarm list's Value
        # now and the faceplates go stale by: one age at which every screen says "old" (QA5 F15).
        self.stale_after_s = float(
            expected_refresh_s(self.rate_tag) if stale_after_s is None else stale_after_s
        )
        self.latest: QcResult | None = None
        self._status: QcStatus | None = None
        self._model_error: str | None = None
        self._camera_ok = True
        self._since: float | None = None  # the line's link went: verdict and rate are the last known
        self._dialogs: list[QcImageDialog] = []

        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        outer.setSpacing(6)

        head = QHBoxLayout()
        title = QLabel("Visual QC")
        title.setObjectName("qcTitle")
        self.model_label = QLabel("model: loading…")
        self.model_label.setObjectName("qcModelLabel")
        self.model_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.model_label)
        outer.addLayout(head)

        self.banner = QLabel("")
        self.banner.setObjectName("qcBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        outer.addWidget(self.banner)

        body = QHBoxLayout()
        body.setSpacing(12)
        left = QVBoxLayout()
        self.image = QcImageView()
        left.addWidget(self.image, 1)
        self.heatmap_box = QCheckBox("Show defect heatmap")
        self.heatmap_box.setChecked(True)
        self.heatmap_box.toggled.connect(self.image.set_heatmap_visible)
        left.addWidget(self.heatmap_box)
        body.addLayout(left, 3)

        right = QVBoxLayout()
        right.setSpacing(4)
        self.verdict = QLabel("NO VERDICT")
        self.verdict.setObjectName("qcVerdict")
        self.verdict.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.verdict.setProperty("kind", "none")
        self.verdict.setMinimumHeight(44)
        # "REJECT  Misaligned label" in 15 pt is wider than the column on a narrow dock: it wraps
        # onto a second line rather than losing its ends.
        self.verdict.setWordWrap(True)
        right.addWidget(self.verdict)
        self.score = QLabel("")
        self.score.setObjectName("qcScore")
        self.score.setWordWrap(True)  # "Last verdict: REJECT Misaligned label (image #…)" when stale
        # Room for two lines, so a short dock (1024x768) scrolls rather than cutting the second off.
        self.score.ensurePolished()
        self.score.setMinimumHeight(2 * self.score.fontMetrics().lineSpacing() + 4)
        right.addWidget(self.score)
        self.detail = QLabel("")
        self.detail.setObjectName("qcDim")
        self.detail.setWordWrap(True)
        right.addWidget(self.detail)
        right.addSpacing(8)
        rule = QFrame()
        rule.setObjectName("qcRule")
        rule.setFixedHeight(1)
        right.addWidget(rule)
        right.addSpacing(4)
        # Two figures, each saying what it counts: the rolling rate (the qc.defect_rate tag, with
        # its alarm limits) and the session totals under it.
        # The caption on its own line: with an HH badge and "100.0 %" the indicator's row has no
        # room left for it in a narrow dock.
        self.rate_caption = QLabel(rolling_rate_caption(0, RATE_WINDOW))
        self.rate_caption.setObjectName("qcDim")
        self.rate_caption.setWordWrap(True)
        right.addWidget(self.rate_caption)
        self.rate_indicator = BandIndicator(self.rate_tag, label="")
        self.rate_indicator.set_sample(math.nan, BAD_WAITING_FOR_INITIAL_DATA, math.nan)
        right.addWidget(self.rate_indicator)
        self.sparkline = RateSparkline(self.rate_tag, history)
        right.addWidget(self.sparkline)
        self.counts = QLabel("")
        self.counts.setObjectName("qcDim")
        self.counts.setWordWrap(True)
        right.addWidget(self.counts)
        right.addStretch(1)
        for lab in (self.verdict, self.score, self.detail, self.counts):
            lab.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        holder = QWidget()
        holder.setLayout(right)
        holder.setMinimumWidth(260)
        holder.setMaximumWidth(380)
        body.addWidget(holder, 2)
        outer.addLayout(body, 1)

        strip_head = QLabel("Recent rejects (click to enlarge)")
        strip_head.setObjectName("qcSection")
        outer.addWidget(strip_head)
        self.rejects = RejectStrip(max_rejects)
        self.rejects.reject_clicked.connect(self.open_reject)
        outer.addWidget(self.rejects)

        self._timer: QTimer | None = None
        if feed is not None:
            self._timer = QTimer(self)
            self._timer.setInterval(poll_ms)
            self._timer.timeout.connect(self.refresh)
            self._timer.start()
        self._restyle()

    # --- feeding -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.feed is not None:
            results = self.feed.poll()
            if results:
                self.add_results(results)
            self.set_status(self.feed.status)
        self.check_stale()

    @property
    def verdict_stale(self) -> bool:
        return self._verdict_stale

    def set_last_known(self, since: float | None) -> None:
        """The line's link went at `since` (None: back): no image or verdict can come, so what
        is shown is the last known, greyed and saying so."""
        if since == self._since:
            return
        self._since = since
        if since is None:
            self._verdict_stale = False
            if self.latest is not None:
                self.show_result(self.latest, keep_time=True)
            self.rate_indicator.set_stale(not self._camera_ok)
            self.check_stale()
            return
        self._show_last_known()

    def _show_last_known(self) -> None:
        assert self._since is not None
        r = self.latest
        self._set_verdict("LINK LOST", "stale")
        known = last_known_text(self._since)
        if r is None:
            self.score.setText(f"No image inspected yet · {known}")
        else:
            last = "not inspected" if r.verdict is Verdict.ERROR else self._verdict_word(r)
            self.score.setText(f"Last verdict: {last} (image #{r.seq}) · {known}")
        self.rate_indicator.set_stale(True)
        self._verdict_stale = True

    def last_known_at(self) -> float | None:
        return self._since

    def shown_texts(self) -> list[str]:
        rate = f"{self.rate_caption.text()} {self.rate_indicator.value_text()}"
        return [self.verdict.text(), self.score.text(), self.detail.text(), rate]

    def check_stale(self) -> bool:
        """Mark the verdict, the image and the rate stale when no image came for `stale_after_s`."""
        if self._since is not None:
            return True
        r = self.latest
        if r is None or self._shown_at is None:
            return False
        age = self._clock() - self._shown_at
        stale = age > self.stale_after_s
        if stale:
            last = "not inspected" if r.verdict is Verdict.ERROR else self._verdict_word(r)
            self._set_verdict("NO NEW IMAGE", "stale")
            self.image.set_message(f"No new image for {format_age(age)}: this is the last one", "stale")
            self.score.setText(f"Last verdict: {last} (image #{r.seq} at {_hms(r.ts)})")
            if not self._verdict_stale:
                self.rate_indicator.set_stale(True)
        elif self._verdict_stale:
            self.show_result(r, keep_time=True)
        self._verdict_stale = stale
        return stale

    @staticmethod
    def _verdict_word(r: QcResult) -> str:
        return f"REJECT {pretty(r.label)}" if r.verdict is Verdict.DEFECT else "PASS"

    def add_results(self, results: list[QcResult]) -> None:
        for r in results:
            if r.verdict is Verdict.DEFECT:
                self.rejects.add(r)
            if r.verdict is not Verdict.ERROR:
                self.sparkline.add(r.ts, r.defect_rate)
        if results:
            self.show_result(results[-1])

    def show_result(self, r: QcResult, *, keep_time: bool = False) -> None:
        self._show_result(r, keep_time=keep_time)
        if self._since is not None:
            self._show_last_known()

    def _show_result(self, r: QcResult, *, keep_time: bool = False) -> None:
        self.latest = r
        if not keep_time:
            self._shown_at = self._clock()
        if self._verdict_stale:
            self._verdict_stale = False
            if self._camera_ok:
                self.image.set_message("", "idle")
                self.rate_indicator.set_stale(False)
        caption = f"#{r.seq}  {_hms(r.ts)}"
        if r.verdict is Verdict.ERROR:
            self.image.set_frame(r.image, None, None, caption)
            # The model's own problem is in the banner above; the picture says only why no verdict.
            why = "no QC model (see above)" if r.error_reason == "no_model" else r.error
            self.image.set_message(f"Not inspected: {why}", "error")
            self._set_verdict("NOT INSPECTED", "error")
            self.score.setText(_reason_text(r.error_reason))
            more = "" if r.error_reason == "no_model" else f"\n{r.error}"
            self.detail.setText(f"Image #{r.seq} from {r.source} at {_hms(r.ts)}{more}")
        else:
            defect = r.verdict is Verdict.DEFECT
            self.image.set_frame(
                r.image, r.heatmap if defect else None, r.region if defect else None, caption
            )
            if not self._camera_ok:
                self.image.set_message(self.image.message, "stale")
            if defect:
                self._set_verdict(f"REJECT  {pretty(r.label)}", "defect")
                self.score.setText(f"Score {r.score:.0%}   ·   P(defect) {r.p_defect:.0%}")
            else:
                self._set_verdict("PASS", "pass")
                self.score.setText(f"Score {r.score:.0%}   ·   P(defect) {r.p_defect:.0%}")
            top = sorted(r.probabilities.items(), key=lambda kv: -kv[1])[:3]
            self.verdict.setToolTip("Most likely: " + ", ".join(f"{pretty(k)} {v:.1%}" for k, v in top))
            truth = f"\nSimulator truth: {pretty(r.ground_truth)}" if r.ground_truth else ""
            self.detail.setText(f"Image #{r.seq} at {_hms(r.ts)}   ·   {r.latency_ms:.1f} ms{truth}")
        n = r.window_count
        # The caption names the images the rate is really over while the window fills (QA5 F29).
        self.rate_caption.setText(rolling_rate_caption(n, RATE_WINDOW))
        if n >= MIN_COUNT:
            self.rate_indicator.set_sample(r.defect_rate, GOOD, r.ts)
            self.rate_indicator.setToolTip(
                f"Defect rate: {r.defect_rate:.1f} % of the last {n} inspected images were rejected by the QC "
                f"model (the tag {self.rate_tag.name}, with its alarm limits)"
            )
        elif n:
            # As the tag: no rate until the window holds enough images to mean something.
            self.rate_indicator.set_sample(math.nan, BAD_WAITING_FOR_INITIAL_DATA, r.ts)
            self.rate_indicator.setToolTip(f"{n} of {MIN_COUNT} images needed for a defect rate")

    def set_status(self, s: QcStatus) -> None:
        self._status = s
        if s.model_label:
            self.model_label.setText(s.model_label)
        elif s.state == "starting":
            self.model_label.setText("model: loading…")
        else:
            self.model_label.setText("no QC model")
        self.set_model_error(s.model_error)
        if (s.source_state == ConnectionState.CONNECTED) != self._camera_ok:
            self.set_camera_state(s.source_state, s.source_detail)
        dropped = f"   ·   dropped {s.dropped:,}" if s.dropped else ""
        share = f" ({RejectShare(s.defects, s.inspected).pct_text()})" if s.inspected else ""
        # Camera figures only; the line's reject counters (Q) count other rejects (QA5 F12).
        self.counts.setText(
            f"Since the QC started: inspected {s.inspected:,} · rejected {s.defects:,}{share}\n"
            f"Not inspected {s.errors:,}{dropped}\n"
            "Camera rejects are not in Q (Q: the machines' reject counters)"
        )
        self.counts.setToolTip(CAMERA_VS_LINE)

    def set_model_error(self, error: str | None) -> None:
        if error == self._model_error:
            return
        self._model_error = error
        if error:
            self.banner.setText(f"QC model unavailable — images are shown but not inspected.\n{error}")
            self.banner.setProperty("kind", "error")
            self.banner.show()
            self.rate_indicator.set_sample(math.nan, BAD, time.time())
        else:
            self.banner.hide()
        self._restyle()

    def set_camera_state(self, state: ConnectionState, detail: str = "") -> None:
        ok = state == ConnectionState.CONNECTED
        self._camera_ok = ok
        if ok:
            if self.image.message.startswith("Camera"):
                self.image.set_message("", "idle")
            self.rate_indicator.set_stale(False)
        else:
            since = time.strftime("%H:%M:%S")
            self.image.set_message(f"Camera {state.value}: {detail or 'no images'} (since {since})", "stale")
            self.rate_indicator.set_stale(True)
            # The last known rate stays, greyed with its age (as the faceplates keep theirs since
            # 3aef750); with none known yet there is nothing to keep.
            if not self.rate_indicator.has_value:
                self.rate_indicator.set_sample(math.nan, BAD_NOT_CONNECTED, time.time())

    def shutdown(self) -> None:
        """Stop polling the feed (window closing); the feed itself is the runtime's to stop."""
        if self._timer is not None:
            self._timer.stop()

    # --- rejects ----------------------------------------------------------------------------------------

    def open_reject(self, result: QcResult) -> QcImageDialog:
        dlg = QcImageDialog(result, self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dlg.finished.connect(lambda _=0, d=dlg: self._dialogs.remove(d) if d in self._dialogs else None)
        self._dialogs.append(dlg)
        dlg.show()
        self.reject_opened.emit(result)
        return dlg

    # --- what the operator reads (tests) ----------------------------------------------------------------

    @property
    def verdict_text(self) -> str:
        return self.verdict.text()

    @property
    def verdict_kind(self) -> str:
        return str(self.verdict.property("kind"))

    def _set_verdict(self, text: str, kind: str) -> None:
        self.verdict.setText(text)
        if self.verdict.property("kind") != kind:
            self.verdict.setProperty("kind", kind)
            self._restyle()

    def _restyle(self) -> None:
        # Local style sheet: the pane works with or without the application theme.
        self.setStyleSheet(
            f"""
            QFrame#qcPane {{ background: {palette.PANEL}; border: 1px solid {palette.PANEL_BORDER}; }}
            QLabel#qcTitle {{ font-size: 12pt; font-weight: bold; }}
            QLabel#qcModelLabel {{ color: {palette.TEXT_DIM}; font-family: "DejaVu Sans Mono", monospace; }}
            QLabel#qcSection {{ font-weight: bold; color: {palette.TEXT}; }}
            QLabel#qcDim {{ color: {palette.TEXT_DIM}; }}
            QLabel#qcScore {{ font-size: 11pt; }}
            QFrame#qcRule {{ background: {palette.PANEL_BORDER}; }}
            QLabel#qcVerdict {{ font-size: 15pt; font-weight: bold; border: 1px solid {palette.PANEL_BORDER};
                border-radius: 3px; padding: 6px 10px; background: {palette.HEADER}; color: {palette.TEXT}; }}
            QLabel#qcVerdict[kind="pass"] {{ background: {palette.HEADER}; color: {palette.TEXT}; }}
            QLabel#qcVerdict[kind="none"] {{ background: {palette.PANEL}; color: {palette.TEXT_DIM};
                border-style: dashed; }}
            QLabel#qcVerdict[kind="defect"] {{ background: {DEFECT}; color: {DEFECT_TEXT}; border-color: #7A2F06; }}
            QLabel#qcVerdict[kind="stale"] {{ background: {palette.PANEL}; color: {palette.STALE};
                border: 2px dashed {palette.STALE}; }}
            QLabel#qcVerdict[kind="error"] {{ background: {palette.PANEL}; color: {palette.TEXT};
                border: 2px dashed {palette.HATCH}; }}
            QLabel#qcBanner {{ background: #ECECEC; border: 2px dashed {palette.HATCH}; padding: 6px;
                font-weight: bold; }}
            QScrollArea#qcRejectStrip, QWidget#qcRejectStripInner {{ background: {palette.PANEL}; }}
            QToolButton#qcReject {{ border: 2px solid {DEFECT}; border-radius: 2px; background: {palette.WINDOW};
                padding: 2px; font-size: 8pt; }}
            QToolButton#qcReject:hover {{ background: {palette.SELECTION}; }}
            """
        )


def _reason_text(reason: str | None) -> str:
    return {
        "empty": "Empty image",
        "truncated": "Truncated or corrupt image",
        "not_an_image": "Not an image",
        "wrong_size": "Wrong image size",
        "wrong_channels": "Wrong colour format",
        "wrong_type": "Wrong pixel type",
        "bad_quality": "Camera sample Bad",
        "model": "Model error",
        "no_model": "No QC model",
    }.get(reason or "", "Not inspected")
