"""Fault specifications for the simulated line: parsing, validation, schedule files.

One line per fault, the same on the command line and in a schedule file::

    MACHINE:KIND[:TARGET][@START][/DURATION][,repair=TIME]

    filler:bearing_wear@30s/10m        bearing wears from 30 s after start, fails after 10 min of running
    capper:jam@45s/2m                  capper jams 45 s after start and is cleared 2 min later
    labeller:overheat:glue@4m/3m       glue heater runs away from 4 min, trips about 3 min later
    filler:overheat@1m/5m              (bearing) temperature climbs until the thermal trip
    conveyor:sensor_dropout:vibration@2m/1m   the vibration sensor reads Bad for 1 min
    filler:motor_trip@5m/2m            the motor protection trips; reset after 2 min
    capper:changeover@3h/20m           format changeover on the capper, 20 min
    filler:planned_stop@3h/15m         the operator stops the filler for 15 min (a break)

Clocks: START is wall-clock time since the server started (what the person
watching the demo experiences); DURATION and repair are simulated process time
(bearing wear and heat evolve in process time, `time_factor` speeds them up).
With the default time factor 1 the two clocks are the same.

Times are a number with a unit: ``500ms``, ``30s``, ``10m``, ``1.5h`` (a bare
number means seconds).
"""

from __future__ import annotations

import enum
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

MACHINES = ("filler", "capper", "labeller", "conveyor")

# Signals that a sensor dropout can hit (the machine's measured values).
SENSOR_SIGNALS: dict[str, tuple[str, ...]] = {
    "filler": ("speed", "motor_current", "bearing_temp", "vibration", "fill_pressure"),
    "capper": ("speed", "motor_current", "bearing_temp", "vibration", "cap_torque"),
    "labeller": ("speed", "motor_current", "bearing_temp", "vibration", "glue_temp"),
    "conveyor": ("speed", "motor_current", "bearing_temp", "vibration"),
}

SYNTAX = "MACHINE:KIND[:TARGET][@START][/DURATION][,repair=TIME], e.g. filler:bearing_wear@30s/10m"


class FaultKind(enum.StrEnum):
    BEARING_WEAR = "bearing_wear"
    OVERHEAT = "overheat"
    JAM = "jam"
    SENSOR_DROPOUT = "sensor_dropout"
    MOTOR_TRIP = "motor_trip"
    # Not faults but the scheduled stops of a shift plan (resources/sim_shift.toml):
    CHANGEOVER = "changeover"  # the machine is in its Changeover state for DURATION
    PLANNED_STOP = "planned_stop"  # stopped by the operator for DURATION (a break, a meeting)


# What DURATION means per kind, and its default (simulated seconds).
_DURATION_MEANING = {
    FaultKind.BEARING_WEAR: ("running time until the bearing fails", 600.0),
    FaultKind.OVERHEAT: ("time for the temperature to climb to the trip", 300.0),
    FaultKind.JAM: ("how long the jam lasts before it is cleared", 60.0),
    FaultKind.SENSOR_DROPOUT: ("how long the sensor reads Bad", 30.0),
    FaultKind.MOTOR_TRIP: ("how long the motor stays tripped before reset", 120.0),
    FaultKind.CHANGEOVER: ("how long the changeover takes", 900.0),
    FaultKind.PLANNED_STOP: ("how long the machine stays stopped", 900.0),
}
# Time from the trip/failure until maintenance has fixed it and the machine restarts.
_DEFAULT_REPAIR = {FaultKind.BEARING_WEAR: 1800.0, FaultKind.OVERHEAT: 600.0}


class FaultSpecError(ValueError):
    """A fault spec a person typed or wrote in a schedule; str() names it and what was expected."""


@dataclass(frozen=True, slots=True)
class FaultSpec:
    machine: str
    kind: FaultKind
    start_s: float = 0.0  # wall-clock seconds after the server started
    duration_s: float = 0.0  # simulated seconds; meaning depends on kind (see _DURATION_MEANING)
    target: str = ""  # overheat: "bearing" | "glue"; sensor_dropout: a signal name
    repair_s: float | None = None  # simulated seconds from failure to repaired; None = stays failed

    def __str__(self) -> str:
        s = f"{self.machine}:{self.kind.value}"
        if self.target:
            s += f":{self.target}"
        s += f"@{format_duration(self.start_s)}/{format_duration(self.duration_s)}"
        if self.kind in _DEFAULT_REPAIR:
            s += f",repair={'never' if self.repair_s is None else format_duration(self.repair_s)}"
        return s


