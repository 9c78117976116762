"""The review's faceplates keep their rows whole in every state of the review (qa10 Q10-5).

At 1920x1080 a click on the timeline put the filler's state on two lines ("FAULTED · Bearing
failure") and its alarms under its title: its rows moved 16 px below its neighbours', the pane's
foot, which cuts no row, found no gap between rows that overlapped all the way down and went up by
half the pane: the cards ended at a "Motor current" label with a grey band under them, through
playback. The check of every state of the review on a line journal with faults, alarms standing
on machines and a link outage: at open, at every event the step buttons stop at, at every change
of a machine's state, while playing; at 1920x1080 (faceplates, trend and events side by side)
and 1280x800 (faceplates and trend as tabs):
- no row is cut at the pane's foot, and the foot moves up only past the rows its edge cuts
  (tests.ui.test_no_row_cut_at_foot: the checks of the live window's panes);
- at 1920x1080 every faceplate is whole in its pane, without scrolling (the pane takes the height
  the cards need from the trend and events under it, which keep their useful rows);
- no empty band under the cards: the pane shows them whole, or its foot is the pane's edge (qa11
  Q11-3: at 1280x800 the cards ended at "Motor current" over a 43 px band at open, 22 px while
  playing; the checks above passed: the foot had gone up past one cut row only, and this test
  checked whole cards at 1920 only). In the look `linehmi review` has (the app's theme), at the
  instants of the machines' changes, at random instants, at every event and while playing.
"""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import QPoint, QRect

from hmi.core.alarms.event_codec import AlarmSnapshot, transition_data
from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.review.source import ReviewSource
from hmi.ui import review_window
from hmi.ui.review_window import ReviewWindow
from tests.review_fixtures import LINE_MACHINES, LINE_STEP_S, line_journal, link_outage
from tests.test_review_stop_choices import T0
from widgets.line_overview import LineOverview

from ..helpers.settle import settle
from .test_no_row_cut_at_foot import _walk_scroll, cut_at_foot, foot_moved_too_far

STEPS = 40
RANDOM_INSTANTS = 30
# The control room's screen, the line-side PC's (faceplates and trend as tabs), and a 1280 px wide
# screen tall enough for the wide layout (trend over events, the width too small for side by side).
SCREENS = [(1920, 1080), (1280, 800), (1280, 1024)]
# The longest names of the demo's alarms: the faceplate's alarm line wraps on a 280 px card.
ALARM_NAMES = {
    "filler": ["Filler tripped", "Filler vibration HiHi", "Filler bearing temperature Hi"],
    "capper": ["Capper torque signal lost", "Capper jam"],
    "labeller": ["Labeller glue temperature Lo"],
    "conveyor": ["Conveyor vibration signal lost"],
}


def _alarm(ts: float, machine: str, name: str, *, active: bool, acked: bool) -> JournalEvent:
    key = f"{machine}.{name.lower().replace(' ', '_')}"
    snap = AlarmSnapshot(alarm=key, name=name, tag=f"{machine}.state", machine=machine, priority="medium",
                         priority_level=3, active=active, acked=acked, activated_at=ts)  # fmt: skip
    action = "activate" if active else "clear"
    data = transition_data(snap, action=action, from_state="", to_state="", annunciated=active,
                           value=1.0, value_ts=ts)  # fmt: skip
    return JournalEvent(EventKind.ALARM, f"{name}: {action}", source=key, ts=ts,
                        severity=Severity.WARNING, data=data)  # fmt: skip


def _journal(directory, seed: int):
    """Random states of each machine (faults with each fault text), its alarms raised and cleared
    at random, and a link outage."""
    rng = random.Random(seed)
    states: dict[str, list[int]] = {}
    for m in LINE_MACHINES:
        run: list[int] = []
        while len(run) < STEPS:
            run += [rng.choice([2, 2, 3, 4, 0, 5])] * rng.randint(2, 7)
        states[m] = run[:STEPS]
    extra = [link_outage(T0 + 250.0, T0 + 290.0)]
    for m, names in ALARM_NAMES.items():
        for name in names:
            a = rng.uniform(0, STEPS * LINE_STEP_S * 0.6)
            extra.append(_alarm(T0 + a, m, name, active=True, acked=False))
            extra.append(_alarm(T0 + a + rng.uniform(30, 200), m, name, active=False, acked=False))
    codes = {m: rng.randint(1, 5) for m in LINE_MACHINES}
    return line_journal(directory, T0, states, extra=extra, fault_codes=codes)


