"""Review text at its edges (qa7 G24): a search hit shows its match, and a heading shows its start.

"WO 47" found the shelve rows, but a hit whose words were in the elided end of a long message showed
no sign of the match; the alarm picture's last heading, centred in a column wider than the view,
read "sage". The shown message now starts shortly before the match when the match would be elided
(the whole message in the tooltip), and headings start at their column's left edge."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from hmi.core.review.source import ReviewSource
from hmi.ui.review_window import ReviewWindow
from tests.test_review import shift_journal
from widgets.event_rows import MESSAGE_COL, around_match

words = st.text(alphabet="abcdefghij XYZ", min_size=0, max_size=120)


@given(
    head=words, needle=st.text(alphabet="klmnop", min_size=1, max_size=8), tail=words, room=st.integers(5, 80)
)
def test_the_match_is_in_what_fits(head, needle, tail, room):
    text = head + needle + tail

    def fits(part: str) -> bool:
        return len(part) + 1 <= room

    shown = around_match(text, needle, fits)
    if shown == text:  # shown whole: the match ends inside what fits (or nothing matched)
        assert fits(text[: text.lower().find(needle.lower()) + len(needle)])
    else:
        assert shown.startswith("…") and text.endswith(shown[1:].lstrip() if shown[1:].strip() else "")
        at = shown.lower().find(needle.lower())
        assert 0 < at <= 2 * 12 + 2  # a few characters of context before it, then the match


def test_a_search_hit_in_a_long_message_shows_the_match(qtbot, tmp_path):
    path = shift_journal(tmp_path)
    window = ReviewWindow(ReviewSource.open([path]))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    longest = max(window.timeline.events, key=lambda e: len(e.message))
    needle = longest.message.split()[-1]
    window.filter_edit.setText(needle)
    qtbot.wait(50)
    window._refill_events()
    table = window.events_table
    rows = [r for r, e in enumerate(window._shown_events) if e is longest]
    assert rows
    index = window.events_model.index(rows[0], MESSAGE_COL)
    assert index.data(Qt.ItemDataRole.ToolTipRole) == longest.message
    shown = str(index.data())
    end = shown.lower().find(needle.lower()) + len(needle)
    assert end >= len(needle)
    need = table.fontMetrics().horizontalAdvance(shown[:end])
    assert need <= table.columnWidth(MESSAGE_COL), (shown, need, table.columnWidth(MESSAGE_COL))
    for t in (window.events_table, window.picture_table, window.state_table):
        assert t.horizontalHeader().defaultAlignment() & Qt.AlignmentFlag.AlignLeft
    window.close()
