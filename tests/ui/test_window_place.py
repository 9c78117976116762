"""widgets.window_place.place_in_room over random screens, top areas and windows: a window that can
fit the room left under the kept top area ends clear of it and on the screen; one clear already
stays where it is (qa12 Q12-10: the manual and the tag browser covered the alarm banner)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QRect, QSize

from widgets.window_place import place_in_room


@given(
    sw=st.integers(800, 2560),
    sh=st.integers(600, 1440),
    top_h=st.integers(40, 250),
    x=st.integers(-200, 2600),
    y=st.integers(-200, 1500),
    w=st.integers(100, 3000),
    h=st.integers(100, 2000),
    least_w=st.integers(50, 800),
    least_h=st.integers(50, 500),
)
def test_a_window_that_fits_the_room_ends_clear_of_the_top_and_on_screen(
    sw, sh, top_h, x, y, w, h, least_w, least_h
):
    screen = QRect(0, 0, sw, sh)
    top = QRect(0, 0, sw, top_h)  # the main window's top area, across a full-screen window
    frame = QRect(x, y, w, h)
    least = QSize(min(least_w, w), min(least_h, h))
    at = place_in_room(frame, least, [top], screen)
    if not frame.intersects(top):
        assert at == frame
        return
    if least.height() <= sh - top_h - 8 and least.width() <= sw:  # the room is 4 px below the top area
        assert not at.intersects(top), (frame, at)
        assert screen.contains(at), (frame, at)
    assert at.width() >= least.width() and at.height() >= least.height()
