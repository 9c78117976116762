"""Held-out set of asst9 (issue 10, qa8's assistant misses): night-shift wordings of three classes.

Written and committed BEFORE the assistant change it scores, over its own recording (below): the demo
line's own fault story (filler bearing failure, capper jam, conveyor vibration sensor dropout, labeller
glue overheat) plus a conveyor motor trip that stops the whole line, another seed, recorded during a
night shift so that "tonight" and "this shift" are the supervisor's own words. Classes:

1. the line's downtime asked in other words ("for how many minutes was the whole line down", "how long
   was the line stopped tonight", typos, no question mark): the Production view's line downtime;
2. which machine lost the most time ("lost us", "cost us", "biggest time loss", "worst offender"):
   the machine with the most downtime over the shift, and its downtime;
3. what to do about a symptom in any frame ("what should the operator do", "how do I fix", "what's the
   procedure", "what now"): the procedure SECTION for that symptom as the answer's first source; a
   symptom no procedure covers is said to have none, stating no procedure;
4. off-data questions in the same frames: declined, stating no fact.

Truth, never from the assistant's code: machine downtime by SQL over the state tag's samples, from each
Stopped/Faulted sample to the next Running one (`Truth.down_to_running`, as the Production view counts a
stop); the line's downtime by SQL over the state samples by the Production view's documented rule
(`line_down_sql`), checked against the Production view's figure when the set was written.
The procedure sections were chosen by reading resources/procedures/*.md.

    .venv/bin/python bench/assistant.py --set asst9 --record --journal /tmp/asst9_heldout   # ~4 min + score
    .venv/bin/python bench/assistant.py --set asst9 --journal /tmp/asst9_heldout --repeats 1

Score once before the change and once at the end; when a question fails, mend its class, never its words.
"""

from __future__ import annotations

import json
import math
from typing import Any

from assistant_heldout import recording as ho

SCHEDULE = """
[[faults]]
spec = "filler:bearing_wear@15s/2m,repair=2m"
[[faults]]
spec = "capper:jam@55s/30s"
[[faults]]
spec = "conveyor:sensor_dropout:vibration@85s/45s"
[[faults]]
spec = "labeller:overheat:glue@110s/3m,repair=2m"
[[faults]]
spec = "conveyor:motor_trip@175s/1m"
"""

SEED = 11
SECONDS = 240.0
TIME_FACTOR = 5.0
CAMERA_HZ = 2.0

PLAN: list[tuple[float, Any]] = [
    (2.0, lambda rt: (ho._user(rt, ho.OPERATOR), ho._user(rt, ho.SUPERVISOR))),
    (70.0, ho._ack("capper", "cap chute cleared")),
    (190.0, ho._ack("conveyor", "belt motor breaker reset")),
]

MACHINES = ("filler", "capper", "labeller", "conveyor")
NAMES = {"filler": "Filler", "capper": "Capper", "labeller": "Labeller", "conveyor": "Conveyor"}


def _runs(db: Any, machine: str, end: float) -> list[tuple[float, float, set[int]]]:
    """(start, end, states) of each run of a machine's non-Running state samples, by SQL."""
    rows = db.q(
        "SELECT source_ts, CAST(value AS INTEGER) FROM samples WHERE tag_id = ? AND value IS NOT NULL"
        " AND (status & 3221225472) = 0 ORDER BY source_ts, id",
        db.ids[f"{machine}.state"],
    )
    runs: list[tuple[float, float, set[int]]] = []
    since, states = None, set()
    for ts, v in rows:
        if v == 2:
            if since is not None:
                runs.append((since, ts, states))
            since, states = None, set()
        else:
            since = ts if since is None else since
            states = states | {v}
    if since is not None:
        runs.append((since, end, states))
    return runs


def line_down_sql(db: Any, end: float) -> float:
    """The line's downtime by SQL, by the Production view's documented rule (docs/production.md,
    hmi/core/production/timeline.py's docstring), from the journaled production setup and the state
    samples: a machine in an unplanned stop of its own (a run of non-Running states with a Faulted
    sample) holds the line, unless the stop is short (under short_stop_s, in wall seconds at the
    recording's time scale: a speed loss); the constraint machine waiting (Idle) through such a stop
    is line downtime to the end of its wait. The union of those stretches."""
    snap = json.loads(
        db.q("SELECT data FROM events WHERE kind = 'production' ORDER BY id DESC LIMIT 1")[0][0]
    )["setup"]
    prod = snap["production"]
    short = float(prod["short_stop_s"]) / float(snap.get("time_scale", 1.0))
    stops = [
        (a, b) for m in prod["order"] for a, b, states in _runs(db, m, end) if 4 in states and b - a >= short
    ]
    waits = [
        (a, b)
        for a, b, states in _runs(db, prod["constraint"], end)
        if states == {3} and any(a < sb and b > sa for sa, sb in stops)
    ]
    total, upto = 0.0, -math.inf
    for a, b in sorted(stops + waits):
        if b > upto:
            total += b - max(a, upto)
            upto = b
    return total


