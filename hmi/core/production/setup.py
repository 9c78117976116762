"""The production model of one line, resolved from its config (or from a journal's snapshot).

`ProductionSetup` is what the analysis needs and nothing else: per machine the
state tag and what each value means, the fault tag and its reason mapping, the
counters, the ideal rate; the line order, constraint, reason tree and calendar.
It is journaled as a snapshot when production tracking starts (and in each new
daily file), so a copied journal file can be analysed with no config at hand.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from hmi.core.production.schema import ProductionConfig, ReasonConfig, ShiftsConfig
from hmi.core.shift_calendar import ShiftCalendar

SNAPSHOT_VERSION = 1


class Cat(enum.IntEnum):
    """What a machine's state tag says at an instant."""

    RUNNING = 0
    PLANNED = 1
    UNPLANNED = 2
    CHANGEOVER = 3
    BLOCKED = 4
    STARVED = 5
    WAITING = 6  # blocked or starved: the line order decides
    UNKNOWN = 7  # state tag Bad, no sample yet, or a value the config does not know


_CAT_OF_NAME = {
    "running": Cat.RUNNING,
    "planned_stop": Cat.PLANNED,
    "unplanned_stop": Cat.UNPLANNED,
    "changeover": Cat.CHANGEOVER,
    "blocked": Cat.BLOCKED,
    "starved": Cat.STARVED,
    "waiting": Cat.WAITING,
}
OWN_STOP_CATS = frozenset({Cat.PLANNED, Cat.UNPLANNED, Cat.CHANGEOVER})
WAITING_CATS = frozenset({Cat.BLOCKED, Cat.STARVED, Cat.WAITING})


@dataclass(frozen=True, slots=True)
class MachineSetup:
    id: str
    name: str
    state_tag: str
    fault_tag: str
    total_counter: str
    good_counter: str
    reject_counter: str
    rollover: int
    ideal_rate: float  # units per minute
    state_cat: dict[int, Cat]
    state_labels: dict[int, str]
    fault_labels: dict[int, str]
    fault_reasons: dict[int, str]  # PLC fault code -> reason code

    @property
    def tags(self) -> list[str]:
        return [
            t
            for t in (
                self.state_tag,
                self.fault_tag,
                self.total_counter,
                self.good_counter,
                self.reject_counter,
            )
            if t
        ]


@dataclass(frozen=True, slots=True)
class ProductionSetup:
    line_id: str
    line_name: str
    machines: tuple[MachineSetup, ...]  # in line order
    constraint: str
    output: str
    short_stop_s: float
    target_oee: float
    shift_target: int
    reasons: dict[str, ReasonConfig]
    changeover_reason: str
    planned_reason: str
    calendar: ShiftCalendar
    snapshot: dict[str, Any]  # what is journaled; from_snapshot(snapshot) gives this setup back

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.machines]

    def machine(self, machine_id: str) -> MachineSetup:
        for m in self.machines:
            if m.id == machine_id:
                return m
        raise KeyError(f"{machine_id!r} is not a machine of the production model ({', '.join(self.ids)})")

    def reason_text(self, code: str | None) -> str:
        """A stop reason in words, the one wording of the strip, the Production view, the review
        and the report: its text, then its code in brackets ("Jam (U-JAM)"). The code once came
        first ("held by capper: U-JAM Jam", qa7 G7: a supervisor read "U-JAM Jam"). Code that
        needs the code carries it as a field of its own (`MachineNow.reason_code`, `Stop.reason`),
        never parsed back out of these words."""
        if not code:
            return "unclassified"
        r = self.reasons.get(code)
        return f"{r.text} ({code})" if r else f"{code} (not in the reason tree)"

    @classmethod
    def from_config(cls, config: Any, time_scale: float = 1.0) -> ProductionSetup | None:
        """From a hmi.core.config.LineConfig; None when it has no [production] table.

        `time_scale`: simulated seconds per wall second (the demo's --time-factor). A simulated line at
        5x makes five times the bottles per wall minute; the ideal rate is scaled with it, and the factor
        is journaled with the snapshot, so that performance is not reported at 500 %."""
        prod: ProductionConfig | None = getattr(config, "production", None)
        if prod is None:
            return None
        machines = []
        for mc in config.machines:
            if mc.id not in {pm.id for pm in prod.machines}:
                continue
            entry = {"id": mc.id, "name": mc.name, "state_tag": mc.state_tag, "fault_tag": mc.fault_tag}
            entry["state_labels"] = dict(config.tag(mc.state_tag).states) if mc.state_tag else {}
            entry["fault_labels"] = dict(config.tag(mc.fault_tag).states) if mc.fault_tag else {}
            machines.append(entry)
        snapshot = {
            "version": SNAPSHOT_VERSION,
            "line": {"id": config.line.id, "name": config.line.name},
            "production": prod.model_dump(mode="json"),
            "shifts": config.shifts.model_dump(mode="json"),
            "machines": machines,
            "time_scale": float(time_scale),
        }
        return cls.from_snapshot(snapshot)

    @classmethod
    def from_snapshot(cls, snap: dict[str, Any]) -> ProductionSetup:
        """Rebuild from a journaled snapshot; ValueError (pydantic's) if it is not one."""
        if snap.get("version") != SNAPSHOT_VERSION:
            raise ValueError(
                f"production snapshot version {snap.get('version')!r}, expected {SNAPSHOT_VERSION}"
            )
        prod = ProductionConfig.model_validate(snap["production"], strict=False)
        shifts = ShiftsConfig.model_validate(snap["shifts"], strict=False)
        info = {m["id"]: m for m in snap["machines"]}
        by_pm = {pm.id: pm for pm in prod.machines}
        scale = float(snap.get("time_scale", 1.0))  # absent in journals of a real line: 1
        ordered = [mid for mid in prod.order if mid in by_pm]
        machines = []
        for mid in ordered:
            pm, mi = by_pm[mid], info[mid]
            fault_reasons = {int(k): v for k, v in prod.fault_reasons.items()}
            fault_reasons.update({int(k): v for k, v in pm.fault_reasons.items()})
            machines.append(
                MachineSetup(
                    id=mid,
                    name=mi.get("name", mid),
                    state_tag=mi["state_tag"],
                    fault_tag=mi.get("fault_tag", ""),
                    total_counter=pm.total_counter,
                    good_counter=pm.good_counter,
                    reject_counter=pm.reject_counter,
                    rollover=pm.counter_rollover,
                    ideal_rate=float(pm.ideal_rate) * scale,
                    state_cat={v: _CAT_OF_NAME[c] for v, c in prod.states_for(pm).category_of().items()},
                    state_labels={int(k): v for k, v in mi.get("state_labels", {}).items()},
                    fault_labels={int(k): v for k, v in mi.get("fault_labels", {}).items()},
                    fault_reasons=fault_reasons,
                )
            )
        return cls(
            line_id=snap["line"]["id"],
            line_name=snap["line"]["name"],
            machines=tuple(machines),
            constraint=prod.constraint,
            output=prod.output,
            short_stop_s=float(prod.short_stop_s) / scale,  # a process-time threshold, in wall seconds
            target_oee=float(prod.target_oee),
            shift_target=prod.shift_target,
            reasons={r.code: r for r in prod.reasons},
            changeover_reason=prod.changeover_reason,
            planned_reason=prod.planned_reason,
            calendar=shifts.calendar(),
            snapshot=snap,
        )
