"""The main window's status bar: no two things drawn over each other, no cell cut (qa8 Q1, Q4).

Q1: at start a message ("Nobody logged in: … operator or higher", a status tip) was painted over
the journal cell ("Journal: line1_….db …"): QStatusBar paints its message over its normal widgets
and hides only those visible at that moment. Q4: "Link connectec", "User Demo operator · operato",
"Nobody logged in · view onl": the padded cells lost half an "x" at their right (QLabel's own
indent beside a frame), which neither the cell nor the clipped-text walker counted.

The check, at 1920x1080 and 1280x800 touch, for every user (nobody, an operator, the longest
name), every link state, and messages shown before the window is, after it, as status tips and
cleared by their timeout: Qt's own message stays empty (it paints nothing), the visible cells'
rectangles do not overlap, and no cell's text is cut or elided (widgets.text_fit).
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QStatusTipEvent
from PySide6.QtWidgets import QApplication, QLabel, QStatusBar, QWidget

from hmi.core.runtime_api import ConnectionState
from hmi.core.users import Role, User
from hmi.ui.main_window import MainWindow
from widgets.status_bar import MessageStatusBar
from widgets.text_fit import clipped_texts

from ..helpers.settle import settle
from .test_no_clipped_text import LONG_USER, PROFILES

CASES = [((1920, 1080), "default"), ((1280, 800), "touch")]
USERS = [None, User("operator", Role.OPERATOR, "Demo operator"), LONG_USER]
TIP = "Nobody logged in: log in as operator or higher to acknowledge"


def _cells(bar: QStatusBar) -> list[QWidget]:
    """What the bar shows side by side: its direct items (a message cell is one of them)."""
    return [
        w for w in bar.findChildren(QWidget) if w.parentWidget() is bar and w.isVisible() and w.width() > 0
    ]


def _problems(win: MainWindow, where: str) -> list[str]:
    bar = win.statusBar()
    out = []
    if QStatusBar.currentMessage(bar):  # Qt's own message: painted over the cells
        out.append(f"{where}: QStatusBar paints {QStatusBar.currentMessage(bar)!r} over its cells")
    assert isinstance(bar, MessageStatusBar)
    shown = [w for w in (bar.note, win.journal_status) if w.isVisible()]
    if len(shown) != 1:
        out.append(f"{where}: {len(shown)} of the message and the journal cell shown")
    cells = _cells(bar)
    for i, a in enumerate(cells):
        for b in cells[i + 1 :]:
            if a.geometry().intersects(b.geometry()):
                names = [w.objectName() or type(w).__name__ for w in (a, b)]
                out.append(f"{where}: {names[0]} overlaps {names[1]}")
    out += [f"{where}: {c}" for c in clipped_texts(bar)]
    return out


@pytest.mark.parametrize(("size", "profile"), CASES, ids=[f"{s[0]}x{s[1]}-{p}" for s, p in CASES])
def test_status_bar_cells_are_whole_and_apart(qtbot, themed_app, make_runtime, demo_config, size, profile):
    rt = make_runtime(demo_config, alarms=True)
    win = MainWindow(rt, demo_config, user=None)
    win.setAnimated(False)
    qtbot.addWidget(win)
    PROFILES[profile](win)
    # A message before the window is shown: QStatusBar hid only the widgets visible then.
    win.statusBar().showMessage(TIP)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    settle()
    problems = _problems(win, "shown with a message from before")
    win.statusBar().clearMessage()
    settle()
    for user in USERS:
        win.set_user(user)
        for state in ConnectionState:
            rt.set_state(state, "")
            settle()
            where = f"{user.name if user else 'nobody'}, link {state.value}"
            problems += _problems(win, where)
            # A status tip (the pointer over a disabled button), then the pointer leaving it.
            QApplication.sendEvent(
                win.alarm_table.buttons[next(iter(win.alarm_table.buttons))], QStatusTipEvent(TIP)
            )
            settle()
            problems += _problems(win, f"{where}, status tip")
            if win.statusBar().currentMessage() != TIP:
                problems.append(f"{where}: the status tip is not shown")
            QApplication.sendEvent(win.alarm_table, QStatusTipEvent(""))
            settle()
            problems += _problems(win, f"{where}, tip gone")
    # A timed message goes back to the journal cell by itself.
    win.statusBar().showMessage("Logged in as operator (operator)", 50)
    settle()
    problems += _problems(win, "timed message")
    qtbot.waitUntil(lambda: win.journal_status.isVisible(), timeout=3000)
    problems += _problems(win, "timed message gone")
    assert not problems, "\n".join(problems)


def test_a_padded_cell_counts_qlabels_indent(qtbot, themed_app):
    """The walker sees the cut Q4 was: a padded label exactly as wide as its text plus padding
    (QLabel then indents its text by half an "x" and cuts its end)."""
    bar = QStatusBar()
    qtbot.addWidget(bar)
    label = QLabel("Link connected")
    bar.addPermanentWidget(label)
    bar.show()
    settle()
    m = label.contentsMargins()
    label.setFixedWidth(label.fontMetrics().horizontalAdvance(label.text()) + m.left() + m.right())
    settle()
    assert label.frameWidth() > 0  # the theme's padding counts as a frame
    assert clipped_texts(bar), "a padded cell without room for its indent passed"
