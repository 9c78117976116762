"""A LineServices (hmi.ui.services) for widget tests and screenshots: no OPC UA, no journal.

- `poll()` drains what the test pushed (batches, events, problems, state) and,
  with `auto=True` while connected, adds one synthetic batch of plausible values.
- `write_value()` completes on a worker thread after `write_delay_s`, like the
  real runtime's I/O thread, with range/writability checks (and the role check
  when given a User).
- `alarms=True`: the real ISA-18.2 AlarmEngine over the config's alarms with an
  in-memory journal; its changed records come out of `poll().alarms`, and
  `alarm_action()` / `login()` / `logout()` run on the worker thread like the
  real runtime's actions thread. `feed_alarms=True` also runs every polled batch
  through the engine (on the polling thread: fine for tests).
"""

from __future__ import annotations

import concurrent.futures
import math
import threading
import time

import numpy as np

from hmi.core.alarms.commands import AlarmRequest
from hmi.core.alarms.definitions import load_definitions
from hmi.core.alarms.engine import AlarmEngine
from hmi.core.alarms.model import AlarmRecord
from hmi.core.alarms.persistence import MemoryJournal
from hmi.core.audit import Auditor
from hmi.core.config import LineConfig, LineInfo, MachineConfig, ServerConfig, TagConfig
from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.link_state import LINK_CONNECTED
from hmi.core.production.tracker import ProductionTracker
from hmi.core.quality import BAD_OUT_OF_RANGE, BAD_TYPE_MISMATCH, GOOD
from hmi.core.runtime_api import ConnectionState, LiveUpdate, TagProblem, WriteResult
from hmi.core.samples import SampleBatch
from hmi.core.users import Action, Role, User, UserStore, allowed
from hmi.ui.services import PlantLinkFigures

RUNNING, FAULTED = 2.0, 4.0


