"""The assistant answers what the supervisor asked (qa10 Q10-3, Q10-4), as classes:

- an acknowledgement not yet given ("which alarms are still waiting for somebody to acknowledge them?")
  gets the alarms awaiting one, as the alarm list counts them (`figures.awaiting_ack`), never who
  acknowledged what; "who acknowledged ..." still gets who did;
- a signal's extreme in any words (hottest, highest, peak, max, lowest, coldest, minimum, "how hot did
  it get") is its maximum or minimum over the window, from the samples;
- every word for a machine in the languages the assistant reads (`language.MACHINE_WORDS`, German
  with its inflected forms) names that machine ("Abfüllmaschine" was declined as unknown).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from hmi.core.alarms import figures
from hmi.core.alarms.event_codec import AlarmSnapshot, latest_snapshots
from hmi.core.config import DEMO_CONFIG, load_config
from hmi.core.journal_read import open_journal_readonly
from inference.assistant.assistant import Assistant
from inference.assistant.catalog import Catalog
from inference.assistant.language import MACHINE_WORDS, _de_forms
from inference.assistant.router import Router
from inference.assistant.timeparse import ShiftCalendar, TimeParser
from inference.assistant.tools.fmt import alarm_name
from tests.helpers.assistant_journals import T0 as S0
from tests.helpers.assistant_journals import journal_of, tools_of

from .test_assistant_handover_figures import T0, _journal, _step, _tools
from .test_assistant_journal import T_END, UTC

CFG = load_config(DEMO_CONFIG)
MACHINES = ("filler", "capper", "labeller", "conveyor")
NOSHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(Catalog.from_config(CFG), TimeParser(ShiftCalendar(tz=UTC)), lambda: T_END)


def _call(router: Router, q: str) -> tuple[str, str, dict]:
    r = router.route(q)
    c = r.calls[0] if r.calls else None
    return r.intent, c.name if c else "", dict(c.args) if c else {}


# --- 1. waiting for an acknowledgement vs who acknowledged -----------------------------------------

WHO = ("somebody", "someone", "anyone", "the operator", "my crew", "a supervisor")
ACK = ("ack", "acknowledge", "confirm", "sign off")
# One wording a line: a frame, a person ({who}), an acknowledging verb ({ack}), a machine ({m}).
WAITING = tuple(
    """
