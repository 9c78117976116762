"""The operator's alarm commands: one enum, and everything each command carries.

Adding an alarm action means adding one member here and one branch in
`AlarmEngine.execute`: the table's buttons and menus, the dialogs, the
outcome messages, the role check and the runtime all read it from here.

- `AlarmCommand`: what an operator can ask for (from a button, a menu, the banner).
  Three of them are ways of asking for the same engine operation
  (acknowledge, acknowledge with a comment, acknowledge everything shown);
  `command.operation` is the one the engine runs.
- `CommandSpec`: the required role (`users.Action`), the wording (button,
  menu, outcome verbs, the hint when nothing is selected), which records it
  applies to, and which arguments it takes.
- `AlarmRequest`: one operation with its arguments, as the runtime and the
  engine receive it (checked when built: a shelve without a duration or a
  limit change without a limit cannot be made).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from hmi.core.alarms.model import AlarmDefinition, AlarmKind, AlarmRecord, AlarmState, needs_ack
from hmi.core.audit import Origin
from hmi.core.users import REQUIRED_ROLE, Action, Role

S = AlarmState


class Text(enum.Enum):
    """The free text a command takes: none, an optional comment, an optional or a required reason."""

    NONE = "none"
    COMMENT = "comment"
    OPTIONAL_REASON = "optional reason"
    REQUIRED_REASON = "required reason"

    @property
    def required(self) -> bool:
        return self is Text.REQUIRED_REASON


class AlarmCommand(enum.StrEnum):
    # The values are the names the table's buttons and the tests have always used.
    ACKNOWLEDGE = "acknowledge"
    ACKNOWLEDGE_COMMENT = "acknowledge_comment"
    ACKNOWLEDGE_VISIBLE = "acknowledge_visible"
    RESET = "reset"
    SHELVE = "shelve"
    UNSHELVE = "unshelve"
    OUT_OF_SERVICE = "set_out_of_service"
    RETURN_TO_SERVICE = "return_to_service"
    SET_LIMIT = "set_limit"

    @property
    def spec(self) -> CommandSpec:
        return _SPECS[self]

    @property
    def operation(self) -> AlarmCommand:
        """The engine operation this command runs (the acknowledge variants all acknowledge)."""
        return self.spec.operation or self

    @property
    def action(self) -> Action:
        """The permission it needs (users.REQUIRED_ROLE says which role has it)."""
        return self.spec.action

    @property
    def required_role(self) -> Role:
        return REQUIRED_ROLE[self.spec.action]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    action: Action  # the permission checked (and audited when refused)
    button: str  # the table's button
    menu: str  # what it does, as the tooltip and the dialog say it
    doing: str  # outcome while running: "Shelving conveyor vibration…"
    done: str  # outcome when done: "Shelved conveyor vibration as sam (supervisor)."
    nothing_to_do: str  # hint when no selected alarm qualifies
    applies_to: Callable[[AlarmRecord], bool]  # which records it can act on
    text: Text = Text.NONE
    duration: bool = False  # shelve: for how long
    limit: bool = False  # limit change: the new limit
    one_alarm: bool = False  # acts on exactly one alarm (a limit is per alarm)
    per_alarm: bool = False  # the engine takes one alarm per call (each gets its own outcome)
    all_shown: bool = False  # acts on every record shown, not on the selection
    operation: AlarmCommand | None = None  # None: the command is itself an engine operation


def _analog(r: AlarmRecord) -> bool:
    return r.kind in (AlarmKind.ANALOG, AlarmKind.ROC)


_SPECS: dict[AlarmCommand, CommandSpec] = {
    AlarmCommand.ACKNOWLEDGE: CommandSpec(
        action=Action.ACKNOWLEDGE,
        button="Acknowledge",
        menu="Acknowledge",
        doing="Acknowledging",
        done="Acknowledged",
        nothing_to_do="Select unacknowledged alarms to acknowledge",
        applies_to=needs_ack,
        text=Text.COMMENT,
    ),
    AlarmCommand.ACKNOWLEDGE_COMMENT: CommandSpec(
        action=Action.ACKNOWLEDGE,
        button="Ack + comment…",
        menu="Acknowledge with a comment:",
        doing="Acknowledging",
        done="Acknowledged",
        nothing_to_do="Select unacknowledged alarms to acknowledge",
        applies_to=needs_ack,
        text=Text.COMMENT,
        operation=AlarmCommand.ACKNOWLEDGE,
    ),
    AlarmCommand.ACKNOWLEDGE_VISIBLE: CommandSpec(
        action=Action.ACKNOWLEDGE,
        button="Ack all shown…",
        menu="Acknowledge every unacknowledged alarm shown:",
        doing="Acknowledging",
        done="Acknowledged",
        nothing_to_do="No unacknowledged alarm is shown",
        applies_to=needs_ack,
        text=Text.COMMENT,
        all_shown=True,
        operation=AlarmCommand.ACKNOWLEDGE,
    ),
    AlarmCommand.RESET: CommandSpec(
        action=Action.RESET,
        button="Reset",
        menu="Reset (latched alarms)",
        doing="Resetting",
        done="Reset",
        nothing_to_do="Select latched alarms to reset",
        applies_to=lambda r: r.state == S.LATCHED,
        text=Text.COMMENT,
    ),
    AlarmCommand.SHELVE: CommandSpec(
        action=Action.SHELVE,
        button="Shelve…",
        menu="Shelve for a time, with a reason:",
        doing="Shelving",
        done="Shelved",
        nothing_to_do="Select alarms to shelve",
        applies_to=lambda r: r.state not in (S.SHELVED, S.OUT_OF_SERVICE),
        text=Text.REQUIRED_REASON,
        duration=True,
        per_alarm=True,
    ),
    AlarmCommand.UNSHELVE: CommandSpec(
        action=Action.UNSHELVE,
        button="Unshelve",
        menu="Unshelve",
        doing="Unshelving",
        done="Unshelved",
        nothing_to_do="Select shelved alarms to unshelve",
        applies_to=lambda r: r.state == S.SHELVED,
        text=Text.COMMENT,
        per_alarm=True,
    ),
    AlarmCommand.OUT_OF_SERVICE: CommandSpec(
        action=Action.OUT_OF_SERVICE,
        button="Out of service…",
        menu="Take out of service, with a reason:",
        doing="Taking out of service",
        done="Took out of service",
        nothing_to_do="Select alarms to take out of service",
        applies_to=lambda r: r.state != S.OUT_OF_SERVICE,
        text=Text.REQUIRED_REASON,
        per_alarm=True,
    ),
    AlarmCommand.RETURN_TO_SERVICE: CommandSpec(
        action=Action.RETURN_TO_SERVICE,
        button="Return to service…",
        menu="Return to service",
        doing="Returning to service",
        done="Returned to service",
        nothing_to_do="Select out-of-service alarms to return to service",
        applies_to=lambda r: r.state == S.OUT_OF_SERVICE,
        text=Text.OPTIONAL_REASON,
        per_alarm=True,
    ),
    AlarmCommand.SET_LIMIT: CommandSpec(
        action=Action.CHANGE_LIMITS,
        button="Limit…",
        menu="Change the alarm limit:",
        doing="Changing the limit of",
        done="Changed the limit of",
        nothing_to_do="Select one analog or rate-of-change alarm",
        applies_to=_analog,
        text=Text.REQUIRED_REASON,
        limit=True,
        one_alarm=True,
        per_alarm=True,
    ),
}

# The engine operations: what a request may carry.
OPERATIONS = tuple(c for c in AlarmCommand if c.operation is c)


def confirmation_detail(command: AlarmCommand, text: str, *, duration: str = "", limit: str = "") -> str:
    """What the confirmation adds after the alarm's name: the duration or new limit, then the typed
    text in brackets that say what it is. Never the typed text straight after the name: "Took out
    of service Conveyor vibration signal lost sensor cable replaced …" ran the two together (qa5 F7)."""
    label = "comment" if command.spec.text is Text.COMMENT else "reason"
    head = f"for {duration}" if duration else (f"to {limit}" if limit else "")
    tail = f"({label}: {text})" if text.strip() else ""
    return " ".join(p for p in (head, tail) if p)


