"""ISA-18.2 alarm management (no Qt): definitions, engine, shelving policy, KPIs.

    from hmi.core.alarms import AlarmEngine, load_definitions
    defs, problems = load_definitions(config)
    engine = AlarmEngine(config, defs, journal)
    engine.restore()                     # states from before a restart
    engine.alarms_changed.connect(cb)    # cb(list[AlarmRecord]), called on the engine's thread
    engine.process(batch); engine.tick()

See docs/alarms.md for the config schema and the state model.
"""

from hmi.core.alarms.definitions import load_definitions
from hmi.core.alarms.engine import AlarmEngine, Signal, UnknownAlarm
from hmi.core.alarms.model import (
    AlarmDefinition,
    AlarmJournal,
    AlarmKind,
    AlarmProblem,
    AlarmRecord,
    AlarmState,
    AlarmSummary,
    Condition,
    Priority,
)

__all__ = [
    "AlarmDefinition",
    "AlarmEngine",
    "AlarmJournal",
    "AlarmKind",
    "AlarmProblem",
    "AlarmRecord",
    "AlarmState",
    "AlarmSummary",
    "Condition",
    "Priority",
    "Signal",
    "UnknownAlarm",
    "load_definitions",
]
