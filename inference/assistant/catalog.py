"""The line's vocabulary for the assistant: machines, tags and alarms, and fuzzy lookups over them.

Built from the line config (the normal case) or, for a journal copied to a
PC without the config, from the journal's own `tags` table and alarm events.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hmi.core.alarms.event_codec import AlarmSnapshot
from hmi.core.tag_info import TagInfo as DisplayInfo

# Operator words -> the words tag names and descriptions use.
TAG_SYNONYMS: dict[str, tuple[str, ...]] = {
    "temp": ("temperature",),
    "temperatures": ("temperature",),
    "hot": ("temperature",),
    "heat": ("temperature",),
    # A temperature's extremes ("the hottest the bearing got"; router.MAX_WORDS / MIN_WORDS).
    "hottest": ("temperature",),
    "warmest": ("temperature",),
    "coldest": ("temperature",),
    "coolest": ("temperature",),
    "amps": ("current",),
    "amperage": ("current",),
    "load": ("current",),
    "shaking": ("vibration",),
    "vibrating": ("vibration",),
    "vibrations": ("vibration",),
    "vib": ("vibration",),
    "rms": ("vibration",),
    "fast": ("speed",),
    "rate": ("speed",),
    "bpm": ("speed",),
    "throughput": ("speed",),
    "rejects": ("reject",),
    "rejected": ("reject",),
    "scrap": ("reject",),
    "output": ("good",),
    "produced": ("good",),
    "bottles": ("count",),
    "pressure": ("pressure",),
    "fill": ("fill",),
    "filling": ("fill",),
    "setpoint": ("sp", "setpoint"),
    "set": ("sp",),
    "sp": ("sp", "setpoint"),
    "status": ("state",),
    "running": ("state",),
    "fault": ("fault",),
    "faults": ("fault",),
    "code": ("code",),
    "torque": ("torque",),
    "glue": ("glue",),
    "bearing": ("bearing",),
    "motor": ("motor",),
}

MACHINE_ALIASES: dict[str, tuple[str, ...]] = {
    "labeller": ("labeler", "labelling", "labeling", "label machine", "labellers"),
    "filler": ("filling machine", "fillers", "filler's"),
    "capper": ("capping machine", "cappers", "capper's", "capping"),
    "conveyor": ("conveyer", "belt", "conveyors", "transport"),
}

_WORD = re.compile(r"[a-z0-9][a-z0-9_]*")


@dataclass(frozen=True, slots=True)
class TagInfo:
    name: str
    label: str
    machine: str = ""
    description: str = ""
    unit: str = ""
    data_type: str = "float"
    states: dict[str, str] = field(default_factory=dict)
    normal: tuple[float, float] | None = None
    limits: dict[str, float] = field(default_factory=dict)  # hihi/hi/lo/lolo
    # The screens' display facts (decimals from deadband/range, units): an answer writes a tag's value
    # as the tag table, the faceplate and the handover do (qa7 G18: 190.254 read "190.2" here).
    display: DisplayInfo | None = None

    def state_label(self, value: float) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "?"
        return self.states.get(str(int(value)), f"state {int(value)}")

    @property
    def words(self) -> set[str]:
        text = " ".join([self.name.replace(".", " ").replace("_", " "), self.label, self.description]).lower()
        return set(_WORD.findall(text)) - FUNCTION_WORDS


@dataclass(frozen=True, slots=True)
class MachineInfo:
    id: str
    name: str
    state_tag: str = ""
    fault_tag: str = ""
    speed_tag: str = ""
    good_tag: str = ""
    reject_tag: str = ""
    key_tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AlarmInfo:
    id: str
    name: str
    machine: str = ""
    tag: str = ""
    priority: str = ""


@dataclass(frozen=True, slots=True)
class Mention:
    """An entity found in a question: what, where, and whether it was a fuzzy (misspelt) match."""

    kind: str  # machine | tag | alarm
    id: str
    text: str
    start: int
    fuzzy: bool = False


class Catalog:
    def __init__(
        self,
        line_id: str,
        line_name: str,
        machines: Iterable[MachineInfo],
        tags: Iterable[TagInfo],
        alarms: Iterable[AlarmInfo] = (),
    ) -> None:
        self.line_id = line_id
        self.line_name = line_name
        self.machines = {m.id: m for m in machines}
        self.tags = {t.name: t for t in tags}
        self.alarms = {a.id: a for a in alarms}
        self._machine_words: dict[str, str] = {}
        for m in self.machines.values():
            for w in (m.id, m.name.lower(), *MACHINE_ALIASES.get(m.id, ())):
                self._machine_words[w.lower()] = m.id
        # Inverse document frequency of tag words: "speed" says less than "glue".
        df: dict[str, int] = {}
        for t in self.tags.values():
            for w in t.words:
                df[w] = df.get(w, 0) + 1
        n = max(len(self.tags), 1)
        self._idf = {w: math.log(1 + n / c) for w, c in df.items()}

    # --- construction ----------------------------------------------------------------------------
    @classmethod
    def from_config(cls, config: Any) -> Catalog:
        tags = []
        for t in config.tags:
            limits = {
                k: float(v) for k in ("hihi", "hi", "lo", "lolo") if (v := getattr(t.alarms, k)) is not None
            }
            tags.append(
                TagInfo(
                    t.name,
                    t.label,
                    t.machine,
                    t.description,
                    t.unit,
                    t.data_type,
                    dict(t.states),
                    tuple(t.normal) if t.normal else None,
                    limits,
                    DisplayInfo.from_config(t),
                )
            )
        names = {t.name for t in config.tags}
        machines = []
        for m in config.machines:
            good = f"{m.id}.good_count" if f"{m.id}.good_count" in names else ""
            rej = f"{m.id}.reject_count" if f"{m.id}.reject_count" in names else ""
            machines.append(
                MachineInfo(m.id, m.name, m.state_tag, m.fault_tag, m.speed_tag, good, rej, tuple(m.key_tags))
            )
        alarms: list[AlarmInfo] = []
        try:
            from hmi.core.alarms.definitions import load_definitions

            defs, _problems = load_definitions(config)
            for d in defs:
                alarms.append(AlarmInfo(d.id, d.name, d.machine, d.tag, d.priority.name.lower()))
        except Exception:  # the assistant still works on tags and events without alarm definitions
            pass
        return cls(config.line.id, config.line.name, machines, tags, alarms)

    @classmethod
    def from_journal_rows(
        cls,
        meta: dict[str, str],
        tag_rows: list[dict[str, Any]],
        alarm_snapshots: Iterable[AlarmSnapshot] = (),
    ) -> Catalog:
        """From a journal's meta and tags table (and alarm snapshots seen in its events)."""
        tags = []
        for r in tag_rows:
            limits = {
                k: float(r[f"alarm_{k}"])
                for k in ("hihi", "hi", "lo", "lolo")
                if r.get(f"alarm_{k}") is not None
            }
            try:
                states = json.loads(r["states"]) if r.get("states") else {}
            except ValueError:
                states = {}
            normal = (
                (r["normal_lo"], r["normal_hi"])
                if r.get("normal_lo") is not None and r.get("normal_hi") is not None
                else None
            )
            tags.append(
                TagInfo(
                    r["name"],
                    r.get("display_name") or r["name"],
                    r.get("machine") or "",
                    r.get("description") or "",
                    r.get("unit") or "",
                    r.get("data_type") or "float",
                    states,
                    normal,
                    limits,
                    DisplayInfo.from_journal_row(r),
                )
            )
        names = {t.name for t in tags}
        machines = []
        for mid in sorted({t.machine for t in tags if t.machine}):

            def pick(suffix: str, mid: str = mid) -> str:
                return f"{mid}.{suffix}" if f"{mid}.{suffix}" in names else ""

            machines.append(
                MachineInfo(
                    mid,
                    mid.capitalize(),
                    pick("state"),
                    pick("fault_code"),
                    pick("speed"),
                    pick("good_count"),
                    pick("reject_count"),
                    tuple(t.name for t in tags if t.machine == mid and t.data_type == "float")[:4],
                )
            )
        alarms = {}
        for s in alarm_snapshots:
            if s.alarm and s.alarm not in alarms:
                alarms[s.alarm] = AlarmInfo(s.alarm, s.name, s.machine, s.tag, s.priority)
        return cls(
            meta.get("line_id", "line"),
            meta.get("line_name", meta.get("line_id", "line")),
            machines,
            tags,
            alarms.values(),
        )

    # --- lookups -------------------------------------------------------------------------------
    def machine_name(self, mid: str) -> str:
        m = self.machines.get(mid)
        return m.name if m else mid

    def tag_label(self, name: str) -> str:
        t = self.tags.get(name)
        return t.label if t else name

    def find_machines(self, text: str) -> list[Mention]:
        """Machines named in `text` (ids, names, aliases, and misspellings close to them)."""
        low = text.lower()
        found: dict[str, Mention] = {}
        for w, mid in sorted(self._machine_words.items(), key=lambda kv: -len(kv[0])):
            for m in re.finditer(rf"\b{re.escape(w)}s?\b", low):
                if mid not in found:
                    found[mid] = Mention("machine", mid, text[m.start() : m.end()], m.start())
        if not found:
            for m in _WORD.finditer(low):
                word = m.group(0)
                if len(word) < 5 or word in _COMMON:
                    continue
                close = difflib.get_close_matches(word, list(self._machine_words), n=1, cutoff=0.8)
                if close:
                    mid = self._machine_words[close[0]]
                    if mid not in found:
                        found[mid] = Mention("machine", mid, m.group(0), m.start(), fuzzy=True)
        return sorted(found.values(), key=lambda x: x.start)

    def find_tag_names(self, text: str) -> list[Mention]:
        """Exact tag names written in the text (`filler.bearing_temp`)."""
        out = []
        for m in re.finditer(r"\b[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+\b", text.lower()):
            name = m.group(0)
            if name in self.tags:
                out.append(Mention("tag", name, name, m.start()))
        return out

    def find_alarm_ids(self, text: str) -> list[Mention]:
        out = []
        for m in re.finditer(r"\b[a-z][a-z0-9_\-]*(?:\.[a-z0-9_\-]+)+\b", text.lower()):
            name = m.group(0)
            if name in self.alarms:
                out.append(Mention("alarm", name, name, m.start()))
        return out

    def rank_tags(self, text: str, machine: str | None = None) -> list[tuple[TagInfo, float]]:
        """Tags described by the words of `text`, best first (fuzzy description match)."""
        words = set(_WORD.findall(text.lower())) - FUNCTION_WORDS
        expanded: set[str] = set()
        for w in words:
            expanded.add(w)
            expanded.update(TAG_SYNONYMS.get(w, ()))
            if w.endswith("s"):
                expanded.add(w[:-1])
        machine_words = set(self._machine_words) | set(self.machines)
        scored: list[tuple[TagInfo, float]] = []
        for t in self.tags.values():
            if machine and t.machine != machine:
                continue
            tw = t.words - machine_words
            hit = tw & expanded
            if not hit:
                continue
            score = sum(self._idf.get(w, 1.0) for w in hit)
            # Prefer measured values over setpoints unless a setpoint was asked for.
            if t.name.endswith("_sp") and not ({"sp", "setpoint"} & expanded):
                score -= 1.5
            # Penalise tags with many unmatched words (a partial description).
            score -= 0.15 * len(tw - hit)
            scored.append((t, score))
        scored.sort(key=lambda ts: -ts[1])
        return [ts for ts in scored if ts[1] > 0.3]

    def best_tags(self, text: str, machine: str | None = None) -> list[TagInfo]:
        """The best-scoring tags (ties kept: 'bearing temperature' with no machine gives all four)."""
        ranked = self.rank_tags(text, machine)
        if not ranked:
            return []
        top = ranked[0][1]
        return [t for t, s in ranked if s >= top - 1e-6]

    def closest_names(self, word: str, n: int = 3) -> list[str]:
        """Known machine names, tag names and tag labels closest to an unknown word."""
        cands: dict[str, str] = {}
        for m in self.machines.values():
            cands[m.id] = m.name
            cands[m.name.lower()] = m.name
        for t in self.tags.values():  # answers name signals by their display names, not their ids
            cands[t.name] = t.label
            cands[t.label.lower()] = t.label
            for part in re.split(r"[._]", t.name):
                cands.setdefault(part, t.label)
        hits = difflib.get_close_matches(word.lower(), list(cands), n=n * 3, cutoff=0.5)
        out: list[str] = []
        for h in hits:
            if cands[h] not in out:
                out.append(cands[h])
        return out[:n]


