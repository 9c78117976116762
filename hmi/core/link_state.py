"""The state of the link to the line's OPC UA server as a tag value (no Qt).

When the link is lost, every server tag turns Bad at once. That is one abnormal
situation with one cause (the link), not one per sensor: the runtime publishes
the link as a derived tag (``[server] link_tag``), so it is journaled, trended
and alarmed like any tag, and every quality alarm of a server tag is suppressed
by design while the link is not connected (hmi.core.alarms.definitions). The
per-sensor "signal lost" alarms then keep their meaning: a sensor or its cable,
with the link up.

The codes are fixed here (the runtime maps the connector's states onto them); the link
tag's ``states`` table must name them.
"""

from __future__ import annotations

LINK_LOST = 0  # was connected (or tried and failed): nothing from the server reaches us
LINK_CONNECTED = 1
LINK_CONNECTING = 2  # the first connection since the start is being made: nothing was lost yet

LINK_STATES = {str(LINK_LOST): "Lost", str(LINK_CONNECTED): "Connected", str(LINK_CONNECTING): "Connecting"}
