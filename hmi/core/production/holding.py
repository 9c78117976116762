"""What the status strip says about the machines now: who holds the line, who else is not running.

The strip once said "no machine holding the line" while the filler was faulted: the line was still
"running" (the capper, the constraint, ran on from its buffer), and the text was chosen from the
line's state alone. The claim is now made from every machine's own state at that instant, so it
can only say "all machines running" when they all are, and it names every machine that is not
(tests/test_line_claim.py walks every combination of machine states).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hmi.core.production.setup import OWN_STOP_CATS, Cat

ALL_RUNNING = "all machines running"

# A machine's state now -> the words for it (grouped: "waiting: capper, labeller").
_WORDS = {
    # The state tag's "planned stop" (the demo's operator "Stopped") is a stop like any other until a
    # reason says it was planned; the reason is named beside the machine.
    Cat.PLANNED: "stopped",
    Cat.UNPLANNED: "stopped",
    Cat.CHANGEOVER: "changeover",
    Cat.BLOCKED: "blocked",
    Cat.STARVED: "starved",
    Cat.WAITING: "waiting",
    Cat.UNKNOWN: "state unknown",
}


@dataclass(frozen=True, slots=True)
class MachineNow:
    machine: str
    cat: Cat  # what its state tag says now
    reason: str = ""  # the reason of its own stop (planned, unplanned, changeover) in words, else ""
    reason_code: str = ""  # that reason's code in the reason tree ("" if none): what code decides on
    stop_start: float = float("nan")  # when its own stop began, as the stop model has it (NaN: none/unknown)


def line_claim(line_state: str, holder: str, holder_reason: str, machines: Sequence[MachineNow]) -> str:
    """The strip's text beside the line state: the machine holding the line and its reason, then
    every other machine that is not running, by what it is doing ("stopped: labeller – Jam (U-JAM)",
    "waiting: capper, conveyor"); "all machines running" only when every machine runs."""
    parts: list[str] = []
    cat_of = {m.machine: m.cat for m in machines}
    # The holder's stop may have ended while the line still waits for its consequences (a buffer
    # refilling, neighbours idle): the cause is still that stop (qa9 Q9-25: "cause not known yet"
    # 35 s into the capper jam, with the capper restarting). It is named as what the line waits
    # after, not as a machine holding it, so a machine whose faceplate says Running is never "held".
    in_own_stop = cat_of.get(holder) in OWN_STOP_CATS or cat_of.get(holder) is Cat.UNKNOWN
    if holder and in_own_stop:
        parts.append(f"held by {holder}: {holder_reason}")
    elif holder:
        parts.append(f"after {holder}: {holder_reason}")
    elif line_state != "running":
        parts.append(holder_reason or "cause not known yet")
    groups: dict[str, list[str]] = {}
    for m in machines:
        if m.cat == Cat.RUNNING or (m.machine == holder and in_own_stop):
            continue
        name = f"{m.machine} – {m.reason}" if m.reason else m.machine
        groups.setdefault(_WORDS[m.cat], []).append(name)
    parts += [f"{word}: {', '.join(names)}" for word, names in groups.items()]
    if not parts:
        return ALL_RUNNING
    return " · ".join(parts)
