"""Physics of the simulated bottle-packaging line: filler -> capper -> labeller on one conveyor.

Plain Python + numpy, no OPC UA and no Qt, so it can be unit-tested and driven
by training scripts (see `simulate`). Everything random comes from one
`numpy.random.Generator` seeded at construction: the same seed, faults and
sequence of steps give the same series.

What is modelled (per machine, simulated seconds):

- speed: a ramp-limited command that follows the setpoint, then a first-order
  lag (drive + mechanics); start-up goes Stopped -> Starting (crawl) -> Running.
- motor current: no-load current plus a load term that grows with speed, with
  friction (bearing wear) and with machine load (cap torque, bottles on the
  conveyor); a short spike when a jam stalls the drive.
- bearing temperature: first-order thermal model towards ambient + friction
  heat + copper losses (I^2), ambient with a slow daily swing.
- vibration RMS (mm/s): a speed-dependent baseline plus a wear term that is
  flat at first and then accelerates, reaching ISO 10816 zone D (> 7.1 mm/s)
  near the end of the bearing's life; lognormal measurement noise.
- fill pressure, cap torque and glue temperature tracking their setpoints.
- counters: bottles processed from throughput; rejects drawn binomially at a
  small base rate that rises with low/high fill pressure, cap torque off its
  band, glue off its band, high vibration.
- line coupling through two accumulation buffers: a full downstream buffer
  blocks the machine upstream (Idle), an empty upstream buffer starves the one
  downstream (Idle), everything needs the conveyor running.
- random jams (Poisson in running time, seeded) that stop a machine for a
  while and clear by themselves; scheduled faults (see faults.py).
"""

from __future__ import annotations

import enum
import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from connectors.sim.faults import MACHINES, FaultKind, FaultSpec
from connectors.sim.truth import TruthRecorder


class MachineState(enum.IntEnum):
    STOPPED = 0
    STARTING = 1
    RUNNING = 2
    IDLE = 3
    FAULTED = 4
    CHANGEOVER = 5


class FaultCode(enum.IntEnum):
    NONE = 0
    JAM = 1
    OVERHEAT = 2
    BEARING_FAILURE = 3
    SENSOR_FAULT = 4
    MOTOR_TRIP = 5


@dataclass(frozen=True, slots=True)
class MachineParams:
    nominal_speed: float  # bpm (conveyor: m/min)
    max_speed: float
    ramp: float  # speed units per second the drive may change its command
    tau_speed: float  # s, mechanical lag behind the command
    i_noload: float  # A
    i_nominal: float  # A at nominal speed and load, healthy bearing
    heat_friction: float  # K above ambient from friction at nominal speed, healthy
    heat_current: float  # K above ambient from I^2 losses at nominal current
    tau_thermal: float  # s
    vib_base: float  # mm/s at standstill-but-rotating
    vib_speed: float  # mm/s added at nominal speed
    jam_rate_per_h: float  # random jams per hour of running
    reject_base: float  # probability per bottle
    speed_noise: float  # measurement noise, speed units


DEFAULT_MACHINES: dict[str, MachineParams] = {
    "filler": MachineParams(400, 600, 60, 1.5, 4.0, 14.0, 14.0, 7.0, 75.0, 0.15, 1.1, 0.3, 0.002, 0.25),
    "capper": MachineParams(400, 600, 60, 1.2, 3.5, 12.0, 12.0, 6.0, 70.0, 0.15, 1.0, 1.0, 0.0015, 0.25),
    "labeller": MachineParams(400, 600, 60, 1.2, 3.0, 11.0, 11.0, 6.0, 70.0, 0.12, 0.9, 0.6, 0.002, 0.25),
    "conveyor": MachineParams(30, 60, 5, 1.0, 2.5, 7.0, 10.0, 5.0, 90.0, 0.10, 0.7, 0.05, 0.0, 0.03),
}


