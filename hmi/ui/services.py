"""What the screens need from the running line, one small Protocol per service.

The screens never probe the runtime (`getattr`/`hasattr`): they are handed an
object that satisfies `LineServices`. `hmi.app.runtime.LineRuntime` does over
OPC UA and the journal; `tests/ui/fakes.FakeRuntime` does with no server.
A capability a line may lack is an explicit optional service (`None`), never
a missing attribute:

- `journal`: None when the screens run with no journal (nothing to review);
- `alarms`: None when there is no alarm engine (actions are refused, said so);
- `fault`: None when fault prediction is not part of the runtime;
- `qc`: None when the line has no QC camera;
- `production`: None when the line config has no `[production]` table;
- `users`: None when there is no user store (log-in says it is not available);
- `certificates`: None when the line has no PKI (no trust dialog);
- `browser`: None when there is no server to browse (the engineers' tag browser is not offered);
- `plant_link`: None when the line config has no `[plant]` section (no historian, nothing shared).

Qt-free on purpose (the composition root type-checks itself against it
without importing Qt at run time).
"""

from __future__ import annotations

import concurrent.futures
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from hmi.core.alarms.commands import AlarmRequest
from hmi.core.alarms.model import AlarmDefinition, AlarmRecord
from hmi.core.config import LineConfig
from hmi.core.events import EventReader
from hmi.core.journal import JournalStats
from hmi.core.journal_health import JournalHealth
from hmi.core.runtime_api import ConnectionState, LiveUpdate, PlantStatus, WriteResult
from hmi.core.users import User

if TYPE_CHECKING:  # what the QC pane and the advisories show (types only: no import at run time)
    from connectors.opcua_browse import BrowsedNode
    from connectors.opcua_pki import CertInfo
    from hmi.core.production.oee import LineStatus, ProductionAnalysis
    from hmi.core.production.setup import ProductionSetup
    from inference.fault.readout_text import MachineRisk
    from widgets.qc_pane import QcFeed


class LiveFeed(Protocol):
    """Samples, events, connection state and alarm changes, drained by the bridge's timer."""

    @property
    def config(self) -> LineConfig: ...

    @property
    def state(self) -> ConnectionState: ...

    def poll(self) -> LiveUpdate:
        """Non-blocking; called from the GUI timer (20-30 Hz)."""
        ...


class SetpointWriter(Protocol):
    def write_value(self, tag: str, value: float, user: User | str) -> concurrent.futures.Future[WriteResult]:
        """Validate, journal the request, write over OPC UA, journal the outcome.

        Never blocks: the future completes on the runtime's thread. Validation
        errors (range, type, not writable, role) complete it with ok=False.
        """
        ...


class AlarmStates(Protocol):
    """The alarm engine as a screen reads it (once, at start; changes come through `poll()`)."""

    @property
    def max_shelve_s(self) -> float: ...

    @property
    def definitions(self) -> list[AlarmDefinition]:
        """The current definitions (run-time limit changes included): what a limit may become."""
        ...

    def records(self, include_normal: bool = False) -> list[AlarmRecord]: ...


class AlarmCommands(Protocol):
    def alarm_action(
        self, request: AlarmRequest, user: User | None
    ) -> concurrent.futures.Future[list[AlarmRecord]]:
        """Role check (refusal audited), audit row committed, then the state change.

        The future raises PermissionDenied, ValueError (a message for the operator)
        or KeyError (unknown alarm)."""
        ...


class AlarmService(AlarmCommands, Protocol):
    """Commands, and the engine to read from (None: no alarm engine, commands are refused)."""

    @property
    def alarms(self) -> AlarmStates | None: ...


class UserDirectory(Protocol):
    """The user store as the log-in dialog reads it (to say when no account exists yet, and the
    names to pick on a touch screen)."""

    @property
    def path(self) -> Path: ...

    def __len__(self) -> int: ...

    def users(self) -> list[User]:
        """Every account (the touch log-in offers the names to pick)."""
        ...

    def pin_is_provisional(self, name: str) -> bool:
        """The user's PIN goes with their first password (the change page says so)."""
        ...


