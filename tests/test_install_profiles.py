"""Install profiles and the model runtime: each place gets only what it runs, and the GPU is optional.

- the base profile (headless logger, CLI) runs with no Qt, no torch, no training stack and not even a
  model runtime: the models are disabled with a message naming the profile to install;
- the GUI profile (the demo) never imports torch or the training stack;
- the execution provider is CUDA where onnxruntime-gpu sees a device, CPU otherwise, and a CUDA session
  that cannot start falls back to CPU with the provider shown truthfully;
- the window's missing system libraries are named with the exact apt-get line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from hmi.ui import system_libs
from inference import onnx_model
from inference.model_card import ModelError

ROOT = Path(__file__).resolve().parents[1]
RUN_WITHOUT = ROOT / "tests" / "helpers" / "run_without.py"
FAULT_CARD = ROOT / "resources" / "models" / "fault_predictor.card.json"

QT = {"PySide6", "shiboken6", "pyqtgraph"}
TRAINING = {"torch", "sklearn", "skl2onnx"}
ASSISTANT = {"transformers", "tokenizers", "gguf", "onnx"}
MODEL_RUNTIME = {"onnxruntime"}


def _run_without(blocked: set[str], *args: str, tmp_path: Path, env: dict[str, str] | None = None):
    out = subprocess.run(
        [sys.executable, str(RUN_WITHOUT), ",".join(sorted(blocked)), "--", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )
    lines = {ln.split(":", 1)[0]: ln.split(":", 1)[1].strip() for ln in out.stdout.splitlines() if ":" in ln}
    imported = set(lines.get("imported", "").split(","))
    return out, imported


def test_base_profile_runs_the_headless_logger_without_qt_torch_or_model_runtime(tmp_path):
    blocked = QT | TRAINING | ASSISTANT | MODEL_RUNTIME
    out, imported = _run_without(
        blocked, "demo", "--headless", "--seconds", "3", "--journal-dir", str(tmp_path), tmp_path=tmp_path
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert not imported & blocked, imported & blocked
    dbs = list(tmp_path.glob("line1_*.db"))
    assert dbs, "the headless logger journaled nothing"
    # The models are off with a message that names the profile to install, and the logger kept logging.
    assert "linehmi[cpu]" in out.stderr


def test_gui_profile_never_imports_the_training_stack(tmp_path):
    shot = tmp_path / "shot.png"
    out, imported = _run_without(
        TRAINING,
        "demo",
        "--seconds",
        "4",
        "--screenshot",
        str(shot),
        "--journal-dir",
        str(tmp_path),
        tmp_path=tmp_path,
        env={"QT_QPA_PLATFORM": "offscreen", "LINEHMI_SOUND": "0"},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "PySide6" in imported  # it really opened the window
    assert not imported & TRAINING, imported & TRAINING
    assert shot.is_file()


def test_profiles_in_pyproject_keep_cpu_and_gpu_runtimes_apart():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = meta["optional-dependencies"]
    base = " ".join(meta["dependencies"])
    assert "onnxruntime" not in base and "PySide6" not in base and "torch" not in base
    assert any(d.startswith("onnxruntime==") for d in extras["cpu"])
    assert any(d.startswith("onnxruntime-gpu==") for d in extras["gpu"])
    assert not any("onnxruntime" in d for d in extras["gui"] + extras["assistant"] + extras["train"])
    demo = " ".join(extras["demo"])
    assert "gpu" not in demo and "train" not in demo and "cpu" in demo


# --- provider choice and fallback ---------------------------------------------------------------------


@pytest.fixture
def fake_cuda(monkeypatch):
    """onnxruntime as a CUDA build would present itself, over the real CPU runtime."""
    import onnxruntime as real

    calls: list[list[str]] = []
    behaviour = {"cuda_session": "fails"}

    def session(path, sess_options=None, providers=None):
        calls.append(list(providers or []))
        if providers and providers[0] == onnx_model.CUDA:
            if behaviour["cuda_session"] == "fails":
                raise RuntimeError("CUDA failure 100: no CUDA-capable device is detected")
            # onnxruntime drops a provider it cannot initialise and carries on with the rest
            providers = [p for p in providers if p != onnx_model.CUDA]
        return real.InferenceSession(path, sess_options=sess_options, providers=providers)

    fake = SimpleNamespace(
        SessionOptions=real.SessionOptions,
        InferenceSession=session,
        get_available_providers=lambda: [onnx_model.CUDA, onnx_model.CPU],
    )
    monkeypatch.setattr(onnx_model, "onnxruntime_module", lambda: fake)
    monkeypatch.delenv("LINEHMI_DEVICE", raising=False)
    return SimpleNamespace(calls=calls, behaviour=behaviour)


def test_cuda_is_preferred_when_present_and_cpu_can_be_forced(fake_cuda, monkeypatch):
    assert onnx_model.preferred_providers() == [onnx_model.CUDA, onnx_model.CPU]
    assert onnx_model.preferred_providers("cpu") == [onnx_model.CPU]
    monkeypatch.setenv("LINEHMI_DEVICE", "cpu")
    assert onnx_model.preferred_providers("cuda") == [onnx_model.CPU]


def test_cuda_requested_without_a_cuda_build_uses_cpu(monkeypatch, caplog):
    monkeypatch.setattr(onnx_model, "available_providers", lambda: [onnx_model.CPU])
    monkeypatch.delenv("LINEHMI_DEVICE", raising=False)
    assert onnx_model.preferred_providers("cuda") == [onnx_model.CPU]
    assert "CUDA requested" in caplog.text


def test_a_cuda_session_that_fails_falls_back_to_cpu_and_says_so(fake_cuda):
    model = onnx_model.load_model(FAULT_CARD)
    assert fake_cuda.calls[0][0] == onnx_model.CUDA and fake_cuda.calls[-1] == [onnx_model.CPU]
    assert model.provider == onnx_model.CPU and model.label.endswith("on CPU")


def test_a_cuda_provider_dropped_by_onnxruntime_is_reported_as_cpu(fake_cuda):
    fake_cuda.behaviour["cuda_session"] = "silently_dropped"
    model = onnx_model.load_model(FAULT_CARD)
    assert model.label.endswith("on CPU")  # the session's real provider, not the one asked for


def test_no_model_runtime_installed_is_a_model_error_naming_the_profile(monkeypatch):
    monkeypatch.setattr(onnx_model, "onnxruntime_module", lambda: None)
    with pytest.raises(ModelError) as err:
        onnx_model.load_model(FAULT_CARD)
    assert "fault_predictor" in str(err.value) and "linehmi[cpu]" in str(err.value)


def test_runtime_problem_names_a_double_install(monkeypatch):
    monkeypatch.setattr(
        onnx_model, "installed_runtimes", lambda: ["onnxruntime 1.32.0", "onnxruntime-gpu 1.31.1"]
    )
    assert "both onnxruntime 1.32.0 and onnxruntime-gpu 1.31.1" in onnx_model.runtime_problem()
    monkeypatch.setattr(onnx_model, "installed_runtimes", lambda: [])
    assert "cpu" in onnx_model.runtime_problem()


# --- system libraries for the window ------------------------------------------------------------------

LDD_MISSING = """\
\tlinux-vdso.so.1 (0x00007ffc)
\tlibQt6XcbQpa.so.6 => /x/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-cursor.so.0 => not found
\tlibxkbcommon-x11.so.0 => not found
\tlibxcb-cursor.so.0 => not found
\tlibfoo-unknown.so.3 => not found
"""


def test_missing_xcb_libraries_are_named_with_the_apt_line():
    missing = system_libs.parse_ldd_missing(LDD_MISSING)
    assert missing == ["libxcb-cursor.so.0", "libxkbcommon-x11.so.0", "libfoo-unknown.so.3"]
    msg = system_libs.missing_message(missing)
    assert "apt-get install -y libxcb-cursor0 libxkbcommon-x11-0" in msg
    assert "libfoo-unknown.so.3" in msg
    assert system_libs.missing_message([]) == ""


def test_every_library_the_installed_xcb_plugin_links_has_a_known_package():
    base = system_libs.pyside_dir()
    plugin = base / system_libs.XCB_PLUGIN if base else None
    if plugin is None or not plugin.is_file():
        pytest.skip("this PySide6 wheel has no xcb plugin")
    out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=False).stdout
    linked = {ln.split("=>")[0].strip() for ln in out.splitlines() if "=>" in ln}
    x_libs = {s for s in linked if s.startswith(("libxcb", "libxkb", "libX11"))}
    assert x_libs and x_libs <= set(system_libs.DEBIAN_PACKAGES), x_libs - set(system_libs.DEBIAN_PACKAGES)


def test_window_check_only_applies_to_x11(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert system_libs.check_before_window() == ""
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(system_libs, "missing_libraries", lambda: ["libxcb-cursor.so.0"])
    assert "libxcb-cursor0" in system_libs.check_before_window()


# --- the assistant's model in the line config ----------------------------------------------------------


def test_assistant_section_picks_model_directory_and_provider(tmp_path):
    from hmi.core.config import DEMO_CONFIG, ConfigError, parse_config
    from inference.assistant.factory import load_configured_model, model_dir_from_config

    text = DEMO_CONFIG.read_text()
    cfg = parse_config(
        text + f'\n[assistant]\nmodel_dir = "{tmp_path}"\nprovider = "cuda"\nuse_model = true\n'
    )
    assert model_dir_from_config(cfg) == tmp_path and cfg.assistant.provider == "cuda"
    model, why = load_configured_model(cfg)  # an empty directory: no model, and a reason naming it
    assert model is None and str(tmp_path) in why
    off = parse_config(text)  # off by default
    model, why = load_configured_model(off)
    assert model is None and "use_model" in why
    with pytest.raises(ConfigError, match=r"assistant\.provider"):
        parse_config(text + '\n[assistant]\nprovider = "tpu"\n')
