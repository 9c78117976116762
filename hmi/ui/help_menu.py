"""Help ▾: the local manual, the keyboard shortcuts, diagnostics, About (version, models).

Everything here is local: the manual is the repository's own docs, shown in the app
(hmi.ui.manual_dialog: no web link a line PC without internet could not open, no Markdown viewer
needed); the model versions come from the model cards next to the ONNX files, as `linehmi models
list` reads them.
"""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QVBoxLayout,
)

from hmi.ui.manual_dialog import MANUAL_NAME, ManualDialog, docs_dir, open_manual
from inference.model_card import CARD_SUFFIX, ModelError, read_card

ROOT = Path(__file__).resolve().parents[2]
MANUAL_PATH = docs_dir() / MANUAL_NAME
MODELS_DIR = ROOT / "resources" / "models"

# The frequent actions, one key each (shown in the menus and the tooltips).
SHORTCUTS = {
    "help": "F1",
    "alarm_list": "F2",
    "trend": "F3",
    "ack_selected": "F4",
    "silence": "F5",
    "fullscreen": "F11",
}
SHORTCUT_LABELS = {
    "help": "Operator manual",
    "alarm_list": "Alarm list to the front",
    "trend": "Trend to the front",
    "ack_selected": "Acknowledge the selected alarms",
    "silence": "Silence the alarm sound",
    "fullscreen": "Full screen on / off",
}


def app_version() -> str:
    try:
        return metadata.version("linehmi")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def model_versions(folder: Path = MODELS_DIR) -> list[tuple[str, str]]:
    """(name, version or the problem) of every model card in `folder`."""
    out = []
    for path in sorted(folder.glob(f"*{CARD_SUFFIX}")):
        try:
            card = read_card(path)
            out.append((card.name, card.version))
        except ModelError as exc:
            out.append((path.name.removesuffix(CARD_SUFFIX), f"card error: {exc.problem}"))
    return out


def about_text() -> str:
    models = (
        "".join(f"<li>{name} {version}</li>" for name, version in model_versions()) or "<li>none found</li>"
    )
    manual = QUrl.fromLocalFile(str(MANUAL_PATH)).toString()
    return (
        f"<h3>LineHMI {app_version()}</h3>"
        "<p>HMI for production-line supervisors (OPC UA, ISA-18.2 alarms, journal, models).</p>"
        f"<p><b>Models</b><ul>{models}</ul></p>"
        f"<p>Python {platform.python_version()} · PySide6 {pyside_version}</p>"
        f'<p>Manual: <a href="{manual}">{MANUAL_PATH}</a></p>'
    )


class HelpMenu(QMenu):
    def __init__(self, window: QMainWindow, diagnostics: list[tuple[str, QLabel]]) -> None:
        super().__init__(window)
        self.manual_action = self._add("Operator manual", self.open_manual, SHORTCUTS["help"])
        self._add("Keyboard shortcuts", self.show_shortcuts)
        self.addSeparator()
        self._add("Diagnostics…", self.show_diagnostics)
        self.addSeparator()
        self._add("About LineHMI", self.show_about)
        window.addAction(self.manual_action)  # F1 anywhere in the window
        self.diagnostics = self._diagnostics_dialog(diagnostics)
        self.manual: ManualDialog | None = None

    def _add(self, text: str, slot, key: str | None = None) -> QAction:  # type: ignore[no-untyped-def]
        a = QAction(text, self)
        if key:
            a.setShortcut(QKeySequence(key))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.setToolTip(f"{text} ({key})")
        a.triggered.connect(slot)
        self.addAction(a)
        return a

    def _diagnostics_dialog(self, rows: list[tuple[str, QLabel]]) -> QDialog:
        dlg = QDialog(self.parentWidget())
        dlg.setObjectName("diagnosticsDialog")
        dlg.setWindowTitle("Diagnostics")
        lay = QVBoxLayout(dlg)
        form = QFormLayout()
        for name, label in rows:
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if name:
                form.addRow(name, label)
            else:  # a status bar label that names itself ("Tags 50"): no second name (qa10 Q10-16)
                form.addRow(label)
        lay.addLayout(form)
        # A line-side PC has no window manager: without its own button nothing closes the window and
        # it covers the faceplates (qa10 Q10-16).
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dlg.reject)
        lay.addWidget(buttons)
        return dlg

    def open_manual(self) -> ManualDialog | None:
        """The manual inside the app (no Markdown viewer needed on the PC); a message naming the
        file when it cannot be shown."""
        if self.manual is not None and self.manual.isVisible():
            self.manual.raise_()
            self.manual.activateWindow()
            return self.manual
        self.manual = open_manual(self.parentWidget())
        return self.manual

    def show_shortcuts(self) -> None:
        rows = "".join(
            f"<tr><td><b>{SHORTCUTS[k]}</b></td><td>{SHORTCUT_LABELS[k]}</td></tr>" for k in SHORTCUTS
        )
        QMessageBox.information(
            self.parentWidget(), "Keyboard shortcuts", f"<table cellpadding=4>{rows}</table>"
        )

    def show_diagnostics(self) -> QDialog:
        self.diagnostics.show()
        self.diagnostics.raise_()
        return self.diagnostics

    def show_about(self) -> QMessageBox:
        box = QMessageBox(self.parentWidget())
        box.setObjectName("aboutBox")
        box.setWindowTitle("About LineHMI")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(about_text())
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        box.open()
        return box
