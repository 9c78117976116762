"""The Qt platform the widget tests run on: offscreen, with a control-room sized screen.

The default offscreen screen is 800x800 and windows never outgrow their screen
(hmi.ui.window_layout), so a 1920x1080 window needs a screen that big. One home for the
setting: tests/conftest.py applies it when no platform is set, and tests/ui/conftest.py
forces it even when the shell names a real display (xcb), where a plain "offscreen"
would squeeze every window into 800x800 and fail the fit and clipped-text tests.
"""

from pathlib import Path

OFFSCREEN_PLATFORM = f"offscreen:configfile={Path(__file__).parents[1] / 'offscreen_screen.json'}"