class FakeRuntime:
    def __init__(
        self,
        config: LineConfig,
        *,
        auto: bool = True,
        write_delay_s: float = 0.2,
        state: ConnectionState = ConnectionState.CONNECTED,
        seed: int = 1,
        alarms: bool = False,
        feed_alarms: bool = False,
        users: UserStore | None = None,
        action_delay_s: float = 0.0,
    ) -> None:
        self.config = config
        self.auto = auto
        self.write_delay_s = write_delay_s
        self.fail_writes: str | None = None  # message: every write fails with it
        self.writes: list[tuple[str, float, str]] = []
        self.poll_count = 0
        self.stopped = False
        self._lock = threading.Lock()
        self._state = state
        self._detail = ""
        self._link_lost_at: float | None = None  # as the runtime: when the link went (None: up)
        self._pending: list[SampleBatch] = []
        self._events: list[JournalEvent] = []
        self._problems: list[TagProblem] = []
        self._overrides: dict[int, tuple[float, int]] = {}
        self._event_id = 0
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="fake-io")
        # Alarms, users, audit (the real engine and auditor over an in-memory journal)
        self.alarm_journal = MemoryJournal()
        self.auditor = Auditor(self.alarm_journal)
        self.users = users
        self.action_delay_s = action_delay_s
        self.feed_alarms = feed_alarms
        self.alarm_calls: list[tuple[AlarmRequest, User | None]] = []
        self._alarm_changes: list[AlarmRecord] = []
        self.alarms: AlarmEngine | None = None
        # The optional services (hmi.ui.services.LineServices): none of them unless asked for.
        self.journal: MemoryJournal | None = None
        self.journal_health = None  # no journal file: nothing to watch
        self.fault = None
        self.qc = None
        self.certificates = None
        self.browser = None
        self.plant_link: PlantLinkFigures | None = None  # tests attach one for the status bar
        self.production: ProductionTracker | None = None  # tests attach a real tracker when they need one
        if alarms:
            definitions, self.alarm_problems = load_definitions(config)
            self.alarms = AlarmEngine(config, definitions, self.alarm_journal)
            self.alarms.on_change(self._on_alarms_changed)
            self.journal = self.alarm_journal  # read_events(): the alarm History view loads from it
        n = len(config.tags)
        self._index = config.tag_index()
        rng = np.random.default_rng(seed)
        self._phase = rng.uniform(0, 2 * math.pi, n)
        self._period = rng.uniform(8, 40, n)
        self._t0 = time.time()
        self._sp: dict[int, float] = {}
        lo = np.zeros(n)
        mid = np.zeros(n)
        amp = np.zeros(n)
        self._analog = np.zeros(n, dtype=bool)
        for i, t in enumerate(config.tags):
            if t.data_type != "float" or t.range is None:
                continue
            band = t.normal or t.range
            lo[i] = band[0]
            mid[i] = (band[0] + band[1]) / 2
            amp[i] = (band[1] - band[0]) * 0.3
            self._analog[i] = not t.writable
            if t.writable:
                self._sp[i] = float(mid[i])
        self._mid, self._amp = mid, amp
        # Speeds follow their setpoint.
        self._speed_of_sp: dict[int, int] = {}
        for m in config.machines:
            if m.speed_tag and m.setpoint_tag:
                sp_i, sp_tag = self._index[m.setpoint_tag], config.tag(m.speed_tag)
                self._speed_of_sp[self._index[m.speed_tag]] = sp_i
                self._sp[sp_i] = float(sum(sp_tag.normal) / 2) if sp_tag.normal else self._sp.get(sp_i, 0.0)
        self._discrete = [i for i, t in enumerate(config.tags) if not self._analog[i]]

    # --- LiveFeed, SetpointWriter -----------------------------------------------------------------------
    @property
    def state(self) -> ConnectionState:
        return self._state

    def production_edit(
        self, user: User | None, action: str, machine: str, stop_start: float, **kw: object
    ) -> concurrent.futures.Future[object]:
        """The tracker's edit, answered at once (the real runtime runs it on its actions thread)."""
        fut: concurrent.futures.Future[object] = concurrent.futures.Future()
        try:
            if self.production is None:
                raise ValueError("this line has no [production] table in its config")
            fut.set_result(self.production.edit(user, action, machine, stop_start, **kw))
        except Exception as exc:
            fut.set_exception(exc)
        return fut

    def poll(self) -> LiveUpdate:
        with self._lock:
            self.poll_count += 1
            batches, self._pending = self._pending, []
            events, self._events = self._events, []
            problems, self._problems = self._problems, []
            state, detail, lost_at = self._state, self._detail, self._link_lost_at
        if self.auto and state == ConnectionState.CONNECTED:
            batches.append(self.synthetic_batch())
        if self.feed_alarms and self.alarms is not None:
            for b in batches:
                self.alarms.process(b)
        with self._lock:
            alarms, self._alarm_changes = self._alarm_changes, []
        dropped = max(0, len(batches) - 1)
        return LiveUpdate(
            batch=SampleBatch.concat(batches),
            events=events,
            state=state,
            state_detail=detail,
            problems=problems,
            dropped_batches=dropped,
            alarms=alarms,
            link_lost_at=lost_at,
        )

    def write_value(self, tag: str, value: float, user: User | str) -> concurrent.futures.Future[WriteResult]:
        return self._executor.submit(self._write, tag, float(value), user)

    # --- alarms and users (worker thread, like the runtime's actions thread) ----------------------
    def _on_alarms_changed(self, records: list[AlarmRecord]) -> None:
        with self._lock:
            self._alarm_changes.extend(records)

    def alarm_action(
        self, request: AlarmRequest, user: User | None
    ) -> concurrent.futures.Future[list[AlarmRecord]]:
        self.alarm_calls.append((request, user))

        def run():
            if self.action_delay_s:
                time.sleep(self.action_delay_s)
            if self.alarms is None:
                raise ValueError("no alarm engine")
            return self.alarms.execute(request, user)

        return self._executor.submit(run)

    def login(self, name: str, password: str) -> concurrent.futures.Future[User | None]:
        def run():
            if self.users is None:
                return None
            return self.auditor.login(self.users, name, password)

        return self._executor.submit(run)

    def logout(self, user: User) -> concurrent.futures.Future[None]:
        return self._executor.submit(self.auditor.logout, user)

    def change_password(self, user: User, new_password: str) -> concurrent.futures.Future[None]:
        def run() -> None:
            if self.users is None:
                raise ValueError("no user store")
            self.auditor.change_password(self.users, user, new_password)

        return self._executor.submit(run)

    def drain_alarms(self) -> list[AlarmRecord]:
        with self._lock:
            out, self._alarm_changes = self._alarm_changes, []
        return out

    def stop(self) -> None:
        self.stopped = True
        self._executor.shutdown(wait=True, cancel_futures=True)

    # --- test controls ------------------------------------------------------------------------
    def set_state(self, state: ConnectionState, detail: str = "", at: float | None = None) -> None:
        """The connector's state; `at`: when a link that was up went (default now), the instant
        the runtime keeps for the outage (hmi.app.runtime: the session's)."""
        with self._lock:
            if self._state == ConnectionState.CONNECTED and state != ConnectionState.CONNECTED:
                self._link_lost_at = time.time() if at is None else at
            elif state == ConnectionState.CONNECTED:
                self._link_lost_at = None
            if state != self._state:
                sev = (
                    Severity.WARNING
                    if state in (ConnectionState.RECONNECTING, ConnectionState.DISCONNECTED)
                    else 0
                )
                self._events.append(
                    JournalEvent(
                        EventKind.CONNECTION,
                        f"{state.value}: {detail}" if detail else state.value,
                        source="opcua",
                        severity=Severity(sev),
                    )
                )
            self._state, self._detail = state, detail

    def push(self, batch: SampleBatch) -> None:
        with self._lock:
            self._pending.append(batch)

    def push_event(self, event: JournalEvent) -> None:
        with self._lock:
            self._events.append(event)

    def add_problem(self, tag: str, status: int, message: str) -> None:
        with self._lock:
            self._problems.append(TagProblem(tag, status, message))

    def set_value(self, tag: str, value: float, status: int = GOOD) -> None:
        """Pin a tag's value/status in the synthetic stream (fault a machine, break a sensor)."""
        self._overrides[self._index[tag]] = (float(value), int(status))

    def clear_value(self, tag: str) -> None:
        self._overrides.pop(self._index[tag], None)

    def synthetic_batch(self, now: float | None = None, age_s: float = 0.0) -> SampleBatch:
        now = time.time() if now is None else now
        n = len(self.config.tags)
        t = now - self._t0
        values = self._mid + self._amp * np.sin(2 * math.pi * t / self._period + self._phase)
        status = np.zeros(n, dtype=np.uint32)
        for sp_i, v in self._sp.items():
            values[sp_i] = v
        for speed_i, sp_i in self._speed_of_sp.items():
            values[speed_i] = self._sp[sp_i] + 1.5 * math.sin(t + self._phase[speed_i])
        for i in self._discrete:
            tag = self.config.tags[i]
            if tag.writable:
                continue
            if tag.name.endswith(".state"):
                values[i] = RUNNING
            elif tag.name == self.config.server.link_tag:  # the fake server is there
                values[i] = float(LINK_CONNECTED)
            elif tag.data_type == "enum":
                values[i] = 0.0
            elif tag.data_type == "int":
                values[i] = float(int(t * 5) + i * 1000)
            elif tag.data_type == "bool":
                values[i] = 1.0
        for i, (v, s) in self._overrides.items():
            values[i], status[i] = v, s
        ts = np.full(n, now - age_s)
        return SampleBatch.from_columns(np.arange(n), ts, ts, np.full(n, now), values, status)

    # --- writes (worker thread) -------------------------------------------------------------------
    def _write(self, tag: str, value: float, who: User | str) -> WriteResult:
        time.sleep(self.write_delay_s)
        user = who.name if isinstance(who, User) else who
        self.writes.append((tag, value, user))
        if isinstance(who, User) and not allowed(who, Action.WRITE_SETPOINT):
            return WriteResult(
                tag,
                value,
                False,
                0,
                f"{who.name!r} (role {who.role.label}) may not write setpoints: needs operator or higher",
            )
        with self._lock:
            self._event_id += 1
            event_id = self._event_id
        try:
            cfg = self.config.tag(tag)
        except KeyError:
            return WriteResult(tag, value, False, BAD_TYPE_MISMATCH, f"unknown tag {tag!r}", event_id)
        if not cfg.writable:
            return WriteResult(tag, value, False, BAD_TYPE_MISMATCH, f"{tag} is not writable", event_id)
        if cfg.range and not cfg.range[0] <= value <= cfg.range[1]:
            return WriteResult(
                tag, value, False, BAD_OUT_OF_RANGE, f"{value:g} outside {list(cfg.range)}", event_id
            )
        if self.fail_writes:
            return WriteResult(tag, value, False, 0x80050000, self.fail_writes, event_id)
        if self._state != ConnectionState.CONNECTED:
            return WriteResult(
                tag, value, False, 0x808A0000, f"not connected ({self._state.value})", event_id
            )
        self._sp[self._index[tag]] = value
        self.push_event(
            JournalEvent(EventKind.OPERATOR_ACTION, f"{tag} set to {value:g}", source=tag, user=user)
        )
        return WriteResult(tag, value, True, GOOD, "written", event_id)


