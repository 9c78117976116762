"""`linehmi journal copy SRC DST`: a consistent copy of a journal file, also while LineHMI writes it.

SQLite's online backup reads SRC as one snapshot (its .db and its -wal together) and writes DST as
one self-contained file, so nothing still waiting in the -wal is missed and no half-copied page
can be read. SRC is opened read-only and never changed; DST must not exist yet.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from hmi.core.readonly_db import check_sound, connect_readonly, what_is_wrong


def copy_journal(src: Path, dst: Path) -> int:
    """Copy `src` to `dst` (a new file); the number of pages copied. Raises ValueError naming
    the file and what was expected."""
    if not src.is_file():
        raise ValueError(f"{src}: no such journal file (expected a line1_<date>.db file)")
    if dst.exists():
        raise ValueError(f"{dst}: already exists (the copy goes to a new file; choose another name)")
    if not dst.parent.is_dir():
        raise ValueError(f"{dst.parent}: no such folder")
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
        target = sqlite3.connect(str(dst))
        try:
            source.backup(target)
            pages = int(target.execute("PRAGMA page_count").fetchone()[0])
        finally:
            target.close()
    finally:
        source.close()
    # The copy keeps the WAL mode flag of its source: with no -wal next to it, it is complete.
    for suffix in ("-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    return pages


def journal_cli_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="linehmi journal", description="journal file tools")
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("copy", help="a consistent copy of a journal file, also while LineHMI writes it")
    c.add_argument("src", help="the journal file (line1_<date>.db)")
    c.add_argument("dst", help="the new file to write")
    args = p.parse_args(argv)
    src, dst = Path(args.src), Path(args.dst)
    try:
        pages = copy_journal(src, dst)
    except ValueError as exc:
        print(f"linehmi journal copy: {exc}", file=sys.stderr)
        return 2
    except sqlite3.Error as exc:
        print(f"linehmi journal copy: {src} -> {dst}: {exc}", file=sys.stderr)
        return 1
    print(f"copied {src} -> {dst} ({pages} pages, one self-contained file)")
    return 0
