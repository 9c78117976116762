"""Live and historical trends (pyqtgraph) over LiveBuffers and the Historian; see docs/trends.md."""

from hmi.core.trend_readout import CursorValue, format_value
from widgets.trend.widget import PRESETS, TrendWidget

__all__ = ["PRESETS", "CursorValue", "TrendWidget", "format_value"]