def big_config(n_extra: int, base: LineConfig) -> LineConfig:
    """The demo line plus n_extra analog tags (for table and responsiveness tests)."""
    extra = [
        TagConfig(
            name=f"area{i // 100:02d}.sensor{i % 100:02d}",
            node_id=f"ns=2;s=Area{i // 100:02d}.Sensor{i % 100:02d}",
            display_name=f"Area {i // 100} sensor {i % 100}",
            unit=("°C", "bar", "A", "mm/s")[i % 4],
            range=(0.0, 100.0),
            normal=(30.0, 70.0),
            alarms={"hi": 85.0, "hihi": 95.0},
            deadband=0.1,
        )
        for i in range(n_extra)
    ]
    return LineConfig(
        line=base.line,
        server=base.server,
        journal=base.journal,
        machines=base.machines,
        tags=[*base.tags, *extra],
    )


def tiny_config() -> LineConfig:
    """One machine, a handful of tags: for focused widget tests."""
    return LineConfig(
        line=LineInfo(id="t", name="Test line"),
        server=ServerConfig(endpoint="opc.tcp://127.0.0.1:4840/"),
        machines=[
            MachineConfig(
                id="m",
                name="Mixer",
                state_tag="m.state",
                speed_tag="m.speed",
                setpoint_tag="m.speed_sp",
                fault_tag="m.fault_code",
                key_tags=["m.temp"],
            )
        ],
        tags=[
            TagConfig(
                name="m.state",
                node_id="ns=2;s=M.State",
                machine="m",
                data_type="enum",
                states={"2": "Running", "3": "Idle", "4": "Faulted"},
            ),
            TagConfig(
                name="m.fault_code",
                node_id="ns=2;s=M.Fault",
                machine="m",
                data_type="enum",
                states={"0": "None", "1": "Jam"},
            ),
            TagConfig(
                name="m.speed",
                node_id="ns=2;s=M.Speed",
                machine="m",
                unit="rpm",
                range=(0, 100),
                normal=(40, 60),
            ),
            TagConfig(
                name="m.speed_sp",
                node_id="ns=2;s=M.SpeedSp",
                machine="m",
                unit="rpm",
                range=(0, 100),
                writable=True,
            ),
            TagConfig(
                name="m.temp",
                node_id="ns=2;s=M.Temp",
                display_name="Mixer temperature",
                machine="m",
                unit="°C",
                range=(0, 120),
                normal=(20, 60),
                alarms={"hi": 80, "hihi": 100},
                deadband=0.1,
            ),
        ],
    )


