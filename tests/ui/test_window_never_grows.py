"""No text makes a window grow (qa7 G39: after "Log in…" the review window went from 1920 to 2269 px
wide on a 1920x1080 screen, "Logged in: supervisor (supervisor) — may …" widening its dock, and
"Next event ▶", "Print…" and the timeline's right part stayed off the screen for the session).

The class: every state change that sets a text in the review window or the main window (a log-in as
each role, long user names, long notes and messages, the cursor and playback texts, each tab in
front) at 1920x1080 and 1280x800 (the main window in its touch profile there). After each, the
window's size is the one it was given and its minimum size is within the screen: a long text wraps
or elides (widgets.fit_label: whole in its tooltip), it never asks for more room than the screen has.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QApplication, QMainWindow

from hmi.core.review.journal_write import ReviewJournal
from hmi.core.review.source import ReviewSource
from hmi.core.runtime_api import ConnectionState
from hmi.core.users import Role, User
from hmi.ui import review_window
from hmi.ui.review_window import ReviewWindow
from tests.review_fixtures import line_journal
from tests.test_review_stop_choices import T0

from ..helpers.settle import settle
from .test_no_clipped_text import window  # noqa: F401 (fixture)
from .test_production_ui import production_runtime, shift_dir  # noqa: F401 (fixtures)

SCREENS = [(1920, 1080), (1280, 800)]
LONG_WORDS = "Alexandra Konstantinopoulou-Papadimitriou von und zu Hohenzollern-Sigmaringen " * 3
NO_SPACES = "a.konstantinopoulou." * 12  # one word a wrapping label cannot break
# Who logs in: each role, a long login name, a long display name, a name with no break in it.
REVIEWERS = [
    *[User(f"rev-{r.label}", r) for r in Role],
    User("a.konstantinopoulou", Role.SUPERVISOR, "Alexandra Konstantinopoulou"),
    User(NO_SPACES, Role.ADMIN, LONG_WORDS),
    User(NO_SPACES + NO_SPACES, Role.OPERATOR),
]


class Walk:
    """Checks a window after each state change: same size, minimum within the screen."""

    def __init__(self, win: QMainWindow, screen: tuple[int, int]) -> None:
        self.win, self.screen = win, screen
        settle()
        # As it opens: the screen's size or a little less (hmi.ui.window_layout). The offscreen
        # platform's one screen is 1920x1080, so a main window given 1280x800 may be laid out taller
        # at its first show (its docks' hints): its size then is the reference, and its minimum
        # must still fit 1280x800 (the real screens are checked on Xvfb, docs/line_side.md).
        self.size = win.size().toTuple()
        assert self.size[0] <= screen[0], f"the window opened {self.size[0]} px wide"
        self.problems: list[str] = []

    def after(self, what: str, change: Callable[[], object]) -> None:
        change()
        settle()
        QApplication.processEvents()
        size = self.win.size().toTuple()
        hint, least_set = self.win.minimumSizeHint().toTuple(), self.win.minimumSize().toTuple()
        least = (max(hint[0], least_set[0]), max(hint[1], least_set[1]))
        if size != self.size or least[0] > self.screen[0] or least[1] > self.screen[1]:
            self.problems.append(f"{what}: window {size[0]}x{size[1]}, its minimum {least[0]}x{least[1]}")

    def check(self) -> None:
        shown = "\n  ".join(self.problems)
        assert not self.problems, f"on a {self.screen[0]}x{self.screen[1]} screen:\n  {shown}"


@pytest.mark.parametrize("screen", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_no_text_grows_the_review_window(qtbot, tmp_path, monkeypatch, screen):
    path = line_journal(tmp_path, T0, {"filler": [2] * 5 + [4] * 6 + [0] * 2 + [2] * 20})
    src = ReviewSource.open([path])
    journal = ReviewJournal.for_files([(f.path, f.t0, f.t1) for f in src.files], None)
    win = ReviewWindow(src, journal=journal, compact=screen[1] < review_window.COMPACT_HEIGHT)
    qtbot.addWidget(win)
    win.resize(*screen)
    win.show()
    qtbot.waitExposed(win)
    walk = Walk(win, screen)
    texts = iter([LONG_WORDS, NO_SPACES, "x"])
    monkeypatch.setattr(
        review_window.QInputDialog, "getMultiLineText", staticmethod(lambda *a: (next(texts), True))
    )
    monkeypatch.setattr(review_window.QInputDialog, "getText", staticmethod(lambda *a: (NO_SPACES, True)))
    monkeypatch.setattr(review_window, "_pc_account", lambda: NO_SPACES, raising=False)
    for tab in range(win.tabs.count()):
        walk.after(f"tab {win.tabs.tabText(tab)!r} in front", lambda tab=tab: win.tabs.setCurrentIndex(tab))
        for who in [*REVIEWERS, None]:
            name = "nobody" if who is None else f"{who.name[:30]} ({who.role.label})"
            walk.after(f"logged in: {name}", lambda who=who: win.set_reviewer(who))
    win.tabs.setCurrentIndex(3)  # the review notes
    walk.after("a long note", win.add_note)
    walk.after("a note of one long word", win.add_note)
    walk.after("a long bookmark", win.add_bookmark)
    walk.after("a long message", lambda: win.statusBar().showMessage(f"Written to the journal {NO_SPACES}"))
    walk.after("playing", win.toggle_play)
    for k in range(win.speed_combo.count()):
        walk.after(f"speed {win.speed_combo.itemText(k)}", lambda k=k: win.speed_combo.setCurrentIndex(k))
    walk.after("paused", win.toggle_play)
    for t in (T0, T0 + 60, T0 + 125, win.timeline.t1):
        walk.after(f"cursor at {t - T0:+.0f} s", lambda t=t: win.timeline_view.set_cursor(t))
    for _ in range(5):
        walk.after("next event", win.step_next)
    walk.check()
    win.close()


MAIN_SCREENS = [((1920, 1080), "default"), ((1280, 800), "touch")]


@pytest.mark.parametrize(("screen", "profile"), MAIN_SCREENS, ids=["1920x1080", "1280x800-touch"])
def test_no_text_grows_the_main_window(window, screen, profile):  # noqa: F811
    win = window(screen, profile)
    walk = Walk(win, screen)
    for who in REVIEWERS:
        walk.after(f"logged in: {who.name[:30]} ({who.role.label})", lambda who=who: win.set_user(who))
    walk.after("a long PC account, nobody logged in", lambda: win.set_user(NO_SPACES))
    walk.after("nobody logged in", lambda: win.set_user(None))
    for state in ConnectionState:
        detail = f"{LONG_WORDS} opc.tcp://{NO_SPACES}:4840/"
        walk.after(
            f"link {state.value}, a long detail", lambda s=state, d=detail: win.runtime.set_state(s, d)
        )
    walk.after("a long message", lambda: win.statusBar().showMessage(LONG_WORDS + NO_SPACES))
    walk.check()
