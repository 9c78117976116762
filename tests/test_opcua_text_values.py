"""Text tags and 64-bit integers end to end, against a real asyncua server on 127.0.0.1:
subscribed, journaled (text_samples, the exact digits), read back by the historian and the
CSV export, shown by LiveValues; the server's grants in the journal's tags table."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sqlite3
import time

import numpy as np
import pytest
from asyncua import ua
from hypothesis import given
from hypothesis import strategies as st

from connectors.opcua_values import to_text
from hmi.app.runtime import LineRuntime
from hmi.cli import main as cli_main
from hmi.core.config import parse_config
from hmi.core.historian import Historian, write_csv
from hmi.core.journal import Journal
from hmi.core.journal_text import read_grants
from hmi.core.live_values import LiveValues
from hmi.core.quality import BAD_NOT_CONNECTED, GOOD
from hmi.core.runtime_api import ConnectionState, ServerGrant
from hmi.core.samples import SampleBatch
from hmi.core.text_samples import TextSample, bound_text, display_text
from hmi.export_cli import export_cli_main
from inference.assistant.catalog import Catalog
from inference.assistant.journal_access import JournalSource
from inference.assistant.tools.context import PlantTools
from tests.opcua_fixtures import free_port as _free_port
from tests.opcua_fixtures import wait_until as _wait_until
from tests.opcua_servers import NS_URI, Plc, PlcShape, SmallPlcLimits, enforce_limits, line_config_text

I64_MAX, I64_MIN, U64_MAX = 2**63 - 1, -(2**63), 2**64 - 1
LONG = "x" * 2000 + "ende"
STAMP = dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC)


async def _values(server, idx):
    ns = idx[NS_URI]
    obj = await server.nodes.objects.add_object(ns, "X")

    async def var(name, value, vtype=None):
        return await obj.add_variable(ua.NodeId(f"X.{name}", ns), name, value, vtype)

    await var("I64Max", I64_MAX, ua.VariantType.Int64)
    await var("I64Min", I64_MIN, ua.VariantType.Int64)
    await var("U64Max", U64_MAX, ua.VariantType.UInt64)
    await var("Small", 2**53 - 1, ua.VariantType.UInt64)
    await var("Recipe", "Größe 4 — 按钮", ua.VariantType.String)
    await var("Lot", b"LOT-42", ua.VariantType.ByteString)
    await var("Raw", b"\xffOK", ua.VariantType.ByteString)
    await var("Names", ["alpha", "beta", "gamma"], ua.VariantType.String)
    await var("Long", LONG, ua.VariantType.String)
    await var("Label", ua.LocalizedText("Rüsten", "de"), ua.VariantType.LocalizedText)
    await var("Stamp", STAMP, ua.VariantType.DateTime)
    await var("Struct", ua.Argument(Name="a"), ua.VariantType.ExtensionObject)


TAGS = "".join(
    f'[[tags]]\nname = "{name}"\nnode_id = "nsu={NS_URI};s=X.{node}"\n{extra}'
    for name, node, extra in (
        ("i64max", "I64Max", 'data_type = "int"\n'),
        ("i64min", "I64Min", 'data_type = "int"\n'),
        ("u64max", "U64Max", 'data_type = "int"\nunit = "pcs"\n'),
        ("small", "Small", 'data_type = "int"\n'),
        ("recipe", "Recipe", 'data_type = "text"\n'),
        ("lot", "Lot", 'data_type = "text"\n'),
        ("raw", "Raw", 'data_type = "text"\n'),
        ("names", "Names", 'data_type = "text"\n'),
        ("names1", "Names", 'data_type = "text"\nelement = 1\n'),
        ("long", "Long", 'data_type = "text"\n'),
        ("label", "Label", 'data_type = "text"\n'),
        ("stamp", "Stamp", ""),
        ("stamp_text", "Stamp", 'data_type = "text"\n'),
        ("struct", "Struct", 'data_type = "text"\n'),
    )
)
TEXT_TAGS = ("recipe", "lot", "raw", "names", "names1", "long", "label", "stamp_text")


@pytest.fixture
def line(tmp_path, monkeypatch):
    """A runtime with a journal, connected to a server that revises publishing to 1000 ms."""
    enforce_limits(monkeypatch, SmallPlcLimits(min_publishing_ms=1000))
    plc = Plc(_free_port(), PlcShape(extra=_values)).start()
    text = line_config_text(plc.port, tags=TAGS).replace(
        "[server]\n", "[journal]\nmax_text_bytes = 64\n[server]\n"
    )
    cfg = parse_config(text, "text.toml")
    (tmp_path / "line.toml").write_text(text, encoding="utf-8")
    rt = LineRuntime(cfg, journal_dir=tmp_path / "journal", gui_feed=True).start()
    try:
        yield plc, rt
    finally:
        rt.stop()
        plc.close()


def wait_until(pred, timeout):
    _wait_until(pred, timeout, lambda: "condition not met")


def _rows(path, sql, *args):
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def test_text_and_64_bit_values_journaled_shown_and_exported(tmp_path, line, capsys):
    plc, rt = line
    wait_until(lambda: rt.state == ConnectionState.CONNECTED, 20)
    wait_until(lambda: all(rt.latest_text(t) is not None for t in (*TEXT_TAGS, "u64max", "i64min")), 20)
    rt.journal.flush()
    db = rt.journal.path
    text = dict(
        _rows(db, "SELECT t.name, x.text FROM text_samples x JOIN tags t ON t.id = x.tag_id ORDER BY x.id")
    )
    # 64-bit extremes stored exactly (as text next to their float sample), not refused
    assert (
        text["i64max"] == str(I64_MAX) and text["i64min"] == str(I64_MIN) and text["u64max"] == str(U64_MAX)
    )
    assert "small" not in text  # exact as a float64: no text row needed
    samples = dict(_rows(db, "SELECT t.name, s.value FROM samples s JOIN tags t ON t.id = s.tag_id"))
    assert samples["u64max"] == float(U64_MAX) and samples["small"] == float(2**53 - 1)
    assert text["recipe"] == "Größe 4 — 按钮"
    assert text["lot"] == "LOT-42"
    assert text["raw"] == "\ufffdOK"  # a byte that is not UTF-8 is shown, not dropped
    assert json.loads(text["names"]) == ["alpha", "beta", "gamma"] and text["names1"] == "beta"
    assert text["label"] == "Rüsten"
    assert text["stamp_text"] == "2026-03-01T06:00:00.000+00:00"
    assert samples["stamp"] == STAMP.timestamp()  # the same node as a number tag: POSIX seconds
    # bounded: 64 bytes kept, the full length kept with it and said wherever it is shown
    ((kept, full),) = _rows(
        db,
        "SELECT x.text, x.full_bytes FROM text_samples x JOIN tags t ON t.id = x.tag_id WHERE t.name = 'long'",
    )
    assert kept == LONG[:64] and full == len(LONG)
    assert "truncated: 2004 bytes" in display_text(kept, full)
    # text tags have no numeric rows; a structure is refused with the type it had
    numeric_tags = {
        n for (n,) in _rows(db, "SELECT DISTINCT t.name FROM samples s JOIN tags t ON t.id = s.tag_id")
    }
    assert not numeric_tags & set(TEXT_TAGS)
    assert "server sent Argument" in rt.connector.problems["struct"].message
    # the server's grants are in the tags table (publishing revised to 1000 ms)
    wait_until(
        lambda: _rows(db, "SELECT server_publishing_ms FROM tags WHERE name = 'recipe'")[0][0] == 1000.0, 10
    )
    grants = {g.name: g for g in read_grants(sqlite3.connect(db))}
    assert grants["m1.speed"].server_publishing_ms == 1000.0 and grants["m1.speed"].server_queue_size >= 20
    assert grants["m1.speed"].sampling_ms == 50.0 and grants["m1.speed"].server_sampling_ms == 1000.0
    assert grants["m1.speed"].slower()
    assert all(grants[t].server_sampling_ms == 1000.0 for t in TEXT_TAGS)
    # ... and `linehmi check-config --journal` shows them, with the warning
    assert cli_main(["check-config", str(tmp_path / "line.toml"), "--journal", str(db)]) == 0
    shown = capsys.readouterr().out
    assert "m1.speed" in shown and "50 ms    1000 ms" in shown and "SLOWER than configured" in shown
    # 14: the structure tag was refused before the subscribe, so it is not monitored at all
    assert "WARNING: the server cannot deliver the configured rate of 14 tags" in shown
    assert re.search(r"struct +100 ms +- +- +- +\(not subscribed\)", shown)

    # a changed text is journaled as a new row
    t_change = time.time()
    plc.run(plc.server.get_node("ns=2;s=X.Recipe").write_value(ua.Variant("Größe 5", ua.VariantType.String)))
    wait_until(lambda: (rt.latest_text("recipe") or TextSample(0, 0, 0, 0, "", 0)).text == "Größe 5", 10)
    rt.journal.flush()

    hist = Historian.for_journal(rt.journal)
    rows = hist.read_text(["recipe", "u64max"], 0, time.time() + 10)
    assert [r.text for r in rows["recipe"]] == ["Größe 4 — 按钮", "Größe 5"]
    assert rows["u64max"][0].text == str(U64_MAX)
    assert hist.text_at("recipe", t_change - 0.001).text == "Größe 4 — 按钮"
    assert hist.text_tags() == set(TEXT_TAGS) | {"struct"}

    # the assistant's tool reads the text and the exact digits (never the rounded float)
    tools = PlantTools(Catalog.from_config(rt.config), JournalSource([db]), now=time.time() + 1)
    answer = tools.run("current_value", tag="recipe")
    assert '"Größe 5"' in answer.summary and answer.facts["values"][0]["text"] == '"Größe 5"'
    assert str(U64_MAX) in tools.run("current_value", tag="u64max").summary
    assert "truncated: 2004 bytes" in tools.run("current_value", tag="long").summary
    earlier = tools.run("current_value", tag="recipe", at=t_change - 0.001)
    assert "Größe 4" in earlier.summary

    # the CSV export writes the texts and the exact digits (not the rounded float)
    out = tmp_path / "export.csv"
    assert export_cli_main([str(db), "--tags", "recipe,u64max,long,small", "--csv", str(out)]) == 0
    got = list(csv.DictReader(out.open(encoding="utf-8")))
    by_tag: dict[str, list[str]] = {}
    for r in got:
        by_tag.setdefault(r["tag"], []).append(r["value"])
    assert by_tag["recipe"][:2] == ["Größe 4 — 按钮", "Größe 5"]
    assert by_tag["u64max"][0] == str(U64_MAX)
    assert "truncated: 2004 bytes" in by_tag["long"][0]
    assert by_tag["small"][0] == repr(float(2**53 - 1))

    # what the screens get: the poll carries the texts; LiveValues shows them
    live = LiveValues(rt.config)
    upd = rt.poll()
    live.apply(upd.batch)
    live.apply_text(upd.texts)
    i = rt.config.tag_index()
    assert live.text[i["u64max"]] == str(U64_MAX)
    assert live.text[i["recipe"]] == "Größe 5" and live.status[i["recipe"]] == GOOD

    # the link drops: text tags are marked bad like numbers, in text_samples
    plc.stop()
    wait_until(lambda: rt.state != ConnectionState.CONNECTED, 10)
    rt.journal.flush()
    last = _rows(
        db,
        "SELECT x.text, x.status FROM text_samples x JOIN tags t ON t.id = x.tag_id WHERE t.name = 'recipe'"
        " ORDER BY x.id DESC LIMIT 1",
    )
    assert last == [(None, BAD_NOT_CONNECTED)]


@given(st.text(max_size=200), st.integers(min_value=16, max_value=300))
def test_bound_text_never_exceeds_the_bound_and_says_when_it_cut(text, max_bytes):
    kept, full = bound_text(text, max_bytes)
    raw = text.encode("utf-8", errors="surrogatepass")
    assert len(kept.encode("utf-8", errors="surrogatepass")) <= max_bytes
    assert text.startswith(kept)  # a prefix, cut at a character boundary
    assert (full is None) == (len(raw) <= max_bytes)
    if full is None:
        assert kept == text
    else:
        assert full == len(raw) and "truncated" in display_text(kept, full)


@given(st.integers(min_value=-(2**63), max_value=2**64 - 1))
def test_64_bit_integers_exact_in_text_or_float(n):
    from connectors.opcua_values import convert

    dv = ua.DataValue(ua.Variant(n, ua.VariantType.Int64 if n < 2**63 else ua.VariantType.UInt64))
    stamped = convert(dv, time.time())
    assert stamped is not None
    exact = int(stamped.text) if stamped.text is not None else int(stamped.value)
    assert exact == n  # the journal holds every 64-bit integer exactly, in one of the two
    assert stamped.value == float(n)  # and trends the nearest float


def test_to_text_of_every_text_type():
    assert to_text("a") == "a" and to_text(b"\xe2\x82\xac") == "€" and to_text(None) is None
    assert to_text(ua.LocalizedText("x")) == "x" and to_text([b"a", "b", None]) == '["a", "b", null]'
    assert to_text(ua.NodeId("N", 2)) == "ns=2;s=N"
    with pytest.raises(TypeError, match="has no text form"):
        to_text(ua.Argument())


def test_text_tags_are_checked_at_config_time():
    base = (
        '[line]\nid = "l"\nname = "L"\n[server]\nendpoint = "opc.tcp://h:4840"\n'
        '[[tags]]\nname = "r"\nnode_id = "ns=2;s=R"\ndata_type = "text"\n'
    )
    parse_config(base, "ok.toml")
    for extra, word in (
        ("alarms = { hi = 3 }\n", "alarms"),
        ("writable = true\n", "writable"),
        ("range = [0, 1]\n", "range"),
    ):
        with pytest.raises(Exception, match=f"text tag cannot have {word}"):
            parse_config(base + extra, "bad.toml")


def test_older_journal_without_the_text_table_opens_and_reads(tmp_path):
    """A file written before text_samples/grant columns: readers see no text, the writer adds them."""
    cfg = parse_config(line_config_text(4840, tags=TAGS), "t.toml")
    j = Journal(cfg, tmp_path).open()
    j.write_samples(SampleBatch.from_columns([0], [time.time()], [np.nan], [time.time()], [1.0], [GOOD]))
    j.close()
    path = j.path
    conn = sqlite3.connect(path)
    conn.execute("DROP VIEW text_samples_readable")
    conn.execute("DROP TABLE text_samples")
    for col in ("server_sampling_ms", "server_queue_size", "server_publishing_ms", "server_granted_at"):
        conn.execute(f"ALTER TABLE tags DROP COLUMN {col}")
    conn.commit()
    conn.close()
    hist = Historian.for_files([path])
    assert hist.read_text(["recipe"], 0, 4e9) == {"recipe": []}
    assert hist.text_at("recipe", 4e9) is None
    assert read_grants(sqlite3.connect(path)) == []
    j2 = Journal(cfg, tmp_path).open()  # opening for writing migrates it in place
    j2.record_grants({"m1.speed": ServerGrant(100.0, 4, 500.0)}, time.time())
    j2.write_text_samples(
        [TextSample(cfg.tag_index()["recipe"], time.time(), np.nan, time.time(), "A", GOOD)]
    )
    j2.close()
    assert j2.stats.texts_committed == 1
    assert [r.text for r in Historian.for_files([path]).read_text(["recipe"], 0, 4e9)["recipe"]] == ["A"]
    g = {r.name: r for r in read_grants(sqlite3.connect(path))}
    assert g["m1.speed"].server_publishing_ms == 500.0 and g["recipe"].server_sampling_ms is None


def test_csv_of_text_rows_keeps_order_and_marks_truncation():
    from hmi.core.journal_text import TextRow

    out = io.StringIO()
    rows = [TextRow(2.0, "b", GOOD, None), TextRow(1.0, "a", GOOD, None), TextRow(3.0, "c" * 4, GOOD, 999)]
    rows.sort(key=lambda r: r.ts)
    n = write_csv(out, {}, {}, texts={"t": rows})
    got = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert n == 3 and [r["value"][:4] for r in got] == ["a", "b", "cccc"]
    assert "truncated: 999 bytes" in got[2]["value"]
