"""Plant values while the link to the server is lost: "last known at HH:MM:SS", never live-looking.

When the link goes, what the screens show is only what was known when it went. Every widget that
shows values from the plant (faceplates, the tag table, the advisory readouts, the production
strip, the QC pane) implements `ShowsPlantValues`: it says since when its values are only the
last known ones, and the texts it shows say so with that time (and are greyed).

`live_looking(root, since)` walks every visible widget under `root` the way widgets.text_fit
walks for clipped text, and names each one that still looks live after a link loss at `since`:
a plant-value widget that does not report `since` or whose texts do not say "last known at
HH:MM:SS", and any other visible label showing a number that is not inside such a widget and
not marked as something other than a live plant value (`NOT_PLANT_VALUE`: the clock, the
journal's own counters, history with its own times).
"""

from __future__ import annotations

import re
import time
from typing import Protocol, runtime_checkable

from PySide6.QtWidgets import QLabel, QWidget

from widgets.text_fit import widget_path

# A dynamic property on a widget whose numbers are not live plant values (the clock, the
# journal's and the link's own figures, records that carry their own time): `live_looking`
# does not ask it to say "last known". Set it with `mark_not_plant_value`.
NOT_PLANT_VALUE = "notPlantValue"

_NUMBER = re.compile(r"\d")


def last_known_text(t: float) -> str:
    """'last known at 10:42:13' (local time of the screen)."""
    return f"last known at {time.strftime('%H:%M:%S', time.localtime(t))}"


def mark_not_plant_value(w: QWidget, why: str) -> QWidget:
    """Say (for `live_looking`, and for whoever reads the code) why w's numbers are not plant values."""
    w.setProperty(NOT_PLANT_VALUE, why)
    return w


@runtime_checkable
class ShowsPlantValues(Protocol):
    """A widget that shows values from the plant."""

    def last_known_at(self) -> float | None:
        """Since when what it shows is only the last known (the link went); None: current."""
        ...

    def shown_texts(self) -> list[str]:
        """The texts it shows now (painted or in child labels), for the check."""
        ...


def _visible(w: QWidget) -> bool:
    return w.isVisible() and w.width() > 0 and w.height() > 0


def live_looking(root: QWidget, since: float) -> list[str]:
    """Visible widgets under `root` that show plant values as if live after a link loss at `since`."""
    want = last_known_text(since)
    out: list[str] = []
    covered: set[int] = set()
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        if not _visible(w) or not isinstance(w, ShowsPlantValues):
            continue
        covered.update(id(c) for c in w.findChildren(QWidget))
        covered.add(id(w))
        at = w.last_known_at()
        texts = w.shown_texts()
        if at is None or abs(at - since) > 1.0:
            out.append(f"{widget_path(w)}: values shown as current (last_known_at {at!r}), texts {texts[:3]}")
        elif not any(want in t for t in texts):
            out.append(f"{widget_path(w)}: no {want!r} in what it shows: {texts[:4]}")
    for w in widgets:
        if not isinstance(w, QLabel) or id(w) in covered or not _visible(w) or not _NUMBER.search(w.text()):
            continue
        p: QWidget | None = w
        while p is not None and p.property(NOT_PLANT_VALUE) is None:
            p = p.parentWidget()
        if p is None:
            out.append(
                f"{widget_path(w)}: {w.text()!r} shows a number that is neither marked last known nor not a plant value"
            )
    return out
