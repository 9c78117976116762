"""asst9's DEV set (tuned against; the held-out set is bench/assistant_heldout/asst9_heldout.py).

The same three classes as the held-out set in other wordings (qa8's misses among them), over a
journal of the demo run at time factor 1 (qa8's run 1, a night shift: `linehmi demo`, copied), truths
by the held-out set's SQL (`line_down_sql`, `Truth.down_to_running`).

    .venv/bin/python bench/assistant.py --set dev9 --journal DIR --repeats 1
"""

from __future__ import annotations

from typing import Any

from assistant_heldout.asst9_heldout import MACHINES, NAMES, line_down_sql


def build_dev9_questions(db_path: Any) -> list[Any]:
    import assistant as dev

    hs = dev.HeldOut.open(db_path)
    db, tr, add = hs.db, hs.tr, hs.add
    Fact = dev.Fact

    line_down = line_down_sql(db, db.end)
    for text in (
        "for how many minutes was the whole line down?",
        "how much downtime did the line have this shift?",
        "how long has the line been down tonight?",
        "line downtime?",
        "how long was the line out",
        "total time the line stood still tonight",
        "how many minutes of line stoppage this shift",
        "what was the line's downtime",
        "how long did the whole line stand tonight",
        "minutes lost to line stops tonight",
    ):
        add(text, "line_down", [Fact("duration", round(line_down), 4.0)])
    down = {m: tr.down_to_running(m, db.end) for m in MACHINES}
    top = max(down, key=lambda m: down[m])
    for text in (
        "which machine lost us the most time tonight?",
        "which machine had the most downtime?",
        "what machine was stopped longest tonight",
        "which machine caused the most lost time",
        "worst machine for downtime this shift",
        "rank machines by lost time",
        "which machine lost the most time",
        "most downtime by machine?",
        "which machine cost us the most time",
        "top machine for stoppage time tonight",
    ):
        add(text, "rank_down", [Fact("text", NAMES[top]), Fact("duration", round(down[top]), 4.0)])
    bearing = [
        "filler_bearing.md#immediate-actions-high-bearing-temperature-or-vibration-hi-alarm",
        "filler_bearing.md#urgent-actions-bearing-temperature-or-vibration-hihi",
    ]
    for text, sections in (
        (
            "the labeller glue is running too hot, what should the operator do?",
            ["labeller_glue.md#glue-temperature-high-overheat"],
        ),
        (
            "glue on the labeller is too hot - what do I do?",
            ["labeller_glue.md#glue-temperature-high-overheat"],
        ),
        ("filler vibration is high, what should the operator do", bearing),
        ("capper jammed how do i clear it", ["capper_jam.md#steps-to-clear-a-jam"]),
        (
            "conveyor vibration sensor dropped out, what's the procedure",
            ["conveyor.md#vibration-sensor-dropout-signal-lost"],
        ),
        (
            "fill pressure low on the filler what should I do",
            ["filler_fill_pressure.md#fill-pressure-low-or-falling-fast"],
        ),
        ("labeller glue too cold, what's the fix", ["labeller_glue.md#glue-temperature-low"]),
        ("filler bearing temperature high what should the operator do", bearing),
        (
            "what should the operator do about high motor current on the conveyor",
            ["conveyor.md#high-motor-current"],
        ),
        ("cap torque too high, procedure?", ["capper_torque.md#actions"]),
        (
            "how do I restart the labeller after an overheat",
            ["labeller_glue.md#restart-after-an-overheat-trip"],
        ),
        ("the filler motor tripped, how do i fix it", ["filler_motor_trip.md#actions"]),
    ):
        add(text, "procedure", [Fact("section", sections)])
    for text in (
        "the capper guard door hinge is broken, what should I do",
        "coffee spilled on the filler screen, whats the procedure",
        "label roll is empty on the labeller what should the operator do",
    ):
        add(text, "decline_procedure", [Fact("no_procedure", [])])
    for text, forbidden in (
        ("how much money did the downtime cost", ["€", "$", "EUR"]),
        ("how long was the line down last week", []),
        ("which machine lost the most paint tonight", []),
    ):
        add(text, "decline", [Fact("decline", forbidden, 0.0)])
    return hs.questions()
