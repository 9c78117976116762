"""When a risk score becomes a warning: threshold with confirmation and hysteresis.

The same logic runs in the HMI (one per machine) and in the evaluation, for the
model and for both baselines, so their precision, recall and lead times are
measured the same way.

- raise: the score is >= ``on`` for ``confirm`` consecutive evaluations;
- clear: the score has stayed below ``off`` (< ``on``) for ``clear_hold_s``;
- no evaluation (machine stopped, bad sensor) changes nothing: a warning
  raised before a stop is still there after it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class WarningLogic:
    on: float
    off: float
    confirm: int = 2
    clear_hold_s: float = 30.0
    active: bool = False
    _above: int = 0
    _below_since: float | None = None

    def __post_init__(self) -> None:
        if not self.off < self.on:
            raise ValueError(f"clear level {self.off} must be below the raise level {self.on}")

    def update(self, t: float, score: float) -> str | None:
        """Feed one evaluation; returns "raised", "cleared" or None."""
        if not self.active:
            self._above = self._above + 1 if score >= self.on else 0
            if self._above >= self.confirm:
                self.active = True
                self._above = 0
                self._below_since = None
                return "raised"
            return None
        if score < self.off:
            if self._below_since is None:
                self._below_since = t
            if t - self._below_since >= self.clear_hold_s:
                self.active = False
                self._below_since = None
                return "cleared"
        else:
            self._below_since = None
        return None

    def reset(self) -> None:
        self.active = False
        self._above = 0
        self._below_since = None
