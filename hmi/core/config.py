"""Line configuration: one TOML file describes a line, its server and its tags.

A bad file is refused at start with a message naming the file, the line and
the field, because the person reading it is a plant engineer with the file
open in an editor, not a Python developer.
"""

from __future__ import annotations

import itertools
import math
import re
import sys
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from hmi.core.config_types import STRICT, Number, Range
from hmi.core.link_state import LINK_STATES
from hmi.core.production.schema import ProductionConfig, ShiftsConfig, check_production

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "resources" / "demo_line.toml"


class ConfigError(Exception):
    """A configuration problem a person can fix; str() is the message to show."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = Path(path)
        self.problems = problems
        super().__init__(f"{self.path}: " + ("\n  ".join(problems) if len(problems) > 1 else problems[0]))


class _Strict(BaseModel):
    model_config = STRICT


def _bounded(v: float, low: float, high: float, unit: str, *, low_open: bool = True) -> float:
    """Intervals and delays: positive (or >= low) and bounded, so a typo cannot spin or hang a loop."""
    if (v <= low if low_open else v < low) or v > high:
        op = ">" if low_open else ">="
        raise ValueError(f"must be {op} {low:g} and <= {high:g} {unit}, got {v:g}")
    return v


class SecurityConfig(_Strict):
    """How the station proves itself to the server and checks the server (docs/opcua.md)."""

    policy: Literal["None", "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"] = "None"
    mode: Literal["None", "Sign", "SignAndEncrypt"] = "None"
    # Empty: the station's own certificate in the PKI folder, created on first start.
    certificate: str = ""
    private_key: str = ""
    # Empty: the PKI trust list decides (an unknown server is refused until someone trusts it).
    # A path: only exactly this server certificate is accepted (pinning).
    server_certificate: str = ""
    # Empty: "pki" inside the journal directory.
    pki_dir: str = ""
    # Empty: urn:<host>:linehmi:<line id>; it goes into the own certificate.
    application_uri: str = ""
    username: str = ""
    # The password is never stored in the file: name an environment variable that holds it.
    password_env: str = ""
    # A password over an unencrypted channel can be read by anyone on the network. Refused
    # unless this is set (then warned on screen and journaled at every connect).
    allow_insecure_password: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> SecurityConfig:
        if (self.policy == "None") != (self.mode == "None"):
            raise ValueError("policy and mode must both be 'None' or both be set")
        if bool(self.certificate) != bool(self.private_key):
            raise ValueError(
                "give both 'certificate' and 'private_key' or neither (then the station's own "
                "certificate from the PKI folder is used)"
            )
        if self.username and self.policy == "None" and not self.allow_insecure_password:
            raise ValueError(
                f"username {self.username!r} with policy 'None' would send the password unencrypted; "
                "use policy 'Basic256Sha256' with mode 'SignAndEncrypt', or set "
                "allow_insecure_password = true on an isolated network"
            )
        if self.password_env and not self.username:
            raise ValueError("password_env is set but username is empty")
        return self


class ServerConfig(_Strict):
    endpoint: str
    security: SecurityConfig = SecurityConfig()
    publishing_interval_ms: Number = 100.0
    timeout_s: Number = 4.0
    # Retry interval cap while the server is away. 1 s puts the HMI back within ~1 s of the
    # server (a 10 s cap measured a 25 s gap for a 10 s outage); one GetEndpoints a second
    # is nothing for a PLC.
    reconnect_max_delay_s: Number = 1.0
    # A derived enum tag that receives the link's state (hmi.core.link_state): journaled,
    # trended and alarmed like any tag; while it is not Connected, the quality alarms of
    # the server's tags are suppressed by design (the link is the one cause). "" = none.
    link_tag: str = ""

    @field_validator("publishing_interval_ms")
    @classmethod
    def _publishing(cls, v: float) -> float:
        return _bounded(v, 0.0, 3_600_000.0, "ms")

    @field_validator("timeout_s")
    @classmethod
    def _timeout(cls, v: float) -> float:
        return _bounded(v, 0.0, 600.0, "s")

    @field_validator("reconnect_max_delay_s")
    @classmethod
    def _reconnect(cls, v: float) -> float:
        return _bounded(v, 0.0, 3600.0, "s")

    @field_validator("endpoint")
    @classmethod
    def _opc_tcp(cls, v: str) -> str:
        if not v.startswith("opc.tcp://"):
            raise ValueError("must start with 'opc.tcp://' (e.g. opc.tcp://127.0.0.1:4840/line/)")
        return v


class JournalConfig(_Strict):
    directory: str = "data"
    # One file per line per local calendar day: a shift's file can be copied and reviewed on any PC.
    rotation: Literal["daily", "none"] = "daily"
    # Samples are committed at most this often; it bounds what a power cut can lose.
    commit_interval_ms: Number = 500.0
    # The writer checkpoints the WAL into the .db (PASSIVE: never waits for readers, never blocks
    # them) at least this often after a commit, so a plain copy of the .db alone lags the journal
    # by at most about this plus commit_interval_ms (docs/journal.md, "Copying a file").
    checkpoint_interval_s: Number = 5.0
    # Health (hmi.core.journal_health): an item waiting longer than this is a stall, warned about
    # on screen, in the status line and in the journal; free space below these is low / critical.
    # SQLite's page cache of the writer connection: the largest cache LineHMI holds. RSS grows with
    # the day's file until the cache is full, then levels off (see docs/journal.md, "Memory").
    page_cache_mb: Number = 32.0
    # What may wait in memory while the disk stalls or fails (docs/journal.md, "Memory"): past these
    # the newest sample batches are dropped (and a data_gap journaled), events counted as lost.
    max_queued_samples: int = 1_000_000  # about 48 MB
    max_queued_events: int = 50_000  # about 25 MB
    # Text tags (data_type = "text") and 64-bit integers beyond 2^53 are journaled as text up to this
    # many UTF-8 bytes; a longer value is cut at a character boundary and marked with its full length.
    max_text_bytes: int = 1024
    stall_warn_s: Number = 3.0
    disk_warn_free_mb: Number = 2048.0
    disk_critical_free_mb: Number = 512.0

    @field_validator("commit_interval_ms")
    @classmethod
    def _positive(cls, v: float) -> float:
        if not 10 <= v <= 10_000:
            raise ValueError("must be between 10 and 10000 ms")
        return v

    @field_validator("max_text_bytes")
    @classmethod
    def _text_bytes(cls, v: int) -> int:
        if not 16 <= v <= 1_048_576:
            raise ValueError("must be between 16 and 1048576 bytes")
        return v

    @field_validator("checkpoint_interval_s")
    @classmethod
    def _checkpoint(cls, v: float) -> float:
        return _bounded(v, 0.5, 3600.0, "s", low_open=False)

    @field_validator("page_cache_mb")
    @classmethod
    def _cache(cls, v: float) -> float:
        return _bounded(v, 1.0, 4096.0, "MB", low_open=False)

    @field_validator("max_queued_samples", "max_queued_events")
    @classmethod
    def _queue(cls, v: int) -> int:
        if not 1_000 <= v <= 100_000_000:
            raise ValueError(f"must be between 1000 and 100000000, got {v}")
        return v

    @field_validator("stall_warn_s")
    @classmethod
    def _stall(cls, v: float) -> float:
        return _bounded(v, 0.0, 600.0, "s")

    @field_validator("disk_warn_free_mb", "disk_critical_free_mb")
    @classmethod
    def _free(cls, v: float) -> float:
        return _bounded(v, 0.0, 1e9, "MB", low_open=False)

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> JournalConfig:
        if self.disk_critical_free_mb > self.disk_warn_free_mb:
            raise ValueError(
                f"disk_critical_free_mb {self.disk_critical_free_mb:g} must not be above"
                f" disk_warn_free_mb {self.disk_warn_free_mb:g}"
            )
        return self

    @property
    def stall_after_s(self) -> float:
        """The stall threshold in use: never below two commit intervals (a normal wait is no stall)."""
        return max(self.stall_warn_s, 2.0 * self.commit_interval_ms / 1000.0)


class RetentionConfig(_Strict):
    """How long each kind is kept (hmi.core.retention): raw samples shortest, events and audit longest."""

    raw_days: Number = 30.0
    rollup_days: Number = 400.0
    events_days: Number = 0.0  # 0: forever
    qc_days: Number = 90.0
    qc_max_gb: Number = 5.0
    compact_raw: bool = (
        True  # closed files keep raw samples as chunks (~10 B/sample, hmi.core.sample_compact)
    )

    @field_validator("raw_days", "rollup_days")
    @classmethod
    def _days(cls, v: float) -> float:
        return _bounded(v, 2.0, 36_500.0, "days", low_open=False)  # today's and yesterday's file stay whole

    @field_validator("events_days", "qc_days")
    @classmethod
    def _days_or_forever(cls, v: float) -> float:
        if v != 0:
            _bounded(v, 2.0, 36_500.0, "days (or 0: forever)", low_open=False)
        return v

    @field_validator("qc_max_gb")
    @classmethod
    def _gb(cls, v: float) -> float:
        return _bounded(v, 0.0, 1e6, "GB")

    @model_validator(mode="after")
    def _longest_for_events(self) -> RetentionConfig:
        if self.rollup_days < self.raw_days:
            raise ValueError(f"rollup_days {self.rollup_days:g} must not be below raw_days {self.raw_days:g}")
        if self.events_days and self.events_days < self.rollup_days:
            raise ValueError(
                f"events_days {self.events_days:g} must be 0 (forever) or at least rollup_days"
                f" {self.rollup_days:g}: events and audit are kept longest"
            )
        return self


class MemoryConfig(_Strict):
    """How the C library's malloc is bounded for a months-long run (``[memory]``, hmi.core.malloc_bounds).

    glibc's defaults give each allocating thread its own arena (up to 8 per core) and raise the
    mmap threshold as large blocks are freed: freed memory then stays in fragmented arenas and RSS
    creeps up. Fewer arenas and a fixed threshold keep it level (docs/journal.md, "Memory").
    """

    malloc_arenas: int = 2
    malloc_mmap_threshold_kb: int = 128
    # Free pages inside the arenas go back to the system this often (malloc_trim); 0: never.
    malloc_trim_interval_s: Number = 60.0

    @field_validator("malloc_arenas")
    @classmethod
    def _arenas(cls, v: int) -> int:
        if not 1 <= v <= 64:
            raise ValueError("must be between 1 and 64 arenas")
        return v

    @field_validator("malloc_trim_interval_s")
    @classmethod
    def _trim(cls, v: float) -> float:
        if v != 0 and not 1 <= v <= 3600:
            raise ValueError("must be 0 (never) or between 1 and 3600 s")
        return v

    @field_validator("malloc_mmap_threshold_kb")
    @classmethod
    def _threshold(cls, v: int) -> int:
        if not 16 <= v <= 32768:  # glibc caps the threshold at 32 MB on 64-bit systems
            raise ValueError("must be between 16 and 32768 kB")
        return v


class DisplayConfig(_Strict):
    """How this station's window presents itself (a line-side touch PC or a control-room desk)."""

    # "auto": the touch profile on screens no taller than 800 px or when a touch screen is attached.
    touch: Literal["auto", "on", "off"] = "auto"
    theme: Literal["day", "night"] = "day"
    fullscreen: bool = False
    # Kiosk: full screen and only a supervisor (or higher) may close the window.
    kiosk: bool = False
    # A new unacknowledged alarm of one of these priorities (1 urgent .. 4 low) brings the alarm
    # list to the front, unless the user is in a dialog.
    raise_alarm_list: list[int] = [1, 2]
    # A new machine-trip alarm brings it forward whatever its priority: a trip stops the line, and
    # a rationalised trip alarm is medium (the machine has already stopped) yet is exactly what the
    # supervisor must see at once.
    raise_alarm_list_on_trip: bool = True

    def raises_alarm_list(self, priority: int, trip: bool) -> bool:
        """Whether a new alarm of this priority (trip: a machine-trip alarm) brings the list forward."""
        return priority in self.raise_alarm_list or (trip and self.raise_alarm_list_on_trip)

    @field_validator("raise_alarm_list")
    @classmethod
    def _priorities(cls, v: list[int]) -> list[int]:
        bad = [p for p in v if p not in (1, 2, 3, 4)]
        if bad:
            raise ValueError(f"priorities are 1 (urgent) to 4 (low), got {bad}")
        return v


