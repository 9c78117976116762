"""An on-change tag whose value has not changed since before the window opened is drawn from its
recorded value, and the time LineHMI recorded is not shaded "no data" (qa10 Q10-25).

"Trend" on a capper-jam alarm drew the capper's fault code only from the jam on; the "No fault"
recorded at start-up was missing, and the whole view up to the jam was shaded as no data, also over
the other pens' recorded curves. The real simulator, runtime, journal and window, as in the demo.
"""

from __future__ import annotations

import sqlite3
import time

import numpy as np

from .test_live_demo import live_line, open_connected  # noqa: F401

TAG = "capper.fault_code"


def test_a_tag_unchanged_since_start_up_is_drawn_from_its_recorded_value(qtbot, live_line, demo_config):  # noqa: F811
    _sim, _loop, rt = live_line
    win = open_connected(qtbot, rt, demo_config, (1280, 800))
    qtbot.wait(4000)  # recorded for a while; the fault code stays "No fault" (no faults scheduled)
    rt.journal.flush()
    db = sqlite3.connect(rt.journal.path)
    first = db.execute(
        "select min(s.source_ts) from samples s join tags t on t.id = s.tag_id where t.name = ?", (TAG,)
    ).fetchone()[0]
    db.close()
    assert first is not None
    win.alarms_dock.raise_()
    win.trend.open_tag_at(TAG, time.time())
    win.trend_dock.raise_()
    assert win.trend.wait_idle(20)
    qtbot.wait(300)
    view = win.trend.view
    pen = view.pens[TAG]
    xs = np.concatenate([a for a in (pen.body.solid_x, pen.tail.solid_x) if len(a)] or [np.empty(0)])
    xs = xs[np.isfinite(xs)]
    assert len(xs) and xs.min() <= first + 1e-3, (len(xs), xs.min() - first if len(xs) else None)
    gaps = view.update_lanes()["gap"]
    assert all(e <= first + 1e-3 for e in gaps.end), list(zip(gaps.start - first, gaps.end - first, strict=True))
    win.close()
