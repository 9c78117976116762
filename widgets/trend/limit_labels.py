"""Where the limit labels of the selected pen go ("HH 7.1", "H 4.5", "L 160"...), so none hides another.

Pure geometry in pixels (y grows downwards), no Qt: the canvas measures the texts and maps the
result back to its view. A high limit's label sits on its line, a low limit's under it (so "H 250"
and "L 160" of a narrow normal band part), flipped to the other side when the plot edge would cut
it; labels that still collide (H and HH close together) move left of each other, on the height of
their own line, so each label stays next to the line it names.
"""

from __future__ import annotations

from dataclasses import dataclass

GAP_PX = 6.0  # between two labels side by side


@dataclass(frozen=True, slots=True)
class Box:
    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def overlaps(self, other: Box) -> bool:
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )


def place_labels(
    labels: list[tuple[str, float, float, float]], right: float, top: float, bottom: float
) -> list[Box]:
    """[(limit name, line y, text width, text height)] -> one box per label, in the same order,
    none overlapping another: right-aligned at `right`, inside [top, bottom] where it fits."""
    placed: list[Box] = []
    out: list[Box] = []
    for name, y, w, h in labels:
        above = not name.startswith("L")  # H, HH above their line; L, LL below it
        y_top = y - h if above else y
        if y_top < top:
            y_top = min(y, bottom - h)  # an H at the top edge: under its line
        elif y_top + h > bottom:
            y_top = max(y - h, top)  # an L at the bottom edge: over its line
        box = Box(right - w, y_top, w, h)
        moved = True
        while moved:
            moved = False
            for other in placed:
                if box.overlaps(other):
                    box = Box(other.left - GAP_PX - w, y_top, w, h)
                    moved = True
        placed.append(box)
        out.append(box)
    return out