class AlarmLimits(_Strict):
    hihi: Number | None = None
    hi: Number | None = None
    lo: Number | None = None
    lolo: Number | None = None
    # What the operator should do when one of these limits is crossed (appended to the message).
    action: str = ""
    # HiHi/LoLo is a more urgent situation than Hi/Lo (e.g. vibration zone D: stop now, not plan a
    # repair): its own action. Empty: `action`.
    hihi_action: str = ""
    lolo_action: str = ""

    def action_for(self, level: str) -> str:
        """The action for an alarm at `level` (hihi, hi, lo, lolo)."""
        own = {"hihi": self.hihi_action, "lolo": self.lolo_action}.get(level, "")
        return (own or self.action).strip()

    @model_validator(mode="after")
    def _ordered(self) -> AlarmLimits:
        present = [
            (n, getattr(self, n)) for n in ("lolo", "lo", "hi", "hihi") if getattr(self, n) is not None
        ]
        for (n1, v1), (n2, v2) in itertools.pairwise(present):
            if v1 >= v2:
                raise ValueError(f"limits out of order: {n1}={v1} must be below {n2}={v2}")
        return self


class TagConfig(_Strict):
    name: str
    # "opcua": read from the server at node_id. "derived": computed inside LineHMI
    # (fault risk, predicted RUL, QC defect rate): journaled and trended like any
    # tag, never subscribed on the server.
    source: Literal["opcua", "derived"] = "opcua"
    node_id: str = ""
    display_name: str = ""
    description: str = ""
    unit: str = ""
    machine: str = ""
    # "text": a String, LocalizedText, ByteString (read as UTF-8 text) or an array of them
    # (journaled as JSON). Text is journaled in its own table and shown, never trended or alarmed.
    data_type: Literal["float", "int", "bool", "enum", "text"] = "float"
    # For enums: value -> label, e.g. {"0" = "Stopped", "2" = "Running"}
    states: dict[str, str] = {}
    range: Range | None = None
    normal: Range | None = None
    alarms: AlarmLimits = AlarmLimits()
    deadband: Number = 0.0
    sampling_ms: Number = 100.0
    writable: bool = False
    # For an array node: the element this tag trends (0-based). Several tags may take
    # different elements of the same node.
    element: int | None = Field(default=None, ge=0)
    # After a write, read the value back and say so when the PLC holds something else
    # (it may clamp or override it). Off for nodes whose read differs by design.
    verify_write: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.\-]*", v):
            raise ValueError("must start with a letter and use only letters, digits, '_', '.', '-'")
        return v

    @field_validator("node_id")
    @classmethod
    def _node_id(cls, v: str) -> str:
        if v and not re.fullmatch(r"(ns=\d+|nsu=[^;]+);[isgb]=.+|i=\d+", v):
            raise ValueError("must look like 'ns=2;s=Filler.Speed' or 'nsu=urn:plant:line;s=Filler.Speed'")
        return v

    @field_validator("range", "normal")
    @classmethod
    def _range(cls, v: Range | None) -> Range | None:
        if v is not None and not (math.isfinite(v[0]) and math.isfinite(v[1]) and v[0] < v[1]):
            raise ValueError(f"must be [low, high] with low < high, got {list(v)}")
        return v

    @field_validator("deadband")
    @classmethod
    def _non_negative(cls, v: float) -> float:
        if v < 0:
            raise ValueError("must not be negative")
        return v

    @field_validator("sampling_ms")
    @classmethod
    def _sampling(cls, v: float) -> float:
        # 0 asks the server for its fastest rate (OPC UA); an hour is the slowest that makes sense.
        return _bounded(v, 0.0, 3_600_000.0, "ms", low_open=False)

    @model_validator(mode="after")
    def _node_id_for_server_tags(self) -> TagConfig:
        if self.source == "opcua" and not self.node_id:
            raise ValueError('node_id is required for a tag read from the server (or set source = "derived")')
        if self.source == "derived" and self.writable:
            raise ValueError("a derived tag cannot be writable")
        return self

    @model_validator(mode="after")
    def _bands_inside_range(self) -> TagConfig:
        if self.range and self.normal:
            lo, hi = self.range
            if self.normal[0] < lo or self.normal[1] > hi:
                raise ValueError(f"normal band {list(self.normal)} lies outside range {list(self.range)}")
        if self.range and self.deadband >= self.range[1] - self.range[0]:
            raise ValueError(
                f"deadband {self.deadband:g} is not below the span of range {list(self.range)}:"
                " an alarm would never clear"
            )
        if self.data_type == "enum" and not self.states:
            raise ValueError("an enum tag needs a 'states' table")
        return self

    @model_validator(mode="after")
    def _text_is_shown_not_trended(self) -> TagConfig:
        if self.data_type != "text":
            return self
        numeric = [
            n
            for n, set_ in (
                ("range", self.range is not None),
                ("normal", self.normal is not None),
                ("alarms", any(getattr(self.alarms, k) is not None for k in ("hihi", "hi", "lo", "lolo"))),
                ("deadband", self.deadband > 0),
                ("states", bool(self.states)),
                ("writable", self.writable),
            )
            if set_
        ]
        if numeric:
            raise ValueError(
                f"a text tag cannot have {', '.join(numeric)}: text is journaled and shown, not trended,"
                " alarmed or written (use a numeric tag for that)"
            )
        if self.source == "derived":
            raise ValueError('a derived tag is a number: data_type = "text" is for server tags')
        return self

    @property
    def label(self) -> str:
        return self.display_name or self.name

    def state_label(self, value: float) -> str:
        if value != value:  # NaN
            return "?"
        return self.states.get(str(int(value)), f"state {int(value)}")


