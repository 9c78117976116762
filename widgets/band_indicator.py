"""Moving analog indicator (ISA-101): range, normal band, alarm ticks, pointer.

Two painted rows, no child widgets, so a faceplate of a dozen of them costs a
few QPainter calls per change:

    Motor current              H  27.3 A
    [::::::|######|::::|:▼:|::::::::]      range / normal band / limit ticks
                        △                   setpoint marker (optional)

Quality is never hidden: bad data has no pointer, a hatched bar and its status
name instead of a number; uncertain data has a hollow pointer and a '?';
stale data (connection lost) is greyed and carries its age.
"""

from __future__ import annotations

import time
import weakref
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from hmi.core.alarms.tag_badges import BadgeView, TagBadge, badge_view
from hmi.core.config import TagConfig
from hmi.core.quality import (
    BAD_WAITING_FOR_INITIAL_DATA,
    NO_SAMPLE_YET,
    Quality,
    is_no_sample,
    quality_of,
    status_name,
    status_short,
)
from widgets import palette
from widgets.formatting import format_age, format_timestamp, format_value


class _AgeTicker:
    """Repaints every stale indicator that shows its age once a second, whoever owns it: the QC
    pane's defect rate showed "25 s old" for minutes because nobody called its `tick` (walkthrough
    D-6b). An age on screen now cannot depend on its owner remembering to refresh it."""

    def __init__(self) -> None:
        self._timer: QTimer | None = None
        self._shown: weakref.WeakSet[BandIndicator] = weakref.WeakSet()

    def watch(self, ind: BandIndicator, on: bool) -> None:
        if on:
            self._shown.add(ind)
            timer = self._live_timer()
            if not timer.isActive():
                timer.start()
        else:
            self._shown.discard(ind)
            if not self._shown and self._timer is not None and shiboken6.isValid(self._timer):
                self._timer.stop()

    def _live_timer(self) -> QTimer:
        """The timer, a child of the application: freed with it on the GUI thread (never by the
        garbage collector after it), and made anew for a later application (tests)."""
        if self._timer is not None and shiboken6.isValid(self._timer):
            return self._timer
        self._timer = QTimer(QCoreApplication.instance())
        self._timer.setInterval(AGE_TICK_MS)
        self._timer.timeout.connect(self._tick)
        return self._timer

    def _tick(self) -> None:
        for ind in list(self._shown):
            if shiboken6.isValid(ind):
                ind.tick()
            else:  # its widget was deleted by Qt (its parent went) before Python let go of it
                self._shown.discard(ind)


AGE_TICK_MS = 1000
_ages = _AgeTicker()

_THEMED_COLOURS = (
    "TEXT", "TEXT_DIM", "TRACK", "NORMAL_BAND", "TICK", "POINTER", "STALE", "HATCH", "PANEL", "PANEL_BORDER",
)  # fmt: skip
_POINTER_H = 7
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_TRACK_H = 10
_MARKER_H = 7