def targets(command: AlarmCommand, selected: Iterable[AlarmRecord]) -> list[AlarmRecord]:
    """The records a command acts on, out of the selection (or, for `all_shown`, of those shown)."""
    spec = command.spec
    picked = [r for r in selected if spec.applies_to(r)]
    if spec.one_alarm:
        return picked if len(picked) == 1 else []
    return picked


def command_refusal(
    command: AlarmCommand,
    selected: Iterable[AlarmRecord],
    definitions: Mapping[str, AlarmDefinition] | None = None,
    value_now: Callable[[AlarmRecord], float] | None = None,
) -> str:
    """Why `command` acts on none of `selected` ('' when it acts on some): the one text its button
    and menu entry show before anybody tries, and the outcome of a request that found nothing, from
    the rule that picks what it acts on (`targets`), as `users.role_refusal` is for the role.

    A latching alarm whose condition still stands cannot be reset yet: that is said, with its value
    and its limit when known (`definitions` by alarm id, `value_now` the tag's value now; the record's
    value otherwise), not "Select latched alarms to reset" with that very alarm selected (qa9 Q9-17)."""
    records = list(selected)
    if targets(command, records):
        return ""
    if command.operation is AlarmCommand.RESET:
        standing = [r for r in records if r.latched and r.state in (S.UNACKED, S.ACKED)]
        if standing:
            r = standing[0]
            d = (definitions or {}).get(r.id)
            now = _standing_detail(d, value_now(r) if value_now is not None else r.value)
            more = f" (and {len(standing) - 1} more)" if len(standing) > 1 else ""
            return (
                f"{r.name}{more} is still in alarm{f' ({now})' if now else ''}: a latched alarm can be "
                "reset once its condition has cleared"
            )
    return command.spec.nothing_to_do


