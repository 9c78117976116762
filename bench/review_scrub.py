"""The review workspace scrubbed as a reviewer sees it: painted cursor updates per second on a real X
server (Xvfb), with the CPU time each update costs this process.

    DISPLAY=:73 .venv/bin/python bench/review_scrub.py JOURNAL_DIR [--tree DIR] [--moves 200]

Opens `ReviewWindow` at 1920x1080 on the journals, waits for the trend's history, then moves the shared
cursor `--moves` times across the whole record; each move counts when the timeline's viewport has
received its paint event (what reaches the screen), not when the call returns. Prints one JSON line:
painted updates/s (wall), CPU ms per update (`time.process_time`, this process, all threads), the
load average; and the open: files opened, window built and shown until its timeline's first paint
(wall and CPU s, load). `--tree`: import LineHMI from another source tree (an older commit exported with
`git archive`: bench/review.py's baseline in the same run).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("journals", type=Path)
p.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[1])
p.add_argument("--moves", type=int, default=200)
p.add_argument("--profile", type=Path, help="also write a cProfile of the moves here")
p.add_argument("--per-widget", action="store_true",
               help="also time each widget's paint events (QApplication.notify) and print the top ones")  # fmt: skip
args = p.parse_args()
sys.path.insert(0, str(args.tree))
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")

import numpy as np  # noqa: E402
from PySide6.QtCore import QEvent, QObject  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from hmi.core.review.source import ReviewSource  # noqa: E402
from hmi.ui.review_window import ReviewWindow  # noqa: E402


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


class PaintTimingApp(QApplication):
    """`--per-widget`: the time each widget class (and object name) spends in its paint events.
    Qt paints a window's widgets one after the other (a parent's paint event returns before its
    children's), so the times do not nest."""

    def __init__(self, argv: list[str]) -> None:
        super().__init__(argv)
        self.on = False
        self.paint_s: dict[str, float] = {}
        self.paints: dict[str, int] = {}

    def notify(self, obj: QObject, event: QEvent) -> bool:
        if not self.on or event.type() != QEvent.Type.Paint:
            return super().notify(obj, event)
        t = time.perf_counter()
        done = super().notify(obj, event)
        name = type(obj).__name__ + (f"#{obj.objectName()}" if obj.objectName() else "")
        parent = obj.parent()
        if parent is not None and type(obj).__name__ in ("QWidget", "QAbstractScrollArea"):
            name += f" in {type(parent).__name__}"  # a viewport: say whose
        self.paint_s[name] = self.paint_s.get(name, 0.0) + time.perf_counter() - t
        self.paints[name] = self.paints.get(name, 0) + 1
        return done


def settle(app: QApplication, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    app = PaintTimingApp(sys.argv[:1]) if args.per_widget else QApplication(sys.argv[:1])
    # Open to a usable timeline: the files opened, the window built and shown, its timeline painted.
    open_wall, open_cpu = time.perf_counter(), time.process_time()
    source = ReviewSource.open([args.journals])
    window = ReviewWindow(source, compact=False)
    window.resize(1920, 1080)
    first = PaintCounter()
    window.timeline_view.plot.viewport().installEventFilter(first)
    window.show()
    while first.paints == 0:
        app.processEvents()
    open_wall, open_cpu = time.perf_counter() - open_wall, time.process_time() - open_cpu
    open_load = os.getloadavg()[0]
    window.timeline_view.plot.viewport().removeEventFilter(first)
    settle(app, 1.0)
    window.trend.wait_idle(120.0)  # the trend's history is loaded (a move then only moves its cursor)
    settle(app, 1.0)
    counter = PaintCounter()
    window.timeline_view.plot.viewport().installEventFilter(counter)
    cursors = np.linspace(source.t0, source.t1, args.moves)

    def scrub() -> tuple[float, float, int]:
        missed = 0
        wall, cpu = time.perf_counter(), time.process_time()
        for t in cursors:
            before = counter.paints
            window.timeline_view.set_cursor(float(t))
            deadline = time.perf_counter() + 2.0
            while counter.paints == before:
                app.processEvents()
                if time.perf_counter() > deadline:
                    missed += 1
                    break
        return time.perf_counter() - wall, time.process_time() - cpu, missed

    scrub()  # warm-up: first paints, page cache
    load = os.getloadavg()[0]
    if args.profile is not None:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
        wall, cpu, missed = scrub()
        prof.disable()
        prof.dump_stats(str(args.profile))
    else:
        if isinstance(app, PaintTimingApp):
            app.on = True
        wall, cpu, missed = scrub()
    window.close()
    n = len(cursors)
    if isinstance(app, PaintTimingApp):
        top = sorted(app.paint_s.items(), key=lambda kv: -kv[1])[:25]
        print(f"paint time per move (wall {1000 * wall / n:.1f} ms per move):", file=sys.stderr)
        for name, sec in top:
            print(f"  {1000 * sec / n:6.2f} ms  {app.paints[name] / n:5.1f} paints  {name}", file=sys.stderr)
    print(json.dumps({"painted_per_s": n / wall, "cpu_ms_per_update": 1000 * cpu / n, "moves": n,
                      "missed_paints": missed, "load": round((load + os.getloadavg()[0]) / 2, 1),
                      "open_s": round(open_wall, 2), "open_cpu_s": round(open_cpu, 2),
                      "open_load": round(open_load, 1)}))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
