"""The touch profile for line-side PCs: big targets, kinetic scrolling, a locked layout.

- Targets: every button, tool button, tab, combo box, line edit and check box at least
  TOUCH_TARGET_PX (40 px, ISA-101 and common touch guidance) in both directions, table rows
  TOUCH_ROW_PX high, scroll bars as wide as a finger (rules appended to the application style
  sheet, rows set on every item view).
- Kinetic scrolling: QScroller on every list, table and scroll area, so a drag with a finger
  (or the mouse: a line PC may have neither wheel nor touch pad) scrolls it. Grabbed when a
  view is first shown, so views created later (dialogs) get it too.
- The layout lock (no drag-to-undock) lives in WindowLayout; the profile turns it on.

"auto" (the default of `[display] touch`) means: on when the screen is no taller than
AUTO_MAX_HEIGHT px or a touch screen is attached.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtGui import QGuiApplication, QInputDevice, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QScroller,
    QWidget,
)

from hmi.ui.theme import THEME_DIR
from widgets.wrapping_label import show_tooltip_on_tap

# Targets sized in code as well as in the style sheet: a widget's own style sheet (the banner's
# slim Ack buttons, say) wins over the application's rules, a minimum size set here does not.
TARGET_TYPES = (QAbstractButton, QComboBox, QLineEdit, QAbstractSpinBox)

TOUCH_TARGET_PX = 40
TOUCH_ROW_PX = 40  # rows are targets too; 40 keeps 8 alarm rows on a 800 px screen
AUTO_MAX_HEIGHT = 800
_MOUSE_TEXT = Qt.TextInteractionFlag.LinksAccessibleByMouse | Qt.TextInteractionFlag.TextSelectableByMouse
_MINIMUM_BEFORE = "touchMinimumBefore"  # a target's own minimum size, put back when the profile goes

_ARROWS = THEME_DIR.as_posix()  # the step arrows' images (resources/theme/arrow_*.svg)

TOUCH_QSS = f"""
/* --- touch profile (hmi.ui.touch) --- */
QPushButton, QToolButton, QComboBox, QLineEdit, QAbstractSpinBox {{
    min-height: {TOUCH_TARGET_PX - 12}px;
}}
QCheckBox, QRadioButton {{ min-height: {TOUCH_TARGET_PX}px; }}
QCheckBox::indicator, QRadioButton::indicator {{ width: 26px; height: 26px; }}
QTabBar::tab {{ min-height: {TOUCH_TARGET_PX - 12}px; min-width: {TOUCH_TARGET_PX}px; }}
/* Step arrows a finger long too (they were 14 px): the bar keeps a margin for each at its ends.
   A scroll bar is styled whole once a part of it is (Fusion draws no arrow in a styled step button,
   nor the button at the styled size), so every part has its rule; colours from the palette (day and
   night), the arrows from the theme folder. */
