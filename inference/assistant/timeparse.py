"""Time expressions in questions, resolved against the line's shift calendar.

"last hour", "past 20 minutes", "this shift", "previous shift", "today",
"yesterday", "yesterday night shift", "last night", "the early shift",
"at 10:42", "around 10:42:15", "yesterday at 22:10", "between 10:00 and 10:30",
"since 09:15", "2026-03-29 10:42".

Everything is computed in one time zone (the calendar's, by default the PC's
local zone) because shifts are a wall-clock notion: the night shift starts at
22:00 local time whatever the UTC offset. Day arithmetic goes through calendar
dates, never "+24 h", so 23- and 25-hour days are fine.

A clock time with no date ("at 10:42") means its latest occurrence at or
before `now`: asked at 09:00, "at 10:42" is yesterday's 10:42.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

# The shift calendar is the whole app's (production figures, reports, the assistant): one home.
from hmi.core.shift_calendar import DEFAULT_SHIFTS, Shift, ShiftCalendar  # noqa: F401  (re-exported)

# --- parsing ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimeSpec:
    """A resolved time expression. `start`/`end` are POSIX seconds, [start, end).

    `point` is set for a moment ("at 10:42"); then start/end is a window around it.
    `label` says in words what was understood ("the early shift, 06:00-14:00 on 2026-03-29").
    `text` is the part of the question that was read as time.
    """

    start: float
    end: float
    label: str
    text: str = ""
    point: float | None = None
    kind: str = "range"  # "range" | "point" | "shift" | "after" | "before" (shortly after/before `point`)


_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty-five": 45,
    "half an": 0.5,
    "a half": 0.5,
}
_UNIT_S = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "shift": -1,
    "shifts": -1,
}

_NUM = (
    r"(\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty"
    r"|forty-five|half an)"
)
_UNIT = r"(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|shifts?|[smhd])"
_CLOCK = (
    r"(\d{1,2})(?::(\d{2}))(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?"
    r"|(\d{1,2})\s*(am|pm|a\.m\.|p\.m\.)|(\d{1,2})h(\d{2})?"
)
_DATE = r"(\d{4}-\d{2}-\d{2})"
_DAYWORD = r"(today|yesterday|the day before yesterday)"

_RE_LAST_N = re.compile(
    rf"\b(?:in\s+|over\s+|during\s+|for\s+)?(?:the\s+)?(?:last|past|previous|recent)\s+(?:{_NUM}\s+)?{_UNIT}\b",
    re.I,
)
# "in the 5 minutes before 07:37:13", "the 30 s after 07:35:04", "the 2 min leading up to 10:42": a window
# of exactly that length on that side of the moment (never the 20 minutes around it).
_RE_SIDE_OF_CLOCK = re.compile(
    rf"\b(?:(?:in|during|within|over|for|across)\s+)?(?:the\s+)?(?:(?:first|last|final)\s+)?{_NUM}\s*"
    r"(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)\s+"
    r"(before|prior to|leading up to|up to|until|till|ahead of|after|following|since|from)\s+"
    rf"(?:{_DAYWORD}\s+)?(?:at\s+)?(?:{_CLOCK})",
    re.I,
)
_BEFORE_WORDS = ("before", "prior to", "leading up to", "up to", "until", "till", "ahead of")
_RE_SINCE_CLOCK = re.compile(rf"\bsince\s+(?:{_DAYWORD}\s+)?(?:at\s+)?(?:{_CLOCK})", re.I)
_RE_BETWEEN = re.compile(
    rf"\b(?:between|from)\s+(?:{_DAYWORD}\s+)?(?:{_CLOCK})\s+(?:and|to|until|till|-)\s+(?:{_CLOCK})", re.I
)
_RE_POINT = re.compile(
    rf"\b(?:(?:{_DAYWORD}|{_DATE})\s+)?(?:at|around|about|near|by|@)?\s*(?:{_CLOCK})(?:\s+(?:{_DAYWORD}))?",
    re.I,
)
_RE_SHIFT = re.compile(
    r"\b(?:(today'?s?|yesterday'?s?|this|current|the|last|previous|prior)\s+)?"
    r"(?:(today'?s?|yesterday'?s?)\s+)?"
    r"(early|morning|day|late|afternoon|evening|night|swing|graveyard|first|second|third)\s+shift\b",
    re.I,
)
_RE_THIS_SHIFT = re.compile(
    r"\b(this|current|present|my|our)\s+shift\b|\bsince\s+(?:the\s+)?shift\s+(?:start|began|started)\b", re.I
)
_RE_PREV_SHIFT = re.compile(r"\b(last|previous|prior|past)\s+shift\b", re.I)
_RE_LAST_NIGHT = re.compile(r"\b(last|yesterday)\s+night\b|\bovernight\b|\btonight\b", re.I)
_RE_DAY = re.compile(r"\b(today|yesterday|the day before yesterday|since midnight)\b", re.I)
_RE_ISO = re.compile(r"\b(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\b")


_HOUR_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "twelve",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
        ]
    )
}
_HOUR_WORDS["twelve"] = 12
_HW = r"(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,2})"
_RE_SPOKEN = re.compile(
    rf"\b(?:(half|quarter)\s+(past|to|after)\s+{_HW}|half\s+{_HW}|{_HW}\s+o'?\s*clock)\b", re.I
)
_RE_NEAR = re.compile(
    r"\b(shortly|just|right|soon|a little|a bit|directly|immediately)\s+(after|before)\s*$", re.I
)
_RE_WEEK = re.compile(r"\b(last|previous|this)\s+(week|month)\b", re.I)


def fmt_num_unit(n: float, unit: str) -> str:
    """5.0, "minutes" -> "5 minutes"; 1.0, "min" -> "1 min"."""
    return f"{n:g} {unit}"


def _hour(word: str) -> int:
    return int(word) if word.isdigit() else _HOUR_WORDS[word.lower()]


def spoken_clock(text: str) -> tuple[int, int, re.Match[str]] | None:
    """ "half six" -> (6, 30), "quarter to eight" -> (7, 45), "seven o'clock" -> (7, 0) (12-hour)."""
    m = _RE_SPOKEN.search(text)
    if not m:
        return None
    frac, rel, h1, h2, h3 = m.groups()
    if h3 is not None:
        return _hour(h3) % 12, 0, m
    if h2 is not None:  # British "half six" = 6:30
        return _hour(h2) % 12, 30, m
    assert h1 is not None and frac is not None and rel is not None
    h = _hour(h1) % 12
    mins = 30 if frac.lower() == "half" else 15
    if rel.lower() == "to":
        return (h - 1) % 12, 60 - mins, m
    return h, mins, m


def _clock_from_groups(g: tuple[str | None, ...]) -> _dt.time | None:
    """Groups of one _CLOCK occurrence -> time of day."""
    hh, mm, ss, ampm, h2, ampm2, h3, m3 = g
    if hh is not None:
        h, m, s = int(hh), int(mm or 0), int(ss or 0)
        ap = ampm
    elif h2 is not None:
        h, m, s, ap = int(h2), 0, 0, ampm2
    elif h3 is not None:
        h, m, s, ap = int(h3), int(m3 or 0), 0, None
    else:
        return None
    if ap:
        ap = ap.replace(".", "").lower()
        if not 1 <= h <= 12:
            return None
        if ap == "pm" and h != 12:
            h += 12
        if ap == "am" and h == 12:
            h = 0
    if h > 23 or m > 59 or s > 59:
        return None
    return _dt.time(h, m, s)


def _fmt_clock(t: _dt.time) -> str:
    return t.strftime("%H:%M:%S") if t.second else t.strftime("%H:%M")


def _day_offset(word: str | None) -> int | None:
    if not word:
        return None
    w = word.lower().rstrip("'s").strip()
    if w.startswith("today"):
        return 0
    if w == "the day before yesterday":
        return 2
    if w.startswith("yesterday"):
        return 1
    return None


class TimeParser:
    """Resolves the first time expression in a question. Stateless apart from the calendar."""

    def __init__(self, calendar: ShiftCalendar | None = None, point_window_s: float = 600.0) -> None:
        self.calendar = calendar or ShiftCalendar.default()
        self.point_window_s = point_window_s

    def fmt(self, ts: float, with_date: bool = False) -> str:
        d = self.calendar.to_local(ts)
        return d.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")

    def _range_label(self, a: float, b: float) -> str:
        da, db = self.calendar.to_local(a), self.calendar.to_local(b)
        if da.date() == db.date():
            return f"{da:%Y-%m-%d} {da:%H:%M:%S}-{db:%H:%M:%S}"
        return f"{da:%Y-%m-%d %H:%M:%S} to {db:%Y-%m-%d %H:%M:%S}"

    def parse(self, text: str, now: float) -> TimeSpec | None:
        cal = self.calendar
        today = cal.to_local(now).date()

        # ISO date and time: "2026-03-29 10:42"
        m = _RE_ISO.search(text)
        if m:
            day = _dt.date.fromisoformat(m.group(1))
            t = _dt.time(int(m.group(2)), int(m.group(3)), int(m.group(4) or 0))
            p = cal.ts(day, t)
            return self._point(p, m.group(0), f"{day.isoformat()} {_fmt_clock(t)}")

        m = _RE_SIDE_OF_CLOCK.search(text)
        if m:
            g = m.groups()
            t_c = _clock_from_groups(g[4:12])
            if t_c is not None:
                num, unit, side = g[0], g[1].lower(), " ".join(g[2].lower().split())
                n = float(num) if num[0].isdigit() else float(_NUMBER_WORDS.get(num.lower(), 1))
                secs = n * _UNIT_S[unit]
                p = self._latest_clock(t_c, now, _day_offset(g[3]))
                a, b = (p - secs, p) if side in _BEFORE_WORDS else (p, p + secs)
                rel = "before" if side in _BEFORE_WORDS else "after"
                return TimeSpec(
                    a,
                    b,
                    f"the {fmt_num_unit(n, unit)} {rel} {self.fmt(p)} ({self._range_label(a, b)})",
                    m.group(0).strip(),
                )

        m = _RE_BETWEEN.search(text)
        if m:
            g = m.groups()
            off = _day_offset(g[0]) or 0
            t1, t2 = _clock_from_groups(g[1:9]), _clock_from_groups(g[9:17])
            if t1 is not None and t2 is not None:
                day = today - _dt.timedelta(days=off)
                a, b = cal.ts(day, t1), cal.ts(day, t2)
                if b <= a:
                    b = cal.ts(day + _dt.timedelta(days=1), t2)
                if off == 0 and a > now:  # "between 22:00 and 23:00" asked at 08:00: yesterday's
                    day -= _dt.timedelta(days=1)
                    a, b = cal.ts(day, t1), cal.ts(day, t2)
                    if b <= a:
                        b = cal.ts(day + _dt.timedelta(days=1), t2)
                return TimeSpec(a, b, self._range_label(a, b), m.group(0).strip())

        m = _RE_SINCE_CLOCK.search(text)
        if m:
            g = m.groups()
            off_s = _day_offset(g[0])
            t_s = _clock_from_groups(g[1:9])
            if t_s is not None:
                a = self._latest_clock(t_s, now, off_s)
                return TimeSpec(a, now, f"since {self.fmt(a, True)}", m.group(0).strip())

        m = _RE_LAST_N.search(text)
        if m:
            num, unit = m.group(1), m.group(2).lower()
            n = (
                1.0
                if num is None
                else (float(num) if num[0].isdigit() else float(_NUMBER_WORDS.get(num.lower(), 1)))
            )
            if _UNIT_S.get(unit) == -1:  # "last shift" / "last 2 shifts"
                if n <= 1:
                    return self._previous_shift(now, m.group(0).strip())
                _s, a, _b = cal.shift_at(now)
                for _ in range(int(n)):
                    _s, a, _b = cal.shift_at(a - 1.0)
                return TimeSpec(
                    a,
                    now,
                    f"the last {int(n)} shifts ({self._range_label(a, now)})",
                    m.group(0).strip(),
                    kind="shift",
                )
            secs = n * _UNIT_S[unit]
            a = now - secs
            what = f"{num + ' ' if num else ''}{unit}".strip()
            return TimeSpec(a, now, f"the last {what} ({self._range_label(a, now)})", m.group(0).strip())

        m = _RE_LAST_NIGHT.search(text)
        if m and not _RE_SHIFT.search(text):
            night = cal.shift_named("night")
            if night is not None:
                if m.group(0).lower() == "tonight":
                    a, b = cal.latest_shift_named(night, now)
                else:
                    # the night shift that began yesterday evening
                    a, b = cal.bounds(night, today - _dt.timedelta(days=1))
                    if a > now:
                        a, b = cal.bounds(night, today - _dt.timedelta(days=2))
                return TimeSpec(
                    a,
                    min(b, now) if a <= now else b,
                    f"the night shift {self._range_label(a, b)}",
                    m.group(0),
                    kind="shift",
                )

        m = _RE_SHIFT.search(text)
        if m:
            pre, pre2, word = m.group(1), m.group(2), m.group(3)
            shift = cal.shift_named(word)
            if shift is not None:
                soff = _day_offset(pre2) if pre2 else _day_offset(pre)
                if soff is None and pre and pre.lower() in ("last", "previous", "prior"):
                    a, b = cal.latest_shift_named(shift, now)
                    if b > now:  # "last early shift" while it runs: the one before
                        a, b = cal.latest_shift_named(shift, a - 1.0)
                elif soff is None:
                    a, b = cal.latest_shift_named(shift, now)
                else:
                    a, b = cal.bounds(shift, today - _dt.timedelta(days=soff))
                return TimeSpec(
                    a,
                    min(b, now) if a <= now < b else b,
                    f"the {shift.name} shift ({self._range_label(a, b)})",
                    m.group(0),
                    kind="shift",
                )

        m = _RE_THIS_SHIFT.search(text)
        if m:
            s, a, _b = cal.shift_at(now)
            return TimeSpec(a, now, f"this shift ({s.name}, since {self.fmt(a)})", m.group(0), kind="shift")

        m = _RE_PREV_SHIFT.search(text)
        if m:
            return self._previous_shift(now, m.group(0))

        m = _RE_WEEK.search(text)
        if m:
            which, unit = m.group(1).lower(), m.group(2).lower()
            if unit == "week":
                monday = today - _dt.timedelta(days=today.weekday())
                first = monday if which == "this" else monday - _dt.timedelta(days=7)
                last = first + _dt.timedelta(days=7)
            else:
                first = today.replace(day=1)
                if which != "this":
                    first = (first - _dt.timedelta(days=1)).replace(day=1)
                last = (first + _dt.timedelta(days=32)).replace(day=1)
            a = cal.ts(first, _dt.time(0))
            b = min(cal.ts(last, _dt.time(0)), now)
            return TimeSpec(a, b, f"{which} {unit} ({self._range_label(a, b)})", m.group(0))

        sp = spoken_clock(text)
        if sp is not None:
            h12, mins, m = sp
            # The latest of the two readings (morning or evening) at or before now.
            cands = [self._latest_clock(_dt.time(h, mins), now, None) for h in (h12, h12 + 12)]
            p = max(c for c in cands)
            return self._near(text, m.start(), m.end(), p)

        m = _RE_POINT.search(text)
        while m:
            g = m.groups()
            poff = _day_offset(g[0]) if g[0] else _day_offset(g[10])
            pt = _clock_from_groups(g[2:10])
            raw = m.group(0).strip()
            plausible = pt is not None and (":" in raw or re.search(r"am|pm|\d+h", raw, re.I))
            if plausible and pt is not None:
                p = cal.ts(_dt.date.fromisoformat(g[1]), pt) if g[1] else self._latest_clock(pt, now, poff)
                return self._near(text, m.start(), m.end(), p)
            m = _RE_POINT.search(text, m.end())

        m = _RE_DAY.search(text)
        if m:
            w = m.group(1).lower()
            if w == "since midnight" or w == "today":
                a = cal.ts(today, _dt.time(0))
                return TimeSpec(a, now, f"today (since 00:00, {today.isoformat()})", m.group(0))
            off = 2 if w.startswith("the day before") else 1
            day = today - _dt.timedelta(days=off)
            a, b = cal.ts(day, _dt.time(0)), cal.ts(day + _dt.timedelta(days=1), _dt.time(0))
            return TimeSpec(a, b, f"{w} ({day.isoformat()})", m.group(0))
        return None

    # --- helpers ------------------------------------------------------------------------------
    def _near(self, text: str, at: int, end: int, p: float) -> TimeSpec:
        """A moment, or "shortly after/before" it: the quarter of an hour on that side."""
        raw = text[at:end].strip()
        n = _RE_NEAR.search(text[:at].rstrip())
        if n is None:
            return self._point(p, raw, self.fmt(p, with_date=True))
        side = n.group(2).lower()
        span = 900.0
        a, b = (p, p + span) if side == "after" else (p - span, p)
        return TimeSpec(
            a,
            b,
            f"{side} {self.fmt(p)} ({self._range_label(a, b)})",
            text[n.start() : end],
            point=p,
            kind=side,
        )

    def _point(self, p: float, raw: str, label: str) -> TimeSpec:
        w = self.point_window_s
        return TimeSpec(p - w, p + w, f"around {label}", raw, point=p, kind="point")

    def _latest_clock(self, t: _dt.time, now: float, day_offset: int | None) -> float:
        today = self.calendar.to_local(now).date()
        if day_offset is not None:
            return self.calendar.ts(today - _dt.timedelta(days=day_offset), t)
        p = self.calendar.ts(today, t)
        if p > now + 60.0:  # a minute of slack: "at 10:42" asked at 10:41:30 is today's
            p = self.calendar.ts(today - _dt.timedelta(days=1), t)
        return p

    def _previous_shift(self, now: float, raw: str) -> TimeSpec:
        s, a, b = self.calendar.previous_shift(now)
        return TimeSpec(a, b, f"the previous shift ({s.name}, {self._range_label(a, b)})", raw, kind="shift")
