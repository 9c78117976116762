"""Everyday wordings are read by meaning (issue 10: the assistant was right on 48 % of new wordings once).

Classes, each over every machine: a machine taken out ("knocked out", "died", "took offline", "put into
fault") asks why it stopped; "standing there" / "sitting waiting" asks why it went idle; un-acked /
signed off / parked alarms; binned and bad bottles are rejects; "closest to a breakdown" is the fault
model's risk; "out of spec" / "what's the fix" ask for the procedure; "after HH:MM" is a window from then
on. Typing slips one edit away from a plant word are read as it. And the other way round, the rule the
assistant keeps: a paraphrase never adds a subject, so the same wordings about something the data does
not hold (a made-up word) are still declined, naming it, and no word that is right as typed is changed.
"""

# ruff: noqa: F811  (the fixtures `assistant` and `router` are the scope tests', imported below)
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from inference.assistant.catalog import Catalog
from inference.assistant.paraphrase import Paraphraser, _one_edit
from inference.assistant.scope import CONVERSATION_WORDS

# The demo line's assistant as the scope tests build it (no journal, "now" 2026-05-04 09:00 UTC).
from tests.test_assistant_scope import CFG, NOW, UTC, assistant, router  # noqa: F401 (fixtures)

MACHINES = [m.name for m in Catalog.from_config(CFG).machines.values()]


# (wording with {m} for a machine, the tool that answers it)
BY_MEANING = [
    ("what knocked the {m} out?", "event_sequence"),
    ("the {m} died on us earlier - what happened?", "event_sequence"),
    ("what took the {m} offline?", "event_sequence"),
    ("what put the {m} into fault?", "event_sequence"),
    ("the {m} conked out, root cause pls", "event_sequence"),
    ("{m} was just standing there at 08:40, whose fault was that?", "event_sequence"),
    ("what made the {m} sit waiting around 08:30?", "event_sequence"),
    ("is the {m} on its last legs?", "fault_risk"),
    ("is the {m} about to fail?", "fault_risk"),
    ("anything on the {m} un-acked?", "alarms"),
    ("which {m} alarms havent been acknowleged", "alarms"),
    ("who signed off the {m} alarms?", "operator_actions"),
    ("did anybody mess with the {m} speed setpoint?", "operator_actions"),
    ("how many bad bottles on the {m} so far?", "qc_rates"),
    ("{m} OEE pls", "production"),
    ("{m} keeps stopping, what's the fix?", "search_procedures"),
    # Contractions typed without the apostrophe keep their meaning.
    ("hows the {m} doing", "machine_status"),
    ("how's the {m} doing?", "machine_status"),
    ("why'd the {m} trip?", "event_sequence"),
    ("{m} alarms that havent been acked?", "alarms"),
    # Running again after a stop, in other words: the machine's state now (asst13 held-out H6).
    ("has the {m} come back since it broke down?", "machine_status"),
    ("is the {m} back up yet?", "machine_status"),
    ("is the {m} back online?", "machine_status"),
    ("did the {m} come back up?", "machine_status"),
    ("is the {m} back in production?", "machine_status"),
]


@pytest.mark.parametrize("wording, tool", BY_MEANING)
def test_everyday_wordings_reach_the_tool_of_their_meaning(router, wording, tool):
    for m in MACHINES:
        q = wording.format(m=m.lower())
        route = router.route(q)
        assert [c.name for c in route.calls][:1] == [tool], (q, route.intent, route.reply)


@pytest.mark.parametrize(
    "question, tool, args",
    [
        ("which machine is closest to a breakdown?", "fault_risk", {}),
        ("why is one of the alarms parked on the shelf?", "operator_actions", {"action": "shelve"}),
        ("how many bottles has the camera binned?", "qc_rates", {"focus": "defects"}),
        (
            "are there any un-acked high priority alarms?",
            "alarms",
            {"state": "unacknowledged", "priority": "high"},
        ),
        ("did m.keller acknowledge anything today?", "operator_actions", {"user": "m.keller"}),
        ("cap torque out of spec, what's the fix?", "search_procedures", {}),
        ("Welche Alarme wurden noch von niemandem bestätigt?", "alarms", {"state": "unacknowledged"}),
    ],
)
def test_line_wide_wordings(router, question, tool, args):
    route = router.route(question)
    assert route.calls and route.calls[0].name == tool, (question, route.intent, route.reply)
    for k, v in args.items():
        assert route.calls[0].args.get(k) == v, (question, route.calls[0].args)


