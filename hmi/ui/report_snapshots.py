"""Trend images of a report's longest stops (hmi.core.review.report.StopSnapshot), for the PDF, the
print-out and the Markdown's folder.

The pens are read through the Historian (the same read as the trend widget and the review's cursor)
and drawn with the trend's own rules (hmi.core.trend_data.style_points): each value held until the
next sample, uncertain stretches dashed, nothing drawn across a gap or a bad stretch (hatched). One strip
per pen with its own scale, so a speed in bottles/min and a temperature in °C both stay readable in
black and white; the stop is the shaded band.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPainterPath, QPen

from hmi.core.history_api import TrendHistory
from hmi.core.review.report import ShiftReport, StopSnapshot
from hmi.core.review.snapshot_draw import NO_RECORD, outside_record, snapshot_pen
from hmi.core.tag_info import TagInfo
from hmi.core.trend_data import Intervals

WIDTH, STRIP_H, AXIS_H, LEFT, RIGHT = 1280, 120, 36, 230, 24  # pixels at 2x the 96-dpi layout
DRAW_WIDTH = WIDTH // 2  # how wide the image is laid out in the document (96-dpi pixels)
INK, DIM, GRID, STOP_BAND, GAP = "#202020", "#6e6e6e", "#d0d0d0", "#e2e2e2", "#9a9a9a"


def render_snapshots(
    report: ShiftReport, historian: TrendHistory, infos: dict[str, TagInfo]
) -> dict[str, QImage]:
    """Each snapshot's image by its file name. Needs a QGuiApplication (offscreen is fine)."""
    record = (
        report.t0 if report.record_start is None else report.record_start,
        report.t1 if report.record_end is None else report.record_end,
    )
    return {s.image: render_snapshot(s, historian, infos, record) for s in report.snapshots}


