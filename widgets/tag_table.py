"""Tag table over LiveValues, built for thousands of tags.

- The model computes cell text on demand in `data()`: Qt only asks for the
  visible cells, so 2,000 or 20,000 tags cost the same per repaint.
- A batch turns into `dataChanged` over the contiguous row runs that changed
  (numpy, no Python loop over rows); unchanged rows are never touched.
- Filtering and sorting are done here with numpy rather than through a
  QSortFilterProxyModel, whose dynamic re-sorting would call back into Python
  for every row on every batch. Sorting is applied when a header is clicked,
  not continuously: rows that jump around at 25 Hz cannot be read.
- The age column is refreshed by `tick()` about once a second.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterable, Mapping

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hmi.core.alarms.tag_badges import TagBadge, badge_view
from hmi.core.live_values import LiveValues
from hmi.core.quality import Quality, quality_array, quality_of, status_name
from widgets import palette
from widgets.formatting import decimals_for, format_age, format_timestamp, format_value
from widgets.last_known import last_known_text, mark_not_plant_value
from widgets.text_fit import scrolls_sideways

COL_NAME, COL_DESC, COL_VALUE, COL_UNIT, COL_QUALITY, COL_SOURCE_TS, COL_AGE = range(7)
HEADERS = ("Tag", "Description", "Value", "Unit", "Quality", "Source time", "Age")
# More runs than this in one batch: one dataChanged over their span is cheaper than many signals.
MAX_RANGES = 32

_Display = Qt.ItemDataRole.DisplayRole
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


class TagTableModel(QAbstractTableModel):
    rows_filtered = Signal(int, int)  # shown, total

    def __init__(self, live: LiveValues, parent=None) -> None:
        super().__init__(parent)
        self.live = live
        tags = live.config.tags
        self._tags = tags
        self._n = len(tags)
        self._desc = [t.label + (f" — {t.description}" if t.description else "") for t in tags]
        self._units = [t.unit for t in tags]
        self._decimals = [decimals_for(t) for t in tags]
        self._search = [f"{t.name} {t.display_name} {t.description} {t.unit}".lower() for t in tags]
        # Alarm limits as columns (NaN = none) so "abnormal only" is a few numpy comparisons.
        self._lim = {
            n: np.array([np.nan if getattr(t.alarms, n) is None else getattr(t.alarms, n) for t in tags])
            for n in ("hihi", "hi", "lo", "lolo")
        }
        self._problems: dict[int, tuple[int, str]] = {}
        self._stale = False
        self._since: float | None = None  # the link went at this time: values are the last known
        # tags that stay current while the link is lost (the link's own state tag)
        self._current = np.zeros(self._n, dtype=bool)
        self._order = np.arange(self._n, dtype=np.int64)  # sorted order over all tags
        self._rows = self._order.copy()  # view row -> tag index (after filter)
        self._row_of = np.arange(self._n, dtype=np.int64)  # tag index -> view row, -1 hidden
        self._filter_words: list[str] = []
        self._abnormal_only = False
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._now = time.time()
        self._overdue = np.zeros(self._n, dtype=bool)  # past their expected refresh (LiveValues.overdue)

        self._brush_bad = QBrush(QColor(palette.HATCH_LIGHT), Qt.BrushStyle.BDiagPattern)
        # A value in alarm is drawn in its alarm's priority colour (as in the list and the banner).
        self._brush_alarm = {k: QBrush(QColor(v)) for k, v in palette.PRIORITY_COLOURS.items()}
        self._fg_stale = QBrush(QColor(palette.STALE))
        self._fg_alarm_text = {k: QBrush(QColor(v)) for k, v in palette.PRIORITY_TEXT.items()}
        self._badges: dict[int, TagBadge] = {}  # row -> its standing alarm (set_tag_alarms)
        self._font_bold = QFont()
        self._font_bold.setBold(True)
        self._font_italic = QFont()
        self._font_italic.setItalic(True)

    # --- Qt model API ----------------------------------------------------------------------
    def tag_name(self, row: int) -> str:
        return self.live.names[int(self._rows[row])]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _Display):
        if orientation == Qt.Orientation.Horizontal:
            if role == _Display:
                return HEADERS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return _RIGHT if section in (COL_VALUE, COL_SOURCE_TS, COL_AGE) else _LEFT
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _Display):
        # Called only for visible cells; keep the common path short.
        col = index.column()
        i = int(self._rows[index.row()])
        if role == _Display:
            return self._text(i, col)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col == COL_VALUE and self.live.is_text[i]:
                return _LEFT  # words read from the left; numbers line up on the right
            return _RIGHT if col in (COL_VALUE, COL_SOURCE_TS, COL_AGE) else _LEFT
        if role == Qt.ItemDataRole.BackgroundRole:
            if col == COL_VALUE:
                if self._is_bad(i):
                    return self._brush_bad
                badge = self._badge(i)
                if badge is not None and not self._old(i) and self._in_zone(i, badge):
                    return self._brush_alarm[int(badge.priority)]
            elif col == COL_QUALITY and (i in self._problems and self._is_bad(i)):
                return self._brush_bad
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if (self._old(i) or self._overdue[i]) and col >= COL_VALUE:
                return self._fg_stale
            if col == COL_VALUE:
                badge = self._badge(i)
                if badge is not None and self._in_zone(i, badge):
                    return self._fg_alarm_text[int(badge.priority)]
            return None
        if role == Qt.ItemDataRole.FontRole:
            if col in (COL_VALUE, COL_QUALITY) or (col == COL_DESC and i in self._problems):
                q = quality_of(int(self.live.status[i]))
                if q == Quality.BAD:
                    return self._font_bold
                if q == Quality.UNCERTAIN:
                    return self._font_italic
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(i)
        return None

    def _old(self, i: int) -> bool:
        """Row i shows only the last known value (not updating, or its data lost)."""
        return (self._stale and not self._current[i]) or self.live.lost_at[i] == self.live.lost_at[i]

    def last_known_at(self, i: int) -> float | None:
        """Since when row i's value is only the last known one; None while it is current."""
        if self._since is not None and not self._current[i]:
            return self._since
        return self.live.last_known_at(i)

    def _is_bad(self, i: int) -> bool:
        if quality_of(int(self.live.status[i])) == Quality.BAD:
            return True
        # a text tag has no number: its value is the text (an empty string is a value too)
        return not self.live.is_text[i] and self.live.value[i] != self.live.value[i]

    def _badge(self, i: int) -> TagBadge | None:
        """Row i's standing alarm from the alarm model; never the value against its limits."""
        if self._is_bad(i):
            return None
        return self._badges.get(i)

    def _in_zone(self, i: int, badge: TagBadge) -> bool:
        """The value is in its alarm's zone (hmi.core.alarms.tag_badges.badge_view, the faceplates'
        rule): only then is the cell filled in the alarm's colour, never beside a value back in range."""
        value = float("nan") if self.live.is_text[i] else float(self.live.value[i])
        view = badge_view(badge, value)
        return view is not None and view.in_zone

    def set_tag_alarms(self, badges: Mapping[str, TagBadge]) -> None:
        """The alarm model's standing alarm per tag (hmi.core.alarms.tag_badges)."""
        idx = self.live.index
        new = {idx[t]: b for t, b in badges.items() if t in idx}
        if new == self._badges:
            return
        rows = set(new) | set(self._badges)
        self._badges = new
        for i in rows:
            self.dataChanged.emit(self.index(i, COL_VALUE), self.index(i, COL_VALUE))

    def elides_by_design(self, column: int) -> bool:
        """The description stretches into what the other columns leave and elides on a narrow dock;
        the tooltip has it whole (widgets.text_fit.ElidesByDesign)."""
        return column == COL_DESC

    def _text(self, i: int, col: int) -> str:
        if col == COL_NAME:
            return self._tags[i].name
        if col == COL_DESC:
            problem = self._problems.get(i)
            if problem and self._is_bad(i):
                return f"{self._tags[i].label} — refused by server: {problem[1]}"
            return self._desc[i]
        if col == COL_UNIT:
            return self._units[i]
        live = self.live
        if col == COL_VALUE:
            status = int(live.status[i])
            q = quality_of(status)
            if self._is_bad(i):
                return "? REFUSED" if i in self._problems else "? BAD"
            exact = live.text[i]  # a text tag's text, or a 64-bit integer's exact digits
            text = (
                exact
                if exact is not None
                else format_value(self._tags[i], float(live.value[i]), self._decimals[i])
            )
            return text + " ?" if q == Quality.UNCERTAIN else text
        if col == COL_QUALITY:
            status = int(live.status[i])
            problem = self._problems.get(i)
            if problem and quality_of(status) == Quality.BAD:
                return f"{status_name(problem[0])} (0x{problem[0]:08X})"
            lost = self.last_known_at(i)
            if lost is not None:
                return "Link lost: " + last_known_text(lost)
            if self._overdue[i]:
                return f"Stale: no update for {format_age(self._now - float(live.received_ts[i]))}"
            return status_name(status)
        if col == COL_SOURCE_TS:
            return format_timestamp(float(live.source_ts[i]), self._now)
        if col == COL_AGE:
            ts = float(live.source_ts[i])
            # The clock is refreshed at 1 Hz; a value received since then is at least as old
            # as it was on arrival (only real PLC/PC clock skew shows as negative).
            now = max(self._now, float(live.received_ts[i]))
            return "" if ts != ts else format_age(now - ts)
        return ""

    def _tooltip(self, i: int) -> str:
        t = self._tags[i]
        status = int(self.live.status[i])
        # The description column elides on a narrow dock: the tooltip holds what it shows, whole.
        lines = [
            f"<b>{html.escape(t.name)}</b>",
            html.escape(self._text(i, COL_DESC)),
            f"Node: {html.escape(t.node_id)}",
        ]
        lines.append(f"Status: {status_name(status)} (0x{status:08X})")
        shown = self.live.text[i]
        if shown is not None:
            what = "Text" if self.live.is_text[i] else "Exact value (trends draw the nearest float64)"
            lines.append(f"{what}: {html.escape(shown[:500])}" + ("…" if len(shown) > 500 else ""))
        problem = self._problems.get(i)
        if problem:
            lines.append(f"Refused by server: {status_name(problem[0])} (0x{problem[0]:08X}) — {problem[1]}")
        if t.range:
            lines.append(f"Range: {t.range[0]:g} – {t.range[1]:g} {t.unit}")
        if t.normal:
            lines.append(f"Normal: {t.normal[0]:g} – {t.normal[1]:g} {t.unit}")
        return "<br>".join(lines)

    # --- live updates ---------------------------------------------------------------------------
    def on_samples_applied(self, changed: np.ndarray) -> int:
        """Emit dataChanged for the visible-model rows of the changed tags; returns signals emitted."""
        if not len(changed) or not len(self._rows):
            return 0
        rows = self._row_of[np.asarray(changed, dtype=np.int64)]
        rows = rows[rows >= 0]
        if not len(rows):
            return 0
        rows = np.unique(rows)  # sorted
        breaks = np.flatnonzero(np.diff(rows) > 1)
        starts = np.r_[rows[0], rows[breaks + 1]]
        ends = np.r_[rows[breaks], rows[-1]]
        if len(starts) > MAX_RANGES:
            starts, ends = starts[:1], ends[-1:]
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            self.dataChanged.emit(self.index(s, COL_VALUE), self.index(e, COL_AGE))
        return len(starts)

    def set_problems(self, problems: Iterable[tuple[str, int, str]]) -> None:
        idx = self.live.index
        changed = []
        for tag, status, message in problems:
            i = idx.get(tag)
            if i is not None:
                self._problems[i] = (int(status), message)
                changed.append(i)
        if changed:
            self.on_samples_applied(np.asarray(changed))

    def set_stale(self, stale: bool, since: float | None = None, current: Iterable[int] = ()) -> None:
        """Not updating (no link yet, or lost `since`: rows say "last known at"), except the
        `current` tags (computed here, like the link's own state)."""
        since = since if stale else None
        self._current[:] = False
        self._current[list(current)] = True
        if stale != self._stale or since != self._since:
            self._stale, self._since = stale, since
            self._emit_all(COL_VALUE, COL_AGE)

    def tick(self, now: float | None = None) -> None:
        """About once a second: refresh ages (and the abnormal-only filter, which follows the data)."""
        self._now = time.time() if now is None else now
        overdue = self.live.overdue(self._now)
        changed = bool((overdue != self._overdue).any())
        self._overdue = overdue
        if self._abnormal_only:
            self._apply_filter()
        self._emit_all(COL_VALUE if changed else COL_SOURCE_TS, COL_AGE)

    def _emit_all(self, c0: int, c1: int) -> None:
        if self._rows.size:
            self.dataChanged.emit(self.index(0, c0), self.index(len(self._rows) - 1, c1))

    # --- filter and sort ---------------------------------------------------------------------
    def set_filter(self, text: str, abnormal_only: bool | None = None) -> None:
        self._filter_words = text.lower().split()
        if abnormal_only is not None:
            self._abnormal_only = abnormal_only
        self._apply_filter()

    def _abnormal_mask(self) -> np.ndarray:
        q = quality_array(self.live.status)
        mask = q != Quality.GOOD
        if self._problems:
            mask[list(self._problems)] = True
        v = self.live.value
        with np.errstate(invalid="ignore"):
            mask |= (
                (v >= self._lim["hi"])
                | (v >= self._lim["hihi"])
                | (v <= self._lim["lo"])
                | (v <= self._lim["lolo"])
            )
        return mask

    def _apply_filter(self) -> None:
        mask = np.ones(self._n, dtype=bool)
        if self._filter_words:
            words = self._filter_words
            mask &= np.fromiter((all(w in s for w in words) for s in self._search), dtype=bool, count=self._n)
        if self._abnormal_only:
            mask &= self._abnormal_mask()
        rows = self._order[mask[self._order]]
        if np.array_equal(rows, self._rows):
            return
        self.beginResetModel()
        self._rows = rows
        self._row_of = np.full(self._n, -1, dtype=np.int64)
        self._row_of[rows] = np.arange(len(rows))
        self.endResetModel()
        self.rows_filtered.emit(len(rows), self._n)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        live = self.live
        if column == COL_NAME:
            keys = np.array([t.name.lower() for t in self._tags])
        elif column == COL_DESC:
            keys = np.array([d.lower() for d in self._desc])
        elif column == COL_UNIT:
            keys = np.array(self._units)
        elif column == COL_VALUE:
            keys = np.where(np.isnan(live.value), np.inf, live.value)
        elif column == COL_QUALITY:
            keys = live.status.astype(np.int64)
        elif column == COL_SOURCE_TS:
            keys = np.where(np.isnan(live.source_ts), -np.inf, live.source_ts)
        else:  # age: newest first when ascending
            keys = np.where(np.isnan(live.source_ts), np.inf, -live.source_ts)
        order_idx = np.argsort(keys, kind="stable")
        if order == Qt.SortOrder.DescendingOrder:
            order_idx = order_idx[::-1]
        self._order = order_idx.astype(np.int64)
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        old_rows = self._rows
        mask = np.zeros(self._n, dtype=bool)
        mask[old_rows] = True
        self._rows = self._order[mask[self._order]]
        self._row_of = np.full(self._n, -1, dtype=np.int64)
        self._row_of[self._rows] = np.arange(len(self._rows))
        # Keep the selection on the same tags.
        for pidx in self.persistentIndexList():
            tag_i = int(old_rows[pidx.row()])
            self.changePersistentIndex(pidx, self.index(int(self._row_of[tag_i]), pidx.column()))
        self.layoutChanged.emit()

    def tag_at(self, row: int) -> int:
        return int(self._rows[row])

    def row_of(self, tag_index: int) -> int:
        return int(self._row_of[tag_index])

    @property
    def problems(self) -> dict[int, tuple[int, str]]:
        return self._problems


