"""The shift calendar of the whole app: shifts, their time zone and the planned breaks.

Production figures (planned busy time, per-shift OEE), the shift report and
the assistant's "this shift" all read this one calendar, so a shift starts at
the same instant everywhere. Configured in the line TOML under ``[shifts]``
(see docs/production.md); without it: early 06-14, late 14-22, night 22-06 in
the PC's time zone, no breaks.

Shifts are a wall-clock notion: the night shift starts at 22:00 local time
whatever the UTC offset, and day arithmetic goes through calendar dates, so a
night shift across a DST change is 7 or 9 hours long.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Shift:
    name: str
    start: _dt.time
    end: _dt.time  # end <= start: the shift crosses midnight (a night shift)

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


def _hhmm(text: str, what: str) -> _dt.time:
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", str(text))
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(f"{what}: expected a clock time like '06:00', got {text!r}")
    return _dt.time(int(m.group(1)), int(m.group(2)))


DEFAULT_SHIFTS = (
    Shift("early", _dt.time(6), _dt.time(14)),
    Shift("late", _dt.time(14), _dt.time(22)),
    Shift("night", _dt.time(22), _dt.time(6)),
)

# Words people use for the shifts of a three-shift pattern.
_SHIFT_ALIASES = {
    "early": ("early", "morning", "day", "first", "a"),
    "late": ("late", "afternoon", "evening", "second", "swing", "b"),
    "night": ("night", "third", "graveyard", "c"),
}


@dataclass(frozen=True, slots=True)
class PlannedBreak:
    """A break planned every day at the same clock times (e.g. lunch 11:30-12:00).

    With `shift` set it belongs to that shift only (a break can sit in any shift,
    but a pattern that has one shift without a lunch break can say so)."""

    name: str
    start: _dt.time
    end: _dt.time  # end <= start: the break crosses midnight
    shift: str = ""

    def _minutes(self) -> set[int]:
        a = self.start.hour * 60 + self.start.minute
        b = self.end.hour * 60 + self.end.minute
        span = (b - a) % (24 * 60) or 24 * 60
        return {(a + k) % (24 * 60) for k in range(span)}

    def overlaps(self, other: PlannedBreak) -> bool:
        if self.shift and other.shift and self.shift != other.shift:
            return False
        return bool(self._minutes() & other._minutes())

    def describe(self) -> str:
        where = f" ({self.shift} shift)" if self.shift else ""
        return f"{self.name!r} {self.start:%H:%M}-{self.end:%H:%M}{where}"


def _as_mapping(e: Any) -> Mapping[str, Any]:
    if isinstance(e, Mapping):
        return e
    return e.model_dump() if hasattr(e, "model_dump") else vars(e)


@dataclass(frozen=True, slots=True)
class ShiftCalendar:
    """The shifts of a day. Must cover 24 h without overlap (checked)."""

    shifts: tuple[Shift, ...] = DEFAULT_SHIFTS
    tz: _dt.tzinfo | None = None  # None: the PC's local time zone
    breaks: tuple[PlannedBreak, ...] = ()

    def __post_init__(self) -> None:
        if not self.shifts:
            raise ValueError("shifts: at least one shift is needed")
        minutes = [0] * (24 * 60)
        for s in self.shifts:
            a = s.start.hour * 60 + s.start.minute
            b = s.end.hour * 60 + s.end.minute
            span = (b - a) % (24 * 60) or 24 * 60
            for k in range(span):
                minutes[(a + k) % (24 * 60)] += 1
        if any(m != 1 for m in minutes):
            gaps = sum(1 for m in minutes if m == 0)
            raise ValueError(
                f"shifts must cover the day exactly once ({gaps} minutes uncovered, "
                f"{sum(1 for m in minutes if m > 1)} minutes covered twice)"
            )
        for brk in self.breaks:
            if brk.shift and self.shift_named(brk.shift) is None:
                raise ValueError(
                    f"break {brk.name!r}: shift {brk.shift!r} is not one of the calendar's shifts"
                )
        # Two breaks on the same minute would count that minute twice as planned time.
        for i, b1 in enumerate(self.breaks):
            for b2 in self.breaks[i + 1 :]:
                if b1.overlaps(b2):
                    raise ValueError(
                        f"planned breaks overlap: {b1.describe()} and {b2.describe()}; merge them or move one"
                    )

    @classmethod
    def default(cls, tz: _dt.tzinfo | None = None) -> ShiftCalendar:
        return cls(DEFAULT_SHIFTS, tz)

    @classmethod
    def from_mapping(
        cls,
        raw: Iterable[Mapping[str, Any]] | None,
        tz: _dt.tzinfo | None = None,
        breaks: Iterable[Mapping[str, Any]] = (),
    ) -> ShiftCalendar:
        """From config entries `{name, start = "06:00", end = "14:00"}`; None or empty: the default.

        `breaks`: `{name, start, end, shift = ""}` planned every day (in `shift` only, when named)."""
        planned = tuple(
            PlannedBreak(
                str(e.get("name", "") or f"break {i + 1}"),
                _hhmm(e.get("start", ""), f"breaks[{i}].start"),
                _hhmm(e.get("end", ""), f"breaks[{i}].end"),
                str(e.get("shift", "") or ""),
            )
            for i, e in enumerate(breaks)
        )
        entries = list(raw or [])
        if not entries:
            return cls(DEFAULT_SHIFTS, tz, planned)
        shifts = []
        for i, e in enumerate(entries):
            name = str(e.get("name", "")).strip()
            if not name:
                raise ValueError(f"shifts[{i}]: 'name' is required")
            shifts.append(
                Shift(
                    name,
                    _hhmm(e.get("start", ""), f"shifts[{i}].start"),
                    _hhmm(e.get("end", ""), f"shifts[{i}].end"),
                )
            )
        return cls(tuple(shifts), tz, planned)

    @classmethod
    def from_config(cls, config: object) -> ShiftCalendar:
        """The calendar of a line config: its ``[shifts]`` table (`pattern`, `timezone`, `breaks`,
        hmi.core.config.ShiftsConfig). Also accepts `config.shifts` as a plain list of
        {name,start,end} with `config.shifts_timezone`; without either, the default pattern."""
        raw = getattr(config, "shifts", None)
        tzname = getattr(config, "shifts_timezone", "") or ""
        breaks: list[Any] = []
        if raw is not None and hasattr(raw, "pattern"):
            tzname = getattr(raw, "timezone", "") or tzname
            breaks = list(getattr(raw, "breaks", []) or [])
            raw = raw.pattern
        tz: _dt.tzinfo | None = None
        if tzname:
            from zoneinfo import ZoneInfo

            tz = ZoneInfo(tzname)
        entries = [_as_mapping(e) for e in raw] if raw is not None else []
        return cls.from_mapping(entries, tz, [_as_mapping(b) for b in breaks])

    # --- conversions -------------------------------------------------------------------------------
    def to_local(self, ts: float) -> _dt.datetime:
        if self.tz is None:
            return _dt.datetime.fromtimestamp(ts).astimezone()
        return _dt.datetime.fromtimestamp(ts, self.tz)

    def ts(self, day: _dt.date, t: _dt.time) -> float:
        naive = _dt.datetime.combine(day, t)
        if self.tz is None:
            return naive.timestamp()  # local time, DST resolved by the OS
        return naive.replace(tzinfo=self.tz).timestamp()

    def shift_named(self, word: str) -> Shift | None:
        w = word.lower().strip()
        for s in self.shifts:
            if s.name.lower() == w:
                return s
        for s in self.shifts:
            if w in _SHIFT_ALIASES.get(s.name.lower(), ()):
                return s
        return None

    def bounds(self, shift: Shift, day: _dt.date) -> tuple[float, float]:
        """Start and end (POSIX) of `shift` starting on local date `day`."""
        end_day = day + _dt.timedelta(days=1) if shift.crosses_midnight else day
        return self.ts(day, shift.start), self.ts(end_day, shift.end)

    def shift_at(self, ts: float) -> tuple[Shift, float, float]:
        """The shift running at `ts` and its bounds."""
        local = self.to_local(ts)
        for day in (local.date(), local.date() - _dt.timedelta(days=1)):
            for s in self.shifts:
                a, b = self.bounds(s, day)
                if a <= ts < b:
                    return s, a, b
        raise AssertionError("the calendar covers the day")  # pragma: no cover - checked in __post_init__

    def breaks_between(self, t0: float, t1: float) -> list[tuple[float, float, str]]:
        """Planned breaks overlapping [t0, t1), clipped to it, in time order: (start, end, name)."""
        if not self.breaks or t1 <= t0:
            return []
        out: list[tuple[float, float, str]] = []
        day = self.to_local(t0).date() - _dt.timedelta(days=1)
        last = self.to_local(t1).date()
        while day <= last:
            for b in self.breaks:
                end_day = day + _dt.timedelta(days=1) if b.end <= b.start else day
                a, e = self.ts(day, b.start), self.ts(end_day, b.end)
                if b.shift:
                    s = self.shift_named(b.shift)
                    if s is None or self.shift_at(a)[0] != s:
                        continue
                lo, hi = max(a, t0), min(e, t1)
                if lo < hi:
                    out.append((lo, hi, b.name))
            day += _dt.timedelta(days=1)
        return sorted(out)

    def previous_shift(self, ts: float) -> tuple[Shift, float, float]:
        _s, a, _b = self.shift_at(ts)
        return self.shift_at(a - 1.0)

    def latest_shift_named(
        self, shift: Shift, now: float, day: _dt.date | None = None
    ) -> tuple[float, float]:
        """The named shift on `day` (by its start date), or the latest one that has started by `now`."""
        if day is not None:
            return self.bounds(shift, day)
        d = self.to_local(now).date()
        for k in range(3):
            a, b = self.bounds(shift, d - _dt.timedelta(days=k))
            if a <= now:
                return a, b
        return self.bounds(shift, d - _dt.timedelta(days=1))  # pragma: no cover
