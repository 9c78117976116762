"""Model cards: what a shipped ONNX model is, what it expects, how good it is.

Each model lives as two files side by side: ``NAME.onnx`` and
``NAME.card.json``. The card is the contract the HMI checks before it trusts
the model: the file's sha256, input/output names with shapes and dtypes, the
normalisation applied to inputs, what it was trained on and its measured
metrics. A card that does not match its file is a refusal, never a warning.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

CARD_SUFFIX = ".card.json"
_MAX_CARD_BYTES = 16 * 1024 * 1024


class ModelError(Exception):
    """A model that cannot be used; str() names the model and what is wrong."""

    def __init__(self, model: str, problem: str):
        self.model = model
        self.problem = problem
        super().__init__(f"model {model!r}: {problem}")


@dataclass(frozen=True)
class TensorSpec:
    name: str
    # Dimensions: an int, or a string for a free dimension such as "batch".
    shape: list[int | str]
    dtype: str  # numpy dtype name: float32, int64, uint8...
    description: str = ""
    # How raw values become this tensor (e.g. per-feature mean/std); free-form but exact.
    normalisation: dict[str, Any] = field(default_factory=dict)

    def fixed_dims(self) -> list[tuple[int, int]]:
        return [(i, d) for i, d in enumerate(self.shape) if isinstance(d, int)]


@dataclass(frozen=True)
class ModelCard:
    name: str
    version: str
    file: str  # the .onnx file name, relative to the card
    sha256: str
    task: str  # e.g. "fault-prediction", "visual-qc"
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    training_data: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    framework: str = ""
    created: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # model-specific settings (labels, thresholds...)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=False) + "\n"

    def save(self, path: Path) -> None:
        path.write_text(self.to_json(), encoding="utf-8")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def card_path_for(model_path: Path) -> Path:
    return model_path.with_name(model_path.name.removesuffix(".onnx") + CARD_SUFFIX)


# --- validation: one validator for `linehmi models list` and every runtime that loads a card --------

Check = Callable[[Any], str | None]  # None when the value is fine, else what was expected


def _got(v: Any) -> str:
    text = repr(v)
    return f"{type(v).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def number(
    lo: float | None = None, hi: float | None = None, *, lo_open: bool = False, integer: bool = False
) -> Check:
    """A finite JSON number (never a string or a boolean) within [lo, hi] (lo excluded if lo_open)."""
    kind = "a whole number" if integer else "a number"
    bounds = []
    if lo is not None:
        bounds.append(f"{'>' if lo_open else '>='} {lo:g}")
    if hi is not None:
        bounds.append(f"<= {hi:g}")
    want = kind + (" " + " and ".join(bounds) if bounds else "")

    def check(v: Any) -> str | None:
        ok = not isinstance(v, bool) and isinstance(v, int if integer else int | float)
        ok = ok and math.isfinite(v)
        ok = ok and (lo is None or (v > lo if lo_open else v >= lo)) and (hi is None or v <= hi)
        return None if ok else f"must be {want}, got {_got(v)}"

    return check


def or_null(check: Check) -> Check:
    """`check`, or JSON null (a figure the training run could not measure)."""
    return lambda v: None if v is None else check(v)


def text(v: Any) -> str | None:
    return None if isinstance(v, str) else f"must be a string, got {_got(v)}"


def list_of(item: Check, *, min_len: int = 0, length: int | None = None) -> Check:
    def check(v: Any) -> str | None:
        if not isinstance(v, list):
            return f"must be a list, got {_got(v)}"
        if length is not None and len(v) != length:
            return f"must have {length} entries, got {len(v)}"
        if len(v) < min_len:
            return f"must have at least {min_len} entries, got {len(v)}"
        for i, x in enumerate(v):
            why = item(x)
            if why:
                return f"[{i}] {why}"
        return None

    return check


def map_of(item: Check) -> Check:
    def check(v: Any) -> str | None:
        if not isinstance(v, dict):
            return f"must be an object, got {_got(v)}"
        for k, x in v.items():
            why = item(x)
            if why:
                return f"[{k!r}] {why}"
        return None

    return check


def _features(card_inputs: list[TensorSpec]) -> int | None:
    last = card_inputs[0].shape[-1] if card_inputs and card_inputs[0].shape else None
    return last if isinstance(last, int) else None


# What the runtimes read from a card beyond its tensors, per task, by dotted path: checked
# before any of it is used, so a card edited by hand ("horizon_s": "two minutes") disables that
# model with this message instead of a traceback at start-up. Fields not listed are documentation.
CARD_RULES: dict[str, dict[str, Check]] = {
    "fault-prediction": {
        "extra.horizon_s": number(0, 86_400, lo_open=True),
        "extra.rul_max_s": number(0, 86_400 * 365, lo_open=True),
        "extra.threshold_on": number(0, 1, lo_open=True),
        "extra.threshold_off": number(0, 1),
        "extra.predict_every_s": number(0, 3600, lo_open=True),
        "extra.confirm": number(1, 1000, integer=True),
        "extra.clear_hold_s": number(0, 86_400),
        "extra.nominal_speed": map_of(number(0, 1e9, lo_open=True)),
        "extra.trip_temp_c": map_of(number(-273.15, 10_000)),
        "extra.signal_groups": map_of(list_of(number(0, None, integer=True), min_len=1)),
        "extra.healthy_reference": map_of(list_of(number())),
        "metrics.test_seen.model.rul_rmse_s": or_null(number(0)),
    },
    "visual-qc": {
        "extra.classes": list_of(text, min_len=2),
        "extra.reject_below_p_ok": number(0, 1),
        "extra.camera_size": number(1, 65_536, integer=True),
    },
}


def _rule_problem(card: ModelCard, dotted: str, check: Check) -> str | None:
    """Apply one rule; an absent field is fine (the runtime has a default), a non-object parent is not."""
    top, *rest = dotted.split(".")
    obj: Any = getattr(card, top)
    for i, key in enumerate(rest):
        if obj is None:
            return None
        if not isinstance(obj, dict):
            return f"field '{'.'.join([top, *rest[:i]])}' must be an object, got {_got(obj)}"
        if key not in obj:
            return None
        obj = obj[key]
    why = check(obj)
    return f"field '{dotted}' {why}" if why else None


def _cross_checks(card: ModelCard) -> list[tuple[str, str]]:
    """Rules between fields of `extra` and the tensors: (field, problem)."""
    out: list[tuple[str, str]] = []
    e = card.extra
    if card.task == "fault-prediction":
        on, off = e.get("threshold_on"), e.get("threshold_off")
        if on is not None and off is not None and not off < on:
            out.append(("extra.threshold_off", f"must be below threshold_on {on:g}, got {off:g}"))
        n = _features(card.inputs)
        if n is not None:
            for name, idx in e.get("signal_groups", {}).items():
                if any(i >= n for i in idx):
                    out.append((f"extra.signal_groups[{name!r}]", f"feature indices must be below {n}"))
            for name, ref in e.get("healthy_reference", {}).items():
                if len(ref) != n:
                    out.append(
                        (f"extra.healthy_reference[{name!r}]", f"must have {n} entries, got {len(ref)}")
                    )
    if card.task == "visual-qc":
        classes = e.get("classes", [])
        if len(set(classes)) != len(classes):
            out.append(("extra.classes", "must not repeat a class"))
        n = _features(card.outputs)
        if classes and n is not None and n != len(classes):
            out.append(
                (
                    "extra.classes",
                    f"must name the {n} outputs of {card.outputs[0].name!r}, got {len(classes)}",
                )
            )
    return out


_TOP_TEXT = ("name", "version", "file", "sha256", "task", "training_data", "framework", "created")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _spec_problem(t: Any) -> str | None:
    if not isinstance(t, dict):
        return f"must be an object with name, shape and dtype, got {_got(t)}"
    unknown = sorted(set(t) - set(TensorSpec.__dataclass_fields__))
    if unknown:
        return f"has unknown fields {', '.join(unknown)}"
    for key in ("name", "shape", "dtype"):
        if key not in t:
            return f"lacks {key}"
    if not isinstance(t["name"], str) or not t["name"]:
        return f"name must be a non-empty string, got {_got(t['name'])}"
    shape = t["shape"]
    if (
        not isinstance(shape, list)
        or not shape
        or not all(
            (isinstance(d, int) and not isinstance(d, bool) and d > 0) or (isinstance(d, str) and d)
            for d in shape
        )
    ):
        return f"shape must be a list of positive sizes or names of free dimensions, got {_got(shape)}"
    dtype_wanted = f"dtype must be a numpy dtype name such as float32, got {_got(t['dtype'])}"
    if not isinstance(t["dtype"], str):
        return dtype_wanted
    try:
        np.dtype(t["dtype"])
    except TypeError:
        return dtype_wanted
    if not isinstance(t.get("description", ""), str):
        return f"description must be a string, got {_got(t['description'])}"
    if not isinstance(t.get("normalisation", {}), dict):
        return f"normalisation must be an object, got {_got(t['normalisation'])}"
    return None


def _specs(raw: Any, where: str, model: str, path: Path) -> list[TensorSpec]:
    if not isinstance(raw, list) or not raw:
        raise ModelError(model, f"model card {path}: field {where!r} must be a non-empty list of tensors")
    out = []
    for i, t in enumerate(raw):
        why = _spec_problem(t)
        if why:
            raise ModelError(model, f"model card {path}: field '{where}[{i}]' {why}")
        out.append(TensorSpec(**t))
    return out


def validate_card(raw: dict[str, Any], path: Path, name: str) -> ModelCard:
    """Every field's type and domain, then the task's rules (CARD_RULES); ModelError names
    the card file and the field."""
    for key in _TOP_TEXT:
        if key in raw and not isinstance(raw[key], str):
            raise ModelError(name, f"model card {path}: field {key!r} must be a string, got {_got(raw[key])}")
    if not _SHA256.fullmatch(raw["sha256"]):
        raise ModelError(name, f"model card {path}: field 'sha256' must be 64 lower-case hex digits")
    for key in ("metrics", "extra"):
        if key in raw and not isinstance(raw[key], dict):
            raise ModelError(
                name, f"model card {path}: field {key!r} must be an object, got {_got(raw[key])}"
            )
    raw = dict(raw)
    raw["inputs"] = _specs(raw["inputs"], "inputs", name, path)
    raw["outputs"] = _specs(raw["outputs"], "outputs", name, path)
    card = ModelCard(**raw)
    for dotted, check in CARD_RULES.get(card.task, {}).items():
        why = _rule_problem(card, dotted, check)
        if why:
            raise ModelError(name, f"model card {path}: {why}")
    for fld, why in _cross_checks(card):
        raise ModelError(name, f"model card {path}: field '{fld}' {why}")
    return card


# The command that (re)trains the model of each task (inference/models_cli.py): a missing or
# stale model file names it, so the person reading the message can act on it.
TRAIN_COMMANDS = {"fault-prediction": "linehmi models train-fault", "visual-qc": "linehmi models train-qc"}


def train_command(card: ModelCard) -> str:
    """The `linehmi models ...` command that trains this card's model."""
    return TRAIN_COMMANDS.get(card.task, "linehmi models --help")


def read_card(path: Path) -> ModelCard:
    """Parse a card file; errors name the card and the field."""
    name = path.name.removesuffix(CARD_SUFFIX)
    try:
        if path.stat().st_size > _MAX_CARD_BYTES:
            raise ModelError(name, f"model card {path} is unreadable: larger than 16 MB")
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(name, f"model card {path} is missing") from None
    except RecursionError:
        raise ModelError(name, f"model card {path} is unreadable: nested too deeply") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(name, f"model card {path} is unreadable: {exc}") from None
    if not isinstance(raw, dict):
        raise ModelError(name, f"model card {path} must hold a JSON object")
    name = str(raw.get("name") or name)
    missing = [k for k in ("name", "version", "file", "sha256", "task", "inputs", "outputs") if k not in raw]
    if missing:
        raise ModelError(name, f"model card {path} lacks {', '.join(missing)}")
    known = set(ModelCard.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ModelError(name, f"model card {path} has unknown fields {', '.join(unknown)}")
    return validate_card(raw, path, name)
