"""One display precision for a tag's value everywhere (qa7 G18: the labeller's glue peak 190.254 °C read
"190.2 °C" in an answer, truncated by a rounding to 2 places before the 1-place format, and "190.3 °C"
in the handover): the screens (hmi.core.tag_info), the assistant's tag values from a config or from a
journal's tags table, and the answers that quote a peak (why it stopped, tag statistics, the handover)
all write the same text for the same value."""

from __future__ import annotations

import contextlib
import io
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hmi.core.config import parse_config
from hmi.core.journal import Journal
from hmi.core.journal_read import open_journal_readonly
from hmi.core.tag_info import TagInfo
from inference.assistant.ask_cli import ask_cli_main
from inference.assistant.catalog import Catalog
from inference.assistant.tools.context import PlantTools
from tests.test_journal import batch
from tests.test_review import T0, state

DEADBANDS = (0.0, 0.001, 0.01, 0.05, 0.2, 1.0, 0.0003)
RANGES = ((0, 10), (0, 100), (0, 300), (0, 2000), (-50, 50))


def config_text() -> str:
    text = """
[line]
id = "dp"
name = "Display precision line"
[server]
endpoint = "opc.tcp://127.0.0.1:4840/"
[[machines]]
id = "m"
name = "Labeller"
state_tag = "m.state"
key_tags = ["m.t0_2"]
[[tags]]
name = "m.state"
node_id = "ns=2;s=m.state"
machine = "m"
data_type = "enum"
states = { "0" = "Stopped", "2" = "Running", "4" = "Faulted" }
"""
    for i, db in enumerate(DEADBANDS):
        for k, (lo, hi) in enumerate(RANGES):
            text += (
                f'[[tags]]\nname = "m.t{i}_{k}"\nnode_id = "ns=2;s=m.t{i}_{k}"\nmachine = "m"\nunit = "°C"\n'
                f"deadband = {db}\nrange = [{lo}, {hi}]\nnormal = [{lo}, {lo + (hi - lo) / 2}]\n"
                f"alarms = {{ hi = {lo + 0.55 * (hi - lo)} }}\n"
            )
    return text


CONFIG = parse_config(config_text())


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory):
    d = tmp_path_factory.mktemp("dp")
    with Journal(CONFIG, d, clock=lambda: T0) as j:
        path = j.path
    with open_journal_readonly(path) as r:
        from_journal = Catalog.from_journal_rows(r.meta(), r.tags())
    return Catalog.from_config(CONFIG), from_journal


@given(
    tag=st.sampled_from([t.name for t in CONFIG.tags if t.data_type != "enum"]),
    value=st.floats(-1e6, 1e6, allow_nan=False) | st.sampled_from([190.254, 190.25, 0.045, -0.0004, 1.005]),
)
def test_every_formatter_path_writes_a_value_the_same(catalogs, tag, value):
    screen = TagInfo.from_config(CONFIG.tag(tag)).format_with_unit(value)
    for catalog in catalogs:
        tools = PlantTools(catalog, None)
        assert tools.value_text(catalog.tags[tag], value) == screen


def ask(question: str, path, *extra: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert ask_cli_main([question, "--db", str(path), *extra]) == 0
    return out.getvalue()


def test_qa7_peak_reads_the_same_in_the_answer_the_statistics_and_the_handover(tmp_path):
    """A peak of 190.254 °C (display: 1 decimal) before a stop: "190.3 °C" in every text."""
    tag = "m.t0_2"  # no deadband, range 0-300: one decimal, like the labeller's glue temperature
    idx = [t.name for t in CONFIG.tags].index(tag)
    with Journal(CONFIG, tmp_path, clock=lambda: T0) as j:
        t = T0 + np.arange(300.0)
        v = np.where(t < T0 + 190, 100.0, 120.0)
        v[190] = 190.254
        j.write_samples(batch(np.full(300, idx), t, v))
        j.write_samples(batch(np.zeros(300, dtype=int), t, np.where(t < T0 + 200, 2.0, 4.0)))
        j.write_events([state(T0, "m", "Running"), state(T0 + 200, "m", "Faulted", "Overheat")])
        path = j.path
    want = TagInfo.from_config(CONFIG.tag(tag)).format_with_unit(190.254)
    assert want == "190.3\u00a0°C"
    cfg = tmp_path / "line.toml"
    cfg.write_text(config_text(), encoding="utf-8")
    why = ask("why did the labeller stop?", path, "--config", str(cfg))
    stats = ask(f"what was the maximum of {tag}?", path, "--config", str(cfg))
    handover = ask("draft the handover", path, "--config", str(cfg))
    for text in (why, stats, handover):
        assert not re.search(r"190\.2(?!\d)|190\.25", text), text
    assert f"rose to {want}" in why, why
    assert f"max {want}" in stats, stats
    assert f"max {want}" in handover, handover
