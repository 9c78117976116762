"""The review, the shift report and the assistant read the plant historian (PostgreSQL) as they read
journal files: the same journals are forwarded by the station's forwarder to a real PostgreSQL server,
then what is built from the database must equal what is built from the files (timeline, report with
production/OEE and alarm KPIs, the assistant's answers), through the library and the commands.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from pathlib import Path

import numpy as np
import pytest

psycopg = pytest.importorskip("psycopg")

from connectors.plant.access import PlantTarget  # noqa: E402
from connectors.plant.forwarder import ForwarderSettings, PlantError, PlantForwarder  # noqa: E402
from connectors.plant.record import PlantRecord  # noqa: E402
from connectors.sim.faults import parse_fault_spec  # noqa: E402
from connectors.sim.shift import run_shift  # noqa: E402
from hmi.core.config import DEMO_CONFIG, load_config  # noqa: E402
from hmi.core.review.report import build_report, to_markdown  # noqa: E402
from hmi.core.review.source import ReviewSource  # noqa: E402
from hmi.core.review.timeline import build_timeline  # noqa: E402
from hmi.review_cli import report_main  # noqa: E402
from inference.assistant.ask_cli import ask_cli_main  # noqa: E402
from tests.pg_server import running_postgres  # noqa: E402
from tests.test_assistant_journal import build_journal  # noqa: E402
from tests.test_crash_restart_gap import START, _session  # noqa: E402
from tests.test_report_record_end import _utc_config  # noqa: E402
from tests.test_review import shift_journal  # noqa: E402


def forward(url: str, directory: Path, station: str, line: str) -> None:
    fwd = PlantForwarder(ForwarderSettings(url, None, station, line, directory))
    try:
        while fwd.forward_once():
            pass
    finally:
        fwd.stop()


@pytest.fixture(scope="module")
def plant(tmp_path_factory):
    """One database holding three lines: a simulated half shift of the demo line with production (two
    stations forwarding it), the review tests' shift of line "jt" (alarms, QC, actions, a login), and the
    assistant tests' hour of a second demo-like line "asst"."""
    cfg = load_config(DEMO_CONFIG)
    cfg = cfg.model_copy(update={"shifts": cfg.shifts.model_copy(update={"timezone": "UTC"})})
    start = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC).timestamp()
    plan = [parse_fault_spec(s) for s in ("capper:jam@5m/2m", "filler:motor_trip@12m/3m")]
    sim_dir = tmp_path_factory.mktemp("sim")
    truth = run_shift(cfg, sim_dir, start, 0.5, plan, seed=3, random_jams=False, publish_s=1.0)
    jt_dir = tmp_path_factory.mktemp("jt")
    jt_path = shift_journal(jt_dir)
    asst_cfg = cfg.model_copy(update={"line": cfg.line.model_copy(update={"id": "asst"})})
    asst_dir = tmp_path_factory.mktemp("asst")
    asst_path = build_journal(asst_dir, asst_cfg)
    with running_postgres() as server:
        name = "plant_" + uuid.uuid4().hex[:8]
        with psycopg.connect(server.url, autocommit=True) as c:
            c.execute(f"CREATE DATABASE {name}")
        url = server.url.rsplit("/", 1)[0] + "/" + name
        forward(url, sim_dir, "ws1", cfg.line.id)
        forward(url, sim_dir, "ws2", cfg.line.id)
        forward(url, jt_dir, "jt-ws", "jt")
        forward(url, asst_dir, "asst-ws", "asst")
        yield {
            "url": url,
            "sim": (Path(truth["journal"]), cfg.line.id, start),
            "jt": (jt_path, "jt"),
            "asst": (asst_path, "asst"),
        }


def same_report(file_md: str, plant_md: str, names: tuple[str, str] = ("", "")) -> None:
    # Only where the record is read from differs: the header's "Journal: <where>" line, and the file or
    # the database where a note names it (`names`: the file's path, the database's).
    def body(md: str, name: str) -> list[str]:
        return [
            line.replace(name, "<record>") if name else line
            for line in md.splitlines()
            if not line.startswith("Journal: ")
        ]

    assert body(plant_md, names[1]) == body(file_md, names[0])