# --- a simulated fault on the demo line (alarm tests, screenshots, benchmarks) ----------------------

OPERATOR = User("olga", Role.OPERATOR, "Olga Operator")
SUPERVISOR = User("sam", Role.SUPERVISOR, "Sam Supervisor")
ENGINEER = User("erin", Role.ENGINEER, "Erin Engineer")
VIEWER = User("vic", Role.VIEWER, "Vic Viewer")

# seconds before now -> tag values (None: back to the synthetic value)
FAULT_SCRIPT: dict[int, list[tuple[str, float | None]]] = {
    -300: [("filler.bearing_temp", 74.0)],  # the filler bearing runs warm: Hi (low, 5 s on-delay)
    -240: [("filler.vibration", 5.2)],  # ... and vibrates: Hi (low)
    -200: [("conveyor.motor_current", 15.0)],  # the conveyor motor works harder: Hi (medium)
    -180: [("filler.bearing_temp", 91.0)],  # HiHi: high
    -120: [("labeller.motor_current", 27.0)],  # a short overload on the labeller...
    -100: [("labeller.motor_current", None)],  # ... gone before anybody acknowledged it (RTN unack)
    -90: [("conveyor.vibration", 5.0)],  # a loose sensor bracket: Hi (medium), to be shelved
    -62: [("capper.fault_code", 1.0)],  # the capper jams (medium, a trip: its own first-out) ...
    -61: [("capper.state", 4.0)],  # ... and faults: the generic trip alarm is suppressed by the jam
    -30: [("labeller.glue_temp", 136.0)],  # glue too cold: Lo (low), acknowledged with a comment
    -10: [("conveyor.bearing_temp", 72.0)],  # conveyor bearing warm: Hi (medium) ...
    -5: [("conveyor.state", 4.0)],  # ... and the conveyor trips (high): its first-out is that Hi
}


