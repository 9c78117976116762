"""Apply the ISA-101 theme (resources/theme/hmi.qss) and the application font."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from widgets import palette

THEME_DIR = Path(__file__).resolve().parents[2] / "resources" / "theme"
QSS_PATH = THEME_DIR / "hmi.qss"
FONT_FAMILIES = ["Segoe UI", "Noto Sans", "DejaVu Sans", "Sans Serif"]
FONT_POINT_SIZE = 10


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")  # the same look on Windows and Linux line PCs
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSize(FONT_POINT_SIZE)
    app.setFont(font)
    pal = app.palette()
    for role, colour in (
        (QPalette.ColorRole.Window, palette.WINDOW),
        (QPalette.ColorRole.Base, palette.PANEL),
        (QPalette.ColorRole.AlternateBase, "#DADADA"),
        (QPalette.ColorRole.Button, "#E6E6E6"),
        (QPalette.ColorRole.Text, palette.TEXT),
        (QPalette.ColorRole.WindowText, palette.TEXT),
        (QPalette.ColorRole.ButtonText, palette.TEXT),
        (QPalette.ColorRole.Highlight, palette.SELECTION),
        (QPalette.ColorRole.HighlightedText, "#111111"),
        (QPalette.ColorRole.ToolTipBase, "#F2F2F2"),
        (QPalette.ColorRole.ToolTipText, palette.TEXT),
    ):
        pal.setColor(role, QColor(colour))
    app.setPalette(pal)
    try:
        app.setStyleSheet(QSS_PATH.read_text(encoding="utf-8"))
    except OSError:  # a missing theme file must not stop the HMI: Fusion + palette still read well
        pass
