"""A scroll area's foot never cuts a line of text (widgets.whole_lines): QA4 saw "RUL > 10 min" cut
by the overview's foot at 1920x1080, the role line cut at the alarm dock's foot after a banner tap
at 1280x800. Checked as a property over random contents, heights and scroll positions, and on the
real overview with every faceplate's advisory at window heights around the testers'."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from widgets.text_fit import clipped_texts, cut_by_parent
from widgets.whole_lines import WholeLinesScrollArea

from ..helpers.settle import settle
from .test_no_clipped_text import window  # noqa: F401  (the fixture: demo fault, advisories)


def _cut(root: QWidget) -> list[str]:
    out = []
    for w in root.findChildren(QWidget):
        if isinstance(w, QLabel | QPushButton) and w.isVisible():
            c = cut_by_parent(w)
            if c is not None:
                out.append(str(c))
    return out


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(1, 3), st.booleans()), min_size=3, max_size=14),
    height=st.integers(60, 400),
)
def test_no_line_is_cut_at_the_foot(qapp, rows, height):
    """At rest (scrolled to the top, as a view opens): mid-scroll, a line leaving at the top is the
    scrolling a finger does."""
    inner = QWidget()
    lay = QVBoxLayout(inner)
    for lines, button in rows:
        text = "\n".join(f"line {k} of a label" for k in range(lines))
        lay.addWidget(QPushButton("a button") if button else QLabel(text))
    area = WholeLinesScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(inner)
    area.resize(300, height)
    area.show()
    settle(area)
    assert not _cut(area), _cut(area)
    area.close()
    area.deleteLater()


def test_the_overview_never_cuts_a_faceplate_line(window, qtbot):  # noqa: F811
    """1920 wide, window heights from the testers' 1080 down: the overview's height changes, the
    advisory lines at the faceplates' foot are never cut by its edge."""
    win = window((1920, 1080), "default")
    problems = []
    for h in (1080, 1040, 1000, 960, 920, 880):
        win.resize(1920, h)
        settle()
        found = [str(c) for c in clipped_texts(win) if "lineOverview" in c.widget]
        if found:
            problems.append(f"at 1920x{h}: " + "; ".join(found))
    assert not problems, "\n".join(problems)
