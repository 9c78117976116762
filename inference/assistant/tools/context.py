"""`PlantTools`: what the tools read through (journal, live values, catalog, calendar, procedures),
the clock questions are asked against, and the validated call by name.

Tools never act on the plant (read-only journal, live values through a callable) and never take
instructions from the data they read: comments and documents are quoted as data.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hmi.core.alarms.event_codec import AlarmSnapshot, latest_snapshots, raised_value
from hmi.core.alarms.model import VALUE_KINDS, headline_text
from hmi.core.journal_read import JournalError
from hmi.core.production.oee import ProductionAnalysis
from hmi.core.production.setup import ProductionSetup
from hmi.core.text_samples import display_text
from inference.assistant.catalog import Catalog, TagInfo
from inference.assistant.journal_access import AssistantJournal, Ev
from inference.assistant.procedures import ProcedureIndex
from inference.assistant.timeparse import ShiftCalendar
from inference.assistant.tools.base import ToolError, ToolResult
from inference.assistant.tools.fmt import alarm_name, fmt_num
from inference.fault.readout_text import (
    DEFAULT_HORIZON_S,
    DEFAULT_REFRESH_S,
    DEFAULT_RUL_CAP_S,
    DEFAULT_RUL_MIN_RISK,
)

LiveSnapshot = Callable[[], Mapping[str, tuple[float, int, float]]]  # tag -> (value, status, source_ts)


@dataclass(frozen=True, slots=True)
class ModelScope:
    """What the fault model predicts and the failure modes it covers (its card): a risk answer says so,
    as the faceplate does, so "risk 0 %" is not read as "nothing can go wrong"."""

    predicts: str
    covers: str
    # How a prediction is worded (inference.fault.readout_text, the faceplate's rules): "> 10 min"
    # at the cap, no countdown below the least risk (qa9 Q9-12: "about 9 min 55 s"), "(old, HH:MM:SS)"
    # for a figure older than the model's refresh.
    rul_cap_s: float = DEFAULT_RUL_CAP_S
    rul_min_risk: float = DEFAULT_RUL_MIN_RISK
    refresh_s: float = DEFAULT_REFRESH_S
    horizon_s: float = DEFAULT_HORIZON_S  # a risk is P(failure within this time)


RUNNING_STATES = ("Running", "Idle", "Starting")
STOP_STATES = ("Faulted", "Stopped")


class PlantTools:
    """The assistant's tools over one line's journal (+ live values when the app runs)."""

    def __init__(
        self,
        catalog: Catalog,
        journal: AssistantJournal | None,
        calendar: ShiftCalendar | None = None,
        *,
        live: LiveSnapshot | None = None,
        procedures: ProcedureIndex | None = None,
        clock: Callable[[], float] | None = None,
        now: float | None = None,
        production: ProductionSetup | None = None,
        fault_model: ModelScope | None = None,
    ) -> None:
        self.catalog = catalog
        self.fault_model = fault_model
        # The production model from the line config; None = the one journaled in the files (if any).
        self.production = production
        self.journal = journal
        self.calendar = calendar or ShiftCalendar.default()
        self.live = live
        self.procedures = procedures
        self._clock = clock
        self._fixed_now = now

    def production_analysis(self, a: float, b: float) -> ProductionAnalysis:
        """The production model over [a, b), as the Production view and the shift report read it: the
        model journaled in the files (with the time scale the line ran at), else the line config's.
        JournalError when there is neither. qa8: a journal recorded at time factor 5 was analysed with
        the config's model at scale 1, so a 25 s stop was "short" for the assistant and not for the
        report, and the line's downtime read 1 min 23 s against the report's 1 min 51 s."""
        j = self.need_journal()
        try:
            return j.production(a, b, None)
        except JournalError:
            if self.production is None:
                raise
        return j.production(a, b, self.production)

    # --- dispatch -------------------------------------------------------------------------------
    def call(self, name: str, args: Mapping[str, Any]) -> ToolResult:
        """Validated call by name (what the router's and a language model's tool calls go through)."""
        from inference.assistant.tools.registry import TOOLS

        tool = TOOLS.get(name)
        if tool is None:
            raise ToolError(f"unknown tool {name!r}; tools: {', '.join(TOOLS)}")
        return tool.call(self, args)

    def run(self, name: str, **args: Any) -> ToolResult:
        """`call` with keyword arguments (handover, tests)."""
        return self.call(name, {k: v for k, v in args.items() if v is not None})

    # --- time -------------------------------------------------------------------------------------
    def now(self) -> float:
        """The clock questions are asked against: the app's clock, a fixed time, or the end of the journal."""
        if self._fixed_now is not None:
            return self._fixed_now
        if self._clock is not None:
            return self._clock()
        if self.journal is not None:
            _lo, hi = self.journal.span()
            if hi is not None:
                self._fixed_now = hi + 0.001
                return self._fixed_now
        return time.time()

    def data_span(self) -> tuple[float | None, float | None]:
        """First and last time anything is recorded (None, None without a journal)."""
        return self.journal.span() if self.journal is not None else (None, None)

    def fmt_t(self, ts: float | None, date: bool = False) -> str:
        if ts is None or (isinstance(ts, float) and math.isnan(ts)):
            return "n/a"
        d = self.calendar.to_local(ts)
        return d.strftime("%Y-%m-%d %H:%M:%S" if date else "%H:%M:%S")

    def range_of(
        self, start: float | None, end: float | None, default_s: float | None = None
    ) -> tuple[float, float]:
        """The period a history question means: given, else the last `default_s`, else this shift."""
        now = self.now()
        b = end if end is not None else now
        if start is not None:
            return start, b
        if default_s is not None:
            return b - default_s, b
        _s, a, _e = self.calendar.shift_at(b - 1e-6)
        return a, b

    def range_label(self, a: float, b: float) -> str:
        da, db = self.calendar.to_local(a), self.calendar.to_local(b)
        if da.date() == db.date():
            return f"{da:%H:%M:%S}-{db:%H:%M:%S} on {da:%Y-%m-%d}"
        return f"{da:%Y-%m-%d %H:%M:%S} to {db:%Y-%m-%d %H:%M:%S}"

    def short_range(self, a: float, b: float) -> str:
        """HH:MM-HH:MM (for the other languages' renderings)."""
        return f"{self.calendar.to_local(a):%H:%M}-{self.calendar.to_local(b):%H:%M}"

    def scope(self, args: Mapping[str, Any]) -> tuple[AssistantJournal, list[str], float, float, str]:
        """What a history tool reads: the journal, the machines named (all when none), the period asked
        (this shift by default) and its label."""
        j = self.need_journal()
        mids = self.resolve_machine(args.get("machine"))
        a, b = self.range_of(args.get("start"), args.get("end"))
        return j, mids, a, b, self.range_label(a, b)

    def need_journal(self) -> AssistantJournal:
        if self.journal is None:
            raise ToolError(
                "no journal is open: history questions need a journal file (--db) or the running app"
            )
        return self.journal

    # --- resolution ---------------------------------------------------------------------------------
    def resolve_tag(self, text: str) -> list[TagInfo]:
        c = self.catalog
        if text in c.tags:
            return [c.tags[text]]
        named = c.find_tag_names(text)
        if named:
            return [c.tags[m.id] for m in named]
        machines = c.find_machines(text)
        mid = machines[0].id if machines else None
        found = c.best_tags(text, mid)
        if not found:
            close = c.closest_names(text.split()[-1] if text.split() else text)
            hint = f"; closest names: {', '.join(close)}" if close else ""
            raise ToolError(f"no tag matches {text!r}{hint}")
        return found

    def resolve_machine(self, machine: str | None) -> list[str]:
        if not machine:
            return list(self.catalog.machines)
        if machine in self.catalog.machines:
            return [machine]
        found = self.catalog.find_machines(machine)
        if not found:
            close = self.catalog.closest_names(machine)
            names = ", ".join(m.name for m in self.catalog.machines.values())
            raise ToolError(
                f"there is no machine called {machine!r} on {self.catalog.line_name}"
                + (f" (closest: {', '.join(close)})" if close else "")
                + f"; machines: {names}"
            )
        return [found[0].id]

    def value_text(self, tag: TagInfo, v: float) -> str:
        """A tag's value as every screen writes it (hmi.core.tag_info: the tag's display decimals)."""
        if tag.data_type == "enum" and tag.states:
            return tag.state_label(v)
        if tag.display is not None:
            return tag.display.format_with_unit(v)
        return fmt_num(v, tag.unit)

    def alarm_value_text(self, snap: AlarmSnapshot) -> str:
        """The value the alarm was raised with (`event_codec.raised_value`: the trigger value journaled
        with it, the value of its message) at its tag's display precision; "" when not known or when
        its value is a state (a discrete alarm: its name says it, `model.VALUE_KINDS`). Every alarm
        value an answer states comes from here, never from the samples or the transition's value
        (qa11 Q11-2)."""
        v = raised_value(snap)
        tag = self.catalog.tags.get(snap.tag)
        if v is None or tag is None or snap.kind not in VALUE_KINDS:
            return ""
        return self.value_text(tag, v)

    def alarm_headline(self, snap: AlarmSnapshot) -> str:
        """'Filler vibration Hi 6.40 mm/s': the alarm named with the value it was raised with, as the
        banner names it (`model.headline_text`); a discrete alarm by its name alone."""
        return headline_text(alarm_name(snap.name or snap.alarm), snap.kind, self.alarm_value_text(snap))

    # --- reading ----------------------------------------------------------------------------------
    def current(self, name: str) -> tuple[float, int, float, str] | None:
        """(value, status, source_ts, origin): the newer of the live feed's value and the journal's
        last sample at the time asked.

        The live values are applied on the GUI thread, the journal is written by the runtime thread:
        when the GUI falls behind (a loaded PC) the journal already holds the trip while the live
        copy still says Running (QA2 D-8a: "Labeller Running" 5 s after it tripped). Neither is a
        cache to trust alone; the newest source time wins.
        """
        best: tuple[float, int, float, str] | None = None
        if self.live is not None:
            try:
                snap = self.live()
            except Exception:
                snap = {}
            if name in snap:
                v, st, ts = snap[name]
                if not (isinstance(ts, float) and math.isnan(ts)):
                    best = (float(v), int(st), float(ts), "live")
        if self.journal is not None:
            r = self.journal.last_before(name, self.now())
            if r is not None and (best is None or r[0] > best[2]):
                best = (r[1], r[2], r[0], "journal")
        return best

    def value_at(self, name: str, at: float) -> tuple[float, int, float, str] | None:
        """(value, status, source_ts, "journal") of the sample in force at `at`."""
        if self.journal is None:
            return None
        r = self.journal.last_before(name, at)
        return (r[1], r[2], r[0], "journal") if r is not None else None

    def text_at(self, name: str, at: float | None = None) -> tuple[str, int, float] | None:
        """(text as shown, status, source_ts) of the text value in force at `at` (None: now): a text
        tag's text, or the exact digits journaled for an integer beyond 2^53."""
        if self.journal is None:
            return None
        row = self.journal.text_at(name, self.now() + 1.0 if at is None else at)
        if row is None:
            return None
        return display_text(row.text, row.full_bytes), row.status, row.ts

    def alarm_snapshots(self, at: float) -> dict[str, tuple[dict[str, Any], float]]:
        """Alarm states at `at`, replayed from the journal with the alarm engine's own codec."""
        j = self.need_journal()
        return latest_snapshots(j.events(at - 7 * 86400.0, at, kinds=["alarm"]))

    def stops(self, mids: list[str], a: float, b: float) -> list[Ev]:
        """Transitions into Faulted/Stopped from a running-ish state (Running, Idle, Starting)."""
        j = self.need_journal()
        out = []
        last: dict[str, str | None] = {}
        for e in j.events(a, b, kinds=["machine_state"], sources=mids):
            new = e.data.get("state")
            prev = last.get(e.source)
            if new in STOP_STATES and prev in RUNNING_STATES:
                out.append(e)
            last[e.source] = new
        return out

    def state_since(self, mid: str, state: str) -> float | None:
        if self.journal is None:
            return None
        evs = self.journal.events(
            None, self.now(), kinds=["machine_state"], sources=[mid], limit=1, newest_first=True
        )
        if evs and evs[0].data.get("state") == state:
            return evs[0].ts
        return None

    def line_order(self) -> list[str]:
        """Machines in the order the product passes them (config order)."""
        return list(self.catalog.machines)
