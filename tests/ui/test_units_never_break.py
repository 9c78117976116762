"""A number and its unit are never split over two lines (walkthrough: the banner wrapped "Filler
vibration Hi 5.10 mm/ s"). Every unit of the demo config, random numbers, in a sentence laid out by
Qt at every width from very narrow up: the quantity (hmi.core.units) always sits on one line, both
as `quantity` builds it and as `no_break` finds it in a stored message; the banner's label shows
the joined text and still gives back the message as stored."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QFont, QTextLayout, QTextOption
from PySide6.QtWidgets import QLabel

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.units import no_break, plain, quantity
from widgets.wrapping_label import WrappingLabel

UNITS = sorted(
    {t.unit for t in load_config(DEMO_CONFIG).tags if t.unit} | {"mm/s", "m/min", "%", "°C", "l/h"}
)


def _lines(text: str, width: float) -> list[tuple[int, int]]:
    layout = QTextLayout(text, QFont())
    opt = QTextOption()
    opt.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(opt)
    layout.beginLayout()
    spans = []
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        spans.append((line.textStart(), line.textStart() + line.textLength()))
    layout.endLayout()
    return spans


def _one_line(text: str, part: str, width: float) -> bool:
    i = text.index(part)
    return any(a <= i and i + len(part) <= b for a, b in _lines(text, width))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    unit=st.sampled_from(UNITS),
    value=st.floats(-999, 99999, allow_nan=False).map(lambda v: f"{v:.2f}"),
    width=st.integers(60, 400),
)
def test_a_quantity_stays_on_one_line(qtbot, themed_app, unit, value, width):
    q = quantity(value, unit)
    text = f"Filler vibration Hi {q} (limit {quantity('4.50', unit)}) — plan a bearing change"
    if _lines(q, width)[0][1] < len(q):
        return  # narrower than the quantity itself: nothing can keep it on one line
    assert _one_line(text, q, width), (text, width)
    stored = f"Filler vibration Hi {value} {unit} (limit 4.50 {unit}) — plan a bearing change"
    shown = no_break(stored)
    assert plain(shown) == stored
    assert _one_line(shown, q, width), (shown, width)


def test_the_banner_label_joins_and_gives_back_the_stored_text(qtbot, themed_app):
    stored = "Filler vibration Hi 5.10 mm/s (limit 4.50 mm/s) — 7 alarms in 10 min"
    label = WrappingLabel()
    qtbot.addWidget(label)
    label.setText(stored)
    assert label.full_text() == stored and label.toolTip() == stored
    shown = QLabel.text(label)
    assert quantity("5.10", "mm/s") in shown and "7 alarms" in shown and label.text() == stored


def test_every_unit_of_the_demo_line_is_found_in_stored_text():
    for u in UNITS:
        assert no_break(f"Hi 1.50 {u}.") == f"Hi {quantity('1.50', u)}.", u
