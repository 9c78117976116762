"""An answer gets the room a supervisor needs to read it (qa10: in the control-room layout the
Assistant's answer area was about 90 px, six lines, and a 60-line shift handover was read through
that letterbox).

"Read larger" opens the conversation in a window of its own (widgets.answer_reader), at the start
of the latest answer. At 1920x1080 and 1280x800, desk and touch, with a full alarm banner, after a
question and a 60-line answer: it shows at least READER_MIN_LINES lines and twice what the pane's answer area
shows; it lies on the screen and covers neither the line state, the alarm banner and tiles, the
status bar, nor the alarm list while that shows (the on-screen keyboard's rule: the window names them once); no
text in it is cut and its Close is a touch target; the alarm list brought forward is never under
it; a link followed in it closes it. And the placement rule itself over random screens.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QRect, QUrl
from PySide6.QtGui import QTextDocument

from hmi.ui.touch import TOUCH_TARGET_PX
from hmi.ui.window_layout import bring_forward
from inference.assistant.assistant import Answer
from widgets.answer_reader import READER_MAX_WIDTH_PX, READER_MIN_LINES, largest_clear, showing
from widgets.keyboard_popup import GAP_PX, global_rect
from widgets.text_fit import clipped_texts

from ..helpers.settle import settle
from .test_assistant_in_view import SIZES, window  # noqa: F401  (the fixture: demo fault, full banner)

QUESTION = "Draft my shift handover"
LONG = [
    f"Line {k}: a stop, its cause and who acknowledged what, as a handover lists it" for k in range(1, 61)
]


def _kept(win) -> list[tuple[str, QRect]]:
    """What the reader must leave in view, where it is on screen now."""
    parts = [("line state and banner", win.menuWidget()), ("status bar", win.statusBar())]
    if showing(win.alarms_dock):
        parts.append(("alarm list", win.alarms_dock))
    return [(name, global_rect(w)) for name, w in parts]


def _check_placed(win, reader, case: str) -> None:
    at = reader.frameGeometry()
    screen = win.screen().availableGeometry()
    assert screen.contains(at), f"{case}: the reader {at} leaves the screen {screen}"
    for name, r in _kept(win):
        assert not at.intersects(r), f"{case}: the reader {at} covers the {name} {r}"


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_a_long_answer_is_read_large_beside_the_line_state_and_the_alarms(
    window,  # noqa: F811
    qtbot,
    monkeypatch,
    size,
    profile,
):
    rt, win = window(size, profile)
    bring_forward(win.assistant_dock)
    settle()
    pane = win.assistant_pane
    asked = pane.assistant.answer

    def long_answer(question: str, use_model: bool = True) -> Answer:
        """A handover's length (the fake window has no journal to draft one from): 60 lines."""
        if question != QUESTION:
            return asked(question, use_model=use_model)
        return Answer(question, "\n".join(LONG), "handover")

    monkeypatch.setattr(pane.assistant, "answer", long_answer)
    for question in ("which alarms are standing?", QUESTION):
        assert pane.ask(question)
        qtbot.waitUntil(lambda: not pane.busy, timeout=120000)  # a loaded machine answers slowly
        entry = pane.entries()[-1]
        assert entry.answer is not None, f"{question!r}: {entry.error}"
    settle()
    in_pane = pane.history.viewport().height() / pane.history.fontMetrics().lineSpacing()
    reader = pane.open_reader()
    settle()
    assert reader.isVisible()
    _check_placed(win, reader, "opened")
    shown = reader.lines_shown()
    assert shown >= READER_MIN_LINES, f"the reader shows {shown:.1f} lines at {size}"
    assert shown >= 2 * in_pane, f"the reader shows {shown:.1f} lines, the pane {in_pane:.1f}"
    assert reader.width() >= min(READER_MAX_WIDTH_PX, 600), reader.width()
    # The whole conversation, opened at the start of the latest answer (its question on top).
    text = reader.text.toPlainText()
    assert "which alarms are standing?" in text
    assert all(line in text for line in LONG)
    # (the last one found: the handover's text may quote the question)
    found = reader.text.document().find(
        QUESTION, reader.text.document().characterCount(), QTextDocument.FindFlag.FindBackward
    )
    y = reader.text.cursorRect(found).top()
    bar = reader.text.verticalScrollBar()
    if bar.value() < bar.maximum():  # room to scroll on: the latest question is on top
        assert 0 <= y < 2 * reader.text.fontMetrics().lineSpacing() + 12, f"the latest question at y {y}"
    else:  # the end is in view: so is the question
        assert 0 <= y < reader.text.viewport().height(), f"the latest question at y {y}"
    assert clipped_texts(reader) == []
    if profile:
        assert reader.close_button.height() >= TOUCH_TARGET_PX, reader.close_button.height()
    # The alarm list brought forward (a trip): never under the reader.
    win.show_alarm_list()
    settle()
    if reader.isVisible():
        _check_placed(win, reader, "alarm list brought forward")
    # A link in the reader: what it opens is under the reader, so it goes.
    bring_forward(win.assistant_dock)
    settle()
    pane.open_reader()
    settle()
    link = f"linehmi://alarm/{rt.alarms.records()[0].id}"  # an answer's link to a standing alarm
    with qtbot.waitSignal(pane.alarm_requested, timeout=2000):
        reader.text.anchorClicked.emit(QUrl(link))
    settle()
    assert not reader.isVisible()


rects = st.builds(
    lambda x, y, w, h: QRect(x, y, w, h),
    st.integers(0, 1700),
    st.integers(0, 1000),
    st.integers(20, 1900),
    st.integers(20, 1000),
)


@settings(max_examples=40, deadline=None)
@given(keep=st.lists(rects, max_size=3), big=st.booleans())
def test_the_reader_takes_the_most_room_clear_of_what_it_keeps(keep, big):
    """Clear of every kept rectangle, on the screen, no wider than READER_MAX_WIDTH_PX, and no
    clear rectangle (searched on a coarse grid) has more room for lines."""
    screen = QRect(0, 0, 1920, 1080) if big else QRect(0, 0, 1280, 800)
    at = largest_clear(screen, keep)
    grown = [k.adjusted(-GAP_PX, -GAP_PX, GAP_PX, GAP_PX) for k in keep]
    best = 0
    step = 80
    for y in range(0, screen.height(), step):
        for x in range(0, screen.width(), step):
            for h in range(step, screen.height() - y + 1, step):
                for w in range(step, screen.width() - x + 1, step):
                    r = QRect(x, y, w, h)
                    if any(r.intersects(g) for g in grown):
                        break
                    best = max(best, min(w, READER_MAX_WIDTH_PX) * h)
    if at.isEmpty():
        assert best == 0, (keep, best)
        return
    assert screen.contains(at), (at, screen)
    assert at.width() <= READER_MAX_WIDTH_PX
    assert not any(at.intersects(g) for g in grown), (at, keep)
    assert at.width() * at.height() >= best, (at, best, keep)
