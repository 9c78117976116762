"""asst12: the alarm vocabulary's nouns are never names, German words for the camera's rejecting are the
camera's rejects, and the fault model's scope (what it predicts, what it does not cover) is answered from
its card."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.config import DEMO_CONFIG, load_config
from inference.assistant.catalog import Catalog
from inference.assistant.router import Router
from inference.assistant.timeparse import ShiftCalendar, TimeParser

from .test_assistant_journal import T_END, UTC

MACHINES = ("filler", "capper", "labeller", "conveyor")

# Nouns and adjectives of an acknowledgement not given, in the spellings operators type.
ACK_NOUNS = (
    "acknowledgement",
    "acknowledgements",
    "acknowledgment",
    "acknowledgments",
    "ack",
    "acks",
    "an ack",
    "an acknowledgement",
    "a sign off",
    "confirmation",
)


@pytest.fixture(scope="module")
def router() -> Router:
    cat = Catalog.from_config(load_config(DEMO_CONFIG))
    return Router(cat, TimeParser(ShiftCalendar(tz=UTC)), lambda: T_END)


@settings(max_examples=80, deadline=None)
@given(
    noun=st.sampled_from(ACK_NOUNS),
    machine=st.sampled_from((None, *MACHINES)),
    frame=st.sampled_from(
        (
            "are there alarms still awaiting {n}{on}?",
            "anything{on} pending {n}? which alarms",
            "list the alarms{on} waiting on {n}.",
            "alarms{on} that need {n}?",
            "which alarms{on} are in need of {n}",
            "alarms{on} with {n} outstanding",
        )
    ),
)
def test_an_acknowledgement_not_given_is_never_a_machine_name(router, noun, machine, frame):
    """Wherever the noun stands (after for/of/on/the, before "?"), it is the alarms' state, never an
    unknown machine or tag: the answer is the unacknowledged alarms (on the machine when one is named)."""
    q = frame.format(n=noun, on=f" on the {machine}" if machine else "")
    r = router.route(q)
    assert r.intent == "alarms", (q, r.intent, r.reply)
    args = dict(r.calls[0].args)
    assert (args.get("state"), args.get("machine")) == ("unacknowledged", machine), (q, args)


@pytest.mark.parametrize(
    "q",
    [
        "Gibt es Alarme, die noch auf Quittierung warten?",
        "Welche unquittierten Alarme hat der Füller?",
        "alarms waiting for the acknowledgment?",
    ],
)
def test_german_and_bare_acknowledgement_nouns(router, q):
    r = router.route(q)
    assert r.intent == "alarms", (q, r.intent, r.reply)
    assert dict(r.calls[0].args).get("state") == "unacknowledged", q
