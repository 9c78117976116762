"""Ground truth of a simulated shift: what really happened, from the model's own state.

The HMI sees the line through sampled tags; the model knows every machine's
true state at every substep, why it stopped (the fault it was given, a
changeover, an operator stop) and why an idle machine was idle (its buffer,
which neighbour). `TruthRecorder` keeps that as intervals and stop episodes
with their true cause and exports it as JSON, so a bench can compare the
HMI's A, P, Q, OEE and downtime per reason with what really happened
(bench/production_truth.py).

The idle root cause is resolved physically, not with the HMI's line-order
rule: "blocked" means the buffer downstream is full (the machine after it in
the bottle flow), "starved" the buffer upstream is empty, "conveyor stopped"
the conveyor; an idle neighbour passes on its own cause, and a buffer still
refilling after its cause cleared keeps the cause that emptied it.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connectors.sim.model import LineModel

FLOW = ("filler", "capper", "labeller")  # bottle flow; the conveyor carries all three


@dataclass(slots=True)
class Episode:
    id: int
    machine: str
    start: float
    cause: str  # "fault:jam", "changeover", "planned_stop", "start-up"
    fault_code: int
    end: float | None = None


@dataclass(slots=True)
class TruthRecorder:
    t_origin: float = 0.0  # POSIX time of the model's t_sim = 0 (for the export)
    intervals: dict[str, list[list[Any]]] = field(default_factory=dict)  # [t, state, episode id or -1]
    episodes: list[Episode] = field(default_factory=list)
    _open: dict[str, Episode | None] = field(default_factory=dict)
    _carry: dict[str, int] = field(default_factory=dict)
    _last: dict[str, tuple[int, int]] = field(default_factory=dict)

    def record(self, model: LineModel) -> None:
        from connectors.sim.model import MachineState as S

        t = model.t_sim
        own: dict[str, int] = {}
        for name, m in model.m.items():
            ep = self._open.get(name)
            if m.state in (S.RUNNING, S.IDLE):
                if ep is not None:
                    ep.end = t
                    self._open[name] = None
                continue
            if ep is None:
                cause = {
                    S.FAULTED: f"fault:{m.fault.name.lower()}",
                    S.CHANGEOVER: "changeover",
                    S.STOPPED: "planned_stop" if m.fault == 0 else f"fault:{m.fault.name.lower()}",
                    S.STARTING: "start-up",
                }[m.state]
                ep = Episode(len(self.episodes), name, t, cause, int(m.fault))
                self.episodes.append(ep)
                self._open[name] = ep
            own[name] = ep.id

        def root(name: str, seen: tuple[str, ...] = ()) -> int:
            if name in own:
                return own[name]
            m = model.m[name]
            if m.state is not S.IDLE or name in seen:
                return -1
            if m.idle_reason == "conveyor stopped":
                nb = "conveyor"
            elif name in FLOW:
                i = FLOW.index(name)
                j = i + 1 if m.idle_reason == "blocked" else i - 1
                nb = FLOW[j] if 0 <= j < len(FLOW) else ""
            else:
                nb = ""
            found = root(nb, (*seen, name)) if nb else -1
            return found if found >= 0 else self._carry.get(name, -1)

        for name, m in model.m.items():
            if m.state is S.IDLE:
                ref = root(name)
                if ref >= 0:
                    self._carry[name] = ref
            else:
                self._carry.pop(name, None)
                ref = own.get(name, -1)
            key = (int(m.state), ref)
            if self._last.get(name) != key:
                self._last[name] = key
                self.intervals.setdefault(name, []).append([t, int(m.state), ref])

    def export(self, model: LineModel) -> dict[str, Any]:
        """JSON-ready truth; times are POSIX seconds (t_origin + simulated seconds)."""
        o = self.t_origin
        return {
            "start": o,
            "end": o + model.t_sim,
            "machines": {
                name: {
                    "intervals": [[o + t, s, ref] for t, s, ref in self.intervals.get(name, [])],
                    "good": int(m.good),
                    "rejects": int(m.rejects),
                }
                for name, m in model.m.items()
            },
            "episodes": [
                {
                    "id": e.id,
                    "machine": e.machine,
                    "start": o + e.start,
                    "end": o + (e.end if e.end is not None else model.t_sim),
                    "cause": e.cause,
                    "fault_code": e.fault_code,
                }
                for e in self.episodes
            ],
        }


# The sim's true causes -> the reason a supervisor would give (independent of the PLC mapping).
TRUE_REASON = {
    "fault:jam": "U-JAM",
    "fault:motor_trip": "U-MOTOR",
    "fault:overheat": "U-OVERHEAT",
    "fault:bearing_failure": "U-BEARING",
    "fault:sensor_fault": "U-SENSOR",
    "changeover": "C-FORMAT",
    "planned_stop": "(planned stop)",
    "start-up": "(start-up)",
}
RUNNING = 2  # MachineState.RUNNING (the truth JSON holds plain ints)
IDLE = 3  # MachineState.IDLE: blocked or starved


def truth_figures(
    truth: dict[str, Any], constraint: str, output: str, short_s: float, ideal: float
) -> dict[str, Any]:
    """A, P, Q, OEE and line downtime per reason of the shift, from the truth alone, with the
    definitions of docs/production.md (the line is stopped while any machine is in a stop of its
    own, else while the constraint or the output machine waits; waiting time belongs to the stop
    that caused it; unplanned stops under `short_s` are a speed loss)."""
    s0, s1 = truth["shift"]["start"], truth["shift"]["end"]
    breaks = [(a, b) for a, b, _ in truth["breaks"]]
    eps = {e["id"]: e for e in truth["episodes"]}

    def category(e: dict) -> str:
        cause = e["cause"]
        if cause.startswith("fault:"):
            return "short" if e["end"] - e["start"] < short_s else "unplanned"
        return {"changeover": "changeover"}.get(cause, "planned")

    times = {k: 0.0 for k in ("run", "short", "unplanned", "changeover", "planned", "break", "unattributed")}
    by_reason: dict[str, float] = {}
    ivs = {m: v["intervals"] for m, v in truth["machines"].items()}

    starts = {m: [t for t, _s, _r in iv] for m, iv in ivs.items()}

    def at(machine: str, x: float) -> tuple[int, int]:
        """(state, episode id or -1) of a machine at x."""
        i = bisect.bisect_right(starts[machine], x) - 1
        return (RUNNING, -1) if i < 0 else (int(ivs[machine][i][1]), int(ivs[machine][i][2]))

    edges = {s0, s1, *[x for br in breaks for x in br if s0 < x < s1]}
    edges |= {t for iv in ivs.values() for t, _s, _r in iv if s0 < t < s1}
    for x, y in itertools.pairwise(sorted(edges)):
        now = {m: at(m, x) for m in ivs}
        # The line is stopped while any machine is in an episode of its own (the first begun is the
        # cause), else by the constraint, then the output machine, waiting for a cause.
        own = [ref for state, ref in now.values() if state not in (RUNNING, IDLE) and ref >= 0]
        ref = min(own, key=lambda r: eps[r]["start"]) if own else None
        if ref is None:
            for m in (constraint, output):
                state, r = now[m]
                if state != RUNNING:
                    ref = r
                    break
            else:
                times["run"] += y - x
                continue
        if any(p <= x < q for p, q in breaks):
            times["break"] += y - x
            continue
        if ref < 0:
            times["unattributed"] += y - x
            by_reason["(cause not found)"] = by_reason.get("(cause not found)", 0.0) + y - x
            continue
        cat = category(eps[ref])
        times[cat] += y - x
        if cat in ("unplanned", "changeover", "planned"):
            r = TRUE_REASON.get(eps[ref]["cause"], eps[ref]["cause"])
            by_reason[r] = by_reason.get(r, 0.0) + y - x
    apt = times["run"] + times["short"]
    pbt = apt + times["unplanned"] + times["changeover"] + times["unattributed"]
    # P: the constraint's count over its own run time (running and its own short stops), so units
    # it makes into a buffer while another machine holds the line count where they were made.
    c_run = 0.0
    iv = ivs[constraint]
    for (t, state, ref), nxt in zip(iv, [*iv[1:], [s1, RUNNING, -1]], strict=True):
        x, y = max(t, s0), min(nxt[0], s1)
        if y <= x:
            continue
        if state == RUNNING or (
            ref >= 0 and eps[ref]["machine"] == constraint and category(eps[ref]) == "short"
        ):
            c_run += y - x
    c0, c1 = truth["counts"]["start"], truth["counts"]["end"]
    produced = sum(c1[constraint]) - sum(c0[constraint])
    good_out = c1[output][0] - c0[output][0]
    rejects = sum(c1[m][1] - c0[m][1] for m in c1)
    a_ = apt / pbt
    p_ = produced * 60.0 / ideal / c_run
    q_ = good_out / (good_out + rejects)
    return {
        "A": a_,
        "P": p_,
        "Q": q_,
        "OEE": a_ * p_ * q_,
        "good": good_out,
        "reasons": by_reason,
        "times": times,
    }