which alarms are still waiting for {who} to {ack} them?
{m} alarms still waiting on {who} to {ack} them
which alarms does {who} still have to {ack}?
what alarms has {who} got to {ack} on the {m}?
are there alarms {who} still needs to {ack}?
any alarms sitting there waiting for {who} to {ack} them?
list the {m} alarms {who} must {ack}
""".strip().splitlines()
)


@pytest.mark.parametrize("frame", WAITING)
@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("ack", ACK)
def test_waiting_for_an_acknowledgement_is_the_unacknowledged_alarms(router, frame, who, ack):
    q = frame.format(who=who, ack=ack, m="capper")
    intent, tool, args = _call(router, q)
    assert (intent, tool, args.get("state")) == ("alarms", "alarms", "unacknowledged"), (
        q,
        intent,
        tool,
        args,
    )
    if "{m}" in frame:
        assert args.get("machine") == "capper", (q, args)


@pytest.mark.parametrize(
    "q",
    (
        "who acknowledged the capper alarm?",
        "did anyone acknowledge the filler alarms?",
        "which operator signed off the labeller alarm?",
        "who confirmed the conveyor alarm, and with what comment?",
    ),
)
def test_who_acknowledged_is_still_who_did(router, q):
    intent, tool, args = _call(router, q)
    assert (intent, tool, args.get("action")) == ("who", "operator_actions", "acknowledge"), (q, intent, args)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NOSHRINK)
@given(st.lists(_step, min_size=2, max_size=10), st.sampled_from(WAITING), st.sampled_from(WHO))
def test_the_answer_lists_every_alarm_the_alarm_list_counts_as_unacknowledged(steps, frame, who):
    # The real alarm engine over random signals, acknowledging on random steps (the handover's journals).
    with tempfile.TemporaryDirectory() as d:
        path, end = _journal(Path(d), steps)
        ans = Assistant(_tools(path, end)).answer(frame.format(who=who, ack="acknowledge", m="filler"))
        with open_journal_readonly(path) as r:
            snaps = latest_snapshots(r.read_events(T0 - 1, end + 1, kinds=["alarm"]))
    states = [AlarmSnapshot.from_data(data) for data, _ts in snaps.values()]
    machine = "filler" if "{m}" in frame else None
    waiting = [
        s
        for s in states
        if figures.awaiting_ack(s.state, s.acked) and (machine is None or s.machine == machine)
    ]
    assert ans.tool_calls and ans.tool_calls[0].name == "alarms", ans.text
    assert f"{len(waiting)} alarm" in ans.text and "unacknowledged" in ans.text, (len(waiting), ans.text)
    for s in waiting:
        assert alarm_name(s.name or s.alarm) in ans.text, (s.alarm, ans.text)
    assert "acknowledged 1 alarm" not in ans.text and "No acknowledge" not in ans.text, ans.text


# --- 2. a signal's extreme in any words ---------------------------------------------------------------

MAX_FRAMES = (
    "what was the highest {s} on the {m} this shift?",
    "peak {m} {s} this shift?",
    "what's the maximum {s} the {m} had this shift",
    "how high did the {m} {s} get this shift?",
    "the {m} {s} at its highest this shift?",
    "max {m} {s} this shift",
    # how the reading got there, in the signal's verb (router.SIGNAL_VERBS)
    "what's the highest {s} the {m} pulled this shift?",
    "the peak {s} the {m} hit this shift",
    "maximum {s} the {m} reached this shift?",
    "highest {s} the {m} clocked this shift",
)
MIN_FRAMES = (
    "what was the lowest {s} on the {m} this shift?",
    "minimum {m} {s} this shift?",
    "how low did the {m} {s} go this shift?",
    "the {m} {s} at its lowest this shift",
    "the lowest {s} the {m} dropped to this shift",
    "minimum {s} the {m} ran at this shift?",
)
HOT_FRAMES = (
    ("max", "what was the hottest the {m} {s} got this shift?"),
    ("max", "hottest {m} {s} this shift"),
    ("max", "how hot did the {m} {s} run this shift?"),
    ("min", "what was the coldest the {m} {s} got this shift?"),
    ("min", "coolest {m} {s} this shift?"),
)
SIGNALS = {
    "filler.bearing_temp": ("filler", "bearing temperature"),
    "filler.vibration": ("filler", "vibration"),
    "filler.motor_current": ("filler", "motor current"),
    "filler.fill_pressure": ("filler", "fill pressure"),
    "capper.cap_torque": ("capper", "cap torque"),
    "labeller.glue_temp": ("labeller", "glue temperature"),
    "conveyor.speed": ("conveyor", "speed"),
}
TEMPS = {
    "filler.bearing_temp": ("filler", "bearing"),
    "capper.bearing_temp": ("capper", "bearing"),
    "labeller.glue_temp": ("labeller", "glue"),
}


CASES = [
    (tag, stat, frame, SIGNALS[tag])
    for tag in SIGNALS
    for stat, frame in [("max", f) for f in MAX_FRAMES] + [("min", f) for f in MIN_FRAMES]
] + [(tag, stat, frame, TEMPS[tag]) for tag in TEMPS for stat, frame in HOT_FRAMES]


@pytest.mark.parametrize(("tag", "stat", "frame", "words"), CASES)
def test_an_extreme_in_any_words_is_that_statistic_of_that_signal(router, tag, stat, frame, words):
    # "hottest"/"coldest" name no signal: they read as a temperature (TEMPS names the part only).
    m, s = words
    q = frame.format(m=m, s=s)
    intent, tool, args = _call(router, q)
    got = (intent, tool, args.get("tag"), args.get("stat"))
    assert got == ("stats", "tag_stats", tag, stat), (q, got)


@pytest.mark.parametrize(
    ("q", "tag", "stat"),
    (
        ("Was war die heißeste Lagertemperatur am Füller in dieser Schicht?", "filler.bearing_temp", "max"),
        ("Wie hoch war der Motorstrom des Verschließers maximal?", "capper.motor_current", "max"),
        ("Was war der Spitzenwert der Leimtemperatur am Etikettierer?", "labeller.glue_temp", "max"),
        ("Was war die niedrigste Geschwindigkeit am Förderband?", "conveyor.speed", "min"),
        ("灌装机轴承温度最高是多少？", "filler.bearing_temp", "max"),
        ("贴标机胶水温度最低是多少？", "labeller.glue_temp", "min"),
    ),
)
def test_extremes_in_german_and_chinese(router, q, tag, stat):
    intent, tool, args = _call(router, q)
    assert (intent, tool, args.get("tag"), args.get("stat")) == ("stats", "tag_stats", tag, stat), (
        q,
        intent,
        args,
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NOSHRINK)
@given(
    st.lists(
        st.tuples(st.floats(5, 1700), st.floats(20.0, 95.0)),
        min_size=1,
        max_size=30,
        unique_by=lambda s: round(s[0], 1),
    ),
    st.sampled_from(
        [("max", f) for _s, f in HOT_FRAMES if _s == "max"]
        + [("min", f) for _s, f in HOT_FRAMES if _s == "min"]
    ),
)
def test_the_extreme_answered_is_the_recorded_one(samples, frame):
    """The value said is the journal's own maximum / minimum of the samples in the shift."""
    stat, wording = frame
    rows = [("filler.bearing_temp", S0 + t, round(v, 2)) for t, v in samples]
    with tempfile.TemporaryDirectory() as d:
        tools = tools_of(journal_of(Path(d), rows))
        ans = Assistant(tools).answer(wording.format(m="filler", s="bearing"))
    values = np.array([v for _n, _t, v in rows])
    want = float(values.max() if stat == "max" else values.min())
    said = f"{stat} {tools.value_text(tools.catalog.tags['filler.bearing_temp'], want)}"
    assert said in ans.text, (said, ans.text)


