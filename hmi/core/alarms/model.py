"""Alarm vocabulary: priorities, ISA-18.2 states, definitions and the records screens show.

Everything here is plain, immutable Python so it can cross threads (the UI
receives records through a queue) and be written to the journal as JSON.
"""

from __future__ import annotations

import enum
import math
import operator
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from hmi.core.events import EventReader, JournalEvent
from hmi.core.tag_info import format_display


class Priority(enum.IntEnum):
    """ISA-18.2 style priorities; a lower number is more important.

    Config files may write the name (``"urgent"``, case-insensitive) or the
    number (1-4). Targets for the annunciated load: ~80 % low, ~15 % medium,
    ~5 % high, urgent well under 1 %.
    """

    URGENT = 1
    HIGH = 2
    MEDIUM = 3
    LOW = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()

    @classmethod
    def parse(cls, value: object) -> Priority:
        if isinstance(value, bool):
            raise ValueError(f"unknown priority {value!r}")
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return cls(value)
            except ValueError:
                pass
        elif isinstance(value, str):
            key = value.strip().upper()
            if key in cls.__members__:
                return cls[key]
            if key.isdigit() and int(key) in (1, 2, 3, 4):
                return cls(int(key))
        raise ValueError(f"unknown priority {value!r} (use urgent, high, medium, low or 1-4)")


class AlarmState(enum.StrEnum):
    """The ISA-18.2 / IEC 62682 states an alarm is shown in.

    Shelved, suppressed-by-design and out-of-service take precedence (in that
    order: out of service, shelved, suppressed) over the process states.
    """

    NORMAL = "normal"
    UNACKED = "unacknowledged"  # active, not acknowledged
    ACKED = "acknowledged"  # active, acknowledged
    RTN_UNACKED = "rtn_unacknowledged"  # returned to normal, not acknowledged
    LATCHED = "latched"  # latching alarm back to normal, waits for a reset
    SHELVED = "shelved"
    SUPPRESSED = "suppressed"  # suppressed by design (a configured condition)
    OUT_OF_SERVICE = "out_of_service"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    AlarmState.NORMAL: "Normal",
    AlarmState.UNACKED: "Unacknowledged",
    AlarmState.ACKED: "Acknowledged",
    AlarmState.RTN_UNACKED: "Returned to normal, unacknowledged",
    AlarmState.LATCHED: "Latched",
    AlarmState.SHELVED: "Shelved",
    AlarmState.SUPPRESSED: "Suppressed by design",
    AlarmState.OUT_OF_SERVICE: "Out of service",
}


class AlarmKind(enum.StrEnum):
    ANALOG = "analog"  # a limit on a measured value (HiHi/Hi/Lo/LoLo), with deadband
    DISCRETE = "discrete"  # a value compared with a state/number (filler.state == Faulted)
    ROC = "roc"  # rate of change, units per second over a window
    QUALITY = "quality"  # the tag's OPC UA status is Bad (communication/sensor loss)


# The kinds of alarm whose value is a measurement to quote (the others' value is a state: their name says it).
VALUE_KINDS = (AlarmKind.ANALOG, AlarmKind.ROC)


def headline_text(name: str, kind: str, value_text: str) -> str:
    """'Filler vibration Hi 5.21 mm/s': an alarm with the value it was raised with, as the banner shows
    it; an alarm whose value is a state (discrete, quality) by its name alone (its name says the state).

    The one wording of an alarm with its value: the definition's headline (banner, alarm records) and
    every answer that names an alarm read back from the journal (inference.assistant, with the value
    of `event_codec.raised_value` at the tag's display precision) go through it, so the assistant's
    first-out reads as the banner did (qa11 Q11-2). `kind`: an AlarmKind value ("" in older journals:
    the name alone, as nothing says the value is a measurement)."""
    if kind in VALUE_KINDS and value_text:
        return f"{name} {value_text}"
    return name


LEVELS = ("lolo", "lo", "hi", "hihi")
LEVEL_LABELS = {"hihi": "HiHi", "hi": "Hi", "lo": "Lo", "lolo": "LoLo"}

OPS: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


# A discrete alarm's comparison as a screen says it ("is Faulted", never "== Faulted").
OP_WORDS = {
    "==": "is",
    "!=": "is not",
    "<": "below",
    "<=": "at or below",
    ">": "above",
    ">=": "at or above",
}


@dataclass(frozen=True, slots=True)
class Condition:
    """``tag OP value``, e.g. ``filler.state != 2``: used for suppression by design."""

    tag: str
    op: str
    value: float
    text: str = ""

    def test(self, v: float) -> bool:
        return bool(OPS[self.op](v, self.value))

    def __str__(self) -> str:
        return self.text or f"{self.tag} {self.op} {self.value:g}"


MESSAGE_FIELDS = ("name", "tag", "value", "limit", "unit", "state", "machine", "level", "over")


