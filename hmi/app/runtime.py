"""The running line: OPC UA connector -> journal -> screens, wired once.

Threads:
- the I/O loop thread owns the connector (asyncio);
- the journal has its own writer thread;
- one "actions" worker thread runs operator actions end to end (journal the
  request, write over OPC UA, journal the outcome), so neither the GUI thread
  nor the I/O loop ever waits on a disk commit;
- the alarm thread feeds every batch through the ISA-18.2 alarm engine and
  runs its timers (on/off delays, shelve expiry); alarm transitions are
  journaled there, off the I/O loop;
- the advisories thread runs the fault predictor (ONNX Runtime) on the same
  batches; its advisories are journaled but never enter the alarm engine;
- the GUI thread only calls `poll()`, which never blocks.
"""

from __future__ import annotations

import concurrent.futures
import functools
import getpass
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from connectors.camera_client import CameraClient
from connectors.history_backfill import BackfillResult
from connectors.loop_thread import LoopThread
from connectors.opcua_client import OpcUaConnector
from connectors.opcua_pki import pki_root
from connectors.plant.forwarder import ForwarderSettings, PlantError, PlantForwarder
from connectors.plant.line_sync import LineStateSync
from connectors.plant.link import PlantLink
from hmi.app.cert_trust import CertificateTrust
from hmi.app.server_browse import ServerBrowser
from hmi.core.alarms.commands import AlarmRequest
from hmi.core.alarms.definitions import load_definitions
from hmi.core.alarms.engine import AlarmEngine
from hmi.core.alarms.model import AlarmProblem, AlarmRecord
from hmi.core.audit import Auditor
from hmi.core.batch_worker import BatchWorker
from hmi.core.config import LineConfig, TagConfig
from hmi.core.connector_notice import CONFIG_NOTICES, ConnectorNotice
from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.journal import Journal
from hmi.core.journal_health import JournalHealth, JournalWatch
from hmi.core.link_state import LINK_CONNECTED, LINK_CONNECTING, LINK_LOST
from hmi.core.production.setup import ProductionSetup
from hmi.core.production.tracker import ProductionTracker
from hmi.core.quality import BAD, BAD_WAITING_FOR_INITIAL_DATA, GOOD, is_backfilled, is_bad, status_name
from hmi.core.retention import RetentionJob
from hmi.core.runtime_api import ConnectionState, LiveUpdate, ServerGrant, TagProblem, WriteResult
from hmi.core.samples import SampleBatch
from hmi.core.text_samples import TextSample
from hmi.core.users import Action, PermissionDenied, User, UserStore
from inference.fault.predictor import Advisory, FaultPredictor
from inference.qc.inspector import QcInspector

log = logging.getLogger(__name__)

# The GUI feed is bounded by samples, not batches: if the window is frozen or
# minimised for a long time the oldest samples are dropped from the *display*
# feed only (the journal has them all) and the drop is counted and shown.
_FEED_MAX_SAMPLES = 2_000_000
_FEED_MAX_TEXTS = 50_000
# How far back a start looks for each machine's last journaled state (today's and yesterday's file).
_STATE_LOOKBACK_S = 2 * 86_400.0


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "operator"


def validate_write(tag: TagConfig, value: float) -> str | None:
    """Why a value may not be written to a tag, or None if it may."""
    if not tag.writable:
        return f"{tag.name} is not writable (set writable = true in the line config)"
    if not isinstance(value, int | float) or (isinstance(value, bool) and tag.data_type != "bool"):
        return f"{tag.name} expects a number, got {value!r}"
    if not math.isfinite(value):
        return f"{tag.name}: {value} is not a finite number"
    if tag.data_type in ("int", "enum") and float(value) != int(value):
        return f"{tag.name} takes whole numbers, got {value}"
    if tag.data_type == "bool" and value not in (0, 1):
        return f"{tag.name} takes 0 or 1, got {value}"
    if tag.data_type == "enum" and tag.states and str(int(value)) not in tag.states:
        return f"{tag.name}: {int(value)} is not one of {', '.join(tag.states)}"
    if tag.range is not None:
        lo, hi = tag.range
        if not lo <= value <= hi:
            return f"{tag.name}: {value:g} {tag.unit} is outside the range {lo:g}..{hi:g} {tag.unit}".replace(
                "  ", " "
            )
    return None