# --- 3. every word for a machine, in every language it is read in --------------------------------

FRAMES = {
    # (frames, how the word is written in them)
    "de": (("Warum ist {w} stehen geblieben?", "Wie ist der Zustand {w}?", "Alarme {w}?"), "der {W}"),
    "zh": (("{w}为什么停了？", "{w}状态", "{w}有哪些报警？"), "{w}"),
}
WORDS = [
    (lang, m, form)
    for lang, table in MACHINE_WORDS.items()
    for m, words in table.items()
    for w in words
    for form in (_de_forms(w) if lang == "de" else (w,))
]


@pytest.mark.parametrize(("lang", "machine", "word"), WORDS)
@pytest.mark.parametrize("k", range(3))
def test_every_word_for_a_machine_names_it_in_its_language(router, lang, machine, word, k):
    frames, written = FRAMES[lang]
    q = frames[k].format(w=written.format(w=word, W=word.capitalize()))
    r = router.route(q)
    assert r.lang == lang and r.calls, (q, r.intent, r.reply)
    assert {c.args.get("machine") for c in r.calls} == {machine}, (q, r.calls)


def test_every_machine_has_words_in_every_language():
    for lang, table in MACHINE_WORDS.items():
        assert set(table) == set(MACHINES), (lang, set(table))


def test_the_docs_list_the_machine_words():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "assistant.md").read_text(encoding="utf-8").lower()
    missing = [
        w for table in MACHINE_WORDS.values() for words in table.values() for w in words if w not in doc
    ]
    assert not missing, missing
