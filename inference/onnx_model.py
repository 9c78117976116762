"""ONNX Runtime sessions for LineHMI's models: checked against their cards, provider chosen at run time.

`load_model(card_path)` refuses (ModelError) a model whose file is missing,
corrupt, different from its card's sha256, or whose graph inputs/outputs do
not match the card. `LoadedModel.run()` refuses inputs of the wrong shape or
dtype and non-finite values, so a bad sensor window is an error the caller
shows, never a silent garbage prediction.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from inference.model_card import ModelCard, ModelError, TensorSpec, read_card, sha256_of, train_command

log = logging.getLogger(__name__)

# ONNX Runtime's tensor type strings -> numpy dtype names.
_ORT_TYPES = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(float16)": "float16",
    "tensor(int64)": "int64",
    "tensor(int32)": "int32",
    "tensor(uint8)": "uint8",
    "tensor(int8)": "int8",
    "tensor(bool)": "bool",
    "tensor(string)": "str",
}

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"


# The two distributions that provide the `onnxruntime` module: the install profiles `cpu` and `gpu`.
RUNTIME_DISTRIBUTIONS = ("onnxruntime", "onnxruntime-gpu")
RUNTIME_MISSING = (
    "onnxruntime is not installed: install LineHMI's `cpu` profile (pip install 'linehmi[cpu]') "
    "or, on a workstation with an NVIDIA GPU, the `gpu` profile"
)


def onnxruntime_module() -> Any | None:
    """The onnxruntime module, or None where neither model-runtime profile is installed."""
    try:
        import onnxruntime
    except ImportError:
        return None
    return onnxruntime


def installed_runtimes() -> list[str]:
    """'onnxruntime 1.32.0' / 'onnxruntime-gpu 1.31.1': what pip installed (both is a broken install)."""
    found = []
    for dist in RUNTIME_DISTRIBUTIONS:
        try:
            found.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            continue
    return found


def runtime_problem() -> str:
    """A sentence for `models list` and the log when the model runtime install is wrong, else ""."""
    found = installed_runtimes()
    if not found:
        return RUNTIME_MISSING
    if len(found) > 1:
        return (
            f"both {' and '.join(found)} are installed; they overwrite each other's files: "
            "uninstall both and install one profile (`cpu` or `gpu`)"
        )
    return ""


def available_providers() -> list[str]:
    ort = onnxruntime_module()
    return [] if ort is None else list(ort.get_available_providers())


def preferred_providers(prefer: str = "auto") -> list[str]:
    """CUDA first when this onnxruntime build has it (and LINEHMI_DEVICE does not say cpu), then CPU."""
    prefer = os.environ.get("LINEHMI_DEVICE", prefer).lower()
    have = available_providers()
    if prefer in ("auto", "cuda") and CUDA in have:
        return [CUDA, CPU]
    if prefer == "cuda":
        log.warning("CUDA requested but this onnxruntime has no CUDA provider (has: %s); using CPU", have)
    return [CPU]


@dataclass(frozen=True)
class RunStats:
    calls: int
    mean_ms: float
    last_ms: float


class LoadedModel:
    """One checked ONNX Runtime session. `run` is thread-safe (ORT sessions are)."""

    def __init__(self, card: ModelCard, path: Path, session: object, provider: str) -> None:
        self.card = card
        self.path = path
        self.session = session
        self.provider = provider
        self._lock = threading.Lock()
        self._calls = 0
        self._total_ms = 0.0
        self._last_ms = 0.0

    @property
    def name(self) -> str:
        return self.card.name

    @property
    def label(self) -> str:
        """For the UI and CLI: "fault_predictor 1.0.0 on CPU"."""
        device = "CUDA" if self.provider == CUDA else "CPU"
        return f"{self.card.name} {self.card.version} on {device}"

    @property
    def stats(self) -> RunStats:
        with self._lock:
            mean = self._total_ms / self._calls if self._calls else 0.0
            return RunStats(self._calls, mean, self._last_ms)

    def check_input(self, spec: TensorSpec, value: np.ndarray) -> np.ndarray:
        if not isinstance(value, np.ndarray):
            raise ModelError(
                self.name, f"input {spec.name!r} must be a numpy array, got {type(value).__name__}"
            )
        if value.dtype.name != spec.dtype:
            raise ModelError(self.name, f"input {spec.name!r} must be {spec.dtype}, got {value.dtype.name}")
        if value.ndim != len(spec.shape):
            raise ModelError(
                self.name, f"input {spec.name!r} must have shape {spec.shape}, got {list(value.shape)}"
            )
        for axis, dim in spec.fixed_dims():
            if value.shape[axis] != dim:
                raise ModelError(
                    self.name, f"input {spec.name!r} must have shape {spec.shape}, got {list(value.shape)}"
                )
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            bad = int(np.size(value) - np.count_nonzero(np.isfinite(value)))
            raise ModelError(self.name, f"input {spec.name!r} holds {bad} NaN/inf values")
        return value

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        wanted = {s.name: s for s in self.card.inputs}
        if set(feeds) != set(wanted):
            raise ModelError(self.name, f"inputs must be {sorted(wanted)}, got {sorted(feeds)}")
        checked = {n: self.check_input(wanted[n], v) for n, v in feeds.items()}
        t0 = time.perf_counter()
        try:
            outs = self.session.run(None, checked)  # type: ignore[attr-defined]
        except Exception as exc:  # ORT raises its own exception types
            raise ModelError(self.name, f"inference failed: {exc}") from None
        ms = (time.perf_counter() - t0) * 1000.0
        with self._lock:
            self._calls += 1
            self._total_ms += ms
            self._last_ms = ms
        return {s.name: o for s, o in zip(self.card.outputs, outs, strict=True)}

    def warm_up(self, batch: int = 1) -> None:
        """One inference on zeros so the first real call is not the slow one."""
        feeds = {}
        for s in self.card.inputs:
            shape = [batch if isinstance(d, str) else d for d in s.shape]
            feeds[s.name] = np.zeros(shape, dtype=s.dtype)
        self.run(feeds)


def _check_graph(card: ModelCard, session: object) -> None:
    def compare(kind: str, declared: list[TensorSpec], actual: list[object]) -> None:
        names = [a.name for a in actual]  # type: ignore[attr-defined]
        if names != [s.name for s in declared]:
            raise ModelError(
                card.name, f"{kind} are {names} in the file but {[s.name for s in declared]} on the card"
            )
        for spec, a in zip(declared, actual, strict=True):
            dtype = _ORT_TYPES.get(a.type, a.type)  # type: ignore[attr-defined]
            if dtype != spec.dtype:
                raise ModelError(
                    card.name, f"{kind[:-1]} {spec.name!r} is {dtype} in the file, {spec.dtype} on the card"
                )
            shape = list(a.shape)  # type: ignore[attr-defined]
            if len(shape) != len(spec.shape):
                raise ModelError(
                    card.name,
                    f"{kind[:-1]} {spec.name!r} has shape {shape} in the file, {spec.shape} on the card",
                )
            for d_file, d_card in zip(shape, spec.shape, strict=True):
                if isinstance(d_file, int) and isinstance(d_card, int) and d_file != d_card:
                    raise ModelError(
                        card.name,
                        f"{kind[:-1]} {spec.name!r} has shape {shape} in the file, {spec.shape} on the card",
                    )

    compare("inputs", card.inputs, session.get_inputs())  # type: ignore[attr-defined]
    compare("outputs", card.outputs, session.get_outputs())  # type: ignore[attr-defined]


def load_model(
    card_path: Path | str, *, prefer: str = "auto", threads: int = 1, warm_up: bool = True
) -> LoadedModel:
    """Load and check one model. Raises ModelError naming the model and the problem."""
    card_path = Path(card_path)
    card = read_card(card_path)
    ort = onnxruntime_module()
    if ort is None:
        raise ModelError(card.name, RUNTIME_MISSING)
    model_path = card_path.parent / card.file
    if not model_path.is_file():
        raise ModelError(
            card.name, f"model file {model_path} is missing (train it with `{train_command(card)}`)"
        )
    digest = sha256_of(model_path)
    if digest != card.sha256:
        raise ModelError(
            card.name,
            f"{model_path.name} does not match its card (sha256 {digest[:12]}…, card says {card.sha256[:12]}…)",
        )
    opts = ort.SessionOptions()
    # One thread per model by default: the HMI shares a small PC with the GUI and the journal.
    opts.intra_op_num_threads = max(1, int(threads))
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    providers = preferred_providers(prefer)
    try:
        session = ort.InferenceSession(str(model_path), sess_options=opts, providers=providers)
    except Exception as exc:
        if providers[0] != CPU:  # a broken CUDA install must not cost the model
            log.warning("model %s: CUDA session failed (%s); falling back to CPU", card.name, exc)
            try:
                session = ort.InferenceSession(str(model_path), sess_options=opts, providers=[CPU])
            except Exception as exc2:
                raise ModelError(
                    card.name, f"{model_path.name} is not a loadable ONNX model: {exc2}"
                ) from None
        else:
            raise ModelError(card.name, f"{model_path.name} is not a loadable ONNX model: {exc}") from None
    _check_graph(card, session)
    model = LoadedModel(card, model_path, session, session.get_providers()[0])
    if warm_up:
        model.warm_up()
    log.info("model loaded: %s", model.label)
    return model
