"""Questions about production to come are declined, never answered with what happened so far (qa7 G14:
"how many bottles will we make by the end of the shift?" got the reject rate of the shift so far as if
it were the answer). The journal holds no plan and no forecast of output; the fault model's prediction of
a failure is not a production forecast and keeps its own answer. The same subjects asked in the past
tense are still answered."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_assistant_scope import assistant, router  # noqa: F401  (module fixtures)

FUTURE = [
    "how many {what} will we make {when}?",
    "how much {what} will the line produce {when}?",
    "are we going to hit 5000 {what} {when}?",
    "will we reach our {what} target {when}?",
    "what will the {fig} be {when}?",
    "what {fig} are we expected to end up with {when}?",
]
PAST = ["how many {what} did we make {when}?", "what was the {fig} {when}?"]
WHAT = ["bottles", "good bottles", "units"]
FIG = ["OEE", "output", "reject rate", "production"]
WHEN = ["by the end of the shift", "today", "at this rate", "before 14:00", ""]
PWHEN = ["this shift", "so far", "today", ""]


@settings(max_examples=60, deadline=None)
@given(
    frame=st.sampled_from(FUTURE),
    what=st.sampled_from(WHAT),
    fig=st.sampled_from(FIG),
    when=st.sampled_from(WHEN),
)
def test_a_production_forecast_is_declined(router, frame, what, fig, when):  # noqa: F811
    q = frame.format(what=what, fig=fig, when=when).replace(" ?", "?")
    route = router.route(q)
    assert not route.calls, (q, route.intent, route.calls)
    assert route.reply is not None and "forecast" in route.reply, (q, route.reply)


@settings(max_examples=30, deadline=None)
@given(
    frame=st.sampled_from(PAST),
    what=st.sampled_from(WHAT),
    fig=st.sampled_from(FIG),
    when=st.sampled_from(PWHEN),
)
def test_the_same_subjects_in_the_past_are_answered(router, frame, what, fig, when):  # noqa: F811
    q = frame.format(what=what, fig=fig, when=when).replace(" ?", "?")
    route = router.route(q)
    assert route.calls, (q, route.intent, route.reply)


def test_a_failure_prediction_is_not_a_production_forecast(router):  # noqa: F811
    route = router.route("which machine will break down next?")
    assert route.calls and "forecast" not in (route.reply or ""), (route.intent, route.reply)