def test_report_and_timeline_from_the_plant_equal_those_from_the_file(plant):
    for key in ("sim", "jt"):
        path, line = plant[key][:2]
        files = ReviewSource.open([path])
        record = PlantRecord(PlantTarget.parse(plant["url"], line=line))
        assert record.line_name == files.line_name and record.config == files.config
        assert [e.message for e in record.events()] == [e.message for e in files.events()]
        a, b = build_timeline(files), build_timeline(record)
        # times as PostgreSQL keeps them: to the microsecond
        assert b.machines == a.machines
        assert [(x.machine, x.state, x.fault) for x in b.bars] == [
            (x.machine, x.state, x.fault) for x in a.bars
        ]
        assert np.allclose([(x.t0, x.t1) for x in b.bars], [(x.t0, x.t1) for x in a.bars], rtol=0, atol=1e-6)
        assert [(e.kind, e.message, e.data) for e in b.events] == [
            (e.kind, e.message, e.data) for e in a.events
        ]
        assert np.allclose([e.ts for e in b.events], [e.ts for e in a.events], rtol=0, atol=1e-6)
        t0, t1 = files.t0, files.t1 + 1e-3
        file_report = build_report(files, t0, t1, "whole journal")
        plant_report = build_report(record, t0, t1, "whole journal")
        same_report(to_markdown(file_report), to_markdown(plant_report), (str(path), str(record.target)))
        assert plant_report.alarm_kpis.annunciated == file_report.alarm_kpis.annunciated
        if key == "sim":  # the production model is journaled: OEE from PostgreSQL, equal to the file's
            assert plant_report.production is not None and file_report.production is not None
            pa, fa = plant_report.production.line_oee, file_report.production.line_oee
            # times as PostgreSQL keeps them (to the microsecond): the time per category may differ
            # below a microsecond where it is measured to the record's end; everything else is equal
            assert np.allclose(pa.times, fa.times, rtol=0, atol=1e-5)
            # p_step (the most units one counter sample brought: P's tolerance) follows the source's
            # counter resolution (the plant record's counters are bucketed); the figures do not.
            assert dataclasses.replace(pa, times=fa.times, p_step=fa.p_step) == fa
            assert pa.ideal_exceeded == fa.ideal_exceeded
            assert pa.oee is not None
        else:
            assert file_report.qc_rejects == plant_report.qc_rejects == {"scratch": 1}
            assert plant_report.users == ["olga"]
        record.close()


@pytest.mark.parametrize("dead_min", [3, 47])
def test_a_crash_inside_the_record_is_a_gap_in_the_plant_as_in_the_file(plant, tmp_path, dead_min):
    """LineHMI was killed (no "journal closed") and started again: the time it was dead is not recorded.
    A file finds it from its commit times; the plant database keeps none and finds it from the rows
    those commits carried, so the review, the alarm KPIs and production read the same gap from both."""
    line = f"crash{dead_min}"
    cfg = _utc_config()
    cfg = cfg.model_copy(update={"line": cfg.line.model_copy(update={"id": line})})
    _session(cfg, tmp_path, START, 12, 2, closed=False)
    crash = START + 10.0 * 11
    restart = crash + 60.0 * dead_min
    path = _session(cfg, tmp_path, restart, 12, 2, closed=True)
    with psycopg.connect(plant["url"], autocommit=True) as c:  # its own database: the others list lines
        c.execute(f"CREATE DATABASE {line}")
    url = plant["url"].rsplit("/", 1)[0] + "/" + line
    forward(url, tmp_path, f"{line}-ws", line)
    files = ReviewSource.open([path])
    record = PlantRecord(PlantTarget.parse(url, line=line))
    file_gaps, plant_gaps = files.not_recording(), record.not_recording()
    assert any(a <= crash + 1e-6 and b >= restart - 1e-6 for a, b in plant_gaps), plant_gaps
    assert np.allclose(plant_gaps, file_gaps, rtol=0, atol=1e-5), (plant_gaps, file_gaps)
    t0, t1 = files.t0, files.t1 + 1e-3
    file_report = build_report(files, t0, t1, "whole journal")
    plant_report = build_report(record, t0, t1, "whole journal")
    assert plant_report.alarm_kpis.unrecorded_s == pytest.approx(restart - crash, abs=1e-3)
    same_report(to_markdown(file_report), to_markdown(plant_report), (str(path), str(record.target)))


