"""Run `linehmi ARGS...` as if some distributions were not installed: `run_without.py MODS -- ARGS...`.

MODS is a comma-separated list of top-level modules made unimportable (a meta-path finder raising
ImportError, which is what Python does for a package that is not installed). After the command, the
script prints `imported: ...` with every top-level module that was loaded, so a test can check that an
install profile's program never even tried the excluded ones.
"""

from __future__ import annotations

import sys


class _Absent:
    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.tried: set[str] = set()

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        top = name.split(".")[0]
        if top in self.names:
            self.tried.add(top)
            raise ImportError(f"No module named {name!r} (not installed in this profile)", name=name)


def main() -> int:
    sep = sys.argv.index("--")
    blocked = {m for m in sys.argv[1].split(",") if m}
    finder = _Absent(blocked)
    sys.meta_path.insert(0, finder)
    from hmi.cli import main as linehmi

    try:
        rc = linehmi(sys.argv[sep + 1 :])
    finally:
        print("imported:", ",".join(sorted({m.split(".")[0] for m in sys.modules})), flush=True)
        print("tried:", ",".join(sorted(finder.tried)), flush=True)
    return int(rc or 0)


if __name__ == "__main__":
    raise SystemExit(main())
