"""The trend's tool bar: span presets, range, pan/zoom, live, cursor, stacked, add pen, sets, export.

Buttons only: each one emits what the user asked for and the trend widget
acts on it (its public API), so the bar holds no trend logic. Touch: every
target is at least 40 x 34 px.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QComboBox, QCompleter, QHBoxLayout, QMenu, QSizePolicy, QToolButton, QWidget

from hmi.core.trend_view import PRESETS


class TouchToolButton(QToolButton):
    """At least 40x34 px (a fingertip, not a mouse pointer) and never narrower than its text: a narrow
    dock scrolls the toolbar sideways (every dock's content scrolls, hmi.ui.window_layout) instead of
    squeezing "Export ▾" into 40 px, which a fixed 40 px minimum allowed."""

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint().expandedTo(QSize(40, 34))


class TrendToolbar(QWidget):
    span_chosen = Signal(float)  # a preset, seconds
    range_requested = Signal()  # "Range…": the custom range dialog
    pan_requested = Signal(float)  # fraction of the window (negative: back in time)
    zoom_requested = Signal(float)  # factor on the span
    live_toggled = Signal(bool)
    cursor_toggled = Signal(bool)
    stacked_toggled = Signal(bool)
    pen_requested = Signal(str)  # a tag typed or picked in the add-pen box

    def __init__(self, tag_names: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(3)
        self.preset_buttons: list[QToolButton] = []
        for label, span in PRESETS:
            b = self._tool(label, f"Show the last {label}", checkable=True)
            b.clicked.connect(lambda _=False, s=span: self.span_chosen.emit(s))
            self.preset_buttons.append(b)
            bar.addWidget(b)
        self.range_button = self._tool("Range…", "Choose a start and end time")
        self.range_button.clicked.connect(lambda _=False: self.range_requested.emit())
        bar.addWidget(self.range_button)
        bar.addSpacing(10)
        self.back_button = self._tool("◀", "Back in time by half the window")
        self.fwd_button = self._tool("▶", "Forward in time by half the window")
        self.zoom_in_button = self._tool("+", "Zoom in (half the time span)")
        self.zoom_out_button = self._tool("−", "Zoom out (twice the time span)")
        self.back_button.clicked.connect(lambda _=False: self.pan_requested.emit(-0.5))
        self.fwd_button.clicked.connect(lambda _=False: self.pan_requested.emit(0.5))
        self.zoom_in_button.clicked.connect(lambda _=False: self.zoom_requested.emit(0.5))
        self.zoom_out_button.clicked.connect(lambda _=False: self.zoom_requested.emit(2.0))
        for b in (self.back_button, self.fwd_button, self.zoom_in_button, self.zoom_out_button):
            f = b.font()
            f.setPointSize(f.pointSize() + 2)
            b.setFont(f)
            bar.addWidget(b)
        self.live_button = self._tool("Live", "Follow live data (click again to pause)", checkable=True)
        self.live_button.clicked.connect(lambda on: self.live_toggled.emit(bool(on)))
        self.live_button.setMinimumWidth(64)
        bar.addWidget(self.live_button)
        bar.addSpacing(10)
        self.cursor_button = self._tool(
            "Cursor", "Vertical cursor: read every pen at one instant", checkable=True
        )
        self.cursor_button.clicked.connect(lambda on: self.cursor_toggled.emit(bool(on)))
        bar.addWidget(self.cursor_button)
        self.stack_button = self._tool(
            "Stacked", "One sub-plot per axis instead of overlaid axes", checkable=True
        )
        self.stack_button.clicked.connect(lambda on: self.stacked_toggled.emit(bool(on)))
        bar.addWidget(self.stack_button)
        bar.addStretch(1)
        self.add_box = self._add_pen_box(tag_names)
        bar.addWidget(self.add_box)
        self.sets_button = self._tool("Sets ▾", "Save or open a named set of pens")
        self.sets_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.sets_menu = QMenu(self)
        self.sets_button.setMenu(self.sets_menu)
        bar.addWidget(self.sets_button)
        self.export_button = self._tool("Export ▾", "Export the visible range to CSV or the chart to PNG")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_menu = QMenu(self)
        self.export_button.setMenu(self.export_menu)
        bar.addWidget(self.export_button)

    def _tool(self, text: str, tip: str, checkable: bool = False) -> QToolButton:
        b = TouchToolButton(self)
        b.setText(text)
        b.setToolTip(tip)
        b.setCheckable(checkable)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        b.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        return b

    def _add_pen_box(self, names: Sequence[str]) -> QComboBox:
        box = QComboBox(self)
        box.setEditable(True)
        box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        box.setMinimumWidth(180)
        box.setMinimumHeight(34)
        edit = box.lineEdit()
        assert edit is not None  # an editable combo box has one
        edit.setPlaceholderText("Add pen: tag name…")
        box.addItems(list(names))
        box.setCurrentIndex(-1)
        comp = QCompleter(list(names), self)
        comp.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        comp.setFilterMode(Qt.MatchFlag.MatchContains)
        box.setCompleter(comp)
        box.activated.connect(lambda _i: self._on_pen_entered())
        edit.returnPressed.connect(self._on_pen_entered)
        return box

    def _on_pen_entered(self) -> None:
        text = self.add_box.currentText().strip()
        self.add_box.setCurrentIndex(-1)
        self.add_box.clearEditText()
        if text:
            self.pen_requested.emit(text)

    def show_span(self, span_s: float) -> None:
        """Check the preset that matches the visible span (none for a custom one)."""
        for b, (_, span) in zip(self.preset_buttons, PRESETS, strict=True):
            b.setChecked(abs(span - span_s) <= 0.01 * span)