_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
_NUM = r"(?:\d+(?:\.\d*)?|\.\d+)"
_PART_RE = re.compile(rf"({_NUM})\s*(ms|min|s|m|h)")
_TIME_RE = re.compile(rf"^(?:{_NUM}|(?:{_NUM}\s*(?:ms|min|s|m|h)\s*)+)$")


def parse_duration(text: str | float | int, what: str = "time") -> float:
    """'30s' / '10m' / '2m30s' / '1.5h' / '500ms' / 42 -> seconds (a bare number is seconds)."""
    expected = "expected a time like 30s, 10m, 2m30s, 1.5h or 500ms"
    if isinstance(text, bool):
        raise FaultSpecError(f"{what}: {expected}, got {text!r}")
    if isinstance(text, int | float):
        if not math.isfinite(text) or text < 0:
            raise FaultSpecError(f"{what}: expected a non-negative time, got {text!r}")
        return float(text)
    t = text.strip().lower()
    if not _TIME_RE.match(t):
        raise FaultSpecError(f"{what}: {expected}, got {text!r}")
    parts = _PART_RE.findall(t)
    if not parts:
        return float(t)
    return sum(float(num) * _UNITS[unit] for num, unit in parts)


def format_duration(seconds: float) -> str:
    """Inverse of parse_duration for display: 150 -> '2m30s', 3600 -> '1h'."""
    if seconds != int(seconds) or seconds < 60:
        return f"{seconds:g}s"
    sec = int(seconds)
    h, rest = divmod(sec, 3600)
    m, s = divmod(rest, 60)
    return "".join(f"{v}{u}" for v, u in ((h, "h"), (m, "m"), (s, "s")) if v) or "0s"


def make_fault(
    machine: str,
    kind: str,
    *,
    start: str | float = 0.0,
    duration: str | float | None = None,
    target: str = "",
    repair: str | float | None = "default",
    where: str = "",
) -> FaultSpec:
    """Validated FaultSpec from its parts; `where` prefixes error messages (the spec text or file/entry)."""
    pre = f"{where}: " if where else ""
    machine = machine.strip().lower()
    if machine not in MACHINES:
        raise FaultSpecError(f"{pre}unknown machine {machine!r}; expected one of {', '.join(MACHINES)}")
    try:
        k = FaultKind(kind.strip().lower())
    except ValueError:
        raise FaultSpecError(
            f"{pre}unknown fault kind {kind!r}; expected one of {', '.join(k.value for k in FaultKind)}"
        ) from None
    start_s = parse_duration(start, f"{pre}start time")
    meaning, default = _DURATION_MEANING[k]
    duration_s = default if duration is None else parse_duration(duration, f"{pre}duration ({meaning})")
    if duration_s <= 0:
        raise FaultSpecError(f"{pre}duration ({meaning}) must be greater than zero")
    target = target.strip().lower()
    if k is FaultKind.OVERHEAT:
        allowed: tuple[str, ...] = ("bearing", "glue") if machine == "labeller" else ("bearing",)
        target = target or "bearing"
        if target not in allowed:
            raise FaultSpecError(
                f"{pre}{machine} cannot overheat {target!r}; expected one of {', '.join(allowed)}"
            )
    elif k is FaultKind.SENSOR_DROPOUT:
        allowed = SENSOR_SIGNALS[machine]
        if not target:
            raise FaultSpecError(
                f"{pre}sensor_dropout needs the signal as TARGET, e.g. "
                f"{machine}:sensor_dropout:{allowed[-1]}@1m/30s; {machine} has {', '.join(allowed)}"
            )
        if target not in allowed:
            raise FaultSpecError(
                f"{pre}{machine} has no sensor {target!r}; expected one of {', '.join(allowed)}"
            )
    elif target:
        raise FaultSpecError(f"{pre}{k.value} takes no TARGET (got {target!r})")
    repair_s: float | None
    if k in _DEFAULT_REPAIR:
        if repair == "default" or repair is None:
            repair_s = _DEFAULT_REPAIR[k] if repair == "default" else None
        elif isinstance(repair, str) and repair.strip().lower() in ("never", "none", "off"):
            repair_s = None
        else:
            repair_s = parse_duration(repair, f"{pre}repair time")
    else:
        if repair not in ("default", None):
            raise FaultSpecError(
                f"{pre}{k.value} clears by itself after DURATION; 'repair' applies only to "
                "bearing_wear and overheat"
            )
        repair_s = None
    return FaultSpec(machine, k, start_s, duration_s, target, repair_s)