class MachineConfig(_Strict):
    id: str
    name: str
    state_tag: str = ""
    speed_tag: str = ""
    setpoint_tag: str = ""
    fault_tag: str = ""  # enum tag whose label explains a Faulted state
    # Shown on the faceplate against their normal bands, in this order.
    key_tags: list[str] = []


class CameraConfig(_Strict):
    """The inspection camera for visual QC: an OPC UA ByteString node holding PNG/JPEG frames."""

    node_id: str
    endpoint: str = ""  # empty: the line's server (vision systems often have their own)
    rate_tag: str = "qc.defect_rate"  # derived tag that receives the rolling defect rate

    @field_validator("endpoint")
    @classmethod
    def _opc_tcp(cls, v: str) -> str:
        if v and not v.startswith("opc.tcp://"):
            raise ValueError("must start with 'opc.tcp://' (or be empty for the line's server)")
        return v


class AssistantConfig(_Strict):
    """The assistant's local language model (docs/assistant.md). A GPU workstation points `model_dir` at
    a bigger prepared model and sets `provider = "cuda"`; no code changes."""

    model_dir: str = ""  # prepared model directory; "" = ~/.cache/linehmi/assistant or $LINEHMI_ASSISTANT_DIR
    # The model may only choose a tool for a question the router does not understand, and measured it
    # added no right answer (docs/assistant.md): off unless a station turns it on.
    use_model: bool = False
    provider: Literal["auto", "cpu", "cuda"] = "auto"  # LINEHMI_DEVICE overrides, as for every model


