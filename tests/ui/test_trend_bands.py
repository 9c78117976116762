"""The selected pen's limit bands and labels (D-4b).

The alarm zones were hatched like bad quality (the legend's "/// bad"), so a window with a pen
selected looked bad-quality; and the labels of close limits ("HH 3x" / "H 28", "H 250" / "L 160")
overprinted each other. Zones are faint solid greys now, and labels never overlap.
"""

from __future__ import annotations

import itertools
import random

import pyqtgraph as pg
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from widgets.trend import TrendWidget
from widgets.trend.limit_labels import place_labels

HATCHES = {
    Qt.BrushStyle.BDiagPattern,
    Qt.BrushStyle.FDiagPattern,
    Qt.BrushStyle.DiagCrossPattern,
    Qt.BrushStyle.CrossPattern,
    Qt.BrushStyle.HorPattern,
    Qt.BrushStyle.VerPattern,
}


@st.composite
def label_sets(draw):
    top = draw(st.floats(0, 50))
    bottom = top + draw(st.floats(40, 600))
    names = draw(st.lists(st.sampled_from(["LL", "L", "H", "HH"]), min_size=1, max_size=4, unique=True))
    ys = [draw(st.floats(top - 30, bottom + 30)) for _ in names]
    sizes = [(draw(st.floats(20, 90)), draw(st.floats(10, 20))) for _ in names]
    return [(n, y, w, h) for n, y, (w, h) in zip(names, ys, sizes, strict=True)], top, bottom


@given(label_sets(), st.floats(200, 2000))
def test_no_two_limit_labels_overlap_and_each_stays_on_its_line(case, right):
    labels, top, bottom = case
    boxes = place_labels(labels, right, top, bottom)
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)
    for (_name, y, w, h), box in zip(labels, boxes, strict=True):
        assert box.right <= right + 1e-9 and (box.width, box.height) == (w, h)
        if top + h <= y <= bottom - h:  # room on both sides: the label touches its own line
            assert box.top - 1e-9 <= y <= box.bottom + 1e-9


def _label_rects(w: TrendWidget):
    return [t.sceneBoundingRect() for t in w.canvas.limit_labels]


def test_drawn_bands_are_calm_and_labels_apart_over_random_limits_and_zooms(qtbot, themed_app, demo_config):
    w = TrendWidget(demo_config, None, None, refresh_ms=10_000)
    qtbot.addWidget(w)
    w.resize(1100, 520)
    w.show()
    qtbot.waitExposed(w)
    try:
        w.add_pens(["filler.fill_pressure", "filler.vibration", "filler.motor_current"])
        w.set_mode("stacked")
        key = w.view.pens["filler.fill_pressure"].axis
        g = w.canvas.groups[key]
        rng = random.Random(10)
        for i in range(60):
            if i == 30:
                w.set_mode("overlay")
                g = w.canvas.groups[key]
            lo = rng.uniform(-50, 50)
            span = rng.choice([0.5, 5.0, 50.0, 500.0])
            vals = sorted(lo + span * rng.random() for _ in range(4))
            names = rng.sample(["LL", "L", "H", "HH"], rng.randint(1, 4))
            order = ["LL", "L", "H", "HH"]
            limits = [(n, v) for n, v in zip(order, vals, strict=True) if n in names]
            w.canvas.show_bands(key, (vals[1], vals[2]), limits, None)
            # a zoom that puts the limits close together, far apart or partly outside
            pad = span * rng.choice([0.05, 0.5, 3.0, 30.0])
            g.vb.setYRange(vals[0] - pad * rng.random(), vals[-1] + pad * rng.random(), padding=0)
            QApplication.processEvents()
            rects = _label_rects(w)
            assert len(rects) == len(limits)
            for (a, ra), (b, rb) in itertools.combinations(zip(limits, rects, strict=True), 2):
                assert not ra.intersects(rb), (i, a, b, ra, rb)
            target = w.canvas._band_spec[1]
            view = target.sceneBoundingRect()
            for r in rects:
                assert view.contains(r.center()), (i, r, view)
            brushes = [it.brush for _vb, it in w.canvas._bands if isinstance(it, pg.LinearRegionItem)]
            assert brushes and all(b.style() not in HATCHES for b in brushes)
        # bad quality keeps its hatch in the status lane (the legend's "/// bad")
        assert w.canvas.lane_items["bad"]._brush.style() in HATCHES
    finally:
        w.shutdown()


def test_every_limit_label_names_its_level_and_no_shading_covers_it(qtbot, themed_app, demo_config):
    """qa7 G36: the filler motor current's 30 A HiHi line read "H 30": its label lay under the gap
    shading, which hid the first "H". Every tag of the demo line with limits: each label reads its
    level's badge (from the one home, tag_info.LEVEL_BADGES) and its value, and it and its line are
    drawn above the gap and backfill shading of every view, in both modes."""
    from hmi.core.tag_info import LEVEL_BADGES, TagInfo

    w = TrendWidget(demo_config, None, None, refresh_ms=10_000)
    qtbot.addWidget(w)
    w.resize(1100, 520)
    w.show()
    qtbot.waitExposed(w)
    try:
        tags = [t for t in demo_config.tags if TagInfo.from_config(t).limits()]
        assert any(t.alarms.hihi is not None for t in tags)
        for mode in ("overlay", "stacked"):
            w.set_mode(mode)
            for t in tags:
                info = TagInfo.from_config(t)
                w.add_pens([t.name])
                key = w.view.pens[t.name].axis
                w.canvas.show_bands(key, info.normal, info.limits(), info.range)
                a = t.alarms
                by_level = (("lolo", a.lolo), ("lo", a.lo), ("hi", a.hi), ("hihi", a.hihi))
                levels = [(LEVEL_BADGES[lv], v) for lv, v in by_level if v is not None]
                texts = [lab.textItem.toPlainText() for lab in w.canvas.limit_labels]
                assert texts == [f"{b} {v:g}" for b, v in levels], (t.name, texts)
                target = w.canvas._band_spec[1]  # the view the bands are drawn in (z is per view)
                shades = [
                    item.zValue()
                    for g in w.canvas.ordered_groups()
                    if g.vb is target
                    for item in (g.shade, g.bf_shade)
                    if item is not None
                ]
                lines = [it for _vb, it in w.canvas._bands if isinstance(it, pg.InfiniteLine)]
                assert shades and lines
                for item in [*w.canvas.limit_labels, *lines]:
                    assert item.zValue() > max(shades), (t.name, item.zValue(), shades)
                w.remove_pen(t.name)
    finally:
        w.shutdown()
