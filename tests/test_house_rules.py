"""The no-Qt rule: connectors/, inference/, hmi/core/ and hmi/app/ import and run without Qt.

import-linter checks the static imports (`make lint`); this test checks the
dynamic truth: with PySide6 and pyqtgraph made unimportable, every module in
those packages still imports, and so does the CLI's headless path.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BLOCK_QT = """
import importlib, pkgutil, sys
class _BlockQt:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'PyQt5', 'PyQt6'):
            raise ImportError('Qt is not allowed here: ' + name)
sys.meta_path.insert(0, _BlockQt())
import connectors, inference, hmi.core, hmi.app, hmi.cli
for pkg in (connectors, inference, hmi.core, hmi.app):
    for mod in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):
        if not mod.name.endswith('__main__'):  # a __main__ runs its program on import
            importlib.import_module(mod.name)
print('ok', len([m for m in sys.modules if m.startswith(('connectors', 'inference', 'hmi.core', 'hmi.app'))]))
"""


def test_core_connectors_inference_import_without_qt():
    out = subprocess.run(
        [sys.executable, "-c", BLOCK_QT], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok")
