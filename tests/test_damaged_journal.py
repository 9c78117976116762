"""A journal with a valid SQLite header and damaged pages, next to a good one, at every command that
opens journals read-only: no traceback, the damaged file named with what is wrong and left out, the
good file still read, and neither file's bytes changed nor a side file made (README, "Bad input").

The damage is drawn at random (which pages, how many, what they are overwritten with); the oracle
for "is this file damaged" is SQLite's full `integrity_check` on the damaged bytes, which the code
under test does not run (it runs the cheaper `quick_check` at open)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmi.core.alarms.cli import alarms_cli_main
from hmi.core.production.cli import production_cli_main
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


@pytest.fixture(autouse=True)
def _qt_application(qapp):
    """`linehmi report` draws its images with Qt and makes a QGuiApplication when there is none. Run
    in this process first, that one stayed the process's application and the widget tests after it
    aborted (QWidget needs a QApplication): pytest-qt's QApplication is made first."""
    return qapp


def call(main: Callable[[list[str]], int], argv: list[str]) -> tuple[int, str]:
    """Run a command in-process: an exception escaping it fails the test (a traceback for a user)."""
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
    src = ReviewSource.open([folder])
    runs["review"] = (0 if src.paths else 2, "\n".join(src.problems) + f"\nreviewed: {src.paths}")
    return runs


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
        bad.write_bytes(damage(other_bytes, first_page % page_count, pages, fill, seed))
        damaged = is_damaged(bad)
        before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}

        runs = entry_points(folder, good, bad, out)

        assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()} == before
        for name, (_rc, err) in runs.items():
            if damaged:
                assert bad.name in err and "damaged" in err, (name, err)
            else:  # the bytes hit nothing SQLite uses: the file reads as before
                assert bad.name not in err, (name, err)
        if damaged:
            assert runs["review"][1].endswith(f"reviewed: {[good]}")
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