class PlantConfig(_Strict):
    """The PostgreSQL plant historian (opt-in; docs/plant.md). The station's SQLite journal stays the
    buffer: a forwarder copies it to `database` in order, idempotently, and deletes nothing."""

    database: str  # postgresql://user@host:5432/dbname?sslmode=verify-full&sslrootcert=... (no password)
    password_env: str = ""  # environment variable holding the password
    password_file: str = ""  # or a file with the password, readable by its owner only (0600)
    station_id: str = ""  # "" = this computer's host name; unique per station of the plant
    forward_interval_ms: Number = 1000.0
    batch_rows: int = 20_000

    @field_validator("database")
    @classmethod
    def _url(cls, v: str) -> str:
        if not v.startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql:// URL (e.g. postgresql://linehmi@historian:5432/plant)")
        netloc = v.split("://", 1)[1].split("/", 1)[0]
        if "@" in netloc and ":" in netloc.split("@", 1)[0]:
            raise ValueError("must not contain a password: use password_env or password_file")
        return v

    @field_validator("forward_interval_ms")
    @classmethod
    def _interval(cls, v: float) -> float:
        if not (math.isfinite(v) and 50 <= v <= 60_000):
            raise ValueError("must be between 50 and 60000 ms")
        return v

    @field_validator("batch_rows")
    @classmethod
    def _batch(cls, v: int) -> int:
        if not 100 <= v <= 1_000_000:
            raise ValueError("must be between 100 and 1000000 rows")
        return v

    @model_validator(mode="after")
    def _one_secret(self) -> PlantConfig:
        if self.password_env and self.password_file:
            raise ValueError("set password_env or password_file, not both")
        return self


