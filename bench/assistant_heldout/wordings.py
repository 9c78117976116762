"""Fresh-wordings held-out set (misc6, issue 10: "right on 48 % of new wordings once").

Written and committed BEFORE any change to the assistant it scores, by someone who had not written the
router's patterns: supervisor questions in everyday words, slang, typos and indirect forms (what knocked X
out, what made Y wait, what is still hanging without an ack, who signed off what, how much scrap, how long
were we down, which machine is closest to a breakdown, what happened between two times, the drill for a
symptom) and questions the plant data cannot answer. None of these wordings is in the tests, the dev set or
the other held-out sets.

Expected facts come from independent SQL over the raw tables of the held-out recording (recording.py,
/tmp/asst_heldout), through `assistant_truth.Truth`: stops and fault labels from the samples of the state
and fault-code tags, downtime from the state samples, counters by differences, alarm states from the last
transition per alarm, acknowledgements and other actions from the alarm transitions and audit rows,
downtime from each stop to Running again (as the Production view counts a stop), the fault model's
figures from the `<machine>.fault_risk` samples. Never the assistant's own tools.

Scored like the other held-out sets (bench/assistant.py --set wordings), with the app's line config
(the demo line's, which the recording was made with), in three figures: right; honest "can't answer"
(an answerable question declined, stating no fact); wrong (a fact stated that is not the one asked, or a
decline question answered). Score once, at the end of a change: when a question here fails, mend the class
it belongs to, never its words.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import assistant as dev  # bench/assistant.py: Fact, Question, Db, helpers
from assistant_heldout.questions import FAULT_WORDS, NAMES, STATE_WORDS

Fact = dev.Fact

MACHINES = dev.MACHINES


_t = dev.hms


def _hm(ts: float) -> str:
    return time.strftime("%H:%M", time.localtime(ts))


def build_wordings_questions(db_path: Path) -> list[Any]:
    hs = dev.HeldOut.open(db_path)
    db, end, begin, tr, add = hs.db, hs.end, hs.begin, hs.tr, hs.add
    fault_any = dev.fault_any

    def state_any(code: int) -> Any:
        return Fact("anyof", STATE_WORDS[dev.STATE_LABELS[code]])

    faults = hs.faults

    # ---- why a machine stopped, in plain and indirect words ----
    hs.why_stop(
        (
            ("labeller", "what knocked the labeller out?"),
            ("conveyor", "the belt conveyor died on us earlier - what happened?"),
            ("filler", "why'd the filler trip near the end?"),
            ("capper", "capper went down, root cause pls"),
            ("filler", "what took the filler offline?"),
            ("labeller", "why did the lableller stop"),
            ("capper", "what put the capper into fault?"),
        )
    )
    conv = faults["conveyor"]
    if conv:
        tc = conv[0][0]
        ti = next((ts for ts, v in tr.state_changes("filler") if v == 3 and tc <= ts <= tc + 30), None)
        if ti is not None:
            add(
                f"what made the filler sit waiting around {_hm(ti)}?",
                "cause",
                [Fact("text", "Conveyor"), fault_any(conv[0][2])],
            )
    lab = faults["labeller"]
    if lab:
        tj = lab[0][0]
        ci = next((ts for ts, v in tr.state_changes("capper") if v == 3 and tj <= ts <= tj + 60), None)
        if ci is not None:
            add(
                f"capper was just standing there at {_t(ci + 2)}, whose fault was that?",
                "cause",
                [Fact("text", "Labeller"), fault_any(lab[0][2])],
            )

    # ---- what is still unacknowledged ----
    la = tr.last_alarms()
    un = sorted(a for a, d in la.items() if tr.unacked(d))
    add("anything still waiting for somebody to ack?", "alarms", [Fact("num", len(un))])
    add("which alarms havent been acknowleged", "alarms", [Fact("num", len(un))])
    high_un = [a for a in un if la[a]["priority"] in ("high", "urgent")]
    add("are there any un-acked high priority alarms?", "alarms", [Fact("num", len(high_un))])
    cap_un = [a for a in un if la[a]["machine"] == "capper"]
    add(
        "is there anything on the capper nobody has acknowledged?",
        "alarms",
        [Fact("num", len(cap_un))],
    )
    add(
        "Welche Alarme wurden noch von niemandem bestätigt?",
        "alarms_de",
        [Fact("num", len(un)), Fact("lang", "de")],
    )

    # ---- who acknowledged what and when ----
    acks = db.q(
        "SELECT ts, json_extract(data,'$.alarm'), json_extract(data,'$.user'), json_extract(data,'$.comment'),"
        " json_extract(data,'$.machine') FROM events WHERE kind='alarm' AND json_extract(data,'$.action')="
        "'acknowledge' ORDER BY ts"
    )
    cap_acks = [r for r in acks if r[4] == "capper"]
    if cap_acks:
        add(
            "who signed off the capper alarms, and at what time?",
            "who",
            [Fact("text", cap_acks[0][2]), Fact("time", _t(cap_acks[0][0]))],
        )
    conv_acks = [r for r in acks if r[4] == "conveyor"]
    if conv_acks:
        add(
            "when was the conveyor alarm acked and by whom",
            "who",
            [Fact("text", conv_acks[0][2]), Fact("time", _t(conv_acks[0][0]))],
        )
    if acks:
        add(
            f"did {acks[0][2]} acknowledge anything today?",
            "who",
            [Fact("time", _t(acks[0][0])), Fact("text", acks[0][3])],
        )
    shelves = db.q(
        "SELECT ts, json_extract(data,'$.user'), json_extract(data,'$.reason') FROM events WHERE kind='alarm'"
        " AND json_extract(data,'$.action')='shelve' ORDER BY ts"
    )
    if shelves:
        add("why is one of the alarms parked on the shelf?", "who", [Fact("text", shelves[0][2])])
    writes = db.q(
        "SELECT ts, user, json_extract(data,'$.old'), json_extract(data,'$.value') FROM events WHERE"
        " kind='operator_action' AND json_extract(data,'$.action')='write' AND json_extract(data,'$.ok')=1"
        " ORDER BY ts"
    )
    if writes:
        _ts, user, old, new = writes[0]
        add(
            "did anybody mess with the filler speed setpoint?",
            "who",
            [Fact("text", user), Fact("num", old, 0.005), Fact("num", new, 0.005)],
        )

    # ---- reject rate and what it counts ----
    g = tr.counter("labeller.good_count", begin, end)
    rejs = sum(tr.counter(f"{m}.reject_count", begin, end) for m in ("filler", "capper", "labeller"))
    add("what's our scrap rate this shift?", "qc", [Fact("num", round(100 * rejs / (rejs + g), 2), 0.006)])
    add("how many bad bottles in total so far?", "qc", [Fact("num", round(rejs))])
    cg, cr = tr.counter("capper.good_count", begin, end), tr.counter("capper.reject_count", begin, end)
    add("reject % on the capper?", "qc", [Fact("num", round(100 * cr / (cg + cr), 2), 0.006)])
    rej = db.q(
        "SELECT ts FROM events WHERE kind='qc' AND json_extract(data,'$.class') IS NOT NULL AND"
        " json_extract(data,'$.class') != 'ok' ORDER BY ts"
    )
    add("how many bottles has the camera binned?", "qc", [Fact("num", len(rej))])
    add(
        "the reject rate - what exactly does it count?",
        "qc",
        [Fact("anyof", ["counter", "counters"]), Fact("num", round(100 * rejs / (rejs + g), 2), 0.006)],
    )

    # ---- downtime and OEE of the shift ----
    def down(m: str) -> float:
        return tr.down_to_running(m, end)

    tot = sum(down(m) for m in MACHINES)
    add(
        "how long were we down this shift, all machines together?",
        "downtime",
        [Fact("duration", round(tot), 4.0)],
    )
    add("labeller downtime?", "downtime", [Fact("duration", round(down("labeller")), 2.0)])
    add(
        "how long was the conveyer standing this shift",
        "downtime",
        [Fact("duration", round(down("conveyor")), 2.0)],
    )
    add(
        "OEE for the shift pls", "oee", [Fact("text", "OEE"), Fact("num", round(g)), Fact("num", round(rejs))]
    )
    add(
        "how is the line doing on overall equipment effectiveness today?",
        "oee",
        [Fact("text", "OEE"), Fact("num", round(g))],
    )
    add("Wie hoch war die OEE in dieser Schicht?", "oee_de", [Fact("num", round(g)), Fact("lang", "de")])

    # ---- which machine is closest to a breakdown (the fault model, now) ----
    risk_now = {m: tr.last_value(f"{m}.fault_risk") for m in MACHINES if f"{m}.fault_risk" in db.ids}
    peaks = {m: max(v for _t0, v in tr.series(f"{m}.fault_risk")) for m in risk_now}
    if risk_now:
        top = max(risk_now, key=lambda m: risk_now[m])
        for text in (
            "which machine is closest to a breakdown?",
            "which machine is most likely to fail next?",
            "is any machine about to fail?",
        ):
            add(text, "risk", [Fact("text", NAMES[top])])
        add(
            "whats the failure risk on the capper rn",
            "risk",
            [Fact("num", round(risk_now["capper"], 1), 0.011)],
        )
        pk = max(peaks, key=lambda m: peaks[m])
        add(
            "which machine was the model most worried about today?",
            "risk",
            [Fact("text", NAMES[pk]), Fact("num", round(peaks[pk], 1), 0.011)],
        )

    # ---- status ----
    add(
        "is the filler running rn?",
        "status",
        [state_any(tr.state_changes("filler")[-1][1])],
    )
    add("hows the labeller doing", "status", [state_any(tr.state_changes("labeller")[-1][1])])
    if conv:
        tm = conv[0][0] + 6.0
        add(
            f"what state was the conveyor in at {_t(tm)}?", "window", [state_any(tr.state_at("conveyor", tm))]
        )

    # ---- time windows ----
    if lab:
        tj = lab[0][0]
        a, b = tj - (tj % 60), tj - (tj % 60) + 60
        add(
            f"what happened between {_hm(a)} and {_hm(b)}?",
            "window",
            [Fact("text", "Labeller"), fault_any(lab[0][2])],
        )
    if conv:
        tc = conv[0][0]
        a = tc - (tc % 60)
        n = db.q(
            "SELECT count(*) FROM events WHERE kind='alarm' AND json_extract(data,'$.action')='activate' AND"
            " json_extract(data,'$.annunciated')=1 AND ts>=?",
            a,
        )[0][0]
        add(f"how many alarms went off after {_hm(a)}?", "window", [Fact("num", n)])
        add(
            f"highest filler motor current in the 2 minutes before {_t(tc)}",
            "window",
            [Fact("num", round(tr.vmax("filler.motor_current", tc - 120, tc), 2), 0.011)],
        )
        nst = sum(1 for m in MACHINES for s in tr.stops(m) if s[0] >= a)
        add(f"how many stops have we had since {_hm(a)}?", "window", [Fact("num", nst)])

    # ---- procedures for a symptom ----
    for q, doc in (
        ("belt vibration reading went missing, what do I do?", "conveyor.md"),
        ("caps getting stuck in the chute, how do I clear it?", "capper_jam.md"),
        ("glue on the labeller is way too hot, steps?", "labeller_glue.md"),
        ("fill pressure keeps dropping on the filler - what should I look at?", "filler_fill_pressure.md"),
        ("cap torque out of spec, what's the fix?", "capper_torque.md"),
    ):
        add(q, "procedure", [Fact("source", doc)])

    # ---- questions the plant data cannot answer ----
    for q, forbidden in (
        ("how much did today's downtime cost us?", ["€", "$", "EUR"]),
        ("what's the humidity in the filling hall?", [" %"]),
        ("who's on the rota for tomorrow's early shift?", ["m.keller", "j.novak"]),
        ("when is the filler due for its next service?", []),
        ("how many bottles did the night shift make?", []),
        ("why did the capper stop last tuesday?", list(FAULT_WORDS)),
        ("which supplier's caps are we using?", []),
    ):
        add(q, "decline", [Fact("decline", forbidden, 0.0)])
    return hs.questions()
