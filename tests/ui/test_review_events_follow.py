"""The review's event list follows the cursor: the last event at or before it is selected and in
view, with the next one under it (qa11 Q11-10: after a click at 04:32:26 the list showed 04:33:28 on:
it put the first event at or after the cursor at its top, so the events leading to the instant the
reviewer looks at were all above the view, a minute of the record away).

Over random instants reached each way the cursor moves (a click on the timeline, a drag, "Next
event" and "Previous event", playback), and after the list is filtered by a random kind, at
1920x1080 (events beside the trend) and 1280x800 (five rows under the faceplates' tabs). And the
rows in view are whole, at the list's top as at its foot: scrolled to its end (the cursor near the
record's end, playback reaching it), the top row was cut in half (QA11's 83_play1280_b.png)."""

from __future__ import annotations

import bisect
import random

import pytest

from hmi.core.review.source import ReviewSource
from hmi.ui import review_window
from hmi.ui.review_window import ReviewWindow
from widgets.whole_lines import row_cut_at_foot

from ..helpers.settle import settle
from .test_review_faceplates_whole import _journal

SCREENS = [(1920, 1080), (1280, 800)]
MOVES = 60


def not_following(win: ReviewWindow) -> list[str]:
    """What the list shows wrong for the cursor now ([] when it follows)."""
    t = win.timeline_view.cursor_time()
    times = [e.ts for e in win._shown_events]
    table = win.events_table
    port = table.viewport().height()
    selected = sorted({i.row() for i in table.selectionModel().selectedRows()})

    def shown(row: int) -> bool:
        top = table.rowViewportPosition(row)
        return top >= 0 and top + table.rowHeight(row) <= port

    if not times:
        return []
    last = bisect.bisect_right(times, t) - 1
    out = []
    top = table.rowAt(0)
    if top >= 0 and table.rowViewportPosition(top) < 0:  # qa9 Q9-10's rule, at the list's top too
        out.append(f"the top row {top} cut: {-table.rowViewportPosition(top)} px above the view")
    if cut := row_cut_at_foot(table):
        out.append(f"the foot cuts {cut}")
    if last < 0:  # the cursor before the first event: the list at its start, nothing chosen
        if not shown(0):
            out.append("the first event is not in view")
        if selected:
            out.append(f"rows {selected} selected before any event")
        return out
    if not shown(last):
        out.append(
            f"the last event at or before the cursor (row {last}, {times[last] - t:+.1f} s) is not in view"
        )
    if last + 1 < len(times) and not shown(last + 1):
        out.append(f"the next event (row {last + 1}, {times[last + 1] - t:+.1f} s) is not in view")
    # One of the events at that same instant (a step or a marker click picked one of them).
    if len(selected) != 1 or times[selected[0]] != times[last]:
        out.append(f"selected rows {selected}, expected row {last} (or one at its instant)")
    return out


@pytest.mark.parametrize("seed", [5])
@pytest.mark.parametrize("screen", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_the_event_list_follows_the_cursor_every_way_it_moves(qtbot, themed_app, tmp_path, screen, seed):
    src = ReviewSource.open([_journal(tmp_path, seed)])
    win = ReviewWindow(src, compact=screen[1] < review_window.COMPACT_HEIGHT)
    qtbot.addWidget(win)
    win.resize(*screen)
    win.show()
    qtbot.waitExposed(win)
    settle()
    t0, t1 = win.timeline.t0, win.timeline.t1
    kinds = [win.kind_combo.itemText(i) for i in range(win.kind_combo.count())]
    rng = random.Random(seed)
    problems: list[str] = []
    view = win.timeline_view
    for k in range(MOVES):
        how = "filter" if k % 10 == 9 else rng.choice(["click", "drag", "next", "previous", "play", "end"])
        if how == "filter":  # a kind (or all kinds) at the same cursor
            win.kind_combo.setCurrentIndex(kinds.index(rng.choice(kinds)))
        elif how == "click":
            view.set_cursor(rng.uniform(t0, t1))
        elif how == "end":  # a click near the record's end: the list scrolled as far as it goes
            view.set_cursor(t1 - rng.uniform(0, 10))
        elif how == "drag":
            for _ in range(rng.randint(1, 5)):
                view.cursor_line._on_drag(rng.uniform(t0, t1), False)
            view.cursor_line._on_drag(rng.uniform(t0, t1), rng.random() < 0.5)  # released or held
            qtbot.waitUntil(lambda: view.pending_drag() is None, timeout=2000)
        elif how == "next":
            win.step_next()
        elif how == "previous":
            win.step_previous()
        else:
            win.toggle_play()
            for _ in range(rng.randint(1, 8)):
                win._on_play_tick()  # the play timer's ticks, run here
            # Pause, as the reviewer would: only while it plays. Playback that reached the end has
            # paused itself, and "Play" there starts again from the start: the play timer then moved
            # the cursor under every later move while it was checked (the flake of flake15).
            if win.playback.playing:
                win.toggle_play()
        # Nothing moves the cursor on its own now: what is checked is where the move left it.
        assert not win._play.isActive(), f"move {k} ({how}) left the playback running"
        # The list follows at most EVENT_LIST_FOLLOW_MS after a move: wait for that, then look.
        qtbot.waitUntil(lambda: not win._follow_events.isActive(), timeout=2000)
        settle()
        where = f"{how} to {view.cursor_time() - t0:+.1f} s ({win.kind_combo.currentText()})"
        problems += [f"{where}: {p}" for p in not_following(win)]
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems[:30])
    win.close()
