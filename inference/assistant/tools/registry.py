"""Every tool the assistant has, by name: the one list the router, the model's tool choice and
`PlantTools.call` use. Adding a tool: a module with a `Tool` subclass, and one line here."""

from __future__ import annotations

from inference.assistant.tools.actions import OperatorActions
from inference.assistant.tools.alarms import Alarms
from inference.assistant.tools.base import Tool, ToolSpec
from inference.assistant.tools.kpis import AlarmKpis
from inference.assistant.tools.procedures import SearchProcedures
from inference.assistant.tools.production import Production
from inference.assistant.tools.quality import QcRates
from inference.assistant.tools.risk import FaultRisk
from inference.assistant.tools.stats import TagStats
from inference.assistant.tools.stops import EventSequence, MachineStates
from inference.assistant.tools.values import CurrentValue, MachineStatus

TOOLS: dict[str, Tool] = {
    t.name: t
    for t in (
        CurrentValue(),
        MachineStatus(),
        TagStats(),
        Alarms(),
        EventSequence(),
        MachineStates(),
        QcRates(),
        FaultRisk(),
        AlarmKpis(),
        SearchProcedures(),
        OperatorActions(),
        Production(),
    )
}

TOOL_SPECS: dict[str, ToolSpec] = {name: t.spec for name, t in TOOLS.items()}
