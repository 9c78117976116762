"""A control that is disabled looks disabled, everywhere, day and night (qa10 Q10-23: the review's
"Write to the journal" box was disabled with nobody logged in but drawn in full black, so it read as
enabled and a click did nothing). The theme's `* { color }` rule beat the palette's disabled text for
every kind of control that has no `:disabled` rule of its own; the check walks every widget of the
main window (both profiles) and of the review's stop reason dialog and asks the style sheet's own
resolved palette: the disabled text colour must differ from the enabled one."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QWidget

from hmi.ui.review_notes_dialog import StopReasonDialog
from hmi.ui.theme import apply_theme
from widgets.text_fit import widget_path

from ..helpers.settle import settle
from .test_no_clipped_text import window  # noqa: F401  (the fixture: the demo fault, long names)
from .test_review_notes_dialog import line_review  # noqa: F401  (the fixture: a review, nobody logged in)

# Controls, not read-outs: a label colours its own state (stale, advisory) and is never a target.
TEXT_CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox)


def looks_enabled_when_disabled(root: QWidget) -> list[str]:
    """Controls of `root` whose disabled text colour is their enabled one (as resolved by the style
    sheet: QStyleSheetStyle writes its rules into each widget's palette when it polishes it)."""
    out = []
    for w in [root, *root.findChildren(QWidget)]:
        if not isinstance(w, TEXT_CONTROLS) or not w.isVisible():
            continue
        if isinstance(w, QAbstractButton) and not w.text():
            continue  # an icon button (a dock's float/close): its icon greys itself
        pal, role = w.palette(), w.foregroundRole()
        on, off = pal.color(QPalette.ColorGroup.Active, role), pal.color(QPalette.ColorGroup.Disabled, role)
        if w.isEnabled():
            # An enabled control is checked as it would be drawn once disabled.
            w.setEnabled(False)
            w.style().unpolish(w)
            w.style().polish(w)
            off = w.palette().color(QPalette.ColorGroup.Disabled, role)
            w.setEnabled(True)
            w.style().unpolish(w)
            w.style().polish(w)
        if on == off:
            out.append(f"{widget_path(w)} ({type(w).__name__}): disabled text {off.name()} = enabled")
    return out


@pytest.mark.parametrize("theme", ["day", "night"])
def test_the_review_stop_reason_box_nobody_logged_in(line_review, qtbot, themed_app, theme):  # noqa: F811
    apply_theme(themed_app, theme)
    win, _path = line_review
    dlg = StopReasonDialog(
        [], [("U-JAM", "Jam")], journal_as=None, journal_refusal=win._journal_refusal(), parent=win
    )
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    assert not dlg.journal_box.isEnabled()
    assert looks_enabled_when_disabled(dlg) == []


@pytest.mark.parametrize("profile", ["touch", "default"])
def test_every_control_of_the_main_window(window, profile):  # noqa: F811
    win = window((1280, 800) if profile == "touch" else (1920, 1080), profile)
    settle()
    problems = looks_enabled_when_disabled(win)
    assert not problems, "\n".join(problems)