class AlarmSettings(_Strict):
    """Line-wide alarm settings (``[alarm_settings]``)."""

    # When a machine trips, its first alarm within this many seconds before the trip is its
    # first-out (the cause the trip alarm names). A bearing announces itself a minute or more
    # before it fails; a jam trips at once.
    first_out_lookback_s: Number = 60.0
    # Suppression by design follows its condition through two timers, so a condition that
    # flickers on a noisy value (vibration around 4.5 mm/s) does not chatter the suppression
    # (qa7 G9: 8 suppress/unsuppress pairs in 6 s): it suppresses once the condition has held
    # `suppress_delay_s`, and releases once it has been false `suppress_release_s` without a
    # break. An [[alarms]] entry may set its own (`suppress_delay_s`, `suppress_release_s`).
    suppress_delay_s: Number = 0.0
    suppress_release_s: Number = 5.0

    @field_validator("first_out_lookback_s", "suppress_delay_s", "suppress_release_s")
    @classmethod
    def _lookback(cls, v: float) -> float:
        if not 0 <= v <= 3600:
            raise ValueError("must be between 0 and 3600 s")
        return v


def check_link_tag(name: str, tags: dict[str, TagConfig]) -> None:
    """server.link_tag names a derived enum tag whose states name the link codes."""
    tag = tags.get(name)
    where = f"server.link_tag {name!r}"
    if tag is None:
        raise ValueError(f"{where} is not a configured tag")
    if tag.source != "derived" or tag.data_type != "enum":
        raise ValueError(f'{where} must be a tag with source = "derived" and data_type = "enum"')
    missing = {k: v for k, v in LINK_STATES.items() if tag.states.get(k) != v}
    if missing:
        want = ", ".join(f'"{k}" = "{v}"' for k, v in LINK_STATES.items())
        raise ValueError(f"{where} needs states = {{ {want} }}")


