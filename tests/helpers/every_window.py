"""Open every window a main window can open, one after the other, and check each one.

A hand-written list of dialogs misses the ones nobody thought of (qa10 Q10-16: Help > Diagnostics
had no Close button; Q10-24: the trend's Range... and Sets > Save pens as... had no keys for a
finger). `WindowWalk` clicks every enabled push/tool button of the window (each dock brought forward
in turn) and triggers every action of every tool-button menu (a menu filled as it shows is filled
first), and hands each window that opens to `check` before closing it with its own Close/Cancel/OK
as a finger would.

A modal dialog's `exec()` would block the walk (touch12's first walk hung on one), so `exec()` and
the static helpers that run a modal loop inside Qt (QMessageBox.information..., QInputDialog.getText...,
QFileDialog.getSaveFileName...) are patched: they build the same dialog, which is checked and closed at
once, and answer as if it were cancelled. Nothing is ever saved, written or deleted by the walk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QMenu,
    QMessageBox,
    QToolButton,
    QWidget,
)
from shiboken6 import isValid

from hmi.ui.window_layout import bring_forward
from widgets.touch_reach import close_buttons

from .settle import settle

Check = Callable[[QWidget], list[str]]

# "Log out" ends the session the other buttons need (Setpoint... is for a logged-in user): last.
LAST = ("logoutButton",)


def _windows(main: QWidget) -> list[QWidget]:
    """The visible top-level windows besides `main`, its menus, popups and tooltips."""
    return [
        w
        for w in QApplication.topLevelWidgets()
        if w is not main
        and w.isVisible()
        and not isinstance(w, QMenu)
        and w.windowType() not in (Qt.WindowType.Popup, Qt.WindowType.ToolTip)
    ]


class WindowWalk:
    def __init__(self, main: QWidget, monkeypatch: pytest.MonkeyPatch, check: Check, touch_px: int = 0):
        self.main, self.check, self.touch_px = main, check, touch_px
        self.problems: list[str] = []
        self.opened: list[str] = []  # "what opened it: the window's class and title", each visit
        self._where = ""
        self._visited: set[int] = set()
        self._geometry: QRect | None = None  # the main window's, kept through the walk (run)
        self._patch(monkeypatch)

    # --- the modal loops, answered without blocking ----------------------------------------------
    def _patch(self, mp: pytest.MonkeyPatch) -> None:
        walk = self

        def exec_(dlg: QDialog, *_a: Any, **_k: Any) -> int:
            walk.visit(dlg)
            return int(QDialog.DialogCode.Rejected.value)

        for cls in (QDialog, QMessageBox, QInputDialog, QFileDialog):
            mp.setattr(cls, "exec", exec_)

        def message(icon: QMessageBox.Icon, answer: QMessageBox.StandardButton) -> Callable[..., Any]:
            def box(parent: QWidget | None, title: str, text: str, *_a: Any, **_k: Any) -> Any:
                QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent).exec()
                return answer

            return staticmethod(box)

        ok, no = QMessageBox.StandardButton.Ok, QMessageBox.StandardButton.No
        for name, icon, answer in (
            ("information", QMessageBox.Icon.Information, ok),
            ("warning", QMessageBox.Icon.Warning, ok),
            ("critical", QMessageBox.Icon.Critical, ok),
            ("question", QMessageBox.Icon.Question, no),
            ("about", QMessageBox.Icon.Information, ok),
        ):
            mp.setattr(QMessageBox, name, message(icon, answer))

        def input_(empty: Any, multi_line: bool = False) -> Callable[..., Any]:
            def ask(parent: QWidget | None, title: str, label: str, *_a: Any, **_k: Any) -> Any:
                dlg = QInputDialog(parent)
                dlg.setWindowTitle(title)
                dlg.setLabelText(label)
                if multi_line:
                    dlg.setOption(QInputDialog.InputDialogOption.UsePlainTextEditForTextInput)
                dlg.exec()
                return empty, False

            return staticmethod(ask)

        for name, empty in (("getText", ""), ("getItem", ""), ("getInt", 0), ("getDouble", 0.0)):
            mp.setattr(QInputDialog, name, input_(empty))
        mp.setattr(QInputDialog, "getMultiLineText", input_("", multi_line=True))

        def file_(parent: QWidget | None = None, caption: str = "", *_a: Any, **_k: Any) -> Any:
            dlg = QFileDialog(parent, caption)
            dlg.setOption(QFileDialog.Option.DontUseNativeDialog)
            dlg.exec()
            return "", ""

        for name in ("getSaveFileName", "getOpenFileName"):
            mp.setattr(QFileDialog, name, staticmethod(file_))
        mp.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: file_(*a[:2]) and ""))

    # --- visiting one window --------------------------------------------------------------------
    def visit(self, w: QWidget) -> None:
        """Check `w` as shown, then close it with its own button as a finger would."""
        if id(w) in self._visited and not w.isVisible():
            return
        self._visited.add(id(w))
        if not w.isVisible():
            w.show()
        settle(w)
        where = f"{self._where} opened {type(w).__name__} {w.windowTitle() or w.objectName()!r}"
        self.opened.append(where)
        self.problems += [f"{where}: {p}" for p in self.check(w)]
        closers = close_buttons(w)
        if not closers:
            self.problems.append(f"{where}: no Close, Cancel or OK button (no window manager to close it)")
            w.close()
            return
        small = [b for b in closers if min(b.width(), b.height()) < self.touch_px]
        if small:
            b = small[0]
            self.problems.append(
                f"{where}: its {b.text()!r} is {b.width()}x{b.height()} px < {self.touch_px} px"
            )
        closers[0].click()
        settle()
        if isValid(w) and w.isVisible():  # a window deleted on close (the tag browser) is closed
            self.problems.append(f"{where}: its {closers[0].text()!r} did not close it")
            w.close()

    def _trigger(self, name: str, act: Callable[[], object]) -> None:
        before = {id(w) for w in _windows(self.main)}
        self._where = name
        act()
        settle()
        for w in _windows(self.main):
            if id(w) not in before:
                self.visit(w)
        if self._geometry is not None and self.main.geometry() != self._geometry:
            # View > Reset layout fits the window to the (offscreen, 1920x1080) screen: what opens
            # after it is checked over the window of the size under test, as a line-side PC has it.
            self.main.setGeometry(self._geometry)
            settle()

    # --- what a finger can tap ------------------------------------------------------------------
    def _buttons(self) -> Iterator[QAbstractButton]:
        """Every enabled, visible push or tool button of the main window that does not toggle and
        has no menu (menus are walked action by action), each dock brought forward in turn."""
        seen: set[int] = set()
        last: list[QAbstractButton] = []
        for dock in [None, *self.main.findChildren(QDockWidget)]:
            if dock is not None:
                bring_forward(dock)
                settle()
            for b in self.main.findChildren(QAbstractButton):
                if id(b) in seen or b.window() is not self.main or not b.isVisible() or not b.isEnabled():
                    continue
                if b.isCheckable() or (isinstance(b, QToolButton) and b.menu() is not None):
                    continue
                if b.objectName().startswith("qt_"):
                    continue  # Qt's own: a dock's float and close buttons (the desk's window manager)
                seen.add(id(b))
                if b.objectName() in LAST:
                    last.append(b)
                else:
                    yield b
        yield from last

    def _menus(self) -> list[tuple[str, QMenu]]:
        return [
            (b.text(), m)
            for b in self.main.findChildren(QToolButton)
            if b.window() is self.main and (m := b.menu()) is not None
        ]

    def _walk_menu(self, menu: QMenu, path: str) -> None:
        menu.aboutToShow.emit()  # a menu filled as it shows (the trend's Sets)
        for action in menu.actions():
            sub = action.menu()
            label = f"{path} > {action.text()}"
            if isinstance(sub, QMenu):
                self._walk_menu(sub, label)
            elif not action.isSeparator() and action.isEnabled() and not action.isCheckable():
                self._trigger(label, action.trigger)

    def tap(self, b: QAbstractButton) -> None:
        """Tap one button and visit what it opens."""
        self._trigger(f"{b.text()!r} ({b.objectName() or type(b).__name__})", b.click)

    def run(self) -> list[str]:
        """Tap everything; the problems found (empty when every window passed)."""
        self._geometry = self.main.geometry()
        for b in self._buttons():
            if b.isVisible() and b.isEnabled():
                self.tap(b)
        for text, menu in self._menus():
            self._walk_menu(menu, repr(text))
        return self.problems
