"""Which system libraries the Qt window needs and which of them this machine lacks.

Qt's xcb platform plugin links against a dozen X11/xcb libraries that a bare Debian or Ubuntu desktop
does not always have (libxcb-cursor0 most often). Without them Qt aborts with "Could not load the Qt
platform plugin xcb", which tells a line engineer nothing. This module asks the dynamic linker (`ldd`)
which of the plugin's libraries are missing, *without importing Qt* (the import itself would abort),
and names the exact `apt-get install` line.

`python -m hmi.ui.system_libs` prints the verdict and exits 1 when something is missing
(`make demo` runs it); `linehmi demo`/`run` call `missing_packages()` before creating the window.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

# Shared-object name -> Debian/Ubuntu package that ships it (the names are the same on both).
DEBIAN_PACKAGES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libGLX.so.0": "libglx0",
    "libGLdispatch.so.0": "libglvnd0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
}

# The plugin that shows a window on an X11 desktop; what it links is what the window needs.
XCB_PLUGIN = Path("Qt") / "plugins" / "platforms" / "libqxcb.so"


def pyside_dir() -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def missing_libraries(plugin: Path | None = None) -> list[str]:
    """Shared objects the xcb plugin links that the dynamic linker cannot find (empty: all there)."""
    if plugin is None:
        base = pyside_dir()
        if base is None:
            return []
        plugin = base / XCB_PLUGIN
    if not plugin.is_file() or shutil.which("ldd") is None:
        return []  # not a Linux wheel, or no ldd: nothing to diagnose ahead of Qt
    out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=False).stdout
    return parse_ldd_missing(out)


def parse_ldd_missing(ldd_output: str) -> list[str]:
    """`libxcb-cursor.so.0 => not found` lines of ldd's output, as sonames, in order, once each."""
    missing: list[str] = []
    for line in ldd_output.splitlines():
        name, sep, target = line.strip().partition("=>")
        if sep and target.strip() == "not found" and name.strip() not in missing:
            missing.append(name.strip())
    return missing


def packages_for(sonames: list[str]) -> tuple[list[str], list[str]]:
    """(Debian packages to install, sonames with no known package), each sorted and unique."""
    known = sorted({DEBIAN_PACKAGES[s] for s in sonames if s in DEBIAN_PACKAGES})
    unknown = sorted(s for s in sonames if s not in DEBIAN_PACKAGES)
    return known, unknown


def missing_message(sonames: list[str]) -> str:
    """What to tell a person whose machine lacks libraries; empty when nothing is missing."""
    if not sonames:
        return ""
    known, unknown = packages_for(sonames)
    lines = [
        "LineHMI's window needs system libraries this machine does not have: " + ", ".join(sonames) + "."
    ]
    if known:
        lines.append("Install them (Debian/Ubuntu, as root):  apt-get install -y " + " ".join(known))
    if unknown:
        lines.append("No known package for: " + ", ".join(unknown) + " (search with `apt-file search NAME`).")
    lines.append("Without a window, `linehmi run --headless` and the other command-line tools still work.")
    return "\n".join(lines)


def needs_xcb() -> bool:
    """True when Qt will try the xcb plugin (an X11 session, no other platform forced)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0] == "xcb"
    return bool(os.environ.get("DISPLAY")) and not os.environ.get("WAYLAND_DISPLAY")


def check_before_window() -> str:
    """The message to print instead of starting Qt, or "" when the window can start."""
    return missing_message(missing_libraries()) if needs_xcb() else ""


def main() -> int:
    missing = missing_libraries()
    if missing:
        print(missing_message(missing), file=sys.stderr)
        return 1
    print("system libraries for the Qt window: all present")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