class LineInfo(_Strict):
    id: str
    name: str

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_\-]*", v):
            raise ValueError("must be lower-case letters, digits, '_' or '-' (it names the journal files)")
        return v


class LineConfig(_Strict):
    line: LineInfo
    server: ServerConfig
    journal: JournalConfig = JournalConfig()
    retention: RetentionConfig = RetentionConfig()
    camera: CameraConfig | None = None
    display: DisplayConfig = DisplayConfig()
    memory: MemoryConfig = MemoryConfig()
    assistant: AssistantConfig = AssistantConfig()
    plant: PlantConfig | None = None
    alarm_settings: AlarmSettings = AlarmSettings()
    machines: list[MachineConfig] = []
    tags: list[TagConfig]
    # Alarm definitions are validated one by one by the alarm engine (hmi.core.alarms),
    # so one bad alarm is refused with its name while the others keep working.
    alarms: list[dict[str, Any]] = []
    # The one shift calendar of the app and the production model (hmi.core.production).
    shifts: ShiftsConfig = ShiftsConfig()
    production: ProductionConfig | None = None

    @model_validator(mode="after")
    def _cross_refs(self) -> LineConfig:
        names = [t.name for t in self.tags]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate tag names: {', '.join(dupes)}")
        known = set(names)
        machine_ids = {m.id for m in self.machines}
        for m in self.machines:
            for field in ("state_tag", "speed_tag", "setpoint_tag", "fault_tag"):
                ref = getattr(m, field)
                if ref and ref not in known:
                    raise ValueError(f"machine {m.id!r}: {field} {ref!r} is not a configured tag")
            for ref in m.key_tags:
                if ref not in known:
                    raise ValueError(f"machine {m.id!r}: key_tags entry {ref!r} is not a configured tag")
        if self.server.link_tag:
            check_link_tag(self.server.link_tag, {t.name: t for t in self.tags})
        if self.camera and self.camera.rate_tag and self.camera.rate_tag not in known:
            raise ValueError(f"camera.rate_tag {self.camera.rate_tag!r} is not a configured tag")
        for t in self.tags:
            if t.machine and t.machine not in machine_ids:
                raise ValueError(f"tag {t.name!r}: machine {t.machine!r} is not a configured machine")
        if self.production is not None:
            check_production(self.production, self.machines, self.tags)
        return self

    # --- lookups -------------------------------------------------------------------------
    def tag_index(self) -> dict[str, int]:
        return {t.name: i for i, t in enumerate(self.tags)}

    def tag(self, name: str) -> TagConfig:
        for t in self.tags:
            if t.name == name:
                return t
        raise KeyError(name)

    def machine_tags(self, machine_id: str) -> list[TagConfig]:
        return [t for t in self.tags if t.machine == machine_id]


# --- loading with positions ------------------------------------------------------------------


