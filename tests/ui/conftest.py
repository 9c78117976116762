"""Widget tests: offscreen Qt, a FakeRuntime, the demo line config."""

import os

from tests.helpers.offscreen_qt import OFFSCREEN_PLATFORM
from tests.helpers.qt_teardown import delete_closed_windows

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

    delete_closed_windows()
    touch = qapp.findChild(TouchProfile)
    if touch is not None:  # a test that turned the touch profile on must not leave it to the next
        touch.set_enabled(False)
    qapp.setStyleSheet("")


@pytest.fixture
def open_window(qtbot, themed_app, make_runtime, demo_config):
    """A factory that opens the main window on the demo line as a user sees it:
    `open_window(size, touch, *, rt=None, user=OPERATOR, saved_layout=False, settle_ms=50, **kw)`
    returns (runtime, window). `touch`: the profile on or off, None: the line config's "auto" (on for a
    screen no taller than 800 px). `rt`: a runtime prepared by the test (default: a fresh one with alarms);
    `saved_layout`: keep a layout saved by an earlier window of this user and screen (default: forget
    it, so each test starts from the default layout of its size); `kw` goes to MainWindow (kiosk=...).
    Shown, exposed and settled for `settle_ms`. After the test every window may close, the style sheet
    is cleared and the touch profile is off again, so no window setting reaches the next test."""
    from hmi.ui.main_window import MainWindow
    from hmi.ui.touch import TouchProfile

    from .fakes import OPERATOR

    made: list[MainWindow] = []

    def open_(
        size: tuple[int, int] = (1280, 800),
        touch: bool | None = None,
        *,
        rt: FakeRuntime | None = None,
        user=OPERATOR,
        saved_layout: bool = False,
        settle_ms: int = 50,
        **kw,
    ) -> tuple[FakeRuntime, MainWindow]:
        rt = rt if rt is not None else make_runtime(demo_config, alarms=True)
        win = MainWindow(rt, demo_config, user=user, touch=touch, **kw)
        qtbot.addWidget(win)
        if not saved_layout:
            win.window_layout.forget()  # the default layout of this size, not one saved by another test
        win.resize(*size)
        win.show()
        qtbot.waitExposed(win)
        qtbot.wait(settle_ms)
        made.append(win)
        return rt, win

    yield open_
    for win in made:
        win.allow_close()
    delete_closed_windows()
    themed_app.setStyleSheet("")
    touch = themed_app.findChild(TouchProfile)
    if touch is not None:
        touch.set_enabled(False)


@pytest.fixture(autouse=True)
def gc_on_the_gui_thread_only():
    """As in run_gui: no automatic cyclic GC (it could free a Qt object on a worker
    thread); collect between tests, on the main thread."""
    import gc

    gc.disable()
    yield
    gc.collect()
    gc.enable()
