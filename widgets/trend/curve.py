"""Graphics items of the trend: a curve that repaints only what is exposed, and interval bars.

Why not pyqtgraph's PlotCurveItem: a live trend repaints a thin strip at the
right edge 25 times a second (the newest bucket of every pen), and the
cursor a thin vertical strip. PlotCurveItem strokes its whole path for any
exposed area; `FastCurve` strokes only the points inside the exposed
rectangle (binary search on sorted x), so the other 99 pens cost a few
microseconds each. A full repaint uses the cached path, like PlotCurveItem.
Measured in bench/trends.py.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pyqtgraph.functions as fn
from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget


class FastCurve(pg.GraphicsObject):
    """NaN-separated polyline with x sorted (NaN separators aside); cosmetic pen."""

    def __init__(self, pen: QPen, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self._pen = pen
        self._x = np.empty(0)
        self._y = np.empty(0)
        self._xs = np.empty(0)  # x with NaN separators replaced by their neighbours (for searchsorted)
        self._path: QPainterPath | None = None
        self._bounds = QRectF()
        self._data_rect = (0.0, 0.0, 0.0, 0.0)
        self._pad = (0.0, 0.0)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.paints = 0  # for tests and benchmarks

    # --- data -----------------------------------------------------------------------------------
    def setPen(self, pen: QPen) -> None:
        self._pen = pen
        self.update()

    def pen(self) -> QPen:
        return self._pen

    def setData(self, x: np.ndarray, y: np.ndarray) -> None:
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if x.shape != y.shape:
            raise ValueError(f"x and y differ in shape: {x.shape} vs {y.shape}")
        old = self._bounds
        self._x, self._y = x, y
        self._path = None
        finite = np.isfinite(x) & np.isfinite(y)
        if finite.any():
            fx, fy = x[finite], y[finite]
            x0, x1, y0, y1 = float(fx.min()), float(fx.max()), float(fy.min()), float(fy.max())
            # NaN separators sit between points in order: fill them forward for the binary search
            xs = x.copy()
            nan = ~np.isfinite(xs)
            if nan.any():
                idx = np.where(~nan, np.arange(len(xs)), 0)
                np.maximum.accumulate(idx, out=idx)
                xs = xs[idx]
                xs[: np.argmax(~nan)] = x0
            self._xs = xs
        else:
            x0 = x1 = y0 = y1 = 0.0
            self._xs = np.empty(0)
        self._data_rect = (x0, x1, y0, y1)
        new = self._padded()
        if new != old:
            self.prepareGeometryChange()
            self._bounds = new
            self.update()
        elif len(x):
            self.update()
        else:
            self.update()

    def clear(self) -> None:
        self.setData(np.empty(0), np.empty(0))

    def data(self) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[override]
        return self._x, self._y

    def __len__(self) -> int:
        return int(self._x.shape[0])

    # --- geometry -------------------------------------------------------------------------------
    def _padded(self) -> QRectF:
        if not len(self._xs):
            return QRectF()
        x0, x1, y0, y1 = self._data_rect
        px, py = self._pad
        return QRectF(x0 - px, y0 - py, (x1 - x0) + 2 * px, (y1 - y0) + 2 * py)

    def viewTransformChanged(self) -> None:
        # one or two device pixels of padding in data units, so a flat line is still "inside"
        vx, vy = self.pixelVectors()
        if vx is None or vy is None:
            return
        pad = (abs(vx.x()) * 2.0 + abs(vy.x()) * 2.0, abs(vy.y()) * 2.0 + abs(vx.y()) * 2.0)
        if pad != self._pad:
            self._pad = pad
            self.prepareGeometryChange()
            self._bounds = self._padded()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: object = None) -> tuple[float, float] | None:
        if not len(self._xs):
            return None
        x0, x1, y0, y1 = self._data_rect
        return (x0, x1) if ax == 0 else (y0, y1)

    def pixelPadding(self) -> float:
        return 1.0

    # --- painting -------------------------------------------------------------------------------
    def _full_path(self) -> QPainterPath:
        if self._path is None:
            self._path = fn.arrayToQPath(self._x, self._y, connect="finite") if len(self._x) else QPainterPath()
        return self._path

    def paint(self, p: QPainter, opt: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        n = len(self._x)
        if n < 2:
            return
        self.paints += 1
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setPen(self._pen)
        ex = opt.exposedRect
        b = self._bounds
        if ex.isEmpty() or ex.width() >= 0.7 * b.width():
            p.drawPath(self._full_path())
            return
        i0 = max(int(np.searchsorted(self._xs, ex.left(), side="left")) - 2, 0)
        i1 = min(int(np.searchsorted(self._xs, ex.right(), side="right")) + 2, n)
        if i1 - i0 < 2:
            return
        if i1 - i0 > 0.7 * n:
            p.drawPath(self._full_path())
            return
        p.drawPath(fn.arrayToQPath(self._x[i0:i1], self._y[i0:i1], connect="finite"))


class IntervalItem(pg.GraphicsObject):
    """Filled time intervals over a y band (status lane bars; gap shading, band = the view's y range)."""

    def __init__(self, brush: QBrush, pen: QPen | None = None, y0: float = 0.0, y1: float = 1.0) -> None:
        super().__init__()
        self._brush = brush
        self._qpen = pen if pen is not None else QPen(pg.mkPen(None))
        self._y0, self._y1 = y0, y1
        self._start = np.empty(0)
        self._end = np.empty(0)
        self._bounds = QRectF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    def set_band(self, y0: float, y1: float) -> None:
        if (y0, y1) != (self._y0, self._y1):
            self._y0, self._y1 = y0, y1
            self._reshape()

    def setIntervals(self, start: np.ndarray, end: np.ndarray) -> None:
        start = np.asarray(start, dtype=np.float64)
        end = np.asarray(end, dtype=np.float64)
        if np.array_equal(start, self._start) and np.array_equal(end, self._end):
            return
        self._start, self._end = start, end
        self._reshape()

    def _reshape(self) -> None:
        self.prepareGeometryChange()
        if len(self._start):
            s0 = float(self._start.min())
            self._bounds = QRectF(s0, self._y0, max(float(self._end.max()) - s0, 1e-9), self._y1 - self._y0)
        else:
            self._bounds = QRectF()
        self.update()

    def intervals(self) -> tuple[np.ndarray, np.ndarray]:
        return self._start, self._end

    def boundingRect(self) -> QRectF:
        return self._bounds

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: object = None) -> None:
        return None  # never drives auto-range

    def paint(self, p: QPainter, opt: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if not len(self._start):
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setPen(self._qpen)
        p.setBrush(self._brush)
        px = self.pixelWidth() or 0.0
        ex = opt.exposedRect
        for s, e in zip(self._start.tolist(), self._end.tolist(), strict=True):
            if e < ex.left() - px or s > ex.right() + px:
                continue
            w = max(e - s, px)  # a gap shorter than a pixel is still one pixel wide
            p.drawRect(QRectF(s, self._y0, w, self._y1 - self._y0))