def simulate_fault(rt: FakeRuntime, now: float | None = None) -> None:
    """Play FAULT_SCRIPT through the real alarm engine (1 s steps over the last 5.5 minutes), then
    acknowledge some alarms, shelve one and take one out of service. The demo config is needed."""
    eng = rt.alarms
    assert eng is not None, "FakeRuntime(alarms=True) needed"
    now = time.time() if now is None else now
    for k in range(-330, 1):
        for tag, v in FAULT_SCRIPT.get(k, []):
            if v is None:
                rt.clear_value(tag)
            else:
                rt.set_value(tag, v)
        eng.process(rt.synthetic_batch(now=now + k))
    eng.tick(now)
    eng.acknowledge(
        ["filler.bearing_temp.hi", "conveyor.motor_current.hi"], OPERATOR, "maintenance called for the filler"
    )
    eng.acknowledge(["labeller.glue_temp.lo"], OPERATOR, "glue heater reset, watching it")
    eng.shelve("conveyor.vibration.hi", SUPERVISOR, 3600, "sensor bracket loose, fix at next stop (WO 4711)")
    eng.set_out_of_service("filler.vibration.bad", SUPERVISOR, "vibration sensor being replaced (WO 4712)")


class FakeAdvisories:
    """The fault predictor's face (hmi.ui.services.FaultAdvisories) with a prediction per machine:
    an active advisory with its reasons on the first machine, a quiet 0 % on the rest, so the
    faceplates carry their risk readouts as in the demo."""

    available = True
    label = "fault_predictor 1.0.0 on CPU"
    problem = ""

    def __init__(self, config: LineConfig, now: float | None = None) -> None:
        from inference.fault.readout_text import MachineRisk

        t = time.time() if now is None else now
        first = config.machines[0].id if config.machines else ""
        self.risks = {
            m.id: MachineRisk(
                m.id,
                t,
                1.0 if m.id == first else 0.0,
                11.0 if m.id == first else 600.0,
                m.id == first,
                "machine not running" if m.id == first else "ok",
                (("vibration", 0.91), ("motor_current", 0.70)) if m.id != first else (),
                self.label,
                predicts="bearing failure",
                covers="bearing failure, bearing overheat",
                horizon_s=120.0,
            )
            for m in config.machines
        }

    def status(self) -> dict:
        return dict(self.risks)
