"""Alarm messages keep the value that triggered them, at the tag's display precision, with the
limit; later values never rewrite a message (issue 10, class 2). Property tests over random
signals and random tag precisions, through the real engine."""

from __future__ import annotations

import dataclasses
import math
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from hmi.core.alarms import AlarmEngine, AlarmState, load_definitions
from hmi.core.alarms.model import AlarmKind
from hmi.core.alarms.persistence import MemoryJournal
from hmi.core.config import LineConfig, load_config
from hmi.core.samples import SampleBatch
from hmi.core.tag_info import TagInfo, display_decimals

DEADBANDS = [0.0, 0.001, 0.01, 0.05, 0.1, 0.5, 1.0, 2.0]
RANGES = [None, (0.0, 10.0), (0.0, 100.0), (0.0, 5000.0)]


def config(
    deadband: float, rng: tuple[float, float] | None, with_template: bool, on_delay_s: float = 0.0
) -> LineConfig:
    tag = {
        "name": "x",
        "node_id": "ns=2;s=X",
        "machine": "m",
        "unit": "A",
        "deadband": deadband,
        "alarms": {"lo": 2.0, "hi": 7.5, "hihi": 9.25, "action": "do the thing"},
    }
    if rng is not None:
        tag["range"] = list(rng)
    alarms = []
    if with_template:
        alarms.append(
            {
                "id": "x",
                "type": "analog",
                "tag": "x",
                "message": "X {level}: {value} {unit} (limit {limit} {unit})",
                "on_delay_s": on_delay_s,
            }
        )
    return LineConfig.model_validate(
        {
            "line": {"id": "t", "name": "t"},
            "server": {"endpoint": "opc.tcp://127.0.0.1:4840/"},
            "machines": [{"id": "m", "name": "M"}],
            "tags": [tag],
            "alarms": alarms,
        }
    )


NUMBER = re.compile(r"-?[\d,]+(?:\.\d+)?")


@settings(max_examples=60, deadline=None)
@given(
    deadband=st.sampled_from(DEADBANDS),
    rng=st.sampled_from(RANGES),
    with_template=st.booleans(),
    on_delay_s=st.sampled_from([0.0, 2.0, 3.0]),
    values=st.lists(st.floats(-5, 15, allow_nan=False), min_size=1, max_size=40),
)
def test_messages_freeze_the_trigger_value_rounded_to_the_tags_precision(
    deadband, rng, with_template, on_delay_s, values
):
    """With an on-delay too (qa7 G22): the sample that ends the delay may sit inside the deadband,
    below the limit; the message quotes the furthest the value went past the limit during it."""
    cfg = config(deadband, rng, with_template, on_delay_s if with_template else 0.0)
    defs, problems = load_definitions(cfg)
    assert not problems
    t = [1000.0]
    engine = AlarmEngine(cfg, defs, MemoryJournal(), lambda: t[0])
    decimals = display_decimals("float", deadband, rng)
    info = TagInfo.from_config(cfg.tags[0])
    assert info.decimals == decimals  # the trend, the tag table and the alarms use one rule
    seen: dict[str, tuple[int, str]] = {}  # alarm -> (activation count, message)
    for v in values:
        t[0] += 1.0
        engine.process(SampleBatch.from_columns([0], [t[0]], [t[0]], [t[0]], [v], [0]))
        for r in engine.records(include_normal=True):
            d = engine.definition(r.id)
            if r.count == 0:
                assert r.message == d.describe() and "?" not in r.message
                continue
            prev = seen.get(r.id)
            if prev is not None and prev[0] == r.count:
                assert r.message == prev[1], "a later value rewrote the message"
            seen[r.id] = (r.count, r.message)
            # The message holds the trigger value as the tag shows it, and the limit.
            trigger = info.format(r.trigger_value)
            limit = info.format(d.limit)
            assert trigger in r.message and limit in r.message, (r.message, trigger, limit)
            assert r.message.endswith(" — do the thing")
            # No number in the message has more decimals than the tag shows.
            for num in NUMBER.findall(r.message.split(" — ")[0]):
                frac = num.split(".")[1] if "." in num else ""
                assert len(frac) <= decimals, (num, r.message)
            # The value triggered the alarm: it was past the limit (never only inside the deadband).
            if d.op == ">=":
                assert r.trigger_value >= d.limit, (r.message, d.on_delay_s)
            else:
                assert r.trigger_value <= d.limit, (r.message, d.on_delay_s)
            if r.state == AlarmState.RTN_UNACKED:
                assert math.isfinite(r.trigger_value)


