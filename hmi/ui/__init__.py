"""Qt shell of LineHMI: main window, bridge to the runtime, dialogs."""

import os

# pyqtgraph picks its Qt binding at import time; make sure it is the one we pin.
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
