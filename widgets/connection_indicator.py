"""Connection state badge: state, how long it has been so, and the runtime's detail.

Connected is the normal state and shows no colour. Reconnecting and
disconnected are abnormal: the badge turns to the communication colour
(blue, never an alarm colour) so it is seen from across the room.
"""

from __future__ import annotations

import re
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QWidget

from hmi.core.runtime_api import ConnectionState
from widgets.formatting import format_age

_TITLES = {
    ConnectionState.CONNECTED: "CONNECTED",
    ConnectionState.CONNECTING: "CONNECTING…",
    ConnectionState.RECONNECTING: "RECONNECTING…",
    ConnectionState.DISCONNECTED: "DISCONNECTED",
}
ABNORMAL = frozenset({ConnectionState.RECONNECTING, ConnectionState.DISCONNECTED})


_ENDPOINT = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)


def short_forms(detail: str) -> list[str]:
    """The runtime's detail from the longest wording to the shortest, each still true: the full
    text, the endpoint named "the server", the text up to the first clause without it, nothing."""
    out = [detail] if detail else []
    if not detail:
        return [""]
    named = _ENDPOINT.sub("the server", detail)
    out.append(named)
    first = re.split(r"[;(]", named, maxsplit=1)[0].strip(" ,")
    out.append(first)
    words = first.split()
    if len(words) > 1:
        out.append(words[0])  # "connected", "reconnected", "link"…
    out.append("")
    return list(dict.fromkeys(out))


class ConnectionIndicator(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionIndicator")
        self._state = ConnectionState.DISCONNECTED
        self._detail = ""
        self._elided = ""  # the detail text when it did not fit
        self._since = time.time()
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)
        self.badge = QLabel()
        self.badge.setObjectName("connectionBadge")
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail_label = QLabel()
        self.detail_label.setObjectName("connectionDetail")
        # Ignored: the detail takes what the bar has left (it picks a shorter wording to fit), and
        # its long wording never squeezes the fields beside it (the user's name was cut for it).
        self.detail_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.detail_label.setMinimumWidth(120)
        lay.addWidget(self.badge)
        lay.addWidget(self.detail_label, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._render)
        self._timer.start()
        self._render(force_style=True)

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def abnormal(self) -> bool:
        return self._state in ABNORMAL

    def set_state(self, state: ConnectionState, detail: str = "", since: float | None = None) -> None:
        """`since`: the instant the runtime gives (while the link is lost, the outage's: the badge
        then counts from it through every reconnecting/disconnected change); None: now, if the
        state changed."""
        state = ConnectionState(state)
        changed = state != self._state
        if changed or since is not None:
            self._since = time.time() if since is None else since
        self._state, self._detail = state, detail
        self._render(force_style=changed)

    def text(self) -> str:
        """Everything the indicator says, as one line (tooltips, tests)."""
        parts = [_TITLES[self._state], self._elapsed_text()]
        if self._detail:
            parts.append(self._detail)
        return " · ".join(parts)

    @property
    def since(self) -> float:
        """The instant its "for …" counts from."""
        return self._since

    def clipped_texts(self) -> list[str]:
        """The detail text when it had to be elided (widgets.text_fit.PaintsText)."""
        return [self._elided] if self._elided else []

    def _elapsed_text(self) -> str:
        return f"for {format_age(max(0.0, time.time() - self._since))}"

    def shown_detail(self, width: int) -> str:
        """The longest wording of the detail that fits `width` px whole: never an elided sentence
        ("for 6.9 s — connected t…" at 1280 px). The endpoint goes first ("connected to the
        server"), then the words after the state, then all but the elapsed time; the tooltip keeps
        the full text."""
        elapsed = self._elapsed_text()
        fm = self.detail_label.fontMetrics()
        for detail in short_forms(self._detail):
            text = elapsed + (f" — {detail}" if detail else "")
            if fm.horizontalAdvance(text) <= width:
                return text
        return elapsed if fm.horizontalAdvance(elapsed) <= width else ""

    def _render(self, force_style: bool = False) -> None:
        self.badge.setText(_TITLES[self._state])
        shown = self.shown_detail(self.detail_label.contentsRect().width())
        full = self._elapsed_text() + (f" — {self._detail}" if self._detail else "")
        self._elided = ""  # a shorter wording is chosen, never an elided one
        self.detail_label.setText(shown)
        self.detail_label.setToolTip(full)
        self.setToolTip(self.text())
        kind = "abnormal" if self.abnormal else self._state.value
        if force_style or self.badge.property("kind") != kind:
            self.badge.setProperty("kind", kind)
            self.badge.style().unpolish(self.badge)
            self.badge.style().polish(self.badge)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._render()
