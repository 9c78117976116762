"""Held-out set by CLASS of miss (asst7, issue 10 follow-up): fresh wordings nobody tuned against.

Written and committed BEFORE the assistant change it scores, by an engineer who had not seen the lead's
independent set (lead_wordings.py, never opened). Its questions are new wordings of four classes the
independent set missed, plus questions the plant data cannot answer that must stay declined:

1. why a machine stopped, in terse, slangy or indirect frames ("<machine> stopped - reason?", "what's
   behind the <machine> fault", "<machine> went <slang>, why"): the LAST stop's cause (fault label) and
   time, never the fault code now ("No fault") or a bare stop list;
2. unacknowledged alarms of one machine in other words (pending acknowledgement, outstanding acks,
   awaiting an ack, not yet confirmed): the count of its UNACKNOWLEDGED alarms, not its standing ones;
3. other words for a machine (asset, unit, station, equipment, kit) and for the fault model's
   prediction (wear, bearing wear, degradation, health, condition, how worn): the machine's answer, and
   the fault model's readout naming what it predicts (bearing failure);
4. time windows stated exactly ("the N s/min before/after T", "the last N min", "between A and B",
   "from A to B", "since A"): the figure over exactly that window (chosen so that the 20-minute window
   around a moment, or the whole record, gives a different figure);
5. off-data: subjects the data lacks (paint colour, warranty, insurance, a forklift, the canteen,
   a person's private life) next to machine words, synonyms and why-frames: declined, stating no fact.

Expected facts by independent SQL over the held-out recording (recording.py, /tmp/asst_heldout)
through `assistant_truth.Truth`: stops and fault labels from the state and fault-code samples, alarm
states from the last transition per alarm, statistics from the raw samples, the fault model's figures
from the `<machine>.fault_risk` samples. Never the assistant's own tools.

    .venv/bin/python bench/assistant.py --set classes --journal /tmp/asst_heldout --repeats 1

Score once before the change and once at the end; when a question fails, mend its class, never its words.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import assistant as dev  # bench/assistant.py: Fact, Question, Db, helpers
from assistant_heldout.questions import FAULT_WORDS, NAMES, STATE_WORDS

Fact, MACHINES, _t = dev.Fact, dev.MACHINES, dev.hms  # the names the questions below use


def build_classes_questions(db_path: Path) -> list[Any]:
    hs = dev.HeldOut.open(db_path)
    db, end, begin, tr, add = hs.db, hs.end, hs.begin, hs.tr, hs.add

    faults = hs.faults

    # ---- 1. why it stopped: the last stop's cause, whatever the frame ----
    hs.why_stop(
        (
            ("labeller", "labeller stopped - reason?"),
            ("capper", "what's behind the capper fault"),
            ("filler", "filler went belly-up, why"),
            ("conveyor", "conveyor went kaput earlier. what happened?"),
            ("capper", "capper tripped out on us, any idea why?"),
            ("labeller", "the labeller outage - what triggered it?"),
            ("filler", "filler threw a wobbly, what caused that"),
            ("conveyor", "explain the conveyor trip"),
        )
    )

    # ---- 2. unacknowledged alarms of one machine, in other words ----
    la = tr.last_alarms()

    def unacked(m: str) -> int:
        return sum(1 for d in la.values() if d["machine"] == m and tr.unacked(d))

    for m, text in (
        ("filler", "how many filler alarms are pending acknowledgement?"),
        ("conveyor", "conveyor alarms pending acknowledgment?"),
        ("labeller", "any labeller alarms awaiting an ack?"),
        ("filler", "outstanding acknowledgements on the filler?"),
        ("filler", "how many alarms on the filler has nobody confirmed yet"),
        ("conveyor", "is anything on the conveyor still waiting to be acknowledged?"),
    ):
        add(text, "unacked", [Fact("num", unacked(m))])

    # ---- 3. machine synonyms and the fault model's wear/health ----
    def state_now(m: str) -> Any:
        return Fact("anyof", STATE_WORDS[dev.STATE_LABELS[tr.state_changes(m)[-1][1]]])

    add("what state is the labeller station in right now?", "synonym", [state_now("labeller")])
    add("is the conveyor kit running?", "synonym", [state_now("conveyor")])
    add("status of the filler unit", "synonym", [state_now("filler")])
    cap_stops = tr.stops("capper")
    add("how many stops has the capper asset had?", "synonym", [Fact("num", len(cap_stops))])
    risk_now = {m: tr.last_value(f"{m}.fault_risk") for m in MACHINES if f"{m}.fault_risk" in db.ids}
    peaks = {m: max(v for _t0, v in tr.series(f"{m}.fault_risk")) for m in risk_now}
    bearing = Fact("anyof", ["bearing"])  # the readout says what the model predicts
    for m, text in (
        ("capper", "how worn is the capper bearing?"),
        ("filler", "bearing wear on the filler?"),
        ("labeller", "any degradation on the labeller equipment?"),
        ("conveyor", "what condition is the conveyor in, health-wise?"),
    ):
        if m in risk_now:
            # The risk now and the machine's peak today, with what the model predicts.
            facts = [
                Fact("num", round(risk_now[m], 1), 0.011),
                Fact("num", round(peaks[m], 1), 0.011),
                bearing,
            ]
            add(text, "wear", facts)
    if peaks:
        pk = max(peaks, key=lambda m: peaks[m])
        add(
            "which asset showed the most wear today?",
            "wear",
            [Fact("text", NAMES[pk]), Fact("num", round(peaks[pk], 1), 0.011)],
        )

    # ---- 4. exact windows (each figure differs from the whole record's and a point's 20 min) ----
    def vmin(tag: str, a: float, b: float) -> float:
        return min(v for ts, v in tr.series(tag) if a <= ts < b)

    # A moment is asked as its whole second (what _t prints): the window is counted from that second.
    ff = math.floor(faults["filler"][-1][0]) if faults["filler"] else None
    cf = faults["capper"][-1][0] if faults["capper"] else None
    if ff is not None:
        add(
            f"peak filler motor current in the 45 seconds before {_t(ff)}",
            "window",
            [Fact("num", round(tr.vmax("filler.motor_current", ff - 45, ff), 2), 0.011)],
        )
    if cf is not None:
        back = math.floor(next(ts for ts, v in tr.state_changes("capper") if ts > cf and v == 2))
        add(
            f"lowest capper speed in the 30 s after {_t(back)}",
            "window",
            [Fact("num", round(vmin("capper.speed", back, back + 30), 1), 0.011)],
        )
    a1 = begin + 70 - (begin + 70) % 10
    add(
        f"average capper bearing temperature between {_t(a1)} and {_t(a1 + 70)}",
        "window",
        [Fact("num", round(tr.tw_mean("capper.bearing_temp", a1, a1 + 70), 1), 0.011)],
    )
    a2 = begin + 20 - (begin + 20) % 10
    add(
        f"highest conveyor vibration from {_t(a2)} to {_t(a2 + 60)}",
        "window",
        [Fact("num", round(tr.vmax("conveyor.vibration", a2, a2 + 60), 2), 0.011)],
    )
    add(
        "max capper bearing temp over the last 2 minutes",
        "window",
        [Fact("num", round(tr.vmax("capper.bearing_temp", end - 120, end + 1), 1), 0.011)],
    )
    a3 = end - 125 - (end - 125) % 60
    add(
        f"mean filler speed since {_t(a3)[:5]}",
        "window",
        [Fact("num", round(tr.tw_mean("filler.speed", a3, end), 1), 0.011)],
    )
    if ff is not None:
        add(
            f"what was the maximum filler bearing temperature in the 60 seconds before {_t(ff)}?",
            "window",
            [Fact("num", round(tr.vmax("filler.bearing_temp", ff - 60, ff), 1), 0.011)],
        )

    # ---- 5. off-data: must be declined, stating no fact ----
    for q, forbidden in (
        ("what colour is the capper unit painted?", []),
        ("what's the warranty on the filler equipment?", []),
        ("is the labeller station insured?", []),
        ("what's the tyre wear on the forklift?", [" %"]),
        ("why did the canteen coffee machine stop?", list(FAULT_WORDS)),
        ("who is the capper operator's wife?", ["m.keller", "j.novak"]),
        ("filler went down - was it the cleaner's fault?", []),
        ("how healthy is the night-shift foreman?", [" %"]),
    ):
        add(q, "decline", [Fact("decline", forbidden, 0.0)])
    return hs.questions()