@dataclass(frozen=True, slots=True)
class LineParams:
    ambient: float = 24.0  # °C, mean
    ambient_swing: float = 1.5  # °C, daily half-amplitude
    buffer_capacity: float = 200.0  # bottles on each accumulation table
    pitch_m: float = 0.06  # conveyor metres per bottle -> capacity = speed / pitch bpm
    start_time: float = 5.0  # s spent in Starting (crawl)
    crawl: float = 0.25  # fraction of the setpoint while Starting
    idle_delay: float = 2.0  # s blocked/starved before a machine goes Idle
    # Start-up sequence after a cold start: downstream first, as real lines do (seconds).
    autostart: tuple[tuple[str, float], ...] = (
        ("conveyor", 1.0),
        ("labeller", 3.0),
        ("capper", 5.0),
        ("filler", 7.0),
    )
    fill_pressure_sp: float = 2.5  # bar
    tau_fill_pressure: float = 2.0
    cap_torque_sp: float = 200.0  # Ncm
    glue_temp_sp: float = 160.0  # °C
    tau_glue: float = 150.0
    bearing_trip: float = 95.0  # °C thermal protection
    glue_trip: float = 190.0  # °C over-temperature cut-out
    random_jams: bool = True
    jam_mean_s: float = 45.0
    natural_wear_per_h: float = 2e-4  # bearing life fraction per running hour without a fault
    max_substep: float = 0.5  # s; larger steps are split so the lags stay accurate
    machines: dict[str, MachineParams] = field(default_factory=lambda: dict(DEFAULT_MACHINES))


# --- what the model publishes: tag name (as in resources/demo_line.toml) -> kind ---------------

SETPOINTS = ("filler.fill_pressure_sp", "capper.cap_torque_sp", "labeller.glue_temp_sp")
_EXTRA = {"filler": ("fill_pressure",), "capper": ("cap_torque",), "labeller": ("glue_temp",), "conveyor": ()}
_COUNTED = ("filler", "capper", "labeller")


def tag_names() -> list[str]:
    names: list[str] = []
    for m in MACHINES:
        names += [f"{m}.state", f"{m}.fault_code", f"{m}.speed", f"{m}.speed_sp"]
        names += [f"{m}.motor_current", f"{m}.bearing_temp", f"{m}.vibration"]
        for x in _EXTRA[m]:
            names += [f"{m}.{x}", f"{m}.{x}_sp"]
        if m in _COUNTED:
            names += [f"{m}.good_count", f"{m}.reject_count"]
    return names


INT_TAGS = frozenset(n for n in tag_names() if n.endswith((".state", ".fault_code", "_count")))
WRITABLE_TAGS = frozenset(n for n in tag_names() if n.endswith("_sp"))


# --- state ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Machine:
    name: str
    p: MachineParams
    sp: float
    state: MachineState = MachineState.STOPPED
    fault: FaultCode = FaultCode.NONE
    t_state: float = 0.0
    autostart_at: float | None = None
    cmd: float = 0.0  # ramp-limited speed command
    speed: float = 0.0  # true speed
    current: float = 0.0
    temp: float = 0.0
    vib: float = 0.0
    wear: float = 0.02  # bearing life used, 0..1 (1 = failure)
    wear_rate: float = 0.0  # extra wear per operating second from a bearing_wear fault
    heat_extra: float = 0.0  # K, from an overheat fault (bearing)
    heat_rate: float = 0.0
    fault_until: float | None = None  # jam / motor trip auto-clear time
    hold_until: float | None = None  # end of a changeover
    repair_at: float | None = None  # maintenance done at (bearing failure / overheat)
    repair_temp: float = 0.0  # and only once cooled below this
    spike_until: float = 0.0
    not_ok_for: float = 0.0
    idle_reason: str = ""
    good: int = 0
    rejects: int = 0
    frac: float = 0.0
    sensor_bad: dict[str, float] = field(default_factory=dict)  # signal -> bad until (sim s)


@dataclass(frozen=True, slots=True)
class SimEvent:
    t_sim: float
    machine: str
    text: str


