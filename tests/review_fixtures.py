"""A reviewed shift with faceplate tags and a stretch where LineHMI was not running, shared by the
Qt-free review tests and the workspace's widget tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hmi.core.config import LineConfig, parse_config
from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.journal import Journal
from tests.test_journal import batch
from tests.test_review import T0, alarm, state

# Session 1 records [T0, T0 + 300), LineHMI is off until T0 + 400, session 2 records to T0 + 600.
OFF = (T0 + 300.0, T0 + 400.0)
STOP = (T0 + 200.0, T0 + 260.0)  # the machine's fault


def faceplate_config(line: str = "jt") -> LineConfig:
    text = f"""
[line]
id = "{line}"
name = "Review test line"
[server]
endpoint = "opc.tcp://127.0.0.1:4840/"
[[machines]]
id = "m"
name = "Machine"
state_tag = "m.state"
speed_tag = "m.speed"
key_tags = ["m.temp"]
[[tags]]
name = "m.state"
node_id = "ns=2;s=m.state"
machine = "m"
data_type = "enum"
states = {{ "0" = "Stopped", "2" = "Running", "4" = "Faulted" }}
[[tags]]
name = "m.speed"
node_id = "ns=2;s=m.speed"
machine = "m"
unit = "bpm"
range = [0, 400]
[[tags]]
name = "m.temp"
node_id = "ns=2;s=m.temp"
machine = "m"
unit = "°C"
range = [0, 100]
normal = [20, 60]
alarms = {{ hi = 70, hihi = 80 }}
"""
    return parse_config(text)


def speed_at(t: float) -> float:
    """The recorded speed: 300 while running, 0 in the stop (samples every 2 s)."""
    return 0.0 if STOP[0] <= t < STOP[1] else 300.0


def temp_at(t: float) -> float:
    return 40.0 + (t - T0) / 20.0


def reviewed_shift(directory: Path, first_sample_after: float = 0.0) -> Path:
    """`first_sample_after`: the first session's samples begin this long after its record starts
    (a live start: the journal opens before the first values arrive)."""
    cfg = faceplate_config()
    now = [T0]
    segments = [(T0, OFF[0]), (OFF[1], T0 + 600.0)]
    path = None
    for k, (a, b) in enumerate(segments):
        now[0] = a
        with Journal(cfg, directory, clock=lambda: now[0]) as j:
            t = np.arange(a + (first_sample_after if k == 0 else 0.0), b, 2.0)
            st = np.where((t >= STOP[0]) & (t < STOP[1]), 4.0, 2.0)
            n = len(t)
            j.write_samples(batch(np.zeros(n, dtype=int), t, st))
            j.write_samples(batch(np.ones(n, dtype=int), t, [speed_at(x) for x in t]))
            j.write_samples(batch(np.full(n, 2), t, [temp_at(x) for x in t]))
            evs = [state(a, "m", "Running")]
            if k == 0:
                evs += [
                    alarm(T0 + 100, "activate", active=True, acked=False, value=71.234),
                    state(STOP[0], "m", "Faulted", "Overheat"),
                    state(STOP[1], "m", "Running"),
                    alarm(T0 + 270, "clear", active=False, acked=False),
                ]
            else:
                what = {"action": "write", "tag": "m.speed"}
                evs.append(
                    JournalEvent(
                        EventKind.OPERATOR_ACTION, "m.speed 300 -> 320", user="olga", ts=T0 + 450, data=what
                    )
                )
            j.write_events(evs)
            j.flush()
            now[0] = b
            path = j.path
    assert path is not None
    return path


# --- a line journal with the production model and random machine states (qa7 G42) ---------------
STATE_NAMES = {0: "Stopped", 1: "Starting", 2: "Running", 3: "Idle", 4: "Faulted", 5: "Changeover"}
LINE_MACHINES = ("filler", "capper", "labeller", "conveyor")
LINE_STEP_S = 10.0


def line_journal(
    directory: Path,
    t0: float,
    states: dict[str, list[int]],
    extra: Sequence[JournalEvent] = (),
    opened_after: float = 0.0,
    fault_codes: dict[str, int] | None = None,
) -> Path:
    """A closed journal of the demo line from t0, a sample every LINE_STEP_S: `states[machine][k]` is
    the machine's state tag at step k (Running where a machine has none), a fault code while Faulted;
    the runtime's machine_state events at each change (the timeline's bars) and the production
    tracker's model and snapshots (the Production view's stops), as a LineHMI writes them; `extra`:
    more events written with them (the runtime's data_gap of a link outage...); `opened_after`: the
    journal opens this long after the first samples' source time (the server's, read at start-up);
    `fault_codes`: a machine's fault code while Faulted (1, Jam, where not given)."""
    from hmi.core.audit import Auditor
    from hmi.core.production.setup import ProductionSetup
    from hmi.core.production.tracker import ProductionTracker
    from tests.test_production_journal import _batch, _utc_config

    cfg = _utc_config()
    codes = {m: (fault_codes or {}).get(m, 1) for m in LINE_MACHINES}
    faults = {m: cfg.tag(f"{m}.fault_code").state_label(codes[m]) for m in LINE_MACHINES}
    steps = max((len(v) for v in states.values()), default=0)
    end = t0 + steps * LINE_STEP_S
    # Opened at t0, as a running LineHMI is before its samples: the time before "journal opened" is
    # not recorded (no stop can be found in it), so a clock fixed at the end found no stops at all.
    clock = [t0 + opened_after]
    journal = Journal(cfg, directory, clock=lambda: clock[0]).open()
    try:
        tracker = ProductionTracker(ProductionSetup.from_config(cfg), cfg.tag_index(), journal, Auditor(journal),
                                    clock=lambda: clock[0])  # fmt: skip
        tracker.start()
        last: dict[str, int] = {}
        events = []
        for k in range(steps):
            t = t0 + k * LINE_STEP_S
            now = {m: (states.get(m) or [2])[min(k, len(states.get(m) or [2]) - 1)] for m in LINE_MACHINES}
            vals = {f"{m}.state": float(v) for m, v in now.items()}
            vals |= {f"{m}.fault_code": (float(codes[m]) if now[m] == 4 else 0.0) for m in LINE_MACHINES}
            vals |= {f"{m}.good_count": float(k * 6) for m in ("filler", "capper", "labeller")}
            vals |= {f"{m}.reject_count": 0.0 for m in ("filler", "capper", "labeller")}
            b = _batch(cfg, t, vals)
            journal.write_samples(b)
            tracker.process(b)
            for m, v in now.items():
                if last.get(m) != v:
                    name = STATE_NAMES[v]
                    events.append(JournalEvent(EventKind.MACHINE_STATE, f"{m}: -> {name}", source=m, ts=t,
                                               data={"state": name, "fault": faults[m] if v == 4 else ""}))  # fmt: skip
            last = now
        clock[0] = end
        tracker.tick(force=True)
        journal.write_events(sorted([*events, *extra], key=lambda e: e.ts))
        journal.flush()
        path = journal.path
    finally:
        journal.close()
    return path


def link_outage(a: float, b: float) -> JournalEvent:
    """The runtime's `data_gap` event of a server link down from a to b (all tags)."""
    return JournalEvent(EventKind.DATA_GAP, f"no data from the server for {b - a:.1f} s (all tags)",
                        source="opc.tcp://plc", severity=Severity.WARNING, ts=a,
                        data={"start": a, "end": b, "tags": "all"})  # fmt: skip
