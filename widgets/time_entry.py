"""A local date and time a finger can set: the day picked from a list, the time typed on a pad.

A QDateTimeEdit takes typed text or steps by its arrows (a mouse's size), and its calendar's day
cells were 19x35 px at 1280x800: the trend's Range... could not be set at a line-side PC without a
keyboard (qa10 Q10-24). Here the day is a combo box of whole days (Today, Yesterday, then dates),
picked by taps, and the time an HH:MM:SS field whose mask the number pad's digits fill in order
(widgets.number_pad: "C" clears it, the digits go where the cursor is). Local time is the PC's, as
the trend's axis shows it.
"""

from __future__ import annotations

import datetime as _dt
import time

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

TIME_MASK = "99:99:99"


def day_label(day: _dt.date, today: _dt.date) -> str:
    """'Today 07 Dec', 'Yesterday 06 Dec', 'Sat 05 Dec 2026' (a year only further back: it is long)."""
    back = (today - day).days
    if back == 0:
        return f"Today {day:%d %b}"
    if back == 1:
        return f"Yesterday {day:%d %b}"
    return f"{day:%a %d %b %Y}"


class TimeEntry(QWidget):
    """One instant: `day` (a combo box of the days from `latest`'s back to `earliest`'s, and the
    instant's own day) and `time` (HH:MM:SS). `value()` is the instant in POSIX seconds, None while
    the time is not whole. `now` names Today and Yesterday (default: the wall clock)."""

    def __init__(
        self,
        t: float,
        *,
        earliest: float,
        latest: float,
        now: float | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.day = QComboBox()
        self.day.setObjectName("timeEntryDay")
        self.time = QLineEdit()
        self.time.setObjectName("timeEntryTime")
        self.time.setInputMask(TIME_MASK)
        self.time.setToolTip("Hours, minutes, seconds: type the digits, C clears")
        lay.addWidget(self.day, 3)
        lay.addWidget(self.time, 2)
        self._today = _dt.datetime.fromtimestamp(time.time() if now is None else now).date()
        self._first = _dt.datetime.fromtimestamp(min(earliest, latest)).date()
        self._last = _dt.datetime.fromtimestamp(max(earliest, latest)).date()
        self.set_value(t)

    def set_value(self, t: float) -> None:
        local = _dt.datetime.fromtimestamp(t)
        n = (self._last - self._first).days + 1
        wanted = sorted(
            {*(self._first + _dt.timedelta(days=i) for i in range(n)), local.date()}, reverse=True
        )
        if [self.day.itemData(i) for i in range(self.day.count())] != [d.toordinal() for d in wanted]:
            self.day.clear()
            for d in wanted:
                self.day.addItem(day_label(d, self._today), d.toordinal())
        self.day.setCurrentIndex(self.day.findData(local.date().toordinal()))
        self.time.setText(f"{local:%H:%M:%S}")

    def problem(self) -> str:
        """Why the time cannot be read ("" when it can)."""
        parts = self.time.text().split(":")
        if not self.time.hasAcceptableInput() or len(parts) != 3:
            return f"{self.time.text()!r} is not a whole time: expected HH:MM:SS, e.g. 06:30:00"
        h, m, s = (int(p) for p in parts)
        if h > 23 or m > 59 or s > 59:
            return f"{self.time.text()!r} is not a time of day: hours 00-23, minutes and seconds 00-59"
        return ""

    def value(self) -> float | None:
        if self.problem():
            return None
        h, m, s = (int(p) for p in self.time.text().split(":"))
        day = _dt.date.fromordinal(int(self.day.currentData()))
        return _dt.datetime.combine(day, _dt.time(h, m, s)).timestamp()
