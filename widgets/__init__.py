"""Reusable Qt widgets of LineHMI (ISA-101 style: grey, colour only for abnormal)."""

import os

# pyqtgraph picks its Qt binding at import time; make sure it is the one we pin.
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
