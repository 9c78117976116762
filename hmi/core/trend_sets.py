"""Named pen sets per user, kept in a JSON settings file; what a trend needs to know of a tag (no Qt).

Trend sets live in a settings file, not in the journal: journal files are one
per day and are copied around for review, while "my filler vibration set"
must still be there tomorrow. The file is small, human-readable and written
atomically (temp file + rename), so a crash never leaves half a file::

    {"version": 1,
     "users": {"j.smith": {"Filler shift": {"pens": [{"tag": "filler.speed", "axis": null,
                                                      "visible": true, "colour": null}],
                                           "mode": "overlay", "span_s": 28800.0}}}}

A file that cannot be read (corrupt, newer version) is never overwritten: it is
set aside as `<name>.bad-<time>` and the error is raised once with its path.
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hmi.core.atomic_file import write_json_atomic
from hmi.core.tag_info import TagInfo
from hmi.core.user_settings import settings_dir

FORMAT_VERSION = 1


class TrendSetError(Exception):
    """A settings-file problem a person can act on; str() names the file."""


@dataclass(frozen=True, slots=True)
class PenSpec:
    tag: str
    axis: str | None = None  # axis group key; None = automatic
    visible: bool = True
    colour: str | None = None  # "#RRGGBB"; None = from the palette


@dataclass(frozen=True, slots=True)
class TrendSet:
    name: str
    pens: tuple[PenSpec, ...]
    mode: str = "overlay"  # "overlay" (several Y axes) or "stacked" (one sub-plot per axis)
    span_s: float = 3600.0
    saved_at: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        return {
            "pens": [asdict(p) for p in self.pens],
            "mode": self.mode,
            "span_s": self.span_s,
            "saved_at": self.saved_at,
        }

    @classmethod
    def from_json(cls, name: str, d: dict[str, Any]) -> TrendSet:
        pens = []
        for p in d.get("pens", []):
            if isinstance(p, str):
                pens.append(PenSpec(p))
            elif isinstance(p, dict) and isinstance(p.get("tag"), str):
                pens.append(
                    PenSpec(
                        p["tag"],
                        p.get("axis") if isinstance(p.get("axis"), str) else None,
                        bool(p.get("visible", True)),
                        p.get("colour") if isinstance(p.get("colour"), str) else None,
                    )
                )
        mode = d.get("mode", "overlay")
        span = d.get("span_s", 3600.0)
        return cls(
            name,
            tuple(pens),
            mode if mode in ("overlay", "stacked") else "overlay",
            float(span) if isinstance(span, int | float) and math.isfinite(span) and span > 0 else 3600.0,
            float(d.get("saved_at", 0.0) or 0.0),
        )


def default_settings_path() -> Path:
    return settings_dir() / "trend_sets.json"


class TrendSetStore:
    """Save, load, list and delete named trend sets per user (thread-safe, atomic writes)."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_settings_path()
        self._lock = threading.Lock()

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"version": FORMAT_VERSION, "users": {}}
        except OSError as exc:
            raise TrendSetError(f"trend sets file {self.path}: cannot read ({exc})") from None
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or not isinstance(data.get("users", {}), dict):
                raise ValueError("not a trend sets file (no 'users' table)")
            if int(data.get("version", 1)) > FORMAT_VERSION:
                raise ValueError(f"written by a newer LineHMI (format {data.get('version')})")
        except (ValueError, TypeError) as exc:
            aside = self.path.with_name(f"{self.path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}")
            try:
                self.path.rename(aside)
                where = f"; set aside as {aside.name}, starting a new file"
            except OSError:
                where = ""
            raise TrendSetError(f"trend sets file {self.path}: unreadable ({exc}){where}") from None
        data.setdefault("users", {})
        return data

    def _write(self, data: dict[str, Any]) -> None:
        write_json_atomic(self.path, data, indent=1, ensure_ascii=False, allow_nan=False)

    def names(self, user: str) -> list[str]:
        with self._lock:
            try:
                data = self._read()
            except TrendSetError:
                return []
        return sorted(data["users"].get(user, {}), key=str.lower)

    def load(self, user: str, name: str) -> TrendSet:
        with self._lock:
            data = self._read()
        try:
            return TrendSet.from_json(name, data["users"][user][name])
        except KeyError:
            raise KeyError(f"no trend set {name!r} for user {user!r} in {self.path}") from None

    def save(self, user: str, trend_set: TrendSet) -> None:
        if not trend_set.name.strip():
            raise ValueError("a trend set needs a name")
        with self._lock:
            try:
                data = self._read()
            except TrendSetError:
                data = {"version": FORMAT_VERSION, "users": {}}  # the bad file was set aside
            data["version"] = FORMAT_VERSION
            data["users"].setdefault(user, {})[trend_set.name] = trend_set.to_json()
            self._write(data)

    def delete(self, user: str, name: str) -> bool:
        with self._lock:
            data = self._read()
            sets = data["users"].get(user, {})
            if name not in sets:
                return False
            del sets[name]
            self._write(data)
            return True


# --- what a trend needs of a tag: hmi.core.tag_info.TagInfo (one home for every screen) ---------


def axis_key(info: TagInfo) -> str:
    """The Y axis a pen goes on by default: one per unit and engineering range; one per state set."""
    if info.data_type == "bool":
        return "state:bool"
    if info.data_type == "enum":
        return f"state:{info.name}"
    unit = info.unit or "-"
    if info.range is None:
        return f"{unit}|auto"
    lo, hi = info.range
    return f"{unit}|{lo:g}..{hi:g}"


def assign_axes(infos: list[TagInfo], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Axis group key per tag. Pens of one unit whose ranges are of similar size share an axis.

    Ranges within a factor of 4 of each other (0..150 degC and 0..120 degC) share one axis
    scaled to their union; 0..10 bar and 0..400 bar do not.
    """
    overrides = overrides or {}
    out: dict[str, str] = {}
    groups: dict[str, list[tuple[float, float, str]]] = {}  # unit -> [(lo, hi, key)]
    for info in infos:
        if info.name in overrides:
            out[info.name] = overrides[info.name]
            continue
        key = axis_key(info)
        if info.range is None or info.data_type in ("bool", "enum"):
            out[info.name] = key
            continue
        lo, hi = info.range
        span = hi - lo
        unit = info.unit or "-"
        for glo, ghi, gkey in groups.get(unit, []):
            gspan = ghi - glo
            if span > 0 and gspan > 0 and max(span, gspan) / min(span, gspan) <= 4.0:
                out[info.name] = gkey
                break
        else:
            groups.setdefault(unit, []).append((lo, hi, key))
            out[info.name] = key
    return out
