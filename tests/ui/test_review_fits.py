"""The review workspace shows its tables whole at 1280x800 and 1920x1080 (qa9 Q9-10 and the pen
table): no table shows a row cut at its foot (the event browser's last row was cut at 1280x800),
at rest and at every position its scroll bar steps to, with each tab of the lower area in front
(the trend's pen table, shared with the live window, is not one of them yet);
and the trend's pen table shows every column, Axis included, without scrolling sideways (at
1920x1080 "Axis" was reached only by scrolling the pen table)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QAbstractSlider, QTableView, QTabWidget

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.journal import Journal
from hmi.core.review.source import ReviewSource
from hmi.ui.review_window import ReviewWindow
from tests.test_journal import batch
from tests.test_review import T0, state
from widgets.whole_lines import row_cut_at_foot

from ..helpers.settle import settle

CASES = [((1920, 1080), False), ((1280, 800), True), ((1280, 800), False)]


def _busy_journal(directory):
    """Ten minutes of the demo line (its pens: the trend's six, with the demo's long names) whose
    filler changes state every 4 s: more events than any browser shows."""
    cfg = load_config(DEMO_CONFIG)
    index = cfg.tag_index()
    with Journal(cfg, directory, clock=lambda: T0) as j:
        t = T0 + np.arange(600.0)
        for tag, i in index.items():
            values = np.where((t // 4) % 2 == 0, 2.0, 4.0) if tag == "filler.state" else np.full(600, 12.5)
            j.write_samples(batch(np.full(600, i, dtype=int), t, values))
        j.write_events(
            [state(T0 + 4 * k, "filler", "Running" if k % 2 else "Faulted", "Jam") for k in range(150)]
        )
        j.flush()
        return j.path


def _cut(window) -> list[str]:
    out = []
    for view in window.findChildren(QTableView):
        if view is window.trend.pen_table:
            continue  # the trend's own (the live window's too): its rows follow its wrapped names
        if view.isVisible() and view.viewport().height() > 0:
            bar = view.verticalScrollBar()
            bar.setValue(0)
            settle()
            where = view.objectName() or type(view).__name__
            if cut := row_cut_at_foot(view):
                out.append(f"{where} at rest: {cut}")
            steps = 0
            while bar.value() < bar.maximum() and steps < 40:
                bar.triggerAction(QAbstractSlider.SliderAction.SliderSingleStepAdd)
                settle()
                steps += 1
                if cut := row_cut_at_foot(view):
                    out.append(f"{where} scrolled to {bar.value()}: {cut}")
            bar.setValue(0)
    return out


@pytest.mark.parametrize(
    ("size", "compact"), CASES, ids=[f"{w}x{h}-{'compact' if c else 'wide'}" for (w, h), c in CASES]
)
def test_no_table_cuts_a_row_and_the_pen_table_shows_every_column(qtbot, tmp_path, size, compact):
    window = ReviewWindow(ReviewSource.open([_busy_journal(tmp_path)]), compact=compact)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    settle()
    table = window.events_table
    assert table.model().rowCount() > table.viewport().height() // table.rowHeight(0), "the browser is full"
    problems = []
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        settle()
        problems += [f"{window.tabs.tabText(i)!r} in front: {c}" for c in _cut(window)]
    middle = window.findChild(QTabWidget, "reviewMiddle")
    if middle is not None:
        middle.setCurrentWidget(window.trend)  # the line-side layout: the trend is a tab
        settle()
    pens = window.trend.pen_table
    assert pens.isVisible() and pens.model().rowCount() > 0
    header = pens.horizontalHeader()
    if header.length() > pens.viewport().width() or pens.horizontalScrollBar().maximum() > 0:
        problems.append(
            f"pen table: columns {header.length()} px in {pens.viewport().width()} px, "
            f"Axis at {header.sectionViewportPosition(3)}..{header.sectionViewportPosition(3) + header.sectionSize(3)}"
        )
    window.close()
    assert not problems, "\n".join(problems)
