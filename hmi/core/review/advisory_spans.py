"""Model advisories as spans: each start (a failure predicted, a machine's prediction off for a bad
signal) with its end (the advisory cleared, the prediction back), or "still open at the record end".

The fault predictor journals starts and ends as separate ADVISORY events (inference.fault.predictor:
data["advisory"] "raised" -> "cleared", "problem" -> "resolved", per data["machine"]); the report
listed only the starts (severity >= warning), so an advisory cleared minutes later read as open at
the end of the shift (qa7 G26). A LineHMI stop ends what is open: the predictor starts afresh on the
next run and journals again what still holds, so nothing after the stop belongs to the old advisory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hmi.core.events import EventKind
from hmi.core.journal_read import StoredEvent

# start kind -> the kind that ends it (for the same machine)
ENDS = {"raised": "cleared", "problem": "resolved"}
STOPPED = "LineHMI stopped"


@dataclass(frozen=True, slots=True)
class AdvisorySpan:
    start: float | None  # None: started before the period (only its end is in it)
    text: str
    end: float | None = None  # None: still open at the record end
    end_text: str = ""


def _key(e: StoredEvent, kind: str) -> tuple[str, str]:
    family = kind if kind in ENDS else next((k for k, v in ENDS.items() if v == kind), kind)
    return str(e.data.get("machine") or e.source), family


def advisory_spans(events: Iterable[StoredEvent]) -> list[AdvisorySpan]:
    """The advisories of `events` (any kinds, any order) as spans, in order of their start."""
    open_: dict[tuple[str, str], tuple[float, str]] = {}
    spans: list[AdvisorySpan] = []
    for e in sorted(events, key=lambda e: (e.ts, e.id)):
        if e.kind == EventKind.SYSTEM and e.message.startswith(STOPPED):
            for start, text in open_.values():
                spans.append(AdvisorySpan(start, text, e.ts, "LineHMI stopped; not followed after"))
            open_.clear()
            continue
        if e.kind != EventKind.ADVISORY:
            continue
        kind = str(e.data.get("advisory") or "")
        key = _key(e, kind)
        if kind in ENDS.values():
            opened = open_.pop(key, None)
            if opened is None:
                spans.append(AdvisorySpan(None, "", e.ts, e.message))  # its start is before the period
            else:
                spans.append(AdvisorySpan(opened[0], opened[1], e.ts, e.message))
        elif int(e.severity) >= 1:  # a start: warnings and errors (the model's load note is info)
            if key in open_ and kind in ENDS:  # a new reason replaces the open one
                start, text = open_.pop(key)
                spans.append(AdvisorySpan(start, text, e.ts, f"replaced by: {e.message}"))
            if kind in ENDS:
                open_[key] = (e.ts, e.message)
            else:  # model-wide (model unavailable, a setup problem): holds for the run
                open_[(f"{key[0]}#{e.id}", kind)] = (e.ts, e.message)
    spans += [AdvisorySpan(start, text) for start, text in open_.values()]
    spans.sort(key=lambda s: (s.start if s.start is not None else -1.0, s.end or 0.0))
    return spans
