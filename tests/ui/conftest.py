"""Widget tests: offscreen Qt, a FakeRuntime, the demo line config."""

import os

from tests.helpers.offscreen_qt import OFFSCREEN_PLATFORM

# Before any Qt import: no display on CI or on these machines.
if not os.environ.get("QT_QPA_PLATFORM", "").startswith("offscreen"):
    os.environ["QT_QPA_PLATFORM"] = OFFSCREEN_PLATFORM
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pytest

from hmi.core.config import DEMO_CONFIG, load_config

from .fakes import FakeRuntime, big_config, tiny_config


@pytest.fixture(scope="session")
def demo_config():
    return load_config(DEMO_CONFIG)


@pytest.fixture(scope="session")
def config_2k(demo_config):
    return big_config(2000, demo_config)


@pytest.fixture(params=[False, True], ids=["desk", "touch"])
def profile(request) -> bool:
    """The window's profile: desk (mouse, keyboard) or touch (hmi.ui.touch). A window-wide check
    takes this fixture and passes `touch=profile` to MainWindow to run in both."""
    return request.param


@pytest.fixture
def tiny():
    return tiny_config()


@pytest.fixture
def make_runtime():
    made: list[FakeRuntime] = []

    def make(config, **kw) -> FakeRuntime:
        rt = FakeRuntime(config, **kw)
        made.append(rt)
        return rt

    yield make
    for rt in made:
        if not rt.stopped:
            rt.stop()


@pytest.fixture
def themed_app(qapp):
    from hmi.ui.theme import apply_theme

    apply_theme(qapp)
    yield qapp
    from hmi.ui.touch import TouchProfile

    touch = qapp.findChild(TouchProfile)
    if touch is not None:  # a test that turned the touch profile on must not leave it to the next
        touch.set_enabled(False)
    qapp.setStyleSheet("")


@pytest.fixture(autouse=True)
def gc_on_the_gui_thread_only():
    """As in run_gui: no automatic cyclic GC (it could free a Qt object on a worker
    thread); collect between tests, on the main thread."""
    import gc

    gc.disable()
    yield
    gc.collect()
    gc.enable()
