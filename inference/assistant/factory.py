"""Building an Assistant for the app, the CLI and the bench (no Qt).

assistant = build_assistant(config=cfg, journal_dir="data", live=snapshot_fn, clock=time.time)
assistant = build_assistant(db_files=["line1_2026-03-29.db"])          # offline review
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hmi.core.alarms.event_codec import transitions
from hmi.core.production.setup import ProductionSetup
from inference.assistant.assistant import Assistant, LanguageModel
from inference.assistant.catalog import Catalog
from inference.assistant.journal_access import AssistantJournal, JournalSource
from inference.assistant.procedures import ProcedureIndex
from inference.assistant.timeparse import ShiftCalendar
from inference.assistant.tools import LiveSnapshot, PlantTools
from inference.assistant.tools.context import ModelScope
from inference.fault.predictor import DEFAULT_CARD, model_scope
from inference.fault.readout_text import horizon_s, refresh_s, rul_limits
from inference.model_card import ModelError, read_card

if TYPE_CHECKING:
    from hmi.core.config import LineConfig

log = logging.getLogger(__name__)

ENV_MODEL_DIR = "LINEHMI_ASSISTANT_DIR"


def default_model_dir() -> Path:
    """Where `linehmi models prepare-assistant` writes the prepared model (never inside the repo)."""
    env = os.environ.get(ENV_MODEL_DIR)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "linehmi" / "assistant"


def model_dir_from_config(config: LineConfig | None) -> Path:
    """`[assistant] model_dir` when the config sets it (see docs/assistant.md), else the default."""
    d = config.assistant.model_dir if config is not None else ""
    return Path(d).expanduser() if d else default_model_dir()


def load_configured_model(config: LineConfig | None) -> tuple[LanguageModel | None, str]:
    """The language model that `[assistant]` asks for (directory, provider, on/off)."""
    if config is not None and not config.assistant.use_model:
        return None, "the language model is switched off in the line config ([assistant] use_model)"
    provider = config.assistant.provider if config is not None else "auto"
    return load_language_model(model_dir_from_config(config), provider)


def live_snapshot_from(live_values: Any) -> LiveSnapshot:
    """A snapshot callable over `hmi.core.live_values.LiveValues` (read-only, any thread).

    Each element is copied out of numpy arrays the GUI thread updates in place;
    a value and its timestamp may come from two adjacent batches, which is
    harmless for a question about "now".
    """

    def snap() -> dict[str, tuple[float, int, float]]:
        v, s, t = live_values.value.copy(), live_values.status.copy(), live_values.source_ts.copy()
        return {n: (float(v[i]), int(s[i]), float(t[i])) for i, n in enumerate(live_values.names)}

    return snap


def load_language_model(
    model_dir: Path | None = None, provider: str = "auto"
) -> tuple[LanguageModel | None, str]:
    """(model, "") or (None, why not): a missing or corrupt model never stops the assistant."""
    d = model_dir or default_model_dir()
    try:
        from inference.assistant.llm.runtime import LocalLM, ModelUnavailable
    except ImportError as exc:  # the assistant extra is not installed
        return None, f"the language model needs the 'assistant' extra ({exc})"
    try:
        return LocalLM.load(d, provider=provider), ""
    except ModelUnavailable as exc:
        return None, str(exc)
    except Exception as exc:  # corrupt files: onnxruntime / tokenizers errors
        log.exception("assistant model in %s could not be loaded", d)
        return None, f"the language model in {d} could not be loaded: {exc}"


def fault_model_scope(card: Path = DEFAULT_CARD) -> ModelScope | None:
    """What the app's fault model predicts and covers, from its card (the one the predictor loads);
    None when the card cannot be read (the risk answers then say nothing about the model's scope)."""
    try:
        extra = read_card(card).extra
        return ModelScope(*model_scope(extra), *rul_limits(extra), refresh_s(extra), horizon_s(extra))
    except ModelError as exc:
        log.warning("the assistant cannot say what the fault model covers: %s", exc)
        return None


def build_assistant(
    *,
    config: Any | None = None,
    db_files: Sequence[Path | str] = (),
    journal: AssistantJournal | None = None,
    journal_dir: Path | str | None = None,
    live: LiveSnapshot | None = None,
    clock: Callable[[], float] | None = None,
    now: float | None = None,
    calendar: ShiftCalendar | None = None,
    procedures_dir: Path | str | None = None,
    model: LanguageModel | None = None,
    model_dir: Path | str | None = None,
    use_model: bool = False,
    provider: str = "auto",
) -> Assistant:
    if journal is not None:
        pass  # given: the plant historian (inference.assistant.plant_access) or a source built by the caller
    elif db_files:
        journal = JournalSource(db_files)
    elif journal_dir is not None and config is not None:
        journal = JournalSource(directory=journal_dir, line_id=config.line.id)
    if config is not None:
        catalog = Catalog.from_config(config)
    elif journal is not None:
        meta, rows = journal.meta_and_tags()
        snaps = [t.snapshot for t in transitions(journal.events(kinds=["alarm"]))]
        catalog = Catalog.from_journal_rows(meta, rows, snaps)
    else:
        raise ValueError("build_assistant needs a line config or journal files")
    cal = calendar or (ShiftCalendar.from_config(config) if config is not None else ShiftCalendar.default())
    tools = PlantTools(
        catalog,
        journal,
        cal,
        live=live,
        procedures=ProcedureIndex(procedures_dir),
        clock=clock,
        now=now,
        production=ProductionSetup.from_config(config) if config is not None else None,
        fault_model=fault_model_scope(),
    )
    lm_error = ""
    if model is None and use_model:
        model, lm_error = load_language_model(
            Path(model_dir) if model_dir else model_dir_from_config(config), provider
        )
    elif not use_model:
        model, lm_error = None, "the language model is switched off"
    return Assistant(tools, model, lm_error=lm_error)
