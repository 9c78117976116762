"""Held-out grounding questions (issue fixd: QA2 D-8a, D-8a state lag, D-6c), written before the fix.

Three classes, new wordings, expected answers from SQL over the QA2 walkthrough's journal (a copy of
/tmp/qa2_review2/line1_2026-12-06.db, path given on the command line), asked "at" a given instant:

- off-data: the plant data holds no suppliers, deliveries, prices, rosters, weather, other plants;
  the answer must decline ("can't answer ... from the plant data") and state no machine state.
- state-after-change: asked a few seconds after a machine changed state; the answer must carry the
  newest journaled state (SQL: last machine_state event at or before the instant) and not the one before.
- reject share: the camera's count-based share over the asked window, "R of N": R = `qc` reject events
  in the window, N = inspections in it (one `qc.defect_rate` sample per inspected image, Good or
  WaitingForInitialData), share = R/N.

Score (not a dev set: do not tune against it):
    PYTHONPATH=. .venv/bin/python bench/assistant_heldout/grounding.py /path/to/qa2_journal.db
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

WAITING = 0x80320000  # BadWaitingForInitialData: an inspection before the rate window filled
STATES = ("Stopped", "Starting", "Running", "Idle", "Faulted")
DECLINE = ("can't answer", "cannot answer")


def _t(day: str, hms: str) -> float:
    return dt.datetime.fromisoformat(f"{day}T{hms}+00:00").timestamp()


@dataclass
class Q:
    cls: str
    text: str
    now: str  # HH:MM:SS UTC
    machine: str = ""
    window: tuple[str, str] | None = None  # reject share window (UTC), None: the journal's whole span


QUESTIONS = [
    Q("offdata", "who supplies our caps and when does the next lorry arrive?", "12:08:27"),
    Q("offdata", "what do we pay per thousand labels?", "12:05:00"),
    Q("offdata", "who is on the late shift roster tomorrow?", "12:05:00"),
    Q("offdata", "is it going to rain this afternoon?", "12:05:00"),
    Q("offdata", "how is line 3 in the other plant doing right now?", "12:05:00"),
    Q("offdata", "which glue vendor batch is loaded in the labeller?", "12:08:27"),
    Q("offdata", "when is the preform delivery due?", "12:06:00"),
    Q("state", "is the labeller running right now?", "12:08:27", "labeller"),
    Q("state", "what state is the filler in?", "12:01:36", "filler"),
    Q("state", "capper status now?", "12:08:50", "capper"),
    Q("state", "how is the filler doing at the moment?", "12:04:40", "filler"),
    Q("state", "labeller state?", "12:04:58", "labeller"),
    Q("share", "what share of bottles did the camera throw out this shift?", "12:10:53"),
    Q(
        "share",
        "what percentage did the camera reject in the last 10 minutes?",
        "12:07:46",
        window=("11:57:46", "12:07:46"),
    ),
    Q("share", "camera reject share between 12:05 and 12:08?", "12:10:53", window=("12:05:00", "12:08:00")),
    Q(
        "share",
        "what fraction of bottles has the camera rejected since 12:00?",
        "12:10:53",
        window=("12:00:00", "12:10:53"),
    ),
]


def truth(db: sqlite3.Connection, day: str, q: Q) -> dict[str, object]:
    now = _t(day, q.now)
    if q.cls == "state":
        name = q.machine.capitalize()
        (msg,) = db.execute(
            "SELECT message FROM events WHERE kind='machine_state' AND source=? AND ts<=? ORDER BY ts DESC LIMIT 1",
            (q.machine, now),
        ).fetchone()
        state = msg.split("->")[-1].strip().split()[0]
        (prev,) = db.execute(
            "SELECT message FROM events WHERE kind='machine_state' AND source=? AND ts<=?"
            " ORDER BY ts DESC LIMIT 1 OFFSET 1",
            (q.machine, now),
        ).fetchone()
        return {"name": name, "state": state, "stale": prev.split("->")[-1].strip().split()[0]}
    if q.cls == "share":
        a, b = (_t(day, q.window[0]), _t(day, q.window[1])) if q.window else (0.0, now + 1)
        (r,) = db.execute(
            "SELECT count(*) FROM events WHERE kind='qc' AND message LIKE 'QC reject%' AND ts>=? AND ts<?",
            (a, b),
        ).fetchone()
        (n,) = db.execute(
            "SELECT count(*) FROM samples s JOIN tags t ON t.id=s.tag_id WHERE t.name='qc.defect_rate'"
            " AND (s.status=0 AND s.value IS NOT NULL OR s.status=?) AND s.source_ts>=? AND s.source_ts<?",
            (WAITING, a, b),
        ).fetchone()
        return {"rejects": r, "inspected": n, "pct": 100.0 * r / n}
    return {}


def score(answer: str, q: Q, exp: dict[str, object]) -> bool:
    low = answer.lower()
    if q.cls == "offdata":
        return any(d in low for d in DECLINE) and not any(f"{s.lower()} since" in low for s in STATES)
    if q.cls == "state":
        first = answer.split(".")[0]
        return exp["state"] in first and (exp["stale"] == exp["state"] or exp["stale"] not in first)
    if q.cls == "share":
        r, n, pct = exp["rejects"], exp["inspected"], exp["pct"]
        pct_txt = {f"{pct:.1f}", f"{pct:.2f}", f"{round(pct)} %"}
        return f"{r} of {n}" in answer.replace(",", "") and any(p in answer for p in pct_txt)
    return False


def main(path: str) -> int:
    from hmi.core.config import DEMO_CONFIG, load_config
    from inference.assistant.factory import build_assistant

    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    day = Path(path).stem.split("_")[-1]
    cfg = load_config(DEMO_CONFIG)
    ok_by: dict[str, list[bool]] = {}
    for q in QUESTIONS:
        exp = truth(db, day, q)
        a = build_assistant(config=cfg, db_files=[path], now=_t(day, q.now))
        ans = a.answer(q.text).text
        ok = score(ans, q, exp)
        ok_by.setdefault(q.cls, []).append(ok)
        print(
            f"[{'PASS' if ok else 'FAIL'}] {q.cls:8s} @{q.now} {q.text!r} expected {exp}\n    -> {ans[:300]!r}"
        )
    total = sum(sum(v) for v in ok_by.values())
    n = sum(len(v) for v in ok_by.values())
    for k, v in ok_by.items():
        print(f"{k}: {sum(v)}/{len(v)}")
    print(f"held-out grounding: {total}/{n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