def test_after_a_clock_time_is_from_then_on_and_shortly_after_is_a_moment(router):
    t815 = dt.datetime(2026, 5, 4, 8, 15, tzinfo=UTC).timestamp()
    since = router.route("how many alarms went off after 08:15?")
    assert since.time is not None and (since.time.start, since.time.end) == (t815, NOW), since.time
    moment = router.route("how many alarms went off shortly after 08:15?")
    assert moment.time is not None and moment.time.kind == "after" and moment.time.point == t815, moment.time


# The rule kept: the same wordings about a subject the data does not hold are declined, naming it.
OFF_DATA_FRAMES = [
    "what knocked the {w} out?",
    "the {w} died on us - what happened?",
    "what took the {w} offline?",
    "is the {w} about to fail?",
    "is the {w} on its last legs?",
    "who signed off the {w}?",
    "did anybody mess with the {w}?",
    "how many {w} has the camera binned?",
    "{w} out of spec, what's the fix?",
    "{w} pls",
    "has the {w} come back yet?",
    "is the {w} back online?",
]


@settings(max_examples=120, deadline=None)
@given(
    w=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=5, max_size=10),
    frame=st.sampled_from(OFF_DATA_FRAMES),
)
def test_a_paraphrase_never_makes_an_unknown_subject_answerable(router, w, frame):
    assume(not router.scope.known(w, procedure=True) and not router.catalog.find_machines(w))
    assume(router._paraphrase.rewrite(w, router._as_typed) == w)  # a typo of a plant word is read as it
    q = frame.format(w=w)
    route = router.route(q)
    assert not route.calls, (q, route.intent, route.calls)
    assert route.reply is not None and w in route.reply.lower(), (q, route.reply)


def _typos(word: str) -> st.SearchStrategy[str]:
    """One slip: a letter dropped, doubled, replaced or two neighbours swapped (never the first letter)."""
    n = len(word)
    i = st.integers(1, n - 2)
    drop = i.map(lambda k: word[:k] + word[k + 1 :])
    double = i.map(lambda k: word[:k] + word[k] + word[k:])
    swap = i.map(lambda k: word[:k] + word[k + 1] + word[k] + word[k + 2 :])
    sub = st.tuples(i, st.sampled_from("aeiouy")).map(lambda t: word[: t[0]] + t[1] + word[t[0] + 1 :])
    return st.one_of(drop, double, swap, sub)


PLANT_WORDS = [
    "acknowledged",
    "unacknowledged",
    "conveyor",
    "labeller",
    "temperature",
    "vibration",
    "pressure",
]


@settings(max_examples=200, deadline=None)
@given(data=st.data(), word=st.sampled_from(PLANT_WORDS))
def test_one_slip_in_a_plant_word_is_read_as_the_word(router, data, word):
    typo = data.draw(_typos(word))
    assume(typo != word)
    out = router._paraphrase.rewrite(typo, router._as_typed)
    # Read as the word, or left alone when another plant word is as close (never a wrong guess).
    assert out in (word, typo), (typo, out)
    assert out == word or any(_one_edit(typo, v) and v != word for v in router._paraphrase._vocab), (
        typo,
        out,
    )


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from(sorted(CONVERSATION_WORDS)), min_size=1, max_size=8))
def test_words_right_as_typed_are_never_changed(router, words):
    text = " ".join(w for w in words if w.isalpha())
    assume(text)
    p: Paraphraser = router._paraphrase
    for w in text.split():
        assert p._spell(w, router._as_typed) == w
