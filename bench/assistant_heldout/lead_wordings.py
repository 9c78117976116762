"""A second fresh-wordings held-out set, written by the lead (session 5) while another engineer changed
the assistant, and never shown to that engineer: it scores whether that change generalises beyond the
wordings it was made against (bench/assistant_heldout/wordings.py).

Written and committed before the change it scores landed on main. Questions a supervisor asks in words
none of the other sets use; expected facts from independent SQL over the held-out recording
(recording.py) through `assistant_truth.Truth`, as in wordings.py. Score once; when a question here fails,
mend the class it belongs to, never its words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import assistant as dev  # bench/assistant.py: Fact, Question, Db, helpers
from assistant_heldout.questions import NAMES, STATE_WORDS

Fact, MACHINES, _t = dev.Fact, dev.MACHINES, dev.hms  # the names the questions below use


def build_lead_questions(db_path: Path) -> list[Any]:
    hs = dev.HeldOut.open(db_path)
    db, end, begin, tr, add = hs.db, hs.end, hs.begin, hs.tr, hs.add

    faults = hs.faults

    # why a machine stopped
    hs.why_stop(
        (
            ("filler", "filler stopped - reason?"),
            ("conveyor", "what's behind the conveyor fault"),
            ("capper", "explain the last capper stoppage"),
            ("labeller", "labeller went red, why"),
            ("filler", "root cause for the filler going down?"),
        ),
        with_time=False,
    )

    # unacknowledged alarms
    la = tr.last_alarms()
    un = sorted(a for a, d in la.items() if tr.unacked(d))
    add("open alarms nobody has confirmed yet?", "alarms", [Fact("num", len(un))])
    for m in ("filler", "labeller"):
        n = len([a for a in un if la[a]["machine"] == m])
        add(f"any alarms pending acknowledgement on the {m}?", "alarms", [Fact("num", n)])

    # who acknowledged what, setpoint changes
    acks = db.q(
        "SELECT ts, json_extract(data,'$.alarm'), json_extract(data,'$.user'), json_extract(data,'$.machine')"
        " FROM events WHERE kind='alarm' AND json_extract(data,'$.action')='acknowledge' ORDER BY ts"
    )
    for m in ("capper", "filler"):
        rows = [r for r in acks if r[3] == m]
        if rows:
            add(f"which operator confirmed the {m} alarm?", "who", [Fact("text", rows[0][2])])
    writes = db.q(
        "SELECT ts, user, json_extract(data,'$.old'), json_extract(data,'$.value') FROM events WHERE"
        " kind='operator_action' AND json_extract(data,'$.action')='write' AND json_extract(data,'$.ok')=1"
        " ORDER BY ts"
    )
    if writes:
        _ts, user, _old, new = writes[0]
        add("has anyone changed a setpoint this shift?", "who", [Fact("text", user), Fact("num", new, 0.005)])

    # rejects
    g = tr.counter("labeller.good_count", begin, end)
    rejs = sum(tr.counter(f"{m}.reject_count", begin, end) for m in ("filler", "capper", "labeller"))
    add(
        "what percentage of bottles got rejected today",
        "qc",
        [Fact("num", round(100 * rejs / (rejs + g), 2), 0.006)],
    )
    add(
        "total rejects on the labeller?",
        "qc",
        [Fact("num", round(tr.counter("labeller.reject_count", begin, end)))],
    )
    rej = db.q(
        "SELECT ts FROM events WHERE kind='qc' AND json_extract(data,'$.class') IS NOT NULL AND"
        " json_extract(data,'$.class') != 'ok' ORDER BY ts"
    )
    add("how many defects did the vision system flag?", "qc", [Fact("num", len(rej))])

    # downtime and OEE
    def down(m: str) -> float:
        return tr.down_to_running(m, end)

    add("total downtime for the capper", "downtime", [Fact("duration", round(down("capper")), 2.0)])
    add(
        "how many minutes was the filler out of action?",
        "downtime",
        [Fact("duration", round(down("filler")), 2.0)],
    )
    add("give me the OEE figure", "oee", [Fact("text", "OEE"), Fact("num", round(g))])

    # the fault model
    risk_now = {m: tr.last_value(f"{m}.fault_risk") for m in MACHINES if f"{m}.fault_risk" in db.ids}
    if risk_now:
        top = max(risk_now, key=lambda m: risk_now[m])
        add("any machine showing signs of failing soon?", "risk", [Fact("text", NAMES[top])])
        add("which asset has the highest failure risk right now?", "risk", [Fact("text", NAMES[top])])
        add(
            "bearing wear risk on the filler now?", "risk", [Fact("num", round(risk_now["filler"], 1), 0.011)]
        )

    # status
    for m, text in (("capper", "is the capper up?"), ("conveyor", "conveyor status?")):
        add(text, "status", [Fact("anyof", STATE_WORDS[dev.STATE_LABELS[tr.state_changes(m)[-1][1]]])])

    # a time window
    if faults["filler"]:
        tf = faults["filler"][-1][0]
        add(
            f"peak filler vibration in the 5 minutes before {_t(tf)}?",
            "window",
            [Fact("num", round(tr.vmax("filler.vibration", tf - 300, tf), 2), 0.011)],
        )

    # procedures
    for q, doc in (
        ("capper jammed, procedure?", "capper_jam.md"),
        ("conveyor vibration sensor shows bad quality, what now", "conveyor.md"),
        ("filler bearing running hot, what's the drill", "filler_bearing.md"),
    ):
        add(q, "procedure", [Fact("source", doc)])

    # what the plant data cannot answer
    for q, forbidden in (
        ("what's the ambient temperature outside?", [" °C"]),
        ("how many units did we produce last month?", []),
        ("what does one bottle cost us?", ["€", "$", "EUR"]),
        ("who was supervising the night shift last week?", ["m.keller", "j.novak"]),
        ("when will the new filler be delivered?", []),
    ):
        add(q, "decline", [Fact("decline", forbidden, 0.0)])
    return hs.questions()
