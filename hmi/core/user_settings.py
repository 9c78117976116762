"""Where per-user settings of this station live (trend sets, window layouts).

`LINEHMI_SETTINGS_DIR` overrides it (tests point it at a throw-away folder); otherwise
`$XDG_CONFIG_HOME/linehmi` (default `~/.config/linehmi`).
"""

from __future__ import annotations

import os
from pathlib import Path


def settings_dir() -> Path:
    base = os.environ.get("LINEHMI_SETTINGS_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CONFIG_HOME") or (Path.home() / ".config")
    return Path(xdg) / "linehmi"
