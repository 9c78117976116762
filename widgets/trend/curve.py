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


class _Part:
    """One NaN-separated polyline: arrays, finite extent, x filled for binary search, cached path."""

    __slots__ = ("path", "rect", "x", "xs", "y")

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x, self.y = x, y
        self.path: QPainterPath | None = None
        finite = np.isfinite(x) & np.isfinite(y)
        if finite.any():
            fx, fy = x[finite], y[finite]
            self.rect: tuple[float, float, float, float] | None = (
                float(fx.min()),
                float(fx.max()),
                float(fy.min()),
                float(fy.max()),
            )
            xs = x
            nan = ~np.isfinite(x)
            if nan.any():  # NaN separators sit between ordered points: fill forward for searchsorted
                idx = np.where(~nan, np.arange(len(x)), 0)
                np.maximum.accumulate(idx, out=idx)
                xs = x[idx]
                xs[: int(np.argmax(~nan))] = self.rect[0]
            self.xs = xs
        else:
            self.rect = None
            self.xs = np.empty(0)

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def full_path(self) -> QPainterPath:
        if self.path is None:
            self.path = (
                fn.arrayToQPath(self.x, self.y, connect="finite") if len(self.x) > 1 else QPainterPath()
            )
        return self.path

    def draw(self, p: QPainter, left: float, right: float, partial: bool) -> None:
        n = len(self.x)
        if n < 2 or self.rect is None:
            return
        if partial and (self.rect[1] < left or self.rect[0] > right):
            return
        if not partial:
            p.drawPath(self.full_path())
            return
        i0 = max(int(np.searchsorted(self.xs, left, side="left")) - 2, 0)
        i1 = min(int(np.searchsorted(self.xs, right, side="right")) + 2, n)
        if i1 - i0 < 2:
            return
        if i1 - i0 > 0.7 * n:
            p.drawPath(self.full_path())
        else:
            p.drawPath(fn.arrayToQPath(self.x[i0:i1], self.y[i0:i1], connect="finite"))


_EMPTY = _Part(np.empty(0), np.empty(0))


class FastCurve(pg.GraphicsObject):
    """A pen's line: a "body" polyline plus a short "tail" replaced every frame (NaN = break).

    `setData` replaces everything and repaints the item; `set_tail` replaces only the tail
    and repaints only the strip it covers, which is what keeps a live frame cheap.
    """

    def __init__(self, pen: QPen, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self._pen = pen
        self._body = _EMPTY
        self._tail = _EMPTY
        self._bounds = QRectF()
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
        """Replace the body (and drop the tail)."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if x.shape != y.shape:
            raise ValueError(f"x and y differ in shape: {x.shape} vs {y.shape}")
        if len(x) == 0 and not len(self._body) and not len(self._tail):
            return
        self._body = _Part(x, y) if len(x) else _EMPTY
        self._tail = _EMPTY
        self._reshape(exact=True)
        self.update()

    def set_tail(self, x: np.ndarray, y: np.ndarray) -> None:
        """Replace the tail only; repaints the strip from the old/new tail's first x to its end."""
        if len(x) == 0 and not len(self._tail):
            return
        old = self._tail.rect
        self._tail = (
            _Part(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)) if len(x) else _EMPTY
        )
        if self._reshape():
            self.update()
            return
        rects = [r for r in (old, self._tail.rect) if r is not None]
        if not rects:
            return
        x0 = min(r[0] for r in rects)
        x1 = max(r[1] for r in rects)
        b = self._bounds
        px = self._pad[0]
        self.update(QRectF(x0 - px, b.top(), (x1 - x0) + 2 * px, b.height()))

    def clear(self) -> None:
        self.setData(np.empty(0), np.empty(0))

    def data(self) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[override]
        """Body and tail as one array pair (NaN between them)."""
        if not len(self._tail):
            return self._body.x, self._body.y
        if not len(self._body):
            return self._tail.x, self._tail.y
        return np.r_[self._body.x, np.nan, self._tail.x], np.r_[self._body.y, np.nan, self._tail.y]

    def __len__(self) -> int:
        return len(self._body) + len(self._tail)

    # --- geometry -------------------------------------------------------------------------------
    def _data_rect(self) -> tuple[float, float, float, float] | None:
        rects = [r for r in (self._body.rect, self._tail.rect) if r is not None]
        if not rects:
            return None
        return (
            min(r[0] for r in rects),
            max(r[1] for r in rects),
            min(r[2] for r in rects),
            max(r[3] for r in rects),
        )

    def _padded(self) -> QRectF:
        r = self._data_rect()
        if r is None:
            return QRectF()
        x0, x1, y0, y1 = r
        px, py = self._pad
        return QRectF(x0 - px, y0 - py, (x1 - x0) + 2 * px, (y1 - y0) + 2 * py)

    def _reshape(self, exact: bool = False) -> bool:
        """Set the bounding rect; a growing tail gets slack so it does not change it every frame
        (a new bounding rect means repainting the whole item)."""
        new = self._padded()
        if not exact and not new.isEmpty() and self._bounds.contains(new):
            return False
        if not exact and not new.isEmpty() and not self._bounds.isEmpty():
            slack_x = 0.1 * max(new.width(), 1e-9)
            slack_y = 0.05 * max(new.height(), 1e-9)
            new = new.adjusted(0.0, -slack_y, slack_x, slack_y)
        if new != self._bounds:
            self.prepareGeometryChange()
            self._bounds = new
            return True
        return False

    def viewTransformChanged(self) -> None:
        # a couple of device pixels of padding in data units, so a flat line is still "inside"
        vx, vy = self.pixelVectors()
        if vx is None or vy is None:
            return
        pad = (abs(vx.x()) * 2.0 + abs(vy.x()) * 2.0, abs(vy.y()) * 2.0 + abs(vx.y()) * 2.0)
        if pad != self._pad:
            self._pad = pad
            self._reshape(exact=True)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: object = None) -> tuple[float, float] | None:
        r = self._data_rect()
        if r is None:
            return None
        return (r[0], r[1]) if ax == 0 else (r[2], r[3])

    def pixelPadding(self) -> float:
        return 1.0

    # --- painting -------------------------------------------------------------------------------
    def paint(self, p: QPainter, opt: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if len(self) < 2:
            return
        self.paints += 1
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setPen(self._pen)
        ex = opt.exposedRect
        partial = not ex.isEmpty() and ex.width() < 0.7 * self._bounds.width()
        left, right = ex.left(), ex.right()
        self._body.draw(p, left, right, partial)
        self._tail.draw(p, left, right, partial)


class IntervalItem(pg.GraphicsObject):
    """Filled time intervals over a y band (status lane bars; gap shading, band = the view's y range)."""

    def __init__(self, brush: QBrush, pen: QPen | None = None, y0: float = 0.0, y1: float = 1.0) -> None:
        super().__init__()
        self._brush = brush
        self._qpen = pen if pen is not None else pg.mkPen(None)
        self._qpen.setCosmetic(True)  # a 1-unit pen in data coordinates would be seconds wide
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