ENGLISH_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "and",
        "or",
        "not",
        "no",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "what",
        "whats",
        "which",
        "who",
        "how",
        "when",
        "where",
        "why",
        "do",
        "does",
        "did",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "their",
        "my",
        "our",
        "your",
        "me",
        "we",
        "you",
        "i",
        "can",
        "could",
        "should",
        "would",
        "will",
        "show",
        "tell",
        "give",
        "me",
        "please",
        "about",
        "than",
        "then",
    ]
)

# Words that say nothing about which tag is meant (in questions and in tag descriptions alike).
FUNCTION_WORDS = ENGLISH_STOPWORDS | frozenset(
    [
        "now",
        "current",
        "currently",
        "value",
        "values",
        "reading",
        "within",
        "per",
        "vs",
        "via",
        "capped",
        "model",
    ]
)

# Everyday words that must never be "corrected" to a machine name.
_COMMON = frozenset(
    [
        "about",
        "above",
        "after",
        "again",
        "alarm",
        "alarms",
        "alarmed",
        "around",
        "average",
        "before",
        "being",
        "below",
        "between",
        "bottle",
        "bottles",
        "could",
        "current",
        "currently",
        "during",
        "early",
        "either",
        "every",
        "fault",
        "faults",
        "first",
        "handover",
        "happen",
        "happened",
        "hours",
        "items",
        "later",
        "latest",
        "level",
        "limit",
        "limits",
        "minute",
        "minutes",
        "night",
        "other",
        "please",
        "pressure",
        "priority",
        "procedure",
        "quality",
        "reason",
        "reasons",
        "reject",
        "rejects",
        "running",
        "shift",
        "should",
        "since",
        "speed",
        "state",
        "states",
        "status",
        "still",
        "stopped",
        "stops",
        "there",
        "these",
        "those",
        "today",
        "under",
        "unacknowledged",
        "value",
        "values",
        "what",
        "when",
        "where",
        "which",
        "while",
        "would",
        "yesterday",
        "temperature",
        "vibration",
        "rate",
        "risk",
    ]
)
