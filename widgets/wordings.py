"""A label or button that shows the longest of its wordings that fits its width, whole.

"User  Demo viewer · vie…" and "Filtered: priority 3 · Sh…" were cut to fit; the fix is a shorter
true wording, never an elided one. `LongestWording` goes first among a widget's bases (a label's
or a button's): its size hint is the longest wording's width, its minimum the shortest's, and on
every resize it shows the longest that fits. The widget says how wide a wording is
(`wording_width`) and how it shows one (`show_wording`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    _Base = QWidget
else:
    _Base = object


class LongestWording(_Base):
    _wordings: tuple[str, ...] = ("",)

    def set_wordings(self, *wordings: str) -> None:
        """Longest first; empty ones are dropped."""
        self._wordings = tuple(w for w in wordings if w) or ("",)
        self.updateGeometry()
        self._choose()

    @property
    def wordings(self) -> tuple[str, ...]:
        return self._wordings

    def wording_width(self, text: str) -> int:
        raise NotImplementedError(f"{type(self).__name__} must say how wide a wording is")

    def show_wording(self, text: str) -> None:
        raise NotImplementedError(f"{type(self).__name__} must say how it shows a wording")

    def shown_wording(self) -> str:
        raise NotImplementedError(f"{type(self).__name__} must say which wording it shows")

    def sizeHint(self) -> QSize:
        return QSize(self.wording_width(self._wordings[0]), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.wording_width(self._wordings[-1]), super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._choose()

    def _choose(self) -> None:
        fits = (w for w in self._wordings if self.wording_width(w) <= self.width())
        shown = next(fits, self._wordings[-1])
        if self.shown_wording() != shown:
            self.show_wording(shown)
