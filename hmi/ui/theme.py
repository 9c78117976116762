"""Apply the ISA-101 theme (resources/theme/hmi.qss), day or night, and the application font.

The night theme is the day theme with every grey mapped through `palette.night_grey` (low
glare: dark greys, text a soft light grey, never white on black) and nothing else changed:
the alarm colours, their text colours and the communication blue stay exactly as they are, so
colour still means "abnormal" and nothing else. The same mapping is applied to the QSS, the
QPalette, the palette module (QPainter side) and the style sheets widgets set on themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from widgets import palette

THEME_DIR = Path(__file__).resolve().parents[2] / "resources" / "theme"
QSS_PATH = THEME_DIR / "hmi.qss"
FONT_FAMILIES = ["Segoe UI", "Noto Sans", "DejaVu Sans", "Sans Serif"]
FONT_POINT_SIZE = 10
THEMES = ("day", "night")

_HEX = re.compile(r"#[0-9A-Fa-f]{6}\b")
_DAY_QSS_PROPERTY = "_linehmiDayQss"


_RULE = re.compile(r"\{[^{}]*\}")
_BACKGROUND = re.compile(r"background(?:-color)?\s*:\s*(#[0-9A-Fa-f]{6})\b")
_WHITE_TEXT = re.compile(r"(?<![-\w])color\s*:\s*#FFFFFF\b", re.IGNORECASE)


def _night_rule(body: str) -> str:
    # White text on a grey fill (an inverse pill: the stopped line, the advisory badge) is mapped
    # with its fill: the dark fill turns light at night, so its text turns dark (qa7 G31: white on
    # mid grey, 2.5:1). White on an alarm colour or the comm blue stays white.
    bg = _BACKGROUND.search(body)
    mapped = _HEX.sub(lambda m: palette.night_grey(m.group(0)), body)  # white is never mapped here
    if bg and palette.is_grey(bg.group(1)) and bg.group(1).upper() != "#FFFFFF":
        mapped = _WHITE_TEXT.sub(f"color: {palette.NIGHT_ON_GREY}", mapped)
    return mapped


def night_qss(qss: str) -> str:
    """The night version of a day style sheet: greys mapped, colours (alarms, comm) untouched."""
    out, pos = [], 0
    for m in _RULE.finditer(qss):
        out.append(_HEX.sub(lambda h: palette.night_grey(h.group(0)), qss[pos : m.start()]))
        out.append(_night_rule(m.group(0)))
        pos = m.end()
    out.append(_HEX.sub(lambda h: palette.night_grey(h.group(0)), qss[pos:]))
    return "".join(out)


def _app_palette() -> QPalette:
    pal = QApplication.palette()
    for role, colour in (
        (QPalette.ColorRole.Window, palette.WINDOW),
        (QPalette.ColorRole.Base, palette.PANEL),
        (QPalette.ColorRole.AlternateBase, palette.ALTERNATE),
        (QPalette.ColorRole.Button, palette.BUTTON),
        (QPalette.ColorRole.Text, palette.TEXT),
        (QPalette.ColorRole.WindowText, palette.TEXT),
        (QPalette.ColorRole.ButtonText, palette.TEXT),
        (QPalette.ColorRole.PlaceholderText, palette.TEXT_DIM),
        (QPalette.ColorRole.Highlight, palette.SELECTION),
        (QPalette.ColorRole.HighlightedText, palette.POINTER),
        # Links are text, underlined: blue is the colour of a lost connection (ISA-101).
        (QPalette.ColorRole.Link, palette.TEXT),
        (QPalette.ColorRole.LinkVisited, palette.TEXT_DIM),
        (QPalette.ColorRole.ToolTipBase, palette.TOOLTIP),
        (QPalette.ColorRole.ToolTipText, palette.TEXT),
    ):
        pal.setColor(role, QColor(colour))
    return pal


def apply_theme(app: QApplication, theme: str = "day") -> None:
    if theme not in THEMES:
        raise ValueError(f"theme {theme!r}: expected one of {', '.join(THEMES)}")
    app.setStyle("Fusion")  # the same look on Windows and Linux line PCs
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSize(FONT_POINT_SIZE)
    app.setFont(font)
    palette.use_theme(theme)
    app.setPalette(_app_palette())
    app.setProperty("linehmiTheme", theme)
    try:
        qss = QSS_PATH.read_text(encoding="utf-8")
    except OSError:  # a missing theme file must not stop the HMI: Fusion + palette still read well
        qss = ""
    extra = app.property("linehmiExtraQss") or ""  # e.g. the touch profile's rules
    app.setStyleSheet((night_qss(qss) if theme == "night" else qss) + extra)


def current_theme(app: QApplication) -> str:
    return str(app.property("linehmiTheme") or "day")


def switch_theme(app: QApplication, theme: str, root: QWidget) -> None:
    """Change theme while the window is open: also the style sheets widgets set on themselves."""
    apply_theme(app, theme)
    for w in [root, *root.findChildren(QWidget)]:
        own = w.property(_DAY_QSS_PROPERTY)
        if own is None:
            own = w.styleSheet()
            if not own:
                continue
            w.setProperty(_DAY_QSS_PROPERTY, own)
        w.setStyleSheet(night_qss(own) if theme == "night" else own)
        w.update()
