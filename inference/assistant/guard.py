"""The grounding guard: an answer may only state facts that the tool results it was built from contain.

Checked claims:

- numbers (digits, and number words before a counted noun: "three alarms");
  a number is grounded when a source number rounds to it at the answer's
  precision (71.23 in the source grounds "71.2" and "71"... but not "72");
- clock times and dates (HH:MM[:SS], YYYY-MM-DD): the same time must be in
  the sources (HH:MM grounds against any source time in that minute);
- tag names and alarm ids (`filler.bearing_temp`, `capper.jam`) and tag
  display names ("Capper bearing temperature"), machine names;
- event ids (`#82`, `line1_2026-03-29#82`, "event 82").

Key facts: each tool result names the facts an answer must state (the
count asked for, the stop time, the first-out alarm, the state); an answer
that leaves one out is replaced too. This catches the small model's favourite
mistake, quoting a true number about the wrong thing ("the reject rate was
0.12 %": the capper's, when the line's 3.60 % was asked).

Numbers the user wrote in the question ("the last 2 hours") count as
grounded: restating the question is not inventing.

An answer that fails is replaced by the deterministic rendering of the same
tool results (the caller does that and logs the verdict).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from inference.assistant.catalog import Catalog
from inference.assistant.tools import ToolResult

log = logging.getLogger(__name__)

_TIME = re.compile(r"(?<![\d.])(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(?![\d])")
_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_EVENT = re.compile(r"(?:\b[\w\-]+)?#(\d+)\b|\bevent\s+(?:id\s+)?#?(\d+)\b", re.I)
_DOTTED = re.compile(r"\b[a-z][a-z0-9_\-]*(?:\.[a-z0-9_\-]+)+\b")
_NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:[.,]\d+)?(?![\w])")
_NUMBER_WORDS = {
    "zero": 0,
    "no": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "twenty": 20,
    "once": 1,
    "twice": 2,
}
_COUNTED = (
    r"(alarms?|stops?|times|rejects?|activations?|faults?|machines?|jams?|trips?|events?|defects?|bottles?"
    r"|minutes?|seconds?|hours?)"
)
_NUMBER_WORD = re.compile(
    rf"\b({'|'.join(k for k in _NUMBER_WORDS if k not in ('once', 'twice'))})\s+(?:\w+\s+)?{_COUNTED}\b"
    r"|\b(once|twice)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class GuardVerdict:
    ok: bool
    problems: list[str] = field(default_factory=list)
    checked: int = 0  # how many claims were checked

    def __str__(self) -> str:
        return "grounded" if self.ok else "; ".join(self.problems)


def _decimals(s: str) -> int:
    s = s.replace(",", ".")
    return len(s.split(".", 1)[1]) if "." in s else 0


def _num(s: str) -> Decimal | None:
    try:
        return Decimal(s.replace("−", "-").replace(",", "."))
    except InvalidOperation:
        return None


def _source_numbers(text: str) -> list[Decimal]:
    text = _TIME.sub(" ", _DATE.sub(" ", text))
    text = _DOTTED.sub(" ", text)
    out = []
    for m in re.finditer(r"(?<![\w.])[-−]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", text):
        d = _num(m.group(0))
        if d is not None:
            out.append(d)
    return out


def _source_times(text: str) -> set[str]:
    out = set()
    for m in _TIME.finditer(text):
        h, mi, s = int(m.group(1)), m.group(2), m.group(3)
        if h > 23:
            continue
        out.add(f"{h:02d}:{mi}")
        if s is not None:
            out.add(f"{h:02d}:{mi}:{s}")
    return out


def _grounded_number(value: Decimal, decimals: int, sources: Iterable[Decimal]) -> bool:
    q = Decimal(1).scaleb(-decimals)
    for n in sources:
        if n == value:
            return True
        try:
            if n.quantize(q) == value or (
                decimals == 0 and abs(n - value) < 1 and n.to_integral_value() == value
            ):
                return True
        except InvalidOperation:
            continue
        # A percentage given as a fraction in the facts (0.036 -> "3.6 %").
        try:
            if (n * 100).quantize(q) == value:
                return True
        except InvalidOperation:
            continue
    return False


def check(
    answer: str, results: Sequence[ToolResult], catalog: Catalog | None = None, question: str = ""
) -> GuardVerdict:
    """Is every number, time, tag/alarm name and event id in `answer` backed by `results`?"""
    ground = "\n".join(r.grounding_text() for r in results)
    ground_low = ground.lower()
    problems: list[str] = []
    checked = 0
    text = answer

    # Event ids.
    for m in _EVENT.finditer(text):
        checked += 1
        eid = m.group(1) or m.group(2)
        if f"#{eid}" not in ground:
            problems.append(f"event id {m.group(0).strip()!r} is not in the sources")
    text = _EVENT.sub(" ", text)

    # Dates and times.
    for m in _DATE.finditer(text):
        checked += 1
        if m.group(0) not in ground:
            problems.append(f"date {m.group(0)} is not in the sources")
    text = _DATE.sub(" ", text)
    src_times = _source_times(ground)
    q_times = _source_times(question)
    for m in _TIME.finditer(text):
        h = int(m.group(1))
        if h > 23:
            continue
        checked += 1
        key = f"{h:02d}:{m.group(2)}" + (f":{m.group(3)}" if m.group(3) else "")
        if key not in src_times and key not in q_times:
            problems.append(f"time {m.group(0)} is not in the sources")
    text = _TIME.sub(" ", text)

    # Tag names and alarm ids (dotted names).
    for m in _DOTTED.finditer(text.lower()):
        name = m.group(0).strip(".")
        if re.fullmatch(r"[a-z]\.[a-z]\.?", name):  # "e.g."
            continue
        checked += 1
        if name not in ground_low:
            problems.append(f"name {name!r} is not in the sources")
    text = _DOTTED.sub(" ", text)

    # Tag display names and machine names written out.
    if catalog is not None:
        low = answer.lower()
        for t in catalog.tags.values():
            lab = t.label.lower()
            if len(lab) > 6 and lab in low:
                checked += 1
                if lab not in ground_low and t.name not in ground_low:
                    problems.append(f"tag {t.label!r} is not in the sources")
        for mc in catalog.machines.values():
            if re.search(rf"\b{re.escape(mc.name.lower())}\b", low):
                checked += 1
                if mc.name.lower() not in ground_low and mc.id not in ground_low:
                    problems.append(f"machine {mc.name!r} is not in the sources")

    # Numbers.
    src_nums = _source_numbers(ground) + _source_numbers(question)
    for m in _NUMBER.finditer(text):
        raw = m.group(0)
        v = _num(raw)
        if v is None:
            continue
        checked += 1
        if not _grounded_number(v, _decimals(raw), src_nums):
            problems.append(f"number {raw} is not in the sources")
    for m in _NUMBER_WORD.finditer(text):
        word = (m.group(1) or m.group(3) or "").lower()
        if word == "no":
            continue  # "no alarms" is checked by the count the facts give, not worth a false alarm
        v = Decimal(_NUMBER_WORDS[word])
        checked += 1
        if not _grounded_number(v, 0, src_nums):
            problems.append(f"count {m.group(0)!r} is not in the sources")
    # Key facts the answer must state.
    ans_nums = [
        (v, _decimals(m.group(0)))
        for m in _NUMBER.finditer(_TIME.sub(" ", _DATE.sub(" ", answer)))
        if (v := _num(m.group(0))) is not None
    ]
    ans_low = answer.lower()
    for r in results:
        for key in r.key_facts:
            checked += 1
            if _states(key, ans_low, ans_nums):
                continue
            problems.append(f"the answer does not state {key!r}")
    return GuardVerdict(not problems, list(dict.fromkeys(problems)), checked)


def _states(key: str, ans_low: str, ans_nums: list[tuple[Decimal, int]]) -> bool:
    """Does the answer state `key` (a number at any rounding the guard accepts, a time, or a word/id)?"""
    k = key.strip()
    counted = re.fullmatch(r"(\d+) ([a-z]+)", k)
    if (
        counted
    ):  # "2 alarm": the count stated with its noun ("2 alarms", "two unacknowledged alarms", "no alarms")
        n, noun = int(counted.group(1)), counted.group(2)
        words = [str(n)] + [w for w, v in _NUMBER_WORDS.items() if v == n and w not in ("once", "twice")]
        pat = rf"\b({'|'.join(words)})\s+(?:[\w-]+\s+){{0,2}}{noun}s?\b"
        if n == 0:
            pat += rf"|\bnone\b|\bno\s+(?:[\w-]+\s+){{0,2}}{noun}s?\b"
        return re.search(pat, ans_low) is not None
    if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", k):
        hhmm = k[:5]
        return hhmm in ans_low or hhmm.lstrip("0") in ans_low
    if re.fullmatch(r"-?\d+(\.\d+)?", k):
        kv = Decimal(k)
        for v, d in ans_nums:
            if v == kv:
                return True
            try:
                if d < _decimals(k) and kv.quantize(Decimal(1).scaleb(-d)) == v:
                    return True
            except InvalidOperation:
                continue
        return False
    if k.lower() in ans_low:
        return True
    return k.lower().replace("_", " ") in ans_low


def log_replacement(question: str, answer: str, verdict: GuardVerdict) -> None:
    log.warning(
        "assistant: model answer replaced by the tool rendering (%s); question %r; model said %r",
        verdict,
        question[:200],
        answer[:400],
    )