def message_fields(template: str) -> list[str]:
    """Placeholder names in a message template (raises ValueError on a malformed one)."""
    return [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]


@dataclass(frozen=True, slots=True)
class AlarmDefinition:
    """One configured alarm (one limit, one state, one rate or one quality check).

    ``op``/``limit`` say when the alarm condition is true: analog ``value >=
    limit`` (high levels) or ``value <= limit`` (low levels), discrete ``value
    OP limit``; for a rate-of-change alarm ``limit`` is the rate in units per
    second, for a quality alarm it is 2 (Bad) or 1 (Uncertain or worse).
    """

    id: str
    name: str
    kind: AlarmKind
    tag: str
    priority: Priority
    op: str
    limit: float
    machine: str = ""
    message: str = ""
    level: str = ""  # analog: hihi/hi/lo/lolo
    deadband: float = 0.0
    on_delay_s: float = 0.0
    off_delay_s: float = 0.0
    latching: bool = False
    # Suppressed by design while any of these holds (a tripped machine's consequences).
    suppress_when: tuple[Condition, ...] = ()
    # Its suppression's on-delay and release hold (None: the line's [alarm_settings]).
    suppress_delay_s: float | None = None
    suppress_release_s: float | None = None
    window_s: float = 1.0  # roc
    direction: str = "both"  # roc: rise/fall/both
    unit: str = ""
    state_labels: dict[str, str] = field(default_factory=dict)  # enum tags: value -> label
    implicit: bool = False  # generated from a tag's [tags.alarms] limits
    advisory: bool = False  # model advisories: shown, never counted in the alarm KPIs
    decimals: int = 2  # the tag's display precision (hmi.core.tag_info.display_decimals)
    action: str = ""  # what the operator should do; appended to every message
    trip: bool = False  # this alarm means its machine tripped: it names the machine's first-out
    # What an analog value is counted over, said right after it ("15.0 % of the last 200 images"):
    # a rolling figure's window (ISA-18.2: every figure says what it counts; QA10 Q10-15).
    over: str = ""

    def number_text(self, v: float) -> str:
        """A value or limit of the alarm's tag at the tag's display precision (no unit)."""
        return format_display(float(v), "float", self.decimals)

    def describe_limit(self) -> str:
        if self.kind == AlarmKind.QUALITY:
            return "Bad quality" if self.limit >= 2 else "Uncertain or Bad quality"
        if self.kind == AlarmKind.ROC:
            arrow = {"rise": "rising", "fall": "falling", "both": "changing"}[self.direction]
            return f"{arrow} faster than {self.limit:g} {self.unit}/s over {self.window_s:g} s".replace(
                "  ", " "
            )
        if self.kind == AlarmKind.DISCRETE:
            # In words: "(== Faulted)" is code to a supervisor (qa7 G32).
            return f"{OP_WORDS.get(self.op, self.op)} {self.value_text(self.limit)}"
        return f"{self.op} {self.number_text(self.limit)} {self.unit}".rstrip()

    def value_text(self, v: float | None) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "?"
        if self.state_labels and float(v).is_integer():
            label = self.state_labels.get(str(int(v)))
            if label is not None:
                return label
        return f"{self.number_text(v)} {self.unit}".rstrip()

    def measured_text(self, v: float | None) -> str:
        """The value with what it is over: '15.0 % of the last 200 images' (value_text without a window)."""
        text = self.value_text(v)
        return f"{text} {self.over}" if self.over and text != "?" else text

    def with_action(self, text: str) -> str:
        return f"{text} — {self.action}" if self.action else text

    def headline(self, value: float | None) -> str:
        """'Filler vibration Hi 5.21 mm/s': what the banner shows; discrete alarms: the name."""
        known = value is not None and not math.isnan(value)
        return headline_text(self.name, self.kind, self.value_text(value) if known else "")

    def describe(self) -> str:
        """The alarm before it ever fired: its name, its limit and its action (no value)."""
        return self.with_action(f"{self.name} ({self.describe_limit()})")

    def format_message(self, value: float | None) -> str:
        """The message of an activation with the value that triggered it, rounded to the tag's
        display precision, its limit, and what to do. Made once, when the alarm activates.

        It leads with the alarm's name, the one name every list, transition and report uses: a
        configured template that does not start with it ("{name}" or the name itself) gets
        "name: " in front, so the raise never reads as a different alarm than its later states."""
        v = float("nan") if value is None else float(value)
        if not self.message:
            if self.kind == AlarmKind.QUALITY:
                return self.describe()
            return self.with_action(f"{self.name}: {self.measured_text(v)} ({self.describe_limit()})")
        fields = {
            "name": self.name,
            "tag": self.tag,
            "value": self.number_text(v) if not math.isnan(v) else "?",
            "limit": self.number_text(self.limit) if self.kind == AlarmKind.ANALOG else f"{self.limit:g}",
            "unit": self.unit,
            "state": self.value_text(v),
            "machine": self.machine,
            "level": LEVEL_LABELS.get(self.level, ""),
            "over": self.over,
        }
        try:
            text = self.message.format(**fields)
        except (KeyError, IndexError, ValueError):  # validated at load; never let a message break the engine
            text = self.message
        if not text.startswith(self.name):
            text = f"{self.name}: {text}"
        return self.with_action(text)