def render_snapshot(
    snap: StopSnapshot,
    historian: TrendHistory,
    infos: dict[str, TagInfo],
    record: tuple[float, float] | None = None,
) -> QImage:
    """`record`: the record's start and end; values are held to its end and the window outside it is
    marked "no record" (hmi.core.review.snapshot_draw)."""
    w0, w1 = snap.window
    r0, r1 = record if record is not None else (w0, w1)
    plot_w = WIDTH - LEFT - RIGHT
    result = historian.read(list(snap.pens), w0, w1, width_px=plot_w)
    height = STRIP_H * len(snap.pens) + AXIS_H
    img = QImage(WIDTH, height, QImage.Format.Format_RGB32)
    img.fill(QColor("#ffffff"))
    p = QPainter(img)
    try:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont("Sans Serif")
        font.setPixelSize(20)
        p.setFont(font)

        def x_of(t: float) -> float:
            return LEFT + (t - w0) / (w1 - w0) * plot_w

        for k, tag in enumerate(snap.pens):
            top = k * STRIP_H
            area = QRectF(LEFT, top + 8, plot_w, STRIP_H - 16)
            p.fillRect(QRectF(x_of(snap.t0), top, x_of(snap.t1) - x_of(snap.t0), STRIP_H), QColor(STOP_BAND))
            p.setPen(QPen(QColor(GRID), 1))
            p.drawRect(area)
            pen = result.pens.get(tag)
            info = infos.get(tag)
            title = info.title if info is not None else tag
            unit = f" ({info.unit})" if info is not None and info.unit else ""
            drawn = snapshot_pen(pen.points, w0, w1, r0, r1) if pen is not None else None
            styled = drawn.styled if drawn is not None else None
            _hatch(p, outside_record(w0, w1, r0, r1), x_of, area, NO_RECORD)
            finite = np.r_[styled.solid_y, styled.dashed_y] if styled is not None else np.empty(0)
            finite = finite[np.isfinite(finite)]
            p.setPen(QColor(INK))
            p.drawText(QRectF(8, top + 8, LEFT - 16, 48), Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap,
                       title + unit)  # fmt: skip
            if styled is None or not len(finite):
                p.setPen(QColor(DIM))
                p.drawText(area, Qt.AlignmentFlag.AlignCenter, "nothing recorded in this window")
                continue
            lo, hi = float(finite.min()), float(finite.max())
            if hi - lo < 1e-9:
                lo, hi = lo - 1.0, hi + 1.0
            pad = 0.08 * (hi - lo)
            lo, hi = lo - pad, hi + pad

            def y_of(v: np.ndarray, a: QRectF = area, lo: float = lo, hi: float = hi) -> np.ndarray:
                return a.bottom() - (v - lo) / (hi - lo) * a.height()

            p.setPen(QColor(DIM))
            fmt = info.format if info is not None else (lambda v: f"{v:g}")
            p.drawText(QRectF(8, top + STRIP_H - 40, LEFT - 16, 30), Qt.AlignmentFlag.AlignLeft,
                       f"{fmt(lo + pad)} … {fmt(hi - pad)}")  # fmt: skip
            _hatch(p, styled.gaps, x_of, area)
            _hatch(p, styled.bad, x_of, area)
            p.save()
            p.setClipRect(area.adjusted(-2, -2, 2, 2))  # the sample held into the window starts before it
            for xs, ys, style in (
                (styled.solid_x, styled.solid_y, Qt.PenStyle.SolidLine),
                (styled.dashed_x, styled.dashed_y, Qt.PenStyle.DashLine),
            ):
                line = QPen(QColor(INK), 2.5, style)
                p.setPen(line)
                p.drawPath(_polyline(np.array([x_of(t) for t in xs.tolist()]), y_of(ys)))
            p.restore()
        # time axis
        base = STRIP_H * len(snap.pens)
        p.setPen(QColor(DIM))
        for t in _ticks(w0, w1):
            x = x_of(t)
            p.drawLine(QPointF(x, base), QPointF(x, base + 6))
            p.drawText(QRectF(x - 60, base + 6, 120, AXIS_H - 6), Qt.AlignmentFlag.AlignHCenter,
                       dt.datetime.fromtimestamp(t).strftime("%H:%M:%S"))  # fmt: skip
    finally:
        p.end()
    return img


def _polyline(x: np.ndarray, y: np.ndarray) -> QPainterPath:
    """NaN-separated runs (style_points' breaks) as one path of separate polylines."""
    path = QPainterPath()
    pen_down = False
    for xv, yv in zip(x.tolist(), y.tolist(), strict=True):
        if not (math.isfinite(xv) and math.isfinite(yv)):
            pen_down = False
            continue
        if pen_down:
            path.lineTo(xv, yv)
        else:
            path.moveTo(xv, yv)
            pen_down = True
    return path


def _hatch(p: QPainter, iv: Intervals, x_of: object, area: QRectF, label: str = "") -> None:
    brush = QBrush(QColor(GAP), Qt.BrushStyle.BDiagPattern)
    for a, b in zip(iv.start.tolist(), iv.end.tolist(), strict=True):
        xa, xb = max(area.left(), x_of(a)), min(area.right(), x_of(b))  # type: ignore[operator]
        if xb > xa:
            box = QRectF(xa, area.top(), xb - xa, area.height())
            p.fillRect(box, brush)
            if label and p.fontMetrics().horizontalAdvance(label) + 8 <= box.width():
                p.save()
                p.fillRect(QRectF(box.center().x() - p.fontMetrics().horizontalAdvance(label) / 2 - 4,
                                  box.center().y() - 14, p.fontMetrics().horizontalAdvance(label) + 8, 28),
                           QColor("#ffffff"))  # fmt: skip
                p.setPen(QColor(DIM))
                p.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
                p.restore()


def _ticks(t0: float, t1: float) -> list[float]:
    span = t1 - t0
    step = next((s for s in (10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600) if span / s <= 8), 7200)
    first = math.ceil(t0 / step) * step
    return [float(t) for t in np.arange(first, t1, step)]