QScrollBar {{ background: palette(window); border: none; }}
QScrollBar:vertical {{ width: {TOUCH_TARGET_PX}px; margin: {TOUCH_TARGET_PX}px 0 {TOUCH_TARGET_PX}px 0; }}
QScrollBar:horizontal {{ height: {TOUCH_TARGET_PX}px; margin: 0 {TOUCH_TARGET_PX}px 0 {TOUCH_TARGET_PX}px; }}
QScrollBar::handle {{ background: palette(button); border: 1px solid palette(mid); border-radius: 3px; margin: 3px; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: palette(midlight); }}
QScrollBar::add-line, QScrollBar::sub-line {{ background: palette(button); border: 1px solid palette(mid); }}
QScrollBar::sub-line:vertical {{
    height: {TOUCH_TARGET_PX}px; subcontrol-position: top; subcontrol-origin: margin;
}}
QScrollBar::add-line:vertical {{
    height: {TOUCH_TARGET_PX}px; subcontrol-position: bottom; subcontrol-origin: margin;
}}
QScrollBar::sub-line:horizontal {{
    width: {TOUCH_TARGET_PX}px; subcontrol-position: left; subcontrol-origin: margin;
}}
QScrollBar::add-line:horizontal {{
    width: {TOUCH_TARGET_PX}px; subcontrol-position: right; subcontrol-origin: margin;
}}
QScrollBar::up-arrow {{ image: url({_ARROWS}/arrow_up.svg); width: 16px; height: 16px; }}
QScrollBar::down-arrow {{ image: url({_ARROWS}/arrow_down.svg); width: 16px; height: 16px; }}
QScrollBar::left-arrow {{ image: url({_ARROWS}/arrow_left.svg); width: 16px; height: 16px; }}
QScrollBar::right-arrow {{ image: url({_ARROWS}/arrow_right.svg); width: 16px; height: 16px; }}
/* A tab bar's two scroll buttons share the scroller's width: a finger each. */
QTabBar::scroller {{ width: {2 * TOUCH_TARGET_PX}px; }}
QScrollBar::handle:vertical {{ min-height: {TOUCH_TARGET_PX}px; }}
QScrollBar::handle:horizontal {{ min-width: {TOUCH_TARGET_PX}px; }}
QHeaderView::section {{ min-height: {TOUCH_TARGET_PX - 12}px; }}
QMenu::item {{ padding: 13px 28px 13px 20px; }}
QComboBox QAbstractItemView::item {{ min-height: {TOUCH_ROW_PX}px; }}
/* A combo's popup is a menu-like list whose delegate ignores the item rule above (23 px entries
   in the Classify dialog): a list popup uses the styled delegate, which keeps it. */
