"""At touch every text that hides more behind a tooltip offers a tap, and none says "hover" (qa12
Q12-2: the Production dock's "⚑ nothing recorded before 06:45:30 … (+1 more: hover)": a tap showed
nothing, a touch screen has no hover). Over every visible label of the main window at 1280x800 touch,
with the Production dock in front and the demo fault's alarms standing: its text never says hover,
and a tap on one with a tooltip shows that tooltip (hmi.ui.touch takes the tap for it)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel, QToolTip

from hmi.ui.main_window import MainWindow
from hmi.ui.window_layout import bring_forward

from ..helpers.settle import settle
from .test_no_clipped_text import LONG_USER, _open
from .test_production_ui import production_runtime, shift_dir  # noqa: F401 (fixtures)

MOUSE_TEXT = Qt.TextInteractionFlag.LinksAccessibleByMouse | Qt.TextInteractionFlag.TextSelectableByMouse


def _tap_release(w: QLabel) -> None:
    """A finger's release at the label's centre (its press went to whoever takes presses)."""
    c = QPointF(w.rect().center())
    ev = QMouseEvent(
        QEvent.Type.MouseButtonRelease, c, QPointF(w.mapToGlobal(c.toPoint())),
        Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(w, ev)


def test_every_text_with_a_tooltip_shows_it_on_a_tap_at_touch(qtbot, themed_app, production_runtime):  # noqa: F811
    win = _open(
        qtbot, MainWindow(production_runtime, production_runtime.config, user=LONG_USER), (1280, 800), "touch"
    )
    panel = win.production
    assert panel is not None
    panel.refresh(win.live)
    settle()
    bring_forward(panel.dock)
    settle()
    labels = [w for w in win.findChildren(QLabel) if w.isVisible() and w.text()]
    assert panel.view.flags in labels or not panel.view.flags.text(), "the Production notes are not walked"
    says_hover = [
        f"{w.objectName() or type(w).__name__}: {w.text()!r}" for w in labels if "hover" in w.text().lower()
    ]
    no_tap: list[str] = []
    for w in labels:
        if not w.toolTip() or w.textInteractionFlags() & MOUSE_TEXT:
            continue
        QToolTip.hideText()
        _tap_release(w)
        if not (QToolTip.isVisible() and QToolTip.text() == w.toolTip()):
            no_tap.append(f"{w.objectName() or type(w).__name__}: {w.text()[:60]!r}")
    QToolTip.hideText()
    assert not says_hover, "text that says hover at touch:\n  " + "\n  ".join(says_hover)
    assert not no_tap, f"{len(no_tap)} text(s) whose tooltip a tap does not show at touch:\n  " + "\n  ".join(
        no_tap
    )
