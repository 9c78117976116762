"""Playback of a review as plain state: playing or paused, at which speed, and the words every control
shows for that state (the play button, the cursor line, the trend's mode tag), from this one place.

The window used to write its labels in three places (the play button, the trend's own "LIVE/paused"
tag, the cursor line) and they disagreed: the trend said "paused" while the shift played. Every
control now reads its text from `Playback`, and a test walks random sequences of play/pause/speed/end
checking each control against the state.
"""

from __future__ import annotations

from dataclasses import dataclass

PLAYBACK_SPEEDS = (1, 5, 10, 30, 60)
DEFAULT_SPEED = 30


@dataclass
class Playback:
    playing: bool = False
    speed: int = DEFAULT_SPEED  # review seconds per wall-clock second

    def __post_init__(self) -> None:
        if self.speed not in PLAYBACK_SPEEDS:
            raise ValueError(f"playback speed {self.speed}x: expected one of {PLAYBACK_SPEEDS}")

    # --- transitions ---------------------------------------------------------------------------
    def toggle(self) -> None:
        self.playing = not self.playing

    def pause(self) -> None:
        self.playing = False

    def set_speed(self, speed: int) -> None:
        if speed not in PLAYBACK_SPEEDS:
            raise ValueError(f"playback speed {speed}x: expected one of {PLAYBACK_SPEEDS}")
        self.speed = speed

    def advance(self, t: float, wall_s: float, t_end: float) -> float:
        """The cursor after `wall_s` seconds of playing from t; reaching the end pauses."""
        if not self.playing:
            return t
        nxt = t + self.speed * wall_s
        if nxt >= t_end:
            self.playing = False
            return t_end
        return nxt

    # --- what the controls say -------------------------------------------------------------------
    @property
    def button_text(self) -> str:
        """The play button names what a click does (with a drawn icon, never a font glyph)."""
        return "Pause" if self.playing else "Play"

    @property
    def button_icon(self) -> str:
        """'pause' or 'play': the icon of the button's action (QStyle's media icons)."""
        return "pause" if self.playing else "play"

    @property
    def state_text(self) -> str:
        """The state itself, for the cursor line and the trend's mode tag."""
        return f"playing {self.speed}x" if self.playing else "paused"