@dataclass(frozen=True, slots=True)
class AlarmProblem:
    """A definition refused at load; the others keep working."""

    alarm: str  # the alarm's id, or "alarms[3]" when it has none
    field: str
    message: str

    def __str__(self) -> str:
        return f"alarm {self.alarm!r}, field {self.field!r}: {self.message}"


@dataclass(frozen=True, slots=True)
class AlarmRecord:
    """What a screen shows for one alarm: an immutable snapshot, safe to pass between threads."""

    id: str
    name: str
    machine: str
    tag: str
    kind: AlarmKind
    priority: Priority
    state: AlarmState
    active: bool  # annunciated as active (False while shelved/suppressed/out of service)
    acked: bool
    in_alarm: bool  # the process condition right now (also tracked while shelved/suppressed)
    latched: bool
    shelved_until: float | None
    shelved_by: str
    shelve_reason: str
    suppressed: bool
    out_of_service: bool
    # First-out (per machine trip): the first alarm of the machine within the look-back before
    # the trip (or the trip alarm itself when nothing came before it).
    first_out: bool
    first_out_of: str  # the trip alarm and the alarms of its group: the id of their first-out
    value: float  # the tag's latest value (NaN when unknown or bad)
    limit: float
    activated_at: float | None
    cleared_at: float | None
    acked_at: float | None
    acked_by: str
    message: str  # made at the activation (trigger value, limit, action): later values never rewrite it
    trigger_value: float  # the value that activated the alarm (NaN before it ever did)
    count: int  # activations since the engine started (or since the journal it restored from)
    comment: str  # last operator comment (ack, shelve, out of service)
    changed_at: float
    # One line for the banner: the alarm's name and its trigger value (the message has the rest).
    headline: str = ""
    trip: bool = False  # the alarm means its machine tripped (AlarmDefinition.trip)
    level: str = ""  # analog: hihi/hi/lo/lolo (the badge a displayed value carries)
    state_since: float | None = None  # when it entered `state` (AlarmCondition.state_since)


class _StateTimes(Protocol):
    """An alarm record or a journaled snapshot: its state and when it entered it."""

    @property
    def state(self) -> str: ...  # AlarmState is a StrEnum

    @property
    def state_since(self) -> float | None: ...


def state_and_since(r: _StateTimes, fallback: float | None = None) -> tuple[AlarmState, float | None]:
    """The alarm's state and the time it entered that state: the one "since" of every screen (list
    details and tooltip, review alarm picture, reports, assistant). Never the activation time: an
    alarm acked at 20:11:01 read "Acked since 20:09:18" (qa7 G3). `fallback`: a journal row's own
    time, for snapshots of older journals that lack the field."""
    try:
        state = AlarmState(r.state)
    except ValueError:
        state = AlarmState.NORMAL
    return state, (r.state_since if r.state_since is not None else fallback)


# The operator's alarm list. Shelved, suppressed and out-of-service alarms have views of their own.
ACTIVE_STATES = frozenset({AlarmState.UNACKED, AlarmState.ACKED, AlarmState.RTN_UNACKED, AlarmState.LATCHED})


def needs_ack(r: AlarmRecord) -> bool:
    """Flashes and waits for an acknowledgement (active, returned-to-normal or latched)."""
    return not r.acked and r.state in ACTIVE_STATES


class PriorityCounts:
    """Totals over per-priority counts: one home for the engine's `AlarmSummary` and the screens'
    `alarm_list.AlarmCounts` (each says what its `active` and `unacked` count)."""

    __slots__ = ()
    active: dict[Priority, int]
    unacked: dict[Priority, int]

    @property
    def total_active(self) -> int:
        return sum(self.active.values())

    @property
    def total_unacked(self) -> int:
        return sum(self.unacked.values())


@dataclass(frozen=True, slots=True)
class AlarmSummary(PriorityCounts):
    """Counts for the alarm banner. Per priority: annunciated active alarms, and those unacknowledged."""

    active: dict[Priority, int]
    unacked: dict[Priority, int]
    rtn_unacked: int
    latched: int
    shelved: int
    suppressed: int
    out_of_service: int

    @property
    def highest_unacked(self) -> Priority | None:
        pending = [p for p, n in self.unacked.items() if n]
        return min(pending) if pending else None


class AlarmJournal(EventReader, Protocol):
    """What the alarm engine needs from the journal (hmi.core.journal.Journal has it)."""

    def write_event(self, ev: JournalEvent) -> int: ...
