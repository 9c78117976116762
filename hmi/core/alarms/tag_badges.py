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
            _pick(out, r.tag, TagBadge(text, r.priority, not r.acked, r.id, r.name))
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
            _pick(out, s.tag, TagBadge(text, priority, not s.acked, s.alarm, s.name or s.alarm))
    return out


def _level_from_name(name: str) -> str:
    """Journals written before snapshots carried the level: an implicit alarm's name ends with it."""
    for level, label in LEVEL_LABELS.items():
        if name.endswith(" " + label):
            return level
    return ""
