"""What every tool shares: the result it returns, its sources, its spec and the Tool base class.

The shape is Home Assistant's `helpers/llm.py` Tool: each tool is an object that carries its own
name, description and parameter schema next to the code that answers, so adding a tool is adding
one module (and one line in `registry.py`), and a language model's tool call is validated against
the same spec the tool runs with.
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from inference.assistant.tools.context import PlantTools


@dataclass(frozen=True, slots=True)
class Source:
    """A reference an answer rests on. `kind`: alarm | trend | procedure | event | kpi | qc | advisory.

    `uri()` opens it in the app (the pane); `plain()` is how it reads outside the app (Markdown or
    PDF export): the event's time and text, the alarm's message, the document and section."""

    kind: str
    label: str
    ref: dict[str, Any] = field(default_factory=dict)

    def uri(self) -> str:
        r = self.ref
        if self.kind == "alarm":
            return f"linehmi://alarm/{r.get('alarm', '')}"
        if self.kind == "trend":
            q_ = f"t={r.get('t', '')}"
            if "t0" in r:
                q_ += f"&t0={r['t0']}&t1={r['t1']}"
            return f"linehmi://trend/{r.get('tag', '')}?{q_}"
        if self.kind == "procedure":
            return f"linehmi://procedure/{r.get('doc', '')}#{r.get('anchor', '')}"
        if self.kind == "event":
            return f"linehmi://event/{r.get('file', '')}/{r.get('id', '')}"
        return f"linehmi://{self.kind}/" + "/".join(str(v) for v in r.values())

    def plain(self) -> str:
        """The reference in words, for a document read outside the app."""
        r = self.ref
        if self.kind == "procedure":
            return f"{r.get('doc_id') or r.get('doc', '')}, section \u201c{r.get('section', '')}\u201d"
        where = f" (journal {r['file']}, event {r['id']})" if r.get("file") and r.get("id") else ""
        return f"{self.label}{where}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "ref": dict(self.ref),
            "uri": self.uri(),
            "plain": self.plain(),
        }


@dataclass
class ToolResult:
    tool: str
    args: dict[str, Any]
    summary: str
    facts: dict[str, Any] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    ok: bool = True
    error: str = ""
    # The facts an answer must state (a number, a state word, an alarm id): a model's phrasing that
    # leaves them out is replaced by `summary`, like one that states something the facts lack.
    key_facts: list[str] = field(default_factory=list)
    # The same answer in other languages ("de", "zh") for the common intents; English is `summary`.
    localized: dict[str, str] = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        return self.localized.get(lang, self.summary) if lang != "en" else self.summary

    def grounding_text(self) -> str:
        """Everything an answer may quote: the rendering, the facts and the arguments."""
        return "\n".join(
            [
                self.summary,
                json.dumps(self.facts, ensure_ascii=False, default=str),
                json.dumps(self.args, default=str),
            ]
            + [s.label for s in self.sources]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "args": self.args,
            "ok": self.ok,
            "error": self.error,
            "summary": self.summary,
            "localized": self.localized,
            "key_facts": self.key_facts,
            "facts": self.facts,
            "sources": [s.to_dict() for s in self.sources],
        }


class ToolError(ValueError):
    """A tool call that cannot run (unknown tag, bad argument): str() says what was expected."""


# --- tool schema (for language-model tool choice and for validation) -------------------------------------


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: str  # "str" | "float" | "int"
    required: bool = False
    enum: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    description: str
    params: tuple[Param, ...] = ()

    def validate(self, args: Mapping[str, Any]) -> dict[str, Any]:
        known = {p.name: p for p in self.params}
        unknown = set(args) - set(known)
        if unknown:
            raise ToolError(f"{self.name}: unknown argument(s) {', '.join(sorted(unknown))}")
        out: dict[str, Any] = {}
        for p in self.params:
            if p.name not in args or args[p.name] in (None, ""):
                if p.required:
                    raise ToolError(f"{self.name}: argument '{p.name}' is required")
                continue
            v = args[p.name]
            try:
                if p.type == "float":
                    v = float(v)
                    if not math.isfinite(v):
                        raise ValueError
                elif p.type == "int":
                    v = int(v)
                else:
                    v = str(v)
            except (TypeError, ValueError):
                raise ToolError(
                    f"{self.name}: argument '{p.name}' must be a {p.type}, got {args[p.name]!r}"
                ) from None
            if p.enum and v not in p.enum:
                raise ToolError(
                    f"{self.name}: argument '{p.name}' must be one of {', '.join(p.enum)}, got {v!r}"
                )
            out[p.name] = v
        return out


TIME_PARAMS = (
    Param("start", "float", description="POSIX seconds"),
    Param("end", "float", description="POSIX seconds"),
)


class Tool(ABC):
    """One tool: its spec (name, description, parameters) and `run(ctx, **args) -> ToolResult`.

    Subclasses set `name`, `description`, `params` and implement `run`; `ctx` is the `PlantTools`
    the tool reads through (journal, live values, catalog, calendar, procedures)."""

    name: ClassVar[str]
    description: ClassVar[str]
    params: ClassVar[tuple[Param, ...]] = ()

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(self.name, self.description, self.params)

    @abstractmethod
    def run(self, ctx: PlantTools, **args: Any) -> ToolResult:
        """Answer from the plant data; raise ToolError for an argument that names nothing."""

    def call(self, ctx: PlantTools, args: Mapping[str, Any]) -> ToolResult:
        """Validated call (what a language model's tool call goes through)."""
        return self.run(ctx, **self.spec.validate(args))