class LineModel:
    """The whole line. Drive it with `step(dt)` (simulated seconds) or `advance(real_seconds)`."""

    def __init__(
        self,
        seed: int = 1,
        *,
        time_factor: float = 1.0,
        faults: Iterable[FaultSpec] = (),
        params: LineParams | None = None,
        random_jams: bool | None = None,
    ) -> None:
        if not (time_factor > 0 and math.isfinite(time_factor)):
            raise ValueError(f"time_factor must be a positive number, got {time_factor!r}")
        self.params = params or LineParams()
        if random_jams is not None:
            self.params = replace(self.params, random_jams=random_jams)
        self.time_factor = float(time_factor)
        self.rng = np.random.default_rng(seed)
        self.t_sim = 0.0
        self.events: deque[SimEvent] = deque(maxlen=1000)
        self.event_count = 0
        P = self.params
        self.m: dict[str, _Machine] = {}
        for name in MACHINES:
            mp = P.machines[name]
            mach = _Machine(name, mp, sp=float(mp.nominal_speed))
            # Warm machine: it ran before this start (temperatures near their running steady state).
            mach.temp = P.ambient + mp.heat_friction + mp.heat_current
            mach.current = 0.0
            mach.vib = 0.05
            self.m[name] = mach
        for name, at in P.autostart:
            self.m[name].autostart_at = at
        self.fill_pressure_sp = P.fill_pressure_sp
        self.fill_pressure = P.fill_pressure_sp
        self.cap_torque_sp = P.cap_torque_sp
        self.cap_torque = P.cap_torque_sp
        self.glue_temp_sp = P.glue_temp_sp
        self.glue_temp = P.glue_temp_sp
        self.glue_extra = 0.0
        self.glue_rate = 0.0
        self.heater_on = True
        self.buffers = [0.5 * P.buffer_capacity, 0.5 * P.buffer_capacity]
        # Slow coloured noise per signal (AR(1)); one entry per (machine, signal) used below.
        self._col = np.zeros(16)
        self._pending: list[FaultSpec] = sorted(faults, key=lambda f: f.start_s)
        self._active_specs: dict[str, list[FaultSpec]] = {}
        self.glue_repair_at: float | None = None
        self.glue_reheating = False
        self._meas: dict[str, float] = {}
        # Ground truth of every state and stop cause (connectors/sim/truth.py), when asked for.
        self.truth: TruthRecorder | None = None
        self._measure(0.0)

    # --- public API --------------------------------------------------------------------------

    @property
    def t_real(self) -> float:
        """Wall-clock seconds since start at this time factor (the clock fault start times use)."""
        return self.t_sim / self.time_factor

    def advance(self, real_seconds: float) -> None:
        """Advance `real_seconds * time_factor` simulated seconds."""
        self.step(real_seconds * self.time_factor)

    def step(self, dt: float) -> None:
        """Advance `dt` simulated seconds (split into substeps of at most params.max_substep)."""
        if dt <= 0:
            return
        n = max(1, math.ceil(dt / self.params.max_substep - 1e-9))
        h = dt / n
        for _ in range(n):
            self._substep(h)
        self._measure(dt)

    def set_setpoint(self, tag: str, value: float) -> None:
        """Operator write: 'filler.speed_sp' ... A speed setpoint of 0 stops the machine, > 0 starts it."""
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{tag}: setpoint must be a finite number")
        mach, _, sig = tag.partition(".")
        if sig == "speed_sp" and mach in self.m:
            m = self.m[mach]
            m.sp = min(max(value, 0.0), m.p.max_speed)
            if m.sp <= 0 and m.state not in (MachineState.FAULTED, MachineState.STOPPED):
                self._set_state(m, MachineState.STOPPED)
                m.autostart_at = None
                self._event(m.name, "stopped by operator (setpoint 0)")
            elif m.sp > 0 and m.state is MachineState.STOPPED and m.autostart_at is None:
                m.autostart_at = self.t_sim
        elif tag == "filler.fill_pressure_sp":
            self.fill_pressure_sp = min(max(value, 0.0), 6.0)
        elif tag == "capper.cap_torque_sp":
            self.cap_torque_sp = min(max(value, 0.0), 400.0)
        elif tag == "labeller.glue_temp_sp":
            self.glue_temp_sp = min(max(value, 0.0), 200.0)
        else:
            raise KeyError(f"{tag} is not a setpoint of the simulated line")

    def values(self) -> dict[str, float]:
        """Latest measured values by tag name; NaN where the sensor reads Bad (see `bad_tags`)."""
        return dict(self._meas)

    def bad_tags(self) -> set[str]:
        return {f"{m.name}.{s}" for m in self.m.values() for s in m.sensor_bad}

    def state(self, machine: str) -> MachineState:
        return self.m[machine].state

    def fault_code(self, machine: str) -> FaultCode:
        return self.m[machine].fault

    # --- internals ---------------------------------------------------------------------------

    def _event(self, machine: str, text: str) -> None:
        self.events.append(SimEvent(self.t_sim, machine, text))
        self.event_count += 1

    def _set_state(self, m: _Machine, state: MachineState) -> None:
        if m.state is not state:
            m.state = state
            m.t_state = 0.0

    def _trip(self, m: _Machine, code: FaultCode, text: str) -> None:
        self._set_state(m, MachineState.FAULTED)
        m.fault = code
        m.not_ok_for = 0.0
        self._event(m.name, text)

    def _clear_fault(self, m: _Machine, text: str) -> None:
        m.fault = FaultCode.SENSOR_FAULT if m.sensor_bad else FaultCode.NONE
        m.fault_until = None
        m.repair_at = None
        self._set_state(m, MachineState.STOPPED)
        m.autostart_at = self.t_sim + 1.0 if m.sp > 0 else None
        self._event(m.name, text)

    def _activate(self, f: FaultSpec) -> bool:
        """Start a scheduled fault; False to keep it pending (machine busy with another fault)."""
        m = self.m[f.machine]
        t = self.t_sim
        if f.kind is FaultKind.BEARING_WEAR:
            m.wear_rate = max(0.0, 1.0 - m.wear) / f.duration_s
            self._event(m.name, f"bearing wear developing (fails after {f.duration_s:g} s of running)")
        elif f.kind is FaultKind.OVERHEAT and f.target == "glue":
            # The extra heat ramps, fast enough for the thermal lag: the trip comes about DURATION later.
            tau = self.params.tau_glue
            span = max(f.duration_s - tau, 0.5 * f.duration_s)
            self.glue_rate = (self.params.glue_trip + 5.0 - self.glue_temp_sp) / span
            self._event(m.name, "glue heater control failed: temperature climbing")
        elif f.kind is FaultKind.OVERHEAT:
            p = m.p
            steady = self.params.ambient + p.heat_friction + p.heat_current
            span = max(f.duration_s - p.tau_thermal, 0.5 * f.duration_s)
            m.heat_rate = (self.params.bearing_trip + 5.0 - steady) / span
            self._event(m.name, "lubrication loss: bearing temperature climbing")
        elif f.kind in (FaultKind.JAM, FaultKind.MOTOR_TRIP):
            if m.state is MachineState.FAULTED:
                return False
            if f.kind is FaultKind.JAM:
                self._jam(m, f.duration_s, "scheduled")
            else:
                self._trip(m, FaultCode.MOTOR_TRIP, f"motor protection tripped (reset in {f.duration_s:g} s)")
                m.fault_until = t + f.duration_s
        elif f.kind in (FaultKind.CHANGEOVER, FaultKind.PLANNED_STOP):
            if m.state in (MachineState.FAULTED, MachineState.CHANGEOVER):
                return False  # after the repair: the plan waits for the machine
            if f.kind is FaultKind.CHANGEOVER:
                self._set_state(m, MachineState.CHANGEOVER)
                m.hold_until = t + f.duration_s
                self._event(m.name, f"changeover ({f.duration_s:g} s)")
            else:
                self._set_state(m, MachineState.STOPPED)
                m.autostart_at = t + f.duration_s
                self._event(m.name, f"stopped by the operator for {f.duration_s:g} s (planned)")
        elif f.kind is FaultKind.SENSOR_DROPOUT:
            m.sensor_bad[f.target] = t + f.duration_s
            if m.fault is FaultCode.NONE:
                m.fault = FaultCode.SENSOR_FAULT
            self._event(m.name, f"{f.target} sensor failed (Bad for {f.duration_s:g} s)")
        # Keep the original spec so repair durations are known when the failure happens.
        self._active_specs.setdefault(m.name, []).append(f)
        return True

    def _jam(self, m: _Machine, duration: float, why: str) -> None:
        self._trip(m, FaultCode.JAM, f"jam ({why}), cleared in {duration:.0f} s")
        m.fault_until = self.t_sim + duration
        m.spike_until = self.t_sim + 1.5

    def _repair_time(self, m: _Machine, kind: FaultKind) -> float | None:
        for f in reversed(self._active_specs.get(m.name, [])):
            if f.kind is kind:
                return f.repair_s
        return None

    def _substep(self, dt: float) -> None:
        P = self.params
        rng = self.rng
        self.t_sim += dt
        t = self.t_sim

        # Scheduled faults whose wall-clock start has come.
        if self._pending and self._pending[0].start_s * self.time_factor <= t + 1e-9:
            keep = []
            for f in self._pending:
                if f.start_s * self.time_factor <= t + 1e-9:
                    if not self._activate(f):
                        keep.append(f)
                else:
                    keep.append(f)
            self._pending = keep

        conv = self.m["conveyor"]
        cap = P.buffer_capacity
        L1, L2 = self.buffers
        conv_ok = conv.state is MachineState.RUNNING
        filler, capper = self.m["filler"], self.m["capper"]

        # Can each machine run right now? (hysteresis: an Idle machine waits for some margin)
        def ok(m: _Machine) -> tuple[bool, str]:
            idle = m.state is MachineState.IDLE
            if m.name == "conveyor":
                return True, ""
            if not conv_ok:
                return False, "conveyor stopped"
            if m.name == "filler":
                if (0.6 * cap if idle else cap - 1e-6) <= L1:
                    return False, "blocked"
                return True, ""
            up_level, up = (L1, filler) if m.name == "capper" else (L2, capper)
            if idle:
                if up_level < 0.15 * cap:
                    return False, "starved"
            elif up_level <= 0.5 and up.state is not MachineState.RUNNING:
                return False, "starved"
            if m.name == "capper" and (0.6 * cap if idle else cap - 1e-6) <= L2:
                return False, "blocked"
            return True, ""

        # Random draws: a fixed number per substep keeps the stream aligned whatever happens.
        u_jam = rng.random(4)
        z = rng.standard_normal(4)

        for i, m in enumerate(self.m.values()):
            p = m.p
            m.t_state += dt
            # Sensor dropouts end.
            for sig, until in list(m.sensor_bad.items()):
                if t >= until:
                    del m.sensor_bad[sig]
                    if m.fault is FaultCode.SENSOR_FAULT and not m.sensor_bad:
                        m.fault = FaultCode.NONE
                    self._event(m.name, f"{sig} sensor back")
            # Faults that clear by themselves / maintenance.
            if m.state is MachineState.FAULTED:
                if m.fault_until is not None and t >= m.fault_until:
                    self._clear_fault(
                        m, "jam cleared" if m.fault is FaultCode.JAM else "motor protection reset"
                    )
                elif m.repair_at is not None and t >= m.repair_at and m.temp <= m.repair_temp:
                    if m.fault is FaultCode.BEARING_FAILURE:
                        m.wear = 0.02
                    m.heat_extra = 0.0
                    self._clear_fault(m, "repaired by maintenance")
            if m.state is MachineState.CHANGEOVER and m.hold_until is not None and t >= m.hold_until:
                m.hold_until = None
                self._set_state(m, MachineState.STOPPED)
                m.autostart_at = t + 1.0
                self._event(m.name, "changeover done")
            # Operator / sequence start.
            if (
                m.state is MachineState.STOPPED
                and m.autostart_at is not None
                and t >= m.autostart_at
                and m.sp > 0
            ):
                m.autostart_at = None
                self._set_state(m, MachineState.STARTING)
                self._event(m.name, "starting")
            can, why = ok(m)
            if m.state is MachineState.STARTING and m.t_state >= P.start_time:
                self._set_state(m, MachineState.RUNNING)
                self._event(m.name, "running")
            elif m.state is MachineState.RUNNING:
                if can:
                    m.not_ok_for = 0.0
                else:
                    m.not_ok_for += dt
                    if m.not_ok_for >= P.idle_delay:
                        self._set_state(m, MachineState.IDLE)
                        m.idle_reason = why
                        self._event(m.name, f"idle ({why})")
            elif m.state is MachineState.IDLE and can:
                self._set_state(m, MachineState.RUNNING)
                m.not_ok_for = 0.0
                self._event(m.name, f"running (was {m.idle_reason})")
            # Random jams while running.
            if (
                P.random_jams
                and m.state is MachineState.RUNNING
                and u_jam[i] < -math.expm1(-p.jam_rate_per_h * dt / 3600.0)
            ):
                dur = float(np.clip(P.jam_mean_s * math.exp(0.5 * z[i] - 0.125), 10.0, 300.0))
                self._jam(m, dur, "random")

            # Speed: ramp-limited command, then first-order lag.
            if m.state is MachineState.RUNNING:
                target = m.sp
            elif m.state is MachineState.STARTING:
                target = P.crawl * m.sp
            else:
                target = 0.0
            ramp = p.ramp * (4.0 if m.state is MachineState.FAULTED else 1.0) * dt
            m.cmd += min(max(target - m.cmd, -ramp), ramp)
            tau = 0.3 if m.fault is FaultCode.JAM else p.tau_speed
            m.speed += (m.cmd - m.speed) * -math.expm1(-dt / tau)
            if m.speed < 1e-3 and m.cmd == 0.0:
                m.speed = 0.0

            # Wear and lubrication loss progress while the machine turns (running time).
            operating = m.state in (MachineState.STARTING, MachineState.RUNNING)
            if operating:
                m.wear += (m.wear_rate + P.natural_wear_per_h / 3600.0) * dt
                m.heat_extra += m.heat_rate * dt
            if m.wear >= 1.0 and m.fault is not FaultCode.BEARING_FAILURE:
                m.wear = 1.0
                m.wear_rate = 0.0
                self._trip(m, FaultCode.BEARING_FAILURE, "bearing failed")
                rep = self._repair_time(m, FaultKind.BEARING_WEAR)
                m.repair_at = None if rep is None else t + rep
                m.repair_temp = 60.0

            # Motor current.
            s = m.speed / p.nominal_speed
            fric = 1.0 + 4.0 * m.wear**2
            load = 1.0
            if m.name == "capper":
                load = 0.7 + 0.3 * self.cap_torque_sp / P.cap_torque_sp
            elif m.name == "conveyor":
                load = 0.8 + 0.4 * (L1 + L2) / (2 * cap)
            elif m.name == "filler":
                load = 0.9 + 0.1 * self.fill_pressure / P.fill_pressure_sp
            if t < m.spike_until:
                m.current = 1.8 * p.i_nominal
            elif m.state in (MachineState.STOPPED, MachineState.FAULTED, MachineState.CHANGEOVER):
                m.current = 0.0
            else:
                m.current = (
                    p.i_noload * (0.3 + 0.7 * min(s, 1.0))
                    + (p.i_nominal - p.i_noload) * s * (0.65 + 0.35 * fric) * load
                )

            # Bearing temperature (first order towards ambient + heat sources).
            amb = P.ambient + P.ambient_swing * math.sin(2 * math.pi * t / 86400.0)
            heat = p.heat_friction * (1.0 + 2.5 * m.wear**2) * min(s, 1.5)
            heat += p.heat_current * (m.current / p.i_nominal) ** 2 if m.current > 0 else 0.0
            heat += m.heat_extra * min(s, 1.5)
            m.temp += (amb + heat - m.temp) * -math.expm1(-dt / p.tau_thermal)
            if m.temp >= P.bearing_trip and m.state is not MachineState.FAULTED:
                self._trip(m, FaultCode.OVERHEAT, f"bearing over-temperature trip at {m.temp:.0f} °C")
                m.heat_rate = 0.0
                m.heat_extra = 0.0
                rep = self._repair_time(m, FaultKind.OVERHEAT)
                m.repair_at = None if rep is None else t + rep
                m.repair_temp = 55.0

            # Vibration (true RMS before measurement noise): ISO 10816 zone D near the end of life.
            rotating = m.speed > 0.5
            wear_term = 8.5 * math.expm1(4.0 * m.wear) / math.expm1(4.0)
            m.vib = 0.05 + (
                (p.vib_base + p.vib_speed * min(s, 1.5)) + wear_term * max(s, 0.15) if rotating else 0.0
            )

        # Process values.
        a = -math.expm1(-dt / P.tau_fill_pressure)
        self.fill_pressure += (
            self.fill_pressure_sp - 0.08 * filler.speed / filler.p.nominal_speed - self.fill_pressure
        ) * a
        lab = self.m["labeller"]
        if self.glue_rate > 0:
            self.glue_extra += self.glue_rate * dt
        glue_target = (self.glue_temp_sp + self.glue_extra) if self.heater_on else P.ambient
        self.glue_temp += (glue_target - self.glue_temp) * -math.expm1(-dt / P.tau_glue)
        if self.glue_temp >= P.glue_trip and self.heater_on:
            self.heater_on = False
            self.glue_rate = 0.0
            self.glue_extra = 0.0
            if lab.state is not MachineState.FAULTED:
                self._trip(
                    lab, FaultCode.OVERHEAT, f"glue over-temperature cut-out at {self.glue_temp:.0f} °C"
                )
            rep = self._repair_time(lab, FaultKind.OVERHEAT)
            self.glue_repair_at = None if rep is None else t + rep
        if self.glue_repair_at is not None and t >= self.glue_repair_at:
            # Heater controller replaced; the labeller waits until the glue is hot again.
            self.glue_repair_at = None
            self.heater_on = True
            self.glue_reheating = True
        if self.glue_reheating and self.glue_temp >= self.glue_temp_sp - 10.0:
            self.glue_reheating = False
            if lab.fault is FaultCode.OVERHEAT:
                self._clear_fault(lab, "glue heater repaired, glue hot again")

        # Material flow through the buffers (bottles).
        capacity_bpm = conv.speed / P.pitch_m if conv_ok else 0.0
        rates = {
            n: (min(mm.speed, capacity_bpm) if mm.state is MachineState.RUNNING else 0.0)
            for n, mm in self.m.items()
        }
        rej = self._reject_probabilities()
        n1 = min(rates["filler"] * dt / 60.0, max(cap - L1, 0.0))
        L1 += n1 * (1.0 - rej["filler"])
        n2 = min(rates["capper"] * dt / 60.0, L1, max(cap - L2, 0.0))
        L1 -= n2
        L2 += n2 * (1.0 - rej["capper"])
        n3 = min(rates["labeller"] * dt / 60.0, L2)
        L2 -= n3
        self.buffers = [min(max(L1, 0.0), cap), min(max(L2, 0.0), cap)]
        for name, n in (("filler", n1), ("capper", n2), ("labeller", n3)):
            m = self.m[name]
            m.frac += n
            whole = int(m.frac)
            if whole:
                m.frac -= whole
                bad = int(rng.binomial(whole, rej[name]))
                m.rejects += bad
                m.good += whole - bad
        if self.truth is not None:
            self.truth.record(self)

    def _reject_probabilities(self) -> dict[str, float]:
        P = self.params

        def ramp(x: float) -> float:
            return min(max(x, 0.0), 1.0)

        vib = {n: ramp((m.vib - 4.5) / 3.0) * 0.02 for n, m in self.m.items()}
        p = self.fill_pressure
        tq = self.cap_torque
        g = self.glue_temp
        return {
            "filler": P.machines["filler"].reject_base
            + 0.4 * ramp((2.2 - p) / 0.6)
            + 0.2 * ramp((p - 2.8) / 0.7)
            + vib["filler"],
            "capper": P.machines["capper"].reject_base
            + 0.5 * ramp((180.0 - tq) / 40.0)
            + 0.3 * ramp((tq - 230.0) / 40.0)
            + vib["capper"],
            "labeller": P.machines["labeller"].reject_base
            + 0.5 * ramp((150.0 - g) / 20.0)
            + 0.3 * ramp((g - 170.0) / 15.0)
            + vib["labeller"],
        }

    def _measure(self, dt: float) -> None:
        """Sensor readings for the step just taken: noise, coloured drift, dropouts."""
        rng = self.rng
        z = rng.standard_normal(24)
        a = math.exp(-dt / 5.0) if dt > 0 else 1.0
        self._col = a * self._col + math.sqrt(max(1.0 - a * a, 0.0)) * z[:16]
        col = self._col
        out: dict[str, float] = {}
        for i, m in enumerate(self.m.values()):
            p = m.p
            n = m.name
            out[f"{n}.state"] = float(m.state)
            out[f"{n}.fault_code"] = float(m.fault)
            out[f"{n}.speed"] = max(0.0, m.speed + p.speed_noise * z[16 + i]) if m.speed > 0.5 else 0.0
            out[f"{n}.speed_sp"] = m.sp
            out[f"{n}.motor_current"] = (
                max(0.0, m.current * (1.0 + 0.012 * col[i]) + 0.04 * z[20 + i]) if m.current > 0 else 0.0
            )
            out[f"{n}.bearing_temp"] = m.temp + 0.15 * col[4 + i]
            out[f"{n}.vibration"] = m.vib * math.exp(0.06 * col[8 + i] + 0.03 * z[20 + i])
        cap_running = self.m["capper"].state is MachineState.RUNNING
        if cap_running:
            # Measured per cap: scatter grows with vibration (misaligned chuck).
            sd = 0.02 + 0.004 * self.m["capper"].vib
            self.cap_torque = self.cap_torque_sp * (1.0 + sd * z[13] + 0.01 * col[12])
        out["filler.fill_pressure"] = max(0.0, self.fill_pressure + 0.012 * z[12] + 0.02 * col[13])
        out["filler.fill_pressure_sp"] = self.fill_pressure_sp
        out["capper.cap_torque"] = self.cap_torque  # held when the capper is not capping
        out["capper.cap_torque_sp"] = self.cap_torque_sp
        out["labeller.glue_temp"] = self.glue_temp + 0.1 * z[14] + 0.2 * col[14]
        out["labeller.glue_temp_sp"] = self.glue_temp_sp
        for n in _COUNTED:
            out[f"{n}.good_count"] = float(self.m[n].good)
            out[f"{n}.reject_count"] = float(self.m[n].rejects)
        for m in self.m.values():
            for sig in m.sensor_bad:
                out[f"{m.name}.{sig}"] = float("nan")
        self._meas = out


def simulate(
    seed: int = 1,
    duration_s: float = 600.0,
    dt_s: float = 1.0,
    *,
    faults: Sequence[FaultSpec] = (),
    time_factor: float = 1.0,
    random_jams: bool = True,
    params: LineParams | None = None,
    tags: Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """Run the model and return {"t": sim seconds, tag: values} sampled every `dt_s` simulated seconds.

    For training scripts: a run-to-failure series is e.g.
    ``simulate(7, 3600, faults=[parse_fault_spec("filler:bearing_wear@0s/50m")])``.
    """
    model = LineModel(seed, time_factor=time_factor, faults=faults, params=params, random_jams=random_jams)
    names = list(tags) if tags is not None else tag_names()
    n = round(duration_s / dt_s)
    out = np.empty((len(names), n))
    t = np.empty(n)
    for k in range(n):
        model.step(dt_s)
        v = model._meas
        out[:, k] = [v[name] for name in names]
        t[k] = model.t_sim
    return {"t": t, **{name: out[j] for j, name in enumerate(names)}}
