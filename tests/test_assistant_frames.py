"""Classes of fresh wordings (asst7): why-stop frames read by their parts and the role of an unexplained
word, unacknowledged alarms in other words, other words for a machine and for the fault model's
prediction, and time windows the router uses exactly as asked."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.config import DEMO_CONFIG, load_config
from inference.assistant.catalog import Catalog
from inference.assistant.journal_access import JournalSource
from inference.assistant.procedures import ProcedureIndex
from inference.assistant.router import Router
from inference.assistant.timeparse import ShiftCalendar, TimeParser
from inference.assistant.tools import PlantTools
from inference.assistant.tools.context import ModelScope

from .test_assistant_journal import T_END, UTC, build_journal

MACHINES = ("filler", "capper", "labeller", "conveyor")


@pytest.fixture(scope="module")
def router() -> Router:
    cat = Catalog.from_config(load_config(DEMO_CONFIG))
    return Router(cat, TimeParser(ShiftCalendar(tz=UTC)), lambda: T_END)


def _call(router: Router, q: str) -> tuple[str, str, dict]:
    r = router.route(q)
    c = r.calls[0] if r.calls else None
    return r.intent, c.name if c else "", dict(c.args) if c else {}


# A word no dictionary of this line holds: "zq" + rare consonants (never close to a plant word, which the
# scope check and the spelling tolerance would rightly read as that word).
NONCE = st.text(alphabet="bdfgjkpqvwxz", min_size=4, max_size=8).map(lambda s: "zq" + s)

# --- 1. why it stopped -----------------------------------------------------------------------------

REASONS = (
    "{m} stopped - reason?",
    "what's behind the {m} fault",
    "{m} tripped, any idea why?",
    "the {m} outage - what triggered it?",
    "reason for the {m} stop?",
    "{m} down again. cause?",
    "what caused the {m} to trip",
    "{m} fault - root cause?",
    "the {m} halted, how come?",
    "{m} jammed, what led to it",
    "what set off the {m}'s breakdown?",
    "what kicked off the {m} outage",
    "the {m} failure - what sparked it?",
)


@pytest.mark.parametrize("frame", REASONS)
@pytest.mark.parametrize("machine", MACHINES)
def test_a_reason_asked_about_a_stop_is_the_last_stops_cause(router, frame, machine):
    intent, tool, args = _call(router, frame.format(m=machine))
    assert (intent, tool, args.get("machine")) == ("why_stop", "event_sequence", machine)


@settings(max_examples=60, deadline=None)
@given(
    machine=st.sampled_from(MACHINES),
    verb=st.sampled_from(("went", "got", "turned", "threw a", "went all", "has gone")),
    slang=NONCE,
    ask=st.sampled_from(("why?", "why", "what happened?", "what caused that", "any idea why?", "reason?")),
)
def test_slang_in_the_machines_predicate_is_no_decline(router, machine, verb, slang, ask):
    """An unknown word after a verb whose subject is the machine says what the machine did: the answer
    is its last stop from the data, never "it records nothing about <slang>"."""
    q = f"{machine} {verb} {slang}, {ask}"
    intent, tool, args = _call(router, q)
    assert (intent, tool, args.get("machine")) == ("why_stop", "event_sequence", machine), q


@settings(max_examples=60, deadline=None)
@given(
    machine=st.sampled_from(MACHINES),
    subject=NONCE,
    frame=st.sampled_from(
        (
            "{m} went down - was it the {s}'s fault?",
            "why did the {m} stop, was it the {s}?",
            "what {s} is the {m}, and why did it stop?",
            "why did the {m} {s} stop?",
            "the {s} on the {m} - why did it trip?",
            "why did the {s} of the {m} fail?",
        )
    ),
)
def test_an_unknown_subject_next_to_a_why_frame_is_declined(router, machine, subject, frame):
    """A word in a noun role (the question's head, after the/of/on, a possessor, a compound after the
    machine, another clause) names a subject the data lacks: declined, naming it, no tool called."""
    q = frame.format(m=machine, s=subject)
    r = router.route(q)
    assert not r.calls and r.reply is not None and subject in r.reply, (q, r.intent, r.calls)


# A state now, in the present tense: every machine's state now, not the shift's stop list (asst13 H10).
STATE_NOW = (
    "is anything on the line still stopped right now?",
    "which machines are stopped now?",
    "are any machines down at the moment?",
    "is any machine faulted currently?",
    "are the machines still stopped?",
)


@pytest.mark.parametrize("question", STATE_NOW)
def test_a_state_asked_now_is_the_state_now(router, question):
    intent, tool, _args = _call(router, question)
    assert (intent, tool) == ("status", "machine_status"), (question, intent, tool)


@pytest.mark.parametrize("frame", ("is the {m} stopped right now?", "is the {m} still down at the moment?"))
@pytest.mark.parametrize("machine", MACHINES)
def test_a_machines_state_asked_now_is_its_state_now(router, frame, machine):
    intent, tool, args = _call(router, frame.format(m=machine))
    assert (intent, tool, args.get("machine")) == ("status", "machine_status", machine)


@pytest.mark.parametrize(
    "question",
    ("how many times is the capper stopped now?", "why is the filler down right now?"),
)
def test_a_count_or_a_reason_now_keeps_its_frame(router, question):
    intent, _tool, _args = _call(router, question)
    assert intent in ("stops", "why_stop"), (question, intent)


def test_counting_stops_stays_a_stop_list(router):
    intent, tool, _args = _call(router, "how many times did the capper stop, and why?")
    assert (intent, tool) == ("stops", "machine_states")


# --- 2. unacknowledged, in other words -------------------------------------------------------------

UNACKED = (
    "how many {m} alarms are pending acknowledgement?",
    "{m} alarms pending acknowledgment?",
    "any {m} alarms awaiting an ack?",
    "outstanding acknowledgements on the {m}?",
    "{m} alarms with acks outstanding",
    "is anything on the {m} still waiting to be acknowledged?",
    "which {m} alarms have not yet been confirmed?",
    "{m} alarms that still need an acknowledgement",
    "how many alarms on the {m} has nobody signed off yet",
)


@pytest.mark.parametrize("frame", UNACKED)
@pytest.mark.parametrize("machine", MACHINES)
def test_not_yet_acknowledged_is_unacknowledged(router, frame, machine):
    intent, tool, args = _call(router, frame.format(m=machine))
    assert (intent, tool, args.get("machine"), args.get("state")) == (
        "alarms",
        "alarms",
        machine,
        "unacknowledged",
    )


def test_outstanding_alone_is_standing(router):
    _i, _t, args = _call(router, "outstanding alarms on the filler")
    assert args.get("state") == "standing"


# --- 3. other words for a machine and for the fault model's prediction -----------------------------


@pytest.mark.parametrize("word", ("asset", "unit", "station", "equipment", "kit"))
@pytest.mark.parametrize("machine", MACHINES)
def test_a_word_for_machine_is_no_unknown_subject(router, word, machine):
    intent, tool, args = _call(router, f"is the {machine} {word} running?")
    assert (intent, tool, args.get("machine")) == ("status", "machine_status", machine)
    intent, tool, args = _call(router, f"how many stops has the {machine} {word} had this shift?")
    assert (tool, args.get("machine")) == ("machine_states", machine)


@pytest.mark.parametrize(
    "frame",
    (
        "how worn is the {m} bearing?",
        "bearing wear on the {m}?",
        "any degradation on the {m}?",
        "what condition is the {m} in, health-wise?",
        "how healthy is the {m}?",
        "is the {m} wearing out?",
        "how is the {m} deteriorating?",
    ),
)
@pytest.mark.parametrize("machine", MACHINES)
def test_wear_and_health_are_the_fault_models_readout(router, frame, machine):
    intent, tool, args = _call(router, frame.format(m=machine))
    assert (intent, tool, args.get("machine")) == ("risk", "fault_risk", machine)


def test_overall_equipment_effectiveness_is_still_oee(router):
    assert router.route("what is the overall equipment effectiveness of the line?").intent == "oee"


@pytest.mark.parametrize(
    "q",
    (
        "what colour is the capper unit painted?",
        "what's the warranty on the filler equipment?",
        "is the labeller station insured?",
        "how healthy is the night-shift foreman?",
        "what's the tyre wear on the forklift?",
    ),
)
def test_synonyms_do_not_open_off_data_subjects(router, q):
    r = router.route(q)
    assert not r.calls and r.reply is not None


def test_the_risk_answer_says_what_the_model_predicts_and_covers(tmp_path):
    cfg = load_config(DEMO_CONFIG)
    tools = PlantTools(
        Catalog.from_config(cfg),
        JournalSource([build_journal(tmp_path)]),
        ShiftCalendar(tz=UTC),
        procedures=ProcedureIndex(),
        now=T_END,
        fault_model=ModelScope("bearing failure", "bearing failure, bearing overheat"),
    )
    r = tools.run("fault_risk", machine="filler")
    assert "predicts bearing failure and covers bearing failure, bearing overheat only" in r.summary


# --- 4. windows exactly as asked -------------------------------------------------------------------

_UNITS = {
    "s": 1,
    "sec": 1,
    "seconds": 1,
    "second": 1,
    "min": 60,
    "mins": 60,
    "minutes": 60,
    "m": 60,
    "h": 3600,
}
_MIDNIGHT = dt.datetime.fromtimestamp(T_END, UTC).replace(hour=0, minute=0, second=0).timestamp()


def _clock(ts: float, seconds: bool) -> str:
    return dt.datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S" if seconds else "%H:%M")


def _window(router: Router, q: str) -> tuple[float, float]:
    r = router.route(q)
    stats = [c for c in r.calls if c.name == "tag_stats"]
    assert stats, (q, r.intent, r.calls, r.reply)
    return stats[0].args["start"], stats[0].args["end"]


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(1, 90),
    unit=st.sampled_from(sorted(_UNITS)),
    back=st.integers(120, int(T_END - _MIDNIGHT) - 1),
    seconds=st.booleans(),
    frame=st.sampled_from(
        ("in the", "during the", "over the", "within the", "the", "for the", "in the last")
    ),
    side=st.sampled_from(("before", "prior to", "leading up to", "after", "following", "since")),
    stat=st.sampled_from(
        ("max filler motor current", "average capper speed", "lowest labeller glue temperature")
    ),
)
def test_n_units_before_or_after_a_moment_is_exactly_that_window(
    router, n, unit, back, seconds, frame, side, stat
):
    t = T_END - back
    t = t - t % (1 if seconds else 60)
    q = f"{stat} {frame} {n} {unit} {side} {_clock(t, seconds)}"
    span = n * _UNITS[unit]
    want = (t - span, t) if side in ("before", "prior to", "leading up to") else (t, t + span)
    assert _window(router, q) == want, q


@settings(max_examples=100, deadline=None)
@given(
    a=st.integers(60, int(T_END - _MIDNIGHT) - 60),
    length=st.integers(1, 3600),
    seconds=st.booleans(),
    form=st.sampled_from(("between {a} and {b}", "from {a} to {b}", "from {a} until {b}", "since {a}")),
    stat=st.sampled_from(("peak conveyor vibration", "mean filler speed", "min capper bearing temperature")),
)
def test_stated_bounds_are_exactly_the_window(router, a, length, seconds, form, stat):
    start = _MIDNIGHT + a
    start -= start % (1 if seconds else 60)
    end = min(start + length, T_END)
    end -= end % (1 if seconds else 60)
    if end <= start:
        end = start + (1 if seconds else 60)
    q = f"{stat} {form.format(a=_clock(start, seconds), b=_clock(end, seconds))}"
    want = (start, T_END) if form.startswith("since") else (start, end)
    assert _window(router, q) == want, q


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 120), unit=st.sampled_from(("seconds", "minutes", "mins", "hours")))
def test_the_last_n_units_ends_now(router, n, unit):
    q = f"highest filler bearing temperature in the last {n} {unit}"
    span = n * {"seconds": 1, "minutes": 60, "mins": 60, "hours": 3600}[unit]
    assert _window(router, q) == (T_END - span, T_END), q
