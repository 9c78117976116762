"""The line's state at this instant, from the same machine states the faceplates show.

QA4 (1280x800 touch): the labeller's faceplate said "FAULTED · Overheat" while the status strip
still said "LINE RUNNING · all machines running" for 1-4 s. The faceplates repaint in the slot that
applies each batch of samples; the strip showed the production tracker's analysis, recomputed every
2 s on the runtime's worker and read by the window once a second. Two clocks, so they disagreed.

Now the strip's state, holder and claim are made here, in the same slot that updates the
faceplates, from the same `LiveValues`: at this instant, by the rule of
`hmi.core.production.line_rule` (a machine in a stop of its own holds the line, the one stopped
first; else the constraint, then the output machine, decides). The analysis still gives the
windowed figures (rate, good count, OEE) and what it already knows of the stops it saw: a reason a
supervisor gave, which stop began first, the stop a refilling buffer still waits for. What it does
not know yet (a state that changed since it was computed) comes from the live states, with the
stop's default reason (PLC fault code, else the state's default) as the analysis will give it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from hmi.core.live_values import LiveValues
from hmi.core.production.holding import MachineNow
from hmi.core.production.oee import LineStatus
from hmi.core.production.setup import OWN_STOP_CATS, Cat, ProductionSetup
from hmi.core.production.stops import default_reason, reason_category
from hmi.core.production.timeline import FAULT_WINDOW_S
from hmi.core.quality import Quality, quality_of

_STATE_OF_CATEGORY = {"unplanned": "stopped", "planned": "planned stop", "changeover": "changeover"}
_NOT_RUNNING_HELD = ("stopped", "planned stop", "changeover", "planned break")


def machines_now(setup: ProductionSetup, live: LiveValues) -> tuple[tuple[MachineNow, float], ...]:
    """Every machine's state category now and the source time of that state sample, read the way
    its faceplate reads it: a Bad state sample, none yet ("? BadWaitingForInitialData"), or a value
    the config does not map, is unknown."""
    out: list[tuple[MachineNow, float]] = []
    for m in setup.machines:
        i = live.index.get(m.state_tag)
        cat, ts = Cat.UNKNOWN, float("nan")
        if i is not None:
            ts = float(live.source_ts[i])
            value = float(live.value[i])
            if quality_of(int(live.status[i])) != Quality.BAD and value == value:
                cat = m.state_cat.get(int(value), Cat.UNKNOWN)
        reason = code_of_reason = ""
        if cat in OWN_STOP_CATS:
            code: int | None = None
            j = live.index.get(m.fault_tag) if m.fault_tag and cat is Cat.UNPLANNED else None
            if j is not None:
                fv = float(live.value[j])
                if quality_of(int(live.status[j])) != Quality.BAD and fv == fv and fv:
                    code = int(fv)
            code_of_reason = default_reason(setup, m.id, cat, code)[0]
            reason = setup.reason_text(code_of_reason)
        out.append((MachineNow(m.id, cat, reason, code_of_reason), ts))
    return tuple(out)


def _merged(
    seen: Sequence[tuple[MachineNow, float]], before: Sequence[MachineNow]
) -> tuple[tuple[MachineNow, ...], bool, float]:
    """Each machine as the faceplates show it: one still in the state the analysis saw keeps the
    analysis' words (a supervisor's reason); one that changed since says what its state and fault
    code say now. Also: whether any changed, and the newest such change (NaN: not known)."""
    old = {m.machine: m for m in before}
    out = []
    differs = False
    newest = float("nan")
    for now, ts in seen:
        prev = old.get(now.machine)
        if prev is not None and prev.cat == now.cat and prev.cat not in OWN_STOP_CATS:
            out.append(prev)
            continue
        if (
            prev is not None
            and prev.cat in OWN_STOP_CATS
            and (now.cat in OWN_STOP_CATS or now.cat is Cat.UNKNOWN)
        ):
            # Still the stop the analysis saw (the stop model: a run of own-stop or unknown states is
            # one stop, its reason set at its start): its reason, not the one the state now would
            # give a new stop. A jam's Faulted -> Stopped -> Starting read "held by capper:
            # unclassified" while the Stops table said "Jam (U-JAM)" (QA10 Q10-17).
            # One exception, as the stop model has it too: a PLC fault code that arrives within
            # FAULT_WINDOW_S of the stop's start is that stop's reason when it had none yet.
            late_code = (
                not prev.reason_code
                and now.reason_code
                and now.cat is Cat.UNPLANNED
                and prev.cat is Cat.UNPLANNED  # the model reads a code only for an unplanned start
                and ts <= prev.stop_start + FAULT_WINDOW_S[1]
            )
            if not late_code:
                now = dataclasses.replace(now, reason=prev.reason, reason_code=prev.reason_code)
            now = dataclasses.replace(now, stop_start=prev.stop_start)
        if now == prev:  # the analysis' words still hold (a supervisor's reason among them)
            out.append(prev)
            continue
        out.append(now)
        differs = True
        if ts == ts:
            newest = ts if newest != newest else max(newest, ts)
    return tuple(out), differs, newest


def line_state_now(
    setup: ProductionSetup,
    machines: Sequence[MachineNow],
    analysed: LineStatus | None,
    in_break: bool,
) -> tuple[str, str, str]:
    """(state, holding machine, its reason) of the line at this instant (the rule of line_rule)."""
    before = {m.machine: m.cat for m in analysed.machines} if analysed is not None else {}
    # A machine whose state went Bad inside a stop of its own still holds the line (line_rule: the
    # stop goes on, its category unknown).
    own = [
        m
        for m in machines
        if m.cat in OWN_STOP_CATS or (m.cat is Cat.UNKNOWN and before.get(m.machine) in OWN_STOP_CATS)
    ]
    if own:
        # The one stopped first: the analysis' holder while it still is in that stop; then the
        # stops the analysis saw begin, in line order; then the new ones, in line order.
        held = analysed.holding_machine if analysed is not None else ""
        still = [m for m in own if m.machine == held and before.get(held) == m.cat]
        older = [m for m in own if before.get(m.machine) in OWN_STOP_CATS]
        m = (still or older or own)[0]
        if in_break:
            return "planned break", m.machine, m.reason
        if m.cat is Cat.UNKNOWN:
            return "unknown", m.machine, m.reason
        if still and analysed is not None and analysed.state in _NOT_RUNNING_HELD:
            return analysed.state, m.machine, m.reason  # the stop's reason as merged (_merged)
        # Its reason's category decides (the typed code: the words are for people, qa7 G7).
        category = reason_category(setup, m.reason_code if m.reason_code in setup.reasons else "")
        return _STATE_OF_CATEGORY[category], m.machine, m.reason
    by_id = {m.machine: m for m in machines}
    for mid in dict.fromkeys((setup.constraint, setup.output)):
        decider = by_id.get(mid)
        if decider is None or decider.cat is Cat.RUNNING:
            continue
        if decider.cat is Cat.UNKNOWN:
            return "unknown", "", ""
        if in_break:
            return "planned break", "", ""
        # Waiting: the stop the analysis found holding the line (a buffer refilling after it), also
        # when that machine changed since (its stop ended, it restarts or runs again): the line is
        # still stopped by that stop's consequences, and a known cause is not replaced by "not known
        # yet" (qa9 Q9-25). The claim says "after <machine>" once that machine's own stop is over
        # (hmi.core.production.holding), so a machine shown running is never said to hold the line.
        held = analysed.holding_machine if analysed is not None else ""
        if analysed is not None and analysed.state in _NOT_RUNNING_HELD and held in by_id:
            return analysed.state, held, analysed.holding_reason
        return "stopped", "", ""
    return "running", "", ""


def live_status(
    analysed: LineStatus | None, setup: ProductionSetup, live: LiveValues, now: float
) -> LineStatus | None:
    """The analysis' status with the line's state, holder and machines as they are now (what the
    faceplates show); None while there is no analysis yet."""
    if analysed is None:
        return None
    machines, differs, changed_at = _merged(machines_now(setup, live), analysed.machines)
    if not differs:  # nothing changed since the analysis: it says it all
        return analysed
    in_break = any(a <= now < b for a, b, _ in setup.calendar.breaks_between(now - 1.0, now + 1.0))
    state, holder, reason = line_state_now(setup, machines, analysed, in_break)
    since = analysed.since_s
    if (state == "running") != (analysed.state == "running"):  # it changed at that state change
        since = max(0.0, now - changed_at) if changed_at == changed_at else 0.0
    return dataclasses.replace(
        analysed,
        state=state,
        holding_machine=holder,
        holding_reason=reason,
        machines=machines,
        since_s=since,
    )