def _faceplates_not_whole(win: ReviewWindow) -> list[str]:
    overview = win.overview
    assert isinstance(overview, LineOverview)
    port = overview.viewport()
    out = []
    for name, fp in overview.faceplates.items():
        r = QRect(fp.mapTo(port, QPoint(0, 0)), fp.size())
        if not port.rect().contains(r):
            out.append(f"{name} at y {r.top()}..{r.bottom() + 1} in a pane {port.height()} px high")
    return out


def empty_band(overview: LineOverview) -> list[str]:
    """The strip between the pane's foot and its edge (WholeLinesScrollArea's bottom margin), with
    the cards not all whole in the pane: they are cut off over empty background."""
    port = overview.viewport()
    hbar = overview.horizontalScrollBar()
    full = overview.contentsRect().height() - (hbar.height() if hbar.isVisible() else 0)
    band = full - port.height()
    if band <= 0:
        return []
    cut = [
        name
        for name, fp in overview.faceplates.items()
        if fp.mapTo(port, QPoint(0, fp.height())).y() > port.height()
    ]
    if not cut:
        return []
    return [f"an empty band {band} px high under the cards ({', '.join(cut)} cut off at {port.height()} px)"]


@pytest.mark.parametrize("seed", [3, 11])
@pytest.mark.parametrize("screen", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_every_state_of_the_review_keeps_the_faceplates_rows_whole(qtbot, themed_app, tmp_path, screen, seed):
    src = ReviewSource.open([_journal(tmp_path, seed)])
    compact = screen[1] < review_window.COMPACT_HEIGHT
    win = ReviewWindow(src, compact=compact)
    qtbot.addWidget(win)
    win.resize(*screen)
    win.show()
    qtbot.waitExposed(win)
    settle()
    overview = win.overview
    assert isinstance(overview, LineOverview)
    problems: list[str] = []
    heads: set[tuple[int, ...]] = set()  # the heads' heights seen (the walk met different states)

    def check(where: str, walk: bool = False) -> None:
        settle()
        heads.add(tuple(fp.rule.y() if hasattr(fp, "rule") else 0 for fp in overview.faceplates.values()))
        found = empty_band(overview)  # at rest, before the walk scrolls the pane
        found += (
            _walk_scroll(overview, where) if walk else cut_at_foot(overview) + foot_moved_too_far(overview)
        )
        if screen == (1920, 1080):
            found += _faceplates_not_whole(win)
        problems.extend(f"{where}: {f}" for f in found)

    check("at open", walk=True)
    for t in sorted({e.ts for e in win.timeline.events if e.kind == EventKind.MACHINE_STATE}):
        win.timeline_view.set_cursor(t + 1.0)
        check(f"cursor at {t + 1.0 - T0:+.0f} s")
    rng = random.Random(seed)
    for _ in range(RANDOM_INSTANTS):
        t = rng.uniform(win.timeline.t0, win.timeline.t1)
        win.timeline_view.set_cursor(t)
        check(f"cursor at random {t - T0:+.1f} s")
    win.timeline_view.set_cursor(win.timeline.t0)
    for k in range(60):
        before = win.timeline_view.cursor_time()
        win.step_next()
        if win.timeline_view.cursor_time() == before:
            break
        check(f"next event {k + 1} at {win.timeline_view.cursor_time() - T0:+.0f} s", walk=k % 10 == 0)
    win.timeline_view.set_cursor(win.timeline.t0)
    win.speed_combo.setCurrentIndex(win.speed_combo.count() - 1)
    win.toggle_play()
    assert win.playback.playing
    for k in range(40):  # the play timer's ticks, run here: no wait on the clock
        win._on_play_tick()
        if k % 4 == 0:
            check(f"playing, at {win.timeline_view.cursor_time() - T0:+.0f} s")
    win.toggle_play()
    check("paused after playing", walk=True)
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems[:40])
    assert len(heads) > 1, "the walk met only one layout of the faceplates' heads"
    win.close()
