"""Shared test rules: no display needed, and a test that leaks a thread fails."""

from __future__ import annotations

import os
import tempfile
import threading
import time

import pytest
from hypothesis import settings

from tests.helpers.offscreen_qt import OFFSCREEN_PLATFORM

# Property tests draw the same examples on every run (seeded from each test's source): CI must not pass
# or fail by the draw. A random run found a counterexample once (trend rollup drawing, see the issue
# note); `pytest --hypothesis-profile default` explores with random draws again.
settings.register_profile("linehmi", derandomize=True, database=None)
settings.load_profile("linehmi")

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if os.environ["QT_QPA_PLATFORM"] == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = OFFSCREEN_PLATFORM
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
# Per-user settings (trend sets) go to a throw-away folder, never the developer's home.
os.environ.setdefault("LINEHMI_SETTINGS_DIR", tempfile.mkdtemp(prefix="linehmi-settings-"))


@pytest.fixture(autouse=True, scope="session")
def _one_qt_application(qapp):
    """The process's Qt application is pytest-qt's QApplication from the start. Commands run
    in-process (`linehmi report` draws its images with Qt) make a QGuiApplication when there is none;
    that one stayed the process's application and every widget test after it aborted (QWidget needs
    a QApplication): the damaged-journal test did it to a full run, and test_plant_review run before
    the widget tests does it too. Fixed for every test, not one file at a time."""
    return qapp


@pytest.fixture(autouse=True)
def own_settings_dir(tmp_path_factory, monkeypatch):
    """Each test its own settings folder: a window closed in one test saved its layout where the
    next test's window restored it (test_last_known failed after test_no_clipped_text)."""
    monkeypatch.setenv("LINEHMI_SETTINGS_DIR", str(tmp_path_factory.mktemp("settings")))


@pytest.fixture(autouse=True)
def no_leaked_threads():
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 3.0
    while True:
        leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        # Threads the interpreter or libraries keep for the whole process are not leaks.
        leaked = [t for t in leaked if not t.name.startswith(("asyncio_", "ThreadPoolExecutor", "Dummy"))]
        if not leaked or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not leaked, f"test left threads running: {[t.name for t in leaked]}"
