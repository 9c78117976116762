"""A label with a fixed number of lines: its height never depends on its text.

Two defect classes it answers:

- A label that asks for the height its text needs at its minimum width pushes the window past a
  1280x800 screen (the alarm banner).
- A message that appears, disappears or wraps onto a second line moves everything under it (or
  squeezes it): the setpoint dialog's number pad jumped 14 px between two taps when "Enter a
  number…" became "Change 400.0 → 4 bpm", and a tap aimed at "C" typed a "6" (qa7 G21); the alarm
  pane's action buttons jumped up when its confirmation appeared (qa7 G4).

So the label is `lines` lines tall whatever it says (empty included), takes any width it is given
(never widens its window), wraps its text onto those lines and, where it would need more, shows what
fits with "…" (`elide=True`): the whole text is in its tooltip, a tap on it shows it (a touch screen
has no hover), and `full_text()` says all of it, so widgets.text_fit still reports a label that shows
less than its text. Without `elide` the text is left to wrap and text_fit checks that it fits.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QSize, Qt
from PySide6.QtGui import QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolTip, QWidget

from hmi.core.units import no_break, plain

ELLIPSIS = "…"


def show_tooltip_on_tap(w: QWidget, ev: QMouseEvent) -> bool:
    """A tap's release on `w`: show its tooltip under it and take the release (True), as a touch
    screen has no hover (a shortened text, what a figure means). On the release, and taken here: Qt
    hides a tooltip at any button event, so one shown on the press went at its release, and one
    shown here went as the release went on to the parent. False: nothing to show, not handled."""
    if not (w.rect().contains(ev.position().toPoint()) and w.toolTip()):
        return False
    QToolTip.showText(w.mapToGlobal(QPoint(0, w.height())), w.toolTip(), w)
    ev.accept()
    return True


class TipLabel(QLabel):
    """A label whose tooltip holds more than it shows ("(+1 more: tap)"): a click or tap shows it,
    at a desk too, so its wording holds in both profiles."""

    def mouseReleaseEvent(self, ev: QMouseEvent) -> None:
        if show_tooltip_on_tap(self, ev):
            return
        super().mouseReleaseEvent(ev)


class WrappingLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None, *, lines: int = 2, elide: bool = False):
        super().__init__(parent)
        self.lines = lines
        self.elide = elide
        self._full = ""
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(60)
        self._fit()
        self.setText(text)

    def setText(self, text: str) -> None:
        # A number and its unit wrap as one word ("5.10 mm/ s" broke at the "/": hmi.core.units).
        self._full = no_break(text)
        self.setToolTip(text)
        self._show()

    def full_text(self) -> str:
        return plain(self._full)

    def text(self) -> str:  # type: ignore[override]
        """All of the text as given (what is shown, joined and perhaps elided: `QLabel.text`)."""
        return self.full_text()

    def shortened(self) -> bool:
        """It shows less than its text (elided to its lines)."""
        return QLabel.text(self) != self._full

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit()
            self._show()

    def event(self, e: QEvent) -> bool:
        done = super().event(e)
        if self.elide and e.type() == QEvent.Type.Polish:  # the style sheet's padding and border
            self._fit()  # are known now: the height they take is the label's from the start
            self._show()
        return done

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.elide and event.oldSize().width() != event.size().width():
            self._show()

    def hasHeightForWidth(self) -> bool:
        """No: its height is its lines', whatever the width. A word-wrapped QLabel says yes, and a
        scroll area then lays its pane out at the pane's preferred height for the width, never
        squeezed to the viewport: at 1280x800 the alarm list kept its preferred height and the
        action buttons were cut in half at the dock's foot (qa8 G20)."""
        return False

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.maximumHeight())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.minimumWidth(), self.maximumHeight())

    def mouseReleaseEvent(self, ev: QMouseEvent) -> None:
        if self.shortened() and show_tooltip_on_tap(self, ev):  # a tap shows the whole text
            return
        super().mouseReleaseEvent(ev)

    def _fit(self) -> None:
        m = self.contentsMargins()
        self.setFixedHeight(self.lines * self.fontMetrics().lineSpacing() + m.top() + m.bottom() + 2)

    def _fits(self, text: str, width: int) -> bool:
        QLabel.setText(self, text)
        return self.heightForWidth(width) <= self.height()

    def _show(self) -> None:
        full = self._full
        width = self.width()
        if not self.elide or not full or width <= 0 or self._fits(full, width):
            QLabel.setText(self, full)
            return
        lo, hi = 0, len(full)  # the longest start of the text that fits with the ellipsis
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._fits(full[:mid].rstrip() + ELLIPSIS, width):
                lo = mid
            else:
                hi = mid - 1
        QLabel.setText(self, full[:lo].rstrip() + ELLIPSIS)


def keep_room(w: QWidget, keep: bool = True) -> None:
    """`w` keeps its room in its layout while hidden (a progress bar, a pad for another kind of
    value), so what is under it does not move when it comes and goes."""
    policy = w.sizePolicy()
    policy.setRetainSizeWhenHidden(keep)
    w.setSizePolicy(policy)
