"""The plant historian as the screens see it: the forwarder's backlog and the line's shared state."""

from __future__ import annotations

from connectors.plant.forwarder import PlantForwarder
from connectors.plant.line_sync import LineStateSync
from hmi.core.runtime_api import PlantStatus


class PlantLink:
    def __init__(self, forwarder: PlantForwarder, sync: LineStateSync | None) -> None:
        self.forwarder = forwarder
        self.sync = sync

    def status(self) -> PlantStatus:
        """Never blocks (both parts keep their status up to date on their own threads)."""
        f = self.forwarder.status()
        return PlantStatus(
            reachable=f.reachable,
            backlog_rows=f.backlog_rows,
            backlog_age_s=f.backlog_age_s,
            link=self.sync.status() if self.sync is not None else None,
            problem=f.problem,
        )
