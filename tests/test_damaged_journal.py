"""A journal with a valid SQLite header and damaged pages, next to a good one, at every command that
opens journals read-only: no traceback, the damaged file named with what is wrong, the good file
still read, and neither file's bytes changed nor a side file made (README, "Bad input").

The damage is drawn at random (which pages, how many, what they are overwritten with); the oracle
for "is this file damaged" is SQLite's full `integrity_check` on the damaged bytes, which the code
under test does not run, and for "where" the undamaged file's page map (`dbstat`). The open checks
every table but the sample data (hmi.core.readonly_db.SAMPLE_TABLES): damage there is named and the
file left out by every command; damage in the sample data is named by the commands that check the
whole file (ask, export, journal copy, production summary), by the others where a read meets it,
and by the review's whole check in the background (`ReviewSource.check_whole`)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core import readonly_db
from hmi.core.alarms.cli import alarms_cli_main
from hmi.core.production.cli import production_cli_main
from hmi.core.review.report import build_report, to_markdown
from hmi.core.review.source import ReviewSource
from hmi.export_cli import export_cli_main
from hmi.journal_cli import journal_cli_main
from hmi.review_cli import report_main
from inference.assistant.ask_cli import ask_cli_main
from tests.test_review import T0, shift_journal

PAGE = 4096


@pytest.fixture(scope="module")
def journals(tmp_path_factory) -> tuple[Path, Path]:
    """(good day, the next day): a copy of the second is damaged per example."""
    d = tmp_path_factory.mktemp("journals")
    good = shift_journal(d / "a", T0)
    other = shift_journal(d / "b", T0 + 86_400)
    assert other.stat().st_size >= 8 * PAGE
    return good, other


def damage(data: bytes, first_page: int, pages: int, fill: str, seed: int) -> bytes:
    buf = bytearray(data)
    lo = max(first_page * PAGE, 100)  # page 1 keeps its 100-byte file header: "a valid header"
    hi = min((first_page + pages) * PAGE, len(buf))
    n = hi - lo
    if fill == "zeros":
        junk = bytes(n)
    elif fill == "ones":
        junk = b"\xff" * n
    else:
        junk = (hashlib.sha256(seed.to_bytes(8, "little")).digest() * (n // 32 + 1))[:n]
    buf[lo:hi] = junk
    return bytes(buf)


def is_damaged(path: Path) -> bool:
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check(1)").fetchall() != [("ok",)]
    except sqlite3.DatabaseError:
        return True
    finally:
        conn.close()


def damaged_tables(data: bytes, first_page: int, pages: int) -> set[str]:
    """The tables (an index counts as its table) whose pages the damage overwrites, from the page map of
    the undamaged bytes; "sqlite_schema" for the schema; free pages count as none."""
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "map.db"
        f.write_bytes(data)
        conn = sqlite3.connect(f"file:{f}?mode=ro&immutable=1", uri=True)
        try:
            owner = dict(conn.execute("SELECT name, tbl_name FROM sqlite_schema").fetchall())
            pages_of = conn.execute("SELECT pageno, name FROM dbstat").fetchall()
        finally:
            conn.close()
    hit = range(first_page + 1, first_page + pages + 1)  # dbstat counts pages from 1
    return {owner.get(name, name) for pageno, name in pages_of if pageno in hit}


def call(main: Callable[[list[str]], int], argv: list[str]) -> tuple[int, str]:
    """Run a command in-process, as a fresh process does: no verdict of an earlier command kept. An
    exception escaping it fails the test (a traceback for a user)."""
    readonly_db._verdicts.clear()
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(argv)
    return rc, err.getvalue()


def entry_points(folder: Path, good: Path, bad: Path, out: Path) -> dict[str, tuple[int, str]]:
    copy_dst = out / "copy.db"
    copy_dst.unlink(missing_ok=True)
    runs = {
        "report": call(report_main, ["--db", str(folder), "--markdown", str(out / "r.md")]),
        "ask": call(ask_cli_main, ["why did m stop?", "--db", str(bad), "--db", str(good)]),
        "alarms report": call(alarms_cli_main, ["report", "--db", str(bad), "--db", str(good)]),
        "production summary": call(production_cli_main, ["summary", "--db", str(bad), "--db", str(good)]),
        "export": call(export_cli_main, [str(folder), "--csv", str(out / "x.csv")]),
        "journal copy": call(journal_cli_main, ["copy", str(bad), str(copy_dst)]),
    }
    readonly_db._verdicts.clear()
    src = ReviewSource.open([folder])
    runs["review"] = (0 if src.paths else 2, "\n".join(src.problems) + f"\nreviewed: {src.paths}")
    readonly_db._verdicts.clear()
    src.check_whole()  # what the review window runs in the background once it shows
    runs["review, background check"] = (0, "\n".join(src.problems))
    return runs


WHOLE_CHECKED = ("ask", "export", "journal copy", "production summary", "review, background check")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first_page=st.integers(0, 40),
    pages=st.integers(1, 3),
    fill=st.sampled_from(["random", "zeros", "ones"]),
    seed=st.integers(0, 2**32),
)
def test_damaged_pages_are_named_and_left_out_at_every_entry_point(journals, first_page, pages, fill, seed):
    good_bytes, other_bytes = (p.read_bytes() for p in journals)
    with tempfile.TemporaryDirectory() as tmp:
        folder, out = Path(tmp) / "journals", Path(tmp) / "out"
        folder.mkdir()
        out.mkdir()
        good, bad = folder / "jt_2025-12-06.db", folder / "jt_2025-12-07.db"
        good.write_bytes(good_bytes)
        page_count = len(other_bytes) // PAGE
        first_page %= page_count
        bad.write_bytes(damage(other_bytes, first_page, pages, fill, seed))
        damaged = is_damaged(bad)
        in_tables_read_whole = bool(
            damaged_tables(other_bytes, first_page, pages) - readonly_db.SAMPLE_TABLES
        )
        before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}

        runs = entry_points(folder, good, bad, out)

        assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()} == before
        for name, (_rc, out_err) in runs.items():
            err = out_err.rsplit("reviewed: ", 1)[0]  # what it says, not the list of files it read
            if damaged and (in_tables_read_whole or name in WHOLE_CHECKED):
                assert bad.name in err and "damaged" in err, (name, err)
            elif damaged:  # only the sample data: named where a read met it, else the rest is read
                assert bad.name not in err or "damaged" in err, (name, err)
            else:  # the bytes hit nothing SQLite uses: the file reads as before
                assert bad.name not in err, (name, err)
        reviewed = runs["review"][1].rsplit("reviewed: ", 1)[1]
        assert str(good) in reviewed
        if damaged and in_tables_read_whole:
            assert reviewed == str([good])
        if damaged:
            assert runs["journal copy"][0] != 0 and not (out / "copy.db").exists()
        for name in ("report", "ask", "alarms report", "export", "review"):
            assert runs[name][0] == 0, (name, runs[name][1])
        # no production model in these test journals: the good file is read and says so
        assert "no production model journaled" in runs["production summary"][1]


def test_qa7_case_page_4_and_5_overwritten(journals, tmp_path):
    """qa7 G29: bytes 12288-20480 overwritten; the review died in historian.tag_info."""
    good_bytes, other_bytes = (p.read_bytes() for p in journals)
    folder = tmp_path / "j"
    folder.mkdir()
    good, bad = folder / "jt_2025-12-06.db", folder / "jt_2025-12-07.db"
    good.write_bytes(good_bytes)
    bad.write_bytes(damage(other_bytes, 3, 2, "random", 7))
    assert is_damaged(bad)
    runs = entry_points(folder, good, bad, tmp_path)
    for name, (_rc, err) in runs.items():
        assert f"{bad}: not a readable SQLite database (damaged: SQLite's check of the file finds" in err or (
            name == "journal copy" and f"{bad}: not a readable SQLite journal (damaged:" in err
        ), (name, err)
    assert sorted(p.name for p in folder.iterdir()) == [good.name, bad.name]
    shutil.rmtree(folder)


def test_every_damaged_page_of_the_sample_data_met_by_a_review_read_is_named_and_the_rest_read(
    journals, tmp_path
):
    """Each page of the sample data damaged in turn (the open does not check it): the review's reads
    (report figures, the trend of every tag over the record, the values at the cursor) meet it or not,
    never with an exception; a read that meets it names the file; the good day is still read; the
    whole check the window runs in the background names it in every case."""
    good_bytes, other_bytes = (p.read_bytes() for p in journals)
    tables = {n: damaged_tables(other_bytes, n, 1) for n in range(len(other_bytes) // PAGE)}
    sample_pages = [n for n, t in tables.items() if t and t <= readonly_db.SAMPLE_TABLES]
    assert len(sample_pages) >= 10
    met_by_a_read = 0
    recorded = ["m.state", "m.speed"]  # the fixture's sampled tags
    for n in sample_pages:
        folder = tmp_path / f"p{n}"
        folder.mkdir()
        good, bad = folder / "jt_2025-12-06.db", folder / "jt_2025-12-07.db"
        good.write_bytes(good_bytes)
        bad.write_bytes(damage(other_bytes, n, 1, "random", n))
        if not is_damaged(bad):
            continue
        readonly_db._verdicts.clear()
        src = ReviewSource.open([folder])
        assert good in src.paths
        report = to_markdown(build_report(src, src.t0, src.t1 + 1, "whole"))
        hist = src.historian()
        tags = [str(t["name"]) for t in src.tags()]
        pens = hist.read(tags, src.t0, src.t1 + 1, width_px=400).pens
        assert all(len(pens[t].points) for t in recorded), n  # the good day's samples at least
        for t in np.linspace(src.t0, src.t1, 7):
            hist.values_at(tags, float(t))
        named = [p for p in src.problems if bad.name in p]
        assert all("damaged" in p for p in named), named
        assert bad.name not in report or "damaged" in report
        met_by_a_read += bool(named)
        src.check_whole()
        assert any(bad.name in p and "damaged" in p for p in src.problems), (n, src.problems)
        assert hashlib.sha256(good.read_bytes()).digest() == hashlib.sha256(good_bytes).digest()
    assert met_by_a_read >= 3  # the read-time path is exercised, not only the whole check
