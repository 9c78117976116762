"""A product image with the QC overlay: defect heatmap and box, or why there is no verdict.

ISA-101: the image itself is the only colourful thing on a pass; the defect
colour appears only where a defect was found (heatmap, box, badge). A frame
that could not be inspected is shown hatched with its reason as text, as bad
quality is everywhere else in LineHMI; a lost camera link greys the picture
and says since when.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from inference.qc.heatmap import Box
from widgets import palette

# The one colour of a product defect (reject badge, box, heatmap, reject thumbnails). Not an alarm
# colour: a single reject is expected at a few per cent; the defect *rate* tag is what alarms.
DEFECT = "#B5470B"
DEFECT_TEXT = "#FFFFFF"


def numpy_to_qimage(rgb: np.ndarray) -> QImage:
    """H x W x 3 uint8 -> an independent QImage (the array may be freed afterwards)."""
    arr = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = arr.shape[:2]
    return QImage(arr.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def heatmap_qimage(heatmap: np.ndarray, floor: float = 0.35, max_alpha: float = 0.6) -> QImage:
    """The coarse heatmap as a small translucent DEFECT-coloured image; Qt smooths it when scaled."""
    hm = np.clip(np.nan_to_num(np.asarray(heatmap, dtype=np.float32)), 0.0, 1.0)
    a = np.clip((hm - floor) / (1.0 - floor), 0.0, 1.0) * max_alpha
    c = QColor(DEFECT)
    h, w = hm.shape
    rgba = np.empty((h, w, 4), dtype=np.uint8)
    # Premultiplied ARGB32 in memory order B, G, R, A (little endian).
    rgba[..., 0] = (c.blue() * a).astype(np.uint8)
    rgba[..., 1] = (c.green() * a).astype(np.uint8)
    rgba[..., 2] = (c.red() * a).astype(np.uint8)
    rgba[..., 3] = (255 * a).astype(np.uint8)
    return QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_ARGB32_Premultiplied).copy()


class QcImageView(QWidget):
    """Paints the latest image scaled to fit, the overlay, and a message when there is no verdict."""

    def __init__(self, parent: QWidget | None = None, min_side: int = 240) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._heat: QImage | None = None
        self._region: Box | None = None
        self._caption = ""
        self._message = "No image yet: waiting for the camera"
        self._message_kind = "idle"  # idle | error | stale
        self._show_heatmap = True
        self._min_side = min_side
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setObjectName("qcImageView")

    # --- state -----------------------------------------------------------------------------------

    def set_frame(
        self,
        rgb: np.ndarray | None,
        heatmap: np.ndarray | None = None,
        region: Box | None = None,
        caption: str = "",
    ) -> None:
        self._image = numpy_to_qimage(rgb) if rgb is not None else None
        self._heat = heatmap_qimage(heatmap) if heatmap is not None else None
        self._region = region
        self._caption = caption
        if self._message_kind != "stale":
            self._message, self._message_kind = "", "idle"
        self.update()

    def set_message(self, text: str, kind: str = "error") -> None:
        """kind: 'error' (hatched, text), 'stale' (greyed, text), 'idle' (plain text); '' clears."""
        self._message, self._message_kind = text, kind if text else "idle"
        self.update()

    def set_heatmap_visible(self, visible: bool) -> None:
        self._show_heatmap = visible
        self.update()

    @property
    def message(self) -> str:
        return self._message

    @property
    def has_image(self) -> bool:
        return self._image is not None

    def sizeHint(self) -> QSize:
        return QSize(360, 360)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._min_side, self._min_side)

    # --- painting ----------------------------------------------------------------------------------

    def _target(self) -> QRectF:
        side = min(self.width(), self.height()) - 2
        iw = self._image.width() if self._image is not None else 1
        ih = self._image.height() if self._image is not None else 1
        scale = side / max(iw, ih)
        w, h = iw * scale, ih * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.fillRect(self.rect(), QColor(palette.PANEL))
        r = self._target()
        kind = self._message_kind
        if self._image is not None:
            p.drawImage(r, self._image)
            if self._heat is not None and self._show_heatmap and kind != "stale":
                p.drawImage(r, self._heat)
            if self._region is not None and kind != "stale":
                x0, y0, x1, y1 = self._region
                w, h = r.width(), r.height()
                box = QRectF(r.x() + x0 * w, r.y() + y0 * h, (x1 - x0) * w, (y1 - y0) * h)
                p.setPen(QPen(QColor(DEFECT), 2.5))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(box.adjusted(-2, -2, 2, 2))
            if kind == "stale":
                p.fillRect(r, QColor(212, 212, 212, 170))
        else:
            p.setPen(QPen(QColor(palette.PANEL_BORDER), 1, Qt.PenStyle.DashLine))
            p.drawRect(r.adjusted(0.5, 0.5, -0.5, -0.5))
        if kind == "error":
            self._hatch(p, r)
        p.setPen(QPen(QColor(palette.PANEL_BORDER), 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(r.adjusted(-0.5, -0.5, 0.5, 0.5))
        if self._caption and self._image is not None:
            self._text_box(p, r, self._caption, top=True)
        if self._message:
            self._text_box(p, r, self._message, top=False, emphasis=kind in ("error", "stale"))
        p.end()

    def _hatch(self, p: QPainter, r: QRectF) -> None:
        brush = QBrush(QColor(palette.HATCH), Qt.BrushStyle.BDiagPattern)
        p.fillRect(r, QColor(224, 224, 224, 150))
        p.fillRect(r, brush)

    def _text_box(self, p: QPainter, r: QRectF, text: str, top: bool, emphasis: bool = False) -> None:
        font = QFont(self.font())
        font.setBold(emphasis)
        p.setFont(font)
        fm = p.fontMetrics()
        flags = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap
        inner = r.adjusted(8, 0, -8, 0)
        bound = fm.boundingRect(inner.toRect(), int(flags), text)
        h = bound.height() + 8
        box = QRectF(r.x(), r.y() if top else r.bottom() - h, r.width(), h)
        p.fillRect(box, QColor(240, 240, 240, 225))
        p.setPen(QColor(palette.TEXT))
        p.drawText(box.adjusted(8, 4, -8, -4), int(flags), text)