class BandIndicator(QWidget):
    trend_requested = Signal(str)  # tag name: double-click opens its trend

    def __init__(
        self, tag: TagConfig, label: str | None = None, show_age: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.tag = tag
        # A faceplate shows one age for all its values; a lone indicator shows its own.
        self.show_age = show_age
        self._label = tag.label if label is None else label
        self._value = float("nan")
        self._status = BAD_WAITING_FOR_INITIAL_DATA
        self._source_ts = float("nan")
        self._target: float | None = None
        self._badge: TagBadge | None = None  # the tag's standing alarm (set_alarm)
        self._stale = False
        self._painted_age = ""
        self._has_bar = tag.range is not None
        self._compact = False  # one line: label, badge, value (a faceplate's summary rows)
        self._fonts: dict[bool, tuple[QFont, QFontMetrics]] = {}
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(160)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)
        self._colors: dict[str, QColor] = {}
        self._colors_theme = -1  # palette.generation the colours were taken at (day/night switch)
        # What does not move with the value (track, normal band, limit ticks, label), drawn once
        # into a pixmap and reused while its key holds: a review scrub repaints every indicator at
        # every cursor move, and this was most of each paint's QPainter calls.
        self._static: tuple[tuple[Any, ...], QPixmap] | None = None
        self._tooltip_stale = True  # the tooltip is written when it is shown or asked for

    # --- state ---------------------------------------------------------------------------
    def set_sample(self, value: float, status: int, source_ts: float) -> None:
        value, status, source_ts = float(value), int(status), float(source_ts)
        same_value = value == self._value or (value != value and self._value != self._value)
        if same_value and status == self._status and source_ts == self._source_ts:
            return
        self._value, self._status, self._source_ts = value, status, source_ts
        self._tooltip_stale = True
        self.update()

    def set_alarm(self, badge: TagBadge | None) -> None:
        """The tag's standing alarm from the alarm model (hmi.core.alarms.tag_badges), or None:
        the badge and the pointer take its level and its priority's colour; the value alone
        never makes a badge."""
        if badge != self._badge:
            self._badge = badge
            self._tooltip_stale = True
            self.update()

    def set_target(self, value: float | None) -> None:
        """Setpoint marker under the bar (None or NaN hides it)."""
        if value is not None and value != value:
            value = None
        if value != self._target:
            self._target = value
            self.update()

    def set_stale(self, stale: bool) -> None:
        if stale != self._stale:
            self._stale = stale
            _ages.watch(self, stale and self.show_age)
            self.update()

    def set_compact(self, compact: bool) -> None:
        """One line, no bar: the label, the alarm badge and the value (widgets.faceplate's summary
        rows on a line-side screen, where five bars per machine do not fit above the fold)."""
        if compact != self._compact:
            self._compact = compact
            self._has_bar = self.tag.range is not None and not compact
            self._static = None
            self.updateGeometry()
            self.update()

    @property
    def compact(self) -> bool:
        return self._compact

    def tick(self) -> None:
        """Called about once a second (by the age ticker while stale): stale data shows a growing age."""
        if self._stale and self.show_age:
            self.update()

    @property
    def painted_age(self) -> str:
        """The age text the last paint drew ("" none): what the operator reads, for tests."""
        return self._painted_age

    # --- what the operator reads (also used by tests) ------------------------------------------
    @property
    def quality(self) -> Quality:
        return quality_of(self._status)

    @property
    def stale(self) -> bool:
        return self._stale

    def alarm_level(self) -> str | None:
        """The badge text drawn beside the value ("HH" in the HiHi zone, "HH unack" / "HH active"
        for the alarm standing with the value out of its zone, "R", "!"), or None."""
        view = self.badge_view()
        return None if view is None else view.text

    def badge_view(self) -> BadgeView | None:
        """The badge beside the value now (hmi.core.alarms.tag_badges.badge_view: the one rule)."""
        return badge_view(self._badge, self._value if self.has_value else float("nan"))

    @property
    def alarm_badge(self) -> TagBadge | None:
        return self._badge

    def _badge_colours(self) -> tuple[QColor, QColor]:
        """Fill and text of the badge: the alarm's priority colour (as in the list and banner)."""
        assert self._badge is not None
        p = int(self._badge.priority)
        return QColor(palette.PRIORITY_COLOURS[p]), QColor(palette.PRIORITY_TEXT[p])

    def value_text(self) -> str:
        q = self.quality
        if is_no_sample(self._status):
            return NO_SAMPLE_YET  # nothing arrived: not a quality problem, no "?"
        if q == Quality.BAD or self._value != self._value:
            return f"? {status_short(self._status)}"
        text = format_value(self.tag, self._value)
        if self.tag.unit:
            text += f" {self.tag.unit}"  # painted on one line, never wrapped
        if q == Quality.UNCERTAIN:
            text += " ?"
        return text

    def age_text(self) -> str:
        return format_age(time.time() - self._source_ts) if self._source_ts == self._source_ts else ""

    def attention(self) -> tuple[int, int] | None:
        """Why this value wants a look, as a sort key (the most urgent first), or None when it is
        normal: a standing alarm (by its priority), a quality that is not good, a value outside its
        normal band. Nothing recorded yet is not abnormal."""
        if self._badge is not None:
            return (0, int(self._badge.priority))
        if is_no_sample(self._status):
            return None
        if self.quality != Quality.GOOD or self._value != self._value:
            return (1, 0)
        normal = self.tag.normal
        if normal and not normal[0] <= self._value <= normal[1]:
            return (2, 0)
        return None

    @property
    def has_value(self) -> bool:
        """A value is shown (good or uncertain), not a status name."""
        return self.quality != Quality.BAD and self._value == self._value

    def pointer_visible(self) -> bool:
        return self._has_bar and self.quality != Quality.BAD and self._value == self._value

    def sizeHint(self) -> QSize:
        return QSize(260, self._height())

    def minimumSizeHint(self) -> QSize:
        return QSize(160, self._height())

    def _height(self) -> int:
        h = self.fontMetrics().height() + 3
        if self._has_bar:
            h += _POINTER_H + _TRACK_H + _MARKER_H + 2
        return h

    # The tooltip (a dozen formatted lines) is written when it is shown or read, not at every sample:
    # building it at each value took a fifth of a review scrub's indicator time. What an owner sets
    # with setToolTip() (the QC pane's rate) shows until the next sample or alarm, as before.
    def setToolTip(self, text: str) -> None:
        self._tooltip_stale = False
        super().setToolTip(text)

    def toolTip(self) -> str:
        if self._tooltip_stale:
            self._update_tooltip()
        return super().toolTip()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and self._tooltip_stale:
            self._update_tooltip()
        return super().event(event)

    def _update_tooltip(self) -> None:
        t = self.tag
        lines = [f"<b>{t.label}</b> ({t.name})"]
        if t.description:
            lines.append(t.description)
        lines.append(f"Value: {self.value_text()}")
        lines.append(f"Quality: {status_name(self._status)} (0x{self._status:08X})")
        lines.append(f"Source time: {format_timestamp(self._source_ts)}")
        if t.range:
            lines.append(f"Range: {t.range[0]:g} – {t.range[1]:g} {t.unit}")
        if t.normal:
            lines.append(f"Normal: {t.normal[0]:g} – {t.normal[1]:g} {t.unit}")
        lim = [
            f"{n.upper()} {getattr(t.alarms, n):g}"
            for n in ("lolo", "lo", "hi", "hihi")
            if getattr(t.alarms, n) is not None
        ]
        if lim:
            lines.append("Alarm limits: " + ", ".join(lim))
        if self._badge is not None:
            b = self._badge
            ack = "unacknowledged" if b.unacked else "acknowledged"
            lines.append(f"Alarm: {b.name} ({b.priority.value} {b.priority.label}, {ack})")
            view = self.badge_view()
            if view is not None and not view.in_zone:
                lines.append(
                    f"The value is not beyond the alarm's limit now; \"{view.text}\" is the alarm's state"
                )
        self.setToolTip("<br>".join(lines))  # (clears _tooltip_stale)

    # --- painting ------------------------------------------------------------------------
    def _value_font(self, italic: bool) -> tuple[QFont, QFontMetrics]:
        cached = self._fonts.get(italic)
        if cached is None:
            f = QFont(self.font())
            f.setBold(True)
            f.setItalic(italic)
            cached = self._fonts[italic] = (f, QFontMetrics(f))
        return cached

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._fonts.clear()
        super().changeEvent(event)

    @property
    def label_text(self) -> str:
        return self._label

    def _row1(self) -> dict[str, Any]:
        """Row 1's layout, right to left: value (bold), alarm badge, age when stale, label.

        Shared by the painting and `clipped_texts`, so what the check measures is what is drawn.
        """
        w = self.width()
        fm = self.fontMetrics()
        q = self.quality
        bad = q == Quality.BAD or self._value != self._value
        level = self.alarm_level()
        bold, bfm = self._value_font(q == Quality.UNCERTAIN)
        value_text = self.value_text()
        value_need = bfm.horizontalAdvance(value_text) + 2
        value_w = min(value_need, int(w * 0.6))
        left = w - value_w - (6 if bad else 1) - (8 if bad else 6)
        badge_w = bfm.horizontalAdvance(max(level, "HH", key=len)) + 8 if level is not None else 0
        if level is not None:
            left -= badge_w + 6
        age = ""
        if self.show_age and self._stale and self._source_ts == self._source_ts:
            age = f"{self.age_text()} old"
            left -= fm.horizontalAdvance(age) + 8
        label = self._label
        if self._target is not None:
            label += f"   SP {format_value(self.tag, self._target)}"
        return {
            "bad": bad,
            "level": level,
            "bold": bold,
            "bfm": bfm,
            "value_text": value_text,
            "value_need": value_need,
            "value_w": value_w,
            "badge_w": badge_w,
            "age": age,
            "label": label,
            "label_need": fm.horizontalAdvance(label),
            "label_w": max(0, int(left)),
        }

    def clipped_texts(self) -> list[str]:
        """The texts this indicator elides at its current width (widgets.text_fit.PaintsText)."""
        r = self._row1()
        out = []
        if r["value_need"] > r["value_w"] + 1:
            out.append(r["value_text"])
        if r["label_need"] > r["label_w"] + 1:
            out.append(r["label"])
        return out

    def _bar_geometry(self) -> tuple[float, float, float]:
        """(x0, x1, top) of the bar's track (row 2)."""
        w = self.width()
        return _POINTER_H, w - _POINTER_H - 1, self.fontMetrics().height() + 3 + _POINTER_H

    def _xof(self, v: float) -> float:
        lo, hi = self.tag.range  # type: ignore[misc]
        x0, x1, _top = self._bar_geometry()
        f = (v - lo) / (hi - lo)
        return x0 + max(0.0, min(1.0, f)) * (x1 - x0)

    def _static_pixmap(self, row: dict[str, Any], label_w: int) -> QPixmap:
        """The parts that do not move with the value: the label (elided to its room) and the bar's
        track, normal band, hatching (bad), limit ticks and border; kept while their key holds."""
        c = self._colors
        dpr = self.devicePixelRatioF()
        key = (self.width(), self.height(), dpr, palette.generation, self._stale, row["bad"], row["label"], label_w,
               self.font().key())  # fmt: skip
        if self._static is not None and self._static[0] == key:
            return self._static[1]
        pm = QPixmap(int(self.width() * dpr), int(self.height() * dpr))
        pm.setDevicePixelRatio(dpr)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        fm = self.fontMetrics()
        text_h = fm.height()
        p.setFont(self.font())
        p.setPen(c["TEXT_DIM"] if not self._stale else c["STALE"])
        p.drawText(
            QRectF(0, 0, label_w, text_h),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            fm.elidedText(row["label"], Qt.TextElideMode.ElideRight, label_w),
        )
        if self._has_bar:
            x0, x1, top = self._bar_geometry()
            track = QRectF(x0, top, x1 - x0, _TRACK_H)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(c["TRACK"])
            p.drawRect(track)
            if self.tag.normal:
                n0, n1 = self._xof(self.tag.normal[0]), self._xof(self.tag.normal[1])
                p.setBrush(c["NORMAL_BAND"])
                p.drawRect(QRectF(n0, top, max(1.0, n1 - n0), _TRACK_H))
            if row["bad"]:
                p.setBrush(QBrush(c["HATCH"], Qt.BrushStyle.BDiagPattern))
                p.drawRect(track)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            for name, width in (("lolo", 2), ("lo", 1), ("hi", 1), ("hihi", 2)):
                lim = getattr(self.tag.alarms, name)
                if lim is None:
                    continue
                tick_x = round(self._xof(lim))  # whole pixels: a crisp tick without antialiasing
                p.setPen(QPen(c["TICK"], width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
                p.drawLine(QPointF(tick_x, top - 3), QPointF(tick_x, top + _TRACK_H + 3))
            p.setPen(QPen(c["PANEL_BORDER"], 1))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(track)
        p.end()
        self._static = (key, pm)
        return pm

    def paintEvent(self, event) -> None:
        if self._colors_theme != palette.generation:
            self._colors_theme = palette.generation
            self._colors = {k: QColor(getattr(palette, k)) for k in _THEMED_COLOURS}
        c = self._colors
        w = self.width()
        fm = self.fontMetrics()
        text_h = fm.height()
        row = self._row1()
        bad = row["bad"]
        level = row["level"]
        value_w = row["value_w"]
        value_rect = QRectF(w - value_w - (6 if bad else 1), 0, value_w, text_h)
        left_of_value = value_rect.left() - (8 if bad else 6)
        badge = None
        if level is not None:
            badge = QRectF(left_of_value - row["badge_w"], 1, row["badge_w"], text_h - 2)
            left_of_value = badge.left() - 6
        age_rect = None
        self._painted_age = row["age"]
        if row["age"]:
            aw = fm.horizontalAdvance(row["age"])
            age_rect = QRectF(left_of_value - aw, 0, aw, text_h)
            left_of_value -= aw + 8

        p = QPainter(self)
        # Row 1, left, and row 2's bar: the label and the scale, from the kept pixmap.
        p.drawPixmap(0, 0, self._static_pixmap(row, max(0, int(left_of_value))))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)

        # Row 1, right: value (bold) with an alarm badge or a bad-quality box in front.
        bold, bfm = row["bold"], row["bfm"]
        p.setFont(bold)
        if bad:
            box = value_rect.adjusted(-4, 0, 4, 0)
            p.setPen(QPen(c["TICK"], 1, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(box.adjusted(0.5, 0.5, -0.5, -0.5))
        p.setPen(c["STALE"] if self._stale else c["TEXT"])
        elided = bfm.elidedText(row["value_text"], Qt.TextElideMode.ElideRight, int(value_w))
        p.drawText(value_rect, _RIGHT, elided)

        if badge is not None:
            colour, on_colour = self._badge_colours()
            if self._stale:
                colour, on_colour = c["STALE"], c["TEXT"]
            view = self.badge_view()
            if view is not None and not view.in_zone:
                # The alarm's state, not the value's zone: outlined in the priority colour.
                p.setPen(QPen(colour, 1.5))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRoundedRect(badge.adjusted(0.75, 0.75, -0.75, -0.75), 2, 2)
                p.setPen(c["TEXT"])
            else:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(colour)
                p.drawRoundedRect(badge, 2, 2)
                p.setPen(on_colour)
            p.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), level)

        # Row 1, middle: age when stale.
        if age_rect is not None:
            p.setFont(self.font())
            p.setPen(c["STALE"])
            p.drawText(age_rect, _RIGHT, row["age"])

        if not self._has_bar:
            p.end()
            return

        # Row 2: the setpoint marker and the pointer over the kept bar.
        _x0, _x1, top = self._bar_geometry()
        if self._target is not None:
            x = self._xof(self._target)
            y = top + _TRACK_H + 1
            tri = QPainterPath()
            tri.moveTo(x, y)
            tri.lineTo(x - 5, y + _MARKER_H - 1)
            tri.lineTo(x + 5, y + _MARKER_H - 1)
            tri.closeSubpath()
            p.setPen(QPen(c["STALE"] if self._stale else c["TICK"], 1.3))
            p.setBrush(c["PANEL"])
            p.drawPath(tri)

        if self.pointer_visible():
            x = self._xof(self._value)
            if self._stale:
                colour = c["STALE"]
            elif level is not None and (view := self.badge_view()) is not None and view.in_zone:
                colour = self._badge_colours()[0]
            else:
                colour = c["POINTER"]
            tri = QPainterPath()
            tri.moveTo(x, top - 1)
            tri.lineTo(x - 6, top - _POINTER_H - 1)
            tri.lineTo(x + 6, top - _POINTER_H - 1)
            tri.closeSubpath()
            hollow = self.quality == Quality.UNCERTAIN
            p.setPen(QPen(colour if not hollow else c["POINTER"], 1.4))
            p.setBrush(c["PANEL"] if hollow else colour)
            p.drawPath(tri)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            p.setPen(QPen(colour, 2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
            p.drawLine(QPointF(round(x), top), QPointF(round(x), top + _TRACK_H))
        p.end()

    def mouseDoubleClickEvent(self, event) -> None:
        self.trend_requested.emit(self.tag.name)
        super().mouseDoubleClickEvent(event)