QComboBox {{ combobox-popup: 0; }}
QListView::item, QTreeView::item {{ min-height: {TOUCH_ROW_PX}px; }}
"""


def touch_screen_attached() -> bool:
    return any(d.type() == QInputDevice.DeviceType.TouchScreen for d in QInputDevice.devices())


def auto_touch(screen_size: QSize) -> bool:
    if QGuiApplication.platformName() == "offscreen":
        return False  # no physical screen to judge (tests): the profile is asked for explicitly
    return screen_size.height() <= AUTO_MAX_HEIGHT or touch_screen_attached()


def part_of_a_control(w: QWidget) -> bool:
    """An editable combo box's or a spin box's own line edit: the control around it is the target
    (sized 40 px, the editor 40 px inside its 35 px field stood out of it at the foot)."""
    return isinstance(w, QLineEdit) and isinstance(w.parentWidget(), QComboBox | QAbstractSpinBox)


def _scroller_target(w: QWidget) -> QWidget | None:
    if isinstance(w, QAbstractScrollArea):
        return w.viewport()
    return None


class _SelectionGuard(QObject):
    """A drag that scrolls a view does not select: the rows under a finger that scrolls a list were
    all selected (the press and each move reached the view). The selection from before the press
    comes back as soon as the scroller knows it is a drag; a tap (press, release) still selects."""

    def __init__(self, view: QAbstractItemView, parent: QObject) -> None:
        super().__init__(parent)
        self.view = view
        self._before: QItemSelection | None = None
        self._current: QPersistentModelIndex | None = None

    def on_state(self, state: QScroller.State) -> None:
        sm = self.view.selectionModel()
        if sm is None:
            return
        if state == QScroller.State.Pressed:
            self._before = QItemSelection(sm.selection())
            self._current = QPersistentModelIndex(sm.currentIndex())
        elif state == QScroller.State.Dragging and self._before is not None:
            sm.select(self._before, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            cur = self._current
            if cur is not None and cur.isValid():
                index = sm.model().index(cur.row(), cur.column(), cur.parent())
                sm.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
            self._before = None


class TouchProfile(QObject):
    """Applies and removes the touch profile for the whole application."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.app = app
        self.enabled = False
        self._rows: dict[int, int] = {}  # id(view) -> row height before the profile
        self._guarded: set[int] = set()  # id(view) whose drag-scroll keeps the selection

    def set_enabled(self, on: bool, root: QWidget | None = None) -> None:
        if on == self.enabled:
            return
        self.enabled = on
        # Kept as the theme's extra rules, so a theme switch keeps them (hmi.ui.theme.apply_theme).
        self.app.setProperty("linehmiExtraQss", TOUCH_QSS if on else "")
        qss = self.app.styleSheet().replace(TOUCH_QSS, "")
        self.app.setStyleSheet(qss + TOUCH_QSS if on else qss)
        if on:
            self.app.installEventFilter(self)
        else:
            self.app.removeEventFilter(self)
        widgets = root.findChildren(QWidget) if root is not None else self.app.allWidgets()
        for w in widgets:
            self.adapt(w)

    def refresh(self, root: QWidget) -> None:
        """Size every target again: a style sheet set since (a theme switch) re-polishes widgets,
        and a polish puts back the minimum size the widget's own style sheet asks for."""
        if self.enabled:
            for w in root.findChildren(QWidget):
                self.adapt(w)

    def adapt(self, w: QWidget) -> None:
        """Touch size for a target; kinetic scrolling and touch-high rows for a view (or back)."""
        if isinstance(w, TARGET_TYPES):
            if not part_of_a_control(w):
                self._size_target(w)
            return
        target = _scroller_target(w)
        if target is None:
            return
        if self.enabled:
            QScroller.grabGesture(target, QScroller.ScrollerGestureType.LeftMouseButtonGesture)
            if isinstance(w, QAbstractItemView) and id(w) not in self._guarded:
                self._guarded.add(id(w))
                guard = _SelectionGuard(w, self)
                QScroller.scroller(target).stateChanged.connect(guard.on_state)
        else:
            QScroller.ungrabGesture(target)
        if isinstance(w, QAbstractItemView) and hasattr(w, "verticalHeader"):
            header = w.verticalHeader()
            if self.enabled:
                self._rows.setdefault(id(w), header.defaultSectionSize())
                header.setDefaultSectionSize(max(TOUCH_ROW_PX, header.defaultSectionSize()))
            elif id(w) in self._rows:
                header.setDefaultSectionSize(self._rows.pop(id(w)))
        if isinstance(w, QAbstractItemView):
            # Pixel scrolling: a kinetic drag moves the rows smoothly instead of jumping by a row.
            w.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)

    def _size_target(self, w: QWidget) -> None:
        # The minimum from before the profile is kept on the widget itself: kept by id() in a dict, a
        # new widget that got a dead one's id took its minimum (a login button 68 px taller after
        # a number pad's two-row Write key had died with the same id).
        old = w.property(_MINIMUM_BEFORE)
        if self.enabled:
            if not isinstance(old, QSize):
                old = w.minimumSize()
                w.setProperty(_MINIMUM_BEFORE, old)
            # The height always; the width only where the widget's own hint is under 40 px: an
            # explicit minimum width replaces the hint (its text's width), and a tight layout would
            # then squeeze the text out of the button.
            narrow = w.minimumSizeHint().width() < TOUCH_TARGET_PX
            width = max(old.width(), TOUCH_TARGET_PX) if narrow else old.width()
            w.setMinimumSize(width, max(old.height(), TOUCH_TARGET_PX))
        elif isinstance(old, QSize):
            w.setMinimumSize(old)
            w.setProperty(_MINIMUM_BEFORE, None)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(obj, (QAbstractScrollArea, *TARGET_TYPES)):
            self.adapt(obj)  # type: ignore[arg-type]
        # A touch screen has no hover: a tap on any text with a tooltip shows it (qa12 Q12-2: the
        # Production dock's "(+1 more)" notes could not be read at touch). Not a label whose links
        # or text take the mouse (a tap there is theirs).
        if (
            event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(obj, QLabel)
            and isinstance(event, QMouseEvent)
            and not obj.textInteractionFlags() & _MOUSE_TEXT
        ):
            return show_tooltip_on_tap(obj, event)
        return False