class TagTable(QWidget):
    """Filter box + abnormal-only toggle + table view.

    Numbers in a table cannot be read at 25 Hz, and repainting a full-screen
    table costs ~10 ms of CPU on a line-side PC, so changed tags are collected
    and the view is told about them `refresh_hz` times a second (the faceplates
    keep the full rate).
    """

    tag_activated = Signal(str)  # tag name: a row was double-clicked (opens its trend)

    def __init__(self, live: LiveValues, refresh_hz: float = 5.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = TagTableModel(live, self)
        self._pending = np.zeros(len(live), dtype=bool)
        self._fits_digits = False
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(int(1000 / refresh_hz))
        self._flush_timer.timeout.connect(self.flush)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(6)
        bar = QHBoxLayout()
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(
            "Filter tags: name, description or unit (several words: all must match)"
        )
        self.filter_edit.setClearButtonEnabled(True)
        self.abnormal_box = QCheckBox("Abnormal only")
        self.abnormal_box.setToolTip(
            "Bad or uncertain quality, refused by the server, or past an alarm limit"
        )
        self.count_label = QLabel()
        self.count_label.setObjectName("dimLabel")
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.abnormal_box)
        bar.addWidget(self.count_label)
        lay.addLayout(bar)

        self.view = QTableView()
        self.view.setObjectName("tagTable")
        self.view.setModel(self.model)
        scrolls_sideways(
            self.view
        )  # its fixed columns (quality, times) are reached sideways on a narrow dock
        self.view.doubleClicked.connect(self._on_double_clicked)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicatorShown(True)
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setShowGrid(False)
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vh = self.view.verticalHeader()
        vh.setVisible(False)
        # Fixed row heights: the view never measures rows, whatever the tag count.
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 8)
        hh = self.view.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(False)
        fm = self.fontMetrics()
        widths = {
            COL_NAME: fm.horizontalAdvance("labeller.motor_current_xx"),
            COL_DESC: fm.horizontalAdvance("Labeller bearing temperature"),
            # text tags: room for a batch id or a recipe name (the tooltip has the whole text)
            COL_VALUE: fm.horizontalAdvance(
                "LOT-2026-12-06-0042xx" if live.is_text.any() else "-000,000.00xxx"
            ),
            COL_UNIT: fm.horizontalAdvance("m/minxxx"),
            COL_QUALITY: fm.horizontalAdvance("BadNodeIdUnknown (0x80340000)xxxxx"),
            COL_SOURCE_TS: fm.horizontalAdvance("00:00:00.000xxx"),
            COL_AGE: fm.horizontalAdvance("00 min 00 sx"),
        }
        for col, w in widths.items():
            self.view.setColumnWidth(col, w)
        hh.setSectionResizeMode(COL_DESC, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.view, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self._apply_filter)
        self.filter_edit.textChanged.connect(lambda _t: self._debounce.start())
        self.abnormal_box.toggled.connect(lambda _c: self._apply_filter())
        self.model.rows_filtered.connect(self._show_count)
        self.model.modelReset.connect(lambda: self._show_count(self.model.rowCount(), len(live)))
        self._show_count(self.model.rowCount(), len(live))
        mark_not_plant_value(self.count_label, "how many tags the filter shows")

    def _apply_filter(self) -> None:
        self.model.set_filter(self.filter_edit.text(), self.abnormal_box.isChecked())

    def _show_count(self, shown: int, total: int) -> None:
        self.count_label.setText(f"{shown:,} of {total:,} tags")

    # Slots for the bridge / main window
    def on_samples_applied(self, changed: np.ndarray) -> None:
        self._pending[changed] = True
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def flush(self) -> int:
        """Tell the view about the tags changed since the last flush; returns dataChanged signals sent."""
        self._flush_timer.stop()
        changed = np.flatnonzero(self._pending)
        if not len(changed):
            return 0
        self._pending[:] = False
        self._fit_exact_digits(changed)
        return self.model.on_samples_applied(changed)

    def _fit_exact_digits(self, changed: np.ndarray) -> None:
        """The exact digits of a 64-bit integer must never be elided: the first time one is shown,
        the value column grows to hold any 64-bit integer."""
        if self._fits_digits:
            return
        live = self.model.live
        if any(live.text[i] is not None and not live.is_text[i] for i in changed.tolist()):
            need = self.fontMetrics().horizontalAdvance("-18446744073709551615xx")
            if self.view.columnWidth(COL_VALUE) < need:
                self.view.setColumnWidth(COL_VALUE, need)
            self._fits_digits = True

    def tick(self) -> None:
        self.model.tick()

    # --- ShowsPlantValues (widgets.last_known) ------------------------------------------
    def last_known_at(self) -> float | None:
        """The earliest time from which a shown row is only the last known value; None: all current."""
        m = self.model
        times = [t for r in range(m.rowCount()) if (t := m.last_known_at(m.tag_at(r))) is not None]
        return min(times) if times else None

    def shown_texts(self) -> list[str]:
        m = self.model
        return [
            f"{m.tag_name(r)} {m.index(r, COL_VALUE).data()} {m.index(r, COL_QUALITY).data()}"
            for r in range(m.rowCount())
        ]

    def _on_double_clicked(self, index) -> None:  # QModelIndex
        if index.isValid():
            self.tag_activated.emit(self.model.tag_name(index.row()))
