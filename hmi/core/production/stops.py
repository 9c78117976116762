"""Stops and what supervisors did to them: classify, split, note.

A stop is detected from the state tag (hmi.core.production.timeline) and gets
its default reason from the PLC fault code. Supervisors' changes are journaled
as audit events (`STOP_ACTIONS`) and replayed here in journal order on top of
the detected stops: the detection and every earlier change stay in the
journal, so "who classified what, when, and what it was before" is always
answerable from the file alone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from hmi.core.production.setup import Cat, ProductionSetup
from hmi.core.users import Action

# The audit actions that edit a stop (role-checked: supervisor).
CLASSIFY, SPLIT, NOTE = Action.CLASSIFY_STOP.value, Action.SPLIT_STOP.value, Action.NOTE_STOP.value
STOP_ACTIONS = (CLASSIFY, SPLIT, NOTE)
# Why a stop has no reason (Stop.without_reason); only UNCLASSIFIED asks a supervisor for one.
UNCLASSIFIED = "unclassified"
NO_REASON_BREAK = "in a planned break"
NO_REASON_SHORT = "short stop (speed loss)"
NO_REASON_UNKNOWN = "state unknown"
# What "classified by" says of a stop without a reason: missing one, or needing none (short stop,
# planned break, state unknown: Stop.without_reason says which).
NOT_CLASSIFIED = "not classified"
NONE_NEEDED = "none needed"
# Stops are identified by machine and start time; journaled floats round-trip exactly, the
# tolerance only forgives a start recomputed from a different sampling of the same edge.
MATCH_TOLERANCE_S = 0.002


@dataclass(frozen=True, slots=True)
class StopEdit:
    action: str  # CLASSIFY | SPLIT | NOTE
    machine: str
    stop_start: float
    ts: float  # when it was done
    user: str
    reason: str = ""  # CLASSIFY: the new reason; SPLIT: the reason of the first part
    at: float | None = None  # SPLIT: where the second part begins
    reason_after: str = ""  # SPLIT: the reason of the second part
    note: str = ""

    def to_data(self) -> dict[str, Any]:
        d = {"machine": self.machine, "stop_start": self.stop_start}
        if self.action in (CLASSIFY, SPLIT):
            d["reason"] = self.reason
        if self.action == SPLIT:
            d["at"] = self.at
            d["reason_after"] = self.reason_after
        if self.action == NOTE:
            d["note"] = self.note
        return d

    @classmethod
    def from_event(cls, action: str, data: dict[str, Any], ts: float, user: str) -> StopEdit:
        return cls(
            action=action,
            machine=str(data.get("machine", "")),
            stop_start=float(data["stop_start"]),
            ts=ts,
            user=user,
            reason=str(data.get("reason", "") or ""),
            at=float(data["at"]) if data.get("at") is not None else None,
            reason_after=str(data.get("reason_after", "") or ""),
            note=str(data.get("note", "") or ""),
        )


@dataclass(slots=True)
class Stop:
    machine: str
    start: float
    end: float  # the analysis end while the stop is still going on (see `ongoing`)
    state_cat: Cat  # what the state tag said when it began
    fault_code: int | None = None
    auto_reason: str = ""  # from the PLC fault code / the state (may be "")
    reason: str = ""  # effective reason after edits ("" = unclassified)
    category: str = "unplanned"  # unplanned | planned | changeover: its reason's (none: unplanned)
    classified_by: str = ""  # "" = automatic (PLC fault code / state)
    classified_at: float | None = None
    note: str = ""
    noted_by: str = ""
    split_from: float | None = None  # start of the stop this part was split from
    ongoing: bool = False
    open_end: bool = False  # still stopped where the record or the range ends: its length not known
    unknown_s: float = 0.0  # stretch inside the stop with the state tag Bad (its own category)
    break_s: float = 0.0  # part inside a planned break (planned time, not downtime)
    short: bool = False  # unplanned and shorter than short_stop_s: a speed loss
    flags: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def still_stopped(self) -> bool:
        """Still stopped where the analysis ends (live: at the current time, `ongoing`; a record or a
        period read: at its end, `open_end`): `end` is only where the reading stopped, so a text about
        the stop says it is going on and how long so far, never "ended at `end`" (qa11 Q11-5: a live
        handover listed "Filler stop 04:31:58-04:33:20" while the filler was still faulted)."""
        return self.ongoing or self.open_end

    @property
    def downtime(self) -> float:
        return max(0.0, self.duration - self.unknown_s - self.break_s)

    @property
    def classified(self) -> bool:
        return bool(self.reason)

    @property
    def in_planned_break(self) -> bool:
        """Stopped only while a planned break (or its state unknown) ran: no planned time lost."""
        return self.break_s > 0 and self.downtime <= 0

    @property
    def without_reason(self) -> str:
        """Why a stop has no reason, or "" when it has one. The one definition of "unclassified"
        behind the stops table, its count, the shift report and the journal's audit text: only a
        stop that lost planned time and is not a short stop (a speed loss) needs a reason."""
        if self.reason:
            return ""
        if self.in_planned_break:
            return NO_REASON_BREAK
        if self.short:
            return NO_REASON_SHORT
        if self.downtime <= 0:
            return NO_REASON_UNKNOWN
        return UNCLASSIFIED

    @property
    def needs_reason(self) -> bool:
        return self.without_reason == UNCLASSIFIED

    def reason_code(self) -> str:
        """The reason code, or why there is none (the report and the journal's audit text)."""
        return self.reason or self.without_reason

    @property
    def classified_by_text(self) -> str:
        """Who gave the stop its reason, as the stops table and the shift report both say it: the
        supervisor's name, "PLC fault code", "machine state" (a changeover or planned state's default
        reason), or "not classified" for a stop without a reason (QA5 F25: the report said
        "automatic" for stops whose reason read "unclassified")."""
        if self.classified_by:
            return self.classified_by
        if not self.reason:
            # Only a stop that needs a reason reads as missing one (qa6 N4: "Stops (6, 0
            # unclassified)" above four short stops "not classified": a speed loss needs none).
            return NOT_CLASSIFIED if self.needs_reason else NONE_NEEDED
        return "PLC fault code" if self.fault_code else "machine state"

    def reason_label(self, setup: ProductionSetup) -> str:
        """What the stops table shows as the reason: code and text, or why there is none."""
        return setup.reason_text(self.reason) if self.reason else self.without_reason

    def key(self) -> tuple[str, float]:
        return self.machine, self.start


def reason_category(setup: ProductionSetup, reason: str) -> str:
    """A stop's category is its reason's. A stop with no reason is unplanned: nobody said it was
    planned. The state tag's category only chooses the default reason (`default_reason`: the
    config's `planned_reason` / `changeover_reason`); the demo's "Stopped" (an operator's stop,
    `planned_stop` in its state map, no `planned_reason`) once made every unclassified operator
    stop, and the stopped machines of a freshly started simulator, "LINE PLANNED STOP" (QA4)."""
    r = setup.reasons.get(reason) if reason else None
    return r.category if r is not None else "unplanned"


def settle_category(setup: ProductionSetup, stop: Stop) -> None:
    """A stop's category once its time in planned breaks is known: its reason's category; without
    a reason, a stop wholly inside a planned break is planned whatever state the machine was in
    (every machine of a line in the same break reads the same), else unplanned."""
    if not stop.reason and stop.in_planned_break:
        stop.category = "planned"
    else:
        stop.category = reason_category(setup, stop.reason)


def default_reason(setup: ProductionSetup, machine: str, cat: Cat, fault_code: int | None) -> tuple[str, str]:
    """(reason code, flag) for a new stop: PLC fault code first, then the state's default."""
    m = setup.machine(machine)
    if fault_code:
        code = m.fault_reasons.get(fault_code, "")
        if code:
            return code, ""
        label = m.fault_labels.get(fault_code, "")
        return "", f"PLC fault code {fault_code}{f' ({label})' if label else ''} is not mapped to a reason"
    if cat is Cat.CHANGEOVER:
        return setup.changeover_reason, ""
    if cat is Cat.PLANNED:
        return setup.planned_reason, ""
    return "", ""


def find_stop(stops: list[Stop], machine: str, start: float) -> Stop | None:
    """The stop of `machine` that begins at `start` (the closest one within the tolerance)."""
    near = [s for s in stops if s.machine == machine and abs(s.start - start) <= MATCH_TOLERANCE_S]
    return min(near, key=lambda s: abs(s.start - start)) if near else None


def check_edit(setup: ProductionSetup, stops: list[Stop], edit: StopEdit) -> Stop:
    """The stop the edit applies to; ValueError with a message for the supervisor if it cannot."""
    if edit.action not in STOP_ACTIONS:
        raise ValueError(f"unknown stop action {edit.action!r}")
    stop = find_stop(stops, edit.machine, edit.stop_start)
    if stop is None:
        raise ValueError(f"no stop of {edit.machine!r} begins at {edit.stop_start:.3f}")
    for code in (edit.reason, edit.reason_after) if edit.action != NOTE else ():
        if code and code not in setup.reasons:
            raise ValueError(
                f"reason {code!r} is not in the reason tree ({', '.join(sorted(setup.reasons))}); "
                "add it to [[production.reasons]] or pick one of these"
            )
    if edit.action == CLASSIFY and not edit.reason:
        raise ValueError("choose a reason to classify the stop")
    if edit.action == SPLIT:
        if edit.at is None or not (stop.start < edit.at < stop.end):
            raise ValueError(
                "the split time must lie inside the stop "
                f"(after its start and before its {'current time' if stop.ongoing else 'end'})"
            )
        if not edit.reason or not edit.reason_after:
            raise ValueError("a split needs a reason for each part")
    if edit.action == NOTE and not edit.note.strip():
        raise ValueError("the note is empty")
    return stop


def apply_edits(setup: ProductionSetup, stops: list[Stop], edits: list[StopEdit]) -> list[str]:
    """Apply edits in order (in place, `stops` stays sorted); returns flags for edits that no longer
    apply (e.g. a stop that the data no longer shows), which are kept in the journal regardless."""
    flags: list[str] = []
    for e in edits:
        try:
            stop = check_edit(setup, stops, e)
        except ValueError as exc:
            flags.append(f"change by {e.user or '?'} not applied: {exc}")
            continue
        if e.action == CLASSIFY:
            _set_reason(setup, stop, e.reason, e.user, e.ts)
        elif e.action == NOTE:
            stop.note = e.note.strip()
            stop.noted_by = e.user
        else:
            assert e.at is not None
            second = dataclasses.replace(
                stop,
                start=e.at,
                split_from=stop.split_from if stop.split_from is not None else stop.start,
                note="",
                noted_by="",
                flags=[],
                unknown_s=0.0,
                break_s=0.0,
            )
            stop.end = e.at
            stop.ongoing = False
            stop.open_end = False  # the split point ends the first part; the second keeps the end
            stop.split_from = stop.split_from if stop.split_from is not None else stop.start
            _set_reason(setup, stop, e.reason, e.user, e.ts)
            _set_reason(setup, second, e.reason_after, e.user, e.ts)
            stops.insert(stops.index(stop) + 1, second)
    return flags


def _set_reason(setup: ProductionSetup, stop: Stop, reason: str, user: str, ts: float) -> None:
    stop.reason = reason
    stop.category = reason_category(setup, reason)
    stop.classified_by = user
    stop.classified_at = ts


@dataclass(frozen=True, slots=True)
class StopCounts:
    """The counts said about a list of stops, from that list (the one home of every stop count:
    the Stops tab's title, the report's sentence, A's short-stop note, the CLI, the assistant)."""

    total: int
    short: int  # short stops: a speed loss, no reason needed
    unclassified: int  # stops that need a reason and have none (Stop.needs_reason)

    @classmethod
    def of(cls, stops: list[Stop]) -> StopCounts:
        return cls(len(stops), sum(1 for s in stops if s.short), sum(1 for s in stops if s.needs_reason))

    def text(self) -> str:
        """ "6 stops, 0 unclassified (5 short stops: a speed loss, no reason needed)" """
        n, k = self.total, self.short
        short = f" ({k} short stop{'s' if k != 1 else ''}: a speed loss, no reason needed)" if k else ""
        return f"{n} stop{'s' if n != 1 else ''}, {self.unclassified} unclassified{short}"


def end_text(stop: Stop, hm: str) -> str:
    """How a stop's end reads in the report and the CLI: its time, or that it was still stopped
    where the record ends (its length unknown: "still stopped at record end (≥ 0.4 min)")."""
    if stop.open_end:
        return f"still stopped at record end (≥ {stop.duration / 60:.1f} min)"
    return hm