class LineRuntime:
    def __init__(
        self,
        config: LineConfig,
        *,
        journal_dir: Path | str | None = None,
        endpoint: str | None = None,
        gui_feed: bool = True,
        users: UserStore | None = None,
        time_scale: float = 1.0,
    ) -> None:
        self.config = config
        self.plant: PlantForwarder | None = None  # made below when [plant] is configured
        self.journal = Journal(config, Path(journal_dir) if journal_dir else None)
        jc = config.journal
        self.retention = RetentionJob(
            self.journal.directory,
            config.line.id,
            config.retention,
            post_event=self.journal.post_event,
            warn_free_bytes=int(jc.disk_warn_free_mb * 1e6),
            critical_free_bytes=int(jc.disk_critical_free_mb * 1e6),
            forwarded_through=self._forwarded_through,
        )
        self._journal_watch = JournalWatch(
            self.journal,
            stall_after_s=jc.stall_after_s,
            warn_free_mb=jc.disk_warn_free_mb,
            critical_free_mb=jc.disk_critical_free_mb,
            on_disk=self.retention.request_shed,  # the disk guard
        )
        jdir = Path(journal_dir) if journal_dir else Path(config.journal.directory)
        self.users = users if users is not None else UserStore.in_directory(jdir)
        # Audit rows go to the journal and, like operator actions, to the screen's event list.
        sink = _AuditToScreen(self.journal, self._show_event)
        self.auditor = Auditor(sink)
        definitions, self.alarm_problems = load_definitions(config)
        self.alarms = AlarmEngine(config, definitions, sink)
        self.alarms.on_change(self._on_alarms_changed)
        self._alarm_worker = BatchWorker("linehmi-alarms", self.alarms.process, self._alarm_tick, 0.5)
        self._alarm_changes: list[AlarmRecord] = []
        self._alarm_journal_file: Path | None = None
        # Fault prediction: advisories only, never through the alarm engine. A missing or
        # bad model leaves `fault.available` False and one advisory saying why.
        self.fault = FaultPredictor(config, time_scale=time_scale)
        self._fault_worker = BatchWorker("linehmi-advisories", self._fault_process, self._fault_tick, 1.0)
        # Visual QC: camera frames on their own OPC UA session, inspected on the QC worker;
        # defects journaled with their image, the defect rate as a derived tag (with alarms).
        self.qc: QcInspector | None = None
        self.camera: CameraClient | None = None
        if config.camera is not None:
            self.qc = QcInspector(
                journal=self.journal,
                rate_tag=config.tag_index().get(config.camera.rate_tag),
                on_batch=self._on_derived_batch,
            )
        self._camera_future: concurrent.futures.Future[None] | None = None
        # The plant historian (opt-in): the journal files are its buffer, forwarded on their own thread.
        self.plant_problem = ""
        if config.plant is not None:
            try:
                fwd = ForwarderSettings.from_config(config.plant, config.line.id, self.journal.directory)
                self.plant = PlantForwarder(fwd, on_event=self.journal.write_event)
            except PlantError as exc:
                self.plant_problem = str(exc)
        # Production (counts, stops, OEE) on its own worker, when the config has [production].
        setup = ProductionSetup.from_config(config, time_scale=time_scale)
        self.production = (
            ProductionTracker(setup, config.tag_index(), self.journal, self.auditor) if setup else None
        )
        self._production_worker = (
            BatchWorker("linehmi-production", self.production.process, self.production.tick, 1.0)
            if self.production
            else None
        )
        # One operator state per line (with [plant]): alarm commands and stop edits go through the
        # line's shared state on its own threads; those of the other stations come back the same way.
        self.line_sync: LineStateSync | None = None
        self.plant_link: PlantLink | None = None
        if self.plant is not None:
            self.line_sync = LineStateSync(
                self.plant.settings,
                self.alarms,
                self.auditor,
                production=self.production,
                on_event=self._post_event,
                state_dir=self.journal.directory,
            )
            self.plant_link = PlantLink(self.plant, self.line_sync)
        self._io = LoopThread("linehmi-io")
        self._actions = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="linehmi-actions")
        self.connector = OpcUaConnector(
            config,
            self._on_batch,
            self._on_state,
            self._on_problem,
            endpoint=endpoint,
            on_backfill=self._on_backfill,
            on_notice=self._on_notice,
            pki_dir=pki_root(config.server.security.pki_dir, jdir),
            on_text=self._on_text,
            on_grants=self._on_grants,
        )
        if self.qc is not None and config.camera is not None:
            # The camera's session is secured like the tag session: same [server.security], same
            # own certificate and trust list, so a camera server is trusted the same way.
            self.camera = CameraClient(
                config.camera.endpoint or endpoint or config.server.endpoint,
                self.qc.submit,
                self._on_camera_state,
                node_id=config.camera.node_id,
                timeout_s=float(config.server.timeout_s),
                reconnect_max_delay_s=float(config.server.reconnect_max_delay_s),
                security=config.server.security,
                pki=self.connector.pki,
                application_uri=self.connector.application_uri,
                on_notice=functools.partial(self._on_notice, source="camera"),
            )
        self._run_future: concurrent.futures.Future[None] | None = None
        # Refused server certificates, for the screens' trust dialog (role-checked, audited).
        self.certificates = CertificateTrust(
            self.connector.pki, self.auditor, self.retry_connection, self._actions
        )
        # The engineers' tag browser: its own session to the same server, with the same security.
        self.browser = ServerBrowser(
            config, self.connector.endpoint, self.connector.pki, self._io, self.auditor
        )
        self._gui_feed = gui_feed
        self._lock = threading.Lock()
        self._feed: deque[SampleBatch] = deque()
        self._feed_samples = 0
        self._feed_dropped = 0
        self._texts: deque[TextSample] = deque(maxlen=_FEED_MAX_TEXTS)
        self._latest_text: dict[int, TextSample] = {}
        self._events: list[JournalEvent] = []
        self._problems: list[TagProblem] = []
        self._state = ConnectionState.DISCONNECTED
        self._state_detail = "not started"
        self._index = config.tag_index()
        self._latest = np.full(len(config.tags), np.nan)
        # Machine state tags watched for MACHINE_STATE events.
        self._state_tags = {
            self._index[m.state_tag]: m for m in config.machines if m.state_tag in self._index
        }
        self._machine_state: dict[int, float] = {}
        self.samples_in = 0
        self.started_at = 0.0
        self._link_lost_at: float | None = None
        # The link as a derived tag ([server] link_tag): its own alarm, and the cause that
        # suppresses the per-sensor quality alarms while the link is down.
        self._link_i = self._index.get(config.server.link_tag, -1) if config.server.link_tag else -1
        self._link_code: int | None = None
        self._link_published = 0.0
        self._link_ts = 0.0  # source time of the link tag's last sample
        self._link_every_s = (
            float(config.tags[self._link_i].sampling_ms) / 1000.0 if self._link_i >= 0 else math.inf
        )
        self._link_lock = threading.Lock()
        self._ever_connected = False
        self._stopping = False
        self._camera_outage_told = False  # the camera's current outage is in the journal

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> LineRuntime:
        self.started_at = time.time()
        self.journal.open()
        self._journal_watch.start()
        self.retention.start()
        self._journal_event(
            EventKind.SYSTEM,
            f"LineHMI started for {self.config.line.name} ({len(self.config.tags)} tags)",
            data={"endpoint": self.connector.endpoint, "journal": str(self.journal.path)},
        )
        for problem in self.alarm_problems:
            self._report_alarm_problem(problem)
        for users_problem in self.users.problems:  # log-in is optional: the logger keeps logging without it
            log.error("%s", users_problem)
            self._journal_event(EventKind.CONFIG, users_problem, source="users", severity=Severity.WARNING)
        self._restore_machine_states()
        self._restore_qc_position()
        restored = self.alarms.restore()
        if restored:
            log.info("%d alarms restored from the journal in a non-normal state", restored)
        self._alarm_journal_file = self.journal.path
        self._alarm_worker.start()
        self._publish_advisories(self.fault.tick())  # says which model runs, or why none
        self._fault_worker.start()
        if self.production is not None and self._production_worker is not None:
            self.production.start()
            self._production_worker.start()
        self._publish_link(LINK_CONNECTING)
        self._io.start()
        self._run_future = self._io.submit(self.connector.run())
        if self.qc is not None and self.camera is not None:
            self.qc.start()
            self._camera_future = self._io.submit(self.camera.run())
        if self.plant is not None:
            self.plant.start()
            if self.line_sync is not None:
                self.line_sync.start()
        elif self.plant_problem:
            self._journal_event(
                EventKind.SYSTEM,
                f"Plant historian off: {self.plant_problem}; the station journals locally only",
                source="plant_historian",
                severity=Severity.ERROR,
            )
        return self

    def stop(self) -> None:
        self._stopping = True  # the connector's "stopped" is not a lost link
        if self._io.running:
            try:
                self.browser.close()
                if self.camera is not None:
                    self._io.run(self.camera.stop(), timeout=10)
                    if self._camera_future is not None:
                        self._camera_future.result(5)
                self._io.run(self.connector.stop(), timeout=10)
                if self._run_future is not None:
                    self._run_future.result(5)
            except Exception:
                log.exception("connector did not stop cleanly")
            self._io.stop()
        if self.qc is not None:
            self.qc.stop()
            for source, frame_ts in self.qc.taken_until().items():  # where the next run resumes
                self._post_event(
                    JournalEvent(
                        EventKind.QC,
                        f"QC stopped after the frame taken at {time.strftime('%H:%M:%S', time.localtime(frame_ts))}",
                        source=source,
                        data={"event": "inspected_until", "frame_ts": frame_ts},
                    )
                )
        if self.line_sync is not None:
            self.line_sync.stop()  # actions kept offline stay in its outbox and merge on the next start
        if self.plant is not None:
            self.plant.stop()  # what it had not sent stays in the journal and goes on the next start
        self._alarm_worker.stop()
        self._fault_worker.stop()
        if self._production_worker is not None:
            self._production_worker.stop()
        self._actions.shutdown(wait=True)
        try:
            self._journal_event(EventKind.SYSTEM, "LineHMI stopped")
        except Exception:
            log.exception("could not journal the stop")
        self._journal_watch.stop()
        self.retention.stop()
        self.journal.close()

    def __enter__(self) -> LineRuntime:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- screens ------------------------------------------------------------------------

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def journal_health(self) -> JournalHealth:
        """Queue depth, oldest uncommitted age, disk free, stall: updated every second, never blocks."""
        return self._journal_watch.health

    @property
    def io(self) -> LoopThread:
        return self._io

    def poll(self) -> LiveUpdate:
        with self._lock:
            batches = list(self._feed)
            self._feed.clear()
            self._feed_samples = 0
            events, self._events = self._events, []
            problems, self._problems = self._problems, []
            dropped, self._feed_dropped = self._feed_dropped, 0
            state, detail, lost_at = self._state, self._state_detail, self._link_lost_at
            alarms, self._alarm_changes = self._alarm_changes, []
            texts = list(self._texts)
            self._texts.clear()
        return LiveUpdate(
            SampleBatch.concat(batches), events, state, detail, problems, dropped, alarms, texts, lost_at
        )

    def latest_text(self, tag: str) -> TextSample | None:
        """The newest text value of a tag (text tags; exact digits of a big integer), or None."""
        i = self._index.get(tag)
        return None if i is None else self._latest_text.get(i)

    # --- users and alarm actions (answered on the actions thread, never blocking the caller) ---

    def login(self, name: str, password: str) -> concurrent.futures.Future[User | None]:
        return self._actions.submit(self.auditor.login, self.users, name, password)

    def logout(self, user: User) -> concurrent.futures.Future[None]:
        return self._actions.submit(self.auditor.logout, user)

    def change_password(self, user: User, new_password: str) -> concurrent.futures.Future[None]:
        """A user changes their own password (audited; the password itself is never journaled)."""
        return self._actions.submit(self.auditor.change_password, self.users, user, new_password)

    def alarm_action(
        self, request: AlarmRequest, user: User | None
    ) -> concurrent.futures.Future[list[AlarmRecord]]:
        """Run an operator alarm command (`AlarmEngine.execute`) off the caller's thread.

        The future raises PermissionDenied (already audited) or ValueError with a
        message for the operator. With [plant], through the line's shared state (line_sync)."""
        if self.line_sync is not None:
            return self.line_sync.submit_alarm(request, user)
        return self._actions.submit(self.alarms.execute, request, user)

    def production_edit(
        self, user: User | None, action: str, machine: str, stop_start: float, **kw: object
    ) -> concurrent.futures.Future[object]:
        """Classify / split / note a stop (ProductionTracker.edit) on the actions thread."""
        if self.production is None:
            raise ValueError("this line has no [production] table in its config")
        if self.line_sync is not None:
            return self.line_sync.submit_stop(user, action, machine, stop_start, **kw)
        edit = self.production.edit
        return self._actions.submit(lambda: edit(user, action, machine, stop_start, **kw))  # type: ignore[arg-type]

    def write_value(self, tag: str, value: float, user: User | str) -> concurrent.futures.Future[WriteResult]:
        """`user` is a logged-in User (role checked: operator or higher) or, for
        scripts and tests that run without log-in, a plain name."""
        return self._actions.submit(self._write_flow, tag, value, user)

    # --- operator actions (actions thread) ---------------------------------------------------

    def _write_flow(self, tag_name: str, value: float, who: User | str) -> WriteResult:
        try:
            tag = self.config.tag(tag_name)
        except KeyError:
            unknown = f"no tag named {tag_name!r} in the line config"
            # Journaled too: a script or screen that names a wrong tag leaves a trace.
            eid = self._journal_event(
                EventKind.OPERATOR_ACTION,
                f"write {tag_name} = {value!r} refused: {unknown}",
                source=tag_name,
                user=who.name if isinstance(who, User) else who,
                severity=Severity.WARNING,
                data={"action": "write", "tag": tag_name, "value": value, "result": "refused"},
            )
            return WriteResult(tag_name, value, False, 0, unknown, eid)
        if isinstance(who, User):
            try:
                self.auditor.check(who, Action.WRITE_SETPOINT, tag_name)
            except PermissionDenied as exc:
                return WriteResult(tag_name, value, False, 0, str(exc))
        user = who.name if isinstance(who, User) else who
        i = self._index[tag_name]
        old = float(self._latest[i])
        why = validate_write(tag, value)
        if why is not None:
            eid = self._journal_event(
                EventKind.OPERATOR_ACTION,
                f"write {tag_name} = {value!r} refused: {why}",
                source=tag_name,
                user=user,
                severity=Severity.WARNING,
                data={"action": "write", "tag": tag_name, "value": value, "old": old, "result": "refused"},
            )
            return WriteResult(tag_name, value, False, 0, why, eid)
        # The request is on disk before anything is sent to the PLC.
        self._journal_event(
            EventKind.OPERATOR_ACTION,
            f"write {tag_name} = {value:g} {tag.unit} requested (was {old:g})".strip(),
            source=tag_name,
            user=user,
            data={"action": "write", "tag": tag_name, "value": value, "old": old, "result": "requested"},
        )
        try:
            outcome = self._io.run(
                self.connector.write(i, value), timeout=2 * float(self.config.server.timeout_s) + 2
            )
            status, message = outcome.status, outcome.message
        except Exception as exc:
            status = BAD
            message = f"not written: {exc or type(exc).__name__}"
        ok = status == GOOD
        eid = self._journal_event(
            EventKind.OPERATOR_ACTION,
            f"write {tag_name} = {value:g} {tag.unit}: {message}",
            source=tag_name,
            user=user,
            severity=Severity.INFO if ok else Severity.ERROR,
            data={"action": "write", "tag": tag_name, "value": value, "old": old, "status": status, "ok": ok},
        )
        return WriteResult(tag_name, value, ok, status, message, eid)

    # --- connector callbacks (I/O loop thread: must not block) ---------------------------------

    def _on_batch(self, batch: SampleBatch) -> None:
        self.journal.write_samples(batch)
        self.samples_in += len(batch)
        if self._production_worker is not None:  # backfilled history too: it fills a gap in the counts
            self._production_worker.submit(batch)
        # Backfilled history is the past: journal and trends take it, but it must not
        # raise alarms, fake machine state changes or overwrite current values.
        backfilled = np.asarray(is_backfilled(batch.status))
        present = batch.take(~backfilled) if backfilled.any() else batch
        if len(present):
            self._alarm_worker.submit(present)
            if self.fault.available:
                self._fault_worker.submit(present)
            self._latest[present.tag_idx] = present.value
            if self._state_tags:
                self._detect_machine_states(present)
        self._feed_gui(batch)

    def _on_text(self, texts: list[TextSample]) -> None:
        """Text values (I/O loop thread): journaled in text_samples and shown; never alarmed."""
        self.journal.write_text_samples(texts)
        for t in texts:
            if not is_backfilled(t.status):
                self._latest_text[t.tag_idx] = t
        if self._gui_feed:
            with self._lock:
                self._texts.extend(texts)  # bounded: a frozen window keeps the newest

    def _on_grants(self, grants: dict[str, ServerGrant]) -> None:
        """What the server granted per tag after a subscribe: into the journal's tags table."""
        self.journal.record_grants(grants, time.time())

    def _feed_gui(self, batch: SampleBatch) -> None:
        if self._gui_feed:
            with self._lock:
                self._feed.append(batch)
                self._feed_samples += len(batch)
                while self._feed_samples > _FEED_MAX_SAMPLES and len(self._feed) > 1:
                    old = self._feed.popleft()
                    self._feed_samples -= len(old)
                    self._feed_dropped += 1

    def _detect_machine_states(self, batch: SampleBatch) -> None:
        for i, machine in self._state_tags.items():
            rows = np.flatnonzero(batch.tag_idx == i)
            for r in rows:
                v = float(batch.value[r])
                if is_bad(batch.status[r]) or math.isnan(v):
                    continue  # a bad/unknown state is a quality problem, not a machine state change
                prev = self._machine_state.get(i)
                self._machine_state[i] = v
                if prev == v:
                    continue
                tag = self.config.tags[i]
                text = tag.state_label(v)
                fault = ""
                if machine.fault_tag and machine.fault_tag in self._index:
                    fv = self._latest[self._index[machine.fault_tag]]
                    if not math.isnan(fv) and fv != 0:
                        fault = f" ({self.config.tag(machine.fault_tag).state_label(fv)})"
                before = tag.state_label(prev) if prev is not None else "(first reading)"
                ev = JournalEvent(
                    EventKind.MACHINE_STATE,
                    f"{machine.name}: {before} -> {text}{fault}",
                    source=machine.id,
                    severity=Severity.WARNING if text.lower().startswith("fault") else Severity.INFO,
                    data={"from": prev, "to": v, "state": text, "fault": fault.strip(" ()")},
                    ts=float(batch.source_ts[r]),
                )
                self._post_event(ev)

    def _forwarded_through(self, path: Path) -> dict[str, int] | None:
        """What the plant historian confirmed of a journal file (retention asks before it compacts or
        deletes); None without [plant]. A configured but unusable forwarder has confirmed nothing."""
        if self.config.plant is None:
            return None
        return self.plant.forwarded_through(path) if self.plant is not None else {}

    def _restore_machine_states(self) -> None:
        """Each machine's last journaled state, so a restart journals a change, not the first reading
        again ("(first reading) -> Running" with the server's old timestamp at every start)."""
        by_machine = {m.id: i for i, m in self._state_tags.items()}
        if not by_machine:
            return
        try:
            evs = self.journal.read_events(
                since=time.time() - _STATE_LOOKBACK_S, kinds=[EventKind.MACHINE_STATE]
            )
        except Exception as exc:  # an unreadable older file must not stop the logger
            log.warning("machine states not restored from the journal: %s", exc)
            return
        for ev in evs:  # in time order: the last one wins
            i = by_machine.get(ev.source)
            to = ev.data.get("to") if isinstance(ev.data, dict) else None
            if i is not None and isinstance(to, int | float) and not isinstance(to, bool):
                self._machine_state[i] = float(to)

    def _restore_qc_position(self) -> None:
        """The newest frame an earlier run inspected, per camera: from its stop event, or from the
        last journaled verdict (after a kill, only frames after that one can be inspected twice)."""
        if self.qc is None:
            return
        try:
            evs = self.journal.read_events(since=time.time() - _STATE_LOOKBACK_S, kinds=[EventKind.QC])
        except Exception as exc:
            log.warning("QC position not restored from the journal: %s", exc)
            return
        for ev in evs:
            data = ev.data if isinstance(ev.data, dict) else {}
            frame_ts = data.get("frame_ts") if data.get("event") == "inspected_until" else None
            if frame_ts is None and "seq" in data:
                frame_ts = ev.ts  # a verdict is journaled at its frame's source time
            if isinstance(frame_ts, int | float) and not isinstance(frame_ts, bool) and ev.source:
                self.qc.resume_after(ev.source, float(frame_ts))
        # Every inspected frame, OK or reject, also leaves a defect-rate sample at its frame's
        # source time: after a kill the newest one committed is the last frame inspected and
        # journaled (one inspected but killed before that commit is inspected again, once).
        cam = self.config.camera
        if cam is None or self.camera is None or not cam.rate_tag:
            return
        try:
            got = self.journal.read_samples([cam.rate_tag], time.time() - _STATE_LOOKBACK_S)[cam.rate_tag]
        except Exception as exc:
            log.warning("QC position not restored from the defect-rate samples: %s", exc)
            return
        per_frame = np.isin(got.status, (GOOD, BAD_WAITING_FOR_INITIAL_DATA))  # not link-down marks
        if per_frame.any():
            self.qc.resume_after(self.camera.source, float(got.source_ts[per_frame].max()))

    def _on_state(self, state: ConnectionState, detail: str) -> None:
        prev = self._state
        now = time.time()
        back_from: float | None = None
        with self._lock:  # the state and its outage's instant reach `poll()` together
            self._state, self._state_detail = state, detail
            if prev == ConnectionState.CONNECTED and state != ConnectionState.CONNECTED:
                # One instant per outage, the session's: its "lost at" in the detail, the tags'
                # Bad marks and the journal's gap carry it, and every screen says it (qa9 Q9-27:
                # the top bar, the badge and the strip named three times for one outage).
                self._link_lost_at = self.connector.down_since or now
            elif state == ConnectionState.CONNECTED:
                back_from, self._link_lost_at = self._link_lost_at, None
            lost_at = self._link_lost_at
        if state == ConnectionState.CONNECTED:
            self._ever_connected = True
            self._publish_link(LINK_CONNECTED)
        elif not self._stopping:
            # "Lost" needs a link that was up: until the first connection every state (failed
            # attempts included) is "Connecting", which the link-lost alarm does not fire on (qa3:
            # "Server link lost" raised at start-up, before the server ever listened). A server
            # that never answers has its own alarm on "Connecting" with a long on-delay (the demo's
            # line.server_link.unreached); the top bar says "connecting" with each attempt's cause.
            self._publish_link(LINK_LOST if self._ever_connected else LINK_CONNECTING, at=lost_at)
        if state == prev:
            return
        sev = (
            Severity.INFO
            if state in (ConnectionState.CONNECTED, ConnectionState.CONNECTING)
            else Severity.WARNING
        )
        # The event of a loss is journaled at the outage's instant, like its gap.
        went = lost_at if prev == ConnectionState.CONNECTED and lost_at is not None else now
        self._post_event(
            JournalEvent(EventKind.CONNECTION, detail, source=self.connector.endpoint, severity=sev, ts=went)
        )
        if back_from is not None:
            # The journal holds the gap explicitly: reviewers and trends see "no data
            # from t0 to t1" instead of a line drawn across it.
            t0 = back_from
            self._post_event(
                JournalEvent(
                    EventKind.DATA_GAP,
                    f"no data from the server for {now - t0:.1f} s (all tags)",
                    source=self.connector.endpoint,
                    severity=Severity.WARNING,
                    data={"start": t0, "end": now, "tags": "all"},
                    ts=t0,
                )
            )

    def _publish_link(self, code: int | None = None, at: float | None = None) -> None:
        """The link tag's value, journaled, alarmed and shown like any derived tag: at once
        when it changes (`code`), and again at the tag's sampling interval (`code` None, from
        the alarm tick) so the screens know it is current.

        A change comes from the connector's state callback, which runs before the connector
        marks the server's tags Bad: the alarm engine sees the cause before its consequences."""
        if self._link_i < 0:
            return
        now = time.time()
        with self._link_lock:
            if code is None:
                if self._link_code is None or now - self._link_published < self._link_every_s:
                    return
                code = self._link_code
            elif code == self._link_code:
                return
            self._link_code, self._link_published = code, now
            # A loss is stamped with the outage's instant, never before the tag's last sample.
            t = now if at is None else max(at, self._link_ts)
            self._link_ts = t
            self._on_derived_batch(
                SampleBatch.from_columns([self._link_i], [t], [t], [now], [float(code)], [GOOD])
            )

    def _on_backfill(self, result: BackfillResult) -> None:
        self._post_event(
            JournalEvent(
                EventKind.DATA_GAP,
                result.describe(),
                source=self.connector.endpoint,
                severity=Severity.INFO,
                data={"start": result.t0, "end": result.t1, "backfilled": len(result.batch)},
                ts=result.t1,
            )
        )

    def _on_notice(self, notice: ConnectorNotice, source: str = "") -> None:
        """Certificate refusals, credentials, revised intervals...: one journal event each
        (from the tag session, or from the camera's with source "camera")."""
        kind = EventKind.CONFIG if notice.kind in CONFIG_NOTICES else EventKind.CONNECTION
        self._post_event(
            JournalEvent(
                kind,
                notice.message,
                source=source or self.connector.endpoint,
                severity=Severity(int(notice.level)),
                data={"notice": notice.kind.value, **notice.data},
            )
        )

    def retry_connection(self) -> None:
        """Connect again now (after someone trusted the server's certificate)."""
        if self._io.running:
            self._io.loop.call_soon_threadsafe(self.connector.retry_now)
            if self.camera is not None:
                self._io.loop.call_soon_threadsafe(self.camera.retry_now)

    def _on_problem(self, problem: TagProblem) -> None:
        with self._lock:
            self._problems.append(problem)
        self._post_event(
            JournalEvent(
                EventKind.CONFIG,
                f"tag {problem.tag}: {problem.message}",
                source=problem.tag,
                severity=Severity.WARNING,
                data={"status": problem.status, "status_name": status_name(problem.status)},
            )
        )

    # --- alarms (alarm thread) ------------------------------------------------------------------

    def _alarm_tick(self) -> None:
        self._publish_link()
        self.alarms.tick()
        if self.journal.path != self._alarm_journal_file:  # daily rotation: make the new file self-contained
            self._alarm_journal_file = self.journal.path
            self.alarms.checkpoint()

    # --- fault prediction (advisories thread) -----------------------------------------------------

    def _fault_process(self, batch: SampleBatch) -> None:
        self._publish_advisories(self.fault.process(batch))

    def _fault_tick(self) -> None:
        self._publish_advisories(self.fault.tick())
        # Risk and RUL as derived tags: journaled and trended like any tag.
        pseudo = self.fault.pseudo_batch(self._index)
        if len(pseudo):
            self._on_derived_batch(pseudo)

    def _on_camera_state(self, state: ConnectionState, detail: str) -> None:
        assert self.qc is not None
        prev = self.qc.status.source_state
        self.qc.set_source_state(state, detail)
        up = state == ConnectionState.CONNECTED
        # One event per outage, as for the tags' link: while the server is away asyncua's retries
        # toggle the camera session between reconnecting and disconnected every second (seen: 51
        # events in 25 s). Journaled: the change of connectedness, and the first cause of an outage.
        same_outage = not up and prev != ConnectionState.CONNECTED and self._camera_outage_told
        self._camera_outage_told = not up and (
            self._camera_outage_told or state != ConnectionState.CONNECTING
        )
        if (up != (prev == ConnectionState.CONNECTED) or not up) and not same_outage:
            sev = (
                Severity.INFO
                if state in (ConnectionState.CONNECTED, ConnectionState.CONNECTING)
                else Severity.WARNING
            )
            self._post_event(
                JournalEvent(
                    EventKind.CONNECTION,
                    detail if detail.startswith("camera") else f"camera: {detail}",
                    source="camera",
                    severity=sev,
                )
            )

    def _on_derived_batch(self, batch: SampleBatch) -> None:
        """Samples of derived tags (model outputs): journaled, alarmed where limits are set, shown."""
        self.journal.write_samples(batch)
        self._alarm_worker.submit(batch)
        self._feed_gui(batch)

    def _publish_advisories(self, advisories: list[Advisory]) -> None:
        for adv in advisories:
            self._post_event(adv.to_event())

    def _on_alarms_changed(self, records: list[AlarmRecord]) -> None:
        if self._gui_feed:
            with self._lock:
                self._alarm_changes.extend(records)

    def _report_alarm_problem(self, problem: AlarmProblem) -> None:
        self._journal_event(
            EventKind.CONFIG,
            f"alarm definition refused: {problem}",
            source="alarms",
            severity=Severity.WARNING,
        )

    def _show_event(self, ev: JournalEvent) -> None:
        if self._gui_feed:
            with self._lock:
                self._events.append(ev)

    def _post_event(self, ev: JournalEvent) -> None:
        """Journal an event that reports what happened: queued (never blocks the I/O loop) and
        kept until it is on disk, however long the disk is full or stalled (see Journal.post_event)."""
        self.journal.post_event(ev)
        if self._gui_feed:
            with self._lock:
                self._events.append(ev)

    def _journal_event(self, kind: EventKind, message: str, **kw: object) -> int:
        ev = JournalEvent(kind, message, **kw)  # type: ignore[arg-type]
        eid = self.journal.write_event(ev)
        if self._gui_feed:
            with self._lock:
                self._events.append(ev)
        return eid


class _AuditToScreen:
    """The journal as the alarm engine and the auditor see it: every call goes to
    the journal; committed AUDIT rows are also shown in the screen's event list
    (alarm transitions have their own table and are not repeated there)."""

    def __init__(self, journal: Journal, show: Callable[[JournalEvent], None]) -> None:
        self._journal = journal
        self._show = show

    def write_event(self, ev: JournalEvent) -> int:
        eid = self._journal.write_event(ev)
        if ev.kind == EventKind.AUDIT:
            self._show(ev)
        return eid

    def write_events(self, evs: list[JournalEvent]) -> list[int]:
        ids = self._journal.write_events(evs)
        for ev in evs:
            if ev.kind == EventKind.AUDIT:
                self._show(ev)
        return ids

    def post_events(self, evs: list[JournalEvent]) -> None:
        self._journal.post_events(evs)
        for ev in evs:
            if ev.kind == EventKind.AUDIT:
                self._show(ev)

    def read_events(
        self,
        since: float | None = None,
        until: float | None = None,
        kinds: Iterable[EventKind | str] | None = None,
    ) -> Sequence[JournalEvent]:
        return self._journal.read_events(since, until, kinds)  # type: ignore[return-value]
