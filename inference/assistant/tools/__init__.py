"""The assistant's tools over the plant's data: one module per tool, each carrying its own spec.

Every tool returns a `ToolResult`: `summary` (the deterministic answer in words), `localized` (the
same in German and Chinese for the common intents), `facts` (plain JSON), `key_facts` and
`sources` (clickable in the app, plain references in exports). `PlantTools.call(name, args)` is
the validated call by name; `registry.TOOLS` lists the tools.
"""

from inference.assistant.tools.alarms import ALARM_STATES
from inference.assistant.tools.base import Param, Source, Tool, ToolError, ToolResult, ToolSpec
from inference.assistant.tools.context import LiveSnapshot, PlantTools
from inference.assistant.tools.fmt import fmt_duration, fmt_num, quality_word, utc_iso
from inference.assistant.tools.registry import TOOL_SPECS, TOOLS

__all__ = [
    "ALARM_STATES",
    "TOOLS",
    "TOOL_SPECS",
    "LiveSnapshot",
    "Param",
    "PlantTools",
    "Source",
    "Tool",
    "ToolError",
    "ToolResult",
    "ToolSpec",
    "fmt_duration",
    "fmt_num",
    "quality_word",
    "utc_iso",
]