def _standing_detail(d: AlarmDefinition | None, value: float) -> str:
    """'value 8.38 mm/s, limit > 7.10 mm/s' (a discrete alarm: its state; no figure: '')."""
    if d is None:
        return "" if math.isnan(value) else f"value {value:g}"
    shown = d.value_text(value)
    parts = [] if shown == "?" else [f"value {shown}"]
    if d.kind in (AlarmKind.ANALOG, AlarmKind.ROC):
        parts.append(f"limit {d.describe_limit()}")
    return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class AlarmRequest:
    """One engine operation on some alarms, with its arguments (the user travels beside it).

    `text` is the acknowledge/reset/unshelve comment or the shelve/out-of-service/
    return-to-service/limit-change reason (the command's spec says which).
    """

    command: AlarmCommand
    ids: tuple[str, ...]
    text: str = ""
    duration_s: float | None = None
    limit: float | None = None
    origin: Origin | None = None  # None: made here, now (the plant link's line_state sets it)

    def __post_init__(self) -> None:
        # A request is made by code, not typed by a person: a wrong one is a programming error
        # and says which argument was missing. (A missing *reason* is the engine's to refuse:
        # the refusal is shown to the operator in their words.)
        cmd = AlarmCommand(self.command)
        if cmd.operation is not cmd:
            raise ValueError(f"{cmd.name} is not an engine operation: send {cmd.operation.name}")
        object.__setattr__(self, "command", cmd)
        object.__setattr__(self, "ids", tuple(self.ids))
        if not self.ids:
            raise ValueError(f"{cmd.name}: no alarm ids")
        spec = cmd.spec
        if spec.duration and (self.duration_s is None or not math.isfinite(self.duration_s)):
            raise ValueError(f"{cmd.name} needs a duration in seconds, got {self.duration_s!r}")
        if spec.limit and (self.limit is None or not math.isfinite(self.limit)):
            raise ValueError(f"{cmd.name} needs a finite limit, got {self.limit!r}")
        if spec.one_alarm and len(self.ids) != 1:
            raise ValueError(f"{cmd.name} acts on one alarm, got {len(self.ids)}")

    def per_alarm(self) -> list[AlarmRequest]:
        """The request as the engine takes it: one per alarm where each has its own outcome."""
        if not self.command.spec.per_alarm or len(self.ids) == 1:
            return [self]
        return [
            AlarmRequest(self.command, (i,), self.text, self.duration_s, self.limit, self.origin)
            for i in self.ids
        ]
