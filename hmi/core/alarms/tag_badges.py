"""The alarm badge a displayed value carries: derived from the alarm model, never from the value.

A faceplate, the tag table or a review marks a value "HH"/"H"/"L"/"LL" in the colour of the
alarm's priority only while that alarm is annunciated active in the alarm engine (its on-delay,
deadband, suppression, shelving and out of service applied). qa3 saw a badge computed from the raw
value against the tag's limits: an orange "H" (the High colour) on a Low vibration alarm and on a
Medium glue alarm, an "H" on a motor current with no alarm in the list, and "HH" 3 s before the
HiHi alarm existed (its on-delay). One source: the alarm states.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hmi.core.alarms.event_codec import AlarmSnapshot
from hmi.core.alarms.model import LEVEL_LABELS, AlarmKind, AlarmRecord, AlarmState, Priority
from hmi.core.tag_info import LEVEL_BADGES

# Badge text per alarm level; a rate-of-change alarm is "R"; any other alarm on the tag "!".
BADGE_TEXT = LEVEL_BADGES
_LEVEL_RANK = {"HH": 0, "LL": 0, "H": 1, "L": 1, "R": 2, "!": 3}
_SHOWN = (AlarmState.UNACKED, AlarmState.ACKED)


@dataclass(frozen=True, slots=True)
class TagBadge:
    """The most important alarm standing on one tag."""

    text: str  # "HH", "H", "L", "LL", "R" (rate of change), "!" (other)
    priority: Priority
    unacked: bool
    alarm: str  # the alarm's id
    name: str  # the alarm's name (a tooltip says which alarm the badge is)
    limit: float | None = None  # the alarm's limit (None: not known, e.g. older journals)


@dataclass(frozen=True, slots=True)
class BadgeView:
    """What is drawn beside a value for its tag's standing alarm (`badge_view`)."""

    text: str  # "HH" when the value is in the HiHi zone; "HH unack" / "HH active" when it is not
    in_zone: bool  # filled in the priority colour only then; else outlined: the alarm's state


HIGH_LEVELS, LOW_LEVELS = ("HH", "H"), ("LL", "L")


def value_in_zone(level: str, limit: float | None, value: float) -> bool:
    """The value is at or beyond the alarm's limit on the alarm's side (HH/H: at or above, LL/L: at
    or below). False when the value or the limit is not known."""
    if limit is None or value != value or limit != limit:
        return False
    if level in HIGH_LEVELS:
        return value >= limit
    if level in LOW_LEVELS:
        return value <= limit
    return False


def badge_view(badge: TagBadge | None, value: float) -> BadgeView | None:
    """The one rule for a badge beside a value: a bare "HH" says the value is in the HiHi zone now;
    an alarm still standing with the value out of its zone (off-delay, deadband, latched, the value
    fell after a trip) says it is the alarm's state, "HH unack" or "HH active", drawn outlined. qa6 N3:
    "HH" beside 1.75 mm/s after the trip read as if 1.75 mm/s were HiHi. A rate-of-change ("R") or
    other ("!") alarm names no zone of the value: shown as it is."""
    if badge is None:
        return None
    if badge.text not in HIGH_LEVELS + LOW_LEVELS or value_in_zone(badge.text, badge.limit, value):
        return BadgeView(badge.text, True)
    return BadgeView(f"{badge.text} {'unack' if badge.unacked else 'active'}", False)


def badge_text(kind: str, level: str) -> str | None:
    """The badge of an alarm of this kind and level; None for a quality alarm (a bad value is
    drawn as bad already)."""
    if kind == AlarmKind.QUALITY:
        return None
    if kind == AlarmKind.ROC:
        return "R"
    return BADGE_TEXT.get(level, "!")


def _pick(out: dict[str, TagBadge], tag: str, badge: TagBadge) -> None:
    old = out.get(tag)
    key = (int(badge.priority), _LEVEL_RANK[badge.text], badge.alarm)
    if old is None or key < (int(old.priority), _LEVEL_RANK[old.text], old.alarm):
        out[tag] = badge


def badges_from_records(records: Iterable[AlarmRecord]) -> dict[str, TagBadge]:
    """tag -> badge of its most important annunciated active alarm (live: the alarm store)."""
    out: dict[str, TagBadge] = {}
    for r in records:
        if r.state not in _SHOWN:
            continue
        text = badge_text(r.kind, r.level)
        if text is not None:
            limit = r.limit if r.limit == r.limit else None
            _pick(out, r.tag, TagBadge(text, r.priority, not r.acked, r.id, r.name, limit))
    return out


def badges_from_snapshots(rows: Iterable[tuple[AlarmSnapshot, AlarmState]]) -> dict[str, TagBadge]:
    """The same from journaled snapshots with their state (review: the alarm picture at an instant)."""
    out: dict[str, TagBadge] = {}
    for s, state in rows:
        if state not in _SHOWN or s.is_advisory:
            continue
        try:
            priority = Priority(s.priority_level)
        except ValueError:
            continue
        level = s.level or _level_from_name(s.name)
        text = badge_text(s.kind, level)
        if text is not None:
            _pick(out, s.tag, TagBadge(text, priority, not s.acked, s.alarm, s.name or s.alarm, s.limit))
    return out


def _level_from_name(name: str) -> str:
    """Journals written before snapshots carried the level: an implicit alarm's name ends with it."""
    for level, label in LEVEL_LABELS.items():
        if name.endswith(" " + label):
            return level
    return ""
