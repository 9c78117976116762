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

from .test_assistant_classes import assistant, journal  # noqa: F401 (module fixtures: a camera with rejects)
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


# --- the camera's rejecting, in German -------------------------------------------------------------------


@pytest.fixture(scope="module")
def camera(request):
    """test_assistant_classes' assistant: its journal holds camera rejects and inspected images."""
    return request.getfixturevalue("assistant")


REJECTING_DE = (
    "aussortiert",
    "ausgeschleust",
    "verworfen",
    "ausgesondert",
)


@settings(max_examples=40, deadline=None)
@given(
    verb=st.sampled_from(REJECTING_DE),
    frame=st.sampled_from(
        (
            "Wie viele Flaschen hat die Kamera {v}?",
            "Wie viele Flaschen wurden von der Kamera {v}?",
            "Was hat die Kamera heute {v}?",
            "Kamera: wie viel wurde {v}?",
        )
    ),
)
def test_a_german_reject_verb_is_the_cameras_rejected_share(camera, verb, frame):
    """Every German verb of rejecting asks what the English camera question asks: the same tool, and the
    period's rejected share with the English answer's counts ("3 von N geprüften Flaschen")."""
    en = camera.answer("how many bottles did the camera reject?")
    facts = en.results[0].facts
    assert facts["qc_share_inspected"], en.text  # the fixture's camera inspected images
    q = frame.format(v=verb)
    de = camera.answer(q)
    assert de.lang == "de" and [c.name for c in de.tool_calls] == [c.name for c in en.tool_calls], (
        q,
        de.text,
    )
    assert f"{facts['qc_rejects']} von {facts['qc_share_inspected']} geprüften Flaschen" in de.text, (
        q,
        de.text,
    )


@pytest.mark.parametrize("noun", ["Ausschuss", "Ausschussflaschen"])
def test_a_german_reject_noun_is_the_cameras_rejects(camera, noun):
    de = camera.answer(f"Wie viel {noun} hatte die Kamera?")
    assert [c.name for c in de.tool_calls] == ["qc_rates"], de.text
    assert "von" in de.text and "geprüften Flaschen" in de.text, de.text


# --- what the fault model predicts and does not cover ----------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    model=st.sampled_from(("bearing model", "fault model", "prediction model", "model", "AI model")),
    frame=st.sampled_from(
        (
            "which faults does the {m} cover?",
            "what's not covered by the {m}?",
            "does the {m} cover jams?",
            "what does the {m} predict, and what is outside its coverage?",
            "what are the {m}'s blind spots",
            "what can't the {m} detect?",
            "limitations of the {m}?",
        )
    ),
)
def test_the_models_scope_is_answered_from_its_card(model, frame):
    """Whatever the words, a question about what the model covers is answered from the card the
    assistant is given, in the words the faceplate's tooltip uses (readout_text.scope_text): never a
    decline over "cover", and never a figure the card does not hold."""
    from inference.assistant.assistant import Assistant
    from inference.assistant.tools import PlantTools
    from inference.assistant.tools.context import ModelScope
    from inference.fault.readout_text import scope_text

    sc = ModelScope("motor failure", "motor failure, winding overheat", horizon_s=300.0)
    cat = Catalog.from_config(load_config(DEMO_CONFIG))
    tools = PlantTools(cat, None, ShiftCalendar(tz=UTC), now=T_END, fault_model=sc)
    q = frame.format(m=model)
    a = Assistant(tools).answer(q)
    assert [(c.name, dict(c.args).get("focus")) for c in a.tool_calls] == [("fault_risk", "scope")], (
        q,
        a.text,
    )
    assert scope_text(sc.predicts, sc.covers, sc.horizon_s) in a.text, (q, a.text)
    assert "5 min" in a.text and "not covered" in a.text, a.text


def test_the_faceplate_tooltip_and_the_assistant_say_the_scope_in_one_wording():
    from inference.fault.readout_text import NOT_COVERED, MachineRisk, meaning_text, scope_text

    r = MachineRisk(
        "filler",
        0.0,
        0.1,
        600.0,
        False,
        "ok",
        predicts="bearing failure",
        covers="bearing wear",
        horizon_s=90.0,
    )
    # The faceplate's tooltip leads with meaning_text: the failure and the horizon in the
    # assistant's words, and the same "not covered".
    assert scope_text("bearing failure", "bearing wear", 90.0).startswith(
        "Predicts bearing wear within 1 min 30 s;"
    )
    assert "the chance of bearing wear within 1 min 30 s." in meaning_text(r)
    assert NOT_COVERED in meaning_text(r).lower()
    assert scope_text("bearing failure", "bearing wear", 90.0).endswith(NOT_COVERED)
