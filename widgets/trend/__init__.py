"""Live and historical trends (pyqtgraph) over LiveBuffers and the Historian; see docs/trends.md."""

from widgets.trend.widget import PRESETS, CursorValue, TrendWidget, format_value

__all__ = ["PRESETS", "CursorValue", "TrendWidget", "format_value"]