def _locate(text: str, loc: tuple[int | str, ...]) -> int | None:
    """Best-effort 1-based line number for a pydantic error location in TOML text.

    tomllib keeps no positions, so walk the text: find the n-th ``[[tags]]``
    header (or ``[server]`` table...) and then the key within that block.
    """
    lines = text.splitlines()
    start, end = 0, len(lines)
    table_path: list[str] = []
    key: str | None = None
    i = 0
    parts = list(loc)
    while i < len(parts):
        part = parts[i]
        if isinstance(part, str) and i + 1 < len(parts) and isinstance(parts[i + 1], int):
            # array of tables: [[a.b]] n-th occurrence
            header = re.compile(r"^\s*\[\[\s*" + re.escape(".".join([*table_path, part])) + r"\s*\]\]")
            hits = [n for n in range(start, end) if header.match(lines[n])]
            nth = parts[i + 1]
            assert isinstance(nth, int)
            if not hits:  # an inline array value such as normal = [1, 2]: the key is the answer
                key = part
                break
            if nth >= len(hits):
                return None
            table_path.append(part)
            start = hits[nth]
            nxt = [n for n in range(start + 1, end) if re.match(r"^\s*\[", lines[n])]
            end = nxt[0] if nxt else end
            i += 2
            continue
        if isinstance(part, str):
            header = re.compile(r"^\s*\[\s*" + re.escape(".".join([*table_path, part])) + r"\s*\]")
            hits = [n for n in range(start, len(lines)) if header.match(lines[n])]
            if hits:
                table_path.append(part)
                start = hits[0]
                nxt = [n for n in range(start + 1, len(lines)) if re.match(r"^\s*\[", lines[n])]
                end = nxt[0] if nxt else len(lines)
                i += 1
                continue
            key = part
            break
        i += 1
    if key is None:
        return start + 1 if table_path else None
    pat = re.compile(r"^\s*" + re.escape(key) + r"\s*[=.]")
    for n in range(start, end):
        if pat.match(lines[n]):
            return n + 1
    return start + 1 if table_path else None


def _describe(loc: tuple[int | str, ...]) -> str:
    out = ""
    for p in loc:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


# Deeper than any sensible config; keeps recursion in the TOML parser and the validators far from
# Python's limit so a pathological file gets a message, not a RecursionError.
MAX_NESTING = 32


def _depth(obj: object) -> int:
    """Deepest nesting of lists/dicts in parsed TOML, without recursion (dotted keys nest too)."""
    deepest, stack = 0, [(obj, 0)]
    while stack:
        o, d = stack.pop()
        if isinstance(o, dict | list):
            deepest = max(deepest, d + 1)
            if deepest > MAX_NESTING:
                break
            stack.extend((v, d + 1) for v in (o.values() if isinstance(o, dict) else o))
    return deepest


def parse_config(text: str, path: Path | str = "<config>") -> LineConfig:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from None
    except RecursionError:
        raise ConfigError(path, [f"nested more than {MAX_NESTING} levels deep (arrays or tables)"]) from None
    if _depth(raw) > MAX_NESTING:
        raise ConfigError(path, [f"nested more than {MAX_NESTING} levels deep (arrays or tables)"])
    try:
        return LineConfig.model_validate(raw)
    except RecursionError:
        raise ConfigError(path, ["nested too deeply to check (arrays or tables)"]) from None
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            # Pydantic adds the union member or validator name to some locations; keep real keys only.
            loc = tuple(p for p in loc if not (isinstance(p, str) and p in ("float", "int", "bool", "str")))
            line = _locate(text, loc)
            where = f"line {line}, " if line else ""
            field = _describe(loc) or "(file)"
            msg = err["msg"].removeprefix("Value error, ")
            got = err.get("input")
            if err["type"] in (
                "float_type",
                "int_type",
                "string_type",
                "bool_type",
                "list_type",
                "tuple_type",
            ):
                msg += f" (got {type(got).__name__} {got!r})"
            problems.append(f"{where}field '{field}': {msg}")
        raise ConfigError(path, problems) from None


def load_config(path: Path | str) -> LineConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, ["file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [f"cannot read: {exc}"]) from None
    return parse_config(text, path)


def load_config_or_exit(path: Path | str) -> LineConfig:
    """For command-line tools: the config, or its problems on stderr and exit status 2."""
    try:
        return load_config(path)
    except ConfigError as exc:
        print(f"linehmi: bad line config {exc}", file=sys.stderr)
        raise SystemExit(2) from None