def build_asst9_questions(db_path: Any) -> list[Any]:
    import assistant as dev  # bench/assistant.py: Fact, Question, Db

    hs = dev.HeldOut.open(db_path)
    db, end, tr, add = hs.db, hs.end, hs.tr, hs.add
    Fact = dev.Fact

    # ---- 1. the line's downtime, in other words (the Production view's Line row) ----
    line_down = line_down_sql(db, end)
    for text in (
        "how long was the line stopped tonight",
        "total line downtime this shift?",
        "how many mins has the whole line been down tonight",
        "how much time did we lose with the line down",
        "line down time tonight pls",
        "how long was the entire line at a standstill this shift?",
        "how long were we stopped as a line",
        "whats the downtime for the line so far",
        "for how long has the complete line been out of action tonight",
        "how much line downtime have we racked up",
        "how long was the whole lnie down this shift",
    ):
        add(text, "line_down", [Fact("duration", round(line_down), 4.0)])

    # ---- 2. which machine lost the most time: rank by downtime over the shift ----
    down = {m: tr.down_to_running(m, end) for m in MACHINES}
    top = max(down, key=lambda m: down[m])
    for text in (
        "what machine cost us the most downtime tonight",
        "which machine was down the longest this shift?",
        "biggest time loss by machine tonight",
        "which machines been the worst offender for downtime",
        "rank the machines by downtime",
        "where did we lose the most time tonight, which machine",
        "which machine had the most lost time this shift",
        "top downtime machine tonight?",
        "which machine ate up the most time tonight",
        "which one lost us the most minutes - filler, capper, labeller or conveyor?",
    ):
        add(text, "rank_down", [Fact("text", NAMES[top]), Fact("duration", round(down[top]), 4.0)])

    # ---- 3. what to do about a symptom: the procedure section first, with its source ----
    bearing_actions = [
        "filler_bearing.md#immediate-actions-high-bearing-temperature-or-vibration-hi-alarm",
        "filler_bearing.md#urgent-actions-bearing-temperature-or-vibration-hihi",
    ]
    for text, sections in (
        (
            "labeller glue temp keeps climbing, what should my operator do",
            ["labeller_glue.md#glue-temperature-high-overheat"],
        ),
        ("glue pot on the labeller has gone cold how do i fix it", ["labeller_glue.md#glue-temperature-low"]),
        (
            "labeller tripped on glue overheat, how do we restart it",
            ["labeller_glue.md#restart-after-an-overheat-trip"],
        ),
        (
            "caps stuck in the capper chute, what should the operator do?",
            ["capper_jam.md#steps-to-clear-a-jam"],
        ),
        ("filler bearing is running hot what do we do", bearing_actions),
        ("theres a grinding noise at the filler carousel base, what should the operator do", bearing_actions),
        (
            "conveyor vibration signal is gone, whats the procedure",
            ["conveyor.md#vibration-sensor-dropout-signal-lost"],
        ),
        (
            "fill pressure on the filler keeps falling - how do I fix it",
            ["filler_fill_pressure.md#fill-pressure-low-or-falling-fast"],
        ),
        ("cap torque is out of band, what should the operator do about it", ["capper_torque.md#actions"]),
        (
            "filler motor keeps tripping on overcurrent what should the operator do",
            ["filler_motor_trip.md#actions"],
        ),
        ("conveyor motor current is high, how do i sort it", ["conveyor.md#high-motor-current"]),
        ("we're getting an alarm flood, what's the procedure", ["alarm_handling.md#alarm-floods"]),
    ):
        add(text, "procedure", [Fact("section", sections)])
    # A symptom no procedure covers: say so, give no procedure.
    for text in (
        "oil leaking under the labeller, what should the operator do",
        "the label printer ribbon ran out, whats the procedure",
        "conveyor belt is torn, how do I fix it",
    ):
        add(text, "decline_procedure", [Fact("no_procedure", [])])

    # ---- 4. off-data in the same frames: declined, stating no fact ----
    for text, forbidden in (
        ("what did the line downtime cost us tonight in euros", ["€", "$", "EUR"]),
        ("which machine lost us the most money tonight", ["€", "$", "EUR"]),
        ("for how many minutes was the canteen closed tonight", []),
        ("how long was the line down last tuesday", []),
        ("what should the operator do about the forklift blocking the aisle", []),
    ):
        add(text, "decline", [Fact("decline", forbidden, 0.0)])
    return hs.questions()