_SPEC_RE = re.compile(
    r"""^\s*(?P<machine>[A-Za-z_]+)\s*:\s*(?P<kind>[A-Za-z_]+)
        (?:\s*:\s*(?P<target>[A-Za-z_]+))?
        (?:\s*@\s*(?P<start>[^/,]+))?
        (?:\s*/\s*(?P<duration>[^,]+))?
        (?P<options>(?:\s*,[^,]*)*)\s*$""",
    re.VERBOSE,
)


def parse_fault_spec(text: str) -> FaultSpec:
    """Parse one CLI fault spec; raises FaultSpecError naming the spec and the expected syntax."""
    where = f"bad fault spec {text!r}"
    m = _SPEC_RE.match(text or "")
    if not m:
        raise FaultSpecError(f"{where}: expected {SYNTAX}")
    repair: str | None = "default"
    for opt in filter(None, (o.strip() for o in m.group("options").split(","))):
        key, eq, value = opt.partition("=")
        if key.strip().lower() != "repair" or not eq:
            raise FaultSpecError(
                f"{where}: unknown option {opt!r}; the only option is repair=TIME (or repair=never)"
            )
        repair = value.strip()
    return make_fault(
        m.group("machine"),
        m.group("kind"),
        start=(m.group("start") or "0s").strip(),
        duration=m.group("duration").strip() if m.group("duration") else None,
        target=m.group("target") or "",
        repair=repair,
        where=where,
    )


DEMO_SCHEDULE = Path(__file__).resolve().parents[2] / "resources" / "demo_sim.toml"

_FAULT_KEYS = {"spec", "machine", "kind", "target", "at", "duration", "repair"}


def parse_schedule(text: str, path: Path | str = "<schedule>") -> list[FaultSpec]:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FaultSpecError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(raw) - {"faults"}
    if unknown:
        raise FaultSpecError(
            f"{path}: unknown table(s) {', '.join(sorted(unknown))}; expected only [[faults]]"
        )
    entries = raw.get("faults", [])
    if not isinstance(entries, list):
        raise FaultSpecError(f"{path}: 'faults' must be an array of tables ([[faults]])")
    out: list[FaultSpec] = []
    for n, e in enumerate(entries, 1):
        where = f"{path}: [[faults]] entry {n}"
        if not isinstance(e, dict):
            raise FaultSpecError(f"{where}: expected a table")
        bad = set(e) - _FAULT_KEYS
        if bad:
            raise FaultSpecError(
                f'{where}: unknown key(s) {", ".join(sorted(bad))}; expected spec = "{SYNTAX.split(",")[0]}" '
                "or machine/kind/target/at/duration/repair"
            )
        if "spec" in e:
            if set(e) != {"spec"}:
                raise FaultSpecError(f"{where}: give either 'spec' or machine/kind/... keys, not both")
            try:
                out.append(parse_fault_spec(str(e["spec"])))
            except FaultSpecError as exc:
                raise FaultSpecError(f"{where}: {exc}") from None
            continue
        for key in ("machine", "kind"):
            if not isinstance(e.get(key), str):
                raise FaultSpecError(f"{where}: '{key}' is required and must be a string")
        out.append(
            make_fault(
                e["machine"],
                e["kind"],
                start=e.get("at", 0.0),
                duration=e.get("duration"),
                target=str(e.get("target", "")),
                repair=e.get("repair", "default"),
                where=where,
            )
        )
    return out


def load_schedule(path: Path | str | None = None) -> list[FaultSpec]:
    """Faults from a schedule TOML (default: resources/demo_sim.toml, the demo's schedule)."""
    path = Path(path) if path is not None else DEMO_SCHEDULE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FaultSpecError(f"{path}: cannot read the fault schedule: {exc.strerror or exc}") from None
    return parse_schedule(text, path)
