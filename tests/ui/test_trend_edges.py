"""Trend text at its edges (qa7 G10, G24): a pen name wraps between its words, never inside one
("Filler bearing temperatu" at 1920x1080); on a narrow pen table the Axis wraps its words
before the table scrolls sideways with the axis cut at its edge ("Filler sta", qa8 G10);
the cursor's time label stays inside the plot at both of its edges ("20:" at the right edge
while playing)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

from widgets.trend.pen_table import COL_AXIS, COL_PEN, COL_QUALITY, COL_VALUE, PenRow, PenTable, PenTableModel

from .test_trend import NOW, Clock, trend_factory  # noqa: F401  (the fixture)


def _rows(config, tags: list[str]) -> list[PenRow]:
    out = []
    for name in tags:
        t = config.tag(name)
        axis = t.unit if t.data_type in ("float", "int") else t.label
        out.append(PenRow(name, t.label, "#225588", value="38.14", unit=t.unit, quality="Good", axis=axis))
    return out


def _words_cut(view: PenTable, col: int = COL_PEN) -> list[str]:
    model = view.model()
    cut = []
    for r in range(model.rowCount()):
        idx = model.index(r, col)
        opt = QStyleOptionViewItem()
        view.initViewItemOption(opt)
        opt.rect = view.visualRect(idx)
        view.itemDelegate().initStyleOption(opt, idx)
        room = view.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, view).width()
        font = QFont(opt.font)
        fm = QFontMetrics(font)
        for word in str(model.data(idx)).split():
            if fm.horizontalAdvance(word) > room:
                cut.append(f"{word!r} needs {fm.horizontalAdvance(word)} px, has {room}")
    return cut


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), width=st.integers(300, 700))
def test_pen_names_wrap_between_words_and_the_columns_fit(qtbot, themed_app, demo_config, data, width):
    view = _random_table(qtbot, demo_config, data, width)
    assert _words_cut(view) == []


def _random_table(qtbot, demo_config, data, width: int) -> PenTable:
    """A pen table `width` px wide with a random set of the demo's pens, the first selected (bold:
    the widest a name gets) and a review cursor's Value heading."""
    names = [t.name for t in demo_config.tags]
    tags = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=8, unique=True))
    model = PenTableModel()
    view = PenTable(model)
    qtbot.addWidget(view)
    view.resize(width, 400)
    view.show()
    model.set_rows(_rows(demo_config, tags))
    model.set_selected(tags[0])
    model.set_value_heading("Value at 20:10:33")
    qtbot.wait(10)
    return view


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), width=st.integers(220, 520))
def test_a_narrow_pen_table_wraps_its_axis_before_it_scrolls(qtbot, themed_app, demo_config, data, width):
    view = _random_table(qtbot, demo_config, data, width)
    model = view.model()
    h = view.horizontalHeader()
    least = view.pen_column_minimum() + h.sectionSize(COL_VALUE) + h.sectionSize(COL_QUALITY)
    least += view._least_width(COL_AXIS)
    if least <= view.viewport().width():
        assert h.length() <= view.viewport().width(), (h.length(), view.viewport().width())
    for col in (COL_QUALITY, COL_AXIS):
        assert _words_cut(view, col) == [], col
        assert h.sectionSize(col) >= h.sectionSizeHint(col), f"heading of column {col} cut"
        for r in range(model.rowCount()):  # a wrapped axis is as tall as its row allows
            idx = model.index(r, col)
            opt = QStyleOptionViewItem()
            view.initViewItemOption(opt)
            opt.rect = view.visualRect(idx)
            need = view.itemDelegate().sizeHint(opt, idx).height()
            assert need <= view.rowHeight(r) + 1, (model.data(idx), need, view.rowHeight(r))


@pytest.mark.parametrize("where", [0.01, 0.3, 0.5, 0.7, 0.99])
def test_the_cursor_time_label_stays_inside_the_plot(trend_factory, demo_config, qtbot, where):  # noqa: F811
    w = trend_factory(demo_config, None, clock=Clock(NOW), span_s=600)
    w.add_pen("filler.speed")
    w.set_live(False)
    w.set_cursor_visible(True)
    x0, x1 = w.canvas.x_range()
    w.set_cursor(x0 + where * (x1 - x0))
    w._update_readouts(force=True)
    qtbot.wait(20)
    line = w.canvas.cursor_lines()[0]
    label = line.label
    assert label is not None and label.toPlainText().count(":") == 2
    plot = line.getViewBox().sceneBoundingRect()
    text = label.sceneBoundingRect()
    assert plot.left() <= text.left() and text.right() <= plot.right(), (where, text, plot)
