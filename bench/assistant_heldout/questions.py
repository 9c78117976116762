"""Held-out questions for the assistant, written before the router changes of issue 13.

Wordings are new (not the dev set's, not the router's patterns); the expected answers come from
independent SQL over the raw tables of the held-out recording (recording.py): stops and states from
the *samples* of the state/fault-code tags, counters by differences, alarm states from the last
transition per alarm, who-did-what from the alarm transitions and operator-action events, QC from
the reject events and the `qc.defect_rate` samples, advisories from the `<machine>.fault_risk`
samples. Never the assistant's own tools.

Score this set once, at the end of a change (bench/assistant.py --set heldout): tuning against it
turns it into a second dev set.

Fact kinds (checked by bench/assistant.py `fact_ok`): num, time, text, anyof, duration, source,
plus `lang` (the answer is in the question's language: "de" or "zh") and `decline` (the answer says
it cannot answer / has no such thing, and states none of the `forbidden` strings).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import assistant as dev  # bench/assistant.py: Fact, Question, Db, helpers

Fact = dev.Fact
Question = dev.Question

MACHINES = ("filler", "capper", "labeller", "conveyor")
NAMES = {"filler": "Filler", "capper": "Capper", "labeller": "Labeller", "conveyor": "Conveyor"}
NAMES_DE = {
    "filler": "Füller",
    "capper": "Verschließer",
    "labeller": "Etikettierer",
    "conveyor": "Förderband",
}
NAMES_ZH = {"filler": "灌装机", "capper": "封盖机", "labeller": "贴标机", "conveyor": "输送机"}
# Fault labels as a supervisor would accept them in each language (English always accepted).
FAULT_WORDS = {
    "Jam": ["jam", "Stau", "卡"],
    "Overheat": ["overheat", "Übertemperatur", "Überhitz", "过热"],
    "Bearing failure": ["bearing failure", "Lagerschaden", "轴承"],
    "Sensor fault": ["sensor fault", "Sensorfehler", "传感器"],
    "Motor trip": ["motor trip", "Motorschutz", "电机跳闸"],
}
STATE_WORDS = {
    "Stopped": ["Stopped", "gestoppt", "steht", "停止"],
    "Starting": ["Starting", "startet", "启动"],
    "Running": ["Running", "läuft", "运行"],
    "Idle": ["Idle", "wartet", "Leerlauf", "空闲"],
    "Faulted": ["Faulted", "Störung", "gestört", "故障"],
}
DECLINE = [
    "can't answer",
    "cannot answer",
    "don't have",
    "do not have",
    "no data",
    "not recorded",
    "not measured",
    "no machine",
    "no signal",
    "no such",
    "there is no",
    "not in the",
    "only covers",
    "covers only",
    "no journal",
    "isn't measured",
    "is not measured",
    "no record",
    "no production model",
    "keine Maschine",
    "kein Signal",
    "kann ich nicht",
    "keine Daten",
    "gibt es nicht",
    "nicht gemessen",
    "没有",
    "无法回答",
]


_t = dev.hms


def _hm(ts: float) -> str:
    return time.strftime("%H:%M", time.localtime(ts))


def _good(status: int) -> bool:
    return (int(status) & 0xC0000000) == 0


def build_heldout_questions(db_path: Path) -> list[Any]:
    hs = dev.HeldOut.open(db_path)
    db, end, begin, tr, add = hs.db, hs.end, hs.begin, hs.tr, hs.add
    series, last_value, state_changes, state_at = tr.series, tr.last_value, tr.state_changes, tr.state_at
    stops, downtime, tw_mean, vmax, counter = tr.stops, tr.downtime, tr.tw_mean, tr.vmax, tr.counter
    last_alarms, unacked = tr.last_alarms, tr.unacked

    lang_de, lang_zh = Fact("lang", "de"), Fact("lang", "zh")

    fault_any = dev.fault_any

    def state_any(label: str) -> Any:
        return Fact("anyof", STATE_WORDS[label])

    # ---- current values (EN / DE / ZH) ----
    add(
        "Tell me the capper motor current at the moment.",
        "value",
        [Fact("num", last_value("capper.motor_current"), 0.011)],
    )
    add(
        "Wie hoch ist die Lagertemperatur am Füller gerade?",
        "value_de",
        [Fact("num", last_value("filler.bearing_temp"), 0.011), lang_de],
    )
    add(
        "贴标机的胶水温度现在是多少？",
        "value_zh",
        [Fact("num", last_value("labeller.glue_temp"), 0.011), lang_zh],
    )
    add("conveyor belt speed right now?", "value", [Fact("num", last_value("conveyor.speed"), 0.011)])
    add("What does the camera's defect rate read?", "qc", [Fact("num", last_value("qc.defect_rate"), 0.011)])

    # ---- stops and causes ----
    cap_faults = [s for s in stops("capper") if s[1] == 4 and s[2]]
    if cap_faults:
        ts, _v, label = cap_faults[-1]
        add("What brought the capper to a halt?", "why_stop", [Fact("time", _t(ts)), fault_any(label)])
        add(
            "Warum ist der Verschließer stehen geblieben?",
            "why_stop_de",
            [Fact("time", _t(ts)), fault_any(label), lang_de],
        )
        add("封盖机为什么停机？", "why_stop_zh", [Fact("time", _t(ts)), fault_any(label), lang_zh])
    conv = [s for s in stops("conveyor") if s[1] == 4]
    if conv:
        ts, _v, label = conv[0]
        add(
            f"Reason the conveyor tripped shortly after {_hm(ts - 30)}?",
            "why_stop",
            [fault_any(label), Fact("time", _t(ts))],
        )
    add("How many times did the labeller stop today?", "stops", [Fact("num", len(stops("labeller")))])
    add(
        "Wie oft ist der Etikettierer heute stehen geblieben?",
        "stops_de",
        [Fact("num", len(stops("labeller"))), lang_de],
    )
    add("灌装机今天停了几次？", "stops_zh", [Fact("num", len(stops("filler"))), lang_zh])
    add(
        "How long was the conveyor out?",
        "stops",
        [Fact("duration", round(downtime("conveyor", begin, end)), 2.0)],
    )
    add(
        "How long was the filler out of action in total?",
        "stops",
        [Fact("duration", round(downtime("filler", begin, end)), 2.0)],
    )
    tot = sum(downtime(m, begin, end) for m in MACHINES)
    add("Total downtime across all machines?", "aggregate", [Fact("duration", round(tot), 4.0)])
    counts = {m: len(stops(m)) for m in MACHINES}
    best = sorted(counts.items(), key=lambda kv: -kv[1])
    if best[0][1] > best[1][1]:
        add(
            "Which machine stopped most often?",
            "aggregate",
            [Fact("text", NAMES[best[0][0]]), Fact("num", best[0][1])],
        )
    cs = stops("capper")
    if cs:
        add(
            "capper stoppages - causes?",
            "stops",
            [Fact("num", len(cs)), *[fault_any(f) for _t0, _v, f in cs if f][:2]],
        )
    # state at a moment (explicit time)
    if conv:
        t_mid = conv[0][0] + 5.0
        lab = state_at("labeller", t_mid)
        add(f"What was the labeller doing at {_t(t_mid)}?", "window", [state_any(dev.STATE_LABELS[lab])])
    add(
        "灌装机现在在运行吗？",
        "status_zh",
        [state_any(dev.STATE_LABELS[state_changes("filler")[-1][1]]), lang_zh],
    )
    add(
        "Is the capper up and running?",
        "status",
        [state_any(dev.STATE_LABELS[state_changes("capper")[-1][1]])],
    )

    # ---- upstream / downstream cause ----
    if conv:
        tc = conv[0][0]
        idle_after = [
            m
            for m in ("filler", "capper", "labeller")
            if any(v == 3 and tc <= ts <= tc + 30 for ts, v in state_changes(m))
        ]
        for m in idle_after[:2]:
            ti = next(ts for ts, v in state_changes(m) if v == 3 and tc <= ts <= tc + 30)
            add(
                f"Why did the {m} go idle at {_t(ti)}?",
                "cause",
                [Fact("text", "Conveyor"), fault_any(conv[0][2] or "Motor trip")],
            )
        if len(idle_after) >= 2:
            add(
                f"Several machines went idle around {_hm(tc + 5)} - what was behind it?",
                "cause",
                [Fact("text", "Conveyor"), fault_any(conv[0][2] or "Motor trip")],
            )
    lab_jam = [s for s in stops("labeller") if s[1] == 4 and s[2] == "Jam"]
    if lab_jam:
        tj = lab_jam[0][0]
        cap_idle = [ts for ts, v in state_changes("capper") if v == 3 and tj <= ts <= tj + 60]
        if cap_idle:
            add(
                f"The capper sat idle from {_t(cap_idle[0])} - downstream problem?",
                "cause",
                [Fact("text", "Labeller"), fault_any("Jam")],
            )

    # ---- alarms (EN / DE / ZH) ----
    la = last_alarms()
    un = sorted(a for a, d in la.items() if unacked(d))
    add(
        "Anything on the alarm list nobody has acknowledged yet?",
        "alarms",
        [Fact("num", len(un))] + [Fact("text", a) for a in un[:0]],
    )
    add("Welche Alarme sind noch nicht quittiert?", "alarms_de", [Fact("num", len(un)), lang_de])
    add("还有哪些未确认的报警？", "alarms_zh", [Fact("num", len(un)), lang_zh])
    low_un = [a for a in un if la[a]["priority"] == "low"]
    add(
        "Any low-prio alarms still waiting for an ack?",
        "alarms",
        [Fact("num", len(low_un))]
        if low_un
        else [Fact("anyof", ["0 low", "no low", "No low", "none", "None"])],
    )
    standing = [a for a, d in la.items() if d["state"] != "normal"]
    add("What's still open on the alarm side for the late shift?", "alarms", [Fact("num", len(standing))])
    acts = db.q(
        "SELECT json_extract(data,'$.machine'), count(*) FROM events WHERE kind='alarm' AND"
        " json_extract(data,'$.action')='activate' AND json_extract(data,'$.annunciated')=1"
        " GROUP BY 1 ORDER BY 2 DESC"
    )
    if len(acts) > 1 and acts[0][1] > acts[1][1]:
        add(
            "Which machine raised the most alarms this shift?",
            "aggregate",
            [Fact("text", NAMES[acts[0][0]]), Fact("num", acts[0][1])],
        )
    conv_acts = dict(acts).get("conveyor", 0)
    add("Any alarms on the conveyor during the shift? total please", "alarms", [Fact("num", conv_acts)])

    # ---- who did what ----
    acks = db.q(
        "SELECT ts, json_extract(data,'$.alarm'), json_extract(data,'$.user'), json_extract(data,'$.comment'),"
        " json_extract(data,'$.machine') FROM events WHERE kind='alarm' AND json_extract(data,'$.action')="
        "'acknowledge' ORDER BY ts"
    )
    conv_acks = [r for r in acks if r[4] == "conveyor"]
    if conv_acks:
        add("Who acked the conveyor alarms?", "who", [Fact("text", conv_acks[0][2])])
        add(
            "What comment was left when the conveyor alarms were acknowledged?",
            "who",
            [Fact("text", conv_acks[0][3])],
        )
    cap_acks = [r for r in acks if r[4] == "capper"]
    if cap_acks:
        add(
            "Who took the capper alarms and when?",
            "who",
            [Fact("text", cap_acks[0][2]), Fact("time", _t(cap_acks[0][0]))],
        )
    writes = db.q(
        "SELECT ts, user, json_extract(data,'$.tag'), json_extract(data,'$.old'), json_extract(data,'$.value')"
        " FROM events WHERE kind='operator_action' AND json_extract(data,'$.action')='write' AND"
        " json_extract(data,'$.ok')=1 ORDER BY ts"
    )
    if writes:
        ts, user, _tag, old, new = writes[0]
        add(
            "Who touched the filler speed setpoint, and from what to what?",
            "who",
            [Fact("text", user), Fact("num", old, 0.005), Fact("num", new, 0.005)],
        )
        add(
            "Wer hat den Sollwert der Füllergeschwindigkeit geändert?",
            "who_de",
            [Fact("text", user), lang_de],
        )
        add("Were any setpoints changed this shift?", "who", [Fact("text", user), Fact("time", _t(ts))])
    resets = db.q(
        "SELECT ts, json_extract(data,'$.alarm'), json_extract(data,'$.user'), json_extract(data,'$.comment')"
        " FROM events WHERE kind='alarm' AND json_extract(data,'$.action')='reset' ORDER BY ts"
    )
    if resets:
        add("Did somebody reset the capper fault? who?", "who", [Fact("text", resets[0][2])])
    shelves = db.q(
        "SELECT ts, json_extract(data,'$.alarm'), json_extract(data,'$.user'), json_extract(data,'$.reason')"
        " FROM events WHERE kind='alarm' AND json_extract(data,'$.action')='shelve' ORDER BY ts"
    )
    if shelves:
        add(
            "Has anyone shelved an alarm? Which one and why?",
            "who",
            [Fact("text", shelves[0][2]), Fact("text", shelves[0][3])],
        )
    actors = sorted(
        {r[2] for r in acks} | {w[1] for w in writes} | {r[2] for r in resets} | {r[2] for r in shelves}
    )
    add("Which users did anything on the HMI this shift?", "who", [Fact("text", a) for a in actors])

    # ---- QC (camera, counters) ----
    rej = db.q(
        "SELECT ts, json_extract(data,'$.class') FROM events WHERE kind='qc' AND json_extract(data,'$.class')"
        " IS NOT NULL AND json_extract(data,'$.class') != 'ok' ORDER BY ts"
    )
    add("How many bottles did the QC camera throw out?", "qc", [Fact("num", len(rej))])
    add(
        "What share of bottles is the vision system rejecting?",
        "qc",
        [Fact("num", last_value("qc.defect_rate"), 0.011)],
    )
    if rej:
        from collections import Counter

        top = Counter(c for _t0, c in rej).most_common(2)
        if len(top) == 1 or top[0][1] > top[1][1]:
            add(
                "Which defect type did the camera catch most?",
                "qc",
                [Fact("anyof", [top[0][0], top[0][0].replace("_", " ")])],
            )
        add("When was the last camera reject?", "qc", [Fact("time", _t(rej[-1][0]))])
    g, r = counter("labeller.good_count", begin, end), counter("labeller.reject_count", begin, end)
    add("贴标机的废品率是多少？", "qc_zh", [Fact("num", round(100 * r / (g + r), 2), 0.006), lang_zh])
    rejs = sum(counter(f"{m}.reject_count", begin, end) for m in ("filler", "capper", "labeller"))
    add(
        "Wie hoch ist die Ausschussquote der Linie?",
        "qc_de",
        [Fact("num", round(100 * rejs / (rejs + g), 2), 0.006), lang_de],
    )
    add("Total rejects across all machines this shift?", "aggregate", [Fact("num", round(rejs))])
    dqr = max(0.0, defr) if (defr := vmax("qc.defect_rate", begin, end)) else 0.0
    add("Peak camera defect rate today?", "qc", [Fact("num", dqr, 0.011)])

    # ---- advisories (fault model) history ----
    risk_rows = {m: series(f"{m}.fault_risk") for m in MACHINES if f"{m}.fault_risk" in db.ids}
    peaks = {m: max(v for _t0, v in rows) for m, rows in risk_rows.items() if rows}
    if peaks:
        pm = max(peaks, key=lambda m: peaks[m])
        add(
            "What was the highest failure risk the model predicted today, and for which machine?",
            "advisory",
            [Fact("text", NAMES[pm]), Fact("num", round(peaks[pm], 1), 0.011)],
        )
    if "capper" in peaks:
        add(
            "Peak capper failure risk this shift?",
            "advisory",
            [Fact("num", round(peaks["capper"], 1), 0.011)],
        )
    raised = db.q(
        "SELECT ts, json_extract(data,'$.machine'), json_extract(data,'$.risk') FROM events WHERE kind='advisory'"
        " AND json_extract(data,'$.advisory')='raised' ORDER BY ts"
    )
    if cap_faults:
        t_trip = cap_faults[0][0]
        before = [r for r in raised if r[1] == "capper" and r[0] <= t_trip]
        if before:
            add(
                "Did the fault model see the capper failure coming?",
                "advisory",
                [Fact("anyof", ["yes", "Yes", "warned"]), Fact("time", _t(before[0][0]))],
            )
        else:
            add(
                "Did the fault model see the capper failure coming?",
                "advisory",
                [
                    Fact(
                        "anyof",
                        [
                            "no advisory",
                            "No advisory",
                            "did not warn",
                            "no warning",
                            "No warning",
                            "not warn",
                        ],
                    )
                ],
            )
    if raised:
        add(
            "When did the predictor first raise a warning, and for what?",
            "advisory",
            [Fact("time", _t(raised[0][0])), Fact("text", NAMES[raised[0][1]])],
        )
    else:
        add(
            "When did the predictor first raise a warning, and for what?",
            "advisory",
            [
                Fact(
                    "anyof",
                    ["no advisory", "No advisory", "did not raise", "no warning", "No warning", "none"],
                )
            ],
        )

    # ---- explicit windows ----
    if conv:
        tc = conv[0][0]
        add(
            "What was the average filler speed in the 2 min before the conveyor went down?",
            "window",
            [Fact("num", round(tw_mean("filler.speed", tc - 120, tc), 1), 0.02)],
        )
        a2, b2 = tc - 60, tc + 60
        # Minute boundaries as a person types them: the window is widened to whole minutes.
        a2m = a2 - (a2 % 60)
        b2m = b2 - (b2 % 60) + 60
        n = db.q(
            "SELECT count(*) FROM events WHERE kind='alarm' AND json_extract(data,'$.action')='activate' AND"
            " json_extract(data,'$.annunciated')=1 AND ts>=? AND ts<?",
            a2m,
            b2m,
        )[0][0]
        add(f"How many alarms came in between {_hm(a2m)} and {_hm(b2m)}?", "window", [Fact("num", n)])
        add(
            f"Max capper bearing temperature between {_hm(a2m)} and {_hm(b2m)}",
            "window",
            [Fact("num", round(vmax("capper.bearing_temp", a2m, b2m), 2), 0.011)],
        )
        gl = counter("labeller.reject_count", a2m, b2m)
        add(f"Labeller rejects from {_hm(a2m)} to {_hm(b2m)}?", "window", [Fact("num", round(gl))])
    add(
        "Average filler speed over the last 5 minutes?",
        "stats",
        [Fact("num", round(tw_mean("filler.speed", end - 300, end), 1), 0.02)],
    )
    add(
        "Mean conveyor motor current this shift",
        "stats",
        [Fact("num", round(tw_mean("conveyor.motor_current", begin, end), 2), 0.02)],
    )

    # ---- procedures ----
    for q, doc in [
        ("Filler bearing running hot - what's the drill?", "filler_bearing.md"),
        ("Was muss ich tun, wenn der Verschließer blockiert ist?", "capper_jam.md"),
        ("输送机振动信号丢失怎么处理？", "conveyor.md"),
        ("Checklist before restarting a machine after a trip?", "fault_reset_restart.md"),
        ("Glue running too cold on the labeller, which SOP covers that?", "labeller_glue.md"),
        ("Isolation steps before I open a guard?", "lockout_tagout.md"),
        ("Filler motor protection tripped, what now?", "filler_motor_trip.md"),
    ]:
        cat = (
            "procedure_de"
            if "ß" in q
            else "procedure_zh"
            if any("\u4e00" <= ch <= "\u9fff" for ch in q)
            else "procedure"
        )
        facts = [Fact("source", doc)]
        if cat == "procedure_de":
            facts.append(lang_de)
        if cat == "procedure_zh":
            facts.append(lang_zh)
        add(q, cat, facts)

    # ---- out of scope: honest declines ----
    add("How's the palletiser doing?", "decline", [Fact("decline", [], 0.0)])
    add("What was the oil level in the filler gearbox?", "decline", [Fact("decline", [" bpm", " °C"], 0.0)])
    add("Why did the capper stop yesterday?", "decline", [Fact("decline", [f for f in FAULT_WORDS], 0.0)])
    add("What's our OEE this shift?", "decline", [Fact("decline", [], 0.0)])
    add("Will it rain tomorrow?", "decline", [Fact("decline", [], 0.0)])
    add("How much energy did the line use today?", "decline", [Fact("decline", [" kWh"], 0.0)])
    add("How many bottles did we make last week?", "decline", [Fact("decline", [], 0.0)])
    add("Wie läuft die Palettieranlage?", "decline_de", [Fact("decline", [], 0.0)])
    return hs.questions()
