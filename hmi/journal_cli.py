"""`linehmi journal copy SRC DST`: a consistent copy of a journal file, also while LineHMI writes it.

SQLite's online backup reads SRC as one snapshot (its .db and its -wal together) and writes DST as
one self-contained file, so nothing still waiting in the -wal is missed and no half-copied page
can be read. SRC is opened read-only and never changed. DST is a new file, or an existing folder:
the copy goes into it under SRC's own name ("copy the shift's journal file to another folder",
ACCEPTANCE step 10). An existing file is never overwritten; the new file's name is claimed with
O_EXCL before SQLite opens it, so two copies started together cannot both write it, and a copy
that fails part way is removed rather than left looking like a journal.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from pathlib import Path

from hmi.core.readonly_db import check_sound, connect_readonly, what_is_wrong


def copy_target(src: Path, dst: Path | str) -> Path:
    """The file a copy of `src` to `dst` writes: `dst` itself, or `dst/<src's name>` where `dst`
    is an existing folder. Raises ValueError naming the path and what was expected."""
    text = str(dst)
    dst = Path(dst)
    if dst.is_dir():
        return dst / src.name
    if text.endswith(("/", os.sep)):  # `copies/`: meant as a folder, and there is none
        raise ValueError(f"{dst}: no such folder (expected an existing folder to copy {src.name} into)")
    if not dst.parent.is_dir():
        what = "not a folder" if dst.parent.exists() else "no such folder"
        raise ValueError(f"{dst.parent}: {what} (expected an existing folder to write {dst.name} in)")
    return dst


def _taken(target: Path) -> ValueError:
    if target.is_dir():
        return ValueError(f"{target}: a folder of that name is already there (expected a new file name)")
    return ValueError(f"{target}: already exists (the copy goes to a new file; choose another name)")


def _claim(target: Path) -> None:
    """Create `target` empty, failing if it exists (O_EXCL: no race with another copy)."""
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    except FileExistsError:
        raise _taken(target) from None
    except OSError as exc:
        raise ValueError(
            f"{target.parent}: cannot write a new file here ({exc.strerror}; expected a folder you may write to)"
        ) from None


def copy_journal(src: Path, dst: Path | str) -> tuple[Path, int]:
    """Copy `src` to `dst` (a new file, or into an existing folder under `src`'s name): the file
    written and the number of pages copied. Raises ValueError naming the file and what was expected."""
    src = Path(src)
    if not src.is_file():
        raise ValueError(f"{src}: no such journal file (expected a line1_<date>.db file)")
    target = copy_target(src, dst)
    if target.exists():  # said before the whole-file check of SRC, which takes a while
        raise _taken(target)
    # hmi.core.readonly_db: nothing created beside SRC (a plain mode=ro of a closed WAL-mode file
    # leaves a -wal and -shm there), a live writer's commits included, and SQLite's page check:
    # a damaged file is named, not copied into a file that looks sound.
    try:
        source = connect_readonly(src)
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        check_sound(source, src, whole=True)
    except sqlite3.DatabaseError as exc:
        raise ValueError(
            f"{src}: not a readable SQLite journal ({what_is_wrong(exc)}); to keep the damaged file as it is, copy it"
            " with the file manager or `cp`"
        ) from None
    try:
        _claim(target)
        done = False
        try:
            # An empty file is an empty SQLite database: the backup fills the file just claimed.
            dest = sqlite3.connect(str(target))
            try:
                # One step (pages=-1): the whole source is read under one read transaction, so the
                # copy is one snapshot even while LineHMI commits.
                source.backup(dest)
                pages = int(dest.execute("PRAGMA page_count").fetchone()[0])
            finally:
                dest.close()
            done = True
        finally:
            if not done:  # a half-written copy must not be mistaken for the journal
                for leftover in (target, *(Path(f"{target}{s}") for s in ("-wal", "-shm", "-journal"))):
                    leftover.unlink(missing_ok=True)
    finally:
        source.close()
    # The copy keeps the WAL mode flag of its source: with no -wal next to it, it is complete.
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    return target, pages


def journal_cli_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="linehmi journal", description="journal file tools")
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("copy", help="a consistent copy of a journal file, also while LineHMI writes it")
    c.add_argument("src", help="the journal file (line1_<date>.db)")
    c.add_argument(
        "dst",
        help="the new file to write, or an existing folder: the copy goes into it under SRC's file name"
        " (an existing file is never overwritten)",
    )
    args = p.parse_args(argv)
    src, dst = Path(args.src), args.dst
    try:
        target, pages = copy_journal(src, dst)
    except ValueError as exc:
        print(f"linehmi journal copy: {exc}", file=sys.stderr)
        return 2
    except sqlite3.Error as exc:
        print(f"linehmi journal copy: {src} -> {dst}: {exc}", file=sys.stderr)
        return 1
    print(f"copied {src} -> {target} ({pages} pages, one self-contained file)")
    return 0