class UserSession(Protocol):
    @property
    def users(self) -> UserDirectory | None: ...

    def login(self, name: str, password: str) -> concurrent.futures.Future[User | None]: ...

    def logout(self, user: User) -> concurrent.futures.Future[None]: ...

    def change_password(self, user: User, new_password: str) -> concurrent.futures.Future[None]: ...


class JournalReader(EventReader, Protocol):
    """The journal as screens read it (alarm history, KPIs, trends' history, status line)."""

    @property
    def directory(self) -> Path | None:
        """Where the journal files are (None: kept in memory, nothing on disk to review)."""
        ...

    @property
    def path(self) -> Path | None:
        """The file being written now."""
        ...

    @property
    def stats(self) -> JournalStats | None: ...

    def files(self) -> list[Path]: ...


class FaultAdvisories(Protocol):
    """The fault predictor: risk and remaining life per machine (advisories, never alarms)."""

    @property
    def available(self) -> bool: ...

    @property
    def label(self) -> str: ...

    @property
    def problem(self) -> str: ...

    def status(self) -> dict[str, MachineRisk]: ...


class ServerCertificates(Protocol):
    """Server certificates the connector refused, and trusting one (role-checked, audited)."""

    def refused(self) -> list[CertInfo]: ...

    def trust(self, sha256: str, user: User | None) -> concurrent.futures.Future[CertInfo]:
        """The future raises PermissionDenied (the refusal is audited) or KeyError."""
        ...


class ServerBrowsing(Protocol):
    """The line's OPC UA address space for the engineers' tag browser (hmi.app.server_browse).

    Every call but `may_browse` blocks until the server answers (run it off the GUI thread) and
    raises PermissionDenied (the refusal is audited) for a role below engineer."""

    @property
    def endpoint(self) -> str: ...

    def may_browse(self, user: User | None) -> str:
        """Why the user may not browse; "" when they may."""
        ...

    def namespaces(self) -> list[str]: ...

    def children(self, user: User | None, node: BrowsedNode | None = None) -> list[BrowsedNode]: ...

    def search(self, user: User | None, text: str, node: BrowsedNode | None = None) -> list[BrowsedNode]: ...

    def skeleton(self, user: User | None, node: BrowsedNode | None = None) -> str: ...

    def close(self) -> None: ...


class ProductionFigures(Protocol):
    """Production of this and the last shift (hmi.core.production.tracker.ProductionTracker)."""

    @property
    def setup(self) -> ProductionSetup: ...

    @property
    def problem(self) -> str:
        """Why the figures are not current ("" when they are)."""
        ...

    def analysis(self) -> ProductionAnalysis | None: ...

    def status(self) -> LineStatus | None: ...


class ProductionEdits(Protocol):
    def production_edit(
        self, user: User | None, action: str, machine: str, stop_start: float, **kw: object
    ) -> concurrent.futures.Future[object]:
        """Classify / split / note a stop: role check (refusal audited), audit row, then applied.
        The future raises PermissionDenied or ValueError (a message for the supervisor)."""
        ...


class PlantLinkFigures(Protocol):
    """The plant historian as the status bar shows it (connectors.plant.link.PlantLink): the
    forwarder's backlog (rows, age) and whether this station shares the line's operator state."""

    def status(self) -> PlantStatus:
        """Never blocks (kept up to date on the plant threads)."""
        ...


class LineServices(LiveFeed, SetpointWriter, AlarmService, UserSession, ProductionEdits, Protocol):
    """Everything the main window is handed. The optional services are None when absent."""

    @property
    def production(self) -> ProductionFigures | None:
        """None when the line config has no [production] table."""
        ...

    @property
    def journal(self) -> JournalReader | None: ...

    @property
    def journal_health(self) -> JournalHealth | None:
        """Queue depth, oldest uncommitted age, disk free, stall (None: no journal file)."""
        ...

    @property
    def fault(self) -> FaultAdvisories | None: ...

    @property
    def qc(self) -> QcFeed | None: ...

    @property
    def certificates(self) -> ServerCertificates | None: ...

    @property
    def browser(self) -> ServerBrowsing | None: ...

    @property
    def plant_link(self) -> PlantLinkFigures | None:
        """None when the line config has no [plant] section."""
        ...

    def stop(self) -> None: ...
