"""Start the GUI: `run_gui(runtime, config, user) -> exit code`."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

from hmi.core.config import LineConfig
from hmi.core.users import User
from hmi.ui.services import LineServices

# The QApplication outlives run_gui: Qt objects the collector frees later still have it.
_KEEP_ALIVE: list[object] = []


def run_gui(
    runtime: LineServices,
    config: LineConfig | None = None,
    user: User | str | None = None,
    *,
    seconds: float | None = None,
    screenshot: str | Path | None = None,
    audible: bool | None = None,
    fullscreen: bool | None = None,
    touch: bool | None = None,
    stop_requested: threading.Event | None = None,
) -> int:
    """Show the main window over a started runtime and run the Qt event loop.

    The runtime keeps running on its own I/O thread; the window polls it. On
    exit (window closed, Ctrl+C in the terminal, `seconds` elapsed) polling
    stops first, then `runtime.stop()` is called, whatever happened in between.
    `user`: a logged-in User acts with its role; a plain name (or None) starts
    view-only until someone logs in from the top bar.
    `screenshot`: with `seconds`, the window is saved to this PNG just before quitting.
    `audible`: beep patterns for unacknowledged alarms (View ▸ Audible alarms); by
    default on, except offscreen and when LINEHMI_SOUND=0.
    `fullscreen`, `touch`: override the line config's `[display]` (None: the config decides).
    """
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")  # before anything imports pyqtgraph
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from hmi.ui.main_window import MainWindow
    from hmi.ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    # Python's cyclic GC runs on whichever thread happens to allocate; if it frees a
    # Qt object on the journal, alarm or I/O thread, Qt aborts. Collect only on the
    # GUI thread instead (pyqtgraph's own remedy).
    from pyqtgraph.util.garbage_collector import GarbageCollector

    gc_guard = GarbageCollector(interval=1.0)
    app.setApplicationName("LineHMI")
    app.setOrganizationName("LineHMI")
    apply_theme(app)
    window = None
    try:
        if audible is None:
            audible = os.environ.get("LINEHMI_SOUND", "1") != "0" and app.platformName() != "offscreen"
        # The assistant's language model only where `[assistant] use_model = true` (off by default: measured,
        # it added no right answer; docs/assistant.md). It loads off the GUI thread.
        use_model = (config if config is not None else runtime.config).assistant.use_model
        window = MainWindow(
            runtime,
            config,
            user,
            audible=audible,
            assistant_model=use_model,
            fullscreen=fullscreen,
            touch=touch,
        )
        if screenshot and app.platformName() == "offscreen":
            window.resize(1920, 1080)  # the offscreen screen is small; shoot a control-room size
        window.show()

        def finish() -> None:
            if screenshot and window is not None:
                Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
                window.grab().save(str(screenshot))
            if window is not None:
                window.allow_close()  # the script's time is up: kiosk or not
                window.close()
            app.quit()

        if seconds:
            QTimer.singleShot(int(seconds * 1000), finish)
        # Ctrl+C in the terminal and SIGTERM (systemd, `kill`, a session logout) close the window cleanly:
        # the runtime stops, the journal commits what it holds and leaves one self-contained file (no
        # -wal beside it) that can be copied for review. The idle timer lets Python see the signal.
        stops = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, lambda *_: app.quit()) for sig in stops}
        wake = QTimer()
        wake.timeout.connect(lambda: None)
        wake.start(250)
        try:
            if stop_requested is not None and stop_requested.is_set():
                return 0  # asked to stop while starting: no event loop, straight to the clean stop below
            return int(app.exec())
        finally:
            wake.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    finally:
        if window is not None:
            window.shutdown()
        runtime.stop()
        gc_guard.timer.stop()
        import gc

        # Free the window's Qt objects here, on the GUI thread and while the QApplication lives.
        # Left to the collector after this function returned, they were freed after the
        # QApplication (its wrapper is this frame's local) and ~QObject deadlocked on a Qt mutex:
        # seen 1 run in 3 after a SIGTERM under load, a process that never exited.
        from PySide6.QtCore import QCoreApplication, QEvent

        if window is not None:
            window.deleteLater()
            window = None
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()
        gc.enable()
        _KEEP_ALIVE.append(app)  # destroyed by PySide at interpreter exit, after everything it owns
