"""A stop still going on where the window read ends is said to be going on, never given an end (qa11 Q11-5).

qa11 drafted a live handover while the filler was still faulted and read "Filler stop 04:31:58–04:33:20
(1 min 22 s ...)": the end of the window read (the draft's time) given as the stop's end. The property:
over random state histories of the four machines (written to the real journal as the state tags and the
runtime's machine_state events), with the stops worked out here from the raw state values (a run of the
production model's stop states: stopped, starting, faulted, changeover), the stop list, the handover and
the why-stop answer (English and German) say a stop open at the window's end "still stopped since
<start>" (how long so far), never "<start>–<window end>", while a stop that ended keeps its end; and
the why-stop answer says "Running again at" only when the raw states ran again after that stop.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.events import EventKind, JournalEvent, Severity
from hmi.core.units import plain
from inference.assistant import i18n
from inference.assistant.assistant import Assistant
from tests.helpers.assistant_journals import MACHINES, RUNNING, SPAN, T0, journal_of, tools_of

NOSHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
LABELS = {0.0: "Stopped", 1.0: "Starting", 2.0: "Running", 3.0: "Idle", 4.0: "Faulted", 5.0: "Changeover"}
OWN_STOP = {0.0, 1.0, 4.0, 5.0}  # [production.states]: planned, unplanned (starting, faulted), changeover
NAMES = {m.id: m.name for m in load_config(DEMO_CONFIG).machines}

# Each machine: Running first, then state changes (seconds after T0 + 1); often ending stopped.
_changes = st.fixed_dictionaries(
    {
        m: st.lists(
            st.tuples(
                st.integers(1, int(SPAN) - 20).map(float),
                st.sampled_from([2.0, 2.0, 2.0, 3.0, 0.0, 1.0, 4.0, 5.0]),
            ),
            min_size=1,
            max_size=7,
            unique_by=lambda c: c[0],
        ).map(lambda ch: [(0.0, RUNNING), *sorted(ch)])
        for m in MACHINES
    }
)


def _journal(d: Path, changes: dict[str, list[tuple[float, float]]]) -> Path:
    """The state tags as `changes` say, a fault code with each fault, and the runtime's machine_state
    event at each change of state."""
    rows: list[tuple[str, float, float]] = []
    events: list[JournalEvent] = []
    for m, ch in changes.items():
        prev = None
        for t, v in ch:
            ts = T0 + 1 + t
            rows.append((f"{m}.state", ts, v))
            rows.append((f"{m}.fault_code", ts, 3.0 if v == 4.0 else 0.0))
            if v != prev:
                fault = "Bearing failure" if v == 4.0 else ""
                events.append(
                    JournalEvent(
                        EventKind.MACHINE_STATE,
                        f"{NAMES[m]}: {LABELS.get(prev or -1, '(first reading)')} -> {LABELS[v]}",
                        source=m,
                        severity=Severity.WARNING if v == 4.0 else Severity.INFO,
                        data={"from": prev, "to": v, "state": LABELS[v], "fault": fault},
                        ts=ts,
                    )
                )
            prev = v
    # The record goes on to the end of the window (the link's heartbeat), as a running LineHMI's does:
    # a stop open at the end is open at the end of the record, not cut off by it.
    rows += [("line.server_link", T0 + t, 1.0) for t in range(0, int(SPAN) + 1, 30)]
    return journal_of(d, rows, events)


def _stops(ch: list[tuple[float, float]]) -> list[tuple[float, float | None]]:
    """(start, end or None while still stopped at the end) of each run of stop states, from the raw values."""
    out: list[tuple[float, float | None]] = []
    start: float | None = None
    for t, v in ch:
        ts = T0 + 1 + t
        if v in OWN_STOP and start is None:
            start = ts
        elif v not in OWN_STOP and start is not None:
            out.append((start, ts))
            start = None
    if start is not None:
        out.append((start, None))
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NOSHRINK)
@given(_changes, st.sampled_from(MACHINES))
def test_a_stop_open_at_the_end_of_the_window_is_said_to_be_going_on(changes, m):
    with tempfile.TemporaryDirectory() as d:
        tools = tools_of(_journal(Path(d), changes))
        assistant = Assistant(tools)
        listed = plain(assistant.answer(f"list the {m} stops this shift").text)
        handover = plain(assistant.answer("draft my shift handover").text)
        why = plain(assistant.answer(f"why did the {m} stop?").text)
        why_de = assistant.answer(f"Warum ist {i18n.the_machine(m, NAMES[m])} stehen geblieben?").text
    _a, b = tools.range_of(None, None)
    end = tools.fmt_t(b)
    section = handover.split("## Stops and causes", 1)[1].split("## Alarms", 1)[0]
    stops_text = "\n".join(ln for ln in section.splitlines() if ln.startswith(f"- {NAMES[m]} "))
    for start, stop_end in _stops(changes[m]):
        hms = tools.fmt_t(start)
        if stop_end is None:
            # Going on: how long so far, never an end (the end of the window read is where reading
            # stopped, not where the stop did).
            want = f"still stopped since {hms} ("
            assert want in listed and f"{hms}–" not in listed, (want, listed)
            assert f"{NAMES[m]} {want}" in stops_text and f"{hms}–" not in stops_text, (want, stops_text)
        else:
            assert f"{hms}–{tools.fmt_t(stop_end)} (" in listed, (hms, listed)
    # The why-stop answer: its stop ran again only if the raw states say so, else it says it has not.
    said = re.search(rf"The {NAMES[m]} stopped at (\d\d:\d\d:\d\d)", why)
    if said is None or "(Production view, Stops)" in why:
        return  # no stop change event in the record, or answered from the Stops table (checked above)
    t_stop = next(T0 + 1 + t for t, _v in changes[m] if tools.fmt_t(T0 + 1 + t) == said[1])
    ran = [T0 + 1 + t for t, v in changes[m] if v == RUNNING and T0 + 1 + t > t_stop]
    if ran:
        assert f"Running again at {tools.fmt_t(ran[0])}" in why, why
        assert "Not running again" not in why, why
    else:
        assert "Running again at" not in why and f"Not running again at {end}" in why, why
        assert "Wieder in Betrieb" not in why_de, why_de