def test_the_issue_example_a_cleared_alarm_keeps_its_trigger_value():
    """'Filler motor current Hi: 0 A (>= 26 A)' after the trip: the message must keep 27.8 A."""
    cfg = config(0.05, (0.0, 40.0), False)
    defs, _ = load_definitions(cfg)
    t = [0.0]
    engine = AlarmEngine(cfg, defs, MemoryJournal(), lambda: t[0])
    for v in (5.0, 7.8391, 8.2, 0.0):
        t[0] += 1
        engine.process(SampleBatch.from_columns([0], [t[0]], [t[0]], [t[0]], [v], [0]))
    r = engine.record("x.hi")
    assert r.state == AlarmState.RTN_UNACKED and r.value == 0.0
    assert r.message == "x Hi: 7.84 A (>= 7.50 A) — do the thing"


DEMO_DEFS = load_definitions(load_config("resources/demo_line.toml"))[0]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(DEMO_DEFS),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.sampled_from(
        ["", "{name}: {value} {unit}", "Glue temperature {level}: {value}", "{level} at {value}"]
    ),
)
def test_every_message_leads_with_the_alarms_one_name(d, value, template):
    """qa3: the glue alarm was raised as "Glue temperature Hi: 180.3 °C" and suppressed as
    "Labeller glue temperature Hi": one alarm, two names. Whatever the template, the message
    an activation journals starts with the name its later transitions use."""
    for definition in (d, dataclasses.replace(d, message=template)):
        assert definition.format_message(value).startswith(definition.name), definition.message


@settings(max_examples=40, deadline=None)
@given(
    over=st.lists(st.floats(7.5, 9.0), min_size=1, max_size=3),
    inside=st.lists(st.floats(7.01, 7.49), min_size=4, max_size=8),
    on_delay_s=st.sampled_from([2.0, 3.0]),
)
def test_an_on_delay_ending_inside_the_deadband_quotes_the_value_past_the_limit(over, inside, on_delay_s):
    """qa7 G22: the value crossed the Hi limit, then hovered inside the deadband (still in alarm, below
    the limit) until the on-delay ended: the message read "Hi: 4.47 mm/s (limit 4.50 mm/s)". It quotes
    the furthest the value went past the limit while the delay ran."""
    cfg = config(0.5, (0.0, 10.0), True, on_delay_s)
    defs, problems = load_definitions(cfg)
    assert not problems
    t = [1000.0]
    engine = AlarmEngine(cfg, defs, MemoryJournal(), lambda: t[0])
    info = TagInfo.from_config(cfg.tags[0])
    for v in [5.0, *over, *inside]:
        t[0] += 1.0
        engine.process(SampleBatch.from_columns([0], [t[0]], [t[0]], [t[0]], [v], [0]))
    r = engine.record("x.hi")
    assert r.count == 1, r
    assert r.trigger_value == max(over)
    assert f"X Hi: {info.format(max(over))} A (limit {info.format(7.5)} A)" in r.message, r.message


@settings(max_examples=40, deadline=None)
@given(value=st.one_of(st.none(), st.floats(-1e3, 1e3), st.integers(0, 6).map(float)))
def test_no_message_of_the_demo_line_shows_a_comparison_operator(value):
    """qa7 G32: "Capper tripped (== Faulted)": the condition of a discrete alarm is said in words
    ("is Faulted") in every message an alarm can carry: before it fired, and raised at any value.
    (An analog limit keeps its "(>= 70 °C)": the limit notation of every alarm list.)"""
    from hmi.core.config import DEMO_CONFIG

    defs, _ = load_definitions(load_config(DEMO_CONFIG))
    code = re.compile(r"==|!=")  # never a programming operator in any alarm's text
    compare = re.compile(r"==|!=|<=|>=|<|>")  # a discrete alarm's condition: no symbol at all
    for d in defs:
        for text in (d.describe(), d.format_message(value)):
            assert not code.search(text), (d.id, text)
        if d.kind is AlarmKind.DISCRETE:
            assert not compare.search(d.describe_limit()), (d.id, d.describe_limit())
            assert d.describe_limit().startswith(("is ", "below ", "above ", "at or ")), d.id
