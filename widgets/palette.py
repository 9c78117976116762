"""The ISA-101 palette, one place for QSS and QPainter alike.

Normal operation is grey on grey. Colour means "abnormal" and nothing else:
the four alarm colours are kept for alarms (a limit crossed, a machine
fault); loss of communication gets its own blue so it is never mistaken for
a process alarm; bad quality is shown by hatching and text, not by colour.
"""

from __future__ import annotations

from itertools import pairwise

# Greys (low contrast background, dark text)
WINDOW = "#D4D4D4"
PANEL = "#E0E0E0"
PANEL_BORDER = "#B0B0B0"
HEADER = "#C6C6C6"
TEXT = "#1E1E1E"
TEXT_DIM = "#595959"
TEXT_DISABLED = "#7A7A7A"  # a disabled control's text (hmi.qss `*:disabled`)
TRACK = "#C3C3C3"  # full engineering range
NORMAL_BAND = "#9F9F9F"  # normal operating band, slightly darker
TICK = "#3C3C3C"  # alarm limit ticks
POINTER = "#111111"
STALE = "#8A8A8A"  # old / disconnected data: greyed, with its age
HATCH = "#5A5A5A"  # bad quality hatching (bars)
HATCH_LIGHT = "#A0A0A0"  # bad quality hatching behind text (tables)
SELECTION = "#A8A8A8"
ALTERNATE = "#DADADA"  # alternate table rows
BUTTON = "#E6E6E6"
TOOLTIP = "#F2F2F2"
# The Assistant's conversation (widgets.assistant_pane renders it as HTML, which no style sheet maps):
QUESTION_FILL = "#C9C9C9"  # a question's box
QUESTION_RULE = "#7A7A7A"  # the rule at its left
ANSWER_FILL = "#EBEBEB"  # an answer's box
# A link in it: dark blue-grey, readable, far from the COMM blue and the alarm colours. Not a grey,
# so not mapped: at night a link is the night text, underlined (as the application palette's Link).
LINK = "#2E4A62"

# Alarm colours: reserved for alarms (by priority) and machine faults.
ALARM_URGENT = "#D7191C"  # red: HH / LL, machine faulted
ALARM_HIGH = "#F07F09"  # orange: H / L
ALARM_MEDIUM = "#F2D21B"  # yellow
ALARM_LOW = "#A641A6"  # magenta (dark enough for white text)
ALARM_TEXT = "#FFFFFF"

# Communication lost / reconnecting: abnormal but not a process alarm.
COMM = "#2F65A7"
COMM_TEXT = "#FFFFFF"


# Alarm priority (hmi.core.alarms.Priority: 1 urgent .. 4 low) -> colour, and the text drawn on it
# (dark on orange/yellow, white on red/magenta: all >= 5:1 contrast). A priority is never shown by
# colour alone: the number and the word go with it (colour-blind operators, monochrome printouts).
PRIORITY_COLOURS = {1: ALARM_URGENT, 2: ALARM_HIGH, 3: ALARM_MEDIUM, 4: ALARM_LOW}
PRIORITY_TEXT = {1: ALARM_TEXT, 2: TEXT, 3: TEXT, 4: ALARM_TEXT}
# Unacknowledged alarms flash at 1 Hz (ISA-101: slow, no more than 2 Hz); the "off" half keeps
# a priority-coloured outline on this fill so the priority stays readable while flashing.
BLINK_OFF_FILL = "#ECECEC"
BLINK_INTERVAL_MS = 500


# --- night theme ---------------------------------------------------------------------------------
# Greys are mapped, colours are not: the alarm colours (and the dark/white text drawn on them) and
# the communication blue keep their meaning and their contrast. Light greys become dark ones and
# dark text a soft light grey (NIGHT_DARKEST .. NIGHT_LIGHTEST): low glare in a dark hall.
NIGHT_DARKEST = 0x1A
NIGHT_LIGHTEST = 0xC8
# The mapping, piecewise linear (day grey level -> night level). One straight line from the darkest to
# the lightest squeezed text and fill together: night text #B5B5B5 on the night header #4A4A4A was
# 4.3:1, the model chip 3.5:1, and the fixed dim grey 4.4:1 on the window (qa12 Q12-4, the class of it).
# Day text greys (0x00..NIGHT_TEXT_MAX) keep to the top of the range and day fills (0xB0..0xFF) to the
# bottom, so text on a fill from NIGHT_FILL_MIN up that meets AA by day keeps it at night (the header,
# #C6C6C6, is the darkest fill text sits on); the mid greys (lines, marks, disabled text) spread over
# what is between.
NIGHT_TEXT_MAX, NIGHT_FILL_MIN = 0x60, 0xC2
NIGHT_KNOTS = ((0x00, NIGHT_LIGHTEST), (NIGHT_TEXT_MAX, 0xB4), (0xB0, 0x56), (0xFF, NIGHT_DARKEST))
# White text on a grey fill, at night (the fill turns light, so the text turns dark: hmi.ui.theme)
NIGHT_ON_GREY = f"#{NIGHT_DARKEST:02X}{NIGHT_DARKEST:02X}{NIGHT_DARKEST:02X}"
AA_CONTRAST = 4.5  # WCAG 2 AA for text: every text, pill and badge, day and night


def luminance(hex_str: str) -> float:
    """WCAG relative luminance of "#RRGGBB"."""

    def lin(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_str[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def contrast(fg: str, bg: str) -> float:
    """WCAG contrast ratio of two "#RRGGBB" colours (1 .. 21)."""
    a, b = sorted((luminance(fg), luminance(bg)))
    return (b + 0.05) / (a + 0.05)


# Never mapped: drawn on alarm colours / the comm blue, where they must keep their contrast.
_ON_COLOUR = frozenset({ALARM_TEXT, COMM_TEXT, "#FFFFFF"})
_THEMED = (
    "WINDOW", "PANEL", "PANEL_BORDER", "HEADER", "TEXT", "TEXT_DIM", "TRACK", "NORMAL_BAND", "TICK",
    "POINTER", "STALE", "HATCH", "HATCH_LIGHT", "SELECTION", "ALTERNATE", "BUTTON", "TOOLTIP",
    "BLINK_OFF_FILL", "QUESTION_FILL", "QUESTION_RULE", "ANSWER_FILL",
)  # fmt: skip
_LINK_DAY = LINK
_DAY = {name: globals()[name] for name in _THEMED}


def is_grey(hex_str: str) -> bool:
    r, g, b = (int(hex_str[i : i + 2], 16) for i in (1, 3, 5))
    return r == g == b


def night_grey(hex_str: str) -> str:
    """The night counterpart of a day grey (lightness reversed into the low-glare range);
    any other colour, and white drawn on alarm colours, unchanged."""
    if hex_str.upper() in _ON_COLOUR or not is_grey(hex_str):
        return hex_str
    v, n = int(hex_str[1:3], 16), NIGHT_DARKEST
    for (d0, n0), (d1, n1) in pairwise(NIGHT_KNOTS):
        if d0 <= v <= d1:
            n = round(n0 + (v - d0) / (d1 - d0) * (n1 - n0))
            break
    return f"#{n:02X}{n:02X}{n:02X}"


generation = 0  # bumped by use_theme: widgets that cache QColors compare it before painting


def use_theme(theme: str) -> None:
    """Point the grey constants at the day or the night values (QPainter code reads them at paint time)."""
    global generation
    generation += 1
    for name, day in _DAY.items():
        globals()[name] = night_grey(day) if theme == "night" else day
    globals()["LINK"] = globals()["TEXT"] if theme == "night" else _LINK_DAY