def test_the_record_of_one_station_and_a_date_range(plant):
    path, line, start = plant["sim"]
    url = plant["url"]
    latest = PlantRecord(PlantTarget.parse(url, line=line))
    assert latest.station_id == "ws2"  # the station that forwarded last
    first = PlantRecord(PlantTarget.parse(f"{url}?line={line}&station=ws1"))
    assert first.station_id == "ws1"
    assert len(first.events()) == len(latest.events()) == len(ReviewSource.open([path]).events())
    part = PlantRecord(PlantTarget.parse(url, line=line), start + 600, start + 900)
    assert (part.t0, part.t1) == (start + 600, start + 900)
    with pytest.raises(PlantError, match="station 'ws9' is not one of line"):
        PlantRecord(PlantTarget.parse(url, line=line, station="ws9"))
    with pytest.raises(PlantError, match=r"no station of line 'line3'.*lines there: asst, jt, line1"):
        PlantRecord(PlantTarget.parse(url, line="line3"))
    with psycopg.connect(url, autocommit=True) as c:  # a database the previous LineHMI made, not migrated
        c.execute("CREATE DATABASE old_schema")
    old = url.rsplit("/", 1)[0] + "/old_schema"
    with psycopg.connect(old, autocommit=True) as c:
        c.execute("CREATE TABLE schema_migrations (version integer PRIMARY KEY, description text NOT NULL)")
        c.execute("INSERT INTO schema_migrations VALUES (2, 'v2')")
    with pytest.raises(
        PlantError, match=r"schema version 2, this LineHMI reads version .*run `linehmi plant init"
    ):
        PlantRecord(PlantTarget.parse(old, line=line))
    with pytest.raises(PlantError, match="which line"):
        PlantTarget.parse(url)
    with pytest.raises(PlantError, match="password in the URL is refused"):
        PlantTarget.parse(url.replace("postgres@", "postgres:secret@") + "?line=jt")
    with pytest.raises(PlantError, match="password in the URL is refused"):
        PlantTarget.parse(url + "?line=jt&password=secret")


def test_linehmi_report_from_the_plant_prints_what_the_file_gives(plant, tmp_path, capsys):
    path, line, start = plant["sim"]
    day = dt.datetime.fromtimestamp(start).date().isoformat()
    window = "06:00..06:30" if dt.datetime.fromtimestamp(start).hour == 6 else None
    shift = ["--shift", window, "--day", day] if window else []
    # The same file name in two folders: the stop trend images are named after the Markdown file.
    (tmp_path / "f").mkdir()
    (tmp_path / "p").mkdir()
    f_md, p_md = tmp_path / "f" / "report.md", tmp_path / "p" / "report.md"
    assert report_main(["--db", str(path), "--markdown", str(f_md), *shift]) == 0
    assert report_main(["--db", f"{plant['url']}?line={line}", "--markdown", str(p_md), *shift]) == 0
    same_report(f_md.read_text(), p_md.read_text())
    assert "plant historian" in p_md.read_text()
    assert sorted(x.name for x in (tmp_path / "f").glob("*.png")) == sorted(
        x.name for x in (tmp_path / "p").glob("*.png")
    )
    capsys.readouterr()
    assert report_main(["--db", f"{plant['url']}?line=nope", "--markdown", "-"]) == 2
    assert "no station of line 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "question",
    [
        "why did the capper stop?",
        "what was the filler's bearing temperature at 06:25?",
        "alarm KPIs of this shift",
        "top alarms today",
    ],
)
def test_the_assistant_answers_from_the_plant_as_from_the_file(plant, capsys, question):
    path, line = plant["asst"]
    config = str(DEMO_CONFIG)
    assert ask_cli_main([question, "--db", str(path), "--config", config, "--no-model", "--json"]) == 0
    from_file = json.loads(capsys.readouterr().out)
    url = f"{plant['url']}?line={line}"
    assert ask_cli_main([question, "--db", url, "--config", config, "--no-model", "--json"]) == 0
    from_plant = json.loads(capsys.readouterr().out)
    assert from_file["answered_by"] == "tools" and from_file["tool_calls"], from_file["answer"]
    for key in ("answer", "tool_calls", "sources", "results"):
        assert from_plant[key] == from_file[key], key
