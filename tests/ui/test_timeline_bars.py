"""The timeline's state bars drawn as one item (widgets/timeline_bars.py) look exactly as one
QGraphicsRectItem per bar did, for any bars and any exposed part of the view (a cursor move repaints
only strips: the item paints only the bars that cross them), and the tooltip names the bar under the
mouse as the per-bar items' tooltips did."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen, QTransform
from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsScene, QStyleOptionGraphicsItem

from hmi.core.review.timeline import StateBar
from widgets.timeline import bar_colour
from widgets.timeline_bars import BAR_HALF_HEIGHT, StateBarsItem

T0 = 1_765_000_000.0
MACHINES = ("filler", "capper", "labeller")
STATES = ("Running", "Idle", "Stopped", "Starting", "Faulted", "Unknown")
LANE_Y = {"filler": 4, "capper": 3, "labeller": 2}  # "ghost" has no lane: never drawn


@st.composite
def bar_sets(draw: st.DrawFn) -> list[StateBar]:
    bars = []
    for machine in (*MACHINES, "ghost"):
        t = T0 + draw(st.floats(0, 3600))
        for _ in range(draw(st.integers(0, 40))):
            d = draw(st.floats(0.05, 4000))  # from well under a pixel to many pixels wide
            state = draw(st.sampled_from(STATES))
            fault = draw(st.sampled_from(["", "", "E12 jam", "None"]))
            bars.append(StateBar(machine, t, t + d, state, fault))
            t += d
    draw(st.randoms()).shuffle(bars)  # the item must not rely on the order it is given
    return bars


def _image() -> QImage:
    img = QImage(480, 60, QImage.Format.Format_RGB32)
    img.fill(QColor("#e6e6e6"))
    return img


def _view(source: QRectF) -> QTransform:
    """Item coordinates (seconds, lanes) to the image's pixels, `source` filling the image."""
    return QTransform.fromTranslate(-source.left(), -source.top()) * QTransform.fromScale(
        480 / source.width(), 60 / source.height()
    )


def _paint_exposed(item: StateBarsItem, source: QRectF) -> QImage:
    """What a view repaints when only `source` is exposed (a strip of the timeline): the item's paint
    with that exposedRect, as QGraphicsView hands it to an item with ItemUsesExtendedStyleOption."""
    img = _image()
    p = QPainter(img)
    p.setClipRect(QRectF(0, 0, 480, 60))
    p.setTransform(_view(source))
    option = QStyleOptionGraphicsItem()
    option.exposedRect = source
    item.paint(p, option)
    p.end()
    return img


def _render(items: list[QGraphicsRectItem], source: QRectF) -> QImage:
    scene = QGraphicsScene()
    for item in items:
        scene.addItem(item)
    img = _image()
    p = QPainter(img)
    scene.render(p, QRectF(0, 0, 480, 60), source, Qt.AspectRatioMode.IgnoreAspectRatio)
    p.end()
    for item in items:
        scene.removeItem(item)
    return img


def _one_item_per_bar(bars: list[StateBar]) -> list[QGraphicsRectItem]:
    """What the timeline drew before: one rectangle item per bar (widgets/timeline.py up to ccf496f)."""
    items = []
    for bar in bars:
        y = LANE_Y.get(bar.machine)
        if y is None:
            continue
        item = QGraphicsRectItem(bar.t0, y - 0.35, bar.t1 - bar.t0, 0.7)
        item.setBrush(QBrush(QColor(bar_colour(bar))))
        item.setPen(QPen(Qt.PenStyle.NoPen))
        items.append(item)
    return items


@settings(max_examples=60, deadline=None)
@given(bars=bar_sets(), data=st.data())
def test_the_one_item_draws_what_one_item_per_bar_drew_in_any_exposed_part(
    qapp: object, bars: list[StateBar], data: st.DataObject
) -> None:
    # The exposed strip's edges near bar edges (where a cull is off by one bar) or anywhere.
    edges = [t for b in bars for t in (b.t0, b.t1)] or [T0]
    near = st.sampled_from(edges).flatmap(
        lambda t: st.just(t) | st.floats(t - 2, t + 2) | st.floats(t - 60, t + 60)
    )
    a, b = sorted(data.draw(st.lists(near | st.floats(T0 - 600, T0 + 200_000), min_size=2, max_size=2)))
    source = QRectF(a, 1.4, max(b - a, 1.0), 3.2)  # the three lanes, some span of time
    ours = _paint_exposed(StateBarsItem(bars, LANE_Y, bar_colour), source)
    before = _render(_one_item_per_bar(bars), source)
    assert ours == before


@settings(max_examples=40, deadline=None)
@given(bars=bar_sets(), pick=st.randoms())
def test_the_tooltip_names_the_bar_under_the_mouse(qapp: object, bars: list[StateBar], pick) -> None:
    item = StateBarsItem(bars, LANE_Y, bar_colour)
    for bar in bars:
        y = LANE_Y.get(bar.machine)
        t = bar.t0 + pick.random() * (bar.t1 - bar.t0)
        dy = (pick.random() * 2 - 1) * BAR_HALF_HEIGHT * 0.99
        if y is None:
            assert all(item.bar_tip(t, yy + dy) != f"ghost: {bar.state}" for yy in LANE_Y.values())
            continue
        if any(o.machine == bar.machine and o is not bar and o.t0 <= t <= o.t1 for o in bars):
            continue  # on the shared edge of two bars
        assert item.bar_tip(t, y + dy) == f"{bar.machine}: {bar.state}" + (
            f" ({bar.fault})" if bar.fault else ""
        )
    assert item.bar_tip(T0 - 10_000, 3) == ""  # before any bar
    assert item.bar_tip(T0 + 100, 3.5) == ""  # between two lanes
