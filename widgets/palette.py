"""The ISA-101 palette, one place for QSS and QPainter alike.

Normal operation is grey on grey. Colour means "abnormal" and nothing else:
the four alarm colours are kept for alarms (a limit crossed, a machine
fault); loss of communication gets its own blue so it is never mistaken for
a process alarm; bad quality is shown by hatching and text, not by colour.
"""

from __future__ import annotations

# Greys (low contrast background, dark text)
WINDOW = "#D4D4D4"
PANEL = "#E0E0E0"
PANEL_BORDER = "#B0B0B0"
HEADER = "#C6C6C6"
TEXT = "#1E1E1E"
TEXT_DIM = "#595959"
TRACK = "#C3C3C3"  # full engineering range
NORMAL_BAND = "#9F9F9F"  # normal operating band, slightly darker
TICK = "#3C3C3C"  # alarm limit ticks
POINTER = "#111111"
STALE = "#8A8A8A"  # old / disconnected data: greyed, with its age
HATCH = "#5A5A5A"  # bad quality hatching (bars)
HATCH_LIGHT = "#A0A0A0"  # bad quality hatching behind text (tables)
SELECTION = "#A8A8A8"

# Alarm colours: reserved for alarms (by priority) and machine faults.
ALARM_URGENT = "#D7191C"  # red: HH / LL, machine faulted
ALARM_HIGH = "#F07F09"  # orange: H / L
ALARM_MEDIUM = "#F2D21B"  # yellow
ALARM_LOW = "#A641A6"  # magenta (dark enough for white text)
ALARM_TEXT = "#FFFFFF"

# Communication lost / reconnecting: abnormal but not a process alarm.
COMM = "#2F65A7"
COMM_TEXT = "#FFFFFF"

ALARM_LEVEL_COLOURS = {"HH": ALARM_URGENT, "LL": ALARM_URGENT, "H": ALARM_HIGH, "L": ALARM_HIGH}

# Alarm priority (hmi.core.alarms.Priority: 1 urgent .. 4 low) -> colour, and the text drawn on it
# (dark on orange/yellow, white on red/magenta: all >= 5:1 contrast). A priority is never shown by
# colour alone: the number and the word go with it (colour-blind operators, monochrome printouts).
PRIORITY_COLOURS = {1: ALARM_URGENT, 2: ALARM_HIGH, 3: ALARM_MEDIUM, 4: ALARM_LOW}
PRIORITY_TEXT = {1: ALARM_TEXT, 2: TEXT, 3: TEXT, 4: ALARM_TEXT}
# Unacknowledged alarms flash at 1 Hz (ISA-101: slow, no more than 2 Hz); the "off" half keeps
# a priority-coloured outline on this fill so the priority stays readable while flashing.
BLINK_OFF_FILL = "#ECECEC"
BLINK_INTERVAL_MS = 500
