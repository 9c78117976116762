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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CARD_SUFFIX = ".card.json"


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


def _specs(raw: Any, where: str, model: str) -> list[TensorSpec]:
    if not isinstance(raw, list) or not raw:
        raise ModelError(model, f"card field {where!r} must be a non-empty list of tensors")
    out = []
    for i, t in enumerate(raw):
        try:
            out.append(TensorSpec(**t))
        except TypeError as exc:
            raise ModelError(model, f"card field {where}[{i}] is malformed: {exc}") from None
    return out


def read_card(path: Path) -> ModelCard:
    """Parse a card file; errors name the card and the field."""
    name = path.name.removesuffix(CARD_SUFFIX)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(name, f"model card {path} is missing") from None
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
    raw = dict(raw)
    raw["inputs"] = _specs(raw["inputs"], "inputs", name)
    raw["outputs"] = _specs(raw["outputs"], "outputs", name)
    return ModelCard(**raw)
